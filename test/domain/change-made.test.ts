/**
 * tenantShows (src/domain/change-made.ts): whether the tenant shows a planned change's "after". The
 * apply gate counts such a change as done (an interrupted apply made it) rather than stale.
 */
import { describe, expect, it } from 'vitest';
import { tenantShows } from '../../src/domain/change-made.ts';
import type { Change } from '../../src/domain/plan.ts';
import { license as held, licensingGroup, tenant, user } from '../support/planning.ts';
import {
  assignLicenses, blockSignIn, createUser, groupMember, license, LICENSING_E3, objectId, removeLicenses, restoreUser, setManager, setUsageLocation, updateAttributes,
} from '../support/plans.ts';

const ID = objectId(0xa1);
const e3 = license('ENTERPRISEPACK', ['YAMMER_ENTERPRISE']);
const alice = (overrides: Parameters<typeof user>[1] = {}) => user('alice@contoso.com', { id: ID, ...overrides });

describe('tenantShows', () => {
  it.each<[string, Change, Parameters<typeof user>[1] | undefined, boolean]>([
    ['a restore, the object active', restoreUser('alice@contoso.com', { objectId: ID }), {}, true],
    ['a restore, another object holding the UPN', restoreUser('alice@contoso.com', { objectId: objectId(0xb2) }), {}, false],
    ['a restore under another name, active under it', restoreUser('alice@contoso.com', { objectId: ID, newUserPrincipalName: 'alice.restored@contoso.com' }), { userPrincipalName: 'alice.restored@contoso.com' }, true],
    ['a restore, nobody active', restoreUser('alice@contoso.com', { objectId: ID }), undefined, false],
    ['a creation, the user there', createUser('alice@contoso.com'), {}, true],
    ['a creation, nobody there', createUser('alice@contoso.com'), undefined, false],
    ['a usage location, as planned', setUsageLocation('alice@contoso.com', 'NL', null, ID), { usageLocation: 'NL' }, true],
    ['a usage location, set otherwise', setUsageLocation('alice@contoso.com', 'NL', null, ID), { usageLocation: 'BE' }, false],
    ['a license, held directly with the planned plans off', assignLicenses('alice@contoso.com', [e3], ID), { assignedLicenses: [held(e3.skuId, [...e3.disabledPlans])] }, true],
    ['a license, held with other plans off', assignLicenses('alice@contoso.com', [e3], ID), { assignedLicenses: [held(e3.skuId, [])] }, false],
    ['a license, not held', assignLicenses('alice@contoso.com', [e3], ID), {}, false],
    ['a removal, no longer held', removeLicenses('alice@contoso.com', ['ENTERPRISEPACK'], ID), {}, true],
    ['a removal, still held', removeLicenses('alice@contoso.com', ['ENTERPRISEPACK'], ID), { assignedLicenses: [held(e3.skuId, [])] }, false],
    ['a sign-in block, blocked', blockSignIn('alice@contoso.com', ID), { accountEnabled: false }, true],
    ['a sign-in block, still enabled', blockSignIn('alice@contoso.com', ID), { accountEnabled: true }, false],
  ])('%s: %s', (_name, change, overrides, shows) => {
    expect(tenantShows(change, tenant({ users: overrides === undefined ? [] : [alice(overrides)] }))).toBe(shows);
  });

  const BOB = objectId(0xb0);
  const bob = user('bob@contoso.com', { id: BOB });
  const group = (members: string[]) => licensingGroup(LICENSING_E3.name, [license('ENTERPRISEPACK').skuId], members, LICENSING_E3.id);

  it.each<[string, Change, Parameters<typeof user>[1], boolean]>([
    ['attributes, as declared', updateAttributes('alice@contoso.com', [['jobTitle', 'Engineer', 'Senior Engineer'], ['department', 'Sales', null]], ID), { attributes: { jobTitle: 'Senior Engineer', department: null } }, true],
    ['attributes, one unset as "" (the same as none)', updateAttributes('alice@contoso.com', [['department', 'Sales', null]], ID), { attributes: { department: '' } }, true],
    ['attributes, a phone list as declared', updateAttributes('alice@contoso.com', [['businessPhones', null, ['+31 20 123 4567']]], ID), { attributes: { businessPhones: ['+31 20 123 4567'] } }, true],
    ['attributes, one still as it was', updateAttributes('alice@contoso.com', [['jobTitle', 'Engineer', 'Senior Engineer'], ['department', 'Sales', null]], ID), { attributes: { jobTitle: 'Senior Engineer', department: 'Sales' } }, false],
    ['attributes, case differs', updateAttributes('alice@contoso.com', [['department', null, 'Sales']], ID), { attributes: { department: 'sales' } }, false],
    ['the display name, as declared', updateAttributes('alice@contoso.com', [['displayName', 'Alice', 'Alice Jansen']], ID), { displayName: 'Alice Jansen' }, true],
    ['a manager, by its planned id', setManager('alice@contoso.com', null, 'bob@contoso.com', { id: ID, toObjectId: BOB }), { managerId: BOB }, true],
    ['a manager, by its UPN (created by the same plan)', setManager('alice@contoso.com', null, 'bob@contoso.com', { id: ID }), { managerId: BOB }, true],
    ['a manager, another one', setManager('alice@contoso.com', null, 'bob@contoso.com', { id: ID, toObjectId: BOB }), { managerId: objectId(0xc0) }, false],
    ['a manager, none yet', setManager('alice@contoso.com', null, 'bob@contoso.com', { id: ID, toObjectId: BOB }), { managerId: null }, false],
    ['no manager, none', setManager('alice@contoso.com', 'bob@contoso.com', null, { id: ID }), { managerId: null }, true],
    ['no manager, still one', setManager('alice@contoso.com', 'bob@contoso.com', null, { id: ID }), { managerId: BOB }, false],
  ])('%s: %s', (_name, change, overrides, shows) => {
    expect(tenantShows(change, tenant({ users: [alice(overrides), bob] }))).toBe(shows);
  });

  it.each<[string, Change, string[], boolean]>([
    ['a membership, a member', groupMember('add-group-member', 'alice@contoso.com', LICENSING_E3, ID), [ID], true],
    ['a membership, a member by UPN (a created user)', groupMember('add-group-member', 'alice@contoso.com', LICENSING_E3, null), [ID], true],
    ['a membership, not a member', groupMember('add-group-member', 'alice@contoso.com', LICENSING_E3, ID), [BOB], false],
    ['a membership removed, no longer a member', groupMember('remove-group-member', 'alice@contoso.com', LICENSING_E3, ID), [BOB], true],
    ['a membership removed, still a member', groupMember('remove-group-member', 'alice@contoso.com', LICENSING_E3, ID), [ID, BOB], false],
  ])('%s', (_name, change, members, shows) => {
    expect(tenantShows(change, tenant({ users: [alice(), bob], licensingGroups: [group(members)] }))).toBe(shows);
  });

  it('cannot tell a membership when the group was not read', () => {
    expect(tenantShows(groupMember('remove-group-member', 'alice@contoso.com', LICENSING_E3, ID), tenant({ users: [alice()] }))).toBe(false);
  });

  it('reads a license given through a group as not held directly', () => {
    const fromGroup = alice({ assignedLicenses: [held(e3.skuId, [...e3.disabledPlans])], licenseAssignmentStates: [{ skuId: e3.skuId, disabledPlans: [...e3.disabledPlans], assignedByGroup: objectId(0xc3), state: 'Active', error: 'None' }] });
    expect(tenantShows(assignLicenses('alice@contoso.com', [e3], ID), tenant({ users: [fromGroup] }))).toBe(false);
  });
});
