import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Plan } from '../domain/plan.ts';
import { MAX_SAVED_PLAN_BYTES, parseSavedPlan, SavedPlanError, savedPlanTooLarge } from '../domain/plan-format.ts';
import type { PlanView } from '../render/plan-view.ts';
import { renderPlanView } from '../render/plan-view.ts';
import type { Outcome } from './exit-codes.ts';
import type { CliIo } from './io.ts';
import { useColour } from './io.ts';
import { reasonOf } from './output-path.ts';

export type ShowFormat = PlanView;

export interface ShowCommandOptions {
  readonly format: ShowFormat;
}

/**
 * `tenantctl show PLAN.json`: prints a plan saved by `plan --out` with the renderers `plan` uses
 * (text, markdown, or json: the canonical saved-plan bytes). Offline: no tenant is read, no
 * credentials are needed. The file is checked as `apply` checks it (parseSavedPlan): a damaged or
 * edited plan, or a formatVersion this tenantctl does not read, is refused with the reason, exit 1.
 * A plan that is shown exits 0 whatever it holds, as `terraform show` does: its errors are in what
 * is printed, and `plan`/`apply` are the commands whose exit code judges a plan.
 */
export async function runShowCommand(planFile: string, options: ShowCommandOptions, io: CliIo): Promise<Outcome> {
  let plan: Plan;
  try {
    plan = await readSavedPlan(planFile, io.cwd);
  } catch (error) {
    const message = error instanceof SavedPlanError ? error.message : `cannot read ${planFile}: ${reasonOf(error)}`;
    io.stderr.write(`tenantctl show: ${message}\n`);
    return { kind: 'invalid-input' };
  }
  io.stdout.write(renderPlanView(plan, options.format, useColour(io)));
  return { kind: 'success' };
}

/** The saved plan at `file` (relative to `cwd`); refused by its size before it is read, as apply does. */
async function readSavedPlan(file: string, cwd: string): Promise<Plan> {
  const resolved = path.resolve(cwd, file);
  const { size } = await stat(resolved);
  if (size > MAX_SAVED_PLAN_BYTES) throw savedPlanTooLarge(file, size);
  return parseSavedPlan(await readFile(resolved, 'utf8'), file);
}
