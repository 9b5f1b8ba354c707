import path from 'node:path';
import type { Diagnostic } from '../domain/diagnostics.ts';
import { hasErrors } from '../domain/diagnostics.ts';
import type { ChangeOutcome } from '../domain/outcome.ts';
import type { Plan } from '../domain/plan.ts';
import type { PolicyResult } from '../policy/load.ts';
import { applyPlan } from '../engine/apply.ts';
import { newUserPassword } from '../engine/passwords.ts';
import { planTenant } from '../engine/reconcile.ts';
import type { FreshPlan } from '../engine/apply-gate.ts';
import { gateApply, wholeOutcome } from '../engine/apply-gate.ts';
import { planSavedPlanAfresh } from '../engine/saved-plan-fresh.ts';
import { describeSelection, sameSelection } from '../domain/partial-plan.ts';
import { readSavedPlanFile } from './saved-plan-file.ts';
import type { ApplyReport } from '../render/apply-report.ts';
import { renderApplyJson } from '../render/apply-json.ts';
import { renderAuditLine } from '../render/apply-audit.ts';
import { renderApplyText, renderOutcomeLine } from '../render/apply-text.ts';
import { renderValidationText } from '../render/diagnostics.ts';
import { renderPlanText } from '../render/plan-text.ts';
import type { TenantReader, TenantWriter } from '../tenant/port.ts';
import type { Outcome } from './exit-codes.ts';
import type { CliIo } from './io.ts';
import { planningTime, useColour } from './io.ts';
import { checkOutputFile } from './output-path.ts';
import type { AuditLog } from './audit-log.ts';
import { openAuditLog } from './audit-log.ts';

export type ApplyFormat = 'text' | 'json';

export interface ApplyCommandOptions {
  readonly autoApprove: boolean;
  /** How the result is printed on stdout (docs/cli-reference.md §4); default text. */
  readonly format?: ApplyFormat;
  readonly maxChanges?: string;
  readonly allowLicenseRemovals?: boolean;
  readonly auditLog?: string;
  /** With a saved plan: the policy to compare it with (default: the paths the plan records, else policies/). */
  readonly policy?: string[];
  /** `--only UPN` (repeatable): apply only these principals' changes (a partial plan). */
  readonly only?: readonly string[];
}

type Tenant = TenantReader & TenantWriter;

/**
 * `tenantctl apply [PLAN.json | PATH...]`: runs a reviewed plan. A saved plan runs exactly as
 * saved, after a fresh plan shows nothing it touches changed; otherwise it plans, shows the plan and
 * asks (or takes --auto-approve). Exit 0 when everything applied, 1 when anything failed or was refused.
 * The result is a view (src/render/apply-*.ts): text, or with --format json one document on stdout,
 * the plan's preview then going to stderr so that stdout stays parseable.
 */
export async function runApplyCommand(args: readonly string[], options: ApplyCommandOptions, io: CliIo, tenant: Tenant, onReport?: (report: ApplyReport) => void, policy?: PolicyResult): Promise<Outcome> {
  const [first] = args;
  const saved = args.length === 1 && first !== undefined && first.toLowerCase().endsWith('.json');
  const refuse = (message: string): Outcome => {
    io.stderr.write(`tenantctl apply: ${message}\nNothing was changed.\n`);
    return { kind: 'invalid-input' };
  };
  // Digits only: Number() would also take "1e3", "0x10", " 5" and round 99999999999999999999.
  const maxChanges = options.maxChanges === undefined || !/^\d{1,15}$/u.test(options.maxChanges) ? undefined : Number(options.maxChanges);
  if (options.maxChanges !== undefined && maxChanges === undefined) return refuse(`--max-changes takes a whole number of changes (digits only, such as 50), not ${JSON.stringify(options.maxChanges)}`);

  // A saved plan is read and checked before the tenant is: a damaged one costs no Graph request.
  let reviewed: { plan: Plan; name: string } | undefined;
  if (saved) {
    const read = await readSavedPlanFile(first, io.cwd);
    if ('problem' in read) return refuse(read.problem);
    reviewed = { plan: read.plan, name: first };
  }
  // The audit log's path is checked before the tenant is read: one that cannot be written costs no
  // Graph request. The file itself is created with the first outcome, so a refused apply leaves none.
  let audit: AuditLog | undefined;
  if (options.auditLog !== undefined) {
    const problem = await checkOutputFile(options.auditLog, io.cwd);
    if (problem !== undefined) return refuse(`--audit-log: ${problem}`);
    audit = openAuditLog(path.resolve(io.cwd, options.auditLog));
  }
  try {
    return await planAndApply({ args, saved, reviewed, maxChanges, options, audit, ...(onReport === undefined ? {} : { onReport }), ...(policy === undefined ? {} : { policy }) }, io, tenant, refuse);
  } finally {
    audit?.close();
  }
}

/** What runApplyCommand has read and checked before the tenant is read. */
interface ApplyInputs {
  readonly args: readonly string[];
  readonly saved: boolean;
  readonly reviewed: { plan: Plan; name: string } | undefined;
  readonly maxChanges: number | undefined;
  readonly options: ApplyCommandOptions;
  readonly audit: AuditLog | undefined;
  readonly onReport?: (report: ApplyReport) => void;
  /** The policy at `args`, already read (many-tenant runs). */
  readonly policy?: PolicyResult;
}

/** Plan, gate, confirm, apply; each outcome goes to the audit log as it is known. */
async function planAndApply(inputs: ApplyInputs, io: CliIo, tenant: Tenant, refuse: (message: string) => Outcome): Promise<Outcome> {
  const { saved, reviewed, maxChanges, options, audit } = inputs;
  if (reviewed && options.only !== undefined && !sameSelection(options.only, reviewed.plan.only)) {
    return refuse(`${reviewed.name} covers ${describeSelection(reviewed.plan.only)}, and a saved plan is applied exactly as reviewed; leave out --only, or make a plan for those principals with: tenantctl plan --only UPN --out FILE`);
  }
  const planned = await freshPlan(inputs, io, tenant);
  if (planned.kind === 'refused') {
    io.stderr.write(renderValidationText({ diagnostics: planned.diagnostics, files: [] }, { color: useColour(io) }));
    return refuse(planned.reason);
  }
  const { fresh, policySource } = planned;
  const gate = gateApply({ fresh, ...(reviewed ? { reviewed: { kind: 'saved-plan' as const, ...reviewed } } : {}), ...(policySource === undefined ? {} : { policySource }), ...(maxChanges === undefined ? {} : { maxChanges }), allowLicenseRemovals: options.allowLicenseRemovals === true });
  if (gate.kind === 'refused') return refuse(gate.reason);
  const plan = gate.plan;
  const format = options.format ?? 'text';
  if (!saved) {
    // In json mode stdout holds the result only; the preview is for the person confirming (or the log).
    const preview = format === 'json' ? io.stderr : io.stdout;
    preview.write(renderPlanText(plan, { color: useColour({ ...io, stdout: preview }) }));
  }
  // Changes of the reviewed plan that an interrupted earlier apply made: reported as done, not made again.
  const report = (outcomes: readonly ChangeOutcome[]): ApplyReport => (reviewed ? wholeOutcome(gate, outcomes, reviewed.plan) : { plan, outcomes });
  // Without a terminal (a pipeline's log), each change and its outcome as it lands, on stdout; never in
  // --format json, whose stdout is one document. With a terminal, a counter on stderr instead.
  const progress = io.stderr.isTTY === true;
  const stream = !progress && format === 'text';
  const landed = (outcome: ChangeOutcome): void => {
    if (stream) io.stdout.write(renderOutcomeLine(outcome));
    // Each line as its outcome is known, with the real time (not the planning time TENANTCTL_NOW fixes).
    audit?.write(renderAuditLine(outcome, io.clock()));
  };
  if (plan.changes.length === 0) {
    for (const outcome of gate.done) landed(outcome);
    inputs.onReport?.(report([]));
    printResult(report([]), format, io);
    return hasErrors(plan.diagnostics) ? { kind: 'invalid-input' } : { kind: 'success' };
  }
  if (!options.autoApprove) {
    if (!io.confirm) return refuse('there is no terminal to confirm on; review the plan, then run with --auto-approve (or apply a saved plan in a pipeline with --auto-approve)');
    const yes = await io.confirm(`Apply these ${plan.changes.length} changes to tenant ${plan.tenantId}? Only "yes" is accepted: `);
    if (!yes) return refuse('not confirmed');
  }

  // Changes an interrupted earlier apply made: reported (and logged) as done, first.
  for (const outcome of gate.done) landed(outcome);
  let done = 0;
  const result = await applyPlan(plan, tenant, {
    newPassword: newUserPassword,
    onOutcome: (outcome) => {
      done++;
      if (progress) io.stderr.write(`\r${done}/${plan.changes.length} changes`);
      landed(outcome);
    },
  });
  if (progress) io.stderr.write('\n');
  inputs.onReport?.(report(result.outcomes));
  printResult(report(result.outcomes), format, io);
  if (audit?.failure !== undefined) {
    io.stderr.write(`tenantctl apply: the audit log ${options.auditLog ?? ''} could not be written (${audit.failure}); ${audit.missing} of ${result.outcomes.length} outcomes are missing from it.\n`);
    return { kind: 'invalid-input' };
  }
  return result.outcomes.some((o) => o.status === 'failed') || hasErrors(plan.diagnostics) ? { kind: 'invalid-input' } : { kind: 'success' };
}

/**
 * The fresh plan to gate: a saved plan's is made by planSavedPlanAfresh (its recorded policy or
 * --policy, its principals); with policy paths, of those paths and --only.
 */
async function freshPlan(inputs: ApplyInputs, io: CliIo, tenant: Tenant): Promise<{ readonly kind: 'planned'; readonly fresh: FreshPlan; readonly policySource?: string } | { readonly kind: 'refused'; readonly reason: string; readonly diagnostics: readonly Diagnostic[] }> {
  const { args, reviewed, options } = inputs;
  if (reviewed) {
    const again = await planSavedPlanAfresh({ saved: reviewed.plan, name: reviewed.name, ...(options.policy === undefined ? {} : { given: options.policy }), cwd: io.cwd, reader: tenant, ...planningTime(io) });
    return again.kind === 'planned' ? { kind: 'planned', fresh: again.fresh, policySource: again.policy.said } : again;
  }
  const fresh = await planTenant({ paths: args, cwd: io.cwd, reader: tenant, ...planningTime(io), ...(options.only === undefined ? {} : { only: options.only }), ...(inputs.policy === undefined ? {} : { policy: inputs.policy }) });
  if (fresh.kind === 'planned') return { kind: 'planned', fresh };
  return { kind: 'refused', reason: fresh.selection ? '--only names a principal the policy does not declare' : 'the policy is invalid; run tenantctl validate', diagnostics: fresh.diagnostics };
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
