/**
 * Crash safety (docs/reconciliation.md §9, docs/architecture.md principles 1 and 11): `tenantctl apply` as a child
 * process is killed with SIGKILL in the middle of its writes (the emulator, in this process, answers
 * slowly), then apply runs again. The second run converges (a plan afterwards has no changes), and
 * the tenant carried out no restore and no create twice, whatever the first run left in flight.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator/server.ts';
import { startEmulator } from '../../src/emulator/server.ts';
import {
  duplicates, planJson, policyDir, readState, requestsSince, reseed, setFaults, successfulCreates, successfulRestores, tenantctl, writesIn,
} from '../support/apply-e2e.ts';
import type { ApplyChild } from '../support/apply-child.ts';
import { startApplyChild } from '../support/apply-child.ts';
import { busyCreated, busyPolicy, busyProblems, busyRestorable, busySeed } from '../support/busy-tenant.ts';

const LATENCY_MS: [number, number] = [30, 60];
/** Kill once this many writes have been carried out: well after the first, well before the last. */
const KILL_AFTER_WRITES = 12;

let emulator: RunningEmulator;
beforeAll(async () => {
  emulator = await startEmulator({ seed: busySeed(), port: 0 });
});
afterAll(() => emulator.close());

/** How many writes after `since` (a `seq`) the emulator has carried out (2xx), from its log in this process. */
function writesDone(since: number): number {
  return writesIn(emulator.requests().filter((e) => e.seq > since)).filter((e) => e.status >= 200 && e.status < 300).length;
}

/** Node publishes every response an HTTP server of this process finishes here; the emulator is the only one. */
const RESPONSE_FINISHED = 'http.server.response.finish';

/**
 * Resolves once `count` writes have answered 2xx, or the child ended first (the caller checks which):
 * counted again each time the emulator finishes a response. No deadline: the suite's timeout is the
 * only one.
 */
function waitForWrites(since: number, count: number, child: ApplyChild): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      unsubscribe(RESPONSE_FINISHED, check);
      resolve();
    };
    const check = (): void => {
      if (writesDone(since) >= count) done();
    };
    subscribe(RESPONSE_FINISHED, check);
    void child.exit.then(done);
    check();
  });
}

describe('apply killed midway, then run again', () => {
  it.each([
    ['after its in-flight requests have landed', true],
    ['at once, slow too, racing the requests the killed run left in flight', false],
  ])('%s: converges and duplicates no restore or create', async (_name, settle) => {
    await reseed(emulator.url, busySeed());
    await setFaults(emulator.url, { seed: 11, latencyMs: LATENCY_MS });
    const dir = policyDir(busyPolicy());
    const since = emulator.requests().at(-1)?.seq ?? 0;

    const child = startApplyChild(emulator.url, dir);
    await waitForWrites(since, KILL_AFTER_WRITES, child);
    const writesBeforeKill = writesDone(since);
    child.kill();
    const exit = await child.exit;
    expect(exit.signal, `the first apply ended on its own: ${child.output()}`).toBe('SIGKILL');
    expect(writesBeforeKill).toBeGreaterThanOrEqual(KILL_AFTER_WRITES);
    if (settle) {
      // Requests the killed process had sent are still carried out (after the injected latency):
      // wait until the emulator has handled every one of them.
      await emulator.whenIdle();
      await setFaults(emulator.url, {});
      // Midway: some of the plan is done, much is not.
      const between = await planJson(emulator.url, dir);
      expect(between.plan.changes.length).toBeGreaterThan(0);
      expect(between.plan.changes.length).toBeLessThan(130);
    }

    const second = await tenantctl(emulator.url, ['apply', dir, '--auto-approve']);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).not.toMatch(/^failed /mu);
    // Without the settling above, requests of the killed run may still be in the emulator's hands.
    await emulator.whenIdle();
    await setFaults(emulator.url, {});

    const after = await planJson(emulator.url, dir);
    expect(after.plan.changes).toEqual([]);
    expect(after.code, after.run.stdout).toBe(0);

    const log = await requestsSince(emulator.url, since);
    expect(duplicates(successfulRestores(log))).toEqual([]);
    expect([...successfulRestores(log).keys()].sort()).toEqual(busyRestorable().sort());
    expect(successfulCreates(log)).toBe(busyCreated().length);
    const state = await readState(emulator.url);
    for (const upn of busyCreated()) expect(state.users.filter((u) => u.userPrincipalName === upn)).toHaveLength(1);
    // Attributes, managers (one the same apply created) and group memberships converged too.
    expect(busyProblems(state)).toEqual([]);
  });
});
