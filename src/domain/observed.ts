import type { AttributeName, AttributeValue } from './attributes.ts';

/**
 * The tenant as read from Graph: what the planner compares the policy with. Plain data in Graph's
 * vocabulary, read in bulk (docs/reconciliation.md §1). Ids and SKU ids are lower case.
 */
export interface ObservedLicense {
  readonly skuId: string;
  readonly disabledPlans: readonly string[];
}

export interface ObservedLicenseState extends ObservedLicense {
  /** Null for a direct assignment; the group's id otherwise. */
  readonly assignedByGroup: string | null;
  readonly state: string;
  /** "None" (or null) when fine; CountViolation, … otherwise. */
  readonly error: string | null;
}

export interface ObservedPlan {
  readonly assignedDateTime: string;
  readonly capabilityStatus: string;
  readonly service: string;
  readonly servicePlanId: string;
}

export interface ObservedUser {
  readonly id: string;
  /** For a soft-deleted user: prefixed with its id (docs/graph-behaviour.md §1). */
  readonly userPrincipalName: string;
  readonly displayName: string;
  readonly accountEnabled: boolean;
  readonly usageLocation: string | null;
  readonly mail: string | null;
  readonly proxyAddresses: readonly string[];
  readonly onPremisesSyncEnabled: boolean | null;
  /** Direct and group licenses alike. */
  readonly assignedLicenses: readonly ObservedLicense[];
  readonly licenseAssignmentStates: readonly ObservedLicenseState[];
  /** The Exchange mailbox plans' entries (adapters may leave out the rest: nothing else is planned on). */
  readonly assignedPlans: readonly ObservedPlan[];
  /** Set for soft-deleted users only. */
  readonly deletedDateTime: string | null;
  /** When the object was created; tells a new user who took a deleted one's UPN from a leftover deleted copy. */
  readonly createdDateTime?: string | null;
  /**
   * The declared attributes other than displayName, as read: only those the request asked for
   * (ReadTenantRequest.attributes); an attribute Graph answered null is null here, one not read is absent.
   */
  readonly attributes?: Readonly<Partial<Record<AttributeName, AttributeValue>>>;
  /** The manager's object id (lower case), or null for none; absent when managers were not read. */
  readonly managerId?: string | null;
}

export interface ObservedServicePlan {
  readonly servicePlanId: string;
  readonly servicePlanName: string;
}

export interface ObservedSku {
  readonly skuId: string;
  readonly skuPartNumber: string;
  /** prepaidUnits.enabled */
  readonly enabledUnits: number;
  readonly consumedUnits: number;
  readonly servicePlans: readonly ObservedServicePlan[];
}

/** What Exchange said about a declared mailbox's account (`GET /users/{id}/mailboxSettings/userPurpose`). */
export type ObservedMailbox = { readonly kind: 'mailbox'; readonly userPurpose: string } | { readonly kind: 'none' };

/** A license-assigning group the policy names, with its licenses and its members. */
export interface ObservedGroup {
  /** Lower case. */
  readonly id: string;
  readonly displayName: string;
  /** The licenses the group assigns (its `assignedLicenses`). */
  readonly assignedLicenses: readonly ObservedLicense[];
  /** Object ids (lower case) of its direct members. */
  readonly memberIds: readonly string[];
}

export interface ObservedTenant {
  readonly tenantId: string;
  readonly users: readonly ObservedUser[];
  readonly deletedUsers: readonly ObservedUser[];
  readonly skus: readonly ObservedSku[];
  /** By user id; read only for active accounts that the policy declares as mailboxes. */
  readonly mailboxes: ReadonlyMap<string, ObservedMailbox>;
  /** Display names of license-assigning groups, when any license comes from a group. */
  readonly groupNames: ReadonlyMap<string, string>;
  /**
   * The license-assigning groups the request named (ReadTenantRequest.groups), found by id or display
   * name, with their members; absent or empty when it named none. A name that matches no such group is not here.
   */
  readonly groups?: readonly ObservedGroup[];
  /**
   * The tenant's own time when it was read (Graph's `Date` response header, ISO 8601): the planner's "now"
   * unless TENANTCTL_NOW fixes it; null when no answer carried one.
   */
  readonly readAt?: string | null;
}
