import { afterAll, beforeAll } from 'vitest';
import { startEmulator } from '../../src/emulator/server.ts';
import type { RunningEmulator } from '../../src/emulator/server.ts';
import { contoso } from '../support/emulator.ts';
import { graphTenantFor } from '../support/graph-tenant.ts';
import { tokenFor } from '../support/seeds.ts';
import { runTenantContract } from './contract.ts';
import { runDeltaContract } from './contract-delta.ts';

let emulator: RunningEmulator;

beforeAll(async () => {
  emulator = await startEmulator({ seed: contoso(), port: 0 });
});

afterAll(async () => {
  await emulator.close();
});

async function control(path: string, body: unknown): Promise<void> {
  const response = await fetch(`${emulator.url}/_emulator/${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  if (!response.ok) throw new Error(`POST /_emulator/${path}: ${response.status} ${await response.text()}`);
}

runTenantContract('Graph adapter against the emulator', async (seed) => {
  await control('seed', seed);
  const { tenant } = graphTenantFor(emulator.url, seed);
  return { tenant, setNow: (now) => control('clock', { now }) };
});

runDeltaContract('Graph adapter against the emulator', async (seed) => {
  await control('seed', seed);
  const { tenant } = graphTenantFor(emulator.url, seed);
  const token = await tokenFor(emulator.url, seed);
  // The port has no delete: the test deletes through Graph itself.
  const graphDelete = async (path: string): Promise<void> => {
    const response = await fetch(`${emulator.url}/v1.0${path}`, { method: 'DELETE', headers: { Authorization: `Bearer ${token}` } });
    if (response.status !== 204) throw new Error(`DELETE ${path}: ${response.status} ${await response.text()}`);
  };
  return {
    tenant,
    setNow: (now) => control('clock', { now }),
    deleteUser: (id) => graphDelete(`/users/${id}`),
    purgeUser: (id) => graphDelete(`/directory/deletedItems/${id}`),
  };
});
