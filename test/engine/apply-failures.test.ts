/**
 * How apply reads a failed step (src/engine/apply.ts): by the tenant port's error (`TenantError`:
 * kind, mayHaveTakenEffect, and status, code, message, request id for the report), never by the
 * shape of whatever was thrown. The in-memory tenant, with failures injected around its restore and
 * create (docs/architecture.md principle 6); each case asserts the outcome, the tenant afterwards,
 * and how often the write was sent.
 */
import { describe, expect, it } from 'vitest';
import type { ApplyResult } from '../../src/engine/apply.ts';
import { applyPlan } from '../../src/engine/apply.ts';
import { planTenant } from '../../src/engine/reconcile.ts';
import type { Plan } from '../../src/domain/plan.ts';
import type { MemoryTenant } from '../../src/tenant/memory/tenant.ts';
import { createMemoryTenant } from '../../src/tenant/memory/tenant.ts';
import type { TenantReader, TenantWriter } from '../../src/tenant/port.ts';
import { TenantError } from '../../src/tenant/port.ts';
import { policyDir } from '../support/apply-e2e.ts';
import { contoso, FIXTURE_NOW } from '../support/emulator.ts';
import { memoryInputFromSeed } from '../support/memory-seed.ts';

const RESTORE_DAVE = 'defaults: {restore: {autoReconcileProxyConflict: true}}\nusers:\n  - {userPrincipalName: dave@contoso.com, displayName: Dave Visser}\n';
const CREATE_ERIN = 'defaults: {whenMissing: create, usageLocation: NL}\nusers:\n  - {userPrincipalName: erin@contoso.com, displayName: Erin}\n';
const STEPS = [
  { step: 'restore', policy: RESTORE_DAVE, upn: 'dave@contoso.com', note: 'it was already restored' },
  { step: 'create', policy: CREATE_ERIN, upn: 'erin@contoso.com', note: 'it already exists' },
] as const;

/** A failure thrown instead of the write's answer: before the tenant saw it, or after it was carried out. */
interface Fault {
  readonly when: 'before' | 'after';
  readonly error: unknown;
}

interface Rig {
  readonly memory: MemoryTenant;
  readonly tenant: TenantReader & TenantWriter;
  /** Restores and creates sent, and reads of one user. */
  readonly counts: { writes: number; readUser: number };
}

/** The memory tenant whose restores and creates meet `faults`, one each, in order. */
function rig(faults: Fault[]): Rig {
  const memory = createMemoryTenant(memoryInputFromSeed(contoso()));
  const counts = { writes: 0, readUser: 0 };
  async function write<T>(call: () => Promise<T>): Promise<T> {
    counts.writes++;
    const fault = faults.shift();
    if (fault?.when === 'before') throw fault.error;
    const result = await call();
    if (fault?.when === 'after') throw fault.error;
    return result;
  }
  const tenant: TenantReader & TenantWriter = {
    readTenant: (request) => memory.readTenant(request),
    readGrantedRoles: () => memory.readGrantedRoles(),
    readUser: (principal) => {
      counts.readUser++;
      return memory.readUser(principal);
    },
    restoreDeletedUser: (objectId, options) => write(() => memory.restoreDeletedUser(objectId, options)),
    createUser: (input) => write(() => memory.createUser(input)),
    setUsageLocation: (principal, usageLocation) => memory.setUsageLocation(principal, usageLocation),
    assignLicenses: (principal, add, remove) => memory.assignLicenses(principal, add, remove),
    setAccountEnabled: (principal, enabled) => memory.setAccountEnabled(principal, enabled),
    updateAttributes: (principal, attributes) => memory.updateAttributes(principal, attributes),
    setManager: (principal, managerId) => memory.setManager(principal, managerId),
    addGroupMember: (groupId, userId) => memory.addGroupMember(groupId, userId),
    removeGroupMember: (groupId, userId) => memory.removeGroupMember(groupId, userId),
  };
  return { memory, tenant, counts };
}

async function planFor(memory: MemoryTenant, policy: string): Promise<Plan> {
  const dir = policyDir(policy);
  const planned = await planTenant({ paths: [dir], cwd: dir, reader: memory, now: FIXTURE_NOW });
  if (planned.kind !== 'planned') throw new Error('invalid policy');
  expect(planned.plan.changes).toHaveLength(1);
  return planned.plan;
}

async function applyWith(faults: Fault[], policy: string): Promise<{ result: ApplyResult; rig: Rig }> {
  const r = rig(faults);
  const result = await applyPlan(await planFor(r.memory, policy), r.tenant, { newPassword: () => 'Pw-1-aA1!xYz9' });
  return { result, rig: r };
}

async function isActive(memory: MemoryTenant, upn: string): Promise<boolean> {
  return (await memory.readUser(upn)) !== undefined;
}

const noAnswer = (): TenantError => new TenantError({ status: 0, code: 'NetworkError', message: 'No answer from Graph: socket hang up', idempotent: false });
const badGateway = (): TenantError => new TenantError({ status: 502, code: 'BadGateway', message: 'Bad gateway.', requestId: 'req-502' });

describe('a restore or create that failed in a way that may hide its outcome', () => {
  it.each(STEPS)('$step: no answer before the tenant saw it: found not done, sent again, applied', async ({ policy, upn }) => {
    const { result, rig: r } = await applyWith([{ when: 'before', error: noAnswer() }], policy);
    expect(result.outcomes).toEqual([expect.objectContaining({ status: 'applied' })]);
    expect(result.outcomes[0]).not.toHaveProperty('note');
    expect(await isActive(r.memory, upn)).toBe(true);
    expect(r.counts).toEqual({ writes: 2, readUser: 1 });
  });

  it.each(STEPS)('$step: a server error, not carried out: found not done, sent again, applied', async ({ policy, upn }) => {
    const { result, rig: r } = await applyWith([{ when: 'before', error: badGateway() }], policy);
    expect(result.outcomes.map((o) => o.status)).toEqual(['applied']);
    expect(await isActive(r.memory, upn)).toBe(true);
    expect(r.counts.writes).toBe(2);
  });

  it.each(STEPS)('$step: carried out, its answer lost: found done, not sent again', async ({ policy, upn, note }) => {
    const { result, rig: r } = await applyWith([{ when: 'after', error: noAnswer() }], policy);
    expect(result.outcomes).toEqual([expect.objectContaining({ status: 'applied', note })]);
    expect(await isActive(r.memory, upn)).toBe(true);
    expect(r.counts).toEqual({ writes: 1, readUser: 1 });
  });

  it.each(STEPS)('$step: done by an earlier run, so the tenant refuses it (the memory adapter\'s own error): counted done', async ({ policy, upn, note }) => {
    const r = rig([]);
    const plan = await planFor(r.memory, policy);
    // The earlier run: carried out after the plan was made, its answer never heard.
    const change = plan.changes[0];
    if (change?.action === 'restore-user') await r.memory.restoreDeletedUser(change.objectId, { autoReconcileProxyConflict: true });
    else await r.memory.createUser({ userPrincipalName: upn, displayName: 'Erin', mailNickname: 'erin', accountEnabled: true, password: 'Pw-0-aA1!xYz9' });
    const result = await applyPlan(plan, r.tenant, { newPassword: () => 'Pw-1-aA1!xYz9' });
    expect(result.outcomes).toEqual([expect.objectContaining({ status: 'applied', note })]);
    expect(r.counts).toEqual({ writes: 1, readUser: 1 });
  });
});

describe('a failure that says the step did not happen, or is no answer from the tenant at all', () => {
  it.each(STEPS)('$step: throttled past its retries: failed, reported with the tenant\'s status, code and request id, not checked', async ({ policy, upn }) => {
    const throttled = new TenantError({ status: 429, code: 'TooManyRequests', message: 'Please retry again later.', requestId: 'req-429', idempotent: false });
    const { result, rig: r } = await applyWith([{ when: 'before', error: throttled }], policy);
    expect(result.outcomes).toEqual([expect.objectContaining({ status: 'failed', error: { status: 429, code: 'TooManyRequests', message: 'Please retry again later.', requestId: 'req-429' } })]);
    expect(await isActive(r.memory, upn)).toBe(false);
    expect(r.counts).toEqual({ writes: 1, readUser: 0 });
  });

  it.each(STEPS)('$step: something that only looks like a tenant error is reported failed by its message, not checked', async ({ policy, upn }) => {
    // A kind and a status, but not a TenantError: a bug or an unreadable answer, not the tenant's word.
    const lookalike = Object.assign(new Error('socket hang up'), { kind: 'network', status: 0, code: 'ECONNRESET', requestId: 'r' });
    const { result, rig: r } = await applyWith([{ when: 'after', error: lookalike }], policy);
    expect(result.outcomes).toEqual([expect.objectContaining({ status: 'failed', error: { status: null, code: 'Error', message: 'socket hang up', requestId: null } })]);
    // It did happen; a re-run plans nothing for it (docs/architecture.md principle 1).
    expect(await isActive(r.memory, upn)).toBe(true);
    expect(r.counts).toEqual({ writes: 1, readUser: 0 });
  });

  it('reports a thrown value that is not an Error by its text', async () => {
    const { result } = await applyWith([{ when: 'before', error: 'gone' }], RESTORE_DAVE);
    expect(result.outcomes).toEqual([expect.objectContaining({ status: 'failed', error: { status: null, code: 'Error', message: 'gone', requestId: null } })]);
  });
});
