// How the planner's rules combine (docs/reconciliation.md): restores and licenses, seats across the whole
// plan, group and direct licenses, pruning, usage location, blocking errors, and the order of
// changes.
import { describe, expect, it } from 'vitest';
import type { Change } from '../../src/domain/plan.ts';
import { ACTION_ORDER } from '../../src/domain/plan.ts';
import {
  actionLines,
  daysAgo,
  declaredMailbox,
  declaredUser,
  deletedUser,
  desired,
  desiredLicense,
  directLicense,
  E3,
  E5,
  e5,
  groupLicense,
  guid,
  holding,
  license,
  planAt,
  sku,
  SWAY,
  tenant,
  user,
  withoutReasons,
} from '../support/planning.ts';

const e3 = desiredLicense('ENTERPRISEPACK');
const e5Declared = desiredLicense('SPE_E5');
const GROUP = guid(901);

function assigned(changes: readonly Change[], upn: string): readonly { skuId: string; replaces?: unknown }[] {
  const change = changes.find((c) => c.action === 'assign-licenses' && c.userPrincipalName === upn);
  return change?.action === 'assign-licenses' ? change.details.add : [];
}

describe('restore, then license', () => {
  it('the restored user’s licenses come back with it: only the missing ones are added', () => {
    const alice = deletedUser('alice@contoso.com', daysAgo(6), { assignedLicenses: [license(E3)] });
    const plan = planAt(desired([declaredUser('alice@contoso.com', { licenses: [e3, e5Declared] })]), tenant({ deleted: [alice], skus: [sku(), e5()] }));
    expect(withoutReasons(plan.changes)).toEqual([
      expect.objectContaining({ action: 'restore-user', objectId: alice.id, details: expect.objectContaining({ licenses: [E3] }) }),
      { action: 'assign-licenses', userPrincipalName: 'alice@contoso.com', objectId: alice.id, details: { add: [{ skuId: E5, skuPartNumber: 'SPE_E5', disabledPlans: [], disabledPlanNames: [] }] } },
    ]);
    expect(plan.diagnostics).toEqual([]);
  });

  it('a restored user without a usage location gets one before the license, all on the restored object', () => {
    const alice = deletedUser('alice@contoso.com', daysAgo(6), { usageLocation: null });
    const plan = planAt(desired([declaredUser('alice@contoso.com', { licenses: [e3] })]), tenant({ deleted: [alice] }));
    expect(actionLines(plan.changes)).toEqual(['restore-user alice@contoso.com', 'set-usage-location alice@contoso.com', 'assign-licenses alice@contoso.com']);
    expect(plan.changes.map((c) => ('objectId' in c ? c.objectId : undefined))).toEqual([alice.id, alice.id, alice.id]);
  });

  it('with a rename, the restore targets the deleted object and later changes the active holder of the UPN', () => {
    const newcomer = user('alice@contoso.com', { mail: null, proxyAddresses: [] });
    const alice = deletedUser('alice@contoso.com', daysAgo(5), { mail: null, proxyAddresses: [] });
    const plan = planAt(desired([declaredUser('alice@contoso.com', { licenses: [e3] })], { restore: { onUpnConflict: 'rename' } }), tenant({ users: [newcomer], deleted: [alice] }));
    expect(plan.changes.map((c) => [c.action, 'objectId' in c ? c.objectId : undefined])).toEqual([
      ['restore-user', alice.id],
      ['assign-licenses', newcomer.id],
    ]);
  });

  it('restored licenses with other disabled plans are replaced in place', () => {
    const alice = deletedUser('alice@contoso.com', daysAgo(6), { assignedLicenses: [license(E3)] });
    const plan = planAt(desired([declaredUser('alice@contoso.com', { licenses: [desiredLicense('ENTERPRISEPACK', ['SWAY'])] })]), tenant({ deleted: [alice], skus: [sku({ enabledUnits: 1, consumedUnits: 1 })] }));
    expect(assigned(plan.changes, 'alice@contoso.com')).toEqual([expect.objectContaining({ skuId: E3, disabledPlans: [SWAY], replaces: { disabledPlans: [], disabledPlanNames: [] } })]);
    // The restore itself overdraws the SKU (a warning); the replacement needs no seat (no error).
    expect(plan.diagnostics.map((d) => [d.code, d.severity])).toEqual([['seat-shortfall', 'warning']]);
  });
});

describe('seats across the plan', () => {
  it('restores are counted first: a restore takes the last free seat, a new assignment goes without', () => {
    const zoe = deletedUser('zoe@contoso.com', daysAgo(4), { assignedLicenses: [license(E3)] });
    const plan = planAt(
      desired([declaredUser('bob@contoso.com', { licenses: [e3] }), declaredUser('zoe@contoso.com', { licenses: [e3] })]),
      tenant({ users: [user('bob@contoso.com')], deleted: [zoe], skus: [sku({ enabledUnits: 3, consumedUnits: 2 })] }),
    );
    expect(actionLines(plan.changes)).toEqual(['restore-user zoe@contoso.com']);
    expect(plan.diagnostics.map((d) => [d.code, d.severity, d.userPrincipalName])).toEqual([
      ['seat-shortfall', 'error', undefined],
      ['seat-shortfall', 'warning', 'bob@contoso.com'],
    ]);
    expect(plan.diagnostics[0]?.message).toContain('1 seat needed, 0 available; not assigned to bob@contoso.com');
  });

  it('restores beyond the free seats warn, and leave no seat for new assignments', () => {
    const zoe = deletedUser('zoe@contoso.com', daysAgo(4), { assignedLicenses: [license(E3)] });
    const yan = deletedUser('yan@contoso.com', daysAgo(4), { assignedLicenses: [license(E3)] });
    const plan = planAt(
      desired([declaredUser('bob@contoso.com', { licenses: [e3] }), declaredUser('yan@contoso.com'), declaredUser('zoe@contoso.com')]),
      tenant({ users: [user('bob@contoso.com')], deleted: [zoe, yan], skus: [sku({ enabledUnits: 3, consumedUnits: 2 })] }),
    );
    expect(actionLines(plan.changes)).toEqual(['restore-user yan@contoso.com', 'restore-user zoe@contoso.com']);
    const seats = plan.diagnostics.filter((d) => d.code === 'seat-shortfall');
    expect(seats.map((d) => d.severity).sort()).toEqual(['error', 'warning', 'warning']);
    expect(seats.find((d) => d.severity === 'warning' && d.userPrincipalName === undefined)?.message).toContain('restores bring back 2 ENTERPRISEPACK (Office 365 E3) licenses with 1 seat free: the tenant will use 1 more');
    expect(seats.find((d) => d.severity === 'error')?.message).toContain('1 seat needed, 0 available; not assigned to bob@contoso.com');
  });

  it('seats freed by pruning wait for the next plan (apply runs principals concurrently)', () => {
    const plan = planAt(
      desired([declaredUser('alice@contoso.com'), declaredUser('bob@contoso.com', { licenses: [e3] })], { pruneLicenses: true }),
      tenant({ users: [user('alice@contoso.com', { assignedLicenses: [license(E3)] }), user('bob@contoso.com')], skus: [sku({ enabledUnits: 1, consumedUnits: 1 })] }),
    );
    expect(actionLines(plan.changes)).toEqual(['remove-licenses alice@contoso.com']);
    expect(plan.diagnostics.map((d) => [d.code, d.severity, d.userPrincipalName])).toEqual([
      ['seat-shortfall', 'error', undefined],
      ['seat-shortfall', 'warning', 'bob@contoso.com'],
    ]);
  });

  it('replacing disabled plans needs no seat', () => {
    const plan = planAt(
      desired([declaredUser('bob@contoso.com', { licenses: [desiredLicense('ENTERPRISEPACK', ['SWAY'])] })]),
      tenant({ users: [user('bob@contoso.com', { assignedLicenses: [license(E3)] })], skus: [sku({ enabledUnits: 1, consumedUnits: 1 })] }),
    );
    expect(actionLines(plan.changes)).toEqual(['assign-licenses bob@contoso.com']);
    expect(plan.diagnostics).toEqual([]);
  });

  it('a shortfall on one SKU keeps the principal’s other SKU and other changes', () => {
    const bob = user('bob@contoso.com', { accountEnabled: false });
    const plan = planAt(
      desired([declaredUser('bob@contoso.com', { licenses: [e3, e5Declared] })]),
      tenant({ users: [bob], skus: [sku({ enabledUnits: 0, consumedUnits: 0 }), e5()] }),
    );
    expect(actionLines(plan.changes)).toEqual(['assign-licenses bob@contoso.com', 'enable-sign-in bob@contoso.com']);
    expect(assigned(plan.changes, 'bob@contoso.com').map((l) => l.skuId)).toEqual([E5]);
  });

  it('the shortfall is dealt out in UPN order, whatever the policy order: the later principals go without', () => {
    const plan = planAt(
      desired(['dave', 'bob', 'carol'].map((n) => declaredUser(`${n}@contoso.com`, { licenses: [e3] }))),
      tenant({ users: ['carol', 'dave', 'bob'].map((n) => user(`${n}@contoso.com`)), skus: [sku({ enabledUnits: 2, consumedUnits: 1 })] }),
    );
    expect(actionLines(plan.changes)).toEqual(['assign-licenses bob@contoso.com']);
    const errors = plan.diagnostics.filter((d) => d.code === 'seat-shortfall' && d.severity === 'error');
    expect(errors.length).toBeGreaterThan(0);
    const text = errors.map((d) => d.message).join('\n');
    for (const fact of ['ENTERPRISEPACK', '3 seats needed, 1 available', 'carol@contoso.com', 'dave@contoso.com']) expect(text).toContain(fact);
    expect(text).not.toContain('bob@contoso.com');
  });

  it('negative free seats (over-consumed) count as none available', () => {
    const plan = planAt(desired([declaredUser('bob@contoso.com', { licenses: [e3] })]), tenant({ users: [user('bob@contoso.com')], skus: [sku({ enabledUnits: 2, consumedUnits: 5 })] }));
    expect(plan.changes).toEqual([]);
    expect(plan.diagnostics.find((d) => d.severity === 'error')?.message).toContain('1 seat needed, 0 available');
  });
});

describe('group and direct licenses', () => {
  it('a group license plus a direct one for the same declared SKU: satisfied by the direct one, nothing to do', () => {
    const bob = user('bob@contoso.com', holding([directLicense(E3), groupLicense(E3, GROUP)]));
    const plan = planAt(desired([declaredUser('bob@contoso.com', { licenses: [e3] })]), tenant({ users: [bob], groups: [[GROUP, 'E3 users']] }));
    expect(plan).toEqual({ changes: [], diagnostics: [], protectedPrincipals: [] });
  });

  it('a group license plus a direct one with other disabled plans: the direct one is replaced, no seat needed', () => {
    const bob = user('bob@contoso.com', holding([directLicense(E3), groupLicense(E3, GROUP)]));
    const plan = planAt(
      desired([declaredUser('bob@contoso.com', { licenses: [desiredLicense('ENTERPRISEPACK', ['SWAY'])] })]),
      tenant({ users: [bob], groups: [[GROUP, 'E3 users']], skus: [sku({ enabledUnits: 1, consumedUnits: 1 })] }),
    );
    expect(assigned(plan.changes, 'bob@contoso.com')).toEqual([expect.objectContaining({ skuId: E3, disabledPlans: [SWAY], replaces: expect.anything() })]);
    expect(plan.diagnostics).toEqual([]);
  });

  it('a group license plus a direct one for an undeclared SKU: pruning removes only the direct one', () => {
    const bob = user('bob@contoso.com', holding([directLicense(E3), groupLicense(E3, GROUP)]));
    const plan = planAt(desired([declaredUser('bob@contoso.com')], { pruneLicenses: true }), tenant({ users: [bob] }));
    expect(withoutReasons(plan.changes)).toEqual([{ action: 'remove-licenses', userPrincipalName: 'bob@contoso.com', objectId: bob.id, details: { remove: [{ skuId: E3, skuPartNumber: 'ENTERPRISEPACK' }] } }]);
  });

  it('a group license alone for an undeclared SKU is neither pruned nor reported', () => {
    const bob = user('bob@contoso.com', holding([groupLicense(E5, GROUP)]));
    for (const pruneLicenses of [true, false]) {
      expect(planAt(desired([declaredUser('bob@contoso.com')], { pruneLicenses }), tenant({ users: [bob], skus: [sku(), e5()] }))).toEqual({ changes: [], diagnostics: [], protectedPrincipals: [] });
    }
  });

  it('a group license in error does not satisfy the declaration: a direct one is assigned, the error reported', () => {
    const bob = user('bob@contoso.com', { assignedLicenses: [], licenseAssignmentStates: [groupLicense(E3, GROUP, { state: 'Error', error: 'MutuallyExclusiveViolation' })] });
    const plan = planAt(desired([declaredUser('bob@contoso.com', { licenses: [e3] })]), tenant({ users: [bob] }));
    expect(actionLines(plan.changes)).toEqual(['assign-licenses bob@contoso.com']);
    expect(plan.diagnostics.map((d) => d.code)).toEqual(['group-license-error']);
  });
});

describe('prune on and off', () => {
  const bob = user('bob@contoso.com', { assignedLicenses: [license(E3), license(E5)] });
  const observed = tenant({ users: [bob], skus: [sku(), e5()] });
  const principals = [declaredUser('bob@contoso.com', { licenses: [e3] })];

  it('off: the undeclared license stays and is reported (info)', () => {
    const plan = planAt(desired(principals, { pruneLicenses: false }), observed);
    expect(plan.changes).toEqual([]);
    expect(plan.diagnostics.map((d) => [d.code, d.severity])).toEqual([['undeclared-license', 'info']]);
  });

  it('on: the undeclared license is removed, not reported', () => {
    const plan = planAt(desired(principals, { pruneLicenses: true }), observed);
    expect(withoutReasons(plan.changes)).toEqual([{ action: 'remove-licenses', userPrincipalName: 'bob@contoso.com', objectId: bob.id, details: { remove: [{ skuId: E5, skuPartNumber: 'SPE_E5' }] } }]);
    expect(plan.diagnostics).toEqual([]);
  });

  it('on: a principal with no licenses declared loses all its direct ones', () => {
    const plan = planAt(desired([declaredUser('bob@contoso.com')], { pruneLicenses: true }), observed);
    expect(withoutReasons(plan.changes)).toEqual([
      { action: 'remove-licenses', userPrincipalName: 'bob@contoso.com', objectId: bob.id, details: { remove: [{ skuId: E3, skuPartNumber: 'ENTERPRISEPACK' }, { skuId: E5, skuPartNumber: 'SPE_E5' }] } },
    ]);
  });

  it('on: adding and removing in one plan, add first', () => {
    const plan = planAt(desired([declaredUser('bob@contoso.com', { licenses: [e5Declared] })], { pruneLicenses: true }), tenant({ users: [user('bob@contoso.com', { assignedLicenses: [license(E3)] })], skus: [sku(), e5()] }));
    expect(actionLines(plan.changes)).toEqual(['assign-licenses bob@contoso.com', 'remove-licenses bob@contoso.com']);
  });
});

describe('usage location only when a license is added', () => {
  it('no usage location and nothing to add: no change, no diagnostic', () => {
    const plan = planAt(desired([declaredUser('bob@contoso.com')], { usageLocation: null }), tenant({ users: [user('bob@contoso.com', { usageLocation: null })] }));
    expect(plan).toEqual({ changes: [], diagnostics: [], protectedPrincipals: [] });
  });

  it('another usage location than the policy’s, nothing to add: left alone', () => {
    const plan = planAt(desired([declaredUser('bob@contoso.com', { usageLocation: 'BE' })]), tenant({ users: [user('bob@contoso.com', { usageLocation: 'DE' })] }));
    expect(plan.changes).toEqual([]);
  });

  it('a usage location of its own is kept when the principal declares none (the default is for users with none)', () => {
    const plan = planAt(desired([declaredUser('bob@contoso.com', { licenses: [e3] })]), tenant({ users: [user('bob@contoso.com', { usageLocation: 'DE' })] }));
    expect(actionLines(plan.changes)).toEqual(['assign-licenses bob@contoso.com']);
  });

  it('all additions dropped for lack of seats: no usage location change either', () => {
    const plan = planAt(desired([declaredUser('bob@contoso.com', { licenses: [e3] })]), tenant({ users: [user('bob@contoso.com', { usageLocation: null })], skus: [sku({ enabledUnits: 0 })] }));
    expect(plan.changes).toEqual([]);
  });
});

describe('errors block only their principal', () => {
  it('alice’s unknown SKU blocks all of alice’s changes; bob and carol are still planned', () => {
    const plan = planAt(
      desired([
        declaredUser('alice@contoso.com', { licenses: [desiredLicense('NOPE')] }),
        declaredUser('bob@contoso.com', { licenses: [e3] }),
        declaredUser('carol@contoso.com', { accountEnabled: false }),
      ]),
      tenant({ users: [user('alice@contoso.com', { accountEnabled: false, usageLocation: null }), user('bob@contoso.com'), user('carol@contoso.com')] }),
    );
    expect(actionLines(plan.changes)).toEqual(['assign-licenses bob@contoso.com', 'block-sign-in carol@contoso.com']);
    expect(plan.diagnostics.map((d) => [d.code, d.userPrincipalName])).toEqual([['unknown-sku', 'alice@contoso.com']]);
  });

  it('a not-restorable, a synced and a conflicting principal do not stop a restore', () => {
    const plan = planAt(
      desired([declaredUser('alice@contoso.com'), declaredUser('dave@contoso.com', { whenMissing: 'report' }), declaredUser('erin@contoso.com'), declaredUser('zoe@contoso.com')]),
      tenant({
        users: [user('erin@contoso.com')],
        deleted: [deletedUser('alice@contoso.com', daysAgo(3), { onPremisesSyncEnabled: true }), deletedUser('erin@contoso.com', daysAgo(3)), deletedUser('zoe@contoso.com', daysAgo(3))],
      }),
    );
    expect(actionLines(plan.changes)).toEqual(['restore-user zoe@contoso.com']);
    expect(plan.diagnostics.map((d) => `${d.code} ${d.userPrincipalName}`)).toEqual(['synced-from-on-premises alice@contoso.com', 'not-restorable dave@contoso.com', 'upn-conflict erin@contoso.com']);
  });

  it('a blocked principal’s licenses take no seat from the others', () => {
    const plan = planAt(
      desired([declaredUser('alice@contoso.com', { licenses: [e3], usageLocation: 'NL' }), declaredUser('bob@contoso.com', { licenses: [e3, desiredLicense('NOPE')] })]),
      tenant({ users: [user('alice@contoso.com'), user('bob@contoso.com')], skus: [sku({ enabledUnits: 1 })] }),
    );
    expect(actionLines(plan.changes)).toEqual(['assign-licenses alice@contoso.com']);
    expect(plan.diagnostics.map((d) => d.code)).not.toContain('seat-shortfall');
  });
});

describe('creating a user', () => {
  it('gets its usage location in the create body, not as a separate change', () => {
    const plan = planAt(desired([declaredUser('carol@contoso.com', { licenses: [e3] })]), tenant());
    expect(withoutReasons(plan.changes)).toEqual([
      { action: 'create-user', userPrincipalName: 'carol@contoso.com', details: { displayName: 'carol', mailNickname: 'carol', accountEnabled: true, usageLocation: 'NL' } },
      { action: 'assign-licenses', userPrincipalName: 'carol@contoso.com', details: { add: [{ skuId: E3, skuPartNumber: 'ENTERPRISEPACK', disabledPlans: [], disabledPlanNames: [] }] } },
    ]);
  });

  it('the principal’s own usage location wins over the default in the body', () => {
    const plan = planAt(desired([declaredUser('carol@contoso.com', { usageLocation: 'BE', licenses: [e3] })]), tenant());
    expect(plan.changes[0]).toMatchObject({ action: 'create-user', details: { usageLocation: 'BE' } });
    expect(actionLines(plan.changes)).toEqual(['create-user carol@contoso.com', 'assign-licenses carol@contoso.com']);
  });

  it('created blocked: accountEnabled false goes in the body, no block-sign-in change', () => {
    const plan = planAt(desired([declaredUser('carol@contoso.com', { accountEnabled: false })]), tenant());
    expect(withoutReasons(plan.changes)).toEqual([{ action: 'create-user', userPrincipalName: 'carol@contoso.com', details: { displayName: 'carol', mailNickname: 'carol', accountEnabled: false, usageLocation: 'NL' } }]);
  });

  it('a user purged 40 days ago is created new (whenMissing: create, the default), never restored', () => {
    const plan = planAt(desired([declaredUser('carol@contoso.com')]), tenant({ deleted: [deletedUser('carol@contoso.com', daysAgo(40))] }));
    expect(actionLines(plan.changes)).toEqual(['create-user carol@contoso.com']);
    expect(plan.changes[0]?.reason).toContain('2026-10-13');
  });
});

describe('deterministic order of changes', () => {
  it('principals by UPN, ACTION_ORDER within each, whatever the order of policy and tenant', () => {
    const zoe = deletedUser('zoe@contoso.com', daysAgo(4), { usageLocation: null });
    const alice = user('alice@contoso.com', { accountEnabled: false, usageLocation: null, assignedLicenses: [license(E5)] });
    const support = user('support@contoso.com');
    const principals = [
      declaredMailbox('support@contoso.com'),
      declaredUser('zoe@contoso.com', { licenses: [e3], accountEnabled: false }),
      declaredUser('mia@contoso.com', { licenses: [e3] }),
      declaredUser('alice@contoso.com', { licenses: [e3] }),
    ];
    const plan = planAt(desired(principals, { pruneLicenses: true }), tenant({ users: [support, alice], deleted: [zoe], skus: [e5(), sku()] }));
    const expected = [
      'set-usage-location alice@contoso.com',
      'assign-licenses alice@contoso.com',
      'remove-licenses alice@contoso.com',
      'enable-sign-in alice@contoso.com',
      'create-user mia@contoso.com',
      'assign-licenses mia@contoso.com',
      'block-sign-in support@contoso.com',
      'restore-user zoe@contoso.com',
      'set-usage-location zoe@contoso.com',
      'assign-licenses zoe@contoso.com',
      'block-sign-in zoe@contoso.com',
    ];
    expect(actionLines(plan.changes)).toEqual(expected);
    const reversed = planAt(desired([...principals].reverse(), { pruneLicenses: true }), tenant({ users: [alice, support], deleted: [zoe], skus: [sku(), e5()] }));
    expect(reversed).toEqual(plan);
    const ranks = plan.changes.map((c) => [c.userPrincipalName, ACTION_ORDER.indexOf(c.action)] as const);
    expect([...ranks].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] - b[1]))).toEqual(ranks);
  });
});

describe('matching by mail and proxy address (docs/reconciliation.md §2, docs/graph-behaviour.md §1)', () => {
  it('a deleted user is found by its UPN case-insensitively, and with no id prefix on its UPN', () => {
    const alice = deletedUser('Alice@Contoso.com', daysAgo(3), { userPrincipalName: 'Alice@Contoso.com' });
    const plan = planAt(desired([declaredUser('alice@contoso.com', { displayName: alice.displayName })]), tenant({ deleted: [alice] }));
    expect(withoutReasons(plan.changes)).toEqual([expect.objectContaining({ action: 'restore-user', objectId: alice.id })]);
  });

  // docs/reconciliation.md §2 (match with the id prefix removed; fall back to mail and proxy addresses);
  // docs/graph-behaviour.md §1 client rule. The planner pools UPN and address matches and lets the most
  // recently deleted win, so a.jansen's object (matching only through a secondary address) is
  // restored for alice although alice's own object is in the recycle bin.
  it('a UPN match wins over a more recent address-only match', () => {
    const byUpn = deletedUser('alice@contoso.com', daysAgo(9), { mail: null, proxyAddresses: [] });
    const byAddress = deletedUser('a.jansen@contoso.com', daysAgo(2), { mail: 'a.jansen@contoso.com', proxyAddresses: ['smtp:alice@contoso.com'] });
    const plan = planAt(desired([declaredUser('alice@contoso.com')]), tenant({ deleted: [byUpn, byAddress] }));
    expect(plan.changes.map((c) => ('objectId' in c ? c.objectId : undefined))).toEqual([byUpn.id]);
  });

  it('an address match is the fallback when no UPN matches', () => {
    const old = deletedUser('a.jansen@contoso.com', daysAgo(2), { mail: 'a.jansen@contoso.com', proxyAddresses: ['SMTP:a.jansen@contoso.com', 'smtp:Alice@contoso.com'] });
    const plan = planAt(desired([declaredUser('alice@contoso.com', { displayName: old.displayName })]), tenant({ deleted: [old] }));
    expect(plan.changes.map((c) => [c.action, 'objectId' in c ? c.objectId : undefined])).toEqual([['restore-user', old.id]]);
  });

  // docs/reconciliation.md §2 (restore keeps the object's id: one object, one principal) and docs/graph-behaviour.md §1
  // ("fall back to mail/proxyAddresses"): bob's deleted object matches bob by UPN, and alice only
  // through a secondary address. The planner restores the same object for both principals; the
  // second restore can only fail (404 once restored), and alice's later changes would land on bob.
  it('one deleted object is restored for at most one principal (UPN match before address fallback)', () => {
    const bob = deletedUser('bob@contoso.com', daysAgo(3), { proxyAddresses: ['SMTP:bob@contoso.com', 'smtp:alice@contoso.com'] });
    const plan = planAt(desired([declaredUser('alice@contoso.com'), declaredUser('bob@contoso.com')]), tenant({ deleted: [bob] }));
    const restored = plan.changes.filter((c) => c.action === 'restore-user').map((c) => `${c.userPrincipalName} ${'objectId' in c ? c.objectId : ''}`);
    expect(restored).toEqual([`bob@contoso.com ${bob.id}`]);
  });

  // docs/architecture.md principle 1 ("after a successful apply, the next plan is empty") with
  // docs/reconciliation.md §3 (restore-user sends newUserPrincipalName when the UPN must change): a deleted
  // user matched only by mail comes back under its old UPN (ajansen@…onmicrosoft.com), so the next
  // plan still finds no alice@contoso.com and reports not-restorable. Expected: restore it as
  // the declared UPN (newUserPrincipalName), or report instead of restoring.
  it('a deleted user matched only by mail is restored under the declared UPN', () => {
    const old = deletedUser('ajansen@contoso.onmicrosoft.com', daysAgo(5), { mail: 'alice@contoso.com', proxyAddresses: ['SMTP:alice@contoso.com'] });
    const plan = planAt(desired([declaredUser('alice@contoso.com', { displayName: old.displayName })]), tenant({ deleted: [old] }));
    expect(plan.changes).toEqual([expect.objectContaining({ action: 'restore-user', objectId: old.id, details: expect.objectContaining({ newUserPrincipalName: 'alice@contoso.com' }) })]);
  });
});
