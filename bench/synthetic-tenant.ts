/**
 * What the plan and peers benchmarks share: the synthetic tenant (`users=N,deleted=N/20,skus=20,seed=7`)
 * served by an emulator in its own process, the policy that declares half its users and 500 shared
 * mailboxes, and `tenantctl plan` run as a child process against it.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { generateSyntheticSeed, parseSyntheticSpec } from '../src/emulator/synthetic/synthetic.ts';
import { generateSyntheticTenants } from '../src/emulator/synthetic/synthetic-tenants.ts';
import { spawnEmulator } from './emulator-process.ts';

const repo = new URL('../', import.meta.url).pathname;
const cli = path.join(repo, 'bin/tenantctl.js');

/** The policy declares this share of the tenant's users (50,000 of 100,000), and 500 shared mailboxes. */
export const DECLARED_SHARE = 0.5;

export interface StateUser {
  readonly id: string;
  readonly userPrincipalName: string;
  readonly displayName: string;
  readonly accountEnabled: boolean;
  readonly usageLocation: string | null;
  readonly assignedLicenses: readonly { skuId: string; disabledPlans: string[] }[];
  readonly assignedPlans?: readonly { capabilityStatus: string; servicePlanId: string }[];
  readonly onPremisesSyncEnabled?: boolean | null;
  readonly mailboxSettings?: { userPurpose: string };
}

export interface State {
  readonly tenantId: string;
  readonly now: string;
  readonly users: readonly StateUser[];
  readonly subscribedSkus: readonly { skuId: string; skuPartNumber: string }[];
  readonly apps: readonly { clientId: string }[];
}

export function syntheticSpec(users: number): string {
  return `users=${users},deleted=${Math.round(users / 20)},skus=20,seed=7`;
}

export function startSyntheticEmulator(users: number): ReturnType<typeof spawnEmulator> {
  return spawnEmulator(['--synthetic', syntheticSpec(users)]);
}

/** The synthetic tenant is deterministic: generate the same one here instead of downloading it. */
export function syntheticState(users: number): State {
  return generateSyntheticSeed(parseSyntheticSpec(syntheticSpec(users))) as unknown as State;
}

/** `tenants` synthetic tenants of `users` each, as `--synthetic …,tenants=N` serves them (synthetic-tenants.ts). */
export function syntheticTenantsState(users: number, tenants: number): State[] {
  return generateSyntheticTenants(parseSyntheticSpec(`${syntheticSpec(users)},tenants=${tenants}`)).tenants as unknown as State[];
}

/** The synthetic app's documented local test credential. */
export const SYNTHETIC_SECRET = 'synthetic-secret-7';

/** The tenant's ordinary users (no shared or other mailboxes), in the seed's order. */
export function ordinaryUsers(state: State): StateUser[] {
  return state.users.filter((u) => (u.mailboxSettings?.userPurpose ?? 'user') === 'user');
}

/** The users the policy declares: every other ordinary user, then the rest from the start, until `count`. */
export function declaredUsers(state: State, count: number): StateUser[] {
  const ordinary = ordinaryUsers(state);
  const order = [...ordinary.filter((_, i) => i % 2 === 0), ...ordinary.filter((_, i) => i % 2 === 1)];
  return order.slice(0, Math.max(0, count));
}

/** The shared mailboxes the policy declares (at most 500). */
export function declaredMailboxes(state: State): StateUser[] {
  return state.users.filter((u) => u.mailboxSettings?.userPurpose === 'shared').slice(0, 500);
}

const USERS_PER_FILE = 100_000;

/** The SKU part number of each of the tenant's SKU ids. */
export function skuNames(state: State): Map<string, string> {
  return new Map(state.subscribedSkus.map((s) => [s.skuId, s.skuPartNumber]));
}

/** A policy line declaring `user` as it is, with the licenses it holds directly (a seed's assignedLicenses are the direct ones). */
export function userLine(user: StateUser, names: ReadonlyMap<string, string>): string {
  const licenses = (user.assignedLicenses ?? []).map((l) => `{sku: ${names.get(l.skuId)}}`);
  return `  - {userPrincipalName: ${user.userPrincipalName}, displayName: "${user.displayName}", licenses: [${licenses.join(', ')}]}`;
}

/** A policy declaring `declaredUsers(state, count)` (with the licenses they hold directly) and the shared mailboxes. */
export function writePolicy(state: State, dir: string, count: number): { users: number; mailboxes: number } {
  const names = skuNames(state);
  const header = ['apiVersion: tenantctl/v1', 'kind: TenantPolicy'];
  const users = declaredUsers(state, count);
  // Files of at most 100,000 principals: a policy file may hold 16 MiB, as an administrator's repository would split them.
  for (let start = 0, file = 0; start < users.length || file === 0; start += USERS_PER_FILE, file++) {
    const lines = [...header, ...(file === 0 ? [`tenant: {id: ${state.tenantId}}`, 'defaults: {usageLocation: NL}'] : []), 'users:'];
    for (const user of users.slice(start, start + USERS_PER_FILE)) lines.push(userLine(user, names));
    writeFileSync(path.join(dir, file === 0 ? 'policy.yaml' : `people-${String(file).padStart(2, '0')}.yaml`), `${lines.join('\n')}\n`);
  }
  const shared = declaredMailboxes(state);
  const lines = [...header, 'mailboxes:'];
  for (const mailbox of shared) lines.push(`  - {userPrincipalName: ${mailbox.userPrincipalName}, displayName: "${mailbox.displayName}", type: shared}`);
  writeFileSync(path.join(dir, 'mailboxes.yaml'), `${lines.join('\n')}\n`);
  return { users: users.length, mailboxes: shared.length };
}

/** The environment `tenantctl plan` reads to reach the emulator as the synthetic app. */
export function planEnv(state: State, url: string): Record<string, string> {
  return {
    TENANTCTL_GRAPH_URL: url,
    AZURE_TENANT_ID: state.tenantId,
    AZURE_CLIENT_ID: state.apps[0]?.clientId ?? '',
    AZURE_CLIENT_SECRET: SYNTHETIC_SECRET,
    TENANTCTL_NOW: state.now,
  };
}

export interface PlanRun {
  readonly code: number | null;
  readonly wallMs: number;
  readonly peakRssMiB: number;
  /** User + system CPU seconds of the tenantctl process. */
  readonly cpuSeconds: number;
  readonly plan: { changes: unknown[]; diagnostics: unknown[] };
}

/** A tenantctl child process's exit code, wall time, peak RSS and CPU (GNU time), and its stderr. */
export interface TimedRun {
  readonly code: number | null;
  readonly wallMs: number;
  readonly peakRssMiB: number;
  /** User + system CPU seconds of the tenantctl process. */
  readonly cpuSeconds: number;
  /** What it wrote on stderr, GNU time's line last. */
  readonly stderr: string;
}

/** `tenantctl ARGS` as a child process under GNU time; its stdout to `stdout` (a file descriptor) or ignored. */
export async function timeTenantctl(args: readonly string[], env: Record<string, string>, options: { cwd?: string; stdout?: number } = {}): Promise<TimedRun> {
  const started = performance.now();
  // GNU time reports the child's peak RSS (maximum resident set size, KiB) and its user and system CPU seconds.
  const child = spawn('/usr/bin/time', ['-f', '%M %U %S', process.execPath, cli, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', options.stdout ?? 'ignore', 'pipe'], ...(options.cwd === undefined ? {} : { cwd: options.cwd }) });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  const wallMs = performance.now() - started;
  const [, kib, user, system] = (/(\d+) ([\d.]+) ([\d.]+)\s*$/u.exec(stderr.trim()) ?? []).map(Number);
  return { code, wallMs, peakRssMiB: Math.round((kib ?? Number.NaN) / 1024), cpuSeconds: (user ?? Number.NaN) + (system ?? Number.NaN), stderr };
}

/** `tenantctl plan DIR --format json --out DIR/plan.json` as a child process, timed, with its peak RSS. */
export async function runPlan(dir: string, env: Record<string, string>): Promise<PlanRun> {
  const { code, wallMs, peakRssMiB, cpuSeconds, stderr } = await timeTenantctl(['plan', dir, '--format', 'json', '--out', path.join(dir, 'plan.json')], env);
  if ((code !== 0 && code !== 1) || !existsSync(path.join(dir, 'plan.json'))) throw new Error(`plan exited ${code}: ${stderr}`);
  return { code, wallMs, peakRssMiB, cpuSeconds, plan: JSON.parse(readFileSync(path.join(dir, 'plan.json'), 'utf8')) as PlanRun['plan'] };
}

/** One entry of the emulator's request log, as `GET /_emulator/requests` gives it. */
export interface LoggedRequest {
  readonly seq: number;
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly inBatch?: number;
}

/** The emulator's request log after `since` (a `seq`). */
export async function requestLog(url: string, since = 0): Promise<LoggedRequest[]> {
  return ((await (await fetch(`${url}/_emulator/requests?since=${since}`)).json()) as { requests: LoggedRequest[] }).requests;
}

/** An endpoint's shape: ids and UPNs replaced by placeholders, batch items marked. */
export function endpointOf(entry: { method: string; path: string; inBatch?: number }): string {
  const shape = entry.path.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/giu, '{id}').replace(/\/users\/[^/]+@[^/]+/u, '/users/{upn}');
  return `${entry.inBatch === undefined ? '' : '  (in $batch) '}${entry.method} ${shape}`;
}
