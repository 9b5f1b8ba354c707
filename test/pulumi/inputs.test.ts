/**
 * The pure half of the Pulumi resources: inputs from the policy, the check of inputs arriving from
 * state, and the diff decision from a principal's share of the plan.
 */
import { describe, expect, it } from 'vitest';
import type { Change } from '../../src/domain/plan.ts';
import type { PrincipalInputs, PrincipalPlan } from '../../src/pulumi/inputs.ts';
import { checkInputs, diffPrincipal, RESOURCE_SCHEMA_VERSION } from '../../src/pulumi/inputs.ts';

const ID = '0b1f5a1e-1111-4000-8000-000000000001';

const BOB: PrincipalInputs = {
  schemaVersion: RESOURCE_SCHEMA_VERSION,
  kind: 'user',
  userPrincipalName: 'bob@contoso.com',
  displayName: 'Bob',
  accountEnabled: true,
  usageLocation: 'NL',
  mailboxType: null,
  licenses: [{ sku: 'ENTERPRISEPACK', disabledPlans: [], licenseSet: 'e3' }],
  policy: { paths: ['policies/'], digest: 'sha256:aa' },
};

const nothing: PrincipalPlan = { changes: [], errors: [], warnings: [] };
const plan = (...changes: Change[]): PrincipalPlan => ({ changes, errors: [], warnings: [] });
const state = (inputs: PrincipalInputs): Record<string, unknown> => ({ ...inputs, objectId: ID, tenantId: 't', warnings: [], lastChanges: [] });

const same = { kind: 'existing', id: ID } as const;

describe('diffPrincipal', () => {
  it('is no change when the plan has nothing and the declared inputs are the same, whatever the policy digest', () => {
    expect(diffPrincipal(ID, state(BOB), { ...BOB, policy: { paths: ['policies/'], digest: 'sha256:bb' } }, nothing, same)).toEqual({ changes: false, replaces: [], deleteBeforeReplace: false });
  });

  it('is an update when the tenant drifted (the plan has changes) though the inputs are the same', () => {
    const assign: Change = { action: 'assign-licenses', userPrincipalName: 'bob@contoso.com', objectId: ID, reason: 'r', details: { add: [] } };
    expect(diffPrincipal(ID, state(BOB), BOB, plan(assign), same)).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
  });

  it('is an update when a declared input changed, even if the tenant already matches', () => {
    expect(diffPrincipal(ID, state(BOB), { ...BOB, displayName: 'Bob de Vries' }, nothing, same).changes).toBe(true);
    expect(diffPrincipal(ID, state(BOB), { ...BOB, licenses: [] }, nothing, same).changes).toBe(true);
  });

  it('is an update (which then fails with the reason) when the plan blocks the principal, so the rest of the run goes on', () => {
    const blocked: PrincipalPlan = { changes: [], errors: [{ severity: 'error', code: 'upn-conflict', message: 'm', userPrincipalName: 'bob@contoso.com' }], warnings: [] };
    expect(diffPrincipal(ID, state(BOB), BOB, blocked, same)).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
  });

  it('is an update when the plan restores this very object (the id survives a restore)', () => {
    expect(diffPrincipal(ID.toUpperCase(), state(BOB), BOB, nothing, same)).toEqual({ changes: false, replaces: [], deleteBeforeReplace: false });
  });

  it('is a replacement when the principal is, or becomes, another object: a creation, another restored one, a user re-created under the UPN', () => {
    const replace = { changes: true, replaces: ['objectId'], deleteBeforeReplace: true };
    expect(diffPrincipal(ID, state(BOB), BOB, nothing, { kind: 'new' })).toEqual(replace);
    expect(diffPrincipal(ID, state(BOB), BOB, nothing, { kind: 'existing', id: '78bf875b-9343-4edc-9130-0d3958113563' })).toEqual(replace);
  });

  it('keeps the resource when the tenant has no object for it and plans nothing (the plan says why)', () => {
    expect(diffPrincipal(ID, state(BOB), BOB, nothing, undefined).changes).toBe(false);
  });
});

describe('checkInputs', () => {
  const asRecord = (inputs: object): Record<string, unknown> => ({ ...inputs });

  it('accepts inputs made by the program', () => {
    expect(checkInputs(asRecord(BOB))).toEqual([]);
    expect(checkInputs(asRecord({ ...BOB, kind: 'mailbox', accountEnabled: false, mailboxType: 'shared', usageLocation: null }))).toEqual([]);
  });

  it('names each bad property with what it must be', () => {
    const failures = checkInputs({ ...BOB, userPrincipalName: 'Bob@Contoso.com', kind: 'group', usageLocation: 'nl', licenses: [{ sku: 1 }], policy: { paths: [], digest: 'md5:x' } });
    expect(failures.map((f) => f.property)).toEqual(['userPrincipalName', 'kind', 'usageLocation', 'licenses', 'policy']);
  });

  it('takes an absent value for null (Pulumi may drop a null on the way)', () => {
    const { usageLocation: _u, mailboxType: _m, ...rest } = BOB;
    expect(checkInputs({ ...rest, licenses: [{ sku: 'ENTERPRISEPACK', disabledPlans: [] }] })).toEqual([]);
  });

  it('refuses a mailbox that signs in, and state written by a newer tenantctl', () => {
    expect(checkInputs(asRecord({ ...BOB, kind: 'mailbox', accountEnabled: true }))).toEqual([{ property: 'accountEnabled', reason: 'a shared, room or equipment mailbox never signs in' }]);
    expect(checkInputs(asRecord({ ...BOB, schemaVersion: RESOURCE_SCHEMA_VERSION + 1 }))[0]?.reason).toMatch(/written by a newer tenantctl; upgrade tenantctl/u);
  });
});

describe('diffPrincipal and Pulumi\'s serialization', () => {
  it('treats a null that state dropped, and reordered keys, as no change', () => {
    const fromState = { ...state(BOB), mailboxType: undefined, licenses: [{ disabledPlans: [], sku: 'ENTERPRISEPACK', licenseSet: 'e3' }] };
    expect(diffPrincipal(ID, fromState, BOB, nothing, same).changes).toBe(false);
    const inline: PrincipalInputs = { ...BOB, licenses: [{ sku: 'ENTERPRISEPACK', disabledPlans: [], licenseSet: null }] };
    expect(diffPrincipal(ID, { ...state(inline), licenses: [{ sku: 'ENTERPRISEPACK', disabledPlans: [] }] }, inline, nothing, same).changes).toBe(false);
    expect(diffPrincipal(ID, { ...state(inline), licenses: [{ sku: 'ENTERPRISEPACK', disabledPlans: ['YAMMER_ENTERPRISE'] }] }, inline, nothing, same).changes).toBe(true);
  });
});
