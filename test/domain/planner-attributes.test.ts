// Declared attributes and managers (CONTRACT §2): only declared keys are managed, compared exactly; one
// update-attributes per principal; managers resolved once every principal is drafted.
import { describe, expect, it } from 'vitest';
import type { Change } from '../../src/domain/plan.ts';
import { actionLines, daysAgo, declaredUser, deletedUser, desired, planAt, tenant, user, withoutReasons } from '../support/planning.ts';

function only(changes: readonly Change[], action: Change['action']): Change[] {
  return changes.filter((c) => c.action === action);
}

describe('update-attributes', () => {
  it('nothing when every declared attribute matches; "" declared equals unset; undeclared attributes are never compared', () => {
    const bob = user('bob@contoso.com', { attributes: { jobTitle: 'Engineer', department: null, city: 'Utrecht' } });
    const plan = planAt(desired([declaredUser('bob@contoso.com', { attributes: { jobTitle: 'Engineer', department: '' } })]), tenant({ users: [bob] }));
    expect(plan.changes).toEqual([]);
  });

  it('compares exactly: a difference in case is drift', () => {
    const bob = user('bob@contoso.com', { attributes: { department: 'sales' } });
    const plan = planAt(desired([declaredUser('bob@contoso.com', { attributes: { department: 'Sales' } })]), tenant({ users: [bob] }));
    expect(withoutReasons(plan.changes)).toEqual([{ action: 'update-attributes', userPrincipalName: 'bob@contoso.com', objectId: bob.id, details: { attributes: [{ attribute: 'department', from: 'sales', to: 'Sales' }] } }]);
    expect(plan.changes[0]?.reason).toContain('"Sales"');
  });

  it('displayName is always declared: a new one is drift', () => {
    const bob = user('bob@contoso.com', { displayName: 'Bob' });
    const plan = planAt(desired([declaredUser('bob@contoso.com', { displayName: 'Bob Smit' })]), tenant({ users: [bob] }));
    expect(withoutReasons(plan.changes)).toEqual([{ action: 'update-attributes', userPrincipalName: 'bob@contoso.com', objectId: bob.id, details: { attributes: [{ attribute: 'displayName', from: 'Bob', to: 'Bob Smit' }] } }]);
  });

  it('an attribute the tenant did not answer counts as unset', () => {
    const bob = user('bob@contoso.com');
    const plan = planAt(desired([declaredUser('bob@contoso.com', { attributes: { jobTitle: 'Clerk', city: null } })]), tenant({ users: [bob] }));
    expect(only(plan.changes, 'update-attributes')).toEqual([expect.objectContaining({ details: { attributes: [{ attribute: 'jobTitle', from: null, to: 'Clerk' }] } })]);
  });

  it('a restored user is compared with its deleted copy, on the restored object, after the restore', () => {
    const alice = deletedUser('alice@contoso.com', daysAgo(3), { displayName: 'alice', attributes: { jobTitle: 'Old' } });
    const plan = planAt(desired([declaredUser('alice@contoso.com', { attributes: { jobTitle: 'New' } })]), tenant({ deleted: [alice] }));
    expect(actionLines(plan.changes)).toEqual(['restore-user alice@contoso.com', 'update-attributes alice@contoso.com']);
    expect(plan.changes[1]).toMatchObject({ objectId: alice.id, details: { attributes: [{ attribute: 'jobTitle', from: 'Old', to: 'New' }] } });
  });

  it('a restore under another UPN (rename) leaves the attributes to the active holder, as licenses', () => {
    const holder = user('alice@contoso.com', { mail: null, proxyAddresses: [], attributes: { jobTitle: 'Temp' } });
    const alice = deletedUser('alice@contoso.com', daysAgo(3), { mail: null, proxyAddresses: [], attributes: { jobTitle: 'New' } });
    const plan = planAt(desired([declaredUser('alice@contoso.com', { attributes: { jobTitle: 'New' } })], { restore: { onUpnConflict: 'rename' } }), tenant({ users: [holder], deleted: [alice] }));
    expect(actionLines(plan.changes)).toEqual(['restore-user alice@contoso.com', 'update-attributes alice@contoso.com']);
    expect(plan.changes[1]).toMatchObject({ objectId: holder.id });
  });
});

describe('set-manager', () => {
  it('nothing when the declared manager is the current one', () => {
    const carol = user('carol@contoso.com');
    const bob = user('bob@contoso.com', { managerId: carol.id.toUpperCase() });
    expect(planAt(desired([declaredUser('bob@contoso.com', { manager: 'carol@contoso.com' })]), tenant({ users: [bob, carol] })).changes).toEqual([]);
  });

  it('nothing when managers were not read (managerId absent), however the policy differs', () => {
    const bob = user('bob@contoso.com');
    expect(planAt(desired([declaredUser('bob@contoso.com', { manager: null })]), tenant({ users: [bob, user('carol@contoso.com')] })).changes).toEqual([]);
    expect(planAt(desired([declaredUser('bob@contoso.com', { manager: 'carol@contoso.com' })]), tenant({ users: [bob, user('carol@contoso.com')] })).changes).toEqual([]);
  });

  it('nothing when the policy does not manage the manager', () => {
    const bob = user('bob@contoso.com', { managerId: user('x@contoso.com').id });
    expect(planAt(desired([declaredUser('bob@contoso.com')]), tenant({ users: [bob] })).changes).toEqual([]);
  });

  it('manager: null and none now: nothing', () => {
    const bob = user('bob@contoso.com', { managerId: null });
    expect(planAt(desired([declaredUser('bob@contoso.com', { manager: null })]), tenant({ users: [bob] })).changes).toEqual([]);
  });

  it('a manager the same plan creates: no toObjectId (apply looks it up), on a user the plan creates too', () => {
    const plan = planAt(desired([declaredUser('boss@contoso.com'), declaredUser('new@contoso.com', { manager: 'boss@contoso.com' })]), tenant());
    expect(actionLines(plan.changes)).toEqual(['create-user boss@contoso.com', 'create-user new@contoso.com', 'set-manager new@contoso.com']);
    expect(withoutReasons(only(plan.changes, 'set-manager'))).toEqual([{ action: 'set-manager', userPrincipalName: 'new@contoso.com', details: { from: null, to: 'boss@contoso.com' } }]);
  });

  it('a manager the same plan restores under its own UPN: toObjectId is the restored id', () => {
    const boss = deletedUser('boss@contoso.com', daysAgo(2), { displayName: 'boss' });
    const bob = user('bob@contoso.com', { managerId: null });
    const plan = planAt(desired([declaredUser('boss@contoso.com'), declaredUser('bob@contoso.com', { manager: 'boss@contoso.com' })]), tenant({ users: [bob], deleted: [boss] }));
    expect(withoutReasons(only(plan.changes, 'set-manager'))).toEqual([{ action: 'set-manager', userPrincipalName: 'bob@contoso.com', objectId: bob.id, details: { from: null, to: 'boss@contoso.com', toObjectId: boss.id } }]);
  });

  it('a declared manager that the plan cannot bring (an error of its own) is not found; the principal changes nothing', () => {
    const bob = user('bob@contoso.com', { managerId: null, accountEnabled: false });
    const plan = planAt(desired([declaredUser('boss@contoso.com', { whenMissing: 'report' }), declaredUser('bob@contoso.com', { manager: 'boss@contoso.com' })]), tenant({ users: [bob] }));
    expect(plan.changes).toEqual([]);
    expect(plan.diagnostics.map((d) => `${d.code} ${d.userPrincipalName}`)).toEqual(['manager-not-found bob@contoso.com', 'not-restorable boss@contoso.com']);
    expect(plan.diagnostics[0]?.message).toContain('is declared');
  });

  it('a principal dropped for its manager takes its create away from the one it was to manage (repeated until stable)', () => {
    const plan = planAt(
      desired([declaredUser('mid@contoso.com', { manager: 'nobody@contoso.com' }), declaredUser('low@contoso.com', { manager: 'mid@contoso.com' }), declaredUser('ok@contoso.com')]),
      tenant(),
    );
    expect(actionLines(plan.changes)).toEqual(['create-user ok@contoso.com']);
    expect(plan.diagnostics.map((d) => `${d.code} ${d.userPrincipalName}`)).toEqual(['manager-not-found low@contoso.com', 'manager-not-found mid@contoso.com']);
  });

  it('manager upper-case in the tenant is found; a UPN match is by lower case', () => {
    const carol = user('Carol@Contoso.com');
    const bob = user('bob@contoso.com', { managerId: null });
    const plan = planAt(desired([declaredUser('bob@contoso.com', { manager: 'carol@contoso.com' })]), tenant({ users: [bob, carol] }));
    expect(only(plan.changes, 'set-manager')).toEqual([expect.objectContaining({ details: { from: null, to: 'carol@contoso.com', toObjectId: carol.id } })]);
  });
});
