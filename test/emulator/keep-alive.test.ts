/**
 * The emulator keeps an idle keep-alive connection open for minutes, as Graph's front doors do, not
 * Node's default 5 s (+1 s). With the default, a client whose event loop was busy longer than that
 * (the tests and the in-process CLI share the emulator's event loop; a Pulumi run under CPU load is
 * another process) sends its next request on the pooled socket as the server's idle timer fires, and
 * fetch fails with ECONNRESET.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator/server.ts';
import { IDLE_CONNECTION_MS, startEmulator } from '../../src/emulator/server.ts';
import { contoso } from '../support/emulator.ts';

let emulator: RunningEmulator;
beforeAll(async () => {
  emulator = await startEmulator({ seed: contoso(), port: 0 });
});
afterAll(() => emulator.close());

it('announces an idle timeout of minutes, not seconds', async () => {
  const response = await fetch(`${emulator.url}/_emulator/health`);
  await response.text();
  expect(response.headers.get('connection')).toBe('keep-alive');
  // Node announces exactly the idle time after which it destroys the socket.
  expect(response.headers.get('keep-alive')).toBe(`timeout=${IDLE_CONNECTION_MS / 1000}`);
  expect(IDLE_CONNECTION_MS).toBeGreaterThanOrEqual(60_000);
});
