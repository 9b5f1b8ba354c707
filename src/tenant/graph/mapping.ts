import type { AttributeName, AttributeValue } from '../../domain/attributes.ts';
import type { ObservedGroup, ObservedLicense, ObservedLicenseState, ObservedMailbox, ObservedPlan, ObservedServicePlan, ObservedSku, ObservedUser } from '../../domain/observed.ts';
import { isExchangeMailboxPlan } from '../../domain/exchange-plans.ts';
import type { GraphRequestError } from './errors.ts';
import { GraphResponseError } from './errors.ts';

/**
 * Graph's JSON → the observed tenant (src/domain/observed.ts). Ids, SKU ids and plan ids are lower
 * case. Tolerant where Graph varies (`error` null or "None", `userPurpose` a string or `{value}`),
 * strict where the planner would be misled (a user without an id).
 */

/**
 * What the planner needs of every active user (docs/reconciliation.md §2, docs/graph-behaviour.md §4): one `$select`
 * for the bulk read. Not `assignedPlans`: a licensed user lists ~40 plans, nine tenths of a page's bytes, and the
 * planner needs them only for the few users who lost an Exchange plan, read apart (REMOVED_EXCHANGE_PLAN_FILTER).
 */
export const USER_SELECT = [
  'id', 'userPrincipalName', 'displayName', 'accountEnabled', 'usageLocation', 'mail', 'proxyAddresses',
  'onPremisesSyncEnabled', 'assignedLicenses', 'licenseAssignmentStates', 'createdDateTime',
] as const;
/** The bulk read with every user's plans (ReadTenantRequest.planHistory `all`). */
export const USER_WITH_PLANS_SELECT = [...USER_SELECT, 'assignedPlans'] as const;
/** Deleted users keep their plans (a restore brings them back); `deletedDateTime` is returned only when selected (docs/graph-behaviour.md §1). */
export const DELETED_USER_SELECT = [...USER_WITH_PLANS_SELECT, 'deletedDateTime'] as const;
/**
 * The users who hold a removed Exchange plan (docs/graph-behaviour.md §8): a superset of those whose mailbox was
 * disconnected with a license, which the planner tells apart. A lambda on `assignedPlans` is an advanced query.
 */
export const REMOVED_EXCHANGE_PLAN_FILTER = "assignedPlans/any(p:p/service eq 'exchange' and p/capabilityStatus eq 'Deleted')";
export const SKU_SELECT = ['skuId', 'skuPartNumber', 'prepaidUnits', 'consumedUnits', 'servicePlans'] as const;
/** The license-assigning groups (docs/graph-behaviour.md §4): their names, and their licenses for the groups a policy names. */
export const GROUP_SELECT = ['id', 'displayName', 'assignedLicenses'] as const;
/** Each user's manager, its id only: `$expand=manager($select=id)`. */
export const MANAGER_EXPAND = 'manager($select=id)';

/**
 * What the bulk pages read beyond the planner's own: the declared attributes (displayName is always
 * read) and, when asked, each user's manager. Nothing of it when nothing is declared: every selected
 * property costs on a page of 999 users.
 */
export interface UserExtras {
  readonly attributes: readonly AttributeName[];
  readonly managers: boolean;
}

export const NO_EXTRAS: UserExtras = Object.freeze({ attributes: [], managers: false });

/** The `$select` of a bulk page: `base` and the requested attributes not already in it. */
export function userSelect(base: readonly string[], extras: UserExtras): string[] {
  return [...base, ...extras.attributes.filter((name) => !base.includes(name))];
}

type Json = Record<string, unknown>;

function object(value: unknown, what: string): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new GraphResponseError(`${what} is not a JSON object.`);
  return value as Json;
}

function requiredString(json: Json, property: string, what: string): string {
  const value = json[property];
  if (typeof value !== 'string' || value === '') throw new GraphResponseError(`${what} has no ${property}.`);
  return value;
}

function stringOrNull(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function objects(value: unknown): Json[] {
  return Array.isArray(value) ? value.filter((v): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)) : [];
}

const lower = (ids: readonly string[]): string[] => ids.map((id) => id.toLowerCase());

function license(json: Json): ObservedLicense {
  return { skuId: requiredString(json, 'skuId', 'An assigned license').toLowerCase(), disabledPlans: lower(strings(json.disabledPlans)) };
}

function licenseState(json: Json): ObservedLicenseState {
  const group = stringOrNull(json.assignedByGroup);
  return {
    ...license(json),
    assignedByGroup: group === null || group === '' ? null : group.toLowerCase(),
    state: stringOrNull(json.state) ?? 'Active',
    error: stringOrNull(json.error),
  };
}

function plan(json: Json): ObservedPlan {
  return {
    assignedDateTime: stringOrNull(json.assignedDateTime) ?? '',
    capabilityStatus: stringOrNull(json.capabilityStatus) ?? '',
    service: stringOrNull(json.service) ?? '',
    servicePlanId: requiredString(json, 'servicePlanId', 'An assigned plan').toLowerCase(),
  };
}

/** An attribute as Graph answers it: text, or a list of text for `businessPhones`; null for none. */
function attributeValue(name: AttributeName, value: unknown): AttributeValue {
  if (name === 'businessPhones') return Array.isArray(value) ? strings(value) : null;
  return stringOrNull(value);
}

/** The manager of `$expand=manager($select=id)`: its id, or null when the property is absent or null (no manager). */
function managerIdOf(value: unknown, id: string): string | null {
  if (value === undefined || value === null) return null;
  const manager = object(value, `The manager of user ${id}`);
  return requiredString(manager, 'id', `The manager of user ${id}`).toLowerCase();
}

/** A user of `/users` or `/directory/deletedItems/microsoft.graph.user` with the selects above (and `extras`, when read). */
/**
 * Only the Exchange mailbox plans tell the planner anything (the mailbox history, docs/graph-behaviour.md §8); a licensed
 * user has ~40 plans, and keeping them all for 100,000 users costs a gigabyte of memory for nothing.
 */
function exchangePlansOf(json: Json): ObservedPlan[] {
  return objects(json.assignedPlans)
    .filter((p) => typeof p.servicePlanId === 'string' && isExchangeMailboxPlan(p.servicePlanId))
    .map(plan);
}

/** An item of the removed-plan read: the user's id and Exchange mailbox plans. */
export function toUserPlans(value: unknown): { readonly id: string; readonly plans: readonly ObservedPlan[] } {
  const json = object(value, 'A user');
  return { id: requiredString(json, 'id', 'A user').toLowerCase(), plans: exchangePlansOf(json) };
}

export function toObservedUser(value: unknown, extras: UserExtras = NO_EXTRAS): ObservedUser {
  const json = object(value, 'A user');
  const id = requiredString(json, 'id', 'A user').toLowerCase();
  const attributes = extras.attributes.filter((name) => name !== 'displayName');
  return {
    id,
    userPrincipalName: requiredString(json, 'userPrincipalName', `User ${id}`),
    displayName: stringOrNull(json.displayName) ?? '',
    // Not documented as nullable; a user without the flag is treated as Graph creates users: enabled.
    accountEnabled: json.accountEnabled !== false,
    usageLocation: stringOrNull(json.usageLocation),
    mail: stringOrNull(json.mail),
    proxyAddresses: strings(json.proxyAddresses),
    onPremisesSyncEnabled: typeof json.onPremisesSyncEnabled === 'boolean' ? json.onPremisesSyncEnabled : null,
    assignedLicenses: objects(json.assignedLicenses).map(license),
    licenseAssignmentStates: objects(json.licenseAssignmentStates).map(licenseState),
    assignedPlans: exchangePlansOf(json),
    deletedDateTime: stringOrNull(json.deletedDateTime),
    createdDateTime: stringOrNull(json.createdDateTime),
    ...(attributes.length === 0 ? {} : { attributes: Object.fromEntries(attributes.map((name) => [name, attributeValue(name, json[name])])) }),
    ...(extras.managers ? { managerId: managerIdOf(json.manager, id) } : {}),
  };
}

/** A subscribed SKU; available seats are `enabledUnits - consumedUnits` and may be negative (docs/graph-behaviour.md §7). */
export function toObservedSku(value: unknown): ObservedSku {
  const json = object(value, 'A subscribed SKU');
  const skuId = requiredString(json, 'skuId', 'A subscribed SKU').toLowerCase();
  const prepaid = typeof json.prepaidUnits === 'object' && json.prepaidUnits !== null ? (json.prepaidUnits as Json) : {};
  return {
    skuId,
    skuPartNumber: stringOrNull(json.skuPartNumber) ?? skuId,
    enabledUnits: typeof prepaid.enabled === 'number' ? prepaid.enabled : 0,
    consumedUnits: typeof json.consumedUnits === 'number' ? json.consumedUnits : 0,
    servicePlans: objects(json.servicePlans).map((p): ObservedServicePlan => ({
      servicePlanId: requiredString(p, 'servicePlanId', `A service plan of ${skuId}`).toLowerCase(),
      servicePlanName: stringOrNull(p.servicePlanName) ?? '',
    })),
  };
}

/** A group of the license-assigning groups read: id → displayName. */
export function toGroupName(value: unknown): readonly [string, string] {
  const json = object(value, 'A group');
  return [requiredString(json, 'id', 'A group').toLowerCase(), stringOrNull(json.displayName) ?? ''];
}

/** A license-assigning group with its licenses (GROUP_SELECT); its members are read apart. */
export function toLicensingGroup(value: unknown): Omit<ObservedGroup, 'memberIds'> {
  const json = object(value, 'A group');
  const [id, displayName] = toGroupName(json);
  return { id, displayName, assignedLicenses: objects(json.assignedLicenses).map(license) };
}

/** A member of `GET /groups/{id}/members?$select=id`: its object id, lower case. */
export function toMemberId(value: unknown): string {
  return requiredString(object(value, 'A group member'), 'id', 'A group member').toLowerCase();
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/**
 * The `Date` response header (RFC 7231 §7.1.1.1, IMF-fixdate: `Sun, 06 Nov 1994 08:49:37 GMT`) as ISO 8601
 * (`1994-11-06T08:49:37Z`): the tenant's clock. Null when absent or not such a date.
 */
export function toReadAt(header: string | null | undefined): string | null {
  const match = /^\s*[A-Z][a-z]{2}, (\d{2}) ([A-Z][a-z]{2}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) GMT\s*$/u.exec(header ?? '');
  if (!match) return null;
  const [, day, month, year, hours, minutes, seconds] = match as unknown as [string, string, string, string, string, string, string];
  const monthIndex = MONTHS.indexOf(month);
  if (monthIndex < 0) return null;
  const ms = Date.UTC(Number(year), monthIndex, Number(day), Number(hours), Number(minutes), Number(seconds));
  const date = new Date(ms);
  // Date.UTC rolls 31 Feb over into March: a date that does not exist is no date.
  if (Number.isNaN(ms) || date.getUTCDate() !== Number(day) || date.getUTCMonth() !== monthIndex || Number(hours) > 23 || Number(minutes) > 59 || Number(seconds) > 60) return null;
  return date.toISOString().replace(/\.\d{3}Z$/u, 'Z');
}

/**
 * The answer of `GET /users/{id}/mailboxSettings/userPurpose` (`{"value":"shared"}`), or the full
 * settings object, where `userPurpose` is a string or `{"value": …}` (docs/graph-behaviour.md §9).
 */
export function toObservedMailbox(body: unknown): ObservedMailbox {
  const json = object(body, 'A mailbox settings answer');
  const raw = 'value' in json ? json.value : json.userPurpose;
  const purpose = typeof raw === 'string' ? raw : typeof raw === 'object' && raw !== null ? (raw as Json).value : undefined;
  if (typeof purpose !== 'string' || purpose === '') throw new GraphResponseError('A mailbox settings answer has no userPurpose.');
  return { kind: 'mailbox', userPurpose: purpose };
}

/** "No mailbox" (404 MailboxNotEnabledForRESTAPI / MailboxNotSupportedForRESTAPI, either message) is data, not a failure. */
export function isNoMailbox(error: GraphRequestError): boolean {
  return error.kind === 'no-mailbox';
}

/** The collection page shape of Graph lists. */
export function pageOf(value: unknown, what: string): { readonly items: readonly unknown[]; readonly nextLink: string | undefined } {
  const json = object(value, `A page of ${what}`);
  if (!Array.isArray(json.value)) throw new GraphResponseError(`A page of ${what} has no "value" array.`);
  const next = json['@odata.nextLink'];
  return { items: json.value, nextLink: typeof next === 'string' && next !== '' ? next : undefined };
}
