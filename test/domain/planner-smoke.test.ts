import { describe, expect, it } from 'vitest';
import { planReconciliation } from '../../src/domain/planner.ts';
import { daysAgo, declaredUser, deletedUser, desired, desiredLicense, E3, license, NOW, tenant, user } from '../support/planning.ts';

describe('planner smoke', () => {
  it('restores, licenses and is quiet when converged', () => {
    const alice = deletedUser('alice@contoso.com', daysAgo(12), { assignedLicenses: [license(E3)] });
    const plan = planReconciliation(desired([declaredUser('alice@contoso.com', { licenses: [desiredLicense('ENTERPRISEPACK', ['SWAY'])] }), declaredUser('bob@contoso.com', { licenses: [desiredLicense('ENTERPRISEPACK')] })]), tenant({ users: [user('bob@contoso.com', { usageLocation: null })], deleted: [alice] }), { now: NOW });
    expect(plan.changes.map((c) => `${c.action} ${c.userPrincipalName}`)).toEqual(['restore-user alice@contoso.com', 'assign-licenses alice@contoso.com', 'set-usage-location bob@contoso.com', 'assign-licenses bob@contoso.com']);
    expect(plan.diagnostics).toEqual([]);
  });
});
