/**
 * tenantShows (src/domain/change-made.ts): whether the tenant shows a planned change's "after". The
 * apply gate counts such a change as done (an interrupted apply made it) rather than stale.
 */
import { describe, expect, it } from 'vitest';
import { tenantShows } from '../../src/domain/change-made.ts';
import type { Change } from '../../src/domain/plan.ts';
import { license as held, tenant, user } from '../support/planning.ts';
import { assignLicenses, blockSignIn, createUser, license, objectId, removeLicenses, restoreUser, setUsageLocation } from '../support/plans.ts';

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

  it('reads a license given through a group as not held directly', () => {
    const fromGroup = alice({ assignedLicenses: [held(e3.skuId, [...e3.disabledPlans])], licenseAssignmentStates: [{ skuId: e3.skuId, disabledPlans: [...e3.disabledPlans], assignedByGroup: objectId(0xc3), state: 'Active', error: 'None' }] });
    expect(tenantShows(assignLicenses('alice@contoso.com', [e3], ID), tenant({ users: [fromGroup] }))).toBe(false);
  });
});
