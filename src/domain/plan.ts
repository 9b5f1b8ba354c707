import type { Diagnostic } from './diagnostics.ts';

/**
 * The plan: plain, versioned data (docs/cli-reference.md §12). Changes are a union on `action` with exact
 * before/after in `details`; `reason` is for people and never drives apply.
 */
export const PLAN_FORMAT_VERSION = 1;

export type ChangeAction = 'restore-user' | 'create-user' | 'set-usage-location' | 'assign-licenses' | 'remove-licenses' | 'enable-sign-in' | 'block-sign-in';

/** Per principal, changes run in this order (docs/reconciliation.md §4). */
export const ACTION_ORDER: readonly ChangeAction[] = ['restore-user', 'create-user', 'set-usage-location', 'assign-licenses', 'remove-licenses', 'enable-sign-in', 'block-sign-in'];

interface ChangeBase {
  readonly userPrincipalName: string;
  readonly reason: string;
}

/** A license as assignLicense takes it, with names for people. */
export interface PlannedLicense {
  readonly skuId: string;
  readonly skuPartNumber: string;
  readonly disabledPlans: readonly string[];
  readonly disabledPlanNames: readonly string[];
  /** Already held with other disabled plans: replaced in place, no seat needed. */
  readonly replaces?: { readonly disabledPlans: readonly string[]; readonly disabledPlanNames: readonly string[] };
}

export interface RestoreUserChange extends ChangeBase {
  readonly action: 'restore-user';
  readonly objectId: string;
  readonly details: {
    readonly deletedDateTime: string;
    readonly restorableUntil: string;
    readonly daysLeft: number;
    /** Restore under this UPN (onUpnConflict: rename); absent: the original UPN. */
    readonly newUserPrincipalName?: string;
    readonly autoReconcileProxyConflict: boolean;
    /** Proxy addresses an active object holds now; dropped when autoReconcileProxyConflict. */
    readonly conflictingAddresses: readonly string[];
    /** SKUs that come back with the user (consuming seats even past the count). */
    readonly licenses: readonly string[];
  };
}

export interface CreateUserChange extends ChangeBase {
  readonly action: 'create-user';
  readonly details: {
    readonly displayName: string;
    readonly mailNickname: string;
    readonly accountEnabled: boolean;
    readonly usageLocation?: string;
  };
}

export interface SetUsageLocationChange extends ChangeBase {
  readonly action: 'set-usage-location';
  readonly objectId?: string;
  readonly details: { readonly from: string | null; readonly to: string };
}

export interface AssignLicensesChange extends ChangeBase {
  readonly action: 'assign-licenses';
  readonly objectId?: string;
  readonly details: { readonly add: readonly PlannedLicense[] };
}

export interface RemoveLicensesChange extends ChangeBase {
  readonly action: 'remove-licenses';
  readonly objectId: string;
  readonly details: { readonly remove: readonly { readonly skuId: string; readonly skuPartNumber: string }[] };
}

export interface SignInChange extends ChangeBase {
  readonly action: 'enable-sign-in' | 'block-sign-in';
  readonly objectId?: string;
  readonly details: { readonly from: boolean; readonly to: boolean };
}

export type Change = RestoreUserChange | CreateUserChange | SetUsageLocationChange | AssignLicensesChange | RemoveLicensesChange | SignInChange;

export interface Plan {
  readonly formatVersion: typeof PLAN_FORMAT_VERSION;
  readonly tenantId: string;
  readonly createdAt: string;
  readonly policyDigest: string;
  readonly changes: readonly Change[];
  readonly diagnostics: readonly Diagnostic[];
  readonly summary: Readonly<Partial<Record<ChangeAction, number>>>;
}

export function summarise(changes: readonly Change[]): Partial<Record<ChangeAction, number>> {
  const summary: Partial<Record<ChangeAction, number>> = {};
  for (const action of ACTION_ORDER) {
    const count = changes.filter((c) => c.action === action).length;
    if (count > 0) summary[action] = count;
  }
  return summary;
}
