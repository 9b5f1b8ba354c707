import { isExchangeMailboxPlan } from '../../domain/exchange-plans.ts';
import type { ObservedLicense, ObservedLicenseState, ObservedPlan, ObservedSku } from '../../domain/observed.ts';

/**
 * How licenses show in Graph, for the in-memory tenant: the same rules as the emulator
 * (docs/graph-behaviour.md §6, §8, §9). `assignedLicenses` are the active assignments, one per SKU, a plan
 * disabled only when every assignment disables it; `assignedPlans` keep a `Deleted` entry, dated,
 * for a plan no longer provided; a mailbox exists for shared/room/equipment, or with an Enabled
 * Exchange mailbox plan.
 */
export function effectiveLicenses(states: readonly ObservedLicenseState[]): ObservedLicense[] {
  const bySku = new Map<string, string[]>();
  for (const state of states) {
    if (state.state !== 'Active' && state.state !== 'ActiveWithError') continue;
    const previous = bySku.get(state.skuId);
    bySku.set(state.skuId, previous === undefined ? [...state.disabledPlans] : previous.filter((p) => state.disabledPlans.includes(p)));
  }
  return [...bySku].map(([skuId, disabledPlans]) => ({ skuId, disabledPlans }));
}

/** Plan id → service, for the plans of each SKU that users get. */
export type PlanServices = ReadonlyMap<string, string>;

/** The service a plan shows under when nothing better is known: Exchange's is "exchange" (docs/graph-behaviour.md §8). */
export function defaultService(servicePlanId: string, servicePlanName: string): string {
  return isExchangeMailboxPlan(servicePlanId) || /^EXCHANGE/iu.test(servicePlanName) ? 'exchange' : servicePlanName;
}

/** The plans that these licenses enable: plan id → service. `services` lists user plans; without it every plan counts. */
export function enabledPlans(licenses: readonly ObservedLicense[], skus: ReadonlyMap<string, ObservedSku>, services: PlanServices | undefined): Map<string, string> {
  const plans = new Map<string, string>();
  for (const license of licenses) {
    for (const plan of skus.get(license.skuId)?.servicePlans ?? []) {
      if (license.disabledPlans.includes(plan.servicePlanId)) continue;
      const service = services === undefined ? defaultService(plan.servicePlanId, plan.servicePlanName) : services.get(plan.servicePlanId);
      if (service !== undefined) plans.set(plan.servicePlanId, service);
    }
  }
  return plans;
}

/** Newly enabled plans are Enabled now; plans no longer provided stay listed as Deleted, dated now; the rest keep their date. */
export function nextAssignedPlans(previous: readonly ObservedPlan[], enabled: ReadonlyMap<string, string>, now: string): ObservedPlan[] {
  const next: ObservedPlan[] = [];
  const seen = new Set<string>();
  for (const plan of previous) {
    seen.add(plan.servicePlanId);
    const service = enabled.get(plan.servicePlanId);
    if (service !== undefined) next.push(plan.capabilityStatus === 'Enabled' ? plan : { assignedDateTime: now, capabilityStatus: 'Enabled', service, servicePlanId: plan.servicePlanId });
    else next.push(plan.capabilityStatus === 'Enabled' ? { ...plan, capabilityStatus: 'Deleted', assignedDateTime: now } : plan);
  }
  for (const [servicePlanId, service] of enabled) {
    if (!seen.has(servicePlanId)) next.push({ assignedDateTime: now, capabilityStatus: 'Enabled', service, servicePlanId });
  }
  return next;
}

export function hasMailbox(purpose: string, plans: readonly ObservedPlan[]): boolean {
  if (purpose === 'shared' || purpose === 'room' || purpose === 'equipment') return true;
  return plans.some((p) => p.capabilityStatus === 'Enabled' && isExchangeMailboxPlan(p.servicePlanId));
}

export function directState(license: ObservedLicense): ObservedLicenseState {
  return { skuId: license.skuId, disabledPlans: [...license.disabledPlans], assignedByGroup: null, state: 'Active', error: 'None' };
}

/** Addresses compare without their `smtp:` prefix and case-insensitively (one rule with the planner's). */
export { addressKey } from '../../domain/tenant-index.ts';

/** The soft-deleted UPN: the id without hyphens, then the original UPN (docs/graph-behaviour.md §1). */
export function deletedUserPrincipalName(id: string, upn: string): string {
  return `${id.replace(/-/gu, '').toLowerCase()}${upn}`;
}

/** The original UPN of a soft-deleted user: the id prefix removed when present (docs/reconciliation.md §2). */
export function originalUserPrincipalName(id: string, upn: string): string {
  const prefix = id.replace(/-/gu, '').toLowerCase();
  return upn.toLowerCase().startsWith(prefix) ? upn.slice(prefix.length) : upn;
}
