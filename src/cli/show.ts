import type { PlanView } from '../render/plan-view.ts';
import { renderPlanView } from '../render/plan-view.ts';
import type { Outcome } from './exit-codes.ts';
import type { CliIo } from './io.ts';
import { useColour } from './io.ts';
import { readSavedPlanFile } from './saved-plan-file.ts';

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
  const read = await readSavedPlanFile(planFile, io.cwd);
  if ('problem' in read) {
    io.stderr.write(`tenantctl show: ${read.problem}\n`);
    return { kind: 'invalid-input' };
  }
  io.stdout.write(renderPlanView(read.plan, options.format, useColour(io)));
  return { kind: 'success' };
}
