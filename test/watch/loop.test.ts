/**
 * The watch loop over the memory adapter (same port, same contract as Graph), with its clock and its sleep in the
 * test's hands: each `tick()` lets one interval pass. Asserts what the tenant holds afterwards and what was reported.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Change } from '../../src/domain/plan.ts';
import type { ChangeOutcome } from '../../src/engine/apply.ts';
import { createMemoryTenant } from '../../src/tenant/memory/tenant.ts';
import type { WatchEvents, WatchResult, WatchTenant } from '../../src/watch/loop.ts';
import { runWatch } from '../../src/watch/loop.ts';
import { policyDir, writePolicy } from '../support/apply-e2e.ts';
import { BOB, contoso, DAVE, FIXTURE_NOW } from '../support/emulator.ts';
import { memoryInputFromSeed } from '../support/memory-seed.ts';

const POLICY = 'defaults: {usageLocation: NL}\nusers:\n  - {userPrincipalName: bob@contoso.com, displayName: Bob de Vries, licenses: [e3]}\n  - {userPrincipalName: dave@contoso.com, displayName: Dave Visser, licenses: [e3]}\n';

interface Harness {
  readonly tenant: ReturnType<typeof createMemoryTenant>;
  readonly seen: { event: string; detail: unknown }[];
  readonly healed: ChangeOutcome[];
  readonly drift: { change: Change; healable: boolean }[];
  /** Lets one interval pass and resolves when the loop is asleep again. */
  tick(): Promise<void>;
  stop(): Promise<WatchResult>;
  /** The loop's result, without stopping it. */
  readonly done: Promise<WatchResult>;
}

let running: Harness | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
});

interface StartOptions {
  readonly dryRun?: boolean;
  /** Wraps the tenant the loop sees (faults); the harness keeps the real one. */
  readonly wrap?: (tenant: WatchTenant) => WatchTenant;
}

async function start(yaml: string, options: StartOptions = {}): Promise<Harness> {
  const tenant = createMemoryTenant(memoryInputFromSeed(contoso()));
  const seen: { event: string; detail: unknown }[] = [];
  const healed: ChangeOutcome[] = [];
  const drift: { change: Change; healable: boolean }[] = [];
  const record = (event: string) => (detail: unknown): void => void seen.push({ event, detail });
  const events: WatchEvents = {
    fullRead: record('full-read'),
    round: record('round'),
    planned: record('planned'),
    drift: (info) => void drift.push({ change: info.change, healable: info.healable }),
    finding: record('finding'),
    healed: (outcome) => void healed.push(outcome),
    breaker: record('breaker'),
    policy: record('policy'),
    failure: record('failure'),
  };
  let clock = Date.parse(FIXTURE_NOW);
  let wake: (() => void) | undefined;
  let asleep: (() => void) | undefined;
  let asleepNow = new Promise<void>((resolve) => (asleep = resolve));
  const controller = new AbortController();
  const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
    new Promise((resolve) => {
      wake = () => {
        clock += ms;
        resolve();
      };
      signal.addEventListener('abort', () => resolve(), { once: true });
      asleep?.();
    });
  const dir = policyDir(yaml);
  const result = runWatch(
    { paths: [dir], cwd: dir, intervalMs: 30_000, fullReadEveryMs: 86_400_000, dryRun: options.dryRun ?? false, fixedNow: FIXTURE_NOW },
    { tenant: options.wrap ? options.wrap(tenant) : tenant, clock: () => clock, sleep, newPassword: () => 'Aa1!'.repeat(6), events },
    controller.signal,
  );
  await asleepNow;
  const harness: Harness = {
    tenant,
    seen,
    healed,
    drift,
    tick: async () => {
      asleepNow = new Promise<void>((resolve) => (asleep = resolve));
      wake?.();
      await asleepNow;
    },
    stop: async () => {
      controller.abort();
      return result;
    },
    done: result,
  };
  running = harness;
  Object.assign(harness, { dir });
  return harness;
}

const active = async (h: Harness, id: string): Promise<boolean> => (await h.tenant.readTenant({ mailboxUserPrincipalNames: [] })).users.some((u) => u.id === id);

describe('runWatch', () => {
  it('restores a declared user deleted between two rounds, under its old id, with one round of reads', async () => {
    const h = await start(POLICY);
    // Dave was deleted before the start: healed by the first plan.
    expect(await active(h, DAVE)).toBe(true);
    h.tenant.deleteUser(BOB);
    await h.tick();
    expect(await active(h, BOB)).toBe(true);
    expect(h.healed.filter((o) => o.change.action === 'restore-user').map((o) => [o.change.userPrincipalName, o.status])).toEqual([
      ['dave@contoso.com', 'applied'],
      ['bob@contoso.com', 'applied'],
    ]);
    // Nothing changed since: an idle round plans nothing and heals nothing.
    const healedBefore = h.healed.length;
    await h.tick();
    expect(h.healed.length).toBe(healedBefore);
    expect((await h.stop()).kind).toBe('stopped');
  });

  it('reports without writing in a dry run', async () => {
    const h = await start(POLICY, { dryRun: true });
    h.tenant.deleteUser(BOB);
    await h.tick();
    expect(h.healed).toEqual([]);
    expect(await active(h, BOB)).toBe(false);
    expect(h.drift.filter((d) => d.change.action === 'restore-user').map((d) => [d.change.userPrincipalName, d.healable])).toEqual([
      ['dave@contoso.com', true],
      ['bob@contoso.com', true],
    ]);
  });

  it('trips the breaker when more heals would pass watch.maxChangesPerHour in an hour, and then heals nothing', async () => {
    const h = await start(`${POLICY}watch: {maxChangesPerHour: 3}\n`);
    // The first plan heals Dave (restore, licenses): within the limit.
    const first = h.healed.length;
    expect(first).toBeGreaterThan(0);
    h.tenant.deleteUser(BOB);
    await h.tick();
    h.tenant.deleteUser(DAVE);
    await h.tick();
    expect(h.seen.filter((e) => e.event === 'breaker')).toHaveLength(1);
    expect(await active(h, DAVE)).toBe(false);
  });

  it('keeps healing with the last valid policy when the files turn invalid', async () => {
    const h = await start(POLICY);
    writePolicy((h as unknown as { dir: string }).dir, 'users: [{userPrincipalName: 12}]\n');
    h.tenant.deleteUser(BOB);
    await h.tick();
    expect(h.seen.filter((e) => e.event === 'policy').map((e) => (e.detail as { valid: boolean }).valid)).toEqual([false]);
    expect(await active(h, BOB)).toBe(true);
  });

  it('reports a finding once when a declared user is deleted that Graph cannot restore (synced from on-premises)', async () => {
    const h = await start(`${POLICY}  - {userPrincipalName: frank@contoso.com, displayName: Frank}\n`);
    const findings = (): { code: string; userPrincipalName?: string }[] => h.seen.filter((e) => e.event === 'finding').map((e) => e.detail as { code: string; userPrincipalName?: string });
    // Frank is deleted and synced from on-premises AD: reported at start, not restored.
    expect(findings().filter((f) => f.userPrincipalName === 'frank@contoso.com').map((f) => f.code)).toEqual(['synced-from-on-premises']);
    h.tenant.deleteUser(BOB);
    await h.tick();
    // Seen again in the next plan: not reported twice.
    expect(findings().filter((f) => f.userPrincipalName === 'frank@contoso.com')).toHaveLength(1);
  });

  it('loses no deletion when reading the named users fails once: the next round reads them again', async () => {
    let failNext = false;
    const h = await start(POLICY, {
      wrap: (tenant) => Object.assign(Object.create(tenant) as WatchTenant, {
        readUsers: (ids: readonly string[], request: Parameters<WatchTenant['readUsers']>[1]) => {
          if (failNext) {
            failNext = false;
            return Promise.reject(new Error('Graph answered 503'));
          }
          return tenant.readUsers(ids, request);
        },
      }),
    });
    h.tenant.deleteUser(BOB);
    failNext = true;
    await h.tick();
    expect(h.seen.filter((e) => e.event === 'failure')).toHaveLength(1);
    expect(await active(h, BOB)).toBe(false);
    // Nothing new in the tenant; the link moved on, and Bob is read again all the same.
    await h.tick();
    expect(await active(h, BOB)).toBe(true);
  });

  it('starts no write once stopped: a stop during the read leaves the drift unhealed', async () => {
    const controller = { stop: undefined as (() => Promise<WatchResult>) | undefined };
    let stopDuringRead = false;
    const h = await start(POLICY, {
      wrap: (tenant) => Object.assign(Object.create(tenant) as WatchTenant, {
        readUsers: async (ids: readonly string[], request: Parameters<WatchTenant['readUsers']>[1]) => {
          const result = await tenant.readUsers(ids, request);
          if (stopDuringRead) void controller.stop?.();
          return result;
        },
      }),
    });
    controller.stop = h.stop;
    const before = h.healed.length;
    h.tenant.deleteUser(BOB);
    stopDuringRead = true;
    // The round starts; the stop comes during its read, and the loop never sleeps again.
    void h.tick();
    expect((await h.done).kind).toBe('stopped');
    expect(h.seen.filter((e) => e.event === 'round')).toHaveLength(1);
    expect(h.healed.length).toBe(before);
    expect(await active(h, BOB)).toBe(false);
  });

  it('reports invalid policy files once, not at every interval', async () => {
    const h = await start(POLICY);
    writePolicy((h as unknown as { dir: string }).dir, 'users: [{userPrincipalName: 12}]\n');
    for (let i = 0; i < 4; i++) await h.tick();
    expect(h.seen.filter((e) => e.event === 'policy')).toHaveLength(1);
  });

  it('reads everything again when the tenant no longer knows the delta link', async () => {
    const h = await start(POLICY);
    // Eight days later the link has expired (tokens live seven days of the directory clock).
    h.tenant.setNow('2026-11-30T00:00:00Z');
    await h.tick();
    expect(h.seen.filter((e) => e.event === 'full-read').map((e) => (e.detail as { reason: string }).reason)).toEqual(['start', 'delta-expired']);
    expect(h.seen.filter((e) => e.event === 'failure')).toEqual([]);
  });
});
