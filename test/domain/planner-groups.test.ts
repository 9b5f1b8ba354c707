// Licenses through a group (CONTRACT §3): memberships instead of direct assignments, seats for new
// memberships, pruning only of groups the policy names.
import { describe, expect, it } from 'vitest';
import {
  actionLines,
  daysAgo,
  declaredUser,
  deletedUser,
  desired,
  desiredLicense,
  directLicense,
  E3,
  E5,
  e5,
  groupLicense,
  groupSetLicense,
  holding,
  licensingGroup,
  planAt,
  sku,
  tenant,
  user,
  withoutReasons,
} from '../support/planning.ts';

const staffSet = (group: string) => groupSetLicense('staff', 'ENTERPRISEPACK', group);

describe('memberships', () => {
  it('a member already: satisfied, nothing to do, no seat needed', () => {
    const bob = user('bob@contoso.com', holding([groupLicense(E3, 'g')]));
    const staff = licensingGroup('Staff', [E3], [bob.id], 'g');
    const plan = planAt(desired([declaredUser('bob@contoso.com', { licenses: [staffSet('Staff')] })]), tenant({ users: [bob], skus: [sku({ enabledUnits: 0 })], licensingGroups: [staff] }));
    expect(plan.changes).toEqual([]);
    expect(plan.diagnostics).toEqual([]);
  });

  it('found by object id as well as by display name', () => {
    const bob = user('bob@contoso.com');
    const staff = licensingGroup('Staff', [E3]);
    const plan = planAt(desired([declaredUser('bob@contoso.com', { licenses: [staffSet(staff.id.toUpperCase())] })]), tenant({ users: [bob], licensingGroups: [staff] }));
    expect(actionLines(plan.changes)).toEqual(['add-group-member bob@contoso.com']);
  });

  it('no licensing groups read at all: unknown-group, and the principal changes nothing', () => {
    const bob = user('bob@contoso.com', { accountEnabled: false });
    const plan = planAt(desired([declaredUser('bob@contoso.com', { licenses: [staffSet('Staff')] })]), tenant({ users: [bob] }));
    expect(plan.changes).toEqual([]);
    expect(plan.diagnostics.map((d) => [d.severity, d.code])).toEqual([['error', 'unknown-group']]);
  });

  it('a created user joins without an object id (apply uses the new one)', () => {
    const staff = licensingGroup('Staff', [E3]);
    const plan = planAt(desired([declaredUser('new@contoso.com', { licenses: [staffSet('Staff')] })]), tenant({ licensingGroups: [staff] }));
    expect(withoutReasons(plan.changes.filter((c) => c.action === 'add-group-member'))).toEqual([
      { action: 'add-group-member', userPrincipalName: 'new@contoso.com', details: { groupId: staff.id, groupName: 'Staff', licenses: ['ENTERPRISEPACK'] } },
    ]);
  });

  it('a restored user that held the group license is a member again once restored: no join', () => {
    const staff = licensingGroup('Staff', [E3]);
    const alice = deletedUser('alice@contoso.com', daysAgo(3), { displayName: 'alice', ...holding([groupLicense(E3, staff.id)]) });
    const plan = planAt(desired([declaredUser('alice@contoso.com', { licenses: [staffSet('Staff')] })]), tenant({ deleted: [alice], licensingGroups: [staff] }));
    expect(actionLines(plan.changes)).toEqual(['restore-user alice@contoso.com']);
  });

  it('a group-license processing error of a member is the group-license-error warning', () => {
    const staff = licensingGroup('Staff', [E3]);
    const bob = user('bob@contoso.com', holding([groupLicense(E3, staff.id, { state: 'Error', error: 'MutuallyExclusiveViolation' })]));
    const plan = planAt(desired([declaredUser('bob@contoso.com', { licenses: [staffSet('Staff')] })]), tenant({ users: [bob], licensingGroups: [{ ...staff, memberIds: [bob.id] }] }));
    expect(plan.changes).toEqual([]);
    expect(plan.diagnostics.map((d) => [d.severity, d.code])).toEqual([['warning', 'group-license-error']]);
    expect(plan.diagnostics[0]?.message).toContain('MutuallyExclusiveViolation');
  });

  it('a direct set and a group set side by side: the direct license is assigned, the group joined', () => {
    const bob = user('bob@contoso.com');
    const staff = licensingGroup('Staff', [E3]);
    const plan = planAt(desired([declaredUser('bob@contoso.com', { licenses: [staffSet('Staff'), desiredLicense('SPE_E5')] })]), tenant({ users: [bob], skus: [sku(), e5()], licensingGroups: [staff] }));
    expect(actionLines(plan.changes)).toEqual(['assign-licenses bob@contoso.com', 'add-group-member bob@contoso.com']);
  });
});

describe('seats for memberships', () => {
  it('a new membership takes a seat of each SKU the group assigns; short: dropped with seat-shortfall, in UPN order', () => {
    const staff = licensingGroup('Staff', [E3, E5]);
    const alice = user('alice@contoso.com');
    const bob = user('bob@contoso.com');
    const plan = planAt(
      desired([declaredUser('bob@contoso.com', { licenses: [staffSet('Staff')] }), declaredUser('alice@contoso.com', { licenses: [staffSet('Staff')] })]),
      tenant({ users: [alice, bob], skus: [sku({ enabledUnits: 5 }), e5({ enabledUnits: 1 })], licensingGroups: [staff] }),
    );
    expect(actionLines(plan.changes)).toEqual(['add-group-member alice@contoso.com']);
    expect(plan.diagnostics.map((d) => `${d.severity} ${d.code} ${d.userPrincipalName ?? ''}`)).toEqual(['error seat-shortfall ', 'warning seat-shortfall bob@contoso.com']);
    expect(plan.diagnostics[1]?.message).toContain('"Staff"');
  });

  it('a SKU the user already holds needs no new seat', () => {
    const staff = licensingGroup('Staff', [E3]);
    const bob = user('bob@contoso.com', holding([directLicense(E3)]));
    const plan = planAt(desired([declaredUser('bob@contoso.com', { licenses: [staffSet('Staff')] })]), tenant({ users: [bob], skus: [sku({ enabledUnits: 1, consumedUnits: 1 })], licensingGroups: [staff] }));
    expect(actionLines(plan.changes)).toEqual(['add-group-member bob@contoso.com']);
    expect(plan.diagnostics.map((d) => d.code)).toEqual(['license-also-direct']);
  });

  it('one user takes one seat of a SKU, however many assignments give it: two groups with E3, and E3 directly', () => {
    const staff = licensingGroup('Staff', [E3]);
    const sales = licensingGroup('Sales', [E3]);
    const bob = user('bob@contoso.com');
    const plan = planAt(
      desired([declaredUser('bob@contoso.com', { licenses: [staffSet('Staff'), groupSetLicense('sales', 'ENTERPRISEPACK', 'Sales'), desiredLicense('ENTERPRISEPACK')] })]),
      tenant({ users: [bob], skus: [sku({ enabledUnits: 1, consumedUnits: 0 })], licensingGroups: [staff, sales] }),
    );
    expect(plan.diagnostics.filter((d) => d.code === 'seat-shortfall')).toEqual([]);
    expect(actionLines(plan.changes)).toEqual(['assign-licenses bob@contoso.com', 'add-group-member bob@contoso.com', 'add-group-member bob@contoso.com']);
  });

  it('no usage location is needed for a membership', () => {
    const staff = licensingGroup('Staff', [E3]);
    const bob = user('bob@contoso.com', { usageLocation: null });
    const plan = planAt(desired([declaredUser('bob@contoso.com', { licenses: [staffSet('Staff')] })], { usageLocation: null }), tenant({ users: [bob], licensingGroups: [staff] }));
    expect(actionLines(plan.changes)).toEqual(['add-group-member bob@contoso.com']);
    expect(plan.diagnostics).toEqual([]);
  });
});

describe('pruning memberships', () => {
  it('a direct copy of a group SKU is never pruned (license-also-direct); other direct licenses are', () => {
    const staff = licensingGroup('Staff', [E3]);
    const bob = user('bob@contoso.com', holding([directLicense(E3), directLicense(E5)]));
    const plan = planAt(desired([declaredUser('bob@contoso.com', { licenses: [staffSet('Staff')] })], { pruneLicenses: true }), tenant({ users: [bob], skus: [sku(), e5()], licensingGroups: [{ ...staff, memberIds: [bob.id] }] }));
    expect(withoutReasons(plan.changes)).toEqual([{ action: 'remove-licenses', userPrincipalName: 'bob@contoso.com', objectId: bob.id, details: { remove: [{ skuId: E5, skuPartNumber: 'SPE_E5' }] } }]);
    expect(plan.diagnostics.map((d) => d.code)).toEqual(['license-also-direct']);
  });

  it('groups the policy does not name are never touched, even when read', () => {
    const other = licensingGroup('Other', [E3]);
    const bob = user('bob@contoso.com');
    const plan = planAt(desired([declaredUser('bob@contoso.com')], { pruneLicenses: true }), tenant({ users: [bob], licensingGroups: [{ ...other, memberIds: [bob.id] }] }));
    expect(plan.changes).toEqual([]);
    expect(plan.diagnostics).toEqual([]);
  });

  it('a membership that alone gives a SKU the principal declares directly stays (a note); held directly too, it is pruned', () => {
    const staff = licensingGroup('Staff', [E3]);
    const bob = user('bob@contoso.com', holding([groupLicense(E3, staff.id)]));
    const carol = user('carol@contoso.com', holding([groupLicense(E3, staff.id)]));
    const dave = user('dave@contoso.com', holding([directLicense(E3), groupLicense(E3, staff.id)]));
    const plan = planAt(
      desired(
        [
          declaredUser('bob@contoso.com', { licenses: [staffSet('Staff')] }),
          declaredUser('carol@contoso.com', { licenses: [desiredLicense('ENTERPRISEPACK')] }),
          declaredUser('dave@contoso.com', { licenses: [desiredLicense('ENTERPRISEPACK')] }),
        ],
        { pruneLicenses: true },
      ),
      tenant({ users: [bob, carol, dave], licensingGroups: [{ ...staff, memberIds: [bob.id, carol.id, dave.id] }] }),
    );
    expect(actionLines(plan.changes)).toEqual(['remove-group-member dave@contoso.com']);
    const kept = plan.diagnostics.find((d) => d.code === 'undeclared-membership');
    expect(kept).toMatchObject({ severity: 'info', userPrincipalName: 'carol@contoso.com' });
    expect(kept?.message).toContain('it stays, because it gives ENTERPRISEPACK');
  });

  it('a member of a named group with a set naming it by id stays a member (no removal)', () => {
    const staff = licensingGroup('Staff', [E3]);
    const bob = user('bob@contoso.com', holding([groupLicense(E3, staff.id)]));
    const carol = user('carol@contoso.com');
    const plan = planAt(
      desired([declaredUser('bob@contoso.com', { licenses: [staffSet(staff.id)] }), declaredUser('carol@contoso.com', { licenses: [staffSet('staff')] })], { pruneLicenses: true }),
      tenant({ users: [bob, carol], licensingGroups: [{ ...staff, memberIds: [bob.id] }] }),
    );
    expect(actionLines(plan.changes)).toEqual(['add-group-member carol@contoso.com']);
  });
});
