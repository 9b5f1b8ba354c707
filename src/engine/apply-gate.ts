import type { Plan } from '../domain/plan.ts';
import type { PlanOutcome } from './reconcile.ts';
import { stalePrincipals } from './saved-plan.ts';

/** A fresh plan of the tenant, made with the credentials that are about to write. */
export type FreshPlan = Extract<PlanOutcome, { readonly kind: 'planned' }>;

/** What may be applied, or why nothing may be. */
export type ApplyGate =
  | { readonly kind: 'go'; readonly plan: Plan }
  /** Nothing may be written; `reason` says why and what to do, in one sentence or a short list. */
  | { readonly kind: 'refused'; readonly reason: string };

export interface ApplyGateInput {
  /** A plan made just now, of the same policy, with the applying credentials. */
  readonly fresh: FreshPlan;
  /** The reviewed plan (`tenantctl plan --out`) and the name to call it by; without it the fresh plan is applied. */
  readonly saved?: { readonly plan: Plan; readonly name: string };
  /** Refuse a plan with more changes than this. */
  readonly maxChanges?: number;
}

/**
 * The one rule for whether a plan may be applied (docs/reconciliation.md §9, §10): a saved plan
 * runs exactly as reviewed only while it is still true — same tenant, same policy, and a fresh plan
 * would change every principal it touches in the same way — and any plan only with credentials that
 * can make its changes, and within `maxChanges`.
 */
export function gateApply(input: ApplyGateInput): ApplyGate {
  const { fresh, saved } = input;
  const refuse = (reason: string): ApplyGate => ({ kind: 'refused', reason });
  if (saved) {
    if (saved.plan.tenantId.toLowerCase() !== fresh.plan.tenantId.toLowerCase()) return refuse(`${saved.name} is for tenant ${saved.plan.tenantId}, but the credentials reach ${fresh.plan.tenantId}`);
    if (saved.plan.policyDigest !== fresh.plan.policyDigest) return refuse(`the policy changed since ${saved.name} was made (its digest differs); run plan again`);
    const stale = stalePrincipals(saved.plan, fresh.plan);
    if (stale.length > 0) return refuse(`plan is stale: ${stale.join(', ')} changed since it was made; run plan again`);
  }
  // Apply checks its own credentials (the fresh plan's): a plan made by a read-only identity carries these as warnings.
  const blockers = fresh.applyBlockers;
  if (blockers.length > 0) {
    const what = blockers.some((d) => d.code === 'tenant-mismatch') ? 'the credentials reach another tenant' : 'these credentials cannot make the plan\'s changes';
    return refuse(`${what}:\n${blockers.map((d) => `  ${d.code}  ${d.message}`).join('\n')}`);
  }
  const plan = saved?.plan ?? fresh.plan;
  if (input.maxChanges !== undefined && plan.changes.length > input.maxChanges) return refuse(`the plan has ${plan.changes.length} changes, more than --max-changes ${input.maxChanges}`);
  return { kind: 'go', plan };
}
