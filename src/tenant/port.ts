import type { AttributeName, DeclaredAttributes } from '../domain/attributes.ts';
import type { ObservedMailbox, ObservedSku, ObservedTenant, ObservedUser } from '../domain/observed.ts';
import type { PlannedLicense } from '../domain/plan.ts';

/**
 * The tenant port: what the engine asks of a tenant, in domain words. Two adapters implement it:
 * `graph/` (Microsoft Graph, or the emulator) and `memory/` (fast engine tests). Both pass the
 * contract suite in test/tenant/.
 *
 * A failed operation throws `TenantError` (errors.ts): what happened (`kind`), whether the request may
 * be sent again (`retryable`) and whether it may have been carried out although no success came back
 * (`mayHaveTakenEffect`), with status, code, message and request id for reports. An adapter may throw
 * a subclass with more (the Graph adapter's `GraphRequestError`); anything else it throws is a bug or
 * an environment failure, not an answer from the tenant.
 */
export { TenantError } from './errors.ts';
export type { TenantErrorKind } from './errors.ts';

export interface ReadTenantRequest {
  /** UPNs (lower case) the policy declares as mailboxes: their mailbox settings are read, 20 per $batch. */
  readonly mailboxUserPrincipalNames: readonly string[];
  /**
   * Attributes beyond those the planner always reads (displayName is always read) that the policy declares
   * on some principal: selected in the same bulk pages, and only these (a page with every attribute costs).
   */
  readonly attributes?: readonly AttributeName[];
  /** Read every user's manager id in the bulk pages (`$expand=manager($select=id)`): when the policy declares a manager. */
  readonly managers?: boolean;
  /**
   * Licensing groups the policy names, by object id or display name: found among the license-assigning
   * groups (one advanced query) and read with their members (`ObservedTenant.groups`).
   */
  readonly groups?: readonly string[];
  /**
   * Whose Exchange mailbox plan entries (`ObservedUser.assignedPlans`) an active user carries. `removed`, the default:
   * only users who hold a removed (Deleted) Exchange plan, all the planner's mailbox history needs
   * (docs/graph-behaviour.md §8); every other active user's list is empty. `all`: every user's (export tells a
   * licensed person's mailbox from a shared one by them). Deleted users always carry theirs.
   */
  readonly planHistory?: 'removed' | 'all';
}

export interface TenantReader {
  /** Everything the planner needs, in bulk: users, deleted users, SKUs, mailboxes of declared mailboxes, group names. */
  readTenant(request: ReadTenantRequest): Promise<ObservedTenant>;
  /** The application permissions (roles) the credentials carry, for the permission preflight. */
  readGrantedRoles(): Promise<readonly string[]>;
  /** One active user by object id or UPN, or undefined; apply uses it to tell a step that already happened. */
  readUser(principal: string): Promise<ObservedUser | undefined>;
}

/**
 * One round of the users' delta query (`GET /users/delta`, https://learn.microsoft.com/graph/delta-query-overview):
 * which users changed since the previous round's link, and the link for the next round. Object ids are lower case.
 * A user may be named in more than one list when it changed more than once; the watch re-reads every id named.
 */
export interface UserDeltaRound {
  /** Users created, changed or restored since the link: active now, or gone again since (re-read them). */
  readonly changed: readonly string[];
  /** Users soft-deleted since the link (`@removed` with reason `changed`). */
  readonly softDeleted: readonly string[];
  /** Users deleted for good since the link (`@removed` with reason `deleted`). */
  readonly purged: readonly string[];
  /** Where the next round starts (`@odata.deltaLink`); opaque. */
  readonly deltaLink: string;
}

/** Users read again by id after a delta round: the active ones, the soft-deleted ones, and the mailboxes of those asked about. */
export interface ReadUsersResult {
  readonly users: readonly ObservedUser[];
  readonly deletedUsers: readonly ObservedUser[];
  /** By user id: the mailbox of each active user whose UPN the request names as a declared mailbox. */
  readonly mailboxes: ReadonlyMap<string, ObservedMailbox>;
}

/** What `tenantctl watch` asks of a tenant between full reads (docs/watch.md). */
export interface TenantDeltaReader {
  /**
   * Starts following the users from now on: no changes, the link of the current state (`$deltatoken=latest`). Taken
   * before the full read, so nothing that changes during the read is missed (it may be seen twice: harmless).
   */
  startUserDelta(request: ReadTenantRequest): Promise<UserDeltaRound>;
  /**
   * The changes since a round's link, following `@odata.nextLink` to the round's `@odata.deltaLink`. Throws
   * TenantError kind `delta-expired` when the tenant no longer knows the link (a full read starts over).
   */
  readUserDelta(deltaLink: string): Promise<UserDeltaRound>;
  /** The users with these ids, as the full read reads them (their plans included), 20 per `$batch`; ids gone for good are absent. */
  readUsers(ids: readonly string[], request: ReadTenantRequest): Promise<ReadUsersResult>;
  /** The subscribed SKUs and their seats, as the full read reads them. */
  readSkus(): Promise<readonly ObservedSku[]>;
}

export interface RestoreOptions {
  readonly newUserPrincipalName?: string;
  readonly autoReconcileProxyConflict: boolean;
}

export interface NewUserInput {
  readonly userPrincipalName: string;
  readonly displayName: string;
  readonly mailNickname: string;
  readonly accountEnabled: boolean;
  readonly usageLocation?: string;
  /** The other declared attributes, set in the same request (displayName is above). */
  readonly attributes?: DeclaredAttributes;
  /** A strong random password, made by the caller; never logged. */
  readonly password: string;
}

/**
 * What a write that succeeded answered: the tenant's request id of the request that carried it out
 * (Graph's `request-id`), for the audit log and for support; null when the answer carried none.
 */
export interface WriteReceipt {
  readonly requestId: string | null;
}

/** Writes, one domain operation each. A principal is named by object id, or by UPN before its id is known. */
export interface TenantWriter {
  restoreDeletedUser(objectId: string, options: RestoreOptions): Promise<WriteReceipt>;
  createUser(input: NewUserInput): Promise<WriteReceipt & { readonly objectId: string }>;
  setUsageLocation(principal: string, usageLocation: string): Promise<WriteReceipt>;
  assignLicenses(principal: string, add: readonly Pick<PlannedLicense, 'skuId' | 'disabledPlans'>[], remove: readonly string[]): Promise<WriteReceipt>;
  setAccountEnabled(principal: string, enabled: boolean): Promise<WriteReceipt>;
  /** Sets the given attributes (a null value unsets one) in one update; the others are left as they are. */
  updateAttributes(principal: string, attributes: DeclaredAttributes): Promise<WriteReceipt>;
  /** Sets the manager reference to the user `managerId`, or removes it (null; removing none is done, not an error). */
  setManager(principal: string, managerId: string | null): Promise<WriteReceipt>;
  /** Adds the user (by object id) to the group; a member already is done, not an error. */
  addGroupMember(groupId: string, userId: string): Promise<WriteReceipt>;
  /** Removes the user (by object id) from the group; one that is not a member is done, not an error. */
  removeGroupMember(groupId: string, userId: string): Promise<WriteReceipt>;
}
