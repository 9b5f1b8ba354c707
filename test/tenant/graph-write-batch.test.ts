/**
 * Writes through the Graph adapter go in `$batch` requests of up to 20 (docs/graph-behaviour.md §10), and
 * items throttled inside a batch go again after their own Retry-After.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator/server.ts';
import { startEmulator } from '../../src/emulator/server.ts';
import { graphTenantFor } from '../support/graph-tenant.ts';
import { seedWithUsers } from '../support/seeds.ts';

const E3 = '6fd2c87f-b296-42f0-b197-1e91e994b900';
const USERS = 45;
let emulator: RunningEmulator;
/** The emulator's clock (its write budgets' windows), moved only by the adapter's waits: no test waits. */
let fakeNowMs = Date.now();
const seed = (() => {
  const base = seedWithUsers(USERS);
  return { ...base, subscribedSkus: base.subscribedSkus.map((s) => (s.skuId === E3 ? { ...s, prepaidUnits: { ...s.prepaidUnits, enabled: 100 } } : s)) };
})();

beforeAll(async () => {
  emulator = await startEmulator({ seed, port: 0, realNowMs: () => fakeNowMs });
});
afterAll(() => emulator.close());

async function reset(limits: Record<string, number> = {}): Promise<void> {
  await fetch(`${emulator.url}/_emulator/seed`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(seed) });
  await fetch(`${emulator.url}/_emulator/limits`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(limits) });
  await fetch(`${emulator.url}/_emulator/requests`, { method: 'DELETE' });
}

function assignAll(tenant: ReturnType<typeof graphTenantFor>['tenant']): Promise<unknown[]> {
  return Promise.all(Array.from({ length: USERS }, (_, i) => tenant.assignLicenses(`user${i}@contoso.com`, [{ skuId: E3, disabledPlans: [] }], [])));
}

describe('writes in $batch', () => {
  it('sends concurrent writes in batches of at most 20, and each lands', async () => {
    await reset();
    const { tenant } = graphTenantFor(emulator.url, seed);
    await tenant.readGrantedRoles();
    await assignAll(tenant);
    const log = emulator.requests();
    const batches = log.filter((e) => e.path === '/$batch');
    const items = log.filter((e) => e.inBatch !== undefined && e.path.endsWith('/assignLicense'));
    expect(items).toHaveLength(USERS);
    expect(items.every((e) => e.status === 200)).toBe(true);
    expect(batches.length).toBeLessThanOrEqual(Math.ceil(USERS / 20) + 1);
    expect(Math.max(...batches.map((b) => b.batchItems ?? 0))).toBeLessThanOrEqual(20);
    expect(log.filter((e) => e.inBatch === undefined && e.path.endsWith('/assignLicense'))).toEqual([]);
    const state = (await (await fetch(`${emulator.url}/_emulator/state`)).json()) as { users: { userPrincipalName: string; assignedLicenses: { skuId: string }[] }[] };
    const licensed = state.users.filter((u) => /^user\d+@/u.test(u.userPrincipalName) && u.assignedLicenses.some((l) => l.skuId === E3));
    expect(licensed).toHaveLength(USERS);
  });

  it('sends items throttled inside a batch again after their Retry-After, until all land', async () => {
    await reset({ writes: 20, writeWindowSeconds: 1 });
    const { tenant } = graphTenantFor(emulator.url, seed, {
      retry: {
        sleep: async (ms) => {
          fakeNowMs += ms;
        },
        nowMs: () => fakeNowMs,
      },
    });
    await tenant.readGrantedRoles();
    await assignAll(tenant);
    const items = emulator.requests().filter((e) => e.inBatch !== undefined && e.path.endsWith('/assignLicense'));
    expect(items.filter((e) => e.status === 429).length).toBeGreaterThan(0);
    expect(items.filter((e) => e.status === 200)).toHaveLength(USERS);
  });
});

describe('backing off before the budget runs out', () => {
  it('pauses the next batch when Graph reports the write budget nearly used', async () => {
    await reset({ writes: 50, writeWindowSeconds: 60 });
    const sleeps: number[] = [];
    const { tenant } = graphTenantFor(emulator.url, seed, { retry: { sleep: async (ms) => void sleeps.push(ms) } });
    await tenant.readGrantedRoles();
    // 45 of 50 writes: the answers carry x-ms-throttle-limit-percentage ≥ 0.9, so the next batch waits.
    await assignAll(tenant);
    await tenant.setAccountEnabled('user1@contoso.com', false);
    expect(sleeps.some((ms) => ms > 0 && ms <= 1000)).toBe(true);
  });
});
