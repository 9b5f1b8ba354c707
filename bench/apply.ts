/**
 * Apply benchmark (issue 5): `tenantctl apply --auto-approve` (its own process) against an emulator
 * (another process) that needs 10,000 license assignments and 1,000 restores, one write each, with
 * Graph's write budget scaled in time: 3,000 writes per 15 s instead of per 150 s. Records the
 * writes per second over the write phase as a share of the budget, the 429s received, failed
 * changes and wall time, then checks that `tenantctl plan --detailed-exitcode` finds nothing left.
 * Target: at least 90 % of the budget, zero failed changes.
 *
 *   npm run bench:apply                          # 10,000 assignments + 1,000 restores, 3,000 writes / 15 s
 *   node bench/apply.ts [ASSIGNMENTS] [RESTORES] [WRITES] [WINDOW_SECONDS]
 *   BENCH_APPLY_LOG=/tmp/log.json npm run bench:apply   # also keep the emulator's request log
 *
 * The resource-unit budget is Graph's, scaled by the same factor as the write budget (8,000 RU per
 * 10 s → per 1 s with the default window), so it never binds: every write costs 1 RU.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Seed, SeedUser } from '../src/emulator/directory/model.ts';
import { DAY_MS } from '../src/emulator/directory/model.ts';
import { generateSyntheticSeed, parseSyntheticSpec } from '../src/emulator/synthetic/synthetic.ts';
import { spawnEmulator } from './emulator-process.ts';

const repo = new URL('../', import.meta.url).pathname;
const cli = path.join(repo, 'bin/tenantctl.js');
const [assignArg, restoreArg, writesArg, windowArg] = process.argv.slice(2).map(Number);
const ASSIGNMENTS = assignArg ?? 10_000;
const RESTORES = restoreArg ?? 1_000;
const WRITES = writesArg ?? 3000;
const WRITE_WINDOW_SECONDS = windowArg ?? 15;
/** Graph's real write window; the time scale follows from it. */
const REAL_WRITE_WINDOW_SECONDS = 150;
const SCALE = REAL_WRITE_WINDOW_SECONDS / WRITE_WINDOW_SECONDS;
const LIMITS = { writes: WRITES, writeWindowSeconds: WRITE_WINDOW_SECONDS, resourceUnits: 8000, resourceUnitWindowSeconds: 10 / SCALE };
const DOMAIN = 'contoso.com';

interface LogEntry {
  readonly seq: number;
  readonly time: string;
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly inBatch?: number;
}

interface AuditLine {
  readonly time: string;
  readonly action: string;
  readonly outcome: 'applied' | 'failed' | 'skipped';
  readonly code?: string;
  readonly message?: string;
}

/**
 * The tenant: the synthetic generator's tenant id, app and first SKU (with its catalog service
 * plans), and our own users: ASSIGNMENTS active users with a usage location and no license, and
 * RESTORES users deleted 1–29 days ago who hold the SKU (restored, they hold it again), with
 * addresses no other object has. Enough seats for all.
 */
function buildSeed(): { seed: Seed; skuPartNumber: string } {
  const base = generateSyntheticSeed(parseSyntheticSpec(`users=0,deleted=0,skus=1,seed=5,groups=0,shared=0,domain=${DOMAIN}`));
  const sku = base.subscribedSkus[0];
  if (!sku) throw new Error('the synthetic generator made no SKU');
  const nowMs = Date.parse(base.now);
  const iso = (ms: number): string => new Date(ms - (ms % 1000)).toISOString().replace('.000Z', 'Z');
  const person = (n: number, kind: 'lic' | 'rst'): SeedUser => {
    const local = `bench.${kind}${String(n).padStart(5, '0')}`;
    const mail = `${local}@${DOMAIN}`;
    return {
      id: guid(kind === 'lic' ? 1 : 2, n),
      userPrincipalName: mail,
      displayName: `Bench ${kind === 'lic' ? 'Licensee' : 'Restoree'} ${n}`,
      accountEnabled: true,
      givenName: 'Bench',
      surname: `${kind} ${n}`,
      mail,
      mailNickname: local,
      usageLocation: 'NL',
      proxyAddresses: [`SMTP:${mail}`],
      onPremisesSyncEnabled: null,
      userType: 'Member',
      createdDateTime: iso(nowMs - 400 * DAY_MS),
      assignedLicenses: kind === 'lic' ? [] : [{ skuId: sku.skuId, disabledPlans: [] }],
      mailboxSettings: { userPurpose: 'user' },
    };
  };
  const users = Array.from({ length: ASSIGNMENTS }, (_, i) => person(i + 1, 'lic'));
  const deletedUsers = Array.from({ length: RESTORES }, (_, i) => ({ ...person(i + 1, 'rst'), deletedDateTime: iso(nowMs - (1 + (i % 28)) * DAY_MS - 3_600_000) }));
  const seats = ASSIGNMENTS + RESTORES + 100;
  return {
    seed: { ...base, users, deletedUsers, groups: [], subscribedSkus: [{ ...sku, prepaidUnits: { enabled: seats, suspended: 0, warning: 0, lockedOut: 0 } }] },
    skuPartNumber: sku.skuPartNumber,
  };
}

/** Distinct, valid version-4-shaped GUIDs from (kind, n). */
function guid(kind: number, n: number): string {
  const hex = n.toString(16).padStart(12, '0');
  return `b0000000-000${kind}-4000-8000-${hex}`;
}

/** One policy file declaring every user of the seed, active and deleted, with the SKU. */
function writePolicy(seed: Seed, skuPartNumber: string, dir: string): void {
  const lines = ['apiVersion: tenantctl/v1', 'kind: TenantPolicy', `tenant: {id: ${seed.tenantId}}`, 'defaults: {usageLocation: NL}', 'licenses:', `  standard: {sku: ${skuPartNumber}}`, 'users:'];
  for (const user of [...seed.users, ...seed.deletedUsers]) lines.push(`  - {userPrincipalName: ${user.userPrincipalName}, displayName: "${user.displayName}", licenses: [standard]}`);
  writeFileSync(path.join(dir, 'policy.yaml'), `${lines.join('\n')}\n`);
}


async function run(args: readonly string[], env: Record<string, string>): Promise<{ code: number | null; wallMs: number; stdout: string; stderr: string }> {
  const started = performance.now();
  const child = spawn(process.execPath, [cli, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { code, wallMs: performance.now() - started, stdout, stderr };
}

const isWrite = (e: LogEntry): boolean => e.method === 'POST' || e.method === 'PATCH' || e.method === 'PUT' || e.method === 'DELETE';
const seconds = (ms: number): number => Number((ms / 1000).toFixed(2));
const percent = (x: number): number => Number((x * 100).toFixed(1));

const dir = mkdtempSync(path.join(tmpdir(), 'tenantctl-bench-apply-'));
const { seed, skuPartNumber } = buildSeed();
const seedFile = path.join(dir, 'seed.json');
writeFileSync(seedFile, JSON.stringify(seed));
const policyDir = path.join(dir, 'policy');
mkdirSync(policyDir);
writePolicy(seed, skuPartNumber, policyDir);

const emulator = await spawnEmulator(['--seed', seedFile]);
try {
  const limitsResponse = await fetch(`${emulator.url}/_emulator/limits`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(LIMITS) });
  if (limitsResponse.status !== 200) throw new Error(`limits: HTTP ${limitsResponse.status} ${await limitsResponse.text()}`);
  await fetch(`${emulator.url}/_emulator/requests`, { method: 'DELETE' });
  const health = async (): Promise<{ cpuUserMs: number; cpuSystemMs: number }> => ((await (await fetch(`${emulator.url}/_emulator/health`)).json()) as { process: { cpuUserMs: number; cpuSystemMs: number } }).process;
  const cpuBefore = await health();
  const env = {
    TENANTCTL_GRAPH_URL: emulator.url,
    AZURE_TENANT_ID: seed.tenantId,
    AZURE_CLIENT_ID: emulator.clientId,
    AZURE_CLIENT_SECRET: seed.apps[0]?.clientSecret ?? '', // the synthetic tenant's documented local test credential
    TENANTCTL_NOW: seed.now,
  };
  const auditFile = path.join(dir, 'audit.jsonl');
  const apply = await run(['apply', policyDir, '--auto-approve', '--audit-log', auditFile], env);
  const cpuAfter = await health();
  const log = ((await (await fetch(`${emulator.url}/_emulator/requests`)).json()) as { requests: LogEntry[] }).requests;
  // BENCH_APPLY_LOG=FILE keeps the emulator's request log for a closer look.
  if (process.env['BENCH_APPLY_LOG']) writeFileSync(process.env['BENCH_APPLY_LOG'], JSON.stringify(log));
  const audit = readFileSync(auditFile, { encoding: 'utf8', flag: 'a+' }).split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as AuditLine);

  // Writes as Graph saw them (outer requests; tenantctl sends no writes in $batch).
  const writes = log.filter(isWrite).filter((e) => e.path !== '/$batch');
  const succeeded = writes.filter((e) => e.status >= 200 && e.status < 300);
  const times = succeeded.map((e) => Date.parse(e.time));
  const first = Math.min(...times);
  const last = Math.max(...times);
  const spanMs = last - first;
  const budgetPerSecond = WRITES / WRITE_WINDOW_SECONDS;
  const perSecond = spanMs > 0 ? succeeded.length / (spanMs / 1000) : Number.NaN;
  // An ideal client fills each window at its start: write k (from 0) no earlier than floor(k / WRITES) windows after the first.
  const idealSpanMs = Math.floor((succeeded.length - 1) / WRITES) * WRITE_WINDOW_SECONDS * 1000;
  // Writes per window from the first write on, and the fullest sliding window. The log's time is taken after the
  // handler, the throttler's before it, so a window by log time can hold one write more than the budget.
  const perWindow: number[] = [];
  for (const t of times) {
    const k = Math.floor((t - first) / (WRITE_WINDOW_SECONDS * 1000));
    perWindow[k] = (perWindow[k] ?? 0) + 1;
  }
  const sorted = [...times].sort((a, b) => a - b);
  let fullest = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while ((sorted[i] ?? 0) - (sorted[j] ?? 0) >= WRITE_WINDOW_SECONDS * 1000) j++;
    fullest = Math.max(fullest, i - j + 1);
  }
  // Attempts per write (a principal's write has one path), and how fast the client writes when nothing stops it.
  const attempts = new Map<string, number>();
  for (const e of writes) attempts.set(e.path, (attempts.get(e.path) ?? 0) + 1);
  const attemptsHistogram: Record<number, number> = {};
  for (const n of attempts.values()) attemptsHistogram[n] = (attemptsHistogram[n] ?? 0) + 1;
  const firstWindow = sorted.slice(0, WRITES);
  const burstMs = (firstWindow.at(-1) ?? first) - first;
  const outer429 = log.filter((e) => e.status === 429 && e.inBatch === undefined);
  const inner429 = log.filter((e) => e.status === 429 && e.inBatch !== undefined);
  const outcomes = { applied: 0, failed: 0, skipped: 0 };
  const changesByAction: Record<string, number> = {};
  for (const line of audit) {
    outcomes[line.outcome]++;
    changesByAction[line.action] = (changesByAction[line.action] ?? 0) + 1;
  }
  // The seed must make exactly one write per change: a restore, or an assignment.
  const asExpected = changesByAction['restore-user'] === RESTORES && changesByAction['assign-licenses'] === ASSIGNMENTS && audit.length === RESTORES + ASSIGNMENTS;
  const failures = audit.filter((l) => l.outcome === 'failed').slice(0, 5).map((l) => `${l.action}: ${l.code}: ${l.message}`);

  const replan = await run(['plan', policyDir, '--detailed-exitcode'], env);
  const summary = {
    assignments: ASSIGNMENTS,
    restores: RESTORES,
    limits: LIMITS,
    applyExitCode: apply.code,
    applySummary: /^Apply complete:.*$/mu.exec(apply.stdout)?.[0] ?? null,
    changesByAction,
    outcomes,
    failedChanges: outcomes.failed + outcomes.skipped,
    firstFailures: failures,
    wallSeconds: seconds(apply.wallMs),
    graphRequests: log.filter((e) => e.inBatch === undefined).length,
    writeAttempts: writes.length,
    successfulWrites: succeeded.length,
    writesByStatus: Object.fromEntries([...Map.groupBy(writes, (e) => e.status)].map(([s, l]) => [s, l.length]).sort()),
    throttled429: { outer: outer429.length, inner: inner429.length, onWrites: outer429.filter(isWrite).length },
    writePhaseSeconds: seconds(spanMs),
    writesPerSecond: Number(perSecond.toFixed(1)),
    budgetWritesPerSecond: budgetPerSecond,
    percentOfBudget: percent(perSecond / budgetPerSecond),
    idealWritePhaseSeconds: seconds(idealSpanMs),
    percentOfIdeal: percent(idealSpanMs / spanMs),
    attemptsPerWrite: attemptsHistogram,
    firstWindowBurst: { writes: firstWindow.length, seconds: seconds(burstMs), writesPerSecond: Math.round(firstWindow.length / (burstMs / 1000)) },
    writesPerWindow: Array.from(perWindow, (n) => n ?? 0),
    fullestWindowByLogTime: fullest,
    emulatorCpuSeconds: seconds(cpuAfter.cpuUserMs + cpuAfter.cpuSystemMs - cpuBefore.cpuUserMs - cpuBefore.cpuSystemMs),
    replanExitCode: replan.code,
    converged: replan.code === 0,
  };
  console.log(JSON.stringify(summary, null, 2));
  if (apply.code !== 0) process.stderr.write(`apply exited ${apply.code}; its stderr ends:\n${apply.stderr.slice(-2000)}\n`);
  if (replan.code !== 0) process.stderr.write(`plan --detailed-exitcode exited ${replan.code} (not converged); its output ends:\n${replan.stdout.slice(-2000)}${replan.stderr.slice(-2000)}\n`);
  if (!asExpected) process.stderr.write(`the plan was not ${ASSIGNMENTS} assignments and ${RESTORES} restores: ${JSON.stringify(changesByAction)}\n`);
  if (!asExpected || apply.code !== 0 || replan.code !== 0 || summary.failedChanges > 0) process.exitCode = 1;
} finally {
  emulator.stop();
  rmSync(dir, { recursive: true, force: true });
}
