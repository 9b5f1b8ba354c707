/**
 * Shared pieces of the apply tests (test/cli/apply-*.test.ts, test/engine/apply-*.test.ts): policy
 * directories, the CLI's environment for the emulator, the emulator's state and request log, and
 * the end-state checks every apply must pass (no duplicated restore or create, seats kept).
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Seed } from '../../src/emulator/directory/model.ts';
import type { RequestLogEntry } from '../../src/emulator/server.ts';
import type { Plan } from '../../src/domain/plan.ts';
import type { StateDump, StateUser } from './memory-seed.ts';
import { runTenantctl } from './cli.ts';
import type { CliRun } from './cli.ts';
import { FIXTURE_NOW, RECONCILER, TENANT_ID } from './emulator.ts';

export type { StateDump, StateUser } from './memory-seed.ts';

export const RECONCILER_SECRET = 'emulator-secret-reconciler';

/** The license sets every policy here starts with (as in test/cli/plan-scenarios.test.ts). */
const POLICY_HEADER = 'apiVersion: tenantctl/v1\nkind: TenantPolicy\nlicenses:\n  e3: {sku: ENTERPRISEPACK}\n  e3-no-yammer: {sku: ENTERPRISEPACK, disabledPlans: [YAMMER_ENTERPRISE]}\n';

/** A fresh temporary directory. */
export function tempDir(prefix = 'tenantctl-apply-'): string {
  return mkdtempSync(path.join(tmpdir(), prefix));
}

/** A policy file (the header, then `yaml`) in a fresh directory; returns the directory. */
export function policyDir(yaml: string): string {
  const dir = tempDir();
  writePolicy(dir, yaml);
  return dir;
}

/** A working directory holding the policy at tenants/prod, as an operator's repository would. */
export function tenantWorkDir(yaml: string): { cwd: string; policy: string } {
  const cwd = tempDir();
  const policy = path.join(cwd, 'tenants', 'prod');
  mkdirSync(policy, { recursive: true });
  writePolicy(policy, yaml);
  return { cwd, policy };
}

/** (Re)writes the policy file of a directory made by `policyDir`. */
export function writePolicy(dir: string, yaml: string): void {
  writeFileSync(path.join(dir, 'policy.yaml'), `${POLICY_HEADER}${yaml}`);
}

/** What the CLI needs to reach the emulator as the reconciler app. */
export function cliEnv(url: string, overrides: Record<string, string> = {}): Record<string, string> {
  return { TENANTCTL_GRAPH_URL: url, AZURE_TENANT_ID: TENANT_ID, AZURE_CLIENT_ID: RECONCILER, AZURE_CLIENT_SECRET: RECONCILER_SECRET, ...overrides };
}

/** `tenantctl ARGS` in-process against the emulator at the fixture's time. */
export function tenantctl(url: string, args: readonly string[], options: { cwd?: string } = {}): Promise<CliRun> {
  return runTenantctl(args, { env: cliEnv(url), now: FIXTURE_NOW, ...(options.cwd === undefined ? {} : { cwd: options.cwd }) });
}

/** `plan --format json --detailed-exitcode` on a policy directory: the plan and the exit code. */
export async function planJson(url: string, dir: string): Promise<{ code: number; plan: Plan; run: CliRun }> {
  const run = await tenantctl(url, ['plan', dir, '--format', 'json', '--detailed-exitcode']);
  if (run.stdout === '') throw new Error(`plan printed nothing (exit ${run.code}): ${run.stderr}`);
  return { code: run.code, plan: JSON.parse(run.stdout) as Plan, run };
}

// ---- the emulator's controls ------------------------------------------------------------------

async function control<T>(url: string, method: string, route: string, body?: unknown): Promise<T> {
  const response = await fetch(`${url}/_emulator/${route}`, {
    method,
    ...(body === undefined ? {} : { headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (response.status >= 400) throw new Error(`${method} /_emulator/${route}: ${response.status} ${text}`);
  return (text === '' ? undefined : JSON.parse(text)) as T;
}

export async function reseed(url: string, seed: Seed): Promise<void> {
  await control(url, 'POST', 'seed', seed);
  await control(url, 'POST', 'faults', {});
}

export function setFaults(url: string, faults: Record<string, unknown>): Promise<unknown> {
  return control(url, 'POST', 'faults', faults);
}

/** The request log after `since` (a `seq`), batch items included. */
export async function requestsSince(url: string, since = 0): Promise<RequestLogEntry[]> {
  return (await control<{ requests: RequestLogEntry[] }>(url, 'GET', `requests?since=${since}`)).requests;
}

/** The `seq` of the newest request (0 when none). */
export async function lastSeq(url: string): Promise<number> {
  const all = await requestsSince(url);
  return all.at(-1)?.seq ?? 0;
}

/** `GET /_emulator/state`. */
export function readState(url: string): Promise<StateDump> {
  return control<StateDump>(url, 'GET', 'state');
}

export function activeUser(state: StateDump, upn: string): StateUser | undefined {
  return state.users.find((u) => u.userPrincipalName.toLowerCase() === upn.toLowerCase());
}

/** The user's direct licenses, as `skuId:disabled,plans` sorted. */
export function directLicenses(user: StateUser | undefined): string[] {
  return (user?.licenseAssignmentStates ?? []).filter((s) => s.assignedByGroup === null).map((s) => `${s.skuId}:${[...s.disabledPlans].sort().join(',')}`).sort();
}

// ---- what the request log says ------------------------------------------------------------------

const WRITE_METHODS = new Set(['POST', 'PATCH', 'DELETE', 'PUT']);

/**
 * Requests that change the tenant: POST/PATCH/DELETE under /v1.0, batch items included, but not the
 * `$batch` envelope itself (the adapter reads mailboxes through `$batch` POSTs of GETs).
 */
export function writesIn(entries: readonly RequestLogEntry[]): RequestLogEntry[] {
  return entries.filter((e) => WRITE_METHODS.has(e.method.toUpperCase()) && e.path !== '/$batch');
}

const RESTORE_PATH = /^\/directory\/deletedItems\/([^/]+)\/restore$/u;

/**
 * Restores that the tenant carried out (2xx, whether or not the client heard the answer: a reset
 * after the handler is logged with the handler's status), counted per restored object id.
 */
export function successfulRestores(entries: readonly RequestLogEntry[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const e of entries) {
    const match = RESTORE_PATH.exec(e.path);
    if (e.method === 'POST' && match && e.status >= 200 && e.status < 300) {
      const id = decodeURIComponent(match[1] ?? '').toLowerCase();
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
  }
  return counts;
}

/** Entries duplicated in a count map (more than one success). */
export function duplicates(counts: ReadonlyMap<string, number>): string[] {
  return [...counts].filter(([, n]) => n > 1).map(([key, n]) => `${key} ×${n}`);
}

/**
 * Creates that the tenant carried out (2xx, heard or not). The log carries no bodies, so callers
 * compare the count with the users that are new in the tenant's state: one each.
 */
export function successfulCreates(entries: readonly RequestLogEntry[]): number {
  return entries.filter((e) => e.method === 'POST' && e.path === '/users' && e.status >= 200 && e.status < 300).length;
}

/** Every SKU that a plan assigned into (new seats, not replacements), by skuId. */
export function skusAssignedInto(plans: readonly Plan[]): Set<string> {
  const skus = new Set<string>();
  for (const plan of plans) {
    for (const change of plan.changes) {
      if (change.action === 'assign-licenses') for (const l of change.details.add) if (l.replaces === undefined) skus.add(l.skuId.toLowerCase());
    }
  }
  return skus;
}

/** SKUs of `skus` whose consumedUnits exceed prepaidUnits.enabled. */
export function overAssigned(state: StateDump, skus: ReadonlySet<string>): string[] {
  return state.subscribedSkus.filter((s) => skus.has(s.skuId.toLowerCase()) && s.consumedUnits > s.prepaidUnits.enabled).map((s) => `${s.skuPartNumber}: ${s.consumedUnits} > ${s.prepaidUnits.enabled}`);
}

/** Against the Contoso fixture: Dave to restore, Carol to locate and license, Support to block — three principals, four changes. */
export const FOUR_CHANGE_POLICY = 'defaults: {usageLocation: NL, restore: {autoReconcileProxyConflict: true}}\n'
  + 'users:\n'
  + '  - {userPrincipalName: dave@contoso.com, displayName: Dave Visser, licenses: [e3]}\n'
  + '  - {userPrincipalName: carol@contoso.com, displayName: Carol Bakker, licenses: [e3]}\n'
  + 'mailboxes:\n'
  + '  - {userPrincipalName: support@contoso.com, displayName: Contoso Support, type: shared}\n';
