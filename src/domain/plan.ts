import type { AttributeSetting, AttributeUpdate } from './attributes.ts';
import type { Diagnostic } from './diagnostics.ts';

/**
 * The plan: plain, versioned data (docs/cli-reference.md §12). Changes are a union on `action` with exact
 * before/after in `details`; `reason` is for people and never drives apply.
 */
export const PLAN_FORMAT_VERSION = 2;
/** Saved plans this version reads: 1 (before issue 13: no attributes, managers, memberships or protected principals) is a subset of 2. */
export const READABLE_PLAN_FORMAT_VERSIONS: readonly number[] = [1, 2];

export type ChangeAction =
  | 'restore-user'
  | 'create-user'
  | 'update-attributes'
  | 'set-manager'
  | 'set-usage-location'
  | 'assign-licenses'
  | 'add-group-member'
  | 'remove-licenses'
  | 'remove-group-member'
  | 'enable-sign-in'
  | 'block-sign-in';

/**
 * Per principal, changes run in this order (docs/reconciliation.md §4): restore or create, attributes,
 * manager, usage location, licenses and memberships, sign-in. Apply runs every `set-manager` after all
 * other changes of the plan, so that a manager the same plan creates or restores exists first.
 */
export const ACTION_ORDER: readonly ChangeAction[] = [
  'restore-user',
  'create-user',
  'update-attributes',
  'set-manager',
  'set-usage-location',
  'assign-licenses',
  'add-group-member',
  'remove-licenses',
  'remove-group-member',
  'enable-sign-in',
  'block-sign-in',
];

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
    /** The other declared attributes the user is created with (displayName is above); absent when none. */
    readonly attributes?: readonly AttributeSetting[];
  };
}

/** Declared attributes that differ from the tenant's: set to the declared values in one PATCH. */
export interface UpdateAttributesChange extends ChangeBase {
  readonly action: 'update-attributes';
  readonly objectId: string;
  readonly details: { readonly attributes: readonly AttributeUpdate[] };
}

/**
 * The manager reference (`PUT|DELETE /users/{id}/manager/$ref`). `to` null removes the manager. A
 * manager the same plan creates has no id yet: apply finds it by UPN.
 */
export interface SetManagerChange extends ChangeBase {
  readonly action: 'set-manager';
  readonly objectId?: string;
  readonly details: {
    /** The manager now: its UPN when it is a user the tenant lists, else its object id; null for none. */
    readonly from: string | null;
    /** The declared manager's UPN; null: none. */
    readonly to: string | null;
    /** The declared manager's object id, when it exists before apply. */
    readonly toObjectId?: string;
  };
}

/** Membership of a licensing group the policy names (`POST /groups/{id}/members/$ref`, `DELETE …/members/{id}/$ref`). */
export interface GroupMemberChange extends ChangeBase {
  readonly action: 'add-group-member' | 'remove-group-member';
  readonly objectId?: string;
  readonly details: {
    readonly groupId: string;
    readonly groupName: string;
    /** The SKUs (part numbers) the group assigns: what the membership gives or takes. */
    readonly licenses: readonly string[];
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

export type Change =
  | RestoreUserChange
  | CreateUserChange
  | UpdateAttributesChange
  | SetManagerChange
  | SetUsageLocationChange
  | AssignLicensesChange
  | GroupMemberChange
  | RemoveLicensesChange
  | SignInChange;

/** How many changes of each action a plan has, and how many protected principals it left alone. */
export type PlanSummary = Readonly<Partial<Record<ChangeAction, number>> & { readonly protected?: number }>;

export interface Plan {
  readonly formatVersion: typeof PLAN_FORMAT_VERSION;
  readonly tenantId: string;
  readonly createdAt: string;
  readonly policyDigest: string;
  /**
   * The policy files or directories the plan was made from, as given (default `policies`), relative to
   * the working directory with `/` separators: what `apply PLAN.json` reads again without `--policy`.
   * Absent in plans made before it was recorded (and in plans not made from files).
   */
  readonly policyPaths?: readonly string[];
  /**
   * A partial plan (`--only`): the principals it covers (lower case, sorted). The plan was made for the
   * whole policy (seats counted across it) and holds only these principals' changes and diagnostics.
   * Absent for a whole plan.
   */
  readonly only?: readonly string[];
  readonly changes: readonly Change[];
  readonly diagnostics: readonly Diagnostic[];
  /**
   * UPNs (lower case, sorted) of the protected principals (`protected: true`, `defaults.protected`): the plan
   * has no change for any of them, and apply refuses one. Absent when there are none.
   */
  readonly protectedPrincipals?: readonly string[];
  readonly summary: PlanSummary;
}

export function summarise(changes: readonly Change[], protectedPrincipals: readonly string[] = []): PlanSummary {
  const summary: Partial<Record<ChangeAction, number>> & { protected?: number } = {};
  for (const action of ACTION_ORDER) {
    const count = changes.filter((c) => c.action === action).length;
    if (count > 0) summary[action] = count;
  }
  if (protectedPrincipals.length > 0) summary.protected = protectedPrincipals.length;
  return summary;
}
