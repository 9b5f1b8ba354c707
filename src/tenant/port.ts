import type { AttributeName, DeclaredAttributes } from '../domain/attributes.ts';
import type { ObservedTenant, ObservedUser } from '../domain/observed.ts';
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
