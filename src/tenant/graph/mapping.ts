import type { ObservedLicense, ObservedLicenseState, ObservedMailbox, ObservedPlan, ObservedServicePlan, ObservedSku, ObservedUser } from '../../domain/observed.ts';
import { isExchangeMailboxPlan } from '../../domain/exchange-plans.ts';
import type { GraphRequestError } from './errors.ts';
import { GraphResponseError } from './errors.ts';

/**
 * Graph's JSON → the observed tenant (src/domain/observed.ts). Ids, SKU ids and plan ids are lower
 * case. Tolerant where Graph varies (`error` null or "None", `userPurpose` a string or `{value}`),
 * strict where the planner would be misled (a user without an id).
 */

/** What the planner needs of a user (docs/reconciliation.md §2, docs/graph-behaviour.md §4, §8): one `$select` for the bulk read. */
export const USER_SELECT = [
  'id', 'userPrincipalName', 'displayName', 'accountEnabled', 'usageLocation', 'mail', 'proxyAddresses',
  'onPremisesSyncEnabled', 'assignedLicenses', 'licenseAssignmentStates', 'assignedPlans', 'createdDateTime',
] as const;
/** `deletedDateTime` is returned only when selected (docs/graph-behaviour.md §1). */
export const DELETED_USER_SELECT = [...USER_SELECT, 'deletedDateTime'] as const;
export const SKU_SELECT = ['skuId', 'skuPartNumber', 'prepaidUnits', 'consumedUnits', 'servicePlans'] as const;

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

/** A user of `/users` or `/directory/deletedItems/microsoft.graph.user` with the selects above. */
export function toObservedUser(value: unknown): ObservedUser {
  const json = object(value, 'A user');
  const id = requiredString(json, 'id', 'A user').toLowerCase();
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
    // Only the Exchange mailbox plans tell the planner anything (the mailbox history, docs/graph-behaviour.md §8); a licensed
    // user has ~40 plans, and keeping them all for 100,000 users costs a gigabyte of memory for nothing.
    assignedPlans: objects(json.assignedPlans)
      .filter((p) => typeof p.servicePlanId === 'string' && isExchangeMailboxPlan(p.servicePlanId))
      .map(plan),
    deletedDateTime: stringOrNull(json.deletedDateTime),
    createdDateTime: stringOrNull(json.createdDateTime),
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
