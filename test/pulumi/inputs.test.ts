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
  licenses: [{ sku: 'ENTERPRISEPACK', disabledPlans: [], licenseSet: 'e3', group: null }],
  attributes: { jobTitle: 'Controller', businessPhones: [] },
  manager: 'alice@contoso.com',
  protected: false,
  whenMissing: 'create',
  policy: { paths: ['policies/'], digest: 'sha256:aa' },
};

const nothing: PrincipalPlan = { changes: [], errors: [], warnings: [], leftAlone: [] };
const plan = (...changes: Change[]): PrincipalPlan => ({ changes, errors: [], warnings: [], leftAlone: [] });
const state = (inputs: PrincipalInputs): Record<string, unknown> => ({ ...inputs, objectId: ID, tenantId: 't', warnings: [], lastChanges: [], leftAlone: [] });

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
    const blocked: PrincipalPlan = { changes: [], errors: [{ severity: 'error', code: 'upn-conflict', message: 'm', userPrincipalName: 'bob@contoso.com' }], warnings: [], leftAlone: [] };
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

  it('is an update when a declared attribute, the manager, protection, whenMissing or a license\'s group changed', () => {
    for (const changed of [
      { ...BOB, attributes: { jobTitle: 'CFO', businessPhones: [] } },
      { ...BOB, attributes: { jobTitle: 'Controller' } },
      { ...BOB, manager: '' },
      { ...BOB, protected: true },
      { ...BOB, whenMissing: 'report' as const },
      { ...BOB, licenses: [{ sku: 'ENTERPRISEPACK', disabledPlans: [], licenseSet: 'e3', group: 'Licensing E3' }] },
    ]) {
      expect(diffPrincipal(ID, state(BOB), changed, nothing, same).changes).toBe(true);
    }
    const { manager: _manager, ...unmanaged } = BOB;
    expect(diffPrincipal(ID, state(BOB), unmanaged, nothing, same).changes).toBe(true);
  });

  it('does not compare the inputs version 2 added with state version 1 wrote (the plan still shows the tenant\'s drift)', () => {
    const { attributes: _a, manager: _m, protected: _p, whenMissing: _w, ...v1 } = { ...BOB, schemaVersion: 1, licenses: [{ sku: 'ENTERPRISEPACK', disabledPlans: [], licenseSet: 'e3' }] };
    const old = { ...v1, objectId: ID, tenantId: 't', warnings: [], lastChanges: [] };
    expect(diffPrincipal(ID, old, BOB, nothing, same).changes).toBe(false);
    expect(diffPrincipal(ID, old, { ...BOB, displayName: 'Bob de Vries' }, nothing, same).changes).toBe(true);
  });

  it('shows a protected principal\'s drift once: an update when it differs from what state recorded, none once recorded', () => {
    const drift = { severity: 'info' as const, code: 'protected-drift' as const, message: 'protected: left alone; would set jobTitle "Controller"', userPrincipalName: 'bob@contoso.com' };
    const guarded: PrincipalInputs = { ...BOB, protected: true };
    const leftAlone: PrincipalPlan = { ...nothing, leftAlone: [drift] };
    expect(diffPrincipal(ID, state(guarded), guarded, leftAlone, same)).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
    expect(diffPrincipal(ID, { ...state(guarded), leftAlone: [drift.message] }, guarded, leftAlone, same).changes).toBe(false);
    expect(diffPrincipal(ID, { ...state(guarded), leftAlone: [drift.message] }, guarded, nothing, same).changes).toBe(true);
  });
});

describe('checkInputs', () => {
  const asRecord = (inputs: object): Record<string, unknown> => ({ ...inputs });

  it('accepts inputs made by the program, and state version 1 wrote (without the later inputs)', () => {
    expect(checkInputs(asRecord(BOB))).toEqual([]);
    const { attributes: _a, manager: _m, protected: _p, whenMissing: _w, ...v1 } = BOB;
    expect(checkInputs({ ...v1, schemaVersion: 1, licenses: [{ sku: 'ENTERPRISEPACK', disabledPlans: [], licenseSet: 'e3' }] })).toEqual([]);
    expect(checkInputs(asRecord({ ...BOB, kind: 'mailbox', accountEnabled: false, mailboxType: 'shared', usageLocation: null }))).toEqual([]);
  });

  it('names each bad property with what it must be', () => {
    const failures = checkInputs({ ...BOB, userPrincipalName: 'Bob@Contoso.com', kind: 'group', usageLocation: 'nl', licenses: [{ sku: 1 }], policy: { paths: [], digest: 'md5:x' } });
    expect(failures.map((f) => f.property)).toEqual(['userPrincipalName', 'kind', 'usageLocation', 'licenses', 'policy']);
    const later = checkInputs({ ...BOB, attributes: { displayName: 'Bob', jobTitle: 3 }, manager: 'Alice@Contoso.com', protected: 'yes', whenMissing: 'restore' });
    expect(later.map((f) => f.property)).toEqual(['attributes', 'manager', 'protected', 'whenMissing']);
    expect(checkInputs({ ...BOB, attributes: { surname: 'de Vries' }, manager: '' })).toEqual([]);
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
    const inline: PrincipalInputs = { ...BOB, licenses: [{ sku: 'ENTERPRISEPACK', disabledPlans: [], licenseSet: null, group: null }] };
    expect(diffPrincipal(ID, { ...state(inline), licenses: [{ sku: 'ENTERPRISEPACK', disabledPlans: [] }] }, inline, nothing, same).changes).toBe(false);
    expect(diffPrincipal(ID, { ...state(inline), licenses: [{ sku: 'ENTERPRISEPACK', disabledPlans: ['YAMMER_ENTERPRISE'] }] }, inline, nothing, same).changes).toBe(true);
  });
});
