import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { Diagnostic } from '../domain/diagnostics.ts';
import type { Plan } from '../domain/plan.ts';
import { DEFAULT_POLICY_PATHS } from '../policy/load.ts';
import type { TenantReader } from '../tenant/port.ts';
import type { FreshPlan } from './apply-gate.ts';
import { planTenant } from './reconcile.ts';

/**
 * The one home of how a saved plan is planned again before it is applied (docs/reconciliation.md §10):
 * which policy it is compared with, for which principals, and the refusal when that policy cannot be
 * planned. The CLI's `apply PLAN.json` and the library's applySavedPlan both ask here, then gateApply.
 */

/** The policy a saved plan is checked against, and how a message names it. */
export interface SavedPlanPolicy {
  /** The paths to plan afresh (relative to the working directory); empty: the default, DEFAULT_POLICY_PATHS. */
  readonly paths: readonly string[];
  /** "the policy in tenants/prod (recorded in plan.json)": for gateApply's policySource and other refusals. */
  readonly said: string;
  /** Where the paths come from: given by the caller (`--policy`), recorded in the plan, or the default. */
  readonly from: 'given' | 'recorded' | 'default';
}

/**
 * The one rule for which policy `apply PLAN.json` compares a saved plan with: the paths given
 * (`--policy`), else those the plan records (Plan.policyPaths, relative to the directory plan ran in),
 * else — a plan made before they were recorded — the default, policies/.
 */
export function savedPlanPolicy(saved: Plan, name: string, given: readonly string[] | undefined, givenAs = '--policy'): SavedPlanPolicy {
  if (given !== undefined && given.length > 0) return { paths: given, said: `the policy in ${given.join(', ')} (${givenAs})`, from: 'given' };
  const recorded = saved.policyPaths ?? [];
  if (recorded.length > 0) return { paths: recorded, said: `the policy in ${recorded.join(', ')} (recorded in ${name})`, from: 'recorded' };
  return { paths: [], said: `the policy in ${DEFAULT_POLICY_PATHS.join(', ')} (the default: ${name} records no policy paths)`, from: 'default' };
}

export interface SavedPlanAfreshInput {
  readonly saved: Plan;
  /** What to call the plan in messages (its file name). */
  readonly name: string;
  /** Policy paths given by the caller, relative to `cwd`; absent or empty: see savedPlanPolicy. */
  readonly given?: readonly string[];
  /** How a message names the given paths: `--policy` (the CLI) or `paths` (the library). */
  readonly givenAs?: string;
  readonly cwd: string;
  readonly reader: TenantReader;
  readonly now: string;
  readonly fixedNow?: string;
}

export type SavedPlanAfresh =
  | { readonly kind: 'planned'; readonly fresh: FreshPlan; readonly policy: SavedPlanPolicy }
  /** The policy cannot be planned: `reason` says why and what to do; `diagnostics` are the policy's (or the selection's). */
  | { readonly kind: 'refused'; readonly code: 'invalid-policy'; readonly reason: string; readonly diagnostics: readonly Diagnostic[] };

/**
 * A fresh plan to compare a saved plan with: of the policy savedPlanPolicy picks, and for a partial
 * plan (`--only`) of the same principals, so that like is compared with like.
 */
export async function planSavedPlanAfresh(input: SavedPlanAfreshInput): Promise<SavedPlanAfresh> {
  const { saved, name } = input;
  const policy = savedPlanPolicy(saved, name, input.given, input.givenAs);
  const fresh = await planTenant({
    paths: policy.paths,
    cwd: input.cwd,
    reader: input.reader,
    now: input.now,
    ...(input.fixedNow === undefined ? {} : { fixedNow: input.fixedNow }),
    ...(saved.only === undefined ? {} : { only: saved.only }),
  });
  if (fresh.kind === 'planned') return { kind: 'planned', fresh, policy };
  const refused = (reason: string): SavedPlanAfresh => ({ kind: 'refused', code: 'invalid-policy', reason, diagnostics: fresh.diagnostics });
  if (fresh.selection) {
    const gone = fresh.diagnostics.flatMap((d) => (d.userPrincipalName === undefined ? [] : [d.userPrincipalName]));
    return refused(`${name} is partial (--only), and ${policy.said} no longer declares ${gone.join(', ')}; run plan again`);
  }
  const missing = policy.from === 'recorded' ? await missingPaths(policy.paths, input.cwd) : [];
  if (missing.length > 0) {
    return refused(
      `${name} records its policy paths relative to the directory plan ran in, and ${missing.join(', ')} ${missing.length === 1 ? 'does' : 'do'} not exist here (${input.cwd}): ` +
        `run apply from the directory plan ran in, or pass --policy PATH`,
    );
  }
  return refused(`${policy.said} is invalid; run tenantctl validate`);
}

/** The paths that do not exist, relative to `cwd`. */
async function missingPaths(paths: readonly string[], cwd: string): Promise<string[]> {
  const exists = await Promise.all(paths.map((p) => stat(path.resolve(cwd, p)).then(() => true, () => false)));
  return paths.filter((_, i) => !exists[i]);
}
