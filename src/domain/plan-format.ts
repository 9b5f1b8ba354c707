import type { AttributeSetting, AttributeUpdate } from './attributes.ts';
import { ATTRIBUTE_NAMES } from './attributes.ts';
import type { Diagnostic, Severity } from './diagnostics.ts';
import type { Change, ChangeAction, Plan, PlannedLicense, PlanSummary } from './plan.ts';
import { ACTION_ORDER, PLAN_FORMAT_VERSION, READABLE_PLAN_FORMAT_VERSIONS, summarise } from './plan.ts';

/**
 * The saved plan (`tenantctl plan --out`, `plan --format json`; docs/cli-reference.md §12): one set of
 * tables below says which fields each part of a plan has, their types and their order. The writer
 * emits exactly those fields in that order (the same plan always gives the same bytes, so a saved
 * plan diffs cleanly and can be hashed); the reader accepts exactly those fields with those types,
 * and refuses anything else naming the field (`changes[3].details.add[0].skuId must be a string`).
 * Adding a field to a plan type without adding it here fails type checking.
 */

/** A saved plan that cannot be used; the message says why and what to do. */
export class SavedPlanError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SavedPlanError';
  }
}

type Spec =
  | { readonly type: 'string' | 'number' | 'boolean' }
  | { readonly type: 'enum'; readonly values: readonly string[] }
  | { readonly type: 'nullable'; readonly of: Spec }
  | { readonly type: 'array'; readonly of: Spec; readonly minItems?: number }
  | { readonly type: 'object'; readonly fields: Fields }
  /**
   * One of several specs, told apart by the value's JSON type (a string, a list, an object, …): at most
   * one spec per type. `said` names them for a message ("a string or a list").
   */
  | { readonly type: 'union'; readonly of: readonly Spec[]; readonly said: string }
  /** A change: its fields depend on its action (CHANGES). */
  | { readonly type: 'change' };

interface Field {
  readonly spec: Spec;
  readonly optional: boolean;
}

type Fields = Readonly<Record<string, Field>>;
type Required = Field & { readonly optional: false };
type Optional = Field & { readonly optional: true };

const string: Spec = { type: 'string' };
const number: Spec = { type: 'number' };
const boolean: Spec = { type: 'boolean' };
const oneOf = (values: readonly string[]): Spec => ({ type: 'enum', values });
const nullable = (of: Spec): Spec => ({ type: 'nullable', of });
const arrayOf = (of: Spec): Spec => ({ type: 'array', of });
/** A list that holds at least one item. */
const nonEmptyArrayOf = (of: Spec): Spec => ({ type: 'array', of, minItems: 1 });
const object = (fields: Fields): Spec => ({ type: 'object', fields });
const union = (said: string, ...of: readonly Spec[]): Spec => ({ type: 'union', of, said });
const required = (spec: Spec): Required => ({ spec, optional: false });
const optional = (spec: Spec): Optional => ({ spec, optional: true });

/**
 * The fields of T, each marked required or optional as T has it, in the order they are written.
 * Naming a key T lacks, leaving one out, or marking an optional key required fails type checking.
 */
type FieldsOf<T> = { readonly [K in keyof T]-?: undefined extends T[K] ? Optional : Required };
const fieldsOf = <T>() => (fields: FieldsOf<T>): Fields => fields as Fields;

/** The change type whose action may be A (SignInChange carries two). */
type ChangeOf<A extends ChangeAction> = Change extends infer C ? (C extends Change ? (A extends C['action'] ? C : never) : never) : never;
type Details<A extends ChangeAction> = ChangeOf<A>['details'];

const LICENSE = fieldsOf<PlannedLicense>()({
  skuId: required(string),
  skuPartNumber: required(string),
  disabledPlans: required(arrayOf(string)),
  disabledPlanNames: required(arrayOf(string)),
  replaces: optional(object(fieldsOf<NonNullable<PlannedLicense['replaces']>>()({ disabledPlans: required(arrayOf(string)), disabledPlanNames: required(arrayOf(string)) }))),
});

const REMOVED_LICENSE = fieldsOf<Details<'remove-licenses'>['remove'][number]>()({ skuId: required(string), skuPartNumber: required(string) });

/** An attribute's value (AttributeValue): a string, a list of strings (businessPhones), or null (unset). */
const ATTRIBUTE_VALUE = nullable(union('a string or a list of strings', string, arrayOf(string)));
const ATTRIBUTE = oneOf(ATTRIBUTE_NAMES);
const ATTRIBUTE_SETTING = fieldsOf<AttributeSetting>()({ attribute: required(ATTRIBUTE), value: required(ATTRIBUTE_VALUE) });
const ATTRIBUTE_UPDATE = fieldsOf<AttributeUpdate>()({ attribute: required(ATTRIBUTE), from: required(ATTRIBUTE_VALUE), to: required(ATTRIBUTE_VALUE) });

const GROUP_MEMBERSHIP = fieldsOf<Details<'add-group-member'>>()({ groupId: required(string), groupName: required(string), licenses: required(arrayOf(string)) });

/** Each action's details. */
const DETAILS: { readonly [A in ChangeAction]: Fields } = {
  'restore-user': fieldsOf<Details<'restore-user'>>()({
    deletedDateTime: required(string),
    restorableUntil: required(string),
    daysLeft: required(number),
    newUserPrincipalName: optional(string),
    autoReconcileProxyConflict: required(boolean),
    conflictingAddresses: required(arrayOf(string)),
    licenses: required(arrayOf(string)),
  }),
  'create-user': fieldsOf<Details<'create-user'>>()({
    displayName: required(string),
    mailNickname: required(string),
    accountEnabled: required(boolean),
    usageLocation: optional(string),
    attributes: optional(arrayOf(object(ATTRIBUTE_SETTING))),
  }),
  'update-attributes': fieldsOf<Details<'update-attributes'>>()({ attributes: required(arrayOf(object(ATTRIBUTE_UPDATE))) }),
  'set-manager': fieldsOf<Details<'set-manager'>>()({ from: required(nullable(string)), to: required(nullable(string)), toObjectId: optional(string) }),
  'set-usage-location': fieldsOf<Details<'set-usage-location'>>()({ from: required(nullable(string)), to: required(string) }),
  'assign-licenses': fieldsOf<Details<'assign-licenses'>>()({ add: required(arrayOf(object(LICENSE))) }),
  'add-group-member': GROUP_MEMBERSHIP,
  'remove-licenses': fieldsOf<Details<'remove-licenses'>>()({ remove: required(arrayOf(object(REMOVED_LICENSE))) }),
  'remove-group-member': GROUP_MEMBERSHIP,
  'enable-sign-in': fieldsOf<Details<'enable-sign-in'>>()({ from: required(boolean), to: required(boolean) }),
  'block-sign-in': fieldsOf<Details<'block-sign-in'>>()({ from: required(boolean), to: required(boolean) }),
};

/** The fields every change has, as `change` lays them out around its object id. */
const action = (name: ChangeAction): Required => required(oneOf([name]));
const upn = required(string);
const reason = required(string);
const details = (name: ChangeAction): Required => required(object(DETAILS[name]));

/**
 * Each action's change: which object it names (a restore, an attribute update and a license removal
 * always, a creation never, the others when the object exists before apply) and its details.
 */
const CHANGES: { readonly [A in ChangeAction]: Fields } = {
  'restore-user': fieldsOf<ChangeOf<'restore-user'>>()({ action: action('restore-user'), userPrincipalName: upn, objectId: required(string), reason, details: details('restore-user') }),
  'create-user': fieldsOf<ChangeOf<'create-user'>>()({ action: action('create-user'), userPrincipalName: upn, reason, details: details('create-user') }),
  'update-attributes': fieldsOf<ChangeOf<'update-attributes'>>()({ action: action('update-attributes'), userPrincipalName: upn, objectId: required(string), reason, details: details('update-attributes') }),
  'set-manager': fieldsOf<ChangeOf<'set-manager'>>()({ action: action('set-manager'), userPrincipalName: upn, objectId: optional(string), reason, details: details('set-manager') }),
  'set-usage-location': fieldsOf<ChangeOf<'set-usage-location'>>()({ action: action('set-usage-location'), userPrincipalName: upn, objectId: optional(string), reason, details: details('set-usage-location') }),
  'assign-licenses': fieldsOf<ChangeOf<'assign-licenses'>>()({ action: action('assign-licenses'), userPrincipalName: upn, objectId: optional(string), reason, details: details('assign-licenses') }),
  'add-group-member': fieldsOf<ChangeOf<'add-group-member'>>()({ action: action('add-group-member'), userPrincipalName: upn, objectId: optional(string), reason, details: details('add-group-member') }),
  'remove-licenses': fieldsOf<ChangeOf<'remove-licenses'>>()({ action: action('remove-licenses'), userPrincipalName: upn, objectId: required(string), reason, details: details('remove-licenses') }),
  'remove-group-member': fieldsOf<ChangeOf<'remove-group-member'>>()({ action: action('remove-group-member'), userPrincipalName: upn, objectId: optional(string), reason, details: details('remove-group-member') }),
  'enable-sign-in': fieldsOf<ChangeOf<'enable-sign-in'>>()({ action: action('enable-sign-in'), userPrincipalName: upn, objectId: optional(string), reason, details: details('enable-sign-in') }),
  'block-sign-in': fieldsOf<ChangeOf<'block-sign-in'>>()({ action: action('block-sign-in'), userPrincipalName: upn, objectId: optional(string), reason, details: details('block-sign-in') }),
};

const SEVERITIES: readonly Severity[] = ['error', 'warning', 'info'];

/** A diagnostic as a plan carries it: no source location (a plan's diagnostics are about the tenant). */
type PlanDiagnostic = Pick<Diagnostic, 'severity' | 'code' | 'userPrincipalName' | 'message'>;
const DIAGNOSTIC = fieldsOf<PlanDiagnostic>()({ severity: required(oneOf(SEVERITIES)), code: required(string), userPrincipalName: optional(string), message: required(string) });

/** The plan's own fields, in the order they are written. */
const PLAN = fieldsOf<Plan>()({
  formatVersion: required(number),
  tenantId: required(string),
  createdAt: required(string),
  policyDigest: required(string),
  policyPaths: optional(arrayOf(string)),
  only: optional(nonEmptyArrayOf(string)),
  changes: required(arrayOf({ type: 'change' })),
  diagnostics: required(arrayOf(object(DIAGNOSTIC))),
  protectedPrincipals: optional(arrayOf(string)),
  summary: required(object(fieldsOf<PlanSummary>()({ ...(Object.fromEntries(ACTION_ORDER.map((name) => [name, optional(number)])) as FieldsOf<Omit<PlanSummary, 'protected'>>), protected: optional(number) }))),
});

/**
 * The tables themselves, read-only: the plan's fields and each action's change. Exported for the test
 * that keeps the published JSON Schema (schemas/plan.schema.json) equal to them
 * (test/domain/plan-schema.test.ts); nothing else reads them.
 */
export const SAVED_PLAN_TABLES: { readonly plan: Fields; readonly changes: { readonly [A in ChangeAction]: Fields } } = { plan: PLAN, changes: CHANGES };
export type { Fields as SavedPlanFields, Spec as SavedPlanSpec };

// ---------------------------------------------------------------------------------------------- writer

/**
 * The plan as a saved plan: the tables' fields in the tables' order, 2-space indent, trailing newline.
 * `protectedPrincipals` only when there are some: a plan without any reads as plans always did.
 */
export function renderPlanJson(plan: Plan): string {
  const { protectedPrincipals, ...rest } = plan;
  const shown = protectedPrincipals === undefined || protectedPrincipals.length === 0 ? rest : plan;
  return `${JSON.stringify(write(object(PLAN), shown), null, 2)}\n`;
}

/** A diagnostic as a plan carries it: severity, code, the principal it names, message (no source location). */
export function canonicalDiagnostic(diagnostic: Diagnostic): Record<string, unknown> {
  return write(object(DIAGNOSTIC), diagnostic) as Record<string, unknown>;
}

/** Which change this is: its action, principal and object (when it names one), in the saved plan's order. Outcome reports lead with it. */
export function changeIdentity(change: Change): { readonly action: ChangeAction; readonly userPrincipalName: string; readonly objectId?: string } {
  const { action: name, userPrincipalName, objectId } = canonicalChange(change) as { action: ChangeAction; userPrincipalName: string; objectId?: string };
  return objectId === undefined ? { action: name, userPrincipalName } : { action: name, userPrincipalName, objectId };
}

/** A change with exactly its table's fields in the table's order: what is saved, and what the apply gate compares. */
export function canonicalChange(change: Change): Record<string, unknown> {
  return write(object(CHANGES[change.action]), change) as Record<string, unknown>;
}

function write(spec: Spec, value: unknown): unknown {
  if (value === null || value === undefined) return value;
  switch (spec.type) {
    case 'change':
      return canonicalChange(value as Change);
    case 'array':
      return (value as unknown[]).map((item) => write(spec.of, item));
    case 'nullable':
      return write(spec.of, value);
    case 'union': {
      const chosen = variantFor(spec, value);
      return chosen === undefined ? value : write(chosen, value);
    }
    case 'object': {
      const json: Record<string, unknown> = {};
      const source = value as Record<string, unknown>;
      for (const [key, field] of Object.entries(spec.fields)) {
        if (source[key] !== undefined) json[key] = write(field.spec, source[key]);
      }
      return json;
    }
    default:
      return value;
  }
}

// ---------------------------------------------------------------------------------------------- reader

/**
 * The largest saved plan read: 50 MiB, room for some 90,000 changes at about 550 bytes each. A larger
 * file is not a plan anyone reviewed, and reading it would hold it several times over in memory.
 */
export const MAX_SAVED_PLAN_BYTES = 50 * 1024 * 1024;

/** The refusal of a file over MAX_SAVED_PLAN_BYTES, said before it is read. */
export function savedPlanTooLarge(file: string, bytes: number): SavedPlanError {
  return new SavedPlanError(`${file} is ${(bytes / 1024 / 1024).toFixed(0)} MiB; a saved plan is at most ${MAX_SAVED_PLAN_BYTES / 1024 / 1024} MiB. Nothing was read from it; make the plan again with: tenantctl plan --out ${file}`);
}

/** A field that is not as the tables say, named by its path in the file. */
class Malformed extends Error {}

/**
 * Reads a plan saved by `tenantctl plan --out`: refuses what is not JSON, a formatVersion this
 * tenantctl does not read, and any field that is missing, of the wrong type, or unknown, naming it.
 */
export function parseSavedPlan(text: string, file: string): Plan {
  // Each UTF-16 unit is at least one UTF-8 byte: a text this long is over the bound in bytes too.
  if (text.length > MAX_SAVED_PLAN_BYTES) throw savedPlanTooLarge(file, text.length);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new SavedPlanError(`${file} is not JSON; save a plan with: tenantctl plan --out ${file}`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new SavedPlanError(`${file} is not a saved plan (a JSON object); save a plan with: tenantctl plan --out ${file}`);
  const version = (json as Record<string, unknown>).formatVersion;
  if (typeof version !== 'number' || !READABLE_PLAN_FORMAT_VERSIONS.includes(version)) {
    throw new SavedPlanError(`${file} has formatVersion ${JSON.stringify(version)}; this tenantctl reads ${READABLE_PLAN_FORMAT_VERSIONS.join(' and ')}. Make the plan again with this version: tenantctl plan --out ${file}`);
  }
  try {
    // A version 1 plan is a version 2 plan without the fields version 2 added: read as one.
    return readPlan({ ...(json as Record<string, unknown>), formatVersion: PLAN_FORMAT_VERSION });
  } catch (error) {
    if (error instanceof Malformed) throw new SavedPlanError(`${file} is not a plan tenantctl wrote: ${error.message}. Nothing was changed; make the plan again with: tenantctl plan --out ${file}`);
    throw error;
  }
}

function readPlan(json: Record<string, unknown>): Plan {
  readFields(PLAN, json, '');
  const plan = json as unknown as Plan;
  const changes = plan.changes;
  // The summary is derived from the changes and the protected principals: a summary that disagrees was edited.
  const counted = summarise(changes, plan.protectedPrincipals ?? []);
  for (const action of ACTION_ORDER) {
    const written = plan.summary[action];
    if ((written ?? 0) !== (counted[action] ?? 0)) {
      throw new Malformed(`summary.${action} is ${written ?? 'missing'}, but the plan has ${counted[action] ?? 0} ${action} change${counted[action] === 1 ? '' : 's'}`);
    }
  }
  // A partial plan (--only) holds changes of its principals only; one of another principal was added by hand.
  if (plan.only !== undefined) {
    const covered = new Set(plan.only.map((upn) => upn.toLowerCase()));
    const index = changes.findIndex((c) => !covered.has(c.userPrincipalName.toLowerCase()));
    if (index >= 0) throw new Malformed(`changes[${index}] is for ${changes[index]?.userPrincipalName ?? ''}, which the partial plan's only list does not name`);
  }
  const written = plan.summary.protected;
  const protectedCount = counted.protected ?? 0;
  if ((written ?? 0) !== protectedCount) {
    throw new Malformed(`summary.protected is ${written ?? 'missing'}, but the plan has ${protectedCount} protected principal${protectedCount === 1 ? '' : 's'}`);
  }
  return plan;
}

function readChange(value: unknown, path: string): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Malformed(`${path} must be an object, not ${shown(value)}`);
  const name = (value as Record<string, unknown>).action;
  if (typeof name !== 'string' || !(ACTION_ORDER as readonly string[]).includes(name)) {
    throw new Malformed(`${path}.action must be one of ${ACTION_ORDER.join(', ')}, not ${shown(name)}`);
  }
  readFields(CHANGES[name as ChangeAction], value as Record<string, unknown>, path);
}

function readFields(fields: Fields, value: Record<string, unknown>, path: string): void {
  const at = (key: string): string => (path === '' ? key : `${path}.${key}`);
  for (const key of Object.keys(value)) {
    if (!Object.hasOwn(fields, key)) throw new Malformed(`${at(key)} is not a field of ${path === '' ? 'a plan' : path}`);
  }
  for (const [key, field] of Object.entries(fields)) {
    const item = value[key];
    if (item === undefined) {
      if (field.optional) continue;
      throw new Malformed(`${at(key)} is missing`);
    }
    readValue(field.spec, item, at(key));
  }
}

function readValue(spec: Spec, value: unknown, path: string): void {
  switch (spec.type) {
    case 'string':
    case 'boolean':
      if (typeof value !== spec.type) throw new Malformed(`${path} must be a ${spec.type}, not ${shown(value)}`);
      return;
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) throw new Malformed(`${path} must be a number, not ${shown(value)}`);
      return;
    case 'enum':
      if (typeof value !== 'string' || !spec.values.includes(value)) throw new Malformed(`${path} must be ${spec.values.length === 1 ? spec.values[0] : `one of ${spec.values.join(', ')}`}, not ${shown(value)}`);
      return;
    case 'nullable':
      if (value !== null) readValue(spec.of, value, path);
      return;
    case 'array':
      if (!Array.isArray(value)) throw new Malformed(`${path} must be a list, not ${shown(value)}`);
      if (spec.minItems !== undefined && value.length < spec.minItems) throw new Malformed(`${path} must hold at least ${spec.minItems} item${spec.minItems === 1 ? '' : 's'}, not ${value.length}`);
      value.forEach((item, index) => readValue(spec.of, item, `${path}[${index}]`));
      return;
    case 'object':
      if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Malformed(`${path} must be an object, not ${shown(value)}`);
      readFields(spec.fields, value as Record<string, unknown>, path);
      return;
    case 'union': {
      const chosen = variantFor(spec, value);
      if (chosen === undefined) throw new Malformed(`${path} must be ${spec.said}, not ${shown(value)}`);
      readValue(chosen, value, path);
      return;
    }
    case 'change':
      readChange(value, path);
      return;
  }
}

/** The JSON type a spec reads: a union's variants are told apart by it. */
function jsonTypeOf(spec: Spec): string {
  switch (spec.type) {
    case 'string':
    case 'enum':
      return 'string';
    case 'number':
    case 'boolean':
      return spec.type;
    case 'array':
      return 'array';
    case 'nullable':
      return jsonTypeOf(spec.of);
    case 'union':
      return 'union';
    case 'object':
    case 'change':
      return 'object';
  }
}

function jsonTypeOfValue(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  if (value === null) return 'null';
  return typeof value;
}

/** The variant of a union for this value's JSON type, if it has one. */
function variantFor(spec: Extract<Spec, { type: 'union' }>, value: unknown): Spec | undefined {
  const type = jsonTypeOfValue(value);
  return spec.of.find((variant) => jsonTypeOf(variant) === type);
}

/** A value as a message shows it: JSON, cut short. */
function shown(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}
