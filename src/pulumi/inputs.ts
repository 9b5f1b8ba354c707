import type { DesiredPrincipal, DesiredState, MailboxType } from '../domain/desired.ts';
import type { ObjectAfterChanges } from '../domain/principal-changes.ts';
import type { Diagnostic } from '../domain/diagnostics.ts';
import type { Change } from '../domain/plan.ts';
import { isValidUserPrincipalName } from '../domain/upn.ts';
import { canonicalJson } from '../engine/digest.ts';

/**
 * What one Pulumi resource (one declared user or mailbox) carries, and the pure decisions about it:
 * its inputs from the policy, the check of inputs, and the diff from the principal's share of the
 * tenant plan. No Pulumi and no I/O here, so the provider's logic is tested like the planner's.
 *
 * Inputs hold the principal as the policy declares it plus where the policy is (paths relative to
 * the project directory, and its digest). They never hold a credential or a connection: those come
 * from stack config and the environment when the provider runs, so nothing secret reaches state.
 */

/** Bumped when the shape of inputs or outputs changes; old state is still read (see `checkInputs`). */
export const RESOURCE_SCHEMA_VERSION = 1;

export interface LicenseInput {
  /** As written in the policy: skuPartNumber or skuId. */
  readonly sku: string;
  readonly disabledPlans: readonly string[];
  /** The license set it came from; null for an inline license. */
  readonly licenseSet: string | null;
}

export interface PrincipalInputs {
  readonly schemaVersion: number;
  readonly kind: 'user' | 'mailbox';
  /** Lower case, as the planner keys principals. */
  readonly userPrincipalName: string;
  readonly displayName: string;
  readonly accountEnabled: boolean;
  /** The principal's usage location, or the policy default; null when neither is set. */
  readonly usageLocation: string | null;
  readonly mailboxType: MailboxType | null;
  readonly licenses: readonly LicenseInput[];
  readonly policy: {
    /** The policy paths as configured (relative to the project directory). */
    readonly paths: readonly string[];
    /** `digestPolicy` of the policy the program read: the provider refuses to plan from a policy that changed since. */
    readonly digest: string;
  };
}

/** Outputs: the inputs, plus what the tenant says. */
export interface PrincipalOutputs extends PrincipalInputs {
  readonly objectId: string;
  readonly tenantId: string;
  /** Warnings the plan had for this principal when it was last created or updated. */
  readonly warnings: readonly string[];
  /** What the last create or update did, as the plan worded it; empty when nothing needed doing. */
  readonly lastChanges: readonly string[];
}

/** The resource inputs of one declared principal. */
export function principalInputs(desired: DesiredState, principal: DesiredPrincipal, paths: readonly string[], digest: string): PrincipalInputs {
  return {
    schemaVersion: RESOURCE_SCHEMA_VERSION,
    kind: principal.kind,
    userPrincipalName: principal.userPrincipalName,
    displayName: principal.displayName,
    accountEnabled: principal.accountEnabled,
    usageLocation: principal.usageLocation ?? desired.defaults.usageLocation ?? null,
    mailboxType: principal.kind === 'mailbox' ? principal.mailboxType : null,
    licenses: principal.licenses.map((l) => ({ sku: l.sku, disabledPlans: [...l.disabledPlans], licenseSet: l.licenseSet ?? null })),
    policy: { paths: [...paths], digest },
  };
}

export interface CheckFailure {
  readonly property: string;
  readonly reason: string;
}

/** Validates inputs as they arrive from the engine (a program bug or hand-edited state, never the user's YAML, which the program validated). */
export function checkInputs(news: Readonly<Record<string, unknown>>): CheckFailure[] {
  const failures: CheckFailure[] = [];
  const fail = (property: string, reason: string): void => {
    failures.push({ property, reason });
  };
  const upn = news.userPrincipalName;
  if (typeof upn !== 'string' || !isValidUserPrincipalName(upn) || upn !== upn.toLowerCase()) fail('userPrincipalName', 'must be a lower-case user principal name (local@domain)');
  if (news.kind !== 'user' && news.kind !== 'mailbox') fail('kind', "must be 'user' or 'mailbox'");
  if (typeof news.displayName !== 'string' || news.displayName === '') fail('displayName', 'must be a non-empty string');
  if (typeof news.accountEnabled !== 'boolean') fail('accountEnabled', 'must be true or false');
  if (news.kind === 'mailbox' && news.accountEnabled === true) fail('accountEnabled', 'a shared, room or equipment mailbox never signs in');
  // null and absent alike: a null may not survive every trip through Pulumi's property serialization.
  if (news.usageLocation !== null && news.usageLocation !== undefined && (typeof news.usageLocation !== 'string' || !/^[A-Z]{2}$/u.test(news.usageLocation))) fail('usageLocation', 'must be an ISO 3166 alpha-2 code or null');
  if (!Array.isArray(news.licenses) || !news.licenses.every(isLicenseInput)) fail('licenses', 'must be a list of { sku, disabledPlans, licenseSet }');
  const policy = news.policy as { paths?: unknown; digest?: unknown } | undefined;
  if (!policy || !Array.isArray(policy.paths) || policy.paths.length === 0 || !policy.paths.every((p) => typeof p === 'string') || typeof policy.digest !== 'string' || !policy.digest.startsWith('sha256:')) {
    fail('policy', 'must name the policy paths and its sha256 digest');
  }
  if (typeof news.schemaVersion !== 'number' || news.schemaVersion > RESOURCE_SCHEMA_VERSION) {
    fail('schemaVersion', `must be at most ${RESOURCE_SCHEMA_VERSION}: this state was written by a newer tenantctl; upgrade tenantctl`);
  }
  return failures;
}

function isLicenseInput(value: unknown): boolean {
  const l = value as Partial<LicenseInput> | null;
  return typeof l === 'object' && l !== null && typeof l.sku === 'string' && Array.isArray(l.disabledPlans) && l.disabledPlans.every((p) => typeof p === 'string') && (l.licenseSet === null || l.licenseSet === undefined || typeof l.licenseSet === 'string');
}

/** One principal's part of the tenant plan. */
export interface PrincipalPlan {
  readonly changes: readonly Change[];
  readonly errors: readonly Diagnostic[];
  readonly warnings: readonly Diagnostic[];
}

export interface PrincipalDiff {
  readonly changes: boolean;
  readonly replaces: readonly string[];
  readonly deleteBeforeReplace: boolean;
}

/** The inputs that say what the principal must be (not where the policy lives, whose digest changes with any principal). */
const COMPARED: readonly (keyof PrincipalInputs)[] = ['kind', 'userPrincipalName', 'displayName', 'accountEnabled', 'usageLocation', 'mailboxType', 'licenses'];

/**
 * The diff of one existing resource: a replacement when the principal is, or will be, another object
 * than the one in state (a creation; a restore of another object; a user re-created under the UPN),
 * whose delete half never deletes anything (see the provider), so it runs first; otherwise an update
 * when the tenant plan has changes for the principal (license, usage location and sign-in drift, or
 * a restore of this very object), when the plan blocks it (the update then fails with the plan's
 * reason, and the rest of the run goes on), or when its declared inputs changed.
 */
export function diffPrincipal(id: string, olds: Readonly<Record<string, unknown>>, news: PrincipalInputs, planned: PrincipalPlan, target: ObjectAfterChanges): PrincipalDiff {
  if (target !== undefined && (target.kind === 'new' || target.id !== id.toLowerCase())) return { changes: true, replaces: ['objectId'], deleteBeforeReplace: true };
  const declaredChanged = COMPARED.some((key) => comparable(olds[key]) !== comparable(news[key]));
  return { changes: planned.changes.length > 0 || planned.errors.length > 0 || declaredChanged, replaces: [], deleteBeforeReplace: false };
}

/**
 * A value as text for comparison: `canonicalJson` (sorted keys, as the policy digest) with null and
 * absent alike, since Pulumi's property serialization may drop a null on the way into state.
 */
function comparable(value: unknown): string {
  return canonicalJson(withoutNulls(value));
}

function withoutNulls(value: unknown): unknown {
  if (value === null) return undefined;
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (typeof value === 'object') return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, withoutNulls(v)]));
  return value;
}

/** The text of a principal's blocking errors, for the error Pulumi shows on the resource. */
export function describeErrors(userPrincipalName: string, errors: readonly Diagnostic[]): string {
  return `${userPrincipalName}: ${errors.map((e) => `${e.message} [${e.code}]`).join('; ')}`;
}
