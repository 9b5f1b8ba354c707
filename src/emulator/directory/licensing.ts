import { isExchangeMailboxPlan } from '../../domain/exchange-plans.ts';
import type { AssignedLicense, AssignedPlan, LicenseAssignmentState, SeedSku } from './model.ts';

/**
 * How licenses turn into what Graph shows: `assignedLicenses` (direct and group alike),
 * `licenseAssignmentStates` (which one is which) and `assignedPlans` (per service plan, with the
 * history that tells a lost mailbox; docs/graph-behaviour.md §8). Pure functions over one user's data.
 */

/** The licenses a user effectively holds: one entry per SKU whose assignment is active. */
export function effectiveLicenses(states: readonly LicenseAssignmentState[]): AssignedLicense[] {
  const bySku = new Map<string, string[] | undefined>();
  for (const state of states) {
    if (state.state !== 'Active' && state.state !== 'ActiveWithError') continue;
    const previous = bySku.get(state.skuId);
    // Held twice (directly and through a group): a plan is disabled only if every assignment disables it.
    bySku.set(state.skuId, previous === undefined ? [...state.disabledPlans] : previous.filter((p) => state.disabledPlans.includes(p)));
  }
  return [...bySku].map(([skuId, disabledPlans]) => ({ skuId, disabledPlans: disabledPlans ?? [] }));
}

const SERVICE_BY_PREFIX: readonly (readonly [RegExp, string])[] = [
  [/^SHAREPOINT/iu, 'SharePoint'],
  [/^MCO/iu, 'MicrosoftCommunicationsOnline'],
  [/^TEAMS/iu, 'TeamspaceAPI'],
  [/^YAMMER/iu, 'YammerEnterprise'],
  [/^OFFICESUBSCRIPTION|^OFFICE_/iu, 'MicrosoftOffice'],
  [/^INTUNE/iu, 'SCO'],
  [/^RMS_|^MIP_/iu, 'RMSOnline'],
  [/^AAD_|^MFA_/iu, 'AADPremiumService'],
  [/^SWAY/iu, 'Sway'],
  [/^PROJECTWORKMANAGEMENT/iu, 'ProjectWorkManagement'],
];
const serviceCache = new Map<string, string>();

/** The service of a plan as `assignedPlans` names it; Exchange's is "exchange" (docs/graph-behaviour.md §8). */
export function serviceOf(servicePlanName: string, servicePlanId: string): string {
  const key = `${servicePlanId}|${servicePlanName}`;
  let service = serviceCache.get(key);
  if (service === undefined) {
    service = isExchangeMailboxPlan(servicePlanId) || /^EXCHANGE/iu.test(servicePlanName) ? 'exchange' : (SERVICE_BY_PREFIX.find(([pattern]) => pattern.test(servicePlanName))?.[1] ?? servicePlanName);
    serviceCache.set(key, service);
  }
  return service;
}

/** Each SKU's user plans with their services, computed once per SKU. */
const planServices = new WeakMap<SeedSku, readonly (readonly [string, string])[]>();

function userPlansOf(sku: SeedSku): readonly (readonly [string, string])[] {
  let plans = planServices.get(sku);
  if (!plans) {
    plans = sku.servicePlans.filter((p) => p.appliesTo !== 'Company').map((p) => [p.servicePlanId, serviceOf(p.servicePlanName, p.servicePlanId)] as const);
    planServices.set(sku, plans);
  }
  return plans;
}

/** The plans that the effective licenses enable: plan id → service. */
export function enabledPlans(licenses: readonly AssignedLicense[], skus: ReadonlyMap<string, SeedSku>): Map<string, string> {
  const plans = new Map<string, string>();
  for (const license of licenses) {
    const sku = skus.get(license.skuId);
    if (!sku) continue;
    for (const [servicePlanId, service] of userPlansOf(sku)) {
      if (license.disabledPlans.length > 0 && license.disabledPlans.includes(servicePlanId)) continue;
      plans.set(servicePlanId, service);
    }
  }
  return plans;
}

/** Enabled entries are immutable and identical across users assigned at one moment: share them. */
const enabledEntries = new Map<string, Map<string, AssignedPlan>>();

function enabledEntriesAt(now: string): Map<string, AssignedPlan> {
  let entries = enabledEntries.get(now);
  if (!entries) {
    if (enabledEntries.size > 1_000) enabledEntries.clear();
    entries = new Map();
    enabledEntries.set(now, entries);
  }
  return entries;
}

function enabledEntry(entries: Map<string, AssignedPlan>, servicePlanId: string, service: string, now: string): AssignedPlan {
  let entry = entries.get(servicePlanId);
  if (!entry) {
    entry = Object.freeze({ assignedDateTime: now, capabilityStatus: 'Enabled', service, servicePlanId });
    entries.set(servicePlanId, entry);
  }
  return entry;
}

/**
 * The next `assignedPlans`: newly enabled plans are Enabled now; plans no longer provided stay
 * listed as Deleted, dated now (the emulator contract of docs/graph-behaviour.md §8); the rest keep their date.
 */
export function nextAssignedPlans(previous: readonly AssignedPlan[], enabled: ReadonlyMap<string, string>, now: string): AssignedPlan[] {
  const next: AssignedPlan[] = [];
  const seen = new Set<string>();
  const entries = enabledEntriesAt(now);
  for (const plan of previous) {
    seen.add(plan.servicePlanId);
    const service = enabled.get(plan.servicePlanId);
    if (service !== undefined) {
      next.push(plan.capabilityStatus === 'Enabled' ? plan : enabledEntry(entries, plan.servicePlanId, service, now));
    } else {
      next.push(plan.capabilityStatus === 'Enabled' ? { ...plan, capabilityStatus: 'Deleted', assignedDateTime: now } : plan);
    }
  }
  for (const [servicePlanId, service] of enabled) {
    if (!seen.has(servicePlanId)) next.push(enabledEntry(entries, servicePlanId, service, now));
  }
  return next;
}

/** Whether Exchange serves a mailbox for a user of this purpose with these plans (docs/graph-behaviour.md §9). */
export function hasMailbox(purpose: string, plans: readonly AssignedPlan[]): boolean {
  if (purpose === 'shared' || purpose === 'room' || purpose === 'equipment') return true;
  return plans.some((p) => p.capabilityStatus === 'Enabled' && isExchangeMailboxPlan(p.servicePlanId));
}

export function directState(license: AssignedLicense, now: string): LicenseAssignmentState {
  return { skuId: license.skuId, disabledPlans: [...license.disabledPlans], assignedByGroup: null, state: 'Active', error: 'None', lastUpdatedDateTime: now };
}

/** What group-based licensing needs of the tenant: the SKUs, their seats in use, the exclusive plan pairs. */
export interface GroupLicensingContext {
  readonly skus: ReadonlyMap<string, SeedSku>;
  consumedUnits(skuId: string): number;
  readonly mutuallyExclusive: readonly (readonly [string, string])[];
}

/**
 * A group's license states for a member holding `held`, as group-based licensing processes them
 * (https://learn.microsoft.com/entra/identity/users/licensing-groups-resolve-problems): a SKU the member
 * does not hold needs a free seat (else CountViolation), and no SKU may enable a service plan that is
 * mutually exclusive with one the member holds (else MutuallyExclusiveViolation). "If Microsoft Entra ID
 * can't assign one of the products … it won't assign the other licenses in the group either": then every
 * state of the group is in error, and none takes a seat.
 */
export function groupLicenseStates(group: { readonly id: string; readonly assignedLicenses: readonly AssignedLicense[] }, held: readonly AssignedLicense[], tenant: GroupLicensingContext, now: string): LicenseAssignmentState[] {
  const heldPlans = enabledPlans(held, tenant.skus);
  const errors = group.assignedLicenses.map((license): LicenseAssignmentState['error'] => {
    const sku = tenant.skus.get(license.skuId);
    const seat = held.some((l) => l.skuId === license.skuId) || (sku !== undefined && tenant.consumedUnits(license.skuId) < sku.prepaidUnits.enabled);
    if (!seat) return 'CountViolation';
    const plans = enabledPlans([license], tenant.skus);
    const clash = tenant.mutuallyExclusive.some(([a, b]) => (plans.has(a) && heldPlans.has(b)) || (plans.has(b) && heldPlans.has(a)));
    return clash ? 'MutuallyExclusiveViolation' : 'None';
  });
  const blocking = errors.find((e) => e !== 'None');
  return group.assignedLicenses.map((license, index): LicenseAssignmentState => {
    if (blocking === undefined) return { ...directState(license, now), assignedByGroup: group.id };
    const own = errors[index] ?? 'None';
    return { skuId: license.skuId, disabledPlans: [...license.disabledPlans], assignedByGroup: group.id, state: 'Error', error: own === 'None' ? blocking : own, lastUpdatedDateTime: now };
  });
}
