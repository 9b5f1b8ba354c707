import { describe, expect, it } from 'vitest';
import type { Seed } from '../../src/emulator/directory/model.ts';
import { loadSeed, SeedError } from '../../src/emulator/directory/seed.ts';
import { dumpState } from '../../src/emulator/directory/state.ts';
import { contosoSeed } from '../support/seeds.ts';

const E3 = '6fd2c87f-b296-42f0-b197-1e91e994b900';
const EXCHANGE_PLAN_1_SKU = '4b9405b0-7788-4568-add1-99614e613b69';

/** The fixture with one change applied to a structured clone. */
function tweak(change: (seed: { -readonly [K in keyof Seed]: unknown } & Record<string, unknown>) => void): unknown {
  const seed = structuredClone(contosoSeed()) as unknown as { -readonly [K in keyof Seed]: unknown } & Record<string, unknown>;
  change(seed);
  return seed;
}

const TRUST: Record<string, unknown> = { name: 'main', issuer: 'https://token.actions.githubusercontent.com', subject: 'repo:contoso/tenant-config:ref:refs/heads/main', audiences: ['api://AzureADTokenExchange'] };

/** Gives the second app these federated credentials and takes its secret away. */
function federated(seed: Record<string, unknown>, credentials: readonly Record<string, unknown>[]): void {
  const app = (seed.apps as Record<string, unknown>[])[1] as Record<string, unknown>;
  app.federatedIdentityCredentials = credentials;
  delete app.clientSecret;
}

function seedError(json: unknown): SeedError {
  try {
    loadSeed(json);
  } catch (error) {
    if (error instanceof SeedError) return error;
    throw error;
  }
  throw new Error('the seed loaded');
}

describe('loading a seed', () => {
  it('derives seats, prefixes deleted UPNs and purges what is past 30 days', () => {
    const store = loadSeed(contosoSeed());
    // bob and alice (active) consume E3 seats; the deleted Alice and Dave keep their E3 license
    // (it comes back on restore) without a seat; erin is purged.
    expect(store.consumedUnits(E3)).toBe(2);
    expect(store.assignedLicenses(store.findDeleted('78bf875b-9343-4edc-9130-0d3958113564') ?? ({} as never)).map((l) => l.skuId)).toEqual([E3]);
    expect(store.findDeleted('78bf875b-9343-4edc-9130-0d3958113565')).toBeUndefined();
    expect(store.findDeleted('78bf875b-9343-4edc-9130-0d3958113563')?.userPrincipalName).toBe('78bf875b93434edc91300d3958113563alice@contoso.com');
    expect(store.deletedUsers()).toHaveLength(3);
  });

  it('gives group licenses while seats last, then CountViolation', () => {
    const store = loadSeed(contosoSeed());
    // One Exchange Plan 1 seat: the first member (by id) gets it, the second does not.
    const bob = store.findActive('bob@contoso.com');
    const alice = store.findActive('alice@contoso.com');
    expect(bob?.licenseAssignmentStates.find((s) => s.skuId === EXCHANGE_PLAN_1_SKU)).toMatchObject({ assignedByGroup: '9a000000-0000-4000-8000-000000000001', state: 'Active', error: 'None' });
    expect(alice?.licenseAssignmentStates.find((s) => s.skuId === EXCHANGE_PLAN_1_SKU)).toMatchObject({ state: 'Error', error: 'CountViolation' });
    expect(store.assignedLicenses(alice ?? ({} as never)).map((l) => l.skuId)).toEqual([E3]);
    expect(store.consumedUnits(EXCHANGE_PLAN_1_SKU)).toBe(1);
  });

  it('keeps seeded assignedPlans history and derives the rest', () => {
    const store = loadSeed(contosoSeed());
    expect(store.findActive('carol@contoso.com')?.assignedPlans).toEqual([
      { assignedDateTime: '2026-11-12T09:00:00Z', capabilityStatus: 'Deleted', service: 'exchange', servicePlanId: 'efb87545-963c-4e0d-99df-69c6916d9eb0' },
    ]);
    const bobPlans = store.findActive('bob@contoso.com')?.assignedPlans ?? [];
    expect(bobPlans.find((p) => p.servicePlanId === 'efb87545-963c-4e0d-99df-69c6916d9eb0')).toMatchObject({ capabilityStatus: 'Enabled', service: 'exchange' });
    // YAMMER_ENTERPRISE is disabled for bob: not an assigned plan.
    expect(bobPlans.some((p) => p.servicePlanId === '7547a3fe-08ee-4ccb-b430-5077c5041653')).toBe(false);
  });

  it('loads its own state dump back to the same state (apps need their secrets again)', () => {
    const store = loadSeed(contosoSeed());
    const dump = dumpState(store) as Record<string, unknown>;
    expect(JSON.stringify(dump)).not.toContain('emulator-secret');
    const reloaded = loadSeed({ ...dump, apps: contosoSeed().apps });
    expect(dumpState(reloaded)).toEqual(dump);
  });

  it('loads an app with federated identity credentials and no secret, and dumps its credentials back', () => {
    const seed = tweak((s) => federated(s, [TRUST, { ...TRUST, name: 'pull-requests', subject: 'repo:contoso/tenant-config:pull_request', description: 'plans only' }]));
    const dump = dumpState(loadSeed(seed)) as { apps: Record<string, unknown>[] };
    expect(dump.apps[1]).toEqual({
      clientId: '5e1c0000-0000-4000-8000-00000000a002',
      roles: ['User.Read.All'],
      displayName: 'read-only',
      federatedIdentityCredentials: [TRUST, { ...TRUST, name: 'pull-requests', subject: 'repo:contoso/tenant-config:pull_request', description: 'plans only' }],
    });
    // The dump of a federated-only app is a seed again.
    expect(dumpState(loadSeed({ ...dump, apps: [contosoSeed().apps[0], dump.apps[1]] }))).toEqual(dump);
  });

  it.each([
    ['a missing tenantId', (s: Record<string, unknown>) => delete s.tenantId, 'tenantId'],
    ['a bad GUID', (s: Record<string, unknown>) => ((s.users as Record<string, unknown>[])[1] as Record<string, unknown>).id = 'nope', 'users[1].id'],
    ['an unknown field', (s: Record<string, unknown>) => ((s.users as Record<string, unknown>[])[0] as Record<string, unknown>).manager = 'x', 'users[0].manager'],
    ['a license for an unsubscribed SKU', (s: Record<string, unknown>) => (((s.users as Record<string, unknown>[])[0] as { assignedLicenses: { skuId: string }[] }).assignedLicenses[0] as { skuId: string }).skuId = '00000000-0000-4000-8000-000000000000', 'users[0].assignedLicenses[0].skuId'],
    ['a disabled plan the SKU lacks', (s: Record<string, unknown>) => (((s.users as Record<string, unknown>[])[0] as { assignedLicenses: { disabledPlans: string[] }[] }).assignedLicenses[0] as { disabledPlans: string[] }).disabledPlans = ['00000000-0000-4000-8000-000000000000'], 'users[0].assignedLicenses[0].disabledPlans[0]'],
    ['two active users with one UPN', (s: Record<string, unknown>) => ((s.users as Record<string, unknown>[])[1] as Record<string, unknown>).userPrincipalName = 'BOB@contoso.com', 'users[1]'],
    ['an unverified domain', (s: Record<string, unknown>) => ((s.users as Record<string, unknown>[])[0] as Record<string, unknown>).userPrincipalName = 'bob@fabrikam.com', 'users[0]'],
    ['a deletion after now', (s: Record<string, unknown>) => ((s.deletedUsers as Record<string, unknown>[])[0] as Record<string, unknown>).deletedDateTime = '2027-01-01T00:00:00Z', 'deletedUsers[0].deletedDateTime'],
    ['a deleted user without deletedDateTime', (s: Record<string, unknown>) => delete ((s.deletedUsers as Record<string, unknown>[])[0] as Record<string, unknown>).deletedDateTime, 'deletedUsers[0].deletedDateTime'],
    ['a group member nobody is', (s: Record<string, unknown>) => ((s.groups as { members: string[] }[])[0] as { members: string[] }).members.push('00000000-0000-4000-8000-0000000000ff'), 'groups[0].members[2]'],
    ['an app listed twice', (s: Record<string, unknown>) => (s.apps as unknown[]).push((s.apps as unknown[])[0]), 'apps[2].clientId'],
    ['an app with neither secret nor federated credential', (s: Record<string, unknown>) => delete (s.apps as Record<string, unknown>[])[1]?.clientSecret, 'apps[1]'],
    ['an app with an empty list of federated credentials and no secret', (s: Record<string, unknown>) => federated(s, []), 'apps[1]'],
    ['a federated credential without subject', (s: Record<string, unknown>) => federated(s, [{ ...TRUST, subject: undefined }]), 'apps[1].federatedIdentityCredentials[0].subject'],
    ['a federated credential with two audiences', (s: Record<string, unknown>) => federated(s, [{ ...TRUST, audiences: ['api://AzureADTokenExchange', 'api://other'] }]), 'apps[1].federatedIdentityCredentials[0].audiences'],
    ['a federated credential with a field Graph lacks', (s: Record<string, unknown>) => federated(s, [{ ...TRUST, claimsMatchingExpression: 'x' }]), 'apps[1].federatedIdentityCredentials[0].claimsMatchingExpression'],
    ['a federated credential named with a space', (s: Record<string, unknown>) => federated(s, [{ ...TRUST, name: 'main branch' }]), 'apps[1].federatedIdentityCredentials[0].name'],
    ['a federated credential whose issuer is not a URL', (s: Record<string, unknown>) => federated(s, [{ ...TRUST, issuer: 'token.actions.githubusercontent.com' }]), 'apps[1].federatedIdentityCredentials[0].issuer'],
    ['two federated credentials with one name', (s: Record<string, unknown>) => federated(s, [TRUST, { ...TRUST, name: 'MAIN', subject: 'repo:contoso/tenant-config:pull_request' }]), 'apps[1].federatedIdentityCredentials[1].name'],
    ['two federated credentials with one issuer and subject', (s: Record<string, unknown>) => federated(s, [TRUST, { ...TRUST, name: 'again' }]), 'apps[1].federatedIdentityCredentials[1].subject'],
    ['21 federated credentials', (s: Record<string, unknown>) => federated(s, Array.from({ length: 21 }, (_, i) => ({ ...TRUST, name: `n${i}`, subject: `s${i}` }))), 'apps[1].federatedIdentityCredentials'],
  ])('names the field for %s', (_name, change, field) => {
    const error = seedError(tweak(change as (s: Record<string, unknown>) => void));
    expect(error.field).toBe(field);
    expect(error.message).toContain(field);
  });
});

describe('seed times', () => {
  it.each([
    { field: 'now', value: '2026-13-01T00:00:00Z' },
    { field: 'now', value: '2026-02-30T00:00:00Z' },
    { field: 'now', value: '2026-11-22T24:00:00Z' },
    { field: 'now', value: '2026-11-22 00:00:00Z' },
  ])('refuses $field = $value, naming the field', ({ field, value }) => {
    const seed = { ...contosoSeed(), [field]: value };
    expect(seedError(seed)).toMatchObject({ message: expect.stringContaining(field) });
  });

  it('accepts fractions and offsets', () => {
    expect(() => loadSeed({ ...contosoSeed(), now: '2026-11-22T01:30:00.250+01:30' })).not.toThrow();
  });
});
