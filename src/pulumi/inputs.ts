import type { AttributeName, AttributeValue } from '../domain/attributes.ts';
import { ATTRIBUTE_NAMES, isAttributeName, normaliseAttributeValue } from '../domain/attributes.ts';
import type { DesiredPrincipal, DesiredState, MailboxType, WhenMissing } from '../domain/desired.ts';
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

/**
 * Bumped when the shape of inputs or outputs changes; old state is still read (see `checkInputs`).
 * 2: `attributes`, `manager`, `protected`, `whenMissing`, each license's `group`, and the `leftAlone` output.
 */
export const RESOURCE_SCHEMA_VERSION = 2;

/** The inputs version 2 added: state written by version 1 lacks them, and the diff does not compare them there. */
const ADDED_IN_2: readonly (keyof PrincipalInputs)[] = ['attributes', 'manager', 'protected', 'whenMissing'];

export interface LicenseInput {
  /** As written in the policy: skuPartNumber or skuId. */
  readonly sku: string;
  readonly disabledPlans: readonly string[];
  /** The license set it came from; null for an inline license. */
  readonly licenseSet: string | null;
  /** The licensing group the set gives it through (its object id or display name, as written); null: assigned directly. */
  readonly group: string | null;
}

/**
 * A declared attribute's value in inputs: an unset one (declared null or "") is `""`, or `[]` for
 * `businessPhones`, since a null may not survive Pulumi's property serialization.
 */
export type AttributeInput = string | readonly string[];

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
  /** The attributes the principal declares other than displayName (above), in ATTRIBUTE_NAMES order; an attribute not declared is absent. */
  readonly attributes: Readonly<Partial<Record<AttributeName, AttributeInput>>>;
  /** The declared manager's UPN (lower case); `""`: must have none; absent: not managed. */
  readonly manager?: string;
  /** `protected: true` or listed in `defaults.protected`: tenantctl never writes to it. */
  readonly protected: boolean;
  /** What happens when the tenant has neither the principal nor a deleted copy to restore (always `report` for a mailbox). */
  readonly whenMissing: WhenMissing;
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
  /**
   * A protected principal's drift, as the plan worded it (`protected: left alone; would …`) when it was last
   * created, updated or refreshed: what tenantctl would change but does not. Empty for any other principal.
   */
  readonly leftAlone: readonly string[];
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
    licenses: principal.licenses.map((l) => ({ sku: l.sku, disabledPlans: [...l.disabledPlans], licenseSet: l.licenseSet ?? null, group: l.group ?? null })),
    attributes: attributeInputs(principal),
    ...(principal.manager === undefined ? {} : { manager: principal.manager ?? '' }),
    protected: principal.protected,
    whenMissing: principal.whenMissing,
    policy: { paths: [...paths], digest },
  };
}

/** The declared attributes other than displayName, in ATTRIBUTE_NAMES order, unset ones as "" (or []). */
function attributeInputs(principal: DesiredPrincipal): Partial<Record<AttributeName, AttributeInput>> {
  const inputs: Partial<Record<AttributeName, AttributeInput>> = {};
  for (const name of ATTRIBUTE_NAMES) {
    if (name === 'displayName' || !Object.hasOwn(principal.attributes, name)) continue;
    const value: AttributeValue = normaliseAttributeValue(principal.attributes[name]);
    inputs[name] = value ?? (name === 'businessPhones' ? [] : '');
  }
  return inputs;
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
  if (!Array.isArray(news.licenses) || !news.licenses.every(isLicenseInput)) fail('licenses', 'must be a list of { sku, disabledPlans, licenseSet, group }');
  // The inputs version 2 added are absent from state version 1 wrote: absent is read as "not declared".
  if (news.attributes !== undefined && news.attributes !== null && !isAttributesInput(news.attributes)) fail('attributes', 'must map attribute names other than displayName to a string or a list of strings');
  if (news.manager !== undefined && news.manager !== null && (typeof news.manager !== 'string' || (news.manager !== '' && (!isValidUserPrincipalName(news.manager) || news.manager !== news.manager.toLowerCase())))) {
    fail('manager', 'must be a lower-case user principal name, or "" for none');
  }
  if (news.protected !== undefined && news.protected !== null && typeof news.protected !== 'boolean') fail('protected', 'must be true or false');
  if (news.whenMissing !== undefined && news.whenMissing !== null && news.whenMissing !== 'create' && news.whenMissing !== 'report') fail('whenMissing', "must be 'create' or 'report'");
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
  const optionalText = (v: unknown): boolean => v === null || v === undefined || typeof v === 'string';
  return typeof l === 'object' && l !== null && typeof l.sku === 'string' && Array.isArray(l.disabledPlans) && l.disabledPlans.every((p) => typeof p === 'string') && optionalText(l.licenseSet) && optionalText(l.group);
}

function isAttributesInput(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  return Object.entries(value).every(
    ([name, v]) => isAttributeName(name) && name !== 'displayName' && (v === null || typeof v === 'string' || (Array.isArray(v) && v.every((x) => typeof x === 'string'))),
  );
}

/** One principal's part of the tenant plan. */
export interface PrincipalPlan {
  readonly changes: readonly Change[];
  readonly errors: readonly Diagnostic[];
  readonly warnings: readonly Diagnostic[];
  /** A protected principal's drift: what the plan would change but leaves alone (`protected-drift`, information); empty otherwise. */
  readonly leftAlone: readonly Diagnostic[];
}

export interface PrincipalDiff {
  readonly changes: boolean;
  readonly replaces: readonly string[];
  readonly deleteBeforeReplace: boolean;
}

/** The inputs that say what the principal must be (not where the policy lives, whose digest changes with any principal). */
const COMPARED: readonly (keyof PrincipalInputs)[] = ['kind', 'userPrincipalName', 'displayName', 'accountEnabled', 'usageLocation', 'mailboxType', 'licenses', ...ADDED_IN_2];

/**
 * The diff of one existing resource: a replacement when the principal is, or will be, another object
 * than the one in state (a creation; a restore of another object; a user re-created under the UPN),
 * whose delete half never deletes anything (see the provider), so it runs first; otherwise an update
 * when the tenant plan has changes for the principal (license, usage location and sign-in drift, or
 * a restore of this very object), when the plan blocks it (the update then fails with the plan's
 * reason, and the rest of the run goes on), when its declared inputs changed, or when a protected
 * principal's drift is not the one its state recorded (the update writes nothing, and records it in
 * `leftAlone`: the drift shows once, as information, not on every run).
 *
 * The tenant's side (attributes, manager, group memberships, licenses, sign-in) comes only from the plan;
 * the declared inputs decide only whether the state must be brought up to date. State written by version 1
 * lacks the inputs version 2 added: those are not compared there (the plan still shows any drift).
 */
export function diffPrincipal(id: string, olds: Readonly<Record<string, unknown>>, news: PrincipalInputs, planned: PrincipalPlan, target: ObjectAfterChanges): PrincipalDiff {
  if (target !== undefined && (target.kind === 'new' || target.id !== id.toLowerCase())) return { changes: true, replaces: ['objectId'], deleteBeforeReplace: true };
  const oldVersion = typeof olds.schemaVersion === 'number' ? olds.schemaVersion : 1;
  const compared = oldVersion >= 2 ? COMPARED : COMPARED.filter((key) => !ADDED_IN_2.includes(key));
  const declaredChanged = compared.some((key) => comparable(olds[key]) !== comparable(news[key]));
  const recorded = Array.isArray(olds.leftAlone) ? olds.leftAlone : [];
  const leftAloneChanged = comparable(recorded) !== comparable(planned.leftAlone.map((d) => d.message));
  return { changes: planned.changes.length > 0 || planned.errors.length > 0 || declaredChanged || leftAloneChanged, replaces: [], deleteBeforeReplace: false };
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
