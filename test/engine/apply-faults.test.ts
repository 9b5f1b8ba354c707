/**
 * applyPlan through the Graph adapter against an emulator that throttles, fails and drops
 * connections (`POST /_emulator/faults`, reproducible by seed). Apply must converge: a re-run is
 * allowed only for a change whose outcome a fault hid, and the tenant must never carry out a
 * restore or a create twice (docs/reconciliation.md §9; docs/architecture.md principle 11). Time is injected: the
 * adapter's waits return at once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Plan } from '../../src/domain/plan.ts';
import type { ApplyResult, ChangeOutcome } from '../../src/engine/apply.ts';
import { applyPlan } from '../../src/engine/apply.ts';
import { planTenant } from '../../src/engine/reconcile.ts';
import type { RunningEmulator } from '../../src/emulator/server.ts';
import { startEmulator } from '../../src/emulator/server.ts';
import type { RequestLogEntry } from '../../src/emulator/server.ts';
import {
  activeUser, directLicenses, duplicates, lastSeq, policyDir, readState, requestsSince, reseed, setFaults, successfulCreates, successfulRestores, writesIn,
} from '../support/apply-e2e.ts';
import { busyCreated, busyPolicy, busyProblems, busyRestorable, busySeed } from '../support/busy-tenant.ts';
import { contoso, E3, FIXTURE_NOW } from '../support/emulator.ts';
import { graphTenantFor } from '../support/graph-tenant.ts';

let emulator: RunningEmulator;
beforeAll(async () => {
  emulator = await startEmulator({ seed: busySeed(), port: 0 });
});
afterAll(() => emulator.close());

const MAX_ROUNDS = 4;

interface Round {
  readonly plan: Plan;
  readonly result: ApplyResult;
}

interface Convergence {
  readonly rounds: readonly Round[];
  /** The plan after the last round. */
  readonly final: Plan;
  readonly log: readonly RequestLogEntry[];
}

/** plan → apply until a plan has no changes (at most MAX_ROUNDS applies), all under the faults. */
async function applyUntilConverged(faults: Record<string, unknown>): Promise<Convergence> {
  await reseed(emulator.url, busySeed());
  const since = await lastSeq(emulator.url);
  await setFaults(emulator.url, faults);
  const dir = policyDir(busyPolicy());
  // One request per write, so that the request log shows each write's own fault.
  const tenant = graphTenantFor(emulator.url, busySeed(), { batchWrites: false }).tenant;
  const rounds: Round[] = [];
  let passwords = 0;
  for (;;) {
    const planned = await planTenant({ paths: [dir], cwd: dir, reader: tenant, now: FIXTURE_NOW });
    if (planned.kind !== 'planned') throw new Error('the busy policy is invalid');
    if (planned.plan.changes.length === 0 || rounds.length === MAX_ROUNDS) {
      await setFaults(emulator.url, {});
      return { rounds, final: planned.plan, log: await requestsSince(emulator.url, since) };
    }
    const result = await applyPlan(planned.plan, tenant, { newPassword: () => `Pw-${++passwords}-aA1!xYz9`, concurrency: 8 });
    rounds.push({ plan: planned.plan, result });
  }
}

const failed = (round: Round): Extract<ChangeOutcome, { status: 'failed' }>[] => round.result.outcomes.flatMap((o) => (o.status === 'failed' ? [o] : []));
const describeFailure = (o: Extract<ChangeOutcome, { status: 'failed' }>): string => `${o.change.action} ${o.change.userPrincipalName}: ${o.error.status} ${o.error.code}`;

/** The tenant afterwards: every declared principal repaired, each restored object by its own id. */
async function expectRepaired(): Promise<void> {
  const state = await readState(emulator.url);
  const activeIds = new Set(state.users.map((u) => u.id));
  for (const id of busyRestorable()) expect(activeIds, `restored ${id}`).toContain(id);
  for (const upn of busyCreated()) expect(directLicenses(activeUser(state, upn))).toEqual([`${E3}:`]);
  const e3 = state.subscribedSkus.find((s) => s.skuId === E3);
  expect(e3?.consumedUnits).toBeLessThanOrEqual(e3?.prepaidUnits.enabled ?? 0);
  // Attributes, managers (created by the same apply) and licensing-group memberships too.
  expect(busyProblems(state)).toEqual([]);
}

/** No object restored twice, no UPN created twice: one successful create per created user. */
function expectNothingDuplicated(run: Convergence): void {
  expect(duplicates(successfulRestores(run.log))).toEqual([]);
  expect([...successfulRestores(run.log).keys()].sort()).toEqual(busyRestorable().sort());
  expect(successfulCreates(run.log)).toBe(busyCreated().length);
}

/**
 * A failure whose outcome a fault hid: no answer (status 0, a reset) or a 5xx to a request that is
 * not safe to repeat. Anything else (a 4xx) is a real failure that no re-run should be needed for.
 * (That a 5xx to a restore or create needs a re-run at all is a known problem: see the last describe.)
 */
function hiddenOutcome(o: Extract<ChangeOutcome, { status: 'failed' }>): boolean {
  return o.error.status === null || o.error.status === 0 || o.error.status >= 500;
}

describe('apply converges under throttling, 5xx answers and resets', () => {
  it.each([1, 2, 3])('fault seed %i: converges, re-runs only what a fault hid, duplicates nothing', async (seed) => {
    const run = await applyUntilConverged({ seed, throttle: 0.1, error5xx: 0.05, reset: 0.01 });
    expect(run.final.changes, `not converged after ${run.rounds.length} rounds`).toEqual([]);
    expect(run.final.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(run.rounds[0]?.plan.changes.length).toBeGreaterThan(80);
    for (const round of run.rounds.slice(0, -1)) expect(failed(round).filter((o) => !hiddenOutcome(o)).map(describeFailure)).toEqual([]);
    // The faults really happened: throttles, 5xx and resets are all in the log.
    expect(run.log.some((e) => e.status === 429)).toBe(true);
    expect(run.log.some((e) => e.status >= 500)).toBe(true);
    expectNothingDuplicated(run);
    await expectRepaired();
  });

  it('a high reset rate (0.3): the idempotent restore and create paths converge without duplicates', async () => {
    const run = await applyUntilConverged({ seed: 7, reset: 0.3 });
    expect(run.final.changes, `not converged after ${run.rounds.length} rounds`).toEqual([]);
    for (const round of run.rounds.slice(0, -1)) expect(failed(round).filter((o) => !hiddenOutcome(o)).map(describeFailure)).toEqual([]);
    // Resets after the handler ran: writes that happened although the client never heard of them.
    const hidden = writesIn(run.log).filter((e) => e.fault === 'reset' && e.status >= 200 && e.status < 300);
    expect(hidden.length).toBeGreaterThan(0);
    // Each restore or create among them was either found done by the executor (a note, not sent
    // again) or, when the answer to its one retry was lost too, reported failed and left to the re-run.
    const lostAnswers = hidden.filter((e) => e.method === 'POST' && (e.path.endsWith('/restore') || e.path === '/users')).length;
    const outcomes = run.rounds.flatMap((r) => r.result.outcomes);
    const notes = outcomes.flatMap((o) => (o.status === 'applied' && o.note ? [o.note] : []));
    const unheard = outcomes.filter((o) => o.status === 'failed' && (o.change.action === 'restore-user' || o.change.action === 'create-user') && o.error.status === 0);
    for (const note of notes) expect(['it was already restored', 'it already exists']).toContain(note);
    expect(notes.length + unheard.length).toBeGreaterThanOrEqual(lostAnswers);
    expectNothingDuplicated(run);
    await expectRepaired();
  });
});

/**
 * Injected answers, by fetch (docs/architecture.md principle 6), to the first requests that `matches`, one
 * each, in order; an answer may send the request on (`send`) before it answers.
 */
function failing(matches: (method: string, url: string) => boolean, ...answers: ((send: () => Promise<Response>) => Promise<Response>)[]): typeof fetch {
  const queue = [...answers];
  return async (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    const method = (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase();
    const answer = matches(method, url) ? queue.shift() : undefined;
    return answer ? answer(() => fetch(input, init)) : fetch(input, init);
  };
}

const RESTORE_OR_CREATE = (method: string, url: string): boolean => method === 'POST' && (/\/restore$/u.test(url) || /\/v1\.0\/users$/u.test(url));
const badGateway = async (): Promise<Response> =>
  new Response(JSON.stringify({ error: { code: 'BadGateway', message: 'Bad gateway.', innerError: { date: '2026-11-22T00:00:00', 'request-id': '00000000-0000-4000-8000-0000000000b0', 'client-request-id': '00000000-0000-4000-8000-0000000000b1' } } }), { status: 502, headers: { 'Content-Type': 'application/json' } });
const lostConnection = (): TypeError => new TypeError('fetch failed', { cause: Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }) });
/** The connection drops before the request reaches Graph. */
const resetBefore = async (): Promise<Response> => {
  throw lostConnection();
};
/** Graph carries the request out; its answer is lost. */
const resetAfter = async (send: () => Promise<Response>): Promise<Response> => {
  const response = await send();
  await response.body?.cancel();
  throw lostConnection();
};

describe('a restore or create whose answer is lost is confirmed, then tried once more', () => {
  async function applyWith(fetchImpl: typeof fetch, policy: string): Promise<ApplyResult> {
    await reseed(emulator.url, contoso());
    const dir = policyDir(policy);
    const tenant = graphTenantFor(emulator.url, contoso(), { fetch: fetchImpl, batchWrites: false }).tenant;
    const planned = await planTenant({ paths: [dir], cwd: dir, reader: tenant, now: FIXTURE_NOW });
    if (planned.kind !== 'planned') throw new Error('invalid policy');
    return applyPlan(planned.plan, tenant, { newPassword: () => 'Pw-1-aA1!xYz9' });
  }
  const RESTORE_DAVE = 'defaults: {restore: {autoReconcileProxyConflict: true}}\nusers:\n  - {userPrincipalName: dave@contoso.com, displayName: Dave Visser}\n';
  const CREATE_ERIN = 'defaults: {whenMissing: create, usageLocation: NL}\nusers:\n  - {userPrincipalName: erin@contoso.com, displayName: Erin}\n';
  const outcomes = (result: ApplyResult): string[] => result.outcomes.map((o) => `${o.change.action} ${o.status}`);

  it.each([
    ['restore', RESTORE_DAVE, 'restore-user applied', 'dave@contoso.com'],
    ['create', CREATE_ERIN, 'create-user applied', 'erin@contoso.com'],
  ])('a reset before the %s reached Graph: not there yet, sent again, applied', async (_name, policy, expected, upn) => {
    const since = await lastSeq(emulator.url);
    const result = await applyWith(failing(RESTORE_OR_CREATE, resetBefore), policy);
    expect(outcomes(result)).toEqual([expected]);
    expect(activeUser(await readState(emulator.url), upn)).toBeDefined();
    expect(writesIn(await requestsSince(emulator.url, since))).toHaveLength(1);
  });

  it.each([
    ['restore', RESTORE_DAVE, 'it was already restored', 'dave@contoso.com'],
    ['create', CREATE_ERIN, 'it already exists', 'erin@contoso.com'],
  ])('a reset after the %s was carried out: found done, not sent again', async (_name, policy, note, upn) => {
    const since = await lastSeq(emulator.url);
    const result = await applyWith(failing(RESTORE_OR_CREATE, resetAfter), policy);
    expect(result.outcomes).toEqual([expect.objectContaining({ status: 'applied', note })]);
    expect(activeUser(await readState(emulator.url), upn)).toBeDefined();
    expect(writesIn(await requestsSince(emulator.url, since))).toHaveLength(1);
  });

  // The first attempt is lost before Graph sees it, the one retry is carried out but its answer is lost
  // too: apply reads the user once more and reports the change applied, since it happened.
  it.each([
    ['restore', RESTORE_DAVE, 'dave@contoso.com'],
    ['create', CREATE_ERIN, 'erin@contoso.com'],
  ])('a reset before the %s and another after its retry: reported applied, since it happened', async (_name, policy, upn) => {
    const result = await applyWith(failing(RESTORE_OR_CREATE, resetBefore, resetAfter), policy);
    expect(activeUser(await readState(emulator.url), upn)).toBeDefined();
    expect(result.outcomes.map((o) => o.status)).toEqual(['applied']);
  });

  // A 500/502/504 to the restore or create POST (not retried by the adapter: not safe to repeat
  // blindly) is confirmed not to have happened through readUser, and then sent once more.
  it.each([
    ['restore', RESTORE_DAVE, 'restore-user applied', 'dave@contoso.com'],
    ['create', CREATE_ERIN, 'create-user applied', 'erin@contoso.com'],
  ])('a 502 to the %s, which Graph did not carry out: confirmed not done, sent again, applied', async (_name, policy, expected, upn) => {
    const result = await applyWith(failing(RESTORE_OR_CREATE, badGateway), policy);
    expect(outcomes(result)).toEqual([expected]);
    expect(activeUser(await readState(emulator.url), upn)).toBeDefined();
  });
});

/**
 * Two applies of the same plan at once (two pipeline runs, or a person and a pipeline). The apply
 * workflow's concurrency group is the lock (docs/github-actions.md); without it, the outcome must
 * still be right: restores and creates are idempotent (the later one finds the step done), license
 * assignments and sign-in changes set a state, so a second write of the same state changes nothing.
 */
describe('two applies of one plan at once', () => {
  it('end where one apply would: repaired, nothing restored or created twice, the next plan empty', async () => {
    await reseed(emulator.url, busySeed());
    const since = await lastSeq(emulator.url);
    const dir = policyDir(busyPolicy());
    const first = graphTenantFor(emulator.url, busySeed()).tenant;
    const second = graphTenantFor(emulator.url, busySeed()).tenant;
    const planned = await planTenant({ paths: [dir], cwd: dir, reader: first, now: FIXTURE_NOW });
    if (planned.kind !== 'planned') throw new Error('the busy policy is invalid');
    let passwords = 0;
    const options = { newPassword: () => `Pw-${++passwords}-aA1!xYz9`, concurrency: 8 };

    const results = await Promise.all([applyPlan(planned.plan, first, options), applyPlan(planned.plan, second, options)]);

    const log = await requestsSince(emulator.url, since);
    expect(duplicates(successfulRestores(log))).toEqual([]);
    expect(successfulCreates(log)).toBe(busyCreated().length);
    await expectRepaired();
    const after = await planTenant({ paths: [dir], cwd: dir, reader: first, now: FIXTURE_NOW });
    if (after.kind !== 'planned') throw new Error('the busy policy is invalid');
    expect(after.plan.changes).toEqual([]);
    // Every change was made by one of the two runs.
    for (const [index, change] of planned.plan.changes.entries()) {
      expect(results.some((r) => r.outcomes[index]?.change === change && r.outcomes[index]?.status === 'applied'), `${change.action} ${change.userPrincipalName}`).toBe(true);
    }
  });
});
