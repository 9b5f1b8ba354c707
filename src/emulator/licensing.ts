import { isExchangeMailboxPlan } from '../domain/exchange-plans.ts';
import type { AssignedLicense, AssignedPlan, LicenseAssignmentState, SeedSku } from './model.ts';

/**
 * How licenses turn into what Graph shows: `assignedLicenses` (direct and group alike),
 * `licenseAssignmentStates` (which one is which) and `assignedPlans` (per service plan, with the
 * history that tells a lost mailbox; BEHAVIOUR.md §8). Pure functions over one user's data.
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

/** The service of a plan as `assignedPlans` names it; Exchange's is "exchange" (BEHAVIOUR.md §8). */
export function serviceOf(servicePlanName: string, servicePlanId: string): string {
  if (isExchangeMailboxPlan(servicePlanId) || /^EXCHANGE/iu.test(servicePlanName)) return 'exchange';
  const prefixes: readonly [RegExp, string][] = [
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
  return prefixes.find(([pattern]) => pattern.test(servicePlanName))?.[1] ?? servicePlanName;
}

/** The plans that the effective licenses enable: plan id → service. */
export function enabledPlans(licenses: readonly AssignedLicense[], skus: ReadonlyMap<string, SeedSku>): Map<string, string> {
  const plans = new Map<string, string>();
  for (const license of licenses) {
    const sku = skus.get(license.skuId);
    for (const plan of sku?.servicePlans ?? []) {
      if (plan.appliesTo === 'Company' || license.disabledPlans.includes(plan.servicePlanId)) continue;
      plans.set(plan.servicePlanId, serviceOf(plan.servicePlanName, plan.servicePlanId));
    }
  }
  return plans;
}

/**
 * The next `assignedPlans`: newly enabled plans are Enabled now; plans no longer provided stay
 * listed as Deleted, dated now (the emulator contract of BEHAVIOUR.md §8); the rest keep their date.
 */
export function nextAssignedPlans(previous: readonly AssignedPlan[], enabled: ReadonlyMap<string, string>, now: string): AssignedPlan[] {
  const next: AssignedPlan[] = [];
  const seen = new Set<string>();
  for (const plan of previous) {
    seen.add(plan.servicePlanId);
    const service = enabled.get(plan.servicePlanId);
    if (service !== undefined) {
      next.push(plan.capabilityStatus === 'Enabled' ? plan : { ...plan, capabilityStatus: 'Enabled', assignedDateTime: now, service });
    } else {
      next.push(plan.capabilityStatus === 'Enabled' ? { ...plan, capabilityStatus: 'Deleted', assignedDateTime: now } : plan);
    }
  }
  for (const [servicePlanId, service] of enabled) {
    if (!seen.has(servicePlanId)) next.push({ assignedDateTime: now, capabilityStatus: 'Enabled', service, servicePlanId });
  }
  return next;
}

/** Whether Exchange serves a mailbox for a user of this purpose with these plans (BEHAVIOUR.md §9). */
export function hasMailbox(purpose: string, plans: readonly AssignedPlan[]): boolean {
  if (purpose === 'shared' || purpose === 'room' || purpose === 'equipment') return true;
  return plans.some((p) => p.capabilityStatus === 'Enabled' && isExchangeMailboxPlan(p.servicePlanId));
}

export function directState(license: AssignedLicense, now: string): LicenseAssignmentState {
  return { skuId: license.skuId, disabledPlans: [...license.disabledPlans], assignedByGroup: null, state: 'Active', error: 'None', lastUpdatedDateTime: now };
}
