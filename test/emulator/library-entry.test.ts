/**
 * `tenantctl/emulator` (src/emulator/index.ts): what a tenant repository's own tests get. The
 * running emulator exposes exactly its documented members (docs/library.md), never the internal store.
 */
import { expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/index.ts';
import { contoso } from '../support/emulator.ts';
import { tokenFor } from '../support/seeds.ts';

it('starts an emulator with exactly the documented members, which work', async () => {
  const seed = contoso();
  const emulator = await startEmulator({ seed, port: 0 });
  try {
    expect(Object.keys(emulator).sort()).toEqual(['close', 'port', 'requests', 'tenantId', 'tokenRequests', 'url', 'whenIdle']);
    expect(emulator.url).toBe(`http://127.0.0.1:${emulator.port}`);
    const token = await tokenFor(emulator.url, seed);
    const response = await fetch(`${emulator.url}/v1.0/users?$select=id`, { headers: { Authorization: `Bearer ${token}` } });
    expect(response.status).toBe(200);
    await response.text();
    await emulator.whenIdle();
    expect(emulator.requests().map((r) => `${r.method} ${r.path}`)).toEqual(['GET /users']);
    expect(emulator.tokenRequests().length).toBeGreaterThan(0);
  } finally {
    await emulator.close();
  }
});
