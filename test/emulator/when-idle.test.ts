/**
 * `RunningEmulator.whenIdle()`: resolves once no request is being handled, including a request whose
 * client has gone (a killed `tenantctl apply`, test/engine/apply-crash.test.ts). Each test learns that
 * the emulator holds its request from the emulator itself, by an `Expect: 100-continue` header: Node's
 * server answers `100 Continue` in the same turn in which it starts handling the request, so when the
 * client hears it, the request is in flight. No test waits for time.
 */
import { request as httpRequest } from 'node:http';
import type { ClientRequest } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator/server.ts';
import { startEmulator } from '../../src/emulator/server.ts';
import { setFaults } from '../support/apply-e2e.ts';
import { contoso } from '../support/emulator.ts';
import { tokenFor } from '../support/seeds.ts';

const seed = contoso();
let emulator: RunningEmulator;
let token: string;
let userId: string;

beforeAll(async () => {
  emulator = await startEmulator({ seed, port: 0 });
  token = await tokenFor(emulator.url, seed);
});
afterAll(() => emulator.close());
beforeEach(async () => {
  await setFaults(emulator.url, {});
  userId = emulator.store().activeUsers()[0]?.id ?? '';
  expect(userId).not.toBe('');
});

/** A PATCH of the user's displayName whose headers are sent at once, asking for `100 Continue`. */
function patchUser(displayName: string): { request: ClientRequest; body: string; continued: Promise<void> } {
  const body = JSON.stringify({ displayName });
  const request = httpRequest(`${emulator.url}/v1.0/users/${userId}`, {
    method: 'PATCH',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), Expect: '100-continue' },
  });
  const continued = new Promise<void>((resolve, reject) => {
    request.once('continue', () => resolve());
    request.once('error', reject);
  });
  return { request, body, continued };
}

/** Lets every callback that is already due run, twice over (whenIdle checks after the I/O of its turn). */
async function turns(): Promise<void> {
  for (let i = 0; i < 2; i++) await new Promise((resolve) => setImmediate(resolve));
}

function displayName(): string | undefined {
  return emulator.store().activeUsers().find((u) => u.id === userId)?.displayName;
}

describe('whenIdle', () => {
  it('resolves when no request is being handled', async () => {
    await emulator.whenIdle();
    const health = await fetch(`${emulator.url}/_emulator/health`);
    expect(health.status).toBe(200);
    await health.text();
    await emulator.whenIdle();
  });

  it('waits for a request being handled, and resolves once its handler has carried it out', async () => {
    const { request, body, continued } = patchUser('Patched while watched');
    const answered = new Promise<number | undefined>((resolve, reject) => {
      request.once('response', (response) => {
        response.resume();
        resolve(response.statusCode);
      });
      request.once('error', reject);
    });
    request.flushHeaders();
    await continued;

    let idle = false;
    const whenIdle = emulator.whenIdle().then(() => (idle = true));
    await turns();
    expect(idle, 'whenIdle resolved while the request waited for its body').toBe(false);

    request.end(body);
    await whenIdle;
    expect(displayName()).toBe('Patched while watched');
    expect(emulator.requests().at(-1)).toMatchObject({ method: 'PATCH', path: `/users/${userId}`, status: 204 });
    expect(await answered).toBe(204);
  });

  it('waits for the handler of a request whose client has gone: the write still lands', async () => {
    // The emulator waits this long before it carries a Graph request out; the client leaves meanwhile.
    await setFaults(emulator.url, { latencyMs: [200, 200] });
    const before = emulator.requests().at(-1)?.seq ?? 0;
    const { request, body, continued } = patchUser('Patched after the client left');
    request.on('error', () => undefined); // the socket is destroyed below
    request.end(body);
    await continued;
    request.destroy();

    await emulator.whenIdle();
    expect(displayName()).toBe('Patched after the client left');
    expect(emulator.requests().filter((e) => e.seq > before)).toEqual([expect.objectContaining({ method: 'PATCH', path: `/users/${userId}`, status: 204 })]);
  });
});
