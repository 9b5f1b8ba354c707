// One named case (or more) per diagnostic code the planner emits (docs/reconciliation.md §7;
// docs/graph-behaviour.md §1, §2, §6–§9 for the rules): code, severity, principal, the facts the message must
// state (dates, numbers, names, commands) and what it does to the plan.
import { describe, expect, it } from 'vitest';
import type { DesiredState } from '../../src/domain/desired.ts';
import type { PlanDiagnosticCode, Severity } from '../../src/domain/diagnostics.ts';
import type { ObservedTenant } from '../../src/domain/observed.ts';
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
  exchangePlan,
  groupLicense,
  guid,
  holding,
  license,
  licensingGroup,
  groupSetLicense,
  mailboxOf,
  noMailbox,
  planAt,
  sku,
  TENANT,
  tenant,
  user,
  YAMMER,
} from '../support/planning.ts';

/**
 * Where each code of `PlanDiagnosticCode` comes from. A `Record` over the union: adding a code
 * without deciding here does not compile. `missing-permission` is the engine's preflight (it
 * compares the token's roles with the calls of the plan), not the planner's.
 */
const ORIGIN: Record<PlanDiagnosticCode, 'planner' | 'engine'> = {
  'tenant-mismatch': 'planner',
  'missing-permission': 'engine',
  'upn-conflict': 'planner',
  'proxy-conflict': 'planner',
  'not-restorable': 'planner',
  'restore-window-closing': 'planner',
  'multiple-deleted-matches': 'planner',
  'synced-from-on-premises': 'planner',
  'seat-shortfall': 'planner',
  'unknown-sku': 'planner',
  'unknown-service-plan': 'planner',
  'missing-usage-location': 'planner',
  'mailbox-recoverable': 'planner',
  'mailbox-lost': 'planner',
  'license-from-group': 'planner',
  'group-license-error': 'planner',
  'mailbox-type-mismatch': 'planner',
  'needs-exchange': 'planner',
  'undeclared-license': 'planner',
  'manager-not-found': 'planner',
  'unknown-group': 'planner',
  'group-license-mismatch': 'planner',
  'license-also-direct': 'planner',
  'undeclared-membership': 'planner',
  'protected-drift': 'planner',
  // `--only` (src/domain/partial-plan.ts, applied by the engine): test/domain/partial-plan.test.ts.
  'partial-plan': 'engine',
  'undeclared-principal': 'engine',
};

interface Expected {
  readonly severity: Severity;
  /** The principal it is about; undefined for plan-wide diagnostics; null: not checked here. */
  readonly userPrincipalName: string | undefined | null;
  /** Substrings the message must hold. */
  readonly facts: readonly string[];
  /** The whole plan's changes, as `action upn`. */
  readonly changes: readonly string[];
  /** Every diagnostic code of the plan, in the planner's order (no surprise extras). */
  readonly codes: readonly PlanDiagnosticCode[];
}

interface DiagnosticCase {
  readonly name: string;
  readonly code: PlanDiagnosticCode;
  readonly build: () => { readonly state: DesiredState; readonly observed: ObservedTenant; readonly expected: Expected };
}

const e3 = desiredLicense('ENTERPRISEPACK');
const OTHER_TENANT = '0b1d2c3e-0000-4000-8000-0000000000ff';
const GROUP = guid(900);

const CASES: readonly DiagnosticCase[] = [
  {
    name: 'tenant-mismatch: connected to another tenant, the whole plan is refused',
    code: 'tenant-mismatch',
    build: () => ({
      state: desired([declaredUser('bob@contoso.com', { licenses: [e3] }), declaredUser('carol@contoso.com')], {}, OTHER_TENANT),
      observed: tenant({ users: [user('bob@contoso.com')] }),
      expected: { severity: 'error', userPrincipalName: undefined, facts: [TENANT, OTHER_TENANT, 'tenant.id'], changes: [], codes: ['tenant-mismatch'] },
    }),
  },
  {
    name: 'upn-conflict: an active user holds the deleted one’s UPN and onUpnConflict: fail',
    code: 'upn-conflict',
    build: () => {
      const newcomer = user('alice@contoso.com', { accountEnabled: false });
      const alice = deletedUser('alice@contoso.com', daysAgo(5));
      return {
        state: desired([declaredUser('alice@contoso.com')]),
        observed: tenant({ users: [newcomer], deleted: [alice] }),
        // The newcomer's enable-sign-in is blocked with the rest of the principal.
        expected: { severity: 'error', userPrincipalName: 'alice@contoso.com', facts: [newcomer.id, alice.id, '2026-12-17', 'onUpnConflict: rename'], changes: [], codes: ['upn-conflict'] },
      };
    },
  },
  {
    name: 'upn-conflict: onUpnConflict: rename, but the rename target is taken too',
    code: 'upn-conflict',
    build: () => ({
      state: desired([declaredUser('alice@contoso.com')], { restore: { onUpnConflict: 'rename' } }),
      observed: tenant({ users: [user('alice@contoso.com'), user('alice.restored@contoso.com')], deleted: [deletedUser('alice@contoso.com', daysAgo(5))] }),
      expected: { severity: 'error', userPrincipalName: 'alice@contoso.com', facts: ['alice.restored@contoso.com', 'renameTo'], changes: [], codes: ['upn-conflict'] },
    }),
  },
  {
    name: 'proxy-conflict as a warning: autoReconcileProxyConflict drops the address',
    code: 'proxy-conflict',
    build: () => ({
      state: desired([declaredUser('alice@contoso.com')]),
      observed: tenant({
        users: [user('bob@contoso.com', { proxyAddresses: ['SMTP:bob@contoso.com', 'smtp:sales@contoso.com'] })],
        deleted: [deletedUser('alice@contoso.com', daysAgo(2), { proxyAddresses: ['SMTP:alice@contoso.com', 'smtp:sales@contoso.com'] })],
      }),
      expected: { severity: 'warning', userPrincipalName: 'alice@contoso.com', facts: ['sales@contoso.com', 'autoReconcileProxyConflict'], changes: ['restore-user alice@contoso.com'], codes: ['proxy-conflict'] },
    }),
  },
  {
    name: 'proxy-conflict as an error: without autoReconcileProxyConflict the restore would fail',
    code: 'proxy-conflict',
    build: () => ({
      state: desired([declaredUser('alice@contoso.com')], { restore: { autoReconcileProxyConflict: false } }),
      observed: tenant({
        users: [user('bob@contoso.com', { proxyAddresses: ['SMTP:bob@contoso.com', 'smtp:sales@contoso.com'] })],
        deleted: [deletedUser('alice@contoso.com', daysAgo(2), { proxyAddresses: ['SMTP:alice@contoso.com', 'smtp:sales@contoso.com'] })],
      }),
      expected: { severity: 'error', userPrincipalName: 'alice@contoso.com', facts: ['sales@contoso.com', 'autoReconcileProxyConflict: true'], changes: [], codes: ['proxy-conflict'] },
    }),
  },
  {
    name: 'not-restorable: never existed, and the user says whenMissing: report',
    code: 'not-restorable',
    build: () => ({
      state: desired([declaredUser('dave@contoso.com', { whenMissing: 'report' })]),
      observed: tenant(),
      expected: { severity: 'error', userPrincipalName: 'dave@contoso.com', facts: ['no deleted copy to restore', 'whenMissing: report', 'set whenMissing: create'], changes: [], codes: ['not-restorable'] },
    }),
  },
  {
    name: 'not-restorable: deleted 40 days ago, purged after 30 days; the message gives the history',
    code: 'not-restorable',
    build: () => {
      const dave = deletedUser('dave@contoso.com', daysAgo(40));
      return {
        state: desired([declaredUser('dave@contoso.com')], { whenMissing: 'report' }),
        observed: tenant({ deleted: [dave] }),
        expected: { severity: 'error', userPrincipalName: 'dave@contoso.com', facts: [`purged after 30 days: ${dave.id}, deleted 2026-10-13`, 'whenMissing: create'], changes: [], codes: ['not-restorable'] },
      };
    },
  },
  {
    name: 'restore-window-closing: deleted 25 days ago, 5 days left, the date said',
    code: 'restore-window-closing',
    build: () => ({
      state: desired([declaredUser('alice@contoso.com')]),
      observed: tenant({ deleted: [deletedUser('alice@contoso.com', daysAgo(25))] }),
      expected: { severity: 'warning', userPrincipalName: 'alice@contoso.com', facts: ['2026-11-27', '5 days left'], changes: ['restore-user alice@contoso.com'], codes: ['restore-window-closing'] },
    }),
  },
  {
    name: 'multiple-deleted-matches: the most recently deleted wins, the other is named',
    code: 'multiple-deleted-matches',
    build: () => {
      const older = deletedUser('alice@contoso.com', daysAgo(10));
      const newer = deletedUser('alice@contoso.com', daysAgo(3));
      return {
        state: desired([declaredUser('alice@contoso.com')]),
        observed: tenant({ deleted: [older, newer] }),
        expected: {
          severity: 'info',
          userPrincipalName: 'alice@contoso.com',
          facts: [`most recently deleted (${newer.id}, 2026-11-19)`, `not ${older.id} (2026-11-12)`],
          changes: ['restore-user alice@contoso.com'],
          codes: ['multiple-deleted-matches'],
        },
      };
    },
  },
  {
    name: 'synced-from-on-premises: restore it in Active Directory, not through Graph',
    code: 'synced-from-on-premises',
    build: () => {
      const alice = deletedUser('alice@contoso.com', daysAgo(4), { onPremisesSyncEnabled: true });
      return {
        state: desired([declaredUser('alice@contoso.com')]),
        observed: tenant({ deleted: [alice] }),
        expected: { severity: 'error', userPrincipalName: 'alice@contoso.com', facts: [alice.id, 'Active Directory'], changes: [], codes: ['synced-from-on-premises'] },
      };
    },
  },
  {
    name: 'seat-shortfall as an error: 2 needed, 1 available; carol goes without',
    code: 'seat-shortfall',
    build: () => ({
      state: desired(['carol', 'bob'].map((n) => declaredUser(`${n}@contoso.com`, { licenses: [e3] }))),
      observed: tenant({ users: ['carol', 'bob'].map((n) => user(`${n}@contoso.com`)), skus: [sku({ enabledUnits: 2, consumedUnits: 1 })] }),
      expected: {
        severity: 'error',
        // Which principal it carries is the review finding below ("names each principal").
        userPrincipalName: null,
        facts: ['ENTERPRISEPACK', '2 seats needed, 1 available', 'not assigned to carol@contoso.com', 'Buy 1 more'],
        changes: ['assign-licenses bob@contoso.com'],
        codes: ['seat-shortfall', 'seat-shortfall'],
      },
    }),
  },
  {
    name: 'seat-shortfall as a warning: restores bring back more licenses than seats are free',
    code: 'seat-shortfall',
    build: () => ({
      state: desired([declaredUser('alice@contoso.com', { licenses: [e3] })]),
      observed: tenant({ deleted: [deletedUser('alice@contoso.com', daysAgo(8), { assignedLicenses: [license(E3)] })], skus: [sku({ enabledUnits: 5, consumedUnits: 5 })] }),
      expected: { severity: 'warning', userPrincipalName: undefined, facts: ['restores bring back 1 ENTERPRISEPACK', '0 seats free', '1 more'], changes: ['restore-user alice@contoso.com'], codes: ['seat-shortfall'] },
    }),
  },
  {
    name: 'unknown-sku: the tenant has no such subscribed SKU; the principal is blocked',
    code: 'unknown-sku',
    build: () => ({
      state: desired([declaredUser('bob@contoso.com', { licenses: [desiredLicense('SPE_E5')] })]),
      observed: tenant({ users: [user('bob@contoso.com', { accountEnabled: false })] }),
      expected: { severity: 'error', userPrincipalName: 'bob@contoso.com', facts: ['SPE_E5', 'its SKUs are: ENTERPRISEPACK'], changes: [], codes: ['unknown-sku'] },
    }),
  },
  {
    name: 'unknown-sku: an ambiguous part number names two subscribed SKUs; write the skuId',
    code: 'unknown-sku',
    build: () => {
      const first = sku({ skuId: '54a152dc-90de-4996-93d2-bc47e670fc06', skuPartNumber: 'MCOPSTN5' });
      const second = sku({ skuId: 'd43177b5-475b-4880-92d4-d54c27b5efbd', skuPartNumber: 'MCOPSTN5' });
      return {
        state: desired([declaredUser('bob@contoso.com', { licenses: [desiredLicense('MCOPSTN5')] })]),
        observed: tenant({ users: [user('bob@contoso.com')], skus: [first, second] }),
        expected: { severity: 'error', userPrincipalName: 'bob@contoso.com', facts: ['MCOPSTN5 names 2 subscribed SKUs', first.skuId, second.skuId, 'skuId'], changes: [], codes: ['unknown-sku'] },
      };
    },
  },
  {
    name: 'unknown-service-plan: the SKU has no such plan; its plans are listed',
    code: 'unknown-service-plan',
    build: () => ({
      state: desired([declaredUser('bob@contoso.com', { licenses: [desiredLicense('ENTERPRISEPACK', ['SWAY', 'KAIZALA'])] })]),
      observed: tenant({ users: [user('bob@contoso.com')] }),
      expected: {
        severity: 'error',
        userPrincipalName: 'bob@contoso.com',
        facts: ['no service plan KAIZALA', 'EXCHANGE_S_ENTERPRISE, YAMMER_ENTERPRISE, SWAY, TEAMS1'],
        changes: [],
        codes: ['unknown-service-plan'],
      },
    }),
  },
  {
    name: 'missing-usage-location: a license to add, no usage location anywhere',
    code: 'missing-usage-location',
    build: () => ({
      state: desired([declaredUser('bob@contoso.com', { licenses: [e3] })], { usageLocation: null }),
      observed: tenant({ users: [user('bob@contoso.com', { usageLocation: null })] }),
      expected: { severity: 'error', userPrincipalName: 'bob@contoso.com', facts: ['usageLocation', 'defaults.usageLocation'], changes: [], codes: ['missing-usage-location'] },
    }),
  },
  {
    name: 'mailbox-recoverable (info): license removed 10 days ago, the policy re-licenses with Exchange',
    code: 'mailbox-recoverable',
    build: () => ({
      state: desired([declaredUser('erin@contoso.com', { licenses: [e3] })]),
      observed: tenant({ users: [user('erin@contoso.com', { assignedPlans: [exchangePlan('Deleted', daysAgo(10))] })] }),
      expected: { severity: 'info', userPrincipalName: 'erin@contoso.com', facts: ['2026-11-12', 'ENTERPRISEPACK', 'until 2026-12-12'], changes: ['assign-licenses erin@contoso.com'], codes: ['mailbox-recoverable'] },
    }),
  },
  {
    name: 'mailbox-recoverable (warning): license removed 10 days ago, the policy’s license has Exchange disabled',
    code: 'mailbox-recoverable',
    build: () => ({
      state: desired([declaredUser('erin@contoso.com', { licenses: [desiredLicense('ENTERPRISEPACK', ['EXCHANGE_S_ENTERPRISE'])] })]),
      observed: tenant({ users: [user('erin@contoso.com', { assignedPlans: [exchangePlan('Deleted', daysAgo(10))] })] }),
      expected: { severity: 'warning', userPrincipalName: 'erin@contoso.com', facts: ['2026-11-12', 'until 2026-12-12', 'declares none'], changes: ['assign-licenses erin@contoso.com'], codes: ['mailbox-recoverable'] },
    }),
  },
  {
    name: 'mailbox-lost: license removed 40 days ago, a new mailbox will be empty',
    code: 'mailbox-lost',
    build: () => ({
      state: desired([declaredUser('erin@contoso.com', { licenses: [e3] })]),
      observed: tenant({ users: [user('erin@contoso.com', { assignedPlans: [exchangePlan('Deleted', daysAgo(40))] })] }),
      expected: { severity: 'warning', userPrincipalName: 'erin@contoso.com', facts: ['2026-10-13', 'more than 30 days ago', 'new, empty mailbox'], changes: ['assign-licenses erin@contoso.com'], codes: ['mailbox-lost'] },
    }),
  },
  {
    name: 'license-from-group: a declared license held through a group is satisfied, no direct add',
    code: 'license-from-group',
    build: () => ({
      state: desired([declaredUser('bob@contoso.com', { licenses: [e3] })]),
      observed: tenant({ users: [user('bob@contoso.com', holding([groupLicense(E3, GROUP)]))], groups: [[GROUP, 'E3 users']] }),
      expected: { severity: 'info', userPrincipalName: 'bob@contoso.com', facts: ['"E3 users"', GROUP, 'no direct assignment'], changes: [], codes: ['license-from-group'] },
    }),
  },
  {
    name: 'group-license-error: the group fails to assign the SKU (CountViolation)',
    code: 'group-license-error',
    build: () => ({
      state: desired([declaredUser('bob@contoso.com', { licenses: [e3] })]),
      observed: tenant({
        users: [user('bob@contoso.com', { assignedLicenses: [], licenseAssignmentStates: [groupLicense(E3, GROUP, { state: 'Error', error: 'CountViolation' })] })],
        groups: [[GROUP, 'E3 users']],
        skus: [sku({ enabledUnits: 4, consumedUnits: 4 })],
      }),
      // No seat for the group, none for a direct assignment either.
      expected: { severity: 'warning', userPrincipalName: 'bob@contoso.com', facts: ['"E3 users"', 'ENTERPRISEPACK', 'CountViolation'], changes: [], codes: ['seat-shortfall', 'group-license-error', 'seat-shortfall'] },
    }),
  },
  {
    // A person's account declared as a shared mailbox: blocking its sign-in would lock them out.
    name: 'mailbox-type-mismatch: Exchange says user mailbox, the policy says shared: an error, and sign-in is not blocked',
    code: 'mailbox-type-mismatch',
    build: () => {
      const support = user('support@contoso.com', { accountEnabled: true });
      return {
        state: desired([declaredMailbox('support@contoso.com')]),
        observed: tenant({ users: [support], mailboxes: [[support.id, mailboxOf('user')]] }),
        expected: { severity: 'error', userPrincipalName: 'support@contoso.com', facts: ['user mailbox', 'locks them out', 'belongs under users', 'Set-Mailbox -Identity support@contoso.com -Type Shared'], changes: [], codes: ['mailbox-type-mismatch'] },
      };
    },
  },
  {
    name: 'mailbox-type-mismatch: Exchange says room mailbox, the policy says shared: a warning (neither is a person\'s)',
    code: 'mailbox-type-mismatch',
    build: () => {
      const support = user('support@contoso.com', { accountEnabled: false });
      return {
        state: desired([declaredMailbox('support@contoso.com')]),
        observed: tenant({ users: [support], mailboxes: [[support.id, mailboxOf('room')]] }),
        expected: { severity: 'warning', userPrincipalName: 'support@contoso.com', facts: ['room mailbox', 'Set-Mailbox -Identity support@contoso.com -Type Shared'], changes: [], codes: ['mailbox-type-mismatch'] },
      };
    },
  },
  {
    name: 'needs-exchange: a declared shared mailbox with nothing restorable; the New-Mailbox command',
    code: 'needs-exchange',
    build: () => ({
      state: desired([declaredMailbox('support@contoso.com', 'shared', { displayName: 'Support Desk' })]),
      observed: tenant(),
      expected: {
        severity: 'error',
        userPrincipalName: 'support@contoso.com',
        facts: ['New-Mailbox -Shared -Name "Support Desk" -DisplayName "Support Desk" -Alias support -PrimarySmtpAddress support@contoso.com', 'Get-Mailbox -InactiveMailboxOnly', 'Undo-SoftDeletedMailbox'],
        // whenMissing: create (the default) is for users only: Graph cannot create mailboxes.
        changes: [],
        codes: ['needs-exchange'],
      },
    }),
  },
  {
    // No mailbox: it may be a person's account, so its sign-in is not blocked either.
    name: 'needs-exchange: a declared room mailbox whose account exists without a mailbox: an error, and sign-in is not blocked',
    code: 'needs-exchange',
    build: () => {
      const room = user('room1@contoso.com', { displayName: 'Room 1', accountEnabled: true });
      return {
        state: desired([declaredMailbox('room1@contoso.com', 'room', { displayName: 'Room 1' })]),
        observed: tenant({ users: [room], mailboxes: [[room.id, noMailbox]] }),
        expected: { severity: 'error', userPrincipalName: 'room1@contoso.com', facts: ['no mailbox', 'lock someone out', 'New-Mailbox -Room -Name "Room 1"', '-PrimarySmtpAddress room1@contoso.com'], changes: [], codes: ['needs-exchange'] },
      };
    },
  },
  {
    name: 'undeclared-license: a direct license the policy does not list, pruneLicenses: false',
    code: 'undeclared-license',
    build: () => ({
      state: desired([declaredUser('bob@contoso.com', { licenses: [e3] })]),
      observed: tenant({ users: [user('bob@contoso.com', { assignedLicenses: [license(E3), license(E5)] })], skus: [sku(), e5()] }),
      expected: { severity: 'info', userPrincipalName: 'bob@contoso.com', facts: ['SPE_E5', 'pruneLicenses is false'], changes: [], codes: ['undeclared-license'] },
    }),
  },
  {
    name: 'manager-not-found: the declared manager is neither active nor created or restored by the plan; the principal changes nothing',
    code: 'manager-not-found',
    build: () => ({
      state: desired([declaredUser('bob@contoso.com', { manager: 'nobody@contoso.com', accountEnabled: false })]),
      observed: tenant({ users: [user('bob@contoso.com', { managerId: null })] }),
      expected: { severity: 'error', userPrincipalName: 'bob@contoso.com', facts: ['nobody@contoso.com', 'not an active user', 'declare the manager'], changes: [], codes: ['manager-not-found'] },
    }),
  },
  {
    name: 'manager-not-found: the manager is only soft-deleted and not declared: declare it to restore it',
    code: 'manager-not-found',
    build: () => ({
      state: desired([declaredUser('bob@contoso.com', { manager: 'carol@contoso.com' })]),
      observed: tenant({ users: [user('bob@contoso.com', { managerId: null })], deleted: [deletedUser('carol@contoso.com', daysAgo(3))] }),
      expected: { severity: 'error', userPrincipalName: 'bob@contoso.com', facts: ['carol@contoso.com', 'it is deleted', 'Declare it'], changes: [], codes: ['manager-not-found'] },
    }),
  },
  {
    name: 'unknown-group: the license set names a group that is not a license-assigning group',
    code: 'unknown-group',
    build: () => ({
      state: desired([declaredUser('bob@contoso.com', { licenses: [groupSetLicense('staff', 'ENTERPRISEPACK', 'Nope Group')] })]),
      observed: tenant({ users: [user('bob@contoso.com')], licensingGroups: [licensingGroup('Licensed staff', [E3], [], GROUP)] }),
      expected: { severity: 'error', userPrincipalName: 'bob@contoso.com', facts: ['license set staff', '"Nope Group"', 'not a license-assigning group'], changes: [], codes: ['unknown-group'] },
    }),
  },
  {
    name: 'unknown-group: two groups have the display name: write the object id',
    code: 'unknown-group',
    build: () => {
      const a = licensingGroup('Staff', [E3], [], guid(901));
      const b = licensingGroup('STAFF', [E3], [], guid(902));
      return {
        state: desired([declaredUser('bob@contoso.com', { licenses: [groupSetLicense('staff', 'ENTERPRISEPACK', 'staff')] })]),
        observed: tenant({ users: [user('bob@contoso.com')], licensingGroups: [a, b] }),
        expected: { severity: 'error', userPrincipalName: 'bob@contoso.com', facts: ['2 license-assigning groups', a.id, b.id, 'object id'], changes: [], codes: ['unknown-group'] },
      };
    },
  },
  {
    name: 'group-license-mismatch: the group does not assign the set’s SKU',
    code: 'group-license-mismatch',
    build: () => ({
      state: desired([declaredUser('bob@contoso.com', { licenses: [groupSetLicense('staff', 'SPE_E5', 'Licensed staff')] })]),
      observed: tenant({ users: [user('bob@contoso.com')], skus: [sku(), e5()], licensingGroups: [licensingGroup('Licensed staff', [E3], [], GROUP)] }),
      expected: { severity: 'error', userPrincipalName: 'bob@contoso.com', facts: ['SPE_E5', '"Licensed staff"', 'assigns ENTERPRISEPACK'], changes: [], codes: ['group-license-mismatch'] },
    }),
  },
  {
    name: 'group-license-mismatch: the set disables other plans than the group',
    code: 'group-license-mismatch',
    build: () => ({
      state: desired([declaredUser('bob@contoso.com', { licenses: [groupSetLicense('staff', 'ENTERPRISEPACK', 'Licensed staff', ['SWAY'])] })]),
      observed: tenant({ users: [user('bob@contoso.com')], licensingGroups: [licensingGroup('Licensed staff', [{ skuId: E3, disabledPlans: [YAMMER] }], [], GROUP)] }),
      expected: { severity: 'error', userPrincipalName: 'bob@contoso.com', facts: ['disables SWAY', 'disables YAMMER_ENTERPRISE'], changes: [], codes: ['group-license-mismatch'] },
    }),
  },
  {
    name: 'license-also-direct: a member holds the group’s SKU directly too; the direct one stays, even when pruning',
    code: 'license-also-direct',
    build: () => {
      const bob = user('bob@contoso.com', holding([directLicense(E3), groupLicense(E3, GROUP)]));
      return {
        state: desired([declaredUser('bob@contoso.com', { licenses: [groupSetLicense('staff', 'ENTERPRISEPACK', GROUP)] })], { pruneLicenses: true }),
        observed: tenant({ users: [bob], licensingGroups: [licensingGroup('Licensed staff', [E3], [bob.id], GROUP)] }),
        expected: { severity: 'info', userPrincipalName: 'bob@contoso.com', facts: ['ENTERPRISEPACK', 'directly', '"Licensed staff"', 'stays'], changes: [], codes: ['license-also-direct'] },
      };
    },
  },
  {
    name: 'undeclared-membership: a member of a group the policy names, holding no set that names it, pruneLicenses: false',
    code: 'undeclared-membership',
    build: () => {
      const bob = user('bob@contoso.com');
      return {
        state: desired([declaredUser('bob@contoso.com'), declaredUser('carol@contoso.com', { licenses: [groupSetLicense('staff', 'ENTERPRISEPACK', 'Licensed staff')] })]),
        observed: tenant({ users: [bob, user('carol@contoso.com')], licensingGroups: [licensingGroup('Licensed staff', [E3], [bob.id], GROUP)] }),
        expected: { severity: 'info', userPrincipalName: 'bob@contoso.com', facts: ['"Licensed staff"', 'ENTERPRISEPACK', 'pruneLicenses is false'], changes: ['add-group-member carol@contoso.com'], codes: ['undeclared-membership'] },
      };
    },
  },
  {
    name: 'protected-drift: a protected principal’s change is information, before → after in words, and no change',
    code: 'protected-drift',
    build: () => ({
      state: desired([declaredUser('breakglass@contoso.com', { protected: true, accountEnabled: true, attributes: { jobTitle: 'Emergency' } })]),
      observed: tenant({ users: [user('breakglass@contoso.com', { attributes: { jobTitle: 'Admin' } })] }),
      expected: { severity: 'info', userPrincipalName: 'breakglass@contoso.com', facts: ['protected: left alone; would set jobTitle "Admin" → "Emergency"'], changes: [], codes: ['protected-drift'] },
    }),
  },
];

describe('planner diagnostics: one case per code', () => {
  it.each(CASES)('$name', ({ code, build }) => {
    const { state, observed, expected } = build();
    const plan = planAt(state, observed);
    expect(plan.diagnostics.map((d) => d.code)).toEqual(expected.codes);
    // One diagnostic of this code and severity (a seat shortfall also warns each principal left out).
    const found = plan.diagnostics.filter((d) => d.code === code && d.severity === expected.severity);
    expect(found).toHaveLength(1);
    const [diagnostic] = found;
    expect(diagnostic?.severity).toBe(expected.severity);
    if (expected.userPrincipalName !== null) expect(diagnostic?.userPrincipalName).toBe(expected.userPrincipalName);
    for (const fact of expected.facts) expect(diagnostic?.message).toContain(fact);
    expect(actionLines(plan.changes)).toEqual(expected.changes);
  });

  it('covers every code the planner emits', () => {
    const planned = Object.entries(ORIGIN).flatMap(([code, origin]) => (origin === 'planner' ? [code] : []));
    expect(new Set(CASES.map((c) => c.code))).toEqual(new Set(planned));
  });
});

describe('planner diagnostics: boundaries', () => {
  it.each([
    { name: '23 days ago: exactly 7 days left, no warning', deleted: daysAgo(23), warned: false },
    { name: '23.5 days ago: 6 whole days left, warned', deleted: daysAgo(23.5), warned: true },
    { name: '29.9 days ago: 0 days left, warned and still restored', deleted: daysAgo(29.9), warned: true },
  ])('restore-window-closing at $name', ({ deleted, warned }) => {
    const plan = planAt(desired([declaredUser('alice@contoso.com')]), tenant({ deleted: [deletedUser('alice@contoso.com', deleted)] }));
    expect(actionLines(plan.changes)).toEqual(['restore-user alice@contoso.com']);
    expect(plan.diagnostics.some((d) => d.code === 'restore-window-closing')).toBe(warned);
  });

  it('deleted exactly 30 days ago: purged, not restorable', () => {
    const plan = planAt(desired([declaredUser('alice@contoso.com', { whenMissing: 'report' })]), tenant({ deleted: [deletedUser('alice@contoso.com', daysAgo(30))] }));
    expect(plan.changes).toEqual([]);
    expect(plan.diagnostics.map((d) => d.code)).toEqual(['not-restorable']);
  });

  it('tenant ids compare case-insensitively', () => {
    const plan = planAt(desired([declaredUser('bob@contoso.com')], {}, TENANT), tenant({ users: [user('bob@contoso.com')], tenantId: TENANT.toUpperCase() }));
    expect(plan.diagnostics).toEqual([]);
  });

  it('a license with its Exchange plan enabled again: no mailbox diagnostic', () => {
    const erin = user('erin@contoso.com', { assignedLicenses: [license(E3)], assignedPlans: [exchangePlan('Deleted', daysAgo(50)), exchangePlan('Enabled', daysAgo(10))] });
    const plan = planAt(desired([declaredUser('erin@contoso.com', { licenses: [e3] })]), tenant({ users: [erin] }));
    expect(plan).toEqual({ changes: [], diagnostics: [], protectedPrincipals: [] });
  });

  it('mailbox-lost without a declared Exchange license says so and adds nothing', () => {
    const plan = planAt(desired([declaredUser('erin@contoso.com')]), tenant({ users: [user('erin@contoso.com', { assignedPlans: [exchangePlan('Deleted', daysAgo(40))] })] }));
    expect(plan.changes).toEqual([]);
    expect(plan.diagnostics).toMatchObject([{ code: 'mailbox-lost', severity: 'warning', userPrincipalName: 'erin@contoso.com' }]);
    expect(plan.diagnostics[0]?.message).not.toContain('assigning');
  });
});

describe('planner diagnostics: problems found in review', () => {
  // docs/reconciliation.md §7: undeclared-license is a direct license the policy does not list. Here E3 IS in the
  // policy; only the second license (NOPE) fails to resolve. The planner drops every resolved
  // license of the principal when one fails (resolveLicenses returns undefined → []), and then
  // reports the declared E3 as undeclared.
  it('an unknown SKU next to a held, declared E3 does not report E3 as undeclared', () => {
    const plan = planAt(
      desired([declaredUser('bob@contoso.com', { licenses: [e3, desiredLicense('NOPE')] })]),
      tenant({ users: [user('bob@contoso.com', { assignedLicenses: [license(E3)] })] }),
    );
    expect(plan.diagnostics.map((d) => d.code)).toEqual(['unknown-sku']);
  });

  // docs/reconciliation.md §7: a diagnostic names the principal it is about. The shortfall itself is one error for
  // the SKU (needed, available, who goes without); each principal left out also gets a warning of
  // its own: only that license waits, its other changes still apply.
  it('a seat shortfall names each principal that goes without', () => {
    const plan = planAt(
      desired(['bob', 'carol', 'dave'].map((n) => declaredUser(`${n}@contoso.com`, { licenses: [e3] }))),
      tenant({ users: ['bob', 'carol', 'dave'].map((n) => user(`${n}@contoso.com`)), skus: [sku({ enabledUnits: 1, consumedUnits: 0 })] }),
    );
    const perPrincipal = plan.diagnostics.filter((d) => d.code === 'seat-shortfall' && d.severity === 'warning');
    expect(perPrincipal.map((d) => d.userPrincipalName).sort()).toEqual(['carol@contoso.com', 'dave@contoso.com']);
    expect(plan.diagnostics.filter((d) => d.code === 'seat-shortfall' && d.severity === 'error')).toHaveLength(1);
  });
});
