import type { AssignedPlan, LicenseAssignmentState, UserPurpose } from './model.ts';
import type { ProfileString } from './profile.ts';

/** A user as the emulator keeps it: active or soft-deleted. Mutable; only the store changes it. */
export interface UserRecord {
  readonly id: string;
  userPrincipalName: string;
  /** The UPN before deletion; the active UPN while active. */
  originalUserPrincipalName: string;
  displayName: string;
  givenName: string | null;
  surname: string | null;
  jobTitle: string | null;
  department: string | null;
  companyName: string | null;
  officeLocation: string | null;
  employeeId: string | null;
  employeeType: string | null;
  city: string | null;
  country: string | null;
  mobilePhone: string | null;
  /** At most one number, as Graph allows. */
  businessPhones: string[];
  /**
   * The manager's id, or null. Kept while either side is soft-deleted (Entra keeps a deleted user's
   * relationships and restores them); shown only while the manager is active (docs/graph-behaviour.md §17).
   */
  managerId: string | null;
  mail: string | null;
  mailNickname: string;
  usageLocation: string | null;
  proxyAddresses: string[];
  accountEnabled: boolean;
  onPremisesSyncEnabled: boolean | null;
  userType: 'Member' | 'Guest';
  createdDateTime: string;
  licenseAssignmentStates: LicenseAssignmentState[];
  assignedPlans: AssignedPlan[];
  purpose: UserPurpose;
  deletedDateTime: string | null;
  /**
   * `passwordProfile.forceChangePasswordNextSignIn` as created (the password itself is never kept): the
   * control state shows it, so tests can tell that a created user must change the password it never saw.
   */
  forceChangePasswordNextSignIn: boolean;
}

/** The soft-deleted UPN: the id without hyphens, then the original UPN (docs/graph-behaviour.md §1, emulator contract). */
export function deletedUserPrincipalName(id: string, upn: string): string {
  return `${id.replace(/-/gu, '').toLowerCase()}${upn}`;
}

/** A user as the seed or `POST /users` gives it, before the store checks and records it. */
export type NewUser = {
  readonly id?: string;
  readonly userPrincipalName: string;
  readonly displayName: string;
  readonly mailNickname: string;
  readonly accountEnabled: boolean;
  readonly usageLocation?: string | null;
  readonly businessPhones?: readonly string[];
  readonly mail?: string | null;
  readonly proxyAddresses?: readonly string[];
  readonly onPremisesSyncEnabled?: boolean | null;
  readonly userType?: 'Member' | 'Guest';
  readonly createdDateTime?: string;
  readonly purpose?: UserPurpose;
  /** From `passwordProfile` (the password is checked, never kept). */
  readonly forceChangePasswordNextSignIn?: boolean;
} & { readonly [K in ProfileString]?: string | null };
