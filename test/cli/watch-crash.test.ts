/**
 * `tenantctl watch` under faults and killed mid-heal (issue 16): against a busy tenant (dozens of restores,
 * licenses, creates, memberships) with throttling, 5xx answers and connection resets, watch is killed with SIGKILL
 * once a dozen of its writes have landed, then started again. The second run reads the whole tenant, heals the rest
 * and converges (a plan with no changes), and no restore or create was carried out twice.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator/server.ts';
import { startEmulator } from '../../src/emulator/server.ts';
import { duplicates, policyDir, readState, requestsSince, setFaults, successfulCreates, successfulRestores, writesIn } from '../support/apply-e2e.ts';
import { busyCreated, busyPolicy, busyProblems, busyRestorable, busySeed } from '../support/busy-tenant.ts';
import type { WatchChild } from '../support/watch-child.ts';
import { startWatchChild } from '../support/watch-child.ts';

/** Every action healed without a person: the busy tenant needs them all. */
const HEAL_EVERYTHING = `---\napiVersion: tenantctl/v1\nkind: TenantPolicy\nwatch:\n  heal: [restore-user, create-user, update-attributes, set-manager, set-usage-location, assign-licenses, add-group-member, enable-sign-in, block-sign-in]\n  maxChangesPerHour: 10000\n`;
const KILL_AFTER_WRITES = 12;
const RESPONSE_FINISHED = 'http.server.response.finish';

let emulator: RunningEmulator;
beforeAll(async () => {
  emulator = await startEmulator({ seed: busySeed(), port: 0 });
});
afterAll(() => emulator.close());

function writesDone(): number {
  return writesIn(emulator.requests()).filter((e) => e.status >= 200 && e.status < 300).length;
}

/** Resolves once `count` writes have answered 2xx, or the child ended first. No deadline but the suite's. */
function waitForWrites(count: number, child: WatchChild): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      unsubscribe(RESPONSE_FINISHED, check);
      resolve();
    };
    const check = (): void => {
      if (writesDone() >= count) done();
    };
    subscribe(RESPONSE_FINISHED, check);
    void child.exit.then(done);
    check();
  });
}

describe('watch killed mid-heal under faults, then started again', () => {
  it('converges, with no restore or create done twice', async () => {
    await setFaults(emulator.url, { seed: 5, throttle: 0.1, error5xx: 0.05, reset: 0.01, latencyMs: [20, 40] });
    const dir = policyDir(`${busyPolicy()}${HEAL_EVERYTHING}`);
    const first = startWatchChild(emulator.url, dir, ['--interval', '200ms']);
    await waitForWrites(KILL_AFTER_WRITES, first);
    first.kill();
    expect((await first.exit).signal, first.output()).toBe('SIGKILL');

    const second = startWatchChild(emulator.url, dir, ['--interval', '200ms']);
    try {
      // Converged: a plan after a read finds nothing to change.
      await second.waitFor((l) => l.event === 'plan' && l.changes === 0);
      second.stop();
      expect((await second.exit).code, second.output()).toBe(0);
    } finally {
      second.kill();
    }
    await setFaults(emulator.url, {});
    const log = await requestsSince(emulator.url, 0);
    expect(duplicates(successfulRestores(log))).toEqual([]);
    expect([...successfulRestores(log).keys()].sort()).toEqual(busyRestorable().sort());
    expect(successfulCreates(log)).toBe(busyCreated().length);
    expect(busyProblems(await readState(emulator.url))).toEqual([]);
  }, 180_000);
});
