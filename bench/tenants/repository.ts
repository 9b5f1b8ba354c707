/**
 * The pure parts of `npm run bench:tenants` (bench/tenants.ts): the many-tenant repository it plans (tenants/t01 …,
 * each including common/defaults.yaml), the check of `plan --tenants`' JSON report, the Graph requests in the
 * emulator's log, and the results table. No emulator, no clock.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { LoggedRequest, State } from '../synthetic-tenant.ts';
import { DECLARED_SHARE, declaredUsers, ordinaryUsers, skuNames, userLine } from '../synthetic-tenant.ts';

const HEADER = 'apiVersion: tenantctl/v1\nkind: TenantPolicy\n';

/** The folder of the tenant at `index` (from 0): t01, t02, … (two digits up to 99 tenants, then as many as needed). */
export function tenantFolderName(index: number, count: number): string {
  return `t${String(index + 1).padStart(Math.max(2, String(count).length), '0')}`;
}

export interface WrittenTenant {
  readonly name: string;
  readonly tenantId: string;
  readonly declaredUsers: number;
}

/**
 * tenants/tNN/tenant.yaml (the tenant's id, `include:` of common/defaults.yaml) and tenants/tNN/people.yaml (half
 * the tenant's ordinary users, as they are, with the licenses they hold directly), and common/defaults.yaml
 * (`defaults: {usageLocation: NL}`), under `dir`.
 */
export function writeTenantsRepository(dir: string, states: readonly State[]): WrittenTenant[] {
  mkdirSync(path.join(dir, 'common'), { recursive: true });
  writeFileSync(path.join(dir, 'common', 'defaults.yaml'), `${HEADER}defaults: {usageLocation: NL}\n`);
  return states.map((state, i) => {
    const name = tenantFolderName(i, states.length);
    const folder = path.join(dir, 'tenants', name);
    mkdirSync(folder, { recursive: true });
    writeFileSync(path.join(folder, 'tenant.yaml'), `${HEADER}tenant: {id: ${state.tenantId}}\ninclude: [../../common/defaults.yaml]\n`);
    const names = skuNames(state);
    const users = declaredUsers(state, Math.round(ordinaryUsers(state).length * DECLARED_SHARE));
    writeFileSync(path.join(folder, 'people.yaml'), `${HEADER}users:\n${users.map((u) => `${userLine(u, names)}\n`).join('')}`);
    return { name, tenantId: state.tenantId, declaredUsers: users.length };
  });
}

/** One tenant of `plan --tenants --format json`'s report. */
export interface ReportTenant {
  readonly name: string;
  readonly tenantId: string | null;
  readonly exitCode: number;
  readonly changes: number | null;
  readonly errors: number;
  readonly problems: string | null;
  /** The tenant's own plan (JSON), or its text when it printed none. */
  readonly result?: unknown;
}

/** The error findings of a tenant's plan, as `code upn`. */
function errorFindings(result: unknown): string[] {
  const diagnostics = (result as { diagnostics?: unknown } | null)?.diagnostics;
  if (!Array.isArray(diagnostics)) return [];
  return (diagnostics as { severity?: string; code?: string; userPrincipalName?: string }[])
    .filter((d) => d.severity === 'error')
    .map((d) => `${d.code ?? '?'}${d.userPrincipalName === undefined ? '' : ` ${d.userPrincipalName}`}`);
}

export interface ReportCheck {
  readonly tenants: number;
  /** Tenants whose exit code is 1, with what they said on stderr and the error findings of their plan. */
  readonly failed: readonly { name: string; problems: string | null; errorFindings: string[] }[];
  /** Tenants planned whose plan holds error findings (they exit 1 by design). */
  readonly withFindings: readonly string[];
  /** Written tenants the report does not hold, or holds under another tenant id. */
  readonly missing: readonly string[];
  readonly changes: number;
  readonly ok: boolean;
}

/** Whether the report holds every written tenant, with its id, and none failed. */
export function checkReport(report: { tenants?: readonly ReportTenant[] }, written: readonly WrittenTenant[]): ReportCheck {
  const tenants = report.tenants ?? [];
  const byName = new Map(tenants.map((t) => [t.name, t]));
  const missing = written.filter((w) => byName.get(w.name)?.tenantId !== w.tenantId).map((w) => w.name);
  const erred = tenants.filter((t) => t.exitCode === 1).map((t) => ({ name: t.name, problems: t.problems, errorFindings: errorFindings(t.result) }));
  // A tenant whose plan holds error findings (a deleted user synced from on-premises that the policy declares) was
  // planned: it exits 1 by design. Only a tenant that said something on stderr, or holds no plan, failed.
  const failed = erred.filter((t) => t.problems !== null || t.errorFindings.length === 0);
  const withFindings = erred.filter((t) => !failed.includes(t)).map((t) => t.name);
  const changes = tenants.reduce((sum, t) => sum + (t.changes ?? 0), 0);
  return { tenants: tenants.length, failed, withFindings, missing, changes, ok: tenants.length === written.length && missing.length === 0 && failed.length === 0 };
}

/**
 * The Graph requests in the emulator's log (every tenant's; token requests are kept in a log of their own):
 * requests on the wire (a `$batch` counted once, not its items) and how many tenants they reached.
 */
export function graphRequests(log: readonly (LoggedRequest & { tenantId?: string })[]): { requests: number; batchItems: number; tenants: number } {
  const outer = log.filter((e) => e.inBatch === undefined);
  return { requests: outer.length, batchItems: log.length - outer.length, tenants: new Set(outer.map((e) => e.tenantId)).size };
}

/** One measured run, as bench/tenants.ts prints it. */
export interface TenantsRun {
  readonly concurrency: number;
  readonly exitCode: number | null;
  readonly wallSeconds: number;
  readonly peakRssMiB: number;
  readonly tenantctlCpuSeconds: number;
  readonly emulatorCpuSeconds: number;
  readonly graphRequests: number;
}

/** Wall time at concurrency 1 over this run's (the first run at concurrency 1 is the base); null without one. */
export function speedUp(run: TenantsRun, runs: readonly TenantsRun[]): number | null {
  const base = runs.find((r) => r.concurrency === 1);
  return base === undefined || run.wallSeconds <= 0 ? null : Number((base.wallSeconds / run.wallSeconds).toFixed(2));
}

/** The RESULTS.md table: concurrency, wall, peak RSS, CPU (tenantctl, emulator), requests, speed-up vs concurrency 1. */
export function resultsTable(runs: readonly TenantsRun[]): string {
  const rows = runs.map((r) => {
    const up = speedUp(r, runs);
    return `| ${r.concurrency} | ${r.wallSeconds.toFixed(1)} s | ${r.peakRssMiB} MiB | ${r.tenantctlCpuSeconds.toFixed(1)} s | ${r.emulatorCpuSeconds.toFixed(1)} s | ${r.graphRequests} | ${up === null ? '–' : `${up.toFixed(2)}×`} |`;
  });
  return ['| concurrency | wall | peak RSS | tenantctl CPU | emulator CPU | Graph requests | speed-up vs 1 |', '|---|---|---|---|---|---|---|', ...rows].join('\n');
}
