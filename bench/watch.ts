/**
 * Watch benchmark (issue 16): `tenantctl watch` as a child process against an emulator (its own process) serving
 * the synthetic tenant, with the policy of the plan benchmark (half the users and 500 shared mailboxes declared).
 *
 * - Deletion to restore: once watch's start-up has settled (two delta polls in a row with no change line between
 *   them), declared active users are deleted through Graph in waves (5 at a time by default), each at a moment
 *   uniform in [0, interval) after the previous wave ended; for each, the time from the DELETE's answer to watch's
 *   `heal` line (restore-user, applied) for that UPN. At the end each is read back: active, under the same id.
 *   Median, p95 and max per interval; the goal is p95 ≤ interval + 5 s.
 * - Idle cost: a 100,000-user tenant, after start-up settles, K delta polls with nothing changing; the Graph
 *   requests in that window from the emulator's request log ($batch counts one, token requests none), per poll
 *   and per hour at a 30-second interval (goal: ≤ 1 request per poll).
 *
 * If watch says something wrong (an error line, a failed restore, a restore that never comes), the benchmark stops
 * and prints what watch said.
 *
 *   npm run bench:watch                      # 10,000 users; 30s and 5s, 50 deletions each; idle at 100,000 users
 *   node bench/watch.ts --users=N --intervals=30s,5s --deletions=50 --per-wave=5 --idle-users=100000 \
 *                       --idle-interval=5s --idle-polls=20 --seed=16      # --idle-users=0: no idle run
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseDuration } from '../src/cli/watch.ts';
import { processCpuSeconds, type EmulatorProcess } from './emulator-process.ts';
import { DECLARED_SHARE, declaredUsers, planEnv, requestLog, startSyntheticEmulator, syntheticState, writePolicy } from './synthetic-tenant.ts';
import type { LoggedRequest, State } from './synthetic-tenant.ts';
import type { ArrivedLine, BenchWatch } from './watch/child.ts';
import { startBenchWatch } from './watch/child.ts';
import { parseArgs, pickDistinct, seededRandom, summarise, waveDelays, waveSizes } from './watch/stats.ts';

const args = parseArgs(process.argv.slice(2));

/** The breaker allows this many heals an hour: a run makes 50 restores plus the start-up's heals, more than the default 60. */
const MAX_CHANGES_PER_HOUR = 10_000;

type Line = ArrivedLine['line'];

/** What stops the benchmark: watch reporting an error, a failed or skipped restore, a tripped breaker. */
function misbehaves(line: Line): boolean {
  // A `finding` is the plan's report about the tenant (a synced user Graph cannot restore), not watch failing.
  return (line.level === 'error' && line.event !== 'finding') || line.event === 'failure' || line.event === 'breaker' || (line.event === 'heal' && line.action === 'restore-user' && line.outcome !== 'applied');
}

class WatchMisbehaved extends Error {}

/** Waits for a line `match` accepts; a line that `misbehaves` first stops the benchmark with what watch said. */
async function awaitLine(watch: BenchWatch, match: (line: Line) => boolean, from: number, timeoutMs: number, what: string): Promise<ArrivedLine> {
  let found: ArrivedLine;
  try {
    found = await watch.waitFor((l) => match(l) || misbehaves(l), from, timeoutMs, what);
  } catch (error) {
    throw new WatchMisbehaved(`${(error as Error).message}; watch's output:\n${tail(watch.output())}`);
  }
  if (!match(found.line)) throw new WatchMisbehaved(`watch said ${JSON.stringify(found.line)} while waiting for ${what}; watch's output:\n${tail(watch.output())}`);
  return found;
}

function tail(text: string, lines = 40): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

const isDeltaPoll = (r: LoggedRequest): boolean => r.inBatch === undefined && r.method === 'GET' && r.path.startsWith('/users/delta');
const isGraphRequest = (r: LoggedRequest): boolean => r.inBatch === undefined && !r.path.endsWith('/token') && !r.path.startsWith('/_emulator');
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A delta poll in the emulator's log: its seq and when it was answered. */
interface Poll {
  readonly seq: number;
  readonly timeMs: number;
}

/**
 * Waits until the emulator has answered the next delta poll after `after`: a `GET /users/delta` at least half an
 * interval after the previous one (the pages of one round follow each other at once; watch sleeps a whole interval
 * after a round). The log's paths carry no query, so a round's second page looks like its first but for the time.
 */
async function nextPoll(url: string, after: Poll, intervalMs: number, watch: BenchWatch): Promise<Poll> {
  const deadline = performance.now() + intervalMs * 3 + 10 * 60_000;
  let previous = after;
  for (;;) {
    for (const r of await requestLog(url, previous.seq)) {
      if (!isDeltaPoll(r)) continue;
      const poll = { seq: r.seq, timeMs: Date.parse((r as LoggedRequest & { time: string }).time) };
      if (poll.timeMs - previous.timeMs >= intervalMs / 2) return poll;
      previous = poll;
    }
    const bad = watch.lines().find((l) => misbehaves(l.line));
    if (bad) throw new WatchMisbehaved(`watch said ${JSON.stringify(bad.line)}; watch's output:\n${tail(watch.output())}`);
    if (performance.now() > deadline) throw new WatchMisbehaved(`no delta poll within ${Math.round((deadline - performance.now()) / 1000)} s; watch's output:\n${tail(watch.output())}`);
    await sleep(200);
  }
}

const CHANGE_EVENTS = new Set(['delta', 'plan', 'heal', 'drift']);

/**
 * Start-up has settled when watch has read the tenant and two delta polls in a row had nothing between them: no
 * other Graph request in the emulator's log, no change line from watch (the first rounds carry the start-up's own
 * heals back). Returns the second poll.
 */
async function settle(url: string, watch: BenchWatch, intervalMs: number): Promise<{ poll: Poll; startupLines: Line[] }> {
  await awaitLine(watch, (l) => l.event === 'full-read', 0, 20 * 60_000, 'the first full read');
  let poll = await nextPoll(url, { seq: 0, timeMs: 0 }, intervalMs, watch);
  let linesBefore = watch.lines().length;
  for (let round = 0; round < 20; round++) {
    const next = await nextPoll(url, poll, intervalMs, watch);
    // The lines of the round after `poll` were written before the next poll: give the pipe a moment.
    await sleep(100);
    const between = (await requestLog(url, poll.seq)).filter((r) => r.seq < next.seq && isGraphRequest(r) && !isDeltaPoll(r));
    const changed = watch.lines().slice(linesBefore).some((l) => CHANGE_EVENTS.has(l.line.event));
    poll = next;
    linesBefore = watch.lines().length;
    if (!changed && between.length === 0) return { poll, startupLines: watch.lines().map((l) => l.line) };
  }
  throw new WatchMisbehaved(`start-up did not settle in 20 polls; watch's output:\n${tail(watch.output())}`);
}

async function tokenOf(state: State, url: string): Promise<string> {
  const env = planEnv(state, url);
  const response = await fetch(`${url}/${state.tenantId}/oauth2/v2.0/token`, {
    method: 'POST',
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: env.AZURE_CLIENT_ID ?? '', client_secret: env.AZURE_CLIENT_SECRET ?? '', scope: 'https://graph.microsoft.com/.default' }),
  });
  const body = (await response.json()) as { access_token?: string };
  if (!body.access_token) throw new Error(`no token: ${JSON.stringify(body)}`);
  return body.access_token;
}

interface Setup {
  readonly emulator: EmulatorProcess;
  readonly state: State;
  readonly dir: string;
}

async function setUp(users: number): Promise<Setup> {
  const emulator = await startSyntheticEmulator(users);
  const state = syntheticState(users);
  const dir = mkdtempSync(path.join(tmpdir(), 'tenantctl-bench-watch-'));
  writePolicy(state, dir, Math.floor(users * DECLARED_SHARE));
  writeFileSync(path.join(dir, 'watch.yaml'), `apiVersion: tenantctl/v1\nkind: TenantPolicy\nwatch: {maxChangesPerHour: ${MAX_CHANGES_PER_HOUR}}\n`);
  return { emulator, state, dir };
}

function startupSummary(lines: readonly Line[]): Record<string, unknown> {
  const heals = new Map<string, number>();
  for (const l of lines) if (l.event === 'heal') heals.set(`${String(l.action)} ${String(l.outcome)}`, (heals.get(`${String(l.action)} ${String(l.outcome)}`) ?? 0) + 1);
  const full = lines.find((l) => l.event === 'full-read');
  return { fullRead: full ? { users: full.users, deletedUsers: full.deletedUsers } : null, heals: Object.fromEntries(heals), warnings: lines.filter((l) => l.level === 'warn' && l.event !== 'heal').length };
}

async function deletionRun(interval: string): Promise<Record<string, unknown>> {
  const intervalMs = parseDuration(interval);
  if (intervalMs === undefined) throw new Error(`--intervals: ${interval} is not a duration`);
  const { emulator, state, dir } = await setUp(args.users);
  const watch = startBenchWatch(dir, interval, planEnv(state, emulator.url));
  const startedAt = performance.now();
  try {
    const settled = await settle(emulator.url, watch, intervalMs);
    const settleSeconds = (performance.now() - startedAt) / 1000;
    const random = seededRandom(args.seed + intervalMs);
    // Cloud-only users: one synced from on-premises AD comes back from there, not through Graph (watch reports it).
    const restorable = declaredUsers(state, Math.floor(args.users * DECLARED_SHARE)).filter((u) => u.onPremisesSyncEnabled !== true);
    const targets = pickDistinct(restorable, args.deletions, random);
    const latencies: { upn: string; id: string; wave: number; delayMs: number; ms: number }[] = [];
    let next = 0;
    for (const [wave, size] of waveSizes(args.deletions, args.perWave).entries()) {
      const token = await tokenOf(state, emulator.url);
      const delays = waveDelays(size, intervalMs, random);
      const waveStart = performance.now();
      const users = targets.slice(next, next + size);
      next += size;
      const measured = await Promise.all(
        users.map(async (user, i) => {
          const delayMs = delays[i] ?? 0;
          await sleep(Math.max(0, waveStart + delayMs - performance.now()));
          const from = watch.lines().length;
          const response = await fetch(`${emulator.url}/v1.0/users/${user.id}`, { method: 'DELETE', headers: { Authorization: `Bearer ${token}` } });
          const deletedAt = performance.now();
          if (response.status !== 204) throw new Error(`DELETE /users/${user.id}: ${response.status} ${await response.text()}`);
          const upn = user.userPrincipalName.toLowerCase();
          const healed = await awaitLine(
            watch,
            (l) => l.event === 'heal' && l.action === 'restore-user' && String(l.userPrincipalName).toLowerCase() === upn && l.outcome === 'applied',
            from,
            3 * intervalMs + 60_000,
            `the restore of ${user.userPrincipalName} (${user.id}, deleted in wave ${wave + 1})`,
          );
          if (healed.line.objectId !== user.id) throw new WatchMisbehaved(`restored ${user.userPrincipalName} as ${String(healed.line.objectId)}, not ${user.id}`);
          return { upn: user.userPrincipalName, id: user.id, wave: wave + 1, delayMs, ms: healed.at - deletedAt };
        }),
      );
      latencies.push(...measured);
    }
    // Each restored user is active under its old id.
    const token = await tokenOf(state, emulator.url);
    const notActive: string[] = [];
    for (const { id, upn } of latencies) {
      const response = await fetch(`${emulator.url}/v1.0/users/${id}?$select=id,userPrincipalName`, { headers: { Authorization: `Bearer ${token}` } });
      const body = (await response.json()) as { id?: string };
      if (response.status !== 200 || body.id !== id) notActive.push(`${upn} (${id}): ${response.status}`);
    }
    if (notActive.length > 0) throw new WatchMisbehaved(`not active after watch said restored: ${notActive.join(', ')}`);
    const restores = (await requestLog(emulator.url, settled.poll.seq)).filter((r) => r.method === 'POST' && /\/directory\/deletedItems\/[^/]+\/restore$/u.test(r.path) && r.status < 300);
    return {
      interval,
      tenantUsers: args.users,
      declaredUsers: Math.floor(args.users * DECLARED_SHARE),
      startup: { ...startupSummary(settled.startupLines), settledAfterSeconds: Number(settleSeconds.toFixed(1)) },
      deletions: latencies.length,
      waves: waveSizes(args.deletions, args.perWave).length,
      ...summarise(latencies.map((l) => l.ms), intervalMs),
      restoreRequests: restores.length,
      allActiveUnderTheirIds: true,
      latenciesSeconds: latencies.map((l) => Number((l.ms / 1000).toFixed(2))),
    };
  } finally {
    await watch.stop();
    emulator.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function idleRun(): Promise<Record<string, unknown>> {
  const intervalMs = parseDuration(args.idleInterval);
  if (intervalMs === undefined) throw new Error(`--idle-interval: ${args.idleInterval} is not a duration`);
  const { emulator, state, dir } = await setUp(args.idleUsers);
  const watch = startBenchWatch(dir, args.idleInterval, planEnv(state, emulator.url));
  const startedAt = performance.now();
  try {
    const settled = await settle(emulator.url, watch, intervalMs);
    const settleSeconds = (performance.now() - startedAt) / 1000;
    const linesFrom = watch.lines().length;
    const cpuBefore = processCpuSeconds(watch.pid);
    const emulatorCpuBefore = emulator.cpuSeconds();
    const windowStart = performance.now();
    let poll = settled.poll;
    for (let i = 0; i < args.idlePolls; i++) poll = await nextPoll(emulator.url, poll, intervalMs, watch);
    const windowSeconds = (performance.now() - windowStart) / 1000;
    const cpu = processCpuSeconds(watch.pid) - cpuBefore;
    const emulatorCpu = emulator.cpuSeconds() - emulatorCpuBefore;
    // Rounds settled..settled+K-1 (the work after each poll) and polls settled+1..settled+K: K polls' worth.
    const inWindow = (await requestLog(emulator.url, settled.poll.seq)).filter((r) => r.seq <= poll.seq && isGraphRequest(r));
    const polls = args.idlePolls;
    const deltaRequests = inWindow.filter(isDeltaPoll).length;
    const byEndpoint = new Map<string, number>();
    for (const r of inWindow) byEndpoint.set(`${r.method} ${r.path.split('?')[0] ?? ''}`, (byEndpoint.get(`${r.method} ${r.path.split('?')[0] ?? ''}`) ?? 0) + 1);
    const perPoll = inWindow.length / Math.max(1, polls);
    return {
      tenantUsers: args.idleUsers,
      declaredUsers: Math.floor(args.idleUsers * DECLARED_SHARE),
      interval: args.idleInterval,
      startup: { ...startupSummary(settled.startupLines), settledAfterSeconds: Number(settleSeconds.toFixed(1)) },
      polls,
      deltaRequests,
      windowSeconds: Number(windowSeconds.toFixed(1)),
      graphRequests: inWindow.length,
      byEndpoint: Object.fromEntries(byEndpoint),
      requestsPerPoll: Number(perPoll.toFixed(3)),
      requestsPerHourAt30s: Number((perPoll * 120).toFixed(1)),
      goalMet: perPoll <= 1,
      changeLinesInWindow: watch.lines().slice(linesFrom).filter((l) => CHANGE_EVENTS.has(l.line.event)).length,
      watchCpuSecondsPerPoll: Number((cpu / Math.max(1, polls)).toFixed(3)),
      emulatorCpuSecondsPerPoll: Number((emulatorCpu / Math.max(1, polls)).toFixed(3)),
    };
  } finally {
    await watch.stop();
    emulator.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const results: Record<string, unknown> = { args, deletion: [] as unknown[], idle: null };
try {
  for (const interval of args.intervals) {
    const result = await deletionRun(interval);
    (results.deletion as unknown[]).push(result);
    console.error(`${interval}: ${JSON.stringify({ ...result, latenciesSeconds: undefined })}`);
  }
  if (args.idleUsers > 0) results.idle = await idleRun();
  console.log(JSON.stringify(results, null, 2));
} catch (error) {
  if (error instanceof WatchMisbehaved) {
    console.log(JSON.stringify(results, null, 2));
    console.error(`STOPPED: watch misbehaved: ${error.message}`);
    process.exitCode = 2;
  } else {
    throw error;
  }
}
