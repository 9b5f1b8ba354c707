import type { DesiredState } from './desired.ts';
import type { Diagnostic } from './diagnostics.ts';
import { namesAnyGroup } from './group-plan.ts';
import type { ChangeAction } from './plan.ts';

/**
 * Least-privileged application permissions (docs/permissions.md), and the broader ones that also allow
 * each call (docs/graph-behaviour.md §13). The preflight checks the token's roles against what this plan and
 * its apply will call, before anything is written.
 */
export type Need = { readonly permission: string; readonly why: string; readonly alsoAccepted: readonly string[] };

const READ_USERS: Need = { permission: 'User.Read.All', why: 'read users and deleted users', alsoAccepted: ['User.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'] };
const READ_SKUS: Need = { permission: 'LicenseAssignment.Read.All', why: 'read subscribed SKUs', alsoAccepted: ['LicenseAssignment.ReadWrite.All', 'Organization.Read.All', 'Directory.Read.All', 'Organization.ReadWrite.All', 'Directory.ReadWrite.All'] };
const READ_MAILBOXES: Need = { permission: 'MailboxSettings.Read', why: 'read the declared mailboxes’ type', alsoAccepted: ['MailboxSettings.ReadWrite'] };
const READ_GROUPS: Need = { permission: 'GroupMember.Read.All', why: 'name the groups that assign licenses', alsoAccepted: ['Group.Read.All', 'Directory.Read.All', 'Group.ReadWrite.All', 'Directory.ReadWrite.All'] };

const WRITES: Readonly<Record<ChangeAction, Need>> = {
  'restore-user': { permission: 'User.DeleteRestore.All', why: 'restore deleted users', alsoAccepted: ['User.ReadWrite.All'] },
  'create-user': { permission: 'User.ReadWrite.All', why: 'create users', alsoAccepted: ['User.Create', 'Directory.ReadWrite.All'] },
  'update-attributes': { permission: 'User.ReadWrite.All', why: 'update user attributes', alsoAccepted: ['Directory.ReadWrite.All'] },
  'set-manager': { permission: 'User.ReadWrite.All', why: 'set managers', alsoAccepted: ['Directory.ReadWrite.All'] },
  'set-usage-location': { permission: 'User.ReadWrite.All', why: 'set usage locations', alsoAccepted: ['Directory.ReadWrite.All'] },
  'assign-licenses': { permission: 'LicenseAssignment.ReadWrite.All', why: 'assign licenses', alsoAccepted: ['User.ReadWrite.All', 'Directory.ReadWrite.All'] },
  'add-group-member': { permission: 'GroupMember.ReadWrite.All', why: 'add members to licensing groups', alsoAccepted: ['Group.ReadWrite.All', 'Directory.ReadWrite.All'] },
  'remove-licenses': { permission: 'LicenseAssignment.ReadWrite.All', why: 'remove licenses', alsoAccepted: ['User.ReadWrite.All', 'Directory.ReadWrite.All'] },
  'remove-group-member': { permission: 'GroupMember.ReadWrite.All', why: 'remove members from licensing groups', alsoAccepted: ['Group.ReadWrite.All', 'Directory.ReadWrite.All'] },
  'enable-sign-in': { permission: 'User.ReadWrite.All', why: 'enable sign-in', alsoAccepted: ['Directory.ReadWrite.All'] },
  'block-sign-in': { permission: 'User.ReadWrite.All', why: 'block sign-in', alsoAccepted: ['Directory.ReadWrite.All'] },
};

/** What reading the tenant for this policy needs: groups when the policy names a licensing group, or licenses were found to come from groups. */
export function readNeeds(desired: DesiredState, options: { readonly groupsRead: boolean }): Need[] {
  const groups = options.groupsRead || namesAnyGroup(desired);
  return [READ_USERS, READ_SKUS, ...(desired.principals.some((p) => p.kind === 'mailbox') ? [READ_MAILBOXES] : []), ...(groups ? [READ_GROUPS] : [])];
}

/** What applying these actions needs. */
export function writeNeeds(actions: Iterable<ChangeAction>): Need[] {
  return [...new Set(actions)].map((action) => WRITES[action]);
}

/**
 * One `missing-permission` diagnostic per permission the roles lack, naming the fix. `for: 'read'`
 * (the plan cannot be made without it) is an error; `for: 'apply'` is a warning: the plan is still
 * right, but only credentials that hold the permission can apply it, and `apply` checks its own
 * credentials again before writing. A pipeline's read-only plan identity lacks these by design.
 */
export function checkPermissions(needs: readonly Need[], roles: readonly string[], options: { readonly for: 'read' | 'apply' } = { for: 'read' }): Diagnostic[] {
  const granted = new Set(roles);
  const missing = new Map<string, string[]>();
  for (const need of needs) {
    if (granted.has(need.permission) || need.alsoAccepted.some((p) => granted.has(p))) continue;
    missing.set(need.permission, [...(missing.get(need.permission) ?? []), need.why]);
  }
  const grant = 'grant it to the app (Entra admin center › App registrations › API permissions › Microsoft Graph › Application permissions) and give admin consent';
  return [...missing].map(([permission, whys]) => ({
    severity: options.for === 'read' ? 'error' : 'warning',
    code: 'missing-permission',
    message:
      options.for === 'read'
        ? `the credentials lack the application permission ${permission}, needed to ${[...new Set(whys)].join(' and ')}; ${grant}`
        : `these credentials lack the application permission ${permission}, needed to apply this plan (${[...new Set(whys)].join(' and ')}): apply it with credentials that hold it (a read-only plan identity lacks it by design), or ${grant}`,
  }));
}
