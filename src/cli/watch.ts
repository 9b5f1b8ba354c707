import path from 'node:path';
import { newUserPassword } from '../engine/passwords.ts';
import type { Change } from '../domain/plan.ts';
import { renderAuditLine } from '../render/apply-audit.ts';
import { renderValidationText } from '../render/diagnostics.ts';
import { redact } from '../tenant/graph/redact.ts';
import type { RequestLog } from '../tenant/graph/request-log.ts';
import { observeResponses } from '../tenant/graph/request-hook.ts';
import type { WatchHealth } from '../watch/http.ts';
import { judgeHealth, startWatchServer } from '../watch/http.ts';
import type { WatchEvents, WatchTenant } from '../watch/loop.ts';
import { runWatch } from '../watch/loop.ts';
import type { WatchMetrics } from '../watch/metrics.ts';
import { createWatchMetrics } from '../watch/metrics.ts';
import { mergeTenantExpositions } from '../watch/metrics-merge.ts';
import type { PolicyResult } from '../policy/load.ts';
import { discoverTenants, loadTenantPolicy, sharedTenantIds } from '../policy/tenants.ts';
import { tenantEnvironment } from './tenant-env.ts';
import type { AuditLog } from './audit-log.ts';
import { openAuditLog } from './audit-log.ts';
import type { Outcome } from './exit-codes.ts';
import type { CliIo } from './io.ts';
import type { LogFormat } from './log.ts';
import { checkOutputFile } from './output-path.ts';
import { describeFailure } from './failures.ts';

/**
 * `tenantctl watch [PATH...]` (docs/watch.md): the long-running reconciler. Reads the tenant once, follows the
 * users' delta query every `--interval`, heals what the policy's `watch` section allows, reports the rest as log
 * lines on stderr (text, or JSON with --log-format json), serves /healthz, /readyz and /metrics on `--port`.
 * SIGINT/SIGTERM: the writes in flight finish, then exit 0. An invalid policy at start: exit 1, nothing read.
 */
export interface WatchCommandOptions {
  readonly interval: string;
  readonly fullReadEvery: string;
  readonly port?: string;
  readonly host: string;
  readonly dryRun: boolean;
  readonly auditLog?: string;
  readonly logFormat?: string;
  /** `--tenants DIR`: one watcher per tenant folder, each with its own credentials (docs/many-tenants.md). */
  readonly tenants?: string;
  readonly onlyTenant?: readonly string[];
}

/** A duration: `500ms`, `30s`, `5m`, `6h`, or a number of seconds. Undefined when it is none. */
export function parseDuration(text: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/u.exec(text);
  if (!match) return undefined;
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(match[2] ?? 's') as 'ms' | 's' | 'm' | 'h'];
  return Math.round(Number(match[1]) * unit);
}

/** The shortest interval: Graph's change tracking is not meant to be polled faster. */
const MIN_INTERVAL_MS = 100;

/** A line for the operator: one JSON object, or `time level event key=value …`. Every string is redacted on the way out. */
type LineWriter = (level: 'info' | 'warn' | 'error', event: string, fields: Record<string, unknown>) => void;

function lineWriter(io: CliIo, format: LogFormat, base: Record<string, unknown> = {}): LineWriter {
  return (level, event, given) => {
    const fields = { ...base, ...given };
    const entry = { time: io.clock(), level, event, ...fields };
    if (format === 'json') {
      io.stderr.write(`${redact(JSON.stringify(entry))}\n`);
      return;
    }
    const rest = Object.entries(fields).map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
    io.stderr.write(`${redact([entry.time, level, event, ...rest].join(' '))}\n`);
  };
}

function changeFields(change: Change): Record<string, unknown> {
  return { action: change.action, userPrincipalName: change.userPrincipalName, reason: change.reason, ...('objectId' in change && change.objectId !== undefined ? { objectId: change.objectId } : {}) };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Usage mistakes in the flags, said before anything is read. */
function checkFlags(options: WatchCommandOptions): { intervalMs: number; fullReadEveryMs: number; port: number | undefined } | string {
  const intervalMs = parseDuration(options.interval);
  if (intervalMs === undefined || intervalMs < MIN_INTERVAL_MS) return `--interval ${JSON.stringify(options.interval)}: give a duration of at least ${MIN_INTERVAL_MS}ms, such as 30s or 5m`;
  const fullReadEveryMs = parseDuration(options.fullReadEvery);
  if (fullReadEveryMs === undefined || fullReadEveryMs < intervalMs) return `--full-read-every ${JSON.stringify(options.fullReadEvery)}: give a duration no shorter than --interval, such as 24h`;
  if (options.port === undefined) return { intervalMs, fullReadEveryMs, port: undefined };
  const port = Number(options.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) return `--port ${JSON.stringify(options.port)}: give a port number from 0 to 65535`;
  return { intervalMs, fullReadEveryMs, port };
}

export async function runWatchCommand(
  paths: readonly string[],
  options: WatchCommandOptions,
  io: CliIo,
  connect: (io: CliIo, log: (inner: RequestLog | undefined) => RequestLog) => Promise<{ readonly tenant: WatchTenant; readonly description: string }>,
): Promise<Outcome> {
  const flags = checkFlags(options);
  if (typeof flags === 'string') {
    io.stderr.write(`tenantctl watch: ${flags}. Nothing was read.\n`);
    return { kind: 'invalid-input' };
  }
  let audit: AuditLog | undefined;
  if (options.auditLog !== undefined) {
    const problem = await checkOutputFile(options.auditLog, io.cwd);
    if (problem !== undefined) {
      io.stderr.write(`tenantctl watch: --audit-log: ${problem}. Nothing was read.\n`);
      return { kind: 'invalid-input' };
    }
    audit = openAuditLog(path.resolve(io.cwd, options.auditLog));
  }
  const format: LogFormat = options.logFormat === 'json' ? 'json' : 'text';
  const write = lineWriter(io, format);
  const found = await watchersFor(paths, options, io, write);
  if (found.watchers.length === 0) {
    io.stderr.write('tenantctl watch: no tenant to watch. Nothing was read.\n');
    return { kind: 'invalid-input' };
  }
  const controller = new AbortController();
  let stopping = false;
  void io.waitForStop().then(() => {
    stopping = true;
    write('info', 'stopping', { note: 'finishing the writes in flight' });
    controller.abort();
  });
  let unconnected = 0;
  const connected = await Promise.all(found.watchers.map(async (watcher) => {
    const metrics = createWatchMetrics();
    const tenantWrite = lineWriter(io, format, watcher.name === undefined ? {} : { tenant: watcher.name });
    let connection;
    try {
      connection = await connect({ ...io, env: watcher.env }, (inner) => observeResponses((status, event) => metrics.graphResponse(status, event), inner));
    } catch (error) {
      // One tenant's credentials that cannot be used: that tenant is not watched; the others are.
      if (watcher.name === undefined) throw error;
      unconnected++;
      tenantWrite('error', 'tenant-refused', { problems: [describeFailure(error) ?? (error instanceof Error ? error.message : String(error))], note: 'this tenant is not watched; the others are' });
      return undefined;
    }
    tenantWrite('info', 'starting', { tenant: watcher.name ?? connection.description, connection: connection.description, intervalMs: flags.intervalMs, dryRun: options.dryRun });
    return { watcher, metrics, connection, events: watchEvents(tenantWrite, metrics, audit, options, io) };
  }));
  const running = connected.filter((r) => r !== undefined);
  if (running.length === 0) {
    io.stderr.write('tenantctl watch: no tenant could be connected. Nothing was read.\n');
    return { kind: 'invalid-input' };
  }
  const health = (): WatchHealth => {
    const judged = running.map((r) => ({ name: r.watcher.name, health: judgeHealth({ times: r.metrics.times(), nowMs: Date.now(), intervalMs: flags.intervalMs, stopping }) }));
    if (judged.length === 1 && judged[0]?.name === undefined) return (judged[0] as { health: WatchHealth }).health;
    return { live: judged.every((j) => j.health.live), ready: judged.every((j) => j.health.ready), detail: Object.fromEntries(judged.map((j) => [j.name ?? '', j.health.detail])) };
  };
  const render = (): string => (running.length === 1 && running[0]?.watcher.name === undefined
    ? (running[0] as { metrics: WatchMetrics }).metrics.render()
    : mergeTenantExpositions(running.map((r) => ({ tenant: r.watcher.name ?? '', text: r.metrics.render() }))));
  const server = flags.port === undefined ? undefined : await startWatchServer({ port: flags.port, host: options.host, metrics: { render }, health });
  if (server) write('info', 'listening', { url: `http://${server.host}:${server.port}`, paths: ['/healthz', '/readyz', '/metrics'] });

  try {
    const settled = await Promise.allSettled(running.map(async (r) => {
      const result = await runWatch(
        { paths: r.watcher.paths, cwd: io.cwd, intervalMs: flags.intervalMs, fullReadEveryMs: flags.fullReadEveryMs, dryRun: options.dryRun, ...(io.env.TENANTCTL_NOW ? { fixedNow: io.env.TENANTCTL_NOW } : {}) },
        { tenant: r.connection.tenant, clock: Date.now, sleep: sleepUnlessAborted, newPassword: newUserPassword, events: r.events },
        controller.signal,
      );
      if (result.kind === 'invalid-policy') {
        io.stderr.write(`${r.watcher.name === undefined ? '' : `${r.watcher.name}: `}${renderValidationText({ diagnostics: result.diagnostics, files: [] }, { color: false })}`);
        io.stderr.write('The policy is invalid: nothing was read from the tenant. Run tenantctl validate for details.\n');
      }
      return result;
    }).map((run) => run.catch((error: unknown) => {
      // A watcher that fails beyond its own retries stops the others too: watch exits, and its platform restarts it.
      controller.abort();
      throw error;
    })));
    const failed = settled.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
    const results = settled.map((r) => (r as PromiseFulfilledResult<Awaited<ReturnType<typeof runWatch>>>).value);
    if (results.some((r) => r.kind === 'invalid-policy')) return { kind: 'invalid-input' };
    write('info', 'stopped', {});
    return found.refused + unconnected > 0 ? { kind: 'invalid-input' } : { kind: 'success' };
  } finally {
    await server?.close();
    audit?.close();
  }
}

/** One watcher: the whole policy at `paths`, or one tenant of a many-tenant repository with its own credentials. */
interface Watcher {
  readonly name?: string;
  readonly paths: readonly string[];
  readonly env: CliIo['env'];
}

/**
 * The watchers to run: one for the policy paths, or (`--tenants`) one per tenant whose policy is valid and whose
 * credentials are its own; a tenant that is neither is reported (exit 1 when watch ends) and the others run.
 */
async function watchersFor(paths: readonly string[], options: WatchCommandOptions, io: CliIo, write: LineWriter): Promise<{ readonly watchers: readonly Watcher[]; readonly refused: number }> {
  if (options.tenants === undefined) return { watchers: [{ paths, env: io.env }], refused: 0 };
  const found = await discoverTenants(options.tenants, { cwd: io.cwd, ...(options.onlyTenant === undefined ? {} : { only: options.onlyTenant }) });
  for (const d of found.diagnostics) write(d.severity === 'error' ? 'error' : 'warn', 'tenant-refused', { code: d.code, message: d.message });
  if (found.diagnostics.some((d) => d.severity === 'error')) return { watchers: [], refused: found.diagnostics.length };
  const watchers: Watcher[] = [];
  let refused = 0;
  const policies = await Promise.all(found.tenants.map((folder) => loadTenantPolicy(folder, io.cwd)));
  const shared = sharedTenantIds(found.tenants.map((folder, i) => ({ name: folder.name, tenantId: policies[i]?.desired?.tenantId })));
  for (const [i, folder] of found.tenants.entries()) {
    const policy = policies[i] as PolicyResult;
    const tenantId = policy.desired?.tenantId;
    const sharedWith = shared.get(folder.name);
    const environment = tenantId === undefined || sharedWith !== undefined ? undefined : tenantEnvironment(io.env, folder.name, tenantId);
    if (environment === undefined || 'refused' in environment) {
      refused++;
      const problems = sharedWith !== undefined
        ? [`tenant.id ${tenantId ?? ''} is also the tenant of ${sharedWith.join(', ')}: one folder per tenant`]
        : environment === undefined ? policy.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.code}: ${d.message}`) : [environment.refused];
      write('error', 'tenant-refused', { tenant: folder.name, problems, note: 'this tenant is not watched; the others are' });
      continue;
    }
    watchers.push({ name: folder.name, paths: [folder.dir], env: environment.env });
  }
  return { watchers, refused };
}

/** Where one watcher's events go: its log lines (with its tenant's name in --tenants runs), its metrics, the audit log. */
function watchEvents(write: LineWriter, metrics: WatchMetrics, audit: AuditLog | undefined, options: WatchCommandOptions, io: CliIo): WatchEvents {
  let reportedBlockers = new Set<string>();
  let auditFailureReported = false;
  return {
    fullRead: (info) => {
      metrics.fullRead();
      write('info', 'full-read', { ...info });
    },
    round: (info) => {
      metrics.deltaRound();
      if (info.changed + info.softDeleted + info.purged > 0) write('info', 'delta', { ...info });
    },
    planned: ({ plan, heal, report, blockers }) => {
      const counts = new Map<string, number>();
      for (const change of plan.changes) counts.set(change.action, (counts.get(change.action) ?? 0) + 1);
      metrics.driftByKind(counts);
      // Said once while it lasts, not at every plan.
      const blockerKeys = new Set(blockers.map((b) => `${b.code} ${b.message}`));
      for (const blocker of blockers) if (!reportedBlockers.has(`${blocker.code} ${blocker.message}`)) write('warn', 'not-healing', { code: blocker.code, message: blocker.message });
      reportedBlockers = blockerKeys;
      // Written after every read that can change the plan (never on an idle round): `changes: 0` is "converged".
      write('info', 'plan', { changes: plan.changes.length, heal: options.dryRun ? 0 : heal.length, report: report.length + (options.dryRun ? heal.length : 0) });
    },
    finding: (diagnostic) =>
      write(diagnostic.severity === 'error' ? 'error' : 'warn', 'finding', {
        severity: diagnostic.severity,
        code: diagnostic.code,
        ...(diagnostic.userPrincipalName === undefined ? {} : { userPrincipalName: diagnostic.userPrincipalName }),
        message: diagnostic.message,
      }),
    drift: ({ change, healable }) => write('info', 'drift', { ...changeFields(change), healable, ...(options.dryRun && healable ? { dryRun: true } : {}) }),
    healed: (outcome) => {
      metrics.heal(outcome.change.action, outcome.status);
      audit?.write(renderAuditLine(outcome, io.clock()));
      if (audit?.failure !== undefined && !auditFailureReported) {
        auditFailureReported = true;
        write('error', 'audit-log', { file: options.auditLog, problem: audit.failure, note: 'later heals are not written to the audit log; the log lines still say each one' });
      }
      write(outcome.status === 'applied' ? 'info' : 'warn', 'heal', {
        ...changeFields(outcome.change),
        outcome: outcome.status,
        ...(outcome.status === 'applied' ? { requestId: outcome.requestId ?? null, ...(outcome.note === undefined ? {} : { note: outcome.note }) } : {}),
        ...(outcome.status === 'failed' ? { code: outcome.error.code, message: outcome.error.message, requestId: outcome.error.requestId } : {}),
        ...(outcome.status === 'skipped' ? { why: outcome.reason } : {}),
      });
    },
    breaker: ({ tripped, reason }) => {
      metrics.breakerTripped(tripped);
      write('error', 'breaker', { tripped, reason });
    },
    policy: ({ valid, diagnostics }) => {
      metrics.policyValid(valid);
      write(valid ? 'info' : 'error', 'policy', {
        valid,
        ...(valid ? {} : { kept: 'the last valid policy stays in force' }),
        problems: diagnostics.map((d) => `${d.severity} ${d.code}: ${d.message}`),
      });
    },
    failure: ({ stage, error }) => {
      metrics.attempted();
      write('error', 'failure', { stage, message: messageOf(error), next: 'tried again at the next interval' });
    },
  };

}

/** Resolves after `ms`, or at once when the signal aborts (SIGTERM does not wait out an interval). */
function sleepUnlessAborted(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
