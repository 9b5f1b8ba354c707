// One named case per planner action (docs/reconciliation.md §4, the table of changes), each with the exact
// change list apply would execute: action, principal, object id and details. Reasons are for
// people (docs/architecture.md, principle 3), so they are only checked to be there.
import { describe, expect, it } from 'vitest';
import type { DesiredState } from '../../src/domain/desired.ts';
import type { PlanDiagnosticCode } from '../../src/domain/diagnostics.ts';
import type { ObservedTenant } from '../../src/domain/observed.ts';
import type { Change, ChangeAction } from '../../src/domain/plan.ts';
import {
  daysAgo,
  declaredMailbox,
  declaredUser,
  deletedUser,
  desired,
  desiredLicense,
  E3,
  E5,
  e5,
  groupSetLicense,
  guid,
  license,
  licensingGroup,
  mailboxOf,
  planAt,
  sku,
  SWAY,
  tenant,
  user,
  withoutReasons,
  YAMMER,
} from '../support/planning.ts';

interface ActionCase {
  readonly name: string;
  readonly action: ChangeAction;
  readonly build: () => {
    readonly state: DesiredState;
    readonly observed: ObservedTenant;
    readonly changes: readonly Omit<Change, 'reason'>[];
    /** Codes of the diagnostics that come with it (usually none). */
    readonly diagnostics?: readonly PlanDiagnosticCode[];
  };
}

const e3Add = { skuId: E3, skuPartNumber: 'ENTERPRISEPACK', disabledPlans: [], disabledPlanNames: [] };

const CASES: readonly ActionCase[] = [
  {
    name: 'restore-user: a user deleted 12 days ago comes back with its id and its E3',
    action: 'restore-user',
    build: () => {
      const alice = deletedUser('alice@contoso.com', daysAgo(12), { assignedLicenses: [license(E3)] });
      return {
        state: desired([declaredUser('alice@contoso.com', { licenses: [desiredLicense('ENTERPRISEPACK')] })]),
        observed: tenant({ deleted: [alice] }),
        changes: [
          {
            action: 'restore-user',
            userPrincipalName: 'alice@contoso.com',
            objectId: alice.id,
            details: {
              deletedDateTime: '2026-11-10T00:00:00Z',
              restorableUntil: '2026-12-10T00:00:00Z',
              daysLeft: 18,
              autoReconcileProxyConflict: true,
              conflictingAddresses: [],
              licenses: [E3],
            },
          },
        ],
      };
    },
  },
  {
    name: 'restore-user with rename: an active user holds the UPN, onUpnConflict: rename',
    action: 'restore-user',
    build: () => {
      const newcomer = user('alice@contoso.com');
      const alice = deletedUser('alice@contoso.com', daysAgo(5));
      return {
        state: desired([declaredUser('alice@contoso.com')], { restore: { onUpnConflict: 'rename' } }),
        observed: tenant({ users: [newcomer], deleted: [alice] }),
        changes: [
          {
            action: 'restore-user',
            userPrincipalName: 'alice@contoso.com',
            objectId: alice.id,
            details: {
              deletedDateTime: '2026-11-17T00:00:00Z',
              restorableUntil: '2026-12-17T00:00:00Z',
              daysLeft: 25,
              newUserPrincipalName: 'alice.restored@contoso.com',
              autoReconcileProxyConflict: true,
              // The newcomer holds alice@ as its mail too: dropped from the restored user.
              conflictingAddresses: ['alice@contoso.com'],
              licenses: [],
            },
          },
        ],
        diagnostics: ['proxy-conflict'],
      };
    },
  },
  {
    name: 'restore-user with rename through a custom renameTo using the object id',
    action: 'restore-user',
    build: () => {
      const newcomer = user('alice@contoso.com', { mail: null, proxyAddresses: [] });
      const alice = deletedUser('alice@contoso.com', daysAgo(5), { mail: null, proxyAddresses: [] });
      return {
        state: desired([declaredUser('alice@contoso.com')], { restore: { onUpnConflict: 'rename', renameTo: 'old-{objectId}@{domain}' } }),
        observed: tenant({ users: [newcomer], deleted: [alice] }),
        changes: [
          {
            action: 'restore-user',
            userPrincipalName: 'alice@contoso.com',
            objectId: alice.id,
            details: {
              deletedDateTime: '2026-11-17T00:00:00Z',
              restorableUntil: '2026-12-17T00:00:00Z',
              daysLeft: 25,
              newUserPrincipalName: `old-${alice.id.replace(/-/g, '')}@contoso.com`,
              autoReconcileProxyConflict: true,
              conflictingAddresses: [],
              licenses: [],
            },
          },
        ],
      };
    },
  },
  {
    name: 'restore-user dropping a proxy address an active user now holds (autoReconcileProxyConflict)',
    action: 'restore-user',
    build: () => {
      const alice = deletedUser('alice@contoso.com', daysAgo(2), { proxyAddresses: ['SMTP:alice@contoso.com', 'smtp:sales@contoso.com'] });
      const bob = user('bob@contoso.com', { proxyAddresses: ['SMTP:bob@contoso.com', 'smtp:Sales@contoso.com'] });
      return {
        state: desired([declaredUser('alice@contoso.com')]),
        observed: tenant({ users: [bob], deleted: [alice] }),
        changes: [
          {
            action: 'restore-user',
            userPrincipalName: 'alice@contoso.com',
            objectId: alice.id,
            details: {
              deletedDateTime: '2026-11-20T00:00:00Z',
              restorableUntil: '2026-12-20T00:00:00Z',
              daysLeft: 28,
              autoReconcileProxyConflict: true,
              conflictingAddresses: ['sales@contoso.com'],
              licenses: [],
            },
          },
        ],
        diagnostics: ['proxy-conflict'],
      };
    },
  },
  {
    name: 'restore-user of a shared mailbox deleted 3 days ago',
    action: 'restore-user',
    build: () => {
      const support = deletedUser('support@contoso.com', daysAgo(3), { accountEnabled: false });
      return {
        state: desired([declaredMailbox('support@contoso.com')]),
        observed: tenant({ deleted: [support] }),
        changes: [
          {
            action: 'restore-user',
            userPrincipalName: 'support@contoso.com',
            objectId: support.id,
            details: {
              deletedDateTime: '2026-11-19T00:00:00Z',
              restorableUntil: '2026-12-19T00:00:00Z',
              daysLeft: 27,
              autoReconcileProxyConflict: true,
              conflictingAddresses: [],
              licenses: [],
            },
          },
        ],
      };
    },
  },
  {
    name: 'create-user: nothing to restore, so it is created (whenMissing: create, the default)',
    action: 'create-user',
    build: () => ({
      state: desired([declaredUser('carol.smit@contoso.com', { displayName: 'Carol Smit' })]),
      observed: tenant(),
      changes: [
        {
          action: 'create-user',
          userPrincipalName: 'carol.smit@contoso.com',
          details: { displayName: 'Carol Smit', mailNickname: 'carol.smit', accountEnabled: true, usageLocation: 'NL' },
        },
      ],
    }),
  },
  {
    name: 'create-user with the other declared attributes in the POST (ATTRIBUTE_NAMES order; null and "" left out)',
    action: 'create-user',
    build: () => ({
      state: desired([
        declaredUser('new.hire@contoso.com', {
          displayName: 'New Hire',
          attributes: { displayName: 'New Hire', department: 'Sales', givenName: 'New', jobTitle: null, mobilePhone: '', businessPhones: ['+31 20 123 4567'] },
        }),
      ]),
      observed: tenant(),
      changes: [
        {
          action: 'create-user',
          userPrincipalName: 'new.hire@contoso.com',
          details: {
            displayName: 'New Hire',
            mailNickname: 'new.hire',
            accountEnabled: true,
            usageLocation: 'NL',
            attributes: [
              { attribute: 'givenName', value: 'New' },
              { attribute: 'department', value: 'Sales' },
              { attribute: 'businessPhones', value: ['+31 20 123 4567'] },
            ],
          },
        },
      ],
    }),
  },
  {
    name: 'update-attributes: one change listing each differing declared attribute, before and after; undeclared ones untouched',
    action: 'update-attributes',
    build: () => {
      const julia = user('julia@contoso.com', { displayName: "Julia O'Brien", attributes: { jobTitle: 'Engineer', department: 'sales', city: 'Utrecht', businessPhones: [] } });
      return {
        state: desired([declaredUser('julia@contoso.com', { displayName: 'Julia OBrien', attributes: { displayName: 'Julia OBrien', jobTitle: 'Engineer', department: 'Sales', city: null, businessPhones: ['+31 30 000 0000'] } })]),
        observed: tenant({ users: [julia] }),
        changes: [
          {
            action: 'update-attributes',
            userPrincipalName: 'julia@contoso.com',
            objectId: julia.id,
            details: {
              attributes: [
                { attribute: 'displayName', from: "Julia O'Brien", to: 'Julia OBrien' },
                { attribute: 'department', from: 'sales', to: 'Sales' },
                { attribute: 'city', from: 'Utrecht', to: null },
                { attribute: 'businessPhones', from: null, to: ['+31 30 000 0000'] },
              ],
            },
          },
        ],
      };
    },
  },
  {
    name: 'set-manager: to an active user, by its id; from the current manager’s UPN',
    action: 'set-manager',
    build: () => {
      const carol = user('carol@contoso.com');
      const dave = user('dave@contoso.com');
      const bob = user('bob@contoso.com', { managerId: dave.id });
      return {
        state: desired([declaredUser('bob@contoso.com', { manager: 'carol@contoso.com' })]),
        observed: tenant({ users: [bob, carol, dave] }),
        changes: [{ action: 'set-manager', userPrincipalName: 'bob@contoso.com', objectId: bob.id, details: { from: 'dave@contoso.com', to: 'carol@contoso.com', toObjectId: carol.id } }],
      };
    },
  },
  {
    name: 'set-manager to none: manager: null and a manager the tenant does not list among active users (shown by id)',
    action: 'set-manager',
    build: () => {
      const gone = guid();
      const bob = user('bob@contoso.com', { managerId: gone });
      return {
        state: desired([declaredUser('bob@contoso.com', { manager: null })]),
        observed: tenant({ users: [bob] }),
        changes: [{ action: 'set-manager', userPrincipalName: 'bob@contoso.com', objectId: bob.id, details: { from: gone, to: null } }],
      };
    },
  },
  {
    name: 'add-group-member: a license set naming a group; no direct assignment and no usage location',
    action: 'add-group-member',
    build: () => {
      const bob = user('bob@contoso.com', { usageLocation: null });
      const staff = licensingGroup('Licensed staff', [E3, E5]);
      return {
        state: desired([declaredUser('bob@contoso.com', { licenses: [groupSetLicense('staff', 'ENTERPRISEPACK', 'licensed staff')] })], { usageLocation: null }),
        observed: tenant({ users: [bob], skus: [sku(), e5()], licensingGroups: [staff] }),
        changes: [
          {
            action: 'add-group-member',
            userPrincipalName: 'bob@contoso.com',
            objectId: bob.id,
            details: { groupId: staff.id, groupName: 'Licensed staff', licenses: ['ENTERPRISEPACK', 'SPE_E5'] },
          },
        ],
      };
    },
  },
  {
    name: 'remove-group-member: pruneLicenses and a membership of a named group that no set of the principal names',
    action: 'remove-group-member',
    build: () => {
      const bob = user('bob@contoso.com');
      const carol = user('carol@contoso.com');
      const staff = licensingGroup('Licensed staff', [E3], [bob.id, carol.id]);
      return {
        state: desired([declaredUser('bob@contoso.com'), declaredUser('carol@contoso.com', { licenses: [groupSetLicense('staff', 'ENTERPRISEPACK', staff.id)] })], { pruneLicenses: true }),
        observed: tenant({ users: [bob, carol], licensingGroups: [staff] }),
        changes: [
          { action: 'remove-group-member', userPrincipalName: 'bob@contoso.com', objectId: bob.id, details: { groupId: staff.id, groupName: 'Licensed staff', licenses: ['ENTERPRISEPACK'] } },
        ],
      };
    },
  },
  {
    name: 'set-usage-location from empty, to the default, before licensing',
    action: 'set-usage-location',
    build: () => {
      const bob = user('bob@contoso.com', { usageLocation: null });
      return {
        state: desired([declaredUser('bob@contoso.com', { licenses: [desiredLicense('ENTERPRISEPACK')] })]),
        observed: tenant({ users: [bob] }),
        changes: [
          { action: 'set-usage-location', userPrincipalName: 'bob@contoso.com', objectId: bob.id, details: { from: null, to: 'NL' } },
          { action: 'assign-licenses', userPrincipalName: 'bob@contoso.com', objectId: bob.id, details: { add: [e3Add] } },
        ],
      };
    },
  },
  {
    name: "set-usage-location from another value, to the principal's own, before licensing",
    action: 'set-usage-location',
    build: () => {
      const bob = user('bob@contoso.com', { usageLocation: 'DE' });
      return {
        state: desired([declaredUser('bob@contoso.com', { usageLocation: 'BE', licenses: [desiredLicense('ENTERPRISEPACK')] })]),
        observed: tenant({ users: [bob] }),
        changes: [
          { action: 'set-usage-location', userPrincipalName: 'bob@contoso.com', objectId: bob.id, details: { from: 'DE', to: 'BE' } },
          { action: 'assign-licenses', userPrincipalName: 'bob@contoso.com', objectId: bob.id, details: { add: [e3Add] } },
        ],
      };
    },
  },
  {
    name: 'assign-licenses: a declared SKU the user does not hold',
    action: 'assign-licenses',
    build: () => {
      const bob = user('bob@contoso.com', { assignedLicenses: [license(E3)] });
      return {
        state: desired([declaredUser('bob@contoso.com', { licenses: [desiredLicense('ENTERPRISEPACK'), desiredLicense('SPE_E5', ['YAMMER_ENTERPRISE'])] })]),
        observed: tenant({ users: [bob], skus: [sku(), e5()] }),
        changes: [
          {
            action: 'assign-licenses',
            userPrincipalName: 'bob@contoso.com',
            objectId: bob.id,
            details: { add: [{ skuId: E5, skuPartNumber: 'SPE_E5', disabledPlans: [YAMMER], disabledPlanNames: ['YAMMER_ENTERPRISE'] }] },
          },
        ],
      };
    },
  },
  {
    name: 'assign-licenses replacing the disabled plans of a held SKU (by name and by id)',
    action: 'assign-licenses',
    build: () => {
      const bob = user('bob@contoso.com', { assignedLicenses: [license(E3, [SWAY])] });
      return {
        state: desired([declaredUser('bob@contoso.com', { licenses: [desiredLicense(E3, ['SWAY', YAMMER])] })]),
        observed: tenant({ users: [bob] }),
        changes: [
          {
            action: 'assign-licenses',
            userPrincipalName: 'bob@contoso.com',
            objectId: bob.id,
            details: {
              // Plan ids in id order, names alongside.
              add: [{ ...e3Add, disabledPlans: [YAMMER, SWAY], disabledPlanNames: ['YAMMER_ENTERPRISE', 'SWAY'], replaces: { disabledPlans: [SWAY], disabledPlanNames: ['SWAY'] } }],
            },
          },
        ],
      };
    },
  },
  {
    name: 'remove-licenses: pruneLicenses and a direct license the policy does not list',
    action: 'remove-licenses',
    build: () => {
      const bob = user('bob@contoso.com', { assignedLicenses: [license(E3), license(E5)] });
      return {
        state: desired([declaredUser('bob@contoso.com', { licenses: [desiredLicense('ENTERPRISEPACK')] })], { pruneLicenses: true }),
        observed: tenant({ users: [bob], skus: [sku(), e5()] }),
        changes: [{ action: 'remove-licenses', userPrincipalName: 'bob@contoso.com', objectId: bob.id, details: { remove: [{ skuId: E5, skuPartNumber: 'SPE_E5' }] } }],
      };
    },
  },
  {
    name: 'enable-sign-in: blocked, the policy says accountEnabled: true',
    action: 'enable-sign-in',
    build: () => {
      const bob = user('bob@contoso.com', { accountEnabled: false });
      return {
        state: desired([declaredUser('bob@contoso.com')]),
        observed: tenant({ users: [bob] }),
        changes: [{ action: 'enable-sign-in', userPrincipalName: 'bob@contoso.com', objectId: bob.id, details: { from: false, to: true } }],
      };
    },
  },
  {
    name: 'block-sign-in: enabled, the policy says accountEnabled: false',
    action: 'block-sign-in',
    build: () => {
      const bob = user('bob@contoso.com');
      return {
        state: desired([declaredUser('bob@contoso.com', { accountEnabled: false })]),
        observed: tenant({ users: [bob] }),
        changes: [{ action: 'block-sign-in', userPrincipalName: 'bob@contoso.com', objectId: bob.id, details: { from: true, to: false } }],
      };
    },
  },
  {
    name: 'block-sign-in: a shared mailbox whose account can sign in',
    action: 'block-sign-in',
    build: () => {
      const support = user('support@contoso.com');
      return {
        state: desired([declaredMailbox('support@contoso.com')]),
        observed: tenant({ users: [support], mailboxes: [[support.id, mailboxOf('shared')]] }),
        changes: [{ action: 'block-sign-in', userPrincipalName: 'support@contoso.com', objectId: support.id, details: { from: true, to: false } }],
      };
    },
  },
];

describe('planner actions: one case per action', () => {
  it.each(CASES)('$name', ({ build }) => {
    const { state, observed, changes, diagnostics = [] } = build();
    const plan = planAt(state, observed);
    expect(withoutReasons(plan.changes)).toEqual(changes);
    for (const change of plan.changes) expect(change.reason.length).toBeGreaterThan(0);
    expect(plan.diagnostics.map((d) => d.code)).toEqual(diagnostics);
  });

  it('covers every action', () => {
    const every: Record<ChangeAction, true> = {
      'restore-user': true,
      'create-user': true,
      'update-attributes': true,
      'set-manager': true,
      'set-usage-location': true,
      'assign-licenses': true,
      'add-group-member': true,
      'remove-licenses': true,
      'remove-group-member': true,
      'enable-sign-in': true,
      'block-sign-in': true,
    };
    expect(new Set(CASES.map((c) => c.action))).toEqual(new Set(Object.keys(every)));
    for (const c of CASES) expect(c.build().changes.some((change) => change.action === c.action)).toBe(true);
  });

  it('a converged principal gets no change at all', () => {
    const bob = user('bob@contoso.com', { assignedLicenses: [license(E3, [SWAY])] });
    const support = user('support@contoso.com', { accountEnabled: false });
    const plan = planAt(
      desired([declaredUser('bob@contoso.com', { licenses: [desiredLicense('ENTERPRISEPACK', ['SWAY'])] }), declaredMailbox('support@contoso.com')]),
      tenant({ users: [bob, support], mailboxes: [[support.id, mailboxOf('shared')]] }),
    );
    expect(plan).toEqual({ changes: [], diagnostics: [], protectedPrincipals: [] });
  });
});
