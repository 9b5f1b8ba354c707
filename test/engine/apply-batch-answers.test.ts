/**
 * applyPlan through the Graph adapter when one item of a `$batch` answer cannot be read (no status,
 * or no item at all) while the item beside it answers 2xx: each write is judged by its own item
 * (src/tenant/graph/batch-envelope.ts). The write answered 2xx is applied; the one without a readable
 * answer may have happened, so apply asks the tenant (docs/reconciliation.md §9) and finds it done.
 * The emulator carries out both writes; a fetch between the adapter and the emulator spoils one item
 * of the answer (docs/architecture.md principle 6). Time is injected: the adapter's waits return at once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyPlan } from '../../src/engine/apply.ts';
import { planTenant } from '../../src/engine/reconcile.ts';
import type { RunningEmulator } from '../../src/emulator/server.ts';
import { startEmulator } from '../../src/emulator/server.ts';
import { activeUser, duplicates, lastSeq, policyDir, readState, requestsSince, reseed, successfulCreates, successfulRestores } from '../support/apply-e2e.ts';
import { contoso, FIXTURE_NOW } from '../support/emulator.ts';
import { graphTenantFor } from '../support/graph-tenant.ts';

let emulator: RunningEmulator;
beforeAll(async () => {
  emulator = await startEmulator({ seed: contoso(), port: 0 });
});
afterAll(() => emulator.close());

/** Dave to restore and Erin to create: two principals whose first writes share one `$batch`. */
const POLICY = 'defaults: {whenMissing: create, usageLocation: NL, restore: {autoReconcileProxyConflict: true}}\n'
  + 'users:\n'
  + '  - {userPrincipalName: dave@contoso.com, displayName: Dave Visser}\n'
  + '  - {userPrincipalName: erin@contoso.com, displayName: Erin}\n';

const RESTORE = /^\/directory\/deletedItems\/[^/]+\/restore$/u;
const CREATE = /^\/users$/u;

type Spoil = 'no status' | 'no item';

/**
 * Fetch to the emulator, except that in every `$batch` answer the item for the request whose URL
 * matches `target` is spoiled. Records the item URLs of each spoiled batch.
 */
function spoilingFetch(target: RegExp, spoil: Spoil): { fetch: typeof fetch; spoiledBatches: string[][] } {
  const spoiledBatches: string[][] = [];
  const spoiling = (async (input: Parameters<typeof fetch>[0], init?: RequestInit) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const response = await fetch(input, init);
    if (!url.endsWith('/$batch')) return response;
    const requests = (JSON.parse(String(init?.body)) as { requests: { id: string; url: string }[] }).requests;
    const ids = new Set(requests.filter((r) => target.test(r.url)).map((r) => r.id));
    if (ids.size === 0) return response;
    spoiledBatches.push(requests.map((r) => r.url));
    const answer = (await response.json()) as { responses: Record<string, unknown>[] };
    const responses = spoil === 'no item'
      ? answer.responses.filter((item) => !ids.has(String(item.id)))
      : answer.responses.map((item) => (ids.has(String(item.id)) ? { ...item, status: undefined } : item));
    return Response.json({ responses }, { status: response.status });
  }) as typeof fetch;
  return { fetch: spoiling, spoiledBatches };
}

describe('a $batch answer with one item unreadable, the item beside it answered 2xx', () => {
  it.each([
    { spoil: 'no status', step: 'create-user', target: CREATE, note: 'it already exists' },
    { spoil: 'no item', step: 'create-user', target: CREATE, note: 'it already exists' },
    { spoil: 'no status', step: 'restore-user', target: RESTORE, note: 'it was already restored' },
    { spoil: 'no item', step: 'restore-user', target: RESTORE, note: 'it was already restored' },
  ] as const)('$spoil for the $step: the answered write is applied, the other found done', async ({ spoil, step, target, note }) => {
    await reseed(emulator.url, contoso());
    const since = await lastSeq(emulator.url);
    const dir = policyDir(POLICY);
    const spoiling = spoilingFetch(target, spoil);
    const { tenant } = graphTenantFor(emulator.url, contoso(), { fetch: spoiling.fetch });
    const planned = await planTenant({ paths: [dir], cwd: dir, reader: tenant, now: FIXTURE_NOW });
    if (planned.kind !== 'planned') throw new Error('invalid policy');
    expect(planned.plan.changes.map((c) => c.action).sort()).toEqual(['create-user', 'restore-user']);

    const result = await applyPlan(planned.plan, tenant, { newPassword: () => 'Pw-1-aA1!xYz9' });

    // Both writes went in the one batch whose answer was spoiled.
    expect(spoiling.spoiledBatches).toHaveLength(1);
    expect(spoiling.spoiledBatches[0]?.map((u) => (RESTORE.test(u) ? 'restore' : u)).sort()).toEqual(['/users', 'restore']);
    const outcomes = Object.fromEntries(result.outcomes.map((o) => [o.change.action, o.status === 'applied' ? { status: o.status, note: o.note } : o]));
    const answered = step === 'create-user' ? 'restore-user' : 'create-user';
    expect(outcomes).toEqual({ [answered]: { status: 'applied', note: undefined }, [step]: { status: 'applied', note } });

    // The tenant afterwards: both active, nothing done twice, and the next plan is empty.
    const state = await readState(emulator.url);
    expect(['dave@contoso.com', 'erin@contoso.com'].map((upn) => activeUser(state, upn)?.accountEnabled)).toEqual([true, true]);
    const log = await requestsSince(emulator.url, since);
    expect({ restoresTwice: duplicates(successfulRestores(log)), creates: successfulCreates(log) }).toEqual({ restoresTwice: [], creates: 1 });
    const after = await planTenant({ paths: [dir], cwd: dir, reader: graphTenantFor(emulator.url, contoso()).tenant, now: FIXTURE_NOW });
    expect(after.kind === 'planned' ? after.plan.changes : after).toEqual([]);
  });
});
