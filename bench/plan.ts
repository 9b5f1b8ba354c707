/**
 * Plan benchmark (issues 4 and 15): `tenantctl plan` against an emulator (its own process) seeded with a
 * synthetic tenant, for a policy declaring half its users and 500 shared mailboxes. Records wall time,
 * tenantctl's CPU and peak RSS, the emulator's CPU for the same run, and Graph requests by endpoint
 * beside the minimum the read can take.
 *
 *   npm run bench:plan                              # 100,000 users, 5,000 deleted, 20 SKUs; 50,000 + 500 declared
 *   node bench/plan.ts 10000 100000 200000 1000000  # the scaling series (users in the tenant)
 *   node bench/plan.ts --latency=200,400 100000     # each Graph answer delayed 200-400 ms, as real Graph pages take
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { holdsRemovedMailboxPlan } from '../src/domain/exchange-plans.ts';
import { DECLARED_SHARE, endpointOf, planEnv, requestLog, runPlan, startSyntheticEmulator, syntheticState, writePolicy } from './synthetic-tenant.ts';
import type { State } from './synthetic-tenant.ts';

const args = process.argv.slice(2);
const latencyArg = args.find((a) => a.startsWith('--latency='));
const latency = latencyArg === undefined ? undefined : (latencyArg.slice('--latency='.length).split(',').map(Number) as [number, number]);
const sizes = args.filter((a) => !a.startsWith('--')).map(Number);
const pages = (n: number): number => Math.max(1, Math.ceil(n / 999));

/**
 * The fewest requests the read can take (issue 15): the pages of users, of deleted users and of the users who
 * hold a removed Exchange plan, the SKUs, the license-assigning groups when a license comes from one, and one
 * `$batch` per 20 declared mailboxes.
 */
function minimumRequests(state: State, deleted: number, mailboxes: number, groups: boolean): number {
  const removed = state.users.filter((u) => holdsRemovedMailboxPlan(u.assignedPlans ?? [])).length;
  return pages(state.users.length) + pages(deleted) + pages(removed) + 1 + (groups ? 1 : 0) + Math.ceil(mailboxes / 20);
}

async function bench(users: number): Promise<void> {
  const emulator = await startSyntheticEmulator(users);
  const dir = mkdtempSync(path.join(tmpdir(), 'tenantctl-bench-'));
  try {
    const state = syntheticState(users);
    const declared = writePolicy(state, dir, Math.floor(users * DECLARED_SHARE));
    if (latency) {
      const answer = await fetch(`${emulator.url}/_emulator/faults`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ seed: 1, latencyMs: latency }) });
      if (answer.status !== 200) throw new Error(`the emulator refused the latency: ${answer.status} ${await answer.text()}`);
    }
    await fetch(`${emulator.url}/_emulator/requests`, { method: 'DELETE' });
    const emulatorCpuBefore = emulator.cpuSeconds();
    const result = await runPlan(dir, planEnv(state, emulator.url));
    const emulatorCpu = emulator.cpuSeconds() - emulatorCpuBefore;
    const log = await requestLog(emulator.url);
    const outer = log.filter((e) => e.inBatch === undefined);
    const byEndpoint = new Map<string, number>();
    for (const entry of log) byEndpoint.set(endpointOf(entry), (byEndpoint.get(endpointOf(entry)) ?? 0) + 1);
    const deleted = Math.round(users / 20);
    const groups = outer.some((e) => e.path === '/groups');
    console.log(
      JSON.stringify(
        {
          tenantUsers: users,
          deletedUsers: deleted,
          declaredUsers: declared.users,
          declaredMailboxes: declared.mailboxes,
          latencyMs: latency ?? null,
          exitCode: result.code,
          wallSeconds: Number((result.wallMs / 1000).toFixed(2)),
          tenantctlCpuSeconds: Number(result.cpuSeconds.toFixed(2)),
          emulatorCpuSeconds: Number(emulatorCpu.toFixed(2)),
          cpuRatio: Number((result.cpuSeconds / emulatorCpu).toFixed(2)),
          peakRssMiB: result.peakRssMiB,
          graphRequests: outer.length,
          minimumRequests: minimumRequests(state, deleted, declared.mailboxes, groups),
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
