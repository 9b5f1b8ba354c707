/**
 * The in-memory adapter beyond the contract: a busy run over a few thousand users ends where it must, and a read is a snapshot that
 * later writes do not change.
 */
import { describe, expect, it } from 'vitest';
import type { ObservedUser } from '../../src/domain/observed.ts';
import { createMemoryTenant } from '../../src/tenant/memory/tenant.ts';
import { BOB, contoso, E3 } from '../support/emulator.ts';
import { memoryInputFromSeed } from '../support/memory-seed.ts';
import { countingGuid } from '../support/seeds.ts';

const EXCHANGE_PLAN_2 = 'efb87545-963c-4e0d-99df-69c6916d9eb0';

function plainUser(i: number, deleted: boolean): ObservedUser {
  const licensed = i % 2 === 0;
  return {
    id: countingGuid(i, deleted ? 'dddd' : 'aaaa'),
    userPrincipalName: `${deleted ? 'gone' : 'user'}${i}@contoso.com`,
    displayName: `User ${i}`,
    accountEnabled: true,
    usageLocation: 'NL',
    mail: `${deleted ? 'gone' : 'user'}${i}@contoso.com`,
    proxyAddresses: [`SMTP:${deleted ? 'gone' : 'user'}${i}@contoso.com`],
    onPremisesSyncEnabled: null,
    assignedLicenses: licensed ? [{ skuId: E3, disabledPlans: [] }] : [],
    licenseAssignmentStates: licensed ? [{ skuId: E3, disabledPlans: [], assignedByGroup: null, state: 'Active', error: 'None' }] : [],
    assignedPlans: licensed ? [{ assignedDateTime: '2026-01-01T00:00:00Z', capabilityStatus: 'Enabled', service: 'exchange', servicePlanId: EXCHANGE_PLAN_2 }] : [],
    deletedDateTime: deleted ? '2026-11-15T00:00:00Z' : null,
  };
}

describe('memory adapter', () => {
  // Scale and speed are measured in bench/ (bench:plan, bench:apply), never timed here: this is the end state of a busy run.
  it('loads, reads and writes a tenant of 5,000 users and 500 deleted users, each read a snapshot of the writes before it', async () => {
    const base = memoryInputFromSeed(contoso());
    const tenant = createMemoryTenant({
      ...base,
      users: Array.from({ length: 5000 }, (_, i) => plainUser(i, false)),
      deletedUsers: Array.from({ length: 500 }, (_, i) => plainUser(i, true)),
      skus: base.skus.map((s) => (s.skuId === E3 ? { ...s, enabledUnits: 6000, consumedUnits: 2500 } : s)),
    });
    const declared = Array.from({ length: 200 }, (_, i) => `user${i}@contoso.com`);
    const first = await tenant.readTenant({ mailboxUserPrincipalNames: declared });
    for (let i = 0; i < 1000; i++) {
      await tenant.setAccountEnabled(countingGuid(i, 'aaaa'), false);
      await tenant.assignLicenses(countingGuid(2 * i + 1, 'aaaa'), [{ skuId: E3, disabledPlans: [] }], []);
      if (i % 100 === 0) await tenant.readTenant({ mailboxUserPrincipalNames: declared });
    }
    for (let i = 0; i < 100; i++) await tenant.restoreDeletedUser(countingGuid(i, 'dddd'), { autoReconcileProxyConflict: true });
    const last = await tenant.readTenant({ mailboxUserPrincipalNames: declared });

    expect(first.users).toHaveLength(5000);
    expect(first.mailboxes.size).toBe(200);
    expect(last.users).toHaveLength(5100);
    expect(last.deletedUsers).toHaveLength(400);
    expect(last.skus.find((s) => s.skuId === E3)?.consumedUnits).toBe(2500 + 1000 + 50);
  });

  it('hands out snapshots: a later write does not change what an earlier read returned', async () => {
    const tenant = createMemoryTenant(memoryInputFromSeed(contoso()));
    const before = await tenant.readTenant({ mailboxUserPrincipalNames: [] });
    const copy = structuredClone({ ...before, mailboxes: [...before.mailboxes], groupNames: [...before.groupNames] });
    await tenant.assignLicenses(BOB, [], [E3]);
    await tenant.setAccountEnabled(BOB, false);
    expect(structuredClone({ ...before, mailboxes: [...before.mailboxes], groupNames: [...before.groupNames] })).toEqual(copy);
    expect(Object.isFrozen(before.users[0])).toBe(true);
  });
});
