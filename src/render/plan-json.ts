import type { Diagnostic } from '../domain/diagnostics.ts';
import type {
  AssignLicensesChange, Change, CreateUserChange, Plan, PlannedLicense, RemoveLicensesChange, RestoreUserChange,
  SetUsageLocationChange, SignInChange,
} from '../domain/plan.ts';
import { ACTION_ORDER } from '../domain/plan.ts';

/**
 * The saved plan and `tenantctl plan --format json` (docs/cli-reference.md §12). Keys come out in one fixed
 * order whatever order the planner built its objects in, so that the same plan always gives the
 * same bytes (a saved plan diffs cleanly and can be hashed). 2-space indent, trailing newline.
 * Reading it back, with validation and the formatVersion check, is the engine's job.
 */
export function renderPlanJson(plan: Plan): string {
  const json = {
    formatVersion: plan.formatVersion,
    tenantId: plan.tenantId,
    createdAt: plan.createdAt,
    policyDigest: plan.policyDigest,
    changes: plan.changes.map(changeJson),
    diagnostics: plan.diagnostics.map(diagnosticJson),
    summary: pick(plan.summary, ACTION_ORDER),
  };
  return `${JSON.stringify(json, null, 2)}\n`;
}

function changeJson(change: Change): Record<string, unknown> {
  return {
    action: change.action,
    userPrincipalName: change.userPrincipalName,
    ...('objectId' in change && change.objectId !== undefined ? { objectId: change.objectId } : {}),
    reason: change.reason,
    details: detailsJson(change),
  };
}

function detailsJson(change: Change): Record<string, unknown> {
  switch (change.action) {
    case 'restore-user':
      return pick(change.details, RESTORE_KEYS);
    case 'create-user':
      return pick(change.details, CREATE_KEYS);
    case 'set-usage-location':
      return pick(change.details, USAGE_LOCATION_KEYS);
    case 'assign-licenses':
      return { ...pick(change.details, ASSIGN_KEYS), add: change.details.add.map(licenseJson) };
    case 'remove-licenses':
      return { ...pick(change.details, REMOVE_KEYS), remove: change.details.remove.map((r) => pick(r, REMOVED_LICENSE_KEYS)) };
    case 'enable-sign-in':
    case 'block-sign-in':
      return pick(change.details, SIGN_IN_KEYS);
  }
}

function licenseJson(license: PlannedLicense): Record<string, unknown> {
  const json = pick(license, LICENSE_KEYS);
  return license.replaces === undefined ? json : { ...json, replaces: pick(license.replaces, REPLACES_KEYS) };
}

function diagnosticJson(d: Diagnostic): Record<string, unknown> {
  return {
    severity: d.severity,
    code: d.code,
    ...(d.userPrincipalName === undefined ? {} : { userPrincipalName: d.userPrincipalName }),
    message: d.message,
  };
}

/** The listed keys of `value` that are set, in the listed order. */
function pick<T extends object>(value: T, keys: readonly (keyof T)[]): Record<string, unknown> {
  const json: Record<string, unknown> = {};
  for (const key of keys) {
    if (value[key] !== undefined) json[String(key)] = value[key];
  }
  return json;
}

/**
 * A key order for T that must name every key of T: adding a field to a plan type without adding it
 * here fails type checking, instead of silently dropping the field from saved plans.
 */
function keyOrder<T>() {
  return <const K extends readonly (keyof T)[]>(
    keys: K & ([Exclude<keyof T, K[number]>] extends [never] ? unknown : { readonly missingKeys: Exclude<keyof T, K[number]> }),
  ): K => keys;
}

const RESTORE_KEYS = keyOrder<RestoreUserChange['details']>()(
  ['deletedDateTime', 'restorableUntil', 'daysLeft', 'newUserPrincipalName', 'autoReconcileProxyConflict', 'conflictingAddresses', 'licenses'],
);
const CREATE_KEYS = keyOrder<CreateUserChange['details']>()(['displayName', 'mailNickname', 'accountEnabled', 'usageLocation']);
const USAGE_LOCATION_KEYS = keyOrder<SetUsageLocationChange['details']>()(['from', 'to']);
const SIGN_IN_KEYS = keyOrder<SignInChange['details']>()(['from', 'to']);
const LICENSE_KEYS = keyOrder<PlannedLicense>()(['skuId', 'skuPartNumber', 'disabledPlans', 'disabledPlanNames', 'replaces']);
const REPLACES_KEYS = keyOrder<NonNullable<PlannedLicense['replaces']>>()(['disabledPlans', 'disabledPlanNames']);
const REMOVED_LICENSE_KEYS = keyOrder<RemoveLicensesChange['details']['remove'][number]>()(['skuId', 'skuPartNumber']);
const ASSIGN_KEYS = keyOrder<AssignLicensesChange['details']>()(['add']);
const REMOVE_KEYS = keyOrder<RemoveLicensesChange['details']>()(['remove']);
