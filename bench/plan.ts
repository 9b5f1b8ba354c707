/**
 * Plan benchmark (issue 4): `tenantctl plan` against an emulator (its own process) seeded with a
 * synthetic tenant, for a policy declaring half its users and 500 shared mailboxes. Records wall
 * time, Graph requests by endpoint, and tenantctl's peak RSS.
 *
 *   npm run bench:plan                   # 100,000 users, 5,000 deleted, 20 SKUs; 50,000 + 500 declared
 *   node bench/plan.ts 10000 50000 100000 200000   # the scaling series (users in the tenant)
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generateSyntheticSeed, parseSyntheticSpec } from '../src/emulator/synthetic/synthetic.ts';
import { spawnEmulator } from './emulator-process.ts';

const repo = new URL('../', import.meta.url).pathname;
const cli = path.join(repo, 'bin/tenantctl.js');
const sizes = process.argv.slice(2).map(Number);
/** The policy declares this share of the tenant's users (50,000 of 100,000), and 500 shared mailboxes. */
const DECLARED_SHARE = 0.5;

interface StateUser {
  readonly id: string;
  readonly userPrincipalName: string;
  readonly displayName: string;
  readonly accountEnabled: boolean;
  readonly usageLocation: string | null;
  readonly assignedLicenses: readonly { skuId: string; disabledPlans: string[] }[];
  readonly mailboxSettings?: { userPurpose: string };
}

interface State {
  readonly tenantId: string;
  readonly now: string;
  readonly users: readonly StateUser[];
  readonly subscribedSkus: readonly { skuId: string; skuPartNumber: string }[];
  readonly apps: readonly { clientId: string }[];
}

function startEmulator(users: number): ReturnType<typeof spawnEmulator> {
  return spawnEmulator(['--synthetic', `users=${users},deleted=${Math.round(users / 20)},skus=20,seed=7`]);
}

/** A policy declaring every other ordinary user (with the licenses it holds directly) and 500 shared mailboxes. */
function writePolicy(state: State, dir: string, declaredUsers: number): { users: number; mailboxes: number } {
  const names = new Map(state.subscribedSkus.map((s) => [s.skuId, s.skuPartNumber]));
  const lines = ['apiVersion: tenantctl/v1', 'kind: TenantPolicy', `tenant: {id: ${state.tenantId}}`, 'defaults: {usageLocation: NL}', 'users:'];
  const ordinary = state.users.filter((u) => (u.mailboxSettings?.userPurpose ?? 'user') === 'user');
  let users = 0;
  // Every other ordinary user, then the rest from the start, until the count is reached.
  const order = [...ordinary.filter((_, i) => i % 2 === 0), ...ordinary.filter((_, i) => i % 2 === 1)];
  for (const user of order) {
    if (users >= declaredUsers) break;
    // A seed's assignedLicenses are the direct ones.
    const licenses = (user.assignedLicenses ?? []).map((l) => `{sku: ${names.get(l.skuId)}}`);
    lines.push(`  - {userPrincipalName: ${user.userPrincipalName}, displayName: "${user.displayName}", licenses: [${licenses.join(', ')}]}`);
    users++;
  }
  lines.push('mailboxes:');
  const shared = state.users.filter((u) => u.mailboxSettings?.userPurpose === 'shared').slice(0, 500);
  for (const mailbox of shared) lines.push(`  - {userPrincipalName: ${mailbox.userPrincipalName}, displayName: "${mailbox.displayName}", type: shared}`);
  writeFileSync(path.join(dir, 'policy.yaml'), `${lines.join('\n')}\n`);
  return { users, mailboxes: shared.length };
}

async function runPlan(dir: string, env: Record<string, string>): Promise<{ code: number | null; wallMs: number; peakRssMiB: number; plan: { changes: unknown[]; diagnostics: unknown[] } }> {
  const started = performance.now();
  // GNU time reports the child's peak RSS (maximum resident set size, KiB).
  const child = spawn('/usr/bin/time', ['-f', '%M', process.execPath, cli, 'plan', dir, '--format', 'json', '--out', path.join(dir, 'plan.json')], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  const wallMs = performance.now() - started;
  const kib = Number(/(\d+)\s*$/u.exec(stderr.trim())?.[1] ?? Number.NaN);
  if ((code !== 0 && code !== 1) || !existsSync(path.join(dir, "plan.json"))) throw new Error(`plan exited ${code}: ${stderr}`);
  return { code, wallMs, peakRssMiB: Math.round(kib / 1024), plan: JSON.parse(readFileSync(path.join(dir, 'plan.json'), 'utf8')) as { changes: unknown[]; diagnostics: unknown[] } };
}

function endpointOf(entry: { method: string; path: string; inBatch?: number }): string {
  const shape = entry.path.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/giu, '{id}').replace(/\/users\/[^/]+@[^/]+/u, '/users/{upn}');
  return `${entry.inBatch === undefined ? '' : '  (in $batch) '}${entry.method} ${shape}`;
}

async function bench(users: number): Promise<void> {
  const emulator = await startEmulator(users);
  const dir = mkdtempSync(path.join(tmpdir(), 'tenantctl-bench-'));
  try {
    // The synthetic tenant is deterministic: generate the same one here instead of downloading it.
    const state = generateSyntheticSeed(parseSyntheticSpec(`users=${users},deleted=${Math.round(users / 20)},skus=20,seed=7`)) as unknown as State;
    const declared = writePolicy(state, dir, Math.floor(users * DECLARED_SHARE));
    await fetch(`${emulator.url}/_emulator/requests`, { method: 'DELETE' });
    const env = {
      TENANTCTL_GRAPH_URL: emulator.url,
      AZURE_TENANT_ID: state.tenantId,
      AZURE_CLIENT_ID: state.apps[0]?.clientId ?? '',
      AZURE_CLIENT_SECRET: 'synthetic-secret-7', // the synthetic tenant's documented local test credential
      TENANTCTL_NOW: state.now,
    };
    const result = await runPlan(dir, env);
    const log = ((await (await fetch(`${emulator.url}/_emulator/requests`)).json()) as { requests: { method: string; path: string; inBatch?: number }[] }).requests;
    const outer = log.filter((e) => e.inBatch === undefined);
    const byEndpoint = new Map<string, number>();
    for (const entry of log) byEndpoint.set(endpointOf(entry), (byEndpoint.get(endpointOf(entry)) ?? 0) + 1);
    const deleted = Math.round(users / 20);
    const budget = Math.ceil(users / 999) + Math.ceil(deleted / 999) + 1 + Math.ceil(declared.mailboxes / 20) + 2;
    console.log(
      JSON.stringify(
        {
          tenantUsers: users,
          deletedUsers: deleted,
          declaredUsers: declared.users,
          declaredMailboxes: declared.mailboxes,
          exitCode: result.code,
          wallSeconds: Number((result.wallMs / 1000).toFixed(2)),
          peakRssMiB: result.peakRssMiB,
          graphRequests: outer.length,
          requestBudget: budget,
          byEndpoint: Object.fromEntries([...byEndpoint].sort()),
          changes: result.plan.changes.length,
          diagnostics: result.plan.diagnostics.length,
        },
        null,
        2,
      ),
    );
  } finally {
    emulator.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

for (const users of sizes.length > 0 ? sizes : [100_000]) await bench(users);
