import { Document, isSeq, visit } from 'yaml';
import packageJson from '../../package.json' with { type: 'json' };
import schema from '../../schemas/tenant-policy.schema.json' with { type: 'json' };
import type { AttributeName, AttributeValue } from '../domain/attributes.ts';
import { ATTRIBUTE_NAMES, normaliseAttributeValue } from '../domain/attributes.ts';
import { findControlCharacter } from '../domain/control-characters.ts';
import { isIsoCountryCode } from '../domain/countries.ts';
import type { MailboxType } from '../domain/desired.ts';
import type { ObservedTenant, ObservedUser } from '../domain/observed.ts';
import { statesOf } from '../domain/license-plan.ts';
import { isExchangeMailboxPlan } from '../domain/exchange-plans.ts';
import { isValidUserPrincipalName } from '../domain/upn.ts';
import type { Variant } from './export-set-names.ts';
import { byKey, licenseSetNames, planReference } from './export-set-names.ts';

/**
 * `tenantctl export`: a policy describing today's tenant, for adoption; the way back of load.ts,
 * and kept beside it so that what is written and what is read stay one format. Pure: the observed
 * tenant in, the files' text out (src/cli/export.ts reads the tenant and writes the files). The
 * policy is written so that `validate` accepts it and `plan` against the same tenant finds nothing
 * to change:
 * - active accounts only (soft-deleted ones are not "today's tenant"; declaring them would plan restores);
 * - an account is a mailbox when Exchange says shared/room/equipment and its sign-in is blocked, or
 *   when Exchange says shared and its sign-in is enabled: that one is a finding (a shared mailbox's
 *   account must not sign in, so the next plan blocks it), reported, never silent. An enabled room or
 *   equipment account stays a user (a Teams Rooms resource account signs in; blocking it would take
 *   the room's device offline), also reported;
 * - direct licenses only, grouped into named sets by (SKU, disabled plans); group licenses are not
 *   declared (the planner reports them as satisfied through the group). A SKU's most used variant is
 *   named after the part number (`enterprisepack`), the others after the plans they disable
 *   (`enterprisepack-no-sway-yammer`, licenseSetNames);
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

/** Where the policy schema sits in the published package, and its file name there. */
export const SCHEMA_PACKAGE_PATH = 'schemas/tenant-policy.schema.json';

/** This version's schema as published on npm, through unpkg: a `$schema` that works from anywhere (for an editor; never fetched by tenantctl). */
export const PUBLISHED_SCHEMA_URL = `https://unpkg.com/${packageJson.name}@${packageJson.version}/${SCHEMA_PACKAGE_PATH}`;
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
  /** Accounts exported, but with something to review before the next apply (an enabled shared mailbox). */
  readonly findings: readonly ExportFinding[];
}

export interface ExportFinding {
  readonly userPrincipalName: string;
  /** A whole sentence, starting with the UPN. */
  readonly message: string;
  /** True when the next plan changes the account (it was exported as a mailbox whose sign-in is enabled). */
  readonly planChanges: boolean;
}

export interface ExportOptions {
  /**
   * What the files' `# yaml-language-server: $schema=` comment points at: a path relative to the
   * output directory, or a URL (src/cli/export.ts decides which; PUBLISHED_SCHEMA_URL by default).
   * For an editor only: nothing reads it at run time.
   */
  readonly schemaReference: string;
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


/**
 * The accounts whose mailbox settings export asks Exchange about (one request each, 20 per $batch):
 * every blocked account, and every enabled one without an enabled Exchange Online mailbox plan. A
 * shared, room or equipment mailbox needs no license, while a person's mailbox comes with one, so an
 * enabled account that holds an Exchange plan is taken for a person's without asking: asking about
 * every account would cost one request per user. The one miss: an enabled shared mailbox that was
 * also given an Exchange license (for a larger quota or an archive) is exported as a user.
 */
export function mailboxCandidates(users: readonly ObservedUser[]): string[] {
  return users
    .filter((u) => u.deletedDateTime === null)
    .filter((u) => !u.accountEnabled || !u.assignedPlans.some((p) => p.capabilityStatus === 'Enabled' && isExchangeMailboxPlan(p.servicePlanId)))
    .map((u) => u.userPrincipalName.toLowerCase());
}

/** What Exchange says an account's mailbox is, when it is a shared, room or equipment one. */
function exchangeTypeOf(user: ObservedUser, observed: ObservedTenant): MailboxType | undefined {
  const mailbox = observed.mailboxes.get(user.id);
  if (mailbox?.kind !== 'mailbox') return undefined;
  const purpose = mailbox.userPurpose.toLowerCase();
  return MAILBOX_TYPES.has(purpose) ? (purpose as MailboxType) : undefined;
}

/**
 * The mailbox type an account is exported with (undefined: a user), and the finding to report. A
 * blocked shared/room/equipment account is a mailbox; an enabled shared one too, reported (the next
 * plan blocks its sign-in); an enabled room or equipment one stays a user, reported (Teams Rooms).
 */
function classify(user: ObservedUser, observed: ObservedTenant): { type: MailboxType | undefined; finding?: ExportFinding } {
  const type = exchangeTypeOf(user, observed);
  if (type === undefined || !user.accountEnabled) return { type };
  const upn = user.userPrincipalName;
  if (type === 'shared') {
    return {
      type,
      finding: {
        userPrincipalName: upn,
        message: `${upn} is a shared mailbox whose sign-in is enabled: exported as a mailbox; the next plan blocks its sign-in (a shared mailbox's account must not sign in) — review before applying`,
        planChanges: true,
      },
    };
  }
  return {
    type: undefined,
    finding: {
      userPrincipalName: upn,
      message: `${upn} is a ${type} mailbox whose sign-in is enabled, as a Teams Rooms resource account's must be: exported as a user, so tenantctl leaves its sign-in alone; move it under mailboxes only if nothing signs in with it`,
      planChanges: false,
    },
  };
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

export function exportPolicy(observed: ObservedTenant, options: ExportOptions = { schemaReference: PUBLISHED_SCHEMA_URL }): ExportResult {
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
  const ordered = licenseSetNames(variants.values());
  const licenses: Record<string, LicenseSetOut> = {};
  // In naming order (by SKU, the most used first), not alphabetical.
  for (const variant of ordered) {
    const sku = variant.sku;
    // A part number two subscribed SKUs share would be ambiguous to the planner: write the id.
    const skuRef = sku === undefined || (partNumberCount.get(sku.skuPartNumber.toLowerCase()) ?? 0) > 1 ? variant.skuId : sku.skuPartNumber;
    const set: LicenseSetOut = { sku: skuRef };
    // By name, as an administrator reads them (the key of the variant stays the ids).
    if (variant.disabledPlans.length > 0) set.disabledPlans = variant.disabledPlans.map((id) => (sku ? planReference(sku, id) : id)).sort((a, b) => byKey(a.toLowerCase(), b.toLowerCase()));
    licenses[variant.name as string] = set;
  }

  const usageLocation = mostCommonUsageLocation(accounts);
  const users: PrincipalOut[] = [];
  const mailboxes: PrincipalOut[] = [];
  const findings: ExportFinding[] = [];
  /** The mailboxes whose sign-in is enabled today: a comment beside each in the file. */
  const enabledMailboxes = new Set<string>();
  for (const account of accounts) {
    const { type, finding } = classify(account, observed);
    if (finding !== undefined) findings.push(finding);
    if (finding?.planChanges === true) enabledMailboxes.add(account.userPrincipalName);
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
  const schemaComment = `yaml-language-server: $schema=${options.schemaReference}`;
  const header = [
    schemaComment,
    '',
    ` Exported by tenantctl export from tenant ${observed.tenantId.toLowerCase()}: its settings, the license`,
    ' sets its users hold directly, and its shared, room and equipment mailboxes. People live in people.yaml.',
    ' Licenses assigned through groups are not declared (plan reports them as satisfied by the group).',
    ' A SKU\'s most used set is named after its part number, the others after the plans they turn off.',
  ].join('\n');
  const people = { apiVersion: 'tenantctl/v1', kind: 'TenantPolicy', users };
  return {
    files: [
      { name: TENANT_FILE, text: render(tenant, header, enabledMailboxes) },
      { name: PEOPLE_FILE, text: render(people, `${schemaComment}\n\n Exported by tenantctl export: every active user, by user principal name.`) },
    ],
    users: users.length,
    mailboxes: mailboxes.length,
    licenseSets: Object.keys(licenses).length,
    skipped,
    findings,
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

/**
 * YAML with a comment on top; short lists (licenses, disabled plans) in flow style: `[e3, e5]`; a
 * comment above each mailbox entry whose sign-in is enabled today (`flagged`, by UPN).
 */
function render(value: unknown, comment: string, flagged: ReadonlySet<string> = new Set()): string {
  const document = new Document(value);
  // The yaml library writes each comment line after a bare `#`: lead with a space.
  document.commentBefore = comment.split('\n').map((line) => (line === '' || line.startsWith(' ') ? line : ` ${line}`)).join('\n');
  visit(document, {
    Seq(_key, node) {
      if (isSeq(node) && node.items.every((item) => typeof (item as { value?: unknown }).value === 'string')) node.flow = true;
    },
    Map(_key, node) {
      const upn = node.get('userPrincipalName');
      if (typeof upn === 'string' && flagged.has(upn)) node.commentBefore = " Sign-in enabled today: the next plan blocks it (a shared mailbox's account must not sign in). Review before applying.";
    },
  });
  return document.toString({ lineWidth: 0, flowCollectionPadding: false });
}
