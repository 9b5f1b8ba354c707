/**
 * Which application permissions (app roles in the token's `roles` claim) each Graph call the emulator
 * serves accepts. For every operation the least-privileged permission comes first, then the higher ones
 * Graph also accepts (docs/graph-behaviour.md §13, docs/permissions.md §4). `tenantctl plan` can name `PERMISSIONS[op][0]`
 * as what to grant; the emulator accepts any entry. Delegated permissions are not modelled: tenantctl
 * runs app-only.
 *
 * Sources are the per-call "Permissions" tables of the Graph v1.0 reference
 * (https://learn.microsoft.com/graph/api/<page>, `microsoftgraph/microsoft-graph-docs-contrib`
 * `api-reference/v1.0/includes/permissions/<page>-permissions.md`) and, for the narrow delete/restore
 * permission, "What's new in Microsoft Graph", December 2024
 * (https://learn.microsoft.com/graph/whats-new-overview): "User.DeleteRestore.All — Least privileged
 * permission to delete a user, restore a deleted user from the recycle bin, or permanently delete a
 * deleted user from the recycle bin. Also allows retrieving deleted users".
 *
 * `Directory.ReadWrite.All` is deliberately absent from every delete and restore: per the permissions
 * reference (https://learn.microsoft.com/graph/permissions-reference#directoryreadwriteall) it "does not
 * allow the app to delete users or groups".
 */

export type GraphOperation =
  | 'users.list'
  | 'users.get'
  | 'users.delta'
  | 'users.create'
  | 'users.update'
  | 'users.setManager'
  | 'users.delete'
  | 'users.assignLicense'
  | 'users.licenseDetails'
  | 'users.mailboxSettings'
  | 'deletedItems.list'
  | 'deletedItems.get'
  | 'deletedItems.restore'
  | 'deletedItems.delete'
  | 'subscribedSkus.list'
  | 'organization.get'
  | 'groups.list'
  | 'groups.get'
  | 'groups.updateMembers';

/** Reading users, licence and plan properties included (docs/graph-behaviour.md §4, §13). */
const READ_USERS = ['User.Read.All', 'User.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'] as const;

/** Reading groups and their members, for group-based licensing (docs/permissions.md §2). */
const READ_GROUPS = ['GroupMember.Read.All', 'Group.Read.All', 'Directory.Read.All', 'Group.ReadWrite.All', 'Directory.ReadWrite.All'] as const;

/** Deleting, restoring and purging users. */
const DELETE_RESTORE_USERS = ['User.DeleteRestore.All', 'User.ReadWrite.All'] as const;

export const PERMISSIONS: Readonly<Record<GraphOperation, readonly string[]>> = {
  // https://learn.microsoft.com/graph/api/user-list — application: User.Read.All; higher Directory.Read.All,
  // Directory.ReadWrite.All, User.ReadWrite.All. "On Microsoft Graph, reading users in app-only scenarios
  // requires only the User.Read.All permission" (https://learn.microsoft.com/graph/migrate-azure-ad-graph-permissions-differences).
  'users.list': READ_USERS,
  // https://learn.microsoft.com/graph/api/user-get — as user-list.
  'users.get': READ_USERS,
  // https://learn.microsoft.com/graph/api/user-delta — application: User.Read.All; higher User.ReadWrite.All,
  // Directory.Read.All, Directory.ReadWrite.All (the same as reading users).
  'users.delta': READ_USERS,
  // https://learn.microsoft.com/graph/api/user-post-users — application: User.ReadWrite.All; higher
  // Directory.ReadWrite.All. docs/graph-behaviour.md §5 and §13 name User.Create as least privileged, so it is accepted
  // too. docs/permissions.md §3 names User.ReadWrite.All for create.
  'users.create': ['User.Create', 'User.ReadWrite.All', 'Directory.ReadWrite.All'],
  // https://learn.microsoft.com/graph/api/user-update — application: User.ReadWrite.All; higher
  // Directory.ReadWrite.All. Property-scoped permissions (User.EnableDisableAccount.All for
  // accountEnabled, …) are not modelled: the emulator checks per call, not per property.
  'users.update': ['User.ReadWrite.All', 'Directory.ReadWrite.All'],
  // https://learn.microsoft.com/graph/api/user-post-manager and user-delete-manager — application:
  // User.ReadWrite.All; higher Directory.ReadWrite.All (the AgentIdUser.* permissions are not modelled).
  // Reading the manager (GET /users/{id}/manager, $expand=manager) is users.get / users.list.
  'users.setManager': ['User.ReadWrite.All', 'Directory.ReadWrite.All'],
  // https://learn.microsoft.com/graph/api/user-delete (soft delete) — User.ReadWrite.All; the narrower
  // User.DeleteRestore.All per "What's new", December 2024 (above).
  'users.delete': DELETE_RESTORE_USERS,
  // https://learn.microsoft.com/graph/api/user-assignlicense — least LicenseAssignment.ReadWrite.All;
  // higher Directory.ReadWrite.All, User.ReadWrite.All (docs/graph-behaviour.md §6).
  'users.assignLicense': ['LicenseAssignment.ReadWrite.All', 'User.ReadWrite.All', 'Directory.ReadWrite.All'],
  // https://learn.microsoft.com/graph/api/user-list-licensedetails — least LicenseAssignment.Read.All;
  // higher Directory.Read.All, Directory.ReadWrite.All, User.Read.All, User.ReadWrite.All. (The newest
  // page snapshot says "Application: Not supported."; the emulator accepts app-only calls, as older
  // versions of the page did.)
  'users.licenseDetails': ['LicenseAssignment.Read.All', 'User.Read.All', 'User.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'],
  // https://learn.microsoft.com/graph/api/user-get-mailboxsettings — MailboxSettings.Read; higher
  // MailboxSettings.ReadWrite (docs/graph-behaviour.md §9).
  'users.mailboxSettings': ['MailboxSettings.Read', 'MailboxSettings.ReadWrite'],
  // https://learn.microsoft.com/graph/api/directory-deleteditems-list and -get, "For users" — application:
  // User.Read.All, User.ReadWrite.All, Directory.Read.All, Directory.ReadWrite.All (docs/graph-behaviour.md §1);
  // User.DeleteRestore.All "also allows retrieving deleted users" ("What's new", December 2024).
  'deletedItems.list': ['User.Read.All', 'User.DeleteRestore.All', 'User.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'],
  'deletedItems.get': ['User.Read.All', 'User.DeleteRestore.All', 'User.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'],
  // https://learn.microsoft.com/graph/api/directory-deleteditems-restore — least User.DeleteRestore.All;
  // older page versions: User.ReadWrite.All (docs/graph-behaviour.md §2).
  'deletedItems.restore': DELETE_RESTORE_USERS,
  // https://learn.microsoft.com/graph/api/directory-deleteditems-delete — the page says "Application: Not
  // supported" for users; emulator contract (docs/graph-behaviour.md §3, §16 #9): accept User.DeleteRestore.All or
  // User.ReadWrite.All.
  'deletedItems.delete': DELETE_RESTORE_USERS,
  // https://learn.microsoft.com/graph/api/subscribedsku-list — least LicenseAssignment.Read.All; higher
  // Directory.Read.All, Directory.ReadWrite.All, Organization.Read.All, Organization.ReadWrite.All. Older
  // pages named Organization.Read.All as least privileged (docs/graph-behaviour.md §7).
  // LicenseAssignment.ReadWrite.All is accepted too: the write permission includes the read (as tenantctl's preflight assumes).
  'subscribedSkus.list': ['LicenseAssignment.Read.All', 'LicenseAssignment.ReadWrite.All', 'Organization.Read.All', 'Directory.Read.All', 'Organization.ReadWrite.All', 'Directory.ReadWrite.All'],
  // https://learn.microsoft.com/graph/api/organization-get — application: Organization.Read.All; higher
  // Directory.Read.All, Organization.ReadWrite.All, Directory.ReadWrite.All.
  'organization.get': ['Organization.Read.All', 'Directory.Read.All', 'Organization.ReadWrite.All', 'Directory.ReadWrite.All'],
  // https://learn.microsoft.com/graph/api/group-list and group-get — least GroupMember.Read.All; higher
  // Group.Read.All, Directory.Read.All, Group.ReadWrite.All, Directory.ReadWrite.All. (The newest
  // group-list snapshot also lists Group-NestingSupport.ReadWrite.All and Group.ManageProtection.All;
  // not accepted here.)
  'groups.list': READ_GROUPS,
  'groups.get': READ_GROUPS,
  // https://learn.microsoft.com/graph/api/group-post-members and group-delete-members — application:
  // least GroupMember.ReadWrite.All; higher Group.ReadWrite.All, Directory.ReadWrite.All.
  'groups.updateMembers': ['GroupMember.ReadWrite.All', 'Group.ReadWrite.All', 'Directory.ReadWrite.All'],
};

/**
 * Graph's 403 `Authorization_RequestDenied` text when the token lacks the permission a directory call
 * needs (docs/graph-behaviour.md §12, §13).
 */
export const INSUFFICIENT_PRIVILEGES = 'Insufficient privileges to complete the operation.';

/**
 * Whether an app-only token with these `roles` may make this call: it holds any permission the call
 * accepts. Role names are matched exactly, as Entra writes them into the token.
 */
export function isAuthorised(roles: ReadonlySet<string>, operation: GraphOperation): boolean {
  return PERMISSIONS[operation].some((permission) => roles.has(permission));
}
