import { hasErrors } from '../domain/diagnostics.ts';
import { planTenant } from '../engine/reconcile.ts';
import { renderValidationText } from '../render/diagnostics.ts';
import { renderPlanJson } from '../domain/plan-format.ts';
import type { PlanView } from '../render/plan-view.ts';
import { renderPlanView } from '../render/plan-view.ts';
import type { Plan } from '../domain/plan.ts';
import type { PolicyResult } from '../policy/load.ts';
import type { TenantReader } from '../tenant/port.ts';
import type { Outcome } from './exit-codes.ts';
import type { CliIo } from './io.ts';
import { planningTime, useColour } from './io.ts';
import { checkOutputFile, writeOutputFile } from './output-path.ts';

export type PlanFormat = PlanView;

export interface PlanCommandOptions {
  readonly out?: string;
  readonly format: PlanFormat;
  readonly detailedExitcode: boolean;
  /** `--only UPN` (repeatable): plan only these principals (a partial plan). */
  readonly only?: readonly string[];
}

/**
 * `tenantctl plan [PATH...]`: what apply would change, for review. Exit 0 no changes (or changes
 * without --detailed-exitcode), 2 changes with --detailed-exitcode, 1 an invalid policy, a refused
 * plan or any error diagnostic, or an --out that cannot be written (checked before the tenant is read).
 */
export async function runPlanCommand(paths: readonly string[], options: PlanCommandOptions, io: CliIo, reader: TenantReader, onPlan?: (plan: Plan) => void, policy?: PolicyResult): Promise<Outcome> {
  if (options.out !== undefined) {
    // Before anything is read: a path that cannot be written should cost no Graph request.
    const problem = await checkOutputFile(options.out, io.cwd);
    if (problem !== undefined) {
      io.stderr.write(`tenantctl: --out: ${problem}. Nothing was read from the tenant.\n`);
      return { kind: 'invalid-input' };
    }
  }
  const outcome = await planTenant({ paths, cwd: io.cwd, reader, ...planningTime(io), ...(options.only === undefined ? {} : { only: options.only }), ...(policy === undefined ? {} : { policy }) });
  if (outcome.kind === 'invalid-policy') {
    io.stderr.write(renderValidationText({ diagnostics: outcome.diagnostics, files: [] }, { color: useColour(io) }));
    io.stderr.write(outcome.selection ? '--only names a principal the policy does not declare: nothing was read from the tenant.\n' : 'The policy is invalid: nothing was read from the tenant. Run tenantctl validate for details.\n');
    return { kind: 'invalid-input' };
  }
  const { plan } = outcome;
  onPlan?.(plan);
  if (options.out !== undefined) await writeOutputFile(options.out, io.cwd, renderPlanJson(plan));
  io.stdout.write(renderPlanView(plan, options.format, useColour(io)));
  if (options.out !== undefined) io.stderr.write(`Saved the plan to ${options.out}; apply exactly it with: tenantctl apply ${options.out}\n`);
  if (hasErrors(plan.diagnostics)) return { kind: 'invalid-input' };
  return plan.changes.length > 0 ? { kind: 'changes-present', detailedExitCode: options.detailedExitcode } : { kind: 'success' };
}
