/**
 * Peers side by side (issue 15): against ONE emulator process serving the synthetic tenant of
 * `npm run bench:plan` (`users=N,deleted=N/20,skus=20,seed=7`), in one run of this script, in turn:
 *
 * 1. `tenantctl plan` (a child process) of the policy bench/plan.ts writes (half the users declared,
 *    500 shared mailboxes);
 * 2. a Terraform azuread-style refresh of the same declared users (bench/peers/terraform-read.ts);
 * 3. a Microsoft365DSC-style export of the tenant's users (bench/peers/m365dsc-read.ts).
 *
 * Each starts with a fresh throttling budget (`POST /_emulator/limits {}`: Graph's 8,000 RU per 10 s
 * for the app), and is charged by the emulator per call as throttle.ts prices it. Requests and 429s
 * are counted by the client (retries included) and, when the emulator's request log (200,000
 * entries) held the whole run, checked against it. Prints JSON: per tool its requests, wall time,
 * 429s, and the ratios to tenantctl.
 *
 *   npm run bench:peers                       # 10,000 users
 *   node bench/peers.ts 10000 100000          # several tenant sizes, one emulator each
 *   node bench/peers.ts 10000 --runs=3        # three rounds of the three tools on the same emulator
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { m365dscExport, M365DSC_RETRY } from './peers/m365dsc-read.ts';
import { terraformRefresh, TERRAFORM_PARALLELISM, TERRAFORM_RETRY } from './peers/terraform-read.ts';
import type { PeerStats, RetryPolicy } from './peers/transport.ts';
import { clientCredentialsToken, newStats, realSleep } from './peers/transport.ts';
import type { State } from './synthetic-tenant.ts';
import { DECLARED_SHARE, declaredUsers, planEnv, requestLog, runPlan, startSyntheticEmulator, SYNTHETIC_SECRET, syntheticState, writePolicy } from './synthetic-tenant.ts';

const args = process.argv.slice(2);
const runs = Number(/^--runs=(\d+)$/u.exec(args.find((a) => a.startsWith('--runs=')) ?? '')?.[1] ?? 1);
const sizes = args.filter((a) => !a.startsWith('--')).map(Number);
/** The emulator's request log keeps this many entries (src/emulator/server.ts). */
const LOG_CAPACITY = 200_000;

interface ToolRun {
  readonly tool: string;
  readonly requests: number;
  /** The same count from the emulator's log, when the log held the whole run. */
  readonly requestsInLog: number | null;
  readonly wallSeconds: number;
  readonly throttled429: number;
  readonly details: Record<string, unknown>;
}

const seconds = (ms: number): number => Number((ms / 1000).toFixed(2));

/** Fresh budgets and an empty log, so that each tool starts as if alone. */
async function resetEmulator(url: string): Promise<void> {
  await fetch(`${url}/_emulator/limits`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
  await fetch(`${url}/_emulator/requests`, { method: 'DELETE' });
}

/** Outer requests and 429s in the log, or null when the run did not fit in it. */
async function fromLog(url: string): Promise<{ requests: number; throttled: number } | null> {
  const log = await requestLog(url);
  if (log.length >= LOG_CAPACITY) return null;
  const outer = log.filter((e) => e.inBatch === undefined);
  return { requests: outer.length, throttled: outer.filter((e) => e.status === 429).length };
}

async function planRun(url: string, state: State, dir: string): Promise<ToolRun> {
  await resetEmulator(url);
  const result = await runPlan(dir, planEnv(state, url));
  const logged = await fromLog(url);
  if (logged === null) throw new Error('tenantctl plan made more requests than the log holds');
  return {
    tool: 'tenantctl plan',
    requests: logged.requests,
    requestsInLog: logged.requests,
    wallSeconds: seconds(result.wallMs),
    throttled429: logged.throttled,
    details: { exitCode: result.code, peakRssMiB: result.peakRssMiB, changes: result.plan.changes.length, diagnostics: result.plan.diagnostics.length },
  };
}

async function peerRun(url: string, state: State, tool: string, policy: RetryPolicy, read: (client: { baseUrl: string; token: string; policy: RetryPolicy; stats: PeerStats; sleep: typeof realSleep }) => Promise<Record<string, unknown>>): Promise<ToolRun> {
  await resetEmulator(url);
  const stats = newStats();
  const started = performance.now();
  // Sign-in is part of each tool's run, as it is of tenantctl's (its token request is not a Graph request).
  const token = await clientCredentialsToken(url, state.tenantId, state.apps[0]?.clientId ?? '', SYNTHETIC_SECRET);
  const result = await read({ baseUrl: url, token, policy, stats, sleep: realSleep });
  const wallMs = performance.now() - started;
  const logged = await fromLog(url);
  if (logged !== null && (logged.requests !== stats.requests || logged.throttled !== stats.throttled)) {
    throw new Error(`${tool}: the client counted ${stats.requests} requests (${stats.throttled} 429s), the emulator logged ${logged.requests} (${logged.throttled})`);
  }
  return {
    tool,
    requests: stats.requests,
    requestsInLog: logged?.requests ?? null,
    wallSeconds: seconds(wallMs),
    throttled429: stats.throttled,
    details: { ...result, retries: stats.retries, waitedSeconds: seconds(stats.waitedMs), failedCalls: stats.failedCalls },
  };
}

function withRatios(round: ToolRun[]): Record<string, unknown>[] {
  const base = round[0] as ToolRun;
  return round.map((run) => ({
    ...run,
    ratioToTenantctl: { requests: Number((run.requests / base.requests).toFixed(1)), wall: Number((run.wallSeconds / base.wallSeconds).toFixed(1)) },
  }));
}

async function bench(users: number): Promise<void> {
  const emulator = await startSyntheticEmulator(users);
  const dir = mkdtempSync(path.join(tmpdir(), 'tenantctl-peers-'));
  try {
    const state = syntheticState(users);
    const declared = writePolicy(state, dir, Math.floor(users * DECLARED_SHARE));
    const managed = declaredUsers(state, Math.floor(users * DECLARED_SHARE)).map((u) => u.id);
    const rounds: Record<string, unknown>[][] = [];
    for (let round = 0; round < runs; round += 1) {
      const plan = await planRun(emulator.url, state, dir);
      const terraform = await peerRun(emulator.url, state, `terraform-style refresh (${TERRAFORM_PARALLELISM} at a time)`, TERRAFORM_RETRY, async (client) => ({ ...(await terraformRefresh(client, managed)) }));
      const m365dsc = await peerRun(emulator.url, state, 'Microsoft365DSC-style export (sequential)', M365DSC_RETRY, async (client) => ({ ...(await m365dscExport(client)) }));
      rounds.push(withRatios([plan, terraform, m365dsc]));
      console.error(`peers: ${users} users, round ${round + 1}/${runs} done`);
    }
    console.log(JSON.stringify({ tenantUsers: users, deletedUsers: Math.round(users / 20), declaredUsers: declared.users, declaredMailboxes: declared.mailboxes, rounds }, null, 2));
  } finally {
    emulator.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

for (const users of sizes.length > 0 ? sizes : [10_000]) await bench(users);
