import type { AssignedPlan, LicenseAssignmentState, UserPurpose } from './model.ts';

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
}

/** The soft-deleted UPN: the id without hyphens, then the original UPN (docs/graph-behaviour.md §1, emulator contract). */
export function deletedUserPrincipalName(id: string, upn: string): string {
  return `${id.replace(/-/gu, '').toLowerCase()}${upn}`;
}
