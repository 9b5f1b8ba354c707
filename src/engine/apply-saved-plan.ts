import type { Plan } from '../domain/plan.ts';
import type { TenantReader, TenantWriter } from '../tenant/port.ts';
import type { ChangeOutcome } from './apply.ts';
import { applyPlan } from './apply.ts';
import type { RefusalCode } from './apply-gate.ts';
import { gateApply, wholeOutcome } from './apply-gate.ts';
import { newUserPassword } from './passwords.ts';
import { planSavedPlanAfresh } from './saved-plan-fresh.ts';
import { parseSavedPlan, SavedPlanError } from '../domain/plan-format.ts';
import { summariseOutcomes } from '../render/apply-text.ts';

export interface ApplySavedPlanInput {
  /** The saved plan's text, as `tenantctl plan --out FILE` (or renderPlanJson) wrote it. */
  readonly planText: string;
  /** What to call the plan in messages (a file name); default "the saved plan". */
  readonly planName?: string;
  /**
   * The policy files or directories to compare the plan with, relative to `cwd`. Absent or empty: those
   * the plan records it was made from (Plan.policyPaths), else policies/ (savedPlanPolicy in saved-plan-fresh.ts).
   */
  readonly paths?: readonly string[];
  readonly cwd: string;
  /** The tenant to write to, e.g. `connectGraphTenant(...).tenant`. */
  readonly tenant: TenantReader & TenantWriter;
  /** The local clock (ISO 8601): the fresh plan's time when the tenant does not say its own. */
  readonly now: string;
  /** A fixed time for the fresh plan (TENANTCTL_NOW), before the tenant's clock. */
  readonly fixedNow?: string;
  /** Refuse a plan with more changes than this. */
  readonly maxChanges?: number;
  /** Let license removals from many principals through (the CLI's --allow-license-removals). */
  readonly allowLicenseRemovals?: boolean;
  /** Called as each change ends, in completion order. */
  readonly onOutcome?: (outcome: ChangeOutcome) => void;
}

export type ApplySavedPlanResult =
  /**
   * Nothing was written: the plan is unreadable (`invalid-plan`), the policy is invalid (`invalid-policy`),
   * or the apply gate refused it (stale, another tenant, credentials that cannot apply it: gateApply's codes).
   */
  | { readonly kind: 'refused'; readonly code: RefusalCode | 'invalid-plan' | 'invalid-policy'; readonly reason: string }
  | {
      readonly kind: 'applied';
      readonly plan: Plan;
      /** One per change: applied, failed (with Graph's error) or skipped (with the reason). */
      readonly outcomes: readonly ChangeOutcome[];
      /** "Apply complete: …", as the CLI prints it. */
      readonly summary: string;
    };

/**
 * Applies a reviewed plan exactly as saved, as `tenantctl apply PLAN.json --auto-approve` does: reads
 * it, plans the same policy afresh with these credentials, and writes only when the gate lets it
 * (gateApply). Never throws for a bad plan; the tenant adapter's own errors (sign-in, network) do.
 */
export async function applySavedPlan(input: ApplySavedPlanInput): Promise<ApplySavedPlanResult> {
  const name = input.planName ?? 'the saved plan';
  let saved: Plan;
  try {
    saved = parseSavedPlan(input.planText, name);
  } catch (error) {
    if (error instanceof SavedPlanError) return { kind: 'refused', code: 'invalid-plan', reason: error.message };
    throw error;
  }
  // The policy it records (or `paths`), planned afresh; a partial plan (--only) for the same principals.
  const again = await planSavedPlanAfresh({ saved, name, ...(input.paths === undefined ? {} : { given: input.paths }), givenAs: 'paths', cwd: input.cwd, reader: input.tenant, now: input.now, ...(input.fixedNow === undefined ? {} : { fixedNow: input.fixedNow }) });
  if (again.kind === 'refused') return { kind: 'refused', code: again.code, reason: again.reason };
  const { fresh, policy } = again;
  const gate = gateApply({ fresh, reviewed: { kind: 'saved-plan', plan: saved, name }, policySource: policy.said, ...(input.maxChanges === undefined ? {} : { maxChanges: input.maxChanges }), allowLicenseRemovals: input.allowLicenseRemovals === true });
  if (gate.kind === 'refused') return gate;
  // Changes an interrupted earlier apply of this plan made are reported as done, first.
  for (const outcome of gate.done) input.onOutcome?.(outcome);
  const result = await applyPlan(gate.plan, input.tenant, { newPassword: newUserPassword, ...(input.onOutcome ? { onOutcome: input.onOutcome } : {}) });
  const whole = wholeOutcome(gate, result.outcomes, saved);
  return { kind: 'applied', plan: whole.plan, outcomes: whole.outcomes, summary: summariseOutcomes(whole.outcomes) };
}
