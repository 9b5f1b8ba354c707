/**
 * The emulator's tenant, in Microsoft Graph's own shapes (docs/emulator.md §3). The seed file, the
 * `GET /_emulator/state` dump and the store share these types. Derived fields (`consumedUnits`,
 * `licenseAssignmentStates`, `assignedPlans` without history) are computed by the store.
 */

export interface SeedServicePlan {
  readonly servicePlanId: string;
  readonly servicePlanName: string;
  readonly provisioningStatus?: string;
  readonly appliesTo?: 'User' | 'Company';
}

export interface LicenseUnits {
  readonly enabled: number;
  readonly suspended: number;
  readonly warning: number;
  readonly lockedOut: number;
}

export interface SeedSku {
  readonly skuId: string;
  readonly skuPartNumber: string;
  readonly prepaidUnits: LicenseUnits;
  readonly servicePlans: readonly SeedServicePlan[];
  readonly appliesTo?: 'User' | 'Company';
  readonly capabilityStatus?: string;
  /** Derived; ignored in a seed. */
  readonly consumedUnits?: number;
}

export interface AssignedLicense {
  readonly skuId: string;
  readonly disabledPlans: readonly string[];
}

export interface AssignedPlan {
  readonly assignedDateTime: string;
  readonly capabilityStatus: 'Enabled' | 'Warning' | 'Suspended' | 'Deleted' | 'LockedOut';
  readonly service: string;
  readonly servicePlanId: string;
}

export interface LicenseAssignmentState {
  readonly skuId: string;
  readonly disabledPlans: readonly string[];
  readonly assignedByGroup: string | null;
  readonly state: 'Active' | 'ActiveWithError' | 'Disabled' | 'Error';
  readonly error: 'None' | 'CountViolation' | 'MutuallyExclusiveViolation' | 'DependencyViolation' | 'ProhibitedInUsageLocationViolation' | 'UniquenessViolation' | 'Other';
  readonly lastUpdatedDateTime: string;
}

export type UserPurpose = 'user' | 'linked' | 'shared' | 'room' | 'equipment' | 'others';

export interface SeedUser {
  readonly id: string;
  readonly userPrincipalName: string;
  readonly displayName: string;
  readonly accountEnabled?: boolean;
  readonly givenName?: string | null;
  readonly surname?: string | null;
  readonly mail?: string | null;
  readonly mailNickname?: string;
  readonly usageLocation?: string | null;
  readonly proxyAddresses?: readonly string[];
  readonly onPremisesSyncEnabled?: boolean | null;
  readonly userType?: 'Member' | 'Guest';
  readonly createdDateTime?: string;
  readonly jobTitle?: string | null;
  readonly department?: string | null;
  readonly companyName?: string | null;
  readonly officeLocation?: string | null;
  readonly employeeId?: string | null;
  readonly employeeType?: string | null;
  readonly city?: string | null;
  readonly country?: string | null;
  readonly mobilePhone?: string | null;
  /** At most one number (Graph's rule). */
  readonly businessPhones?: readonly string[];
  /** The id of the user's manager: a user of `users` or `deletedUsers`, not the user itself. */
  readonly manager?: string;
  /** Direct licenses. Group licenses come from `groups`. */
  readonly assignedLicenses?: readonly AssignedLicense[];
  /** History, e.g. an Exchange plan `Deleted` on a date; entries for other plans are derived. */
  readonly assignedPlans?: readonly AssignedPlan[];
  readonly mailboxSettings?: { readonly userPurpose: UserPurpose };
  /** Deleted users only: when. The seed gives the original UPN; the emulator adds the id prefix. */
  readonly deletedDateTime?: string;
  /** Derived; ignored in a seed. */
  readonly licenseAssignmentStates?: readonly LicenseAssignmentState[];
  /** Whether the user must change its password at next sign-in (`POST /users` sets it); never the password itself. */
  readonly passwordProfile?: { readonly forceChangePasswordNextSignIn: boolean };
}

export interface SeedGroup {
  readonly id: string;
  readonly displayName: string;
  readonly assignedLicenses: readonly AssignedLicense[];
  /** User ids. */
  readonly members: readonly string[];
}

/**
 * A trust between the app and an external OpenID Connect issuer, in Graph's
 * `microsoft.graph.federatedIdentityCredential` shape (CSDL; https://learn.microsoft.com/graph/api/resources/federatedidentitycredential).
 * The token endpoint accepts, as client assertion, a JWT of that issuer whose `iss`, `sub` and one `aud`
 * equal `issuer`, `subject` and `audiences[0]` exactly (case-sensitive). The emulator fetches keys only from
 * loopback issuers (`http(s)://127.0.0.1`, `localhost`, `[::1]`).
 */
export interface SeedFederatedIdentityCredential {
  /** Unique within the app, URL-friendly, at most 120 characters. */
  readonly name: string;
  /** The issuer URL, e.g. `https://token.actions.githubusercontent.com` or a local test issuer. */
  readonly issuer: string;
  /** The workload, e.g. `repo:contoso/tenant-config:ref:refs/heads/main`. */
  readonly subject: string;
  /** Exactly one value; Entra's recommended one is `api://AzureADTokenExchange`. */
  readonly audiences: readonly string[];
  readonly description?: string;
}

/** An app registration; it authenticates with `clientSecret`, a federated credential, or either (at least one). */
export interface SeedApp {
  readonly clientId: string;
  readonly clientSecret?: string;
  /** Application permissions (app roles) granted to the app, e.g. "User.Read.All". */
  readonly roles: readonly string[];
  readonly displayName?: string;
  /** Workload identity federation: external tokens the app accepts instead of a secret (at most 20, as Entra). */
  readonly federatedIdentityCredentials?: readonly SeedFederatedIdentityCredential[];
}

export interface Seed {
  readonly tenantId: string;
  /** The emulator clock's start. */
  readonly now: string;
  /** Verified domains; the first is the initial (default) domain. */
  readonly domains: readonly string[];
  readonly organization?: { readonly displayName?: string };
  readonly subscribedSkus: readonly SeedSku[];
  readonly users: readonly SeedUser[];
  readonly deletedUsers: readonly SeedUser[];
  readonly groups: readonly SeedGroup[];
  readonly apps: readonly SeedApp[];
  /**
   * Pairs of service plan ids that one user cannot hold together: group-based licensing records
   * MutuallyExclusiveViolation when a group's SKU would enable one while the member holds the other
   * (docs/emulator.md §7, docs/graph-behaviour.md §19).
   */
  readonly mutuallyExclusive?: readonly (readonly [string, string])[];
}

/**
 * A seed of several tenants (docs/emulator.md §3): each entry is a whole single-tenant seed, with its own
 * tenant id, verified domains, users, SKUs, groups and apps. An app listed in several tenants is one
 * multi-tenant app consented in each: the same credentials everywhere, its roles per tenant.
 */
export interface ManyTenantSeed {
  readonly tenants: readonly Seed[];
}

/** Entra keeps soft-deleted users this long (https://learn.microsoft.com/entra/fundamentals/users-restore): the planner's number. */
export { DAY_MS, RETENTION_DAYS as SOFT_DELETE_RETENTION_DAYS } from '../../domain/clock.ts';
