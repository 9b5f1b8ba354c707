import type { Plan } from '../domain/plan.ts';
import type { PolicyResult } from '../policy/load.ts';
import type { TenantFolder } from '../policy/tenants.ts';
import { discoverTenants, loadTenantPolicy, sharedTenantIds } from '../policy/tenants.ts';
import type { ApplyReport } from '../render/apply-report.ts';
import { renderValidationText } from '../render/diagnostics.ts';
import type { TenantSection, TenantsFormat } from '../render/tenants-report.ts';
import { renderTenantsReport } from '../render/tenants-report.ts';
import type { Outcome } from './exit-codes.ts';
import { aggregateOutcomes, exitCodeFor } from './exit-codes.ts';
import { describeFailure } from './failures.ts';
import type { CliIo } from './io.ts';
import { tenantEnvironment } from './tenant-env.ts';

/**
 * `plan` and `apply` with `--tenants DIR` (docs/many-tenants.md): the command runs in each tenant of a many-tenant
 * repository on its own — its own policy, its own credentials (tenant-env.ts), its own Graph connection — at most
 * `--concurrency` at once. A tenant whose policy is invalid, whose credentials are refused or whose Graph calls
 * fail is reported in its section and never stops the others. One report, one exit code (exit-codes.ts).
 */
export interface TenantsOptions {
  readonly tenants: string;
  readonly onlyTenant?: readonly string[];
  readonly concurrency?: string;
}

/** What one tenant's run says of itself, for the summary. */
export interface TenantCounts {
  plan(plan: Plan): void;
  applied(report: ApplyReport): void;
}

/** Runs the single-tenant command for one tenant, with that tenant's io (its environment, captured streams) and its policy, already read. */
export type RunOneTenant = (io: CliIo, folder: TenantFolder, counts: TenantCounts, policy: PolicyResult) => Promise<Outcome>;

const DEFAULT_CONCURRENCY = 4;
const MAX_CONCURRENCY = 32;

function capture(): { stream: CliIo['stdout']; text: () => string } {
  let text = '';
  return { stream: { write: (chunk: string) => (text += chunk), isTTY: false }, text: () => text };
}

async function inPool<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  const worker = async (): Promise<void> => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) await work(item);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, queue.length)) }, worker));
}

/** One tenant, start to end: its policy's tenant id, its credentials, then the command; every failure kept in its section. */
async function runTenant(command: 'plan' | 'apply', folder: TenantFolder, policy: PolicyResult, sharedWith: readonly string[] | undefined, io: CliIo, runOne: RunOneTenant): Promise<TenantSection> {
  const out = capture();
  const err = capture();
  let changes: number | null = null;
  let errors = 0;
  const section = (exitCode: 0 | 1 | 2, tenantId: string | null): TenantSection => ({ name: folder.name, tenantId, exitCode, changes, errors: exitCode === 1 ? Math.max(errors, 1) : errors, output: out.text(), problems: err.text() });
  const tenantId = policy.desired?.tenantId ?? null;
  if (sharedWith !== undefined) {
    err.stream.write(`tenant.id ${tenantId ?? ''} is also the tenant of ${sharedWith.join(', ')}: one folder per tenant. Nothing was read.\n`);
    return section(1, tenantId);
  }
  if (!policy.desired || tenantId === null) {
    err.stream.write(renderValidationText({ diagnostics: policy.diagnostics, files: [] }, { color: false }));
    err.stream.write('The policy is invalid: nothing was read from this tenant.\n');
    return section(1, tenantId);
  }
  const environment = tenantEnvironment(io.env, folder.name, tenantId);
  if ('refused' in environment) {
    err.stream.write(`${environment.refused}\n`);
    return section(1, tenantId);
  }
  const counts: TenantCounts = {
    plan: (plan) => {
      changes = plan.changes.length;
      errors = plan.diagnostics.filter((d) => d.severity === 'error').length;
    },
    applied: (report) => {
      changes = report.outcomes.filter((o) => o.status === 'applied').length;
      errors = report.outcomes.filter((o) => o.status === 'failed').length + report.plan.diagnostics.filter((d) => d.severity === 'error').length;
    },
  };
  // No questions per tenant: its plan is in a captured stream nobody has seen yet (apply --tenants needs --auto-approve).
  const { confirm: _confirm, ...rest } = io;
  const tenantIo: CliIo = { ...rest, stdout: out.stream, stderr: err.stream, env: environment.env };
  try {
    const outcome = await runOne(tenantIo, folder, counts, policy);
    const exitCode = exitCodeFor(outcome.kind === 'changes-present' ? { ...outcome, detailedExitCode: true } : outcome);
    return section(exitCode, tenantId);
  } catch (error) {
    err.stream.write(`tenantctl ${command}: ${describeFailure(error) ?? `internal error: ${error instanceof Error ? error.message : String(error)}`}\n`);
    return section(1, tenantId);
  }
}

export async function runInTenants(command: 'plan' | 'apply', options: TenantsOptions, format: TenantsFormat, detailedExitCode: boolean, io: CliIo, runOne: RunOneTenant): Promise<Outcome> {
  const concurrency = options.concurrency === undefined ? DEFAULT_CONCURRENCY : Number(options.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > MAX_CONCURRENCY) {
    io.stderr.write(`tenantctl ${command}: --concurrency takes a whole number from 1 to ${MAX_CONCURRENCY}, not ${JSON.stringify(options.concurrency)}. Nothing was read.\n`);
    return { kind: 'invalid-input' };
  }
  const found = await discoverTenants(options.tenants, { cwd: io.cwd, ...(options.onlyTenant === undefined ? {} : { only: options.onlyTenant }) });
  if (found.diagnostics.some((d) => d.severity === 'error') || found.tenants.length === 0) {
    io.stderr.write(renderValidationText({ diagnostics: found.diagnostics, files: [] }, { color: false }));
    if (found.tenants.length === 0) io.stderr.write(`tenantctl ${command}: no tenant folder with policy files under ${options.tenants}. Nothing was read.\n`);
    return { kind: 'invalid-input' };
  }
  // Every policy first: two folders for one tenant id are both refused before anything is read.
  const policies = new Map<string, PolicyResult>();
  for (const folder of found.tenants) policies.set(folder.name, await loadTenantPolicy(folder, io.cwd));
  const shared = sharedTenantIds(found.tenants.map((folder) => ({ name: folder.name, tenantId: policies.get(folder.name)?.desired?.tenantId })));
  const sections = new Map<string, TenantSection>();
  await inPool(found.tenants, concurrency, async (folder) => {
    sections.set(folder.name, await runTenant(command, folder, policies.get(folder.name) as PolicyResult, shared.get(folder.name), io, runOne));
  });
  const ordered = found.tenants.map((t) => sections.get(t.name)).filter((s): s is TenantSection => s !== undefined);
  io.stdout.write(renderTenantsReport(command, ordered, format));
  const outcomes: Outcome[] = ordered.map((s) => (s.exitCode === 1 ? { kind: 'invalid-input' } : s.exitCode === 2 ? { kind: 'changes-present', detailedExitCode } : { kind: 'success' }));
  return aggregateOutcomes(outcomes);
}
