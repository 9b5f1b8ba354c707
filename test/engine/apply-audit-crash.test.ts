/**
 * The audit log survives a kill (docs/cli-reference.md §11): `tenantctl apply --audit-log FILE` as a
 * child process is killed with SIGKILL in the middle of its writes (the emulator, in this process,
 * answers slowly), and once every request it had sent has landed, the file is held against the
 * emulator's request log. What is asserted, precisely:
 *
 * - every line of the file is one whole JSON object, and every one is an `applied` line;
 * - every applied line names a write the emulator had carried out (answered 2xx) before the kill:
 *   no line is written before its outcome is known;
 * - every write the emulator carried out (2xx, including the ones that landed after the kill) has an
 *   applied line, except writes in flight at the kill: a principal's steps run one at a time, so
 *   each principal has at most one such write, its last; so at most apply's concurrency (20) in all.
 *
 * Writes are matched to lines per principal (object id) and kind of request (restore, create, PATCH
 * of the user, assignLicense), in order; creates, whose request names no principal, by count.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RequestLogEntry, RunningEmulator } from '../../src/emulator/server.ts';
import { startEmulator } from '../../src/emulator/server.ts';
import { policyDir, readState, reseed, setFaults, tempDir, writesIn } from '../support/apply-e2e.ts';
import { startApplyChild } from '../support/apply-child.ts';
import { busyPolicy, busySeed } from '../support/busy-tenant.ts';

const LATENCY_MS: [number, number] = [30, 60];
/**
 * Kill once this many writes have been carried out: more than one `$batch` of 20 (the answer that
 * triggers the kill is not yet read by the child), well before the last of the plan's ~100.
 */
const KILL_AFTER_WRITES = 40;
/** Principals apply works on at once (src/engine/apply.ts): the most writes that can be in flight. */
const CONCURRENCY = 20;
/** Node publishes every response an HTTP server of this process finishes here; the emulator is the only one. */
const RESPONSE_FINISHED = 'http.server.response.finish';

let emulator: RunningEmulator;
beforeAll(async () => {
  emulator = await startEmulator({ seed: busySeed(), port: 0 });
});
afterAll(() => emulator.close());

/** Writes after `since` (a `seq`) the emulator carried out (2xx), from its log in this process. */
function writesDone(since: number): RequestLogEntry[] {
  return writesIn(emulator.requests().filter((e) => e.seq > since)).filter((e) => e.status >= 200 && e.status < 300);
}

type Kind = 'restore' | 'create' | 'patch' | 'assignLicense';

/** The kind of a write request, and the principal its path names (none for a create). */
function requestKey(entry: RequestLogEntry): { kind: Kind; principal: string | undefined } {
  const restore = /^\/directory\/deletedItems\/([^/]+)\/restore$/u.exec(entry.path);
  if (restore) return { kind: 'restore', principal: decodeURIComponent(restore[1] ?? '').toLowerCase() };
  if (entry.path === '/users') return { kind: 'create', principal: undefined };
  const assign = /^\/users\/([^/]+)\/assignLicense$/u.exec(entry.path);
  if (assign) return { kind: 'assignLicense', principal: decodeURIComponent(assign[1] ?? '').toLowerCase() };
  const user = /^\/users\/([^/]+)$/u.exec(entry.path);
  if (user && entry.method === 'PATCH') return { kind: 'patch', principal: decodeURIComponent(user[1] ?? '').toLowerCase() };
  throw new Error(`unexpected write ${entry.method} ${entry.path}`);
}

/** The kind of request an audit line's action is carried out with (docs/reconciliation.md §4). */
function actionKind(action: string): Kind {
  switch (action) {
    case 'restore-user':
      return 'restore';
    case 'create-user':
      return 'create';
    case 'assign-licenses':
    case 'remove-licenses':
      return 'assignLicense';
    default:
      return 'patch';
  }
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return groups;
}

describe('apply --audit-log killed midway', () => {
  it('the file holds an applied line for every write carried out, but for the writes in flight at the kill', async () => {
    await reseed(emulator.url, busySeed());
    await setFaults(emulator.url, { seed: 7, latencyMs: LATENCY_MS });
    const dir = policyDir(busyPolicy());
    const audit = path.join(tempDir(), 'audit.jsonl');
    const since = emulator.requests().at(-1)?.seq ?? 0;

    const child = startApplyChild(emulator.url, dir, ['--audit-log', audit]);
    const output = child.output;
    const exit = child.exit.then((ended) => ended.signal);

    // Kill in the same turn of this process's event loop as the check: the emulator (in this process)
    // answers nothing between the log's last entry read here and the kill.
    let lastSeqAtKill = 0;
    await new Promise<void>((resolve) => {
      const stop = (): void => {
        unsubscribe(RESPONSE_FINISHED, check);
        resolve();
      };
      function check(): void {
        if (writesDone(since).length < KILL_AFTER_WRITES) return;
        lastSeqAtKill = emulator.requests().at(-1)?.seq ?? 0;
        child.kill();
        stop();
      }
      subscribe(RESPONSE_FINISHED, check);
      void exit.then(stop);
      check();
    });
    expect(await exit, `apply ended on its own: ${output()}`).toBe('SIGKILL');
    // The requests the killed process had sent are still carried out (after the injected latency).
    await emulator.whenIdle();
    await setFaults(emulator.url, {});

    const done = writesDone(since);
    const text = existsSync(audit) ? readFileSync(audit, 'utf8') : '';
    expect(text === '' || text.endsWith('\n'), 'the file ends with a whole line').toBe(true);
    const lines = text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as { action: string; userPrincipalName: string; objectId?: string; outcome: string; requestId?: string | null });
    // The kill came midway: lines were written before it.
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.every((l) => l.outcome === 'applied' && typeof l.requestId === 'string')).toBe(true);

    // Audit lines name their principal by object id, or (a created user's) by UPN: both to ids.
    const idOf = new Map((await readState(emulator.url)).users.map((u) => [u.userPrincipalName.toLowerCase(), u.id.toLowerCase()]));
    const principalOf = (key: string): string => idOf.get(key) ?? key;
    const lineKey = (l: (typeof lines)[number]): string => principalOf((l.objectId ?? l.userPrincipalName).toLowerCase());

    // Creates: by count. Every create line is a create carried out before the kill; those without a line were in flight.
    const createsDone = done.filter((e) => requestKey(e).kind === 'create');
    const createLines = lines.filter((l) => actionKind(l.action) === 'create');
    expect(createLines.length).toBeLessThanOrEqual(createsDone.filter((e) => e.seq <= lastSeqAtKill).length);

    // The other writes: per principal, in order.
    const writes = done.filter((e) => requestKey(e).kind !== 'create');
    const writesByPrincipal = groupBy(writes, (e) => principalOf(requestKey(e).principal ?? ''));
    const linesByPrincipal = groupBy(lines.filter((l) => actionKind(l.action) !== 'create'), lineKey);
    let missing = createsDone.length - createLines.length;
    for (const principal of new Set([...writesByPrincipal.keys(), ...linesByPrincipal.keys()])) {
      const carriedOut = writesByPrincipal.get(principal) ?? [];
      const logged = (linesByPrincipal.get(principal) ?? []).map((l) => actionKind(l.action));
      const kinds = carriedOut.map((e) => requestKey(e).kind);
      // All of its writes, or all but its last (the one in flight at the kill).
      expect([kinds, kinds.slice(0, -1)], `${principal}: writes ${kinds.join(',')}, audit lines ${logged.join(',')}`).toContainEqual(logged);
      // A line only for a write carried out before the kill.
      for (const entry of carriedOut.slice(0, logged.length)) expect(entry.seq).toBeLessThanOrEqual(lastSeqAtKill);
      missing += kinds.length - logged.length;
    }
    expect(missing).toBeLessThanOrEqual(CONCURRENCY);
  });
});
