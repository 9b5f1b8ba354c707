import { Document, isSeq, visit } from 'yaml';
import schema from '../../schemas/tenant-policy.schema.json' with { type: 'json' };
import type { AttributeName, AttributeValue } from '../domain/attributes.ts';
import { ATTRIBUTE_NAMES, normaliseAttributeValue } from '../domain/attributes.ts';
import { findControlCharacter } from '../domain/control-characters.ts';
import { isIsoCountryCode } from '../domain/countries.ts';
import type { MailboxType } from '../domain/desired.ts';
import type { ObservedSku, ObservedTenant, ObservedUser } from '../domain/observed.ts';
import { statesOf } from '../domain/license-plan.ts';
import { findCatalogServicePlan, findCatalogSkus } from '../domain/sku-catalog.ts';
import { isValidUserPrincipalName } from '../domain/upn.ts';

/**
 * `tenantctl export`: a policy describing today's tenant, for adoption; the way back of load.ts,
 * and kept beside it so that what is written and what is read stay one format. Pure: the observed
 * tenant in, the files' text out (src/cli/export.ts reads the tenant and writes the files). The
 * policy is written so that `validate` accepts it and `plan` against the same tenant finds nothing
 * to change:
 * - active accounts only (soft-deleted ones are not "today's tenant"; declaring them would plan restores);
 * - an account is a mailbox when it is blocked and Exchange says shared/room/equipment (a mailbox's
 *   sign-in is always kept blocked, so an enabled one is exported as a user);
 * - direct licenses only, grouped into named sets by (SKU, disabled plans); group licenses are not
 *   declared (the planner reports them as satisfied through the group);
 * - `defaults.usageLocation` is the most common usage location; a principal's own is written only
 *   when it differs; `whenMissing: report` (an exported policy never creates anyone), `pruneLicenses: false`;
 * - the attributes the tenant has set (ReadTenantRequest.attributes: all but displayName, always written)
 *   and the manager, as its UPN, when it is an active user; an unset attribute, or one the policy cannot
 *   hold (a control character, longer than the schema allows), is not declared, hence never managed;
 * - an account whose display name the policy cannot hold is skipped: displayName is always managed, so
 *   writing another name would plan a change.
 */

/** The attributes export reads and writes: every declared one but displayName, which is always read and written. */
export const EXPORTED_ATTRIBUTES: readonly AttributeName[] = ATTRIBUTE_NAMES.filter((name) => name !== 'displayName');

export const SCHEMA_COMMENT = 'yaml-language-server: $schema=../schemas/tenant-policy.schema.json';
export const TENANT_FILE = '00-tenant.yaml';
export const PEOPLE_FILE = 'people.yaml';

export interface ExportedFile {
  readonly name: string;
  readonly text: string;
}

export interface ExportResult {
  readonly files: ExportedFile[];
  readonly users: number;
  readonly mailboxes: number;
  readonly licenseSets: number;
  /** Active accounts left out: a UPN the policy schema refuses. */
  readonly skipped: readonly { readonly userPrincipalName: string; readonly reason: string }[];
}

const MAILBOX_TYPES: ReadonlySet<string> = new Set<MailboxType>(['shared', 'room', 'equipment']);

interface LicenseSetOut {
  sku: string;
  disabledPlans?: string[];
}

interface PrincipalOut {
  userPrincipalName: string;
  displayName: string;
  /** And the attributes the tenant has set (attributesOf), after displayName. */
  [attribute: string]: unknown;
  manager?: string;
  type?: MailboxType;
  licenses?: string[];
  usageLocation?: string;
  accountEnabled?: false;
}

function byKey(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The mailbox type of an account, or undefined when it is exported as a user. */
function mailboxTypeOf(user: ObservedUser, observed: ObservedTenant): MailboxType | undefined {
  if (user.accountEnabled) return undefined;
  const mailbox = observed.mailboxes.get(user.id);
  if (mailbox?.kind !== 'mailbox') return undefined;
  const purpose = mailbox.userPurpose.toLowerCase();
  return MAILBOX_TYPES.has(purpose) ? (purpose as MailboxType) : undefined;
}

/** The most common valid usage location; ties go to the alphabetically first. */
export function mostCommonUsageLocation(users: readonly ObservedUser[]): string | undefined {
  const counts = new Map<string, number>();
  for (const user of users) {
    const location = usableLocation(user);
    if (location !== undefined) counts.set(location, (counts.get(location) ?? 0) + 1);
  }
  let best: [string, number] | undefined;
  for (const entry of [...counts].sort((a, b) => byKey(a[0], b[0]))) if (best === undefined || entry[1] > best[1]) best = entry;
  return best?.[0];
}

function usableLocation(user: ObservedUser): string | undefined {
  const location = user.usageLocation?.toUpperCase();
  return location !== undefined && isIsoCountryCode(location) ? location : undefined;
}

/** lower case, `-` for anything the set-name pattern refuses, a letter first, at most 64 characters. */
function slug(partNumber: string): string {
  const base = partNumber.toLowerCase().replace(/[^a-z0-9_-]+/gu, '-').replace(/^-+|-+$/gu, '');
  return (/^[a-z]/u.test(base) ? base : `sku-${base}`).slice(0, 56);
}

/** How a disabled plan is written: by name when the shipped catalog knows the name (validate checks it), else by id when it knows the id. */
function planReference(sku: ObservedSku, planId: string): string {
  const name = sku.servicePlans.find((p) => p.servicePlanId.toLowerCase() === planId)?.servicePlanName;
  if (name === undefined) return planId;
  const catalog = findCatalogSkus(sku.skuPartNumber);
  if (catalog.length === 0 || catalog.some((c) => findCatalogServicePlan(c, name) !== undefined)) return name;
  return catalog.some((c) => findCatalogServicePlan(c, planId) !== undefined) ? planId : name;
}

interface Variant {
  readonly key: string;
  readonly sku: ObservedSku | undefined;
  readonly skuId: string;
  readonly disabledPlans: readonly string[];
  uses: number;
  name?: string;
}

export function exportPolicy(observed: ObservedTenant): ExportResult {
  const skusById = new Map(observed.skus.map((s) => [s.skuId.toLowerCase(), s]));
  const partNumberCount = new Map<string, number>();
  for (const sku of observed.skus) partNumberCount.set(sku.skuPartNumber.toLowerCase(), (partNumberCount.get(sku.skuPartNumber.toLowerCase()) ?? 0) + 1);

  const skipped: { userPrincipalName: string; reason: string }[] = [];
  const active = observed.users.filter((u) => u.deletedDateTime === null && isValidUserPrincipalName(u.userPrincipalName));
  // A manager is named by UPN: any active user the policy could name, declared or not (the planner finds it in the tenant).
  const managerUpns = new Map(active.map((u) => [u.id.toLowerCase(), u.userPrincipalName.toLowerCase()]));
  const accounts = [...observed.users]
    .filter((u) => u.deletedDateTime === null)
    .filter((u) => {
      const reason = !isValidUserPrincipalName(u.userPrincipalName) ? 'the policy schema refuses this user principal name' : displayNameProblem(u.displayName);
      if (reason === undefined) return true;
      skipped.push({ userPrincipalName: u.userPrincipalName, reason });
      return false;
    })
    .sort((a, b) => byKey(a.userPrincipalName.toLowerCase(), b.userPrincipalName.toLowerCase()));

  // License sets: one per distinct (SKU, sorted disabled plan ids) among direct assignments.
  const variants = new Map<string, Variant>();
  const directOf = new Map<string, string[]>();
  for (const user of accounts) {
    const keys: string[] = [];
    for (const state of statesOf(user)) {
      if (state.assignedByGroup !== null) continue;
      const skuId = state.skuId.toLowerCase();
      const disabledPlans = [...new Set(state.disabledPlans.map((p) => p.toLowerCase()))].sort(byKey);
      const key = `${skuId}|${disabledPlans.join(',')}`;
      if (keys.includes(key)) continue;
      const variant = variants.get(key) ?? { key, sku: skusById.get(skuId), skuId, disabledPlans, uses: 0 };
      variant.uses += 1;
      variants.set(key, variant);
      keys.push(key);
    }
    directOf.set(user.id, keys);
  }
  // Names: per SKU, the most used variant gets the plain name, the others -2, -3, … (ties by plan ids).
  const ordered = [...variants.values()].sort(
    (a, b) => byKey(a.sku?.skuPartNumber.toLowerCase() ?? a.skuId, b.sku?.skuPartNumber.toLowerCase() ?? b.skuId) || byKey(a.skuId, b.skuId) || b.uses - a.uses || byKey(a.key, b.key),
  );
  const taken = new Set<string>();
  const perBase = new Map<string, number>();
  for (const variant of ordered) {
    const base = slug(variant.sku?.skuPartNumber ?? variant.skuId);
    let n = perBase.get(base) ?? 0;
    let name: string;
    do {
      n += 1;
      name = n === 1 ? base : `${base}-${n}`;
    } while (taken.has(name));
    perBase.set(base, n);
    taken.add(name);
    variant.name = name;
  }
  const licenses: Record<string, LicenseSetOut> = {};
  // In naming order (by SKU, then -2, -3, …), not alphabetical: enterprisepack-10 after -9.
  for (const variant of ordered) {
    const sku = variant.sku;
    // A part number two subscribed SKUs share would be ambiguous to the planner: write the id.
    const skuRef = sku === undefined || (partNumberCount.get(sku.skuPartNumber.toLowerCase()) ?? 0) > 1 ? variant.skuId : sku.skuPartNumber;
    const set: LicenseSetOut = { sku: skuRef };
    if (variant.disabledPlans.length > 0) set.disabledPlans = variant.disabledPlans.map((id) => (sku ? planReference(sku, id) : id));
    licenses[variant.name as string] = set;
  }

  const usageLocation = mostCommonUsageLocation(accounts);
  const users: PrincipalOut[] = [];
  const mailboxes: PrincipalOut[] = [];
  for (const account of accounts) {
    const type = mailboxTypeOf(account, observed);
    const out: PrincipalOut = { userPrincipalName: account.userPrincipalName, displayName: account.displayName };
    Object.assign(out, attributesOf(account));
    const manager = account.managerId ? managerUpns.get(account.managerId.toLowerCase()) : undefined;
    if (manager !== undefined && manager !== account.userPrincipalName.toLowerCase()) out.manager = manager;
    if (type !== undefined) out.type = type;
    const sets = (directOf.get(account.id) ?? []).map((key) => variants.get(key)?.name as string).sort(byKey);
    if (sets.length > 0 || type !== undefined) out.licenses = sets;
    const own = usableLocation(account);
    if (own !== undefined && own !== usageLocation) out.usageLocation = own;
    if (type === undefined && !account.accountEnabled) out.accountEnabled = false;
    (type === undefined ? users : mailboxes).push(out);
  }

  const tenant: Record<string, unknown> = { apiVersion: 'tenantctl/v1', kind: 'TenantPolicy', tenant: { id: observed.tenantId.toLowerCase() } };
  tenant.defaults = { ...(usageLocation === undefined ? {} : { usageLocation }), whenMissing: 'report', pruneLicenses: false };
  if (Object.keys(licenses).length > 0) tenant.licenses = licenses;
  if (mailboxes.length > 0) tenant.mailboxes = mailboxes;
  const header = [
    SCHEMA_COMMENT,
    '',
    ` Exported by tenantctl export from tenant ${observed.tenantId.toLowerCase()}: its settings, the license`,
    ' sets its users hold directly, and its shared, room and equipment mailboxes. People live in people.yaml.',
    ' Licenses assigned through groups are not declared (plan reports them as satisfied by the group).',
  ].join('\n');
  const people = { apiVersion: 'tenantctl/v1', kind: 'TenantPolicy', users };
  return {
    files: [
      { name: TENANT_FILE, text: render(tenant, header) },
      { name: PEOPLE_FILE, text: render(people, `${SCHEMA_COMMENT}\n\n Exported by tenantctl export: every active user, by user principal name.`) },
    ],
    users: users.length,
    mailboxes: mailboxes.length,
    licenseSets: Object.keys(licenses).length,
    skipped,
  };
}

/** Why the policy cannot hold an account's display name as it is (the schema's limits), or undefined. */
function displayNameProblem(displayName: string): string | undefined {
  if (displayName.trim() === '') return 'it has no display name (the policy requires one); set one in the tenant, then export again';
  const problem = textProblem(displayName, schemaLimit('displayName'));
  return problem === undefined ? undefined : `its display name ${problem}, which the policy cannot hold; correct it in the tenant, then export again`;
}

/** Why a text value cannot be written as it is, or undefined. */
function textProblem(value: string, maxLength: number | undefined): string | undefined {
  if (findControlCharacter(value) !== undefined) return 'has a control character';
  if (maxLength !== undefined && value.length > maxLength) return `is longer than ${maxLength} characters`;
  return undefined;
}

type SchemaDefinition = { maxLength?: number; maxItems?: number; items?: { maxLength?: number } };

/** The schema's limit for an attribute's text (its items' for a list): one home for the limits, the schema. */
function schemaLimit(name: AttributeName): number | undefined {
  const definition = (schema.$defs as Record<string, SchemaDefinition | undefined>)[name];
  return definition?.maxLength ?? definition?.items?.maxLength;
}

/** The attributes the tenant has set on an account, in ATTRIBUTE_NAMES order, that the policy can hold as they are. */
function attributesOf(user: ObservedUser): Partial<Record<AttributeName, AttributeValue>> {
  const out: Partial<Record<AttributeName, AttributeValue>> = {};
  for (const name of EXPORTED_ATTRIBUTES) {
    const value = normaliseAttributeValue(user.attributes?.[name]);
    if (value === null) continue;
    const items = typeof value === 'string' ? [value] : value;
    const maxItems = (schema.$defs as Record<string, SchemaDefinition | undefined>)[name]?.maxItems;
    if (maxItems !== undefined && items.length > maxItems) continue;
    if (items.some((item) => textProblem(item, schemaLimit(name)) !== undefined)) continue;
    out[name] = typeof value === 'string' ? value : [...value];
  }
  return out;
}

/** YAML with a comment on top; short lists (licenses, disabled plans) in flow style: `[e3, e5]`. */
function render(value: unknown, comment: string): string {
  const document = new Document(value);
  // The yaml library writes each comment line after a bare `#`: lead with a space.
  document.commentBefore = comment.split('\n').map((line) => (line === '' || line.startsWith(' ') ? line : ` ${line}`)).join('\n');
  visit(document, {
    Seq(_key, node) {
      if (isSeq(node) && node.items.every((item) => typeof (item as { value?: unknown }).value === 'string')) node.flow = true;
    },
  });
  return document.toString({ lineWidth: 0, flowCollectionPadding: false });
}
