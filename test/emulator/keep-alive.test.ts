/**
 * The emulator never closes an idle keep-alive connection itself. With Node's default (an idle timer
 * of keepAliveTimeout 5 s + 1 s) a client whose event loop was busy longer than that (the tests and
 * the in-process CLI share the emulator's event loop; a Pulumi run under CPU load is another process)
 * sends its next request on the pooled socket as the timer fires, and fetch fails with ECONNRESET.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator/server.ts';
import { startEmulator } from '../../src/emulator/server.ts';
import { contoso } from '../support/emulator.ts';

let emulator: RunningEmulator;
beforeAll(async () => {
  emulator = await startEmulator({ seed: contoso(), port: 0 });
});
afterAll(() => emulator.close());

it('keeps connections alive without announcing an idle timeout (clients close idle connections)', async () => {
  const response = await fetch(`${emulator.url}/_emulator/health`);
  await response.text();
  expect(response.headers.get('connection')).toBe('keep-alive');
  // Node sends `Keep-Alive: timeout=5` exactly when it will destroy the idle socket after that.
  expect(response.headers.get('keep-alive')).toBeNull();
});
