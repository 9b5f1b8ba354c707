/**
 * load → read → plan (planTenant, src/engine/reconcile.ts): what it asks the tenant for (only what the
 * policy declares), whose clock the plan is made at (TENANTCTL_NOW, else the tenant's, else the local
 * one), and the protected principals it carries.
 */
import { describe, expect, it } from 'vitest';
import type { ObservedTenant } from '../../src/domain/observed.ts';
import { planTenant, readRequestFor } from '../../src/engine/reconcile.ts';
import { loadPolicy } from '../../src/policy/load.ts';
import path from 'node:path';
import { createMemoryTenant } from '../../src/tenant/memory/tenant.ts';
import type { ReadTenantRequest, TenantReader } from '../../src/tenant/port.ts';
import { policyDir } from '../support/apply-e2e.ts';
import { contoso, DAVE, FIXTURE_NOW } from '../support/emulator.ts';
import { memoryInputFromSeed } from '../support/memory-seed.ts';
import { declaredMailbox, declaredUser, desired, desiredLicense, groupSetLicense } from '../support/planning.ts';

describe('readRequestFor', () => {
  it('asks for nothing more than mailboxes when the policy declares no attribute, manager or group', () => {
    expect(readRequestFor(desired([declaredUser('a@contoso.com'), declaredMailbox('m@contoso.com')]))).toEqual({ mailboxUserPrincipalNames: ['m@contoso.com'] });
  });

  it('asks for the declared attributes but displayName (each once, in ATTRIBUTE_NAMES order), managers, and every group the policy names', () => {
    const state = desired([
      declaredUser('a@contoso.com', { attributes: { displayName: 'A', jobTitle: 'Engineer', businessPhones: null }, licenses: [groupSetLicense('e3group', 'ENTERPRISEPACK', 'Licensing E3'), desiredLicense('EMS')] }),
      declaredUser('b@contoso.com', { attributes: { department: '', jobTitle: null }, manager: null, licenses: [groupSetLicense('e3group', 'ENTERPRISEPACK', 'Licensing E3')] }),
    ]);
    const withSets = { ...state, licenseSets: new Map([['e3group', groupSetLicense('e3group', 'ENTERPRISEPACK', 'Licensing E3')], ['unused', groupSetLicense('unused', 'EMS', '9a000000-0000-4000-8000-0000000000e5')]]) };
    expect(readRequestFor(withSets)).toEqual({
      mailboxUserPrincipalNames: [],
      attributes: ['jobTitle', 'department', 'businessPhones'],
      managers: true,
      groups: ['Licensing E3', '9a000000-0000-4000-8000-0000000000e5'],
    });
  });
});

describe('planTenant', () => {
  const TENANT_CLOCK = '2026-11-25T12:00:00Z';
  // Dave was deleted 2026-11-01T09:00:00Z: restorable until 2026-12-01T09:00:00Z.
  const POLICY = 'defaults: {restore: {autoReconcileProxyConflict: true}}\nusers:\n  - {userPrincipalName: dave@contoso.com, displayName: Dave Visser, protected: false}\n'
    + '  - {userPrincipalName: carol@contoso.com, displayName: Somebody Else, protected: true}\n';

  /** The memory tenant at its own clock; `readAt: null`: a tenant whose answers carried no time. */
  function reader(readAt?: null): TenantReader & { requests: ReadTenantRequest[] } {
    const memory = createMemoryTenant(memoryInputFromSeed(contoso()));
    memory.setNow(TENANT_CLOCK);
    const requests: ReadTenantRequest[] = [];
    return {
      requests,
      readGrantedRoles: () => memory.readGrantedRoles(),
      readUser: (p) => memory.readUser(p),
      readTenant: async (request): Promise<ObservedTenant> => {
        requests.push(request);
        const observed = await memory.readTenant(request);
        return readAt === null ? { ...observed, readAt: null } : observed;
      },
    };
  }

  async function planned(tenant: TenantReader, times: { now: string; fixedNow?: string }) {
    const dir = policyDir(POLICY);
    const outcome = await planTenant({ paths: [dir], cwd: dir, reader: tenant, ...times });
    if (outcome.kind !== 'planned') throw new Error('invalid policy');
    return outcome.plan;
  }

  const daysLeft = (plan: Awaited<ReturnType<typeof planned>>): number | undefined => {
    const restore = plan.changes.find((c) => c.action === 'restore-user' && c.objectId === DAVE);
    return restore?.action === 'restore-user' ? restore.details.daysLeft : undefined;
  };

  it('is made at the tenant\'s clock, not the local one', async () => {
    const plan = await planned(reader(), { now: '2030-01-01T00:00:00Z' });
    expect(plan.createdAt).toBe(TENANT_CLOCK);
    expect(daysLeft(plan)).toBe(5);
  });

  it('is made at TENANTCTL_NOW when it is set, whatever the tenant\'s clock', async () => {
    const plan = await planned(reader(), { now: '2030-01-01T00:00:00Z', fixedNow: FIXTURE_NOW });
    expect(plan.createdAt).toBe(FIXTURE_NOW);
    expect(daysLeft(plan)).toBe(9);
  });

  it('is made at the local clock when the tenant did not say its time', async () => {
    const plan = await planned(reader(null), { now: '2026-11-30T00:00:00Z' });
    expect(plan.createdAt).toBe('2026-11-30T00:00:00Z');
    expect(daysLeft(plan)).toBe(1);
  });

  it('carries the protected principals, counted in the summary, and no change for them', async () => {
    const tenant = reader();
    const plan = await planned(tenant, { now: FIXTURE_NOW });
    expect(plan.protectedPrincipals).toEqual(['carol@contoso.com']);
    expect(plan.summary.protected).toBe(1);
    expect(plan.changes.map((c) => c.userPrincipalName)).not.toContain('carol@contoso.com');
    expect(plan.diagnostics.filter((d) => d.code === 'protected-drift').map((d) => d.userPrincipalName)).toEqual(['carol@contoso.com']);
    expect(tenant.requests).toEqual([{ mailboxUserPrincipalNames: [] }]);
  });
});

describe('planTenant while the digest is hashed', () => {
  it('reports a read that fails while a large policy is hashed, as the plan\'s failure and never as an unhandled rejection', async () => {
    // More principals than the digest hashes between two turns of the event loop: the read fails in one of them.
    const users = Array.from({ length: 5000 }, (_, i) => `  - {userPrincipalName: user${i}@contoso.com, displayName: User ${i}}`);
    const dir = policyDir(`users:\n${users.join('\n')}\n`);
    const unhandled: unknown[] = [];
    const record = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', record);
    try {
      const failure = new Error('Graph is down');
      const reader: TenantReader = {
        readGrantedRoles: async () => ['User.ReadWrite.All', 'User.DeleteRestore.All', 'LicenseAssignment.ReadWrite.All', 'MailboxSettings.Read'],
        readUser: async () => undefined,
        readTenant: () => Promise.reject(failure),
      };
      await expect(planTenant({ paths: [dir], cwd: dir, reader, now: FIXTURE_NOW })).rejects.toBe(failure);
      // Let any unhandled rejection surface before looking.
      await new Promise<void>((resolve) => setImmediate(resolve));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', record);
    }
  });
});

describe('planTenant with a policy already read', () => {
  it('plans that policy and reads no file: the paths are only recorded', async () => {
    const dir = policyDir('users:\n  - {userPrincipalName: bob@contoso.com, displayName: Bob de Vries, licenses: [e3]}\n');
    const policy = await loadPolicy([dir], { cwd: dir });
    const tenant = createMemoryTenant(memoryInputFromSeed(contoso()));
    const outcome = await planTenant({ paths: ['/no/such/folder'], cwd: dir, reader: tenant, now: FIXTURE_NOW, policy });
    expect(outcome.kind).toBe('planned');
    if (outcome.kind === 'planned') expect(outcome.plan.policyPaths).toEqual([path.relative(dir, '/no/such/folder')]);
  });
});
