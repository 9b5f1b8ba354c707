/**
 * Retries against the emulator: injected faults (`POST /_emulator/faults`: 429s, 5xx, resets) and
 * real throttling budgets (`POST /_emulator/limits`, inner-batch 429s). Reads still complete and
 * are exact. Time is injected on both sides: the emulator runs on a fake real-time clock that only
 * the adapter's `sleep` moves, so no test waits.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Seed } from '../../src/emulator/directory/model.ts';
import { startEmulator } from '../../src/emulator/server.ts';
import type { RunningEmulator } from '../../src/emulator/server.ts';
import { bigSeed, declaredMailboxes } from '../support/big-seed.ts';
import { GraphRequestError } from '../../src/tenant/graph/errors.ts';
import { BOB, contoso, DAVE, E3 } from '../support/emulator.ts';
import { graphTenantFor } from '../support/graph-tenant.ts';
import { expectedObservedTenant } from '../support/memory-seed.ts';

let emulator: RunningEmulator;
let fakeNowMs = Date.parse('2026-11-22T08:00:00Z');

beforeAll(async () => {
  emulator = await startEmulator({ seed: contoso(), port: 0, realNowMs: () => fakeNowMs });
});

afterAll(async () => {
  await emulator.close();
});

async function control(method: string, path: string, body?: unknown): Promise<void> {
  const response = await fetch(`${emulator.url}/_emulator/${path}`, { method, ...(body === undefined ? {} : { headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) }) });
  if (!response.ok) throw new Error(`${method} /_emulator/${path}: ${response.status} ${await response.text()}`);
}

async function reseed(seed: Seed): Promise<void> {
  await control('POST', 'faults', {});
  await control('POST', 'limits', {});
  await control('POST', 'seed', seed);
  await control('DELETE', 'requests');
}

/** The adapter on the emulator, its sleeps moving the emulator's clock. */
function adapter(seed: Seed): ReturnType<typeof graphTenantFor> {
  // One request per write: these tests look at how single requests are retried.
  return graphTenantFor(emulator.url, seed, {
    batchWrites: false,
    retry: {
      sleep: async (ms) => {
        fakeNowMs += ms;
        tenantSleeps.push(ms);
      },
      nowMs: () => fakeNowMs,
    },
  });
}
let tenantSleeps: number[] = [];

describe('Graph adapter retries against the emulator', () => {
  it.each([{ faultSeed: 1 }, { faultSeed: 2 }, { faultSeed: 3 }])('reads exactly with 10 percent throttling, 5 percent 5xx and 1 percent resets (fault seed $faultSeed)', async ({ faultSeed }) => {
    const seed = bigSeed({ users: 2100, deleted: 1100 });
    await reseed(seed);
    await control('POST', 'faults', { seed: faultSeed, throttle: 0.1, error5xx: 0.05, reset: 0.01 });
    tenantSleeps = [];
    const declared = declaredMailboxes(45);
    const observed = await adapter(seed).tenant.readTenant({ mailboxUserPrincipalNames: declared });
    await control('POST', 'faults', {});
    expect(observed).toEqual(expectedObservedTenant(seed, declared));
    const faulted = emulator.requests().filter((r) => r.status === 429 || r.status >= 500 || r.fault === 'reset');
    expect(faulted.length).toBeGreaterThan(0);
    expect(tenantSleeps.length).toBeGreaterThan(0);
  });

  it('retries reads over connection resets (30 percent of requests cut)', async () => {
    const seed = bigSeed({ users: 1200, deleted: 10 });
    await reseed(seed);
    // Seed 6 cuts three of the first four requests (batch items draw too, but a reset cuts only a connection).
    await control('POST', 'faults', { seed: 6, reset: 0.3 });
    tenantSleeps = [];
    const declared = declaredMailboxes(25);
    const observed = await adapter(seed).tenant.readTenant({ mailboxUserPrincipalNames: declared });
    await control('POST', 'faults', {});
    expect(observed).toEqual(expectedObservedTenant(seed, declared));
    expect(emulator.requests().filter((r) => r.fault === 'reset').length).toBeGreaterThan(0);
  });

  it('does not repeat a restore whose connection was cut (it may have happened), but repeats a PATCH', async () => {
    const seed = contoso();
    await reseed(seed);
    const { tenant } = adapter(seed);
    await tenant.readGrantedRoles();
    await control('POST', 'faults', { seed: 9, reset: 1 });
    const failure = await tenant.restoreDeletedUser(DAVE, { autoReconcileProxyConflict: true }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(GraphRequestError);
    expect(failure).toMatchObject({ kind: 'network', status: 0, retryable: false, method: 'POST' });
    expect(emulator.requests().filter((r) => r.path.endsWith('/restore')).length).toBe(1);
    const patch = await tenant.setAccountEnabled(BOB, false).catch((error: unknown) => error);
    expect(patch).toMatchObject({ kind: 'network', retryable: true });
    expect(emulator.requests().filter((r) => r.method === 'PATCH').length).toBe(7);
    await control('POST', 'faults', {});
  });

  it('waits exactly the Retry-After of injected 429s and 503s', async () => {
    const seed = contoso();
    await reseed(seed);
    await control('POST', 'faults', { seed: 11, throttle: 0.5 });
    tenantSleeps = [];
    await adapter(seed).tenant.readTenant({ mailboxUserPrincipalNames: [] });
    await control('POST', 'faults', {});
    // Injected Retry-After values are 0.05–0.5 s in whole milliseconds (src/emulator/controls/faults.ts).
    expect(tenantSleeps.length).toBeGreaterThan(0);
    for (const ms of tenantSleeps) expect(ms).toSatisfy((v: number) => Number.isInteger(v) && v >= 50 && v <= 500);
  });

  it('backs off exponentially with jitter when 429s carry no Retry-After', async () => {
    const seed = contoso();
    await reseed(seed);
    await control('POST', 'faults', { seed: 5, throttle: 0.6, omitRetryAfter: true });
    tenantSleeps = [];
    await adapter(seed).tenant.readTenant({ mailboxUserPrincipalNames: [] });
    await control('POST', 'faults', {});
    // random() is 0.5: the first retry waits 750 ms (1 s · (½ + ½·½)), the second 1500 ms, …
    expect(tenantSleeps.length).toBeGreaterThan(0);
    for (const ms of tenantSleeps) expect([750, 1500, 3000, 6000, 12_000, 24_000]).toContain(ms);
  });

  it('retries throttled items inside $batch, only those, after the longest Retry-After; top-level 429s too', async () => {
    const seed = bigSeed({ users: 60, deleted: 0 });
    await reseed(seed);
    // 15 resource units per second: the list calls and one batch's items exhaust it at once.
    await control('POST', 'limits', { resourceUnits: 15, resourceUnitWindowSeconds: 1 });
    tenantSleeps = [];
    const declared = declaredMailboxes(60);
    const observed = await adapter(seed).tenant.readTenant({ mailboxUserPrincipalNames: declared });
    await control('POST', 'limits', {});
    expect(observed).toEqual(expectedObservedTenant(seed, declared));

    const log = emulator.requests();
    const throttledItems = log.filter((r) => r.inBatch !== undefined && r.status === 429);
    expect(throttledItems.length).toBeGreaterThan(0);
    // Each mailbox succeeded exactly once; retried batches carried only items that had failed.
    const okItems = log.filter((r) => r.inBatch !== undefined && r.status === 200);
    expect(new Set(okItems.map((r) => r.path)).size).toBe(okItems.length);
    const batches = log.filter((r) => r.path === '/$batch');
    expect(batches.length).toBeGreaterThan(3);
    expect(batches.reduce((n, b) => n + (b.batchItems ?? 0), 0)).toBe(60 + throttledItems.length);
    expect(tenantSleeps.every((ms) => ms > 0 && ms <= 1000)).toBe(true);
  });

  it('retries writes throttled by the write budget', async () => {
    const seed = contoso();
    await reseed(seed);
    await control('POST', 'limits', { writes: 1, writeWindowSeconds: 2 });
    tenantSleeps = [];
    const { tenant } = adapter(seed);
    await tenant.setAccountEnabled(BOB, false);
    await tenant.assignLicenses(BOB, [{ skuId: E3, disabledPlans: [] }], []);
    await tenant.setAccountEnabled(BOB, true);
    await control('POST', 'limits', {});
    expect(emulator.requests().filter((r) => r.status === 429).length).toBeGreaterThan(0);
    expect(tenantSleeps.length).toBeGreaterThan(0);
    const bob = (await tenant.readTenant({ mailboxUserPrincipalNames: [] })).users.find((u) => u.id === BOB);
    expect(bob?.accountEnabled).toBe(true);
    expect(bob?.assignedLicenses).toContainEqual({ skuId: E3, disabledPlans: [] });
  });
});
