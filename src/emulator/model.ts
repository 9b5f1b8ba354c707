/**
 * The emulator's tenant, in Microsoft Graph's own shapes (PRODUCT.md §4). The seed file, the
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
  /** Direct licenses. Group licenses come from `groups`. */
  readonly assignedLicenses?: readonly AssignedLicense[];
  /** History, e.g. an Exchange plan `Deleted` on a date; entries for other plans are derived. */
  readonly assignedPlans?: readonly AssignedPlan[];
  readonly mailboxSettings?: { readonly userPurpose: UserPurpose };
  /** Deleted users only: when. The seed gives the original UPN; the emulator adds the id prefix. */
  readonly deletedDateTime?: string;
  /** Derived; ignored in a seed. */
  readonly licenseAssignmentStates?: readonly LicenseAssignmentState[];
}

export interface SeedGroup {
  readonly id: string;
  readonly displayName: string;
  readonly assignedLicenses: readonly AssignedLicense[];
  /** User ids. */
  readonly members: readonly string[];
}

export interface SeedApp {
  readonly clientId: string;
  readonly clientSecret: string;
  /** Application permissions (app roles) granted to the app, e.g. "User.Read.All". */
  readonly roles: readonly string[];
  readonly displayName?: string;
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
}

/** Entra keeps soft-deleted users this long (https://learn.microsoft.com/entra/fundamentals/users-restore): the planner's number. */
export { DAY_MS, RETENTION_DAYS as SOFT_DELETE_RETENTION_DAYS } from '../domain/clock.ts';
