import { appendFile, readFile } from 'node:fs/promises';
import path from 'node:path';
import { hasErrors } from '../domain/diagnostics.ts';
import type { Plan } from '../domain/plan.ts';
import { applyPlan } from '../engine/apply.ts';
import { newUserPassword } from '../engine/passwords.ts';
import { planTenant } from '../engine/reconcile.ts';
import { gateApply } from '../engine/apply-gate.ts';
import { parseSavedPlan, SavedPlanError } from '../domain/plan-format.ts';
import type { ApplyReport } from '../render/apply-report.ts';
import { renderApplyJson } from '../render/apply-json.ts';
import { renderAuditLine } from '../render/apply-audit.ts';
import { renderApplyText } from '../render/apply-text.ts';
import { renderValidationText } from '../render/diagnostics.ts';
import { renderPlanText } from '../render/plan-text.ts';
import type { TenantReader, TenantWriter } from '../tenant/port.ts';
import type { Outcome } from './exit-codes.ts';
import type { CliIo } from './io.ts';
import { useColour } from './io.ts';

export type ApplyFormat = 'text' | 'json';

export interface ApplyCommandOptions {
  readonly autoApprove: boolean;
  /** How the result is printed on stdout (docs/cli-reference.md §4); default text. */
  readonly format?: ApplyFormat;
  readonly maxChanges?: string;
  readonly auditLog?: string;
  /** With a saved plan: the policy it was made from (default policies/), to check it has not changed. */
  readonly policy?: string[];
}

type Tenant = TenantReader & TenantWriter;

/**
 * `tenantctl apply [PLAN.json | PATH...]`: runs a reviewed plan. A saved plan runs exactly as
 * saved, after a fresh plan shows nothing it touches changed; otherwise it plans, shows the plan and
 * asks (or takes --auto-approve). Exit 0 when everything applied, 1 when anything failed or was refused.
 * The result is a view (src/render/apply-*.ts): text, or with --format json one document on stdout,
 * the plan's preview then going to stderr so that stdout stays parseable.
 */
export async function runApplyCommand(args: readonly string[], options: ApplyCommandOptions, io: CliIo, tenant: Tenant): Promise<Outcome> {
  const [first] = args;
  const saved = args.length === 1 && first !== undefined && first.toLowerCase().endsWith('.json');
  const refuse = (message: string): Outcome => {
    io.stderr.write(`tenantctl apply: ${message}\nNothing was changed.\n`);
    return { kind: 'invalid-input' };
  };
  const maxChanges = options.maxChanges === undefined ? undefined : Number(options.maxChanges);
  if (maxChanges !== undefined && (!Number.isInteger(maxChanges) || maxChanges < 0)) return refuse(`--max-changes takes a whole number, not "${options.maxChanges}"`);

  // A saved plan is read and checked before the tenant is: a damaged one costs no Graph request.
  let reviewed: { plan: Plan; name: string } | undefined;
  if (saved) {
    try {
      reviewed = { plan: parseSavedPlan(await readFile(path.resolve(io.cwd, first), 'utf8'), first), name: first };
    } catch (error) {
      if (error instanceof SavedPlanError) return refuse(error.message);
      return refuse(`cannot read ${first}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  const paths = saved ? (options.policy ?? []) : args;
  const fresh = await planTenant({ paths, cwd: io.cwd, reader: tenant, now: io.now() });
  if (fresh.kind === 'invalid-policy') {
    io.stderr.write(renderValidationText({ diagnostics: fresh.diagnostics, files: [] }, { color: useColour(io) }));
    return refuse('the policy is invalid; run tenantctl validate');
  }
  const gate = gateApply({ fresh, ...(reviewed ? { reviewed: { kind: 'saved-plan' as const, ...reviewed } } : {}), ...(maxChanges === undefined ? {} : { maxChanges }) });
  if (gate.kind === 'refused') return refuse(gate.reason);
  const plan = gate.plan;
  const format = options.format ?? 'text';
  if (!saved) {
    // In json mode stdout holds the result only; the preview is for the person confirming (or the log).
    const preview = format === 'json' ? io.stderr : io.stdout;
    preview.write(renderPlanText(plan, { color: useColour({ ...io, stdout: preview }) }));
  }
  if (plan.changes.length === 0) {
    printResult({ plan, outcomes: [] }, format, io);
    return hasErrors(plan.diagnostics) ? { kind: 'invalid-input' } : { kind: 'success' };
  }
  if (!options.autoApprove) {
    if (!io.confirm) return refuse('there is no terminal to confirm on; review the plan, then run with --auto-approve (or apply a saved plan in a pipeline with --auto-approve)');
    const yes = await io.confirm(`Apply these ${plan.changes.length} changes to tenant ${plan.tenantId}? Only "yes" is accepted: `);
    if (!yes) return refuse('not confirmed');
  }

  const progress = io.stderr.isTTY === true;
  let done = 0;
  const audit: string[] = [];
  const result = await applyPlan(plan, tenant, {
    newPassword: newUserPassword,
    onOutcome: (outcome) => {
      done++;
      if (progress) io.stderr.write(`\r${done}/${plan.changes.length} changes`);
      if (options.auditLog !== undefined) audit.push(renderAuditLine(outcome, io.now()));
    },
  });
  if (progress) io.stderr.write('\n');
  if (options.auditLog !== undefined) await appendFile(path.resolve(io.cwd, options.auditLog), audit.join(''), 'utf8');
  printResult({ plan, outcomes: result.outcomes }, format, io);
  return result.outcomes.some((o) => o.status === 'failed') || hasErrors(plan.diagnostics) ? { kind: 'invalid-input' } : { kind: 'success' };
}

/** Apply's result: the JSON document on stdout, or the text view with its problems on stderr and its summary on stdout. */
function printResult(report: ApplyReport, format: ApplyFormat, io: CliIo): void {
  if (format === 'json') {
    io.stdout.write(renderApplyJson(report));
    return;
  }
  const view = renderApplyText(report);
  for (const [stream, text] of [[io.stderr, view.failures], [io.stdout, view.summary], [io.stderr, view.blocked]] as const) {
    if (text !== '') stream.write(text);
  }
}
