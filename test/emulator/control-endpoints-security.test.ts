/**
 * Who may drive the emulator (docs/emulator.md §10): a web page in the developer's browser must
 * not, through DNS rebinding (a foreign Host) or a cross-site POST (an Origin, a text/plain body).
 * The repository's own clients (Node's fetch, the test helpers) keep working, and a seed of
 * thousands of users reloads through `POST /_emulator/seed`.
 */
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSyntheticSeed, startEmulator } from '../../src/emulator/index.ts';
import type { Emulator } from '../../src/emulator/index.ts';
import { MAX_SEED_BODY_BYTES } from '../../src/emulator/server.ts';
import { lastSeq, readState, requestsSince, reseed as reseedE2e, setFaults } from '../support/apply-e2e.ts';
import { contoso, TENANT_ID, useHarness } from '../support/emulator.ts';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A raw HTTP/1.1 request with exactly these headers (fetch does not let a caller set Host). */
function send(url: string, method: string, path: string, headers: Record<string, string>, body?: string): Promise<Answer> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const request = httpRequest({ host: target.hostname, port: target.port, method, path, headers, agent: false }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    request.on('error', reject);
    request.end(body);
  });
}

function errorOf(answer: Answer): { code: string; message: string } {
  return (JSON.parse(answer.body) as { error: { code: string; message: string } }).error;
}

let emulator: Emulator;
let host: string;
beforeAll(async () => {
  emulator = await startEmulator({ seed: contoso(), port: 0 });
  host = `127.0.0.1:${emulator.port}`;
});
afterAll(() => emulator.close());

async function stateText(): Promise<string> {
  return (await send(emulator.url, 'GET', '/_emulator/state', { Host: host })).body;
}

const CLOCK = JSON.stringify({ now: '2026-12-24T00:00:00Z' });
const EMPTY_SEED = JSON.stringify({ ...contoso(), users: [], deletedUsers: [], groups: [] });

describe('Host: only the emulator’s own loopback address (DNS rebinding)', () => {
  it('a control POST with Host evil.example:PORT is refused with 403 and changes nothing', async () => {
    const before = await stateText();
    for (const [path, body] of [['/_emulator/seed', EMPTY_SEED], ['/_emulator/clock', CLOCK], ['/_emulator/faults', JSON.stringify({ seed: 1, throttle: 1 })]] as const) {
      const answer = await send(emulator.url, 'POST', path, { Host: `evil.example:${emulator.port}`, 'Content-Type': 'application/json' }, body);
      expect(answer.status, path).toBe(403);
      expect(answer.headers['content-type']).toMatch(/^application\/json/u);
      expect(errorOf(answer)).toMatchObject({ code: 'ForbiddenHost' });
      expect(errorOf(answer).message).toContain('evil.example');
      expect(errorOf(answer).message).toContain(`127.0.0.1:${emulator.port}`);
    }
    expect(await stateText()).toBe(before);
    // No faults were set: a Graph-less control still answers normally.
    expect((await send(emulator.url, 'GET', '/_emulator/health', { Host: host })).status).toBe(200);
  });

  it('a control GET with a foreign Host cannot read the tenant', async () => {
    const answer = await send(emulator.url, 'GET', '/_emulator/state', { Host: `evil.example:${emulator.port}` });
    expect(answer.status).toBe(403);
    expect(answer.body).not.toContain('contoso.com');
  });

  it('the Graph routes and the token endpoint check Host too', async () => {
    const token = await send(emulator.url, 'POST', `/${TENANT_ID}/oauth2/v2.0/token`, { Host: `rebound.example:${emulator.port}`, 'Content-Type': 'application/x-www-form-urlencoded' }, 'grant_type=client_credentials&client_id=5e1c0000-0000-4000-8000-00000000a001&client_secret=emulator-secret-reconciler&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default');
    expect(token.status).toBe(403);
    expect(token.body).not.toContain('access_token');
    expect(errorOf(token).code).toBe('ForbiddenHost');
    const graph = await send(emulator.url, 'GET', '/v1.0/users', { Host: `rebound.example:${emulator.port}` });
    expect(graph.status).toBe(403);
    expect(errorOf(graph).code).toBe('ForbiddenHost');
  });

  it('the right name on another port, and a missing port, are refused', async () => {
    for (const value of [`127.0.0.1:${emulator.port + 1}`, '127.0.0.1', `127.0.0.2:${emulator.port}`, `[::1]:${emulator.port}`]) {
      expect((await send(emulator.url, 'GET', '/_emulator/health', { Host: value })).status, value).toBe(403);
    }
  });

  it('127.0.0.1:PORT and localhost:PORT (any case) are accepted', async () => {
    for (const value of [host, `localhost:${emulator.port}`, `LocalHost:${emulator.port}`]) {
      expect((await send(emulator.url, 'GET', '/_emulator/health', { Host: value })).status, value).toBe(200);
    }
  });
});

describe('controls refuse what a web page would send', () => {
  it('an Origin header is refused with 403 and changes nothing, whatever the origin', async () => {
    const before = await stateText();
    for (const origin of ['https://evil.example', 'null', `http://127.0.0.1:${emulator.port}`]) {
      const answer = await send(emulator.url, 'POST', '/_emulator/clock', { Host: host, Origin: origin, 'Content-Type': 'application/json' }, CLOCK);
      expect(answer.status, origin).toBe(403);
      expect(errorOf(answer)).toMatchObject({ code: 'ForbiddenOrigin' });
      expect(errorOf(answer).message).toContain('Origin');
    }
    const read = await send(emulator.url, 'GET', '/_emulator/state', { Host: host, Origin: 'https://evil.example' });
    expect(read.status).toBe(403);
    expect(await stateText()).toBe(before);
  });

  it('Sec-Fetch-Site cross-site or same-site is refused; none and same-origin are not', async () => {
    for (const site of ['cross-site', 'same-site']) {
      const answer = await send(emulator.url, 'GET', '/_emulator/health', { Host: host, 'Sec-Fetch-Site': site });
      expect(answer.status, site).toBe(403);
      expect(errorOf(answer).code).toBe('ForbiddenOrigin');
    }
    for (const site of ['none', 'same-origin']) {
      expect((await send(emulator.url, 'GET', '/_emulator/health', { Host: host, 'Sec-Fetch-Site': site })).status, site).toBe(200);
    }
  });

  it('a text/plain POST (a CORS simple request) is refused with 415 and changes nothing', async () => {
    const before = await stateText();
    const seed = await send(emulator.url, 'POST', '/_emulator/seed', { Host: host, 'Content-Type': 'text/plain;charset=UTF-8' }, EMPTY_SEED);
    expect(seed.status).toBe(415);
    expect(errorOf(seed)).toMatchObject({ code: 'UnsupportedMediaType' });
    expect(errorOf(seed).message).toContain('application/json');
    expect(errorOf(seed).message).toContain('text/plain');
    // fetch's default for a string body is text/plain.
    const viaFetch = await fetch(`${emulator.url}/_emulator/clock`, { method: 'POST', body: CLOCK });
    expect(viaFetch.status).toBe(415);
    for (const type of ['application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      expect((await send(emulator.url, 'POST', '/_emulator/clock', { Host: host, 'Content-Type': type }, CLOCK)).status, type).toBe(415);
    }
    const untyped = await send(emulator.url, 'POST', '/_emulator/clock', { Host: host }, CLOCK);
    expect(untyped.status).toBe(415);
    expect(errorOf(untyped).message).toContain('no Content-Type');
    expect(await stateText()).toBe(before);
  });

  it('application/json (with parameters) is accepted, and a POST without a body needs no Content-Type', async () => {
    const typed = await send(emulator.url, 'POST', '/_emulator/faults', { Host: host, 'Content-Type': 'Application/JSON; charset=utf-8' }, '{}');
    expect(typed.status).toBe(200);
    const empty = await send(emulator.url, 'POST', '/_emulator/faults', { Host: host });
    expect(empty.status).toBe(200);
    expect((await send(emulator.url, 'DELETE', '/_emulator/requests', { Host: host })).status).toBe(204);
  });
});

describe('the repository’s own clients still work', () => {
  const harness = useHarness();

  it('the harness: control, reseed, setClock', async () => {
    const h = harness();
    await h.setClock('2026-11-23T00:00:00Z');
    expect((await h.control('GET', 'health')).status).toBe(200);
    await h.reseed();
    expect((await h.raw('GET', '/users')).status).toBe(200);
    expect((await h.control('DELETE', 'requests')).status).toBe(204);
  });

  it('the apply-e2e helpers: reseed, setFaults, readState, requestsSince, lastSeq', async () => {
    await reseedE2e(emulator.url, contoso());
    await setFaults(emulator.url, {});
    const state = await readState(emulator.url);
    expect(state.users.length).toBe(contoso().users.length);
    expect(await requestsSince(emulator.url)).toEqual(expect.any(Array));
    expect(await lastSeq(emulator.url)).toEqual(expect.any(Number));
  });

  it('plain fetch with a JSON content type', async () => {
    const response = await fetch(`${emulator.url}/_emulator/limits`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
    expect(response.status).toBe(200);
  });
});

describe('POST /_emulator/seed takes large tenants', () => {
  it('a seed of 10,000 users (over the old 4 MB) reloads (twice, to the same state)', async () => {
    const seed = generateSyntheticSeed({ users: 10_000, deleted: 200, skus: 10, seed: 11 });
    const body = JSON.stringify(seed);
    expect(Buffer.byteLength(body)).toBeGreaterThan(4 * 1024 * 1024);
    const big = await startEmulator({ seed: contoso(), port: 0 });
    try {
      const response = await fetch(`${big.url}/_emulator/seed`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
      expect(response.status, await response.clone().text()).toBe(200);
      expect(await response.json()).toMatchObject({ status: 'seeded', tenantId: seed.tenantId });
      const dump = await (await fetch(`${big.url}/_emulator/state`)).text();
      expect((JSON.parse(dump) as { users: unknown[] }).users).toHaveLength(10_000);
      // Reseeding the same tenant (a test's reset) gives the same state.
      const again = await fetch(`${big.url}/_emulator/seed`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
      expect(again.status, await again.clone().text()).toBe(200);
      expect(await (await fetch(`${big.url}/_emulator/state`)).text()).toBe(dump);
    } finally {
      await big.close();
    }
  }, 60_000);

  it('a body declared larger than the bound is a 413 naming the limit, before it is read', async () => {
    expect(MAX_SEED_BODY_BYTES).toBe(256 * 1024 * 1024);
    const before = await stateText();
    const answer = await new Promise<Answer>((resolve, reject) => {
      const request = httpRequest({ host: '127.0.0.1', port: emulator.port, method: 'POST', path: '/_emulator/seed', agent: false, headers: { 'Content-Type': 'application/json', 'Content-Length': String(MAX_SEED_BODY_BYTES + 1) } }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          request.destroy();
          resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString('utf8') });
        });
      });
      request.on('error', reject);
      request.write('{"tenantId":');
    });
    expect(answer.status).toBe(413);
    expect(answer.headers.connection).toBe('close');
    expect(errorOf(answer)).toMatchObject({ code: 'RequestEntityTooLarge' });
    expect(errorOf(answer).message).toContain('256 MiB');
    expect(errorOf(answer).message).toContain('POST /_emulator/seed');
    expect(await stateText()).toBe(before);
  });

  it('a chunked body past the Graph bound (4 MiB) is a 413 too, and the emulator keeps serving', async () => {
    const answer = await new Promise<Answer>((resolve, reject) => {
      const request = httpRequest({ host: '127.0.0.1', port: emulator.port, method: 'POST', path: '/v1.0/users', agent: false, headers: { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' } }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          request.destroy();
          resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString('utf8') });
        });
      });
      request.on('error', () => undefined);
      request.write('x'.repeat(5 * 1024 * 1024), (error) => (error ? reject(error) : undefined));
    });
    expect(answer.status).toBe(413);
    expect(errorOf(answer).message).toContain('4 MiB');
    expect((await fetch(`${emulator.url}/_emulator/health`)).status).toBe(200);
  });
});
