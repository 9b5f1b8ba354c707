/**
 * `--only` and recorded policy paths in the engine (planTenant, gateApply, applySavedPlan) on the
 * in-memory tenant: a partial plan is made for the whole policy (seats counted across it), keeps only
 * the named principals' share, and a saved one is applied against a fresh plan of the same principals,
 * from the policy paths it records.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSavedPlan, renderPlanJson } from '../../src/domain/plan-format.ts';
import { gateApply } from '../../src/engine/apply-gate.ts';
import { applySavedPlan } from '../../src/engine/apply-saved-plan.ts';
import { planTenant, recordedPolicyPaths } from '../../src/engine/reconcile.ts';
import type { MemoryTenant } from '../../src/tenant/memory/tenant.ts';
import { createMemoryTenant } from '../../src/tenant/memory/tenant.ts';
import { FOUR_CHANGE_POLICY, tempDir, tenantWorkDir, writePolicy } from '../support/apply-e2e.ts';
import { BOB, contoso, FIXTURE_NOW, SUPPORT, userIn } from '../support/emulator.ts';
import { memoryInputFromSeed } from '../support/memory-seed.ts';

const lines = (changes: readonly { action: string; userPrincipalName: string }[]): string[] => changes.map((c) => `${c.action} ${c.userPrincipalName}`);

/** Contoso, Support's sign-in enabled (as in apply-gate.test.ts). */
function contosoTenant(): MemoryTenant {
  return createMemoryTenant(memoryInputFromSeed(contoso((d) => {
    userIn(d, SUPPORT).accountEnabled = true;
  })));
}

/** One free E3 seat (2 bought, Alice holds one) and Bob without his: Bob and Carol both want it. */
function oneSeatTenant(): MemoryTenant {
  return createMemoryTenant(memoryInputFromSeed(contoso((d) => {
    userIn(d, BOB).assignedLicenses = [];
    const [e3] = d.subscribedSkus;
    if (e3) e3.prepaidUnits.enabled = 2;
  })));
}
const TWO_WANT_ONE_SEAT = 'defaults: {usageLocation: NL}\nusers:\n'
  + '  - {userPrincipalName: carol@contoso.com, displayName: Carol Bakker, licenses: [e3]}\n'
  + '  - {userPrincipalName: bob@contoso.com, displayName: Bob, licenses: [e3]}\n';

const workDir = tenantWorkDir;

describe('planTenant records the policy paths', () => {
  it('relative to the working directory, with / separators; the default when none are given', () => {
    const cwd = tempDir();
    expect(recordedPolicyPaths(['tenants/prod'], cwd)).toEqual(['tenants/prod']);
    expect(recordedPolicyPaths([path.join(cwd, 'tenants', 'prod', 'a.yaml')], cwd)).toEqual(['tenants/prod/a.yaml']);
    expect(recordedPolicyPaths([], cwd)).toEqual(['policies']);
    expect(recordedPolicyPaths([cwd], cwd)).toEqual(['.']);
  });

  it('in the plan it makes', async () => {
    const { cwd } = workDir(FOUR_CHANGE_POLICY);
    const outcome = await planTenant({ paths: ['tenants/prod/'], cwd, reader: contosoTenant(), now: FIXTURE_NOW });
    expect(outcome.kind === 'planned' && outcome.plan.policyPaths).toEqual(['tenants/prod']);
  });
});

describe('planTenant with only', () => {
  it('plans the whole policy and keeps the named principals\' share, with the partial-plan warning', async () => {
    const { cwd } = workDir(FOUR_CHANGE_POLICY);
    const outcome = await planTenant({ paths: ['tenants/prod'], cwd, reader: contosoTenant(), now: FIXTURE_NOW, only: ['Carol@contoso.com'] });
    if (outcome.kind !== 'planned') throw new Error(outcome.kind);
    expect(outcome.plan.only).toEqual(['carol@contoso.com']);
    expect(lines(outcome.plan.changes)).toEqual(['set-usage-location carol@contoso.com', 'assign-licenses carol@contoso.com']);
    expect(outcome.plan.summary).toEqual({ 'set-usage-location': 1, 'assign-licenses': 1 });
    expect(outcome.plan.diagnostics[0]).toMatchObject({ severity: 'warning', code: 'partial-plan' });
    expect(outcome.plan.diagnostics[0]?.message).toContain('it covers 1 of the 3 principals the policy declares and leaves 2 out, with 2 changes a full plan would make');
    // The mass-removal guard still counts the whole policy.
    expect(outcome.declaredPrincipals).toBe(3);
  });

  it('--only the later principal in UPN order does not get the one free seat the full plan gives to the first', async () => {
    const { cwd } = workDir(TWO_WANT_ONE_SEAT);
    const full = await planTenant({ paths: ['tenants/prod'], cwd, reader: oneSeatTenant(), now: FIXTURE_NOW });
    if (full.kind !== 'planned') throw new Error(full.kind);
    expect(lines(full.plan.changes).filter((l) => l.startsWith('assign-licenses'))).toEqual(['assign-licenses bob@contoso.com']);

    const memory = oneSeatTenant();
    const carolOnly = await planTenant({ paths: ['tenants/prod'], cwd, reader: memory, now: FIXTURE_NOW, only: ['carol@contoso.com'] });
    if (carolOnly.kind !== 'planned') throw new Error(carolOnly.kind);
    expect(lines(carolOnly.plan.changes)).not.toContain('assign-licenses carol@contoso.com');
    expect(carolOnly.plan.diagnostics.map((d) => `${d.code} ${d.userPrincipalName ?? ''}`.trim())).toContain('seat-shortfall carol@contoso.com');

    // Applied, the partial plan leaves the seat free for Bob.
    const saved = renderPlanJson(carolOnly.plan);
    const result = await applySavedPlan({ planText: saved, planName: 'p.json', cwd, tenant: memory, now: FIXTURE_NOW });
    expect(result.kind).toBe('applied');
    const after = await planTenant({ paths: ['tenants/prod'], cwd, reader: memory, now: FIXTURE_NOW });
    if (after.kind !== 'planned') throw new Error(after.kind);
    expect(lines(after.plan.changes)).toContain('assign-licenses bob@contoso.com');
  });

  it('refuses an --only UPN the policy does not declare before reading the tenant, suggesting the close ones', async () => {
    const { cwd } = workDir(FOUR_CHANGE_POLICY);
    let reads = 0;
    const memory = contosoTenant();
    const reader = { readUser: (p: string) => memory.readUser(p), readTenant: (r: Parameters<MemoryTenant['readTenant']>[0]) => (reads++, memory.readTenant(r)), readGrantedRoles: () => (reads++, memory.readGrantedRoles()) };
    const outcome = await planTenant({ paths: ['tenants/prod'], cwd, reader, now: FIXTURE_NOW, only: ['carl@contoso.com'] });
    expect(outcome).toEqual({
      kind: 'invalid-policy',
      selection: true,
      diagnostics: [{ severity: 'error', code: 'undeclared-principal', userPrincipalName: 'carl@contoso.com', message: expect.stringContaining('did you mean carol@contoso.com?') as string }],
    });
    expect(reads).toBe(0);
  });
});

describe('a saved partial plan', () => {
  it('is applied against a fresh plan of the same principals, from the policy paths it records', async () => {
    const { cwd } = workDir(FOUR_CHANGE_POLICY);
    const memory = contosoTenant();
    const outcome = await planTenant({ paths: ['tenants/prod'], cwd, reader: memory, now: FIXTURE_NOW, only: ['carol@contoso.com'] });
    if (outcome.kind !== 'planned') throw new Error(outcome.kind);
    // No paths: the recorded tenants/prod, not policies/ (which does not exist in cwd).
    const result = await applySavedPlan({ planText: renderPlanJson(outcome.plan), planName: 'p.json', cwd, tenant: memory, now: FIXTURE_NOW });
    if (result.kind !== 'applied') throw new Error(result.reason);
    expect(result.outcomes.map((o) => `${o.status} ${o.change.action} ${o.change.userPrincipalName}`)).toEqual(['applied set-usage-location carol@contoso.com', 'applied assign-licenses carol@contoso.com']);
    // What was left out is still to do; Carol is done.
    const after = await planTenant({ paths: ['tenants/prod'], cwd, reader: memory, now: FIXTURE_NOW });
    if (after.kind !== 'planned') throw new Error(after.kind);
    expect(lines(after.plan.changes)).toEqual(['restore-user dave@contoso.com', 'block-sign-in support@contoso.com']);
  });

  it('is refused against a fresh plan of other principals (the gate compares like with like)', async () => {
    const { cwd } = workDir(FOUR_CHANGE_POLICY);
    const memory = contosoTenant();
    const partial = await planTenant({ paths: ['tenants/prod'], cwd, reader: memory, now: FIXTURE_NOW, only: ['carol@contoso.com'] });
    const whole = await planTenant({ paths: ['tenants/prod'], cwd, reader: memory, now: FIXTURE_NOW });
    if (partial.kind !== 'planned' || whole.kind !== 'planned') throw new Error('not planned');
    const saved = parseSavedPlan(renderPlanJson(partial.plan), 'p.json');
    expect(gateApply({ fresh: whole, reviewed: { kind: 'saved-plan', plan: saved, name: 'p.json' } })).toEqual({
      kind: 'refused',
      code: 'stale-plan',
      reason: 'p.json covers only carol@contoso.com (--only), but the fresh plan covers the whole policy; apply a saved plan with the --only it was made with (or none), or run plan again',
    });
    const wholeSaved = parseSavedPlan(renderPlanJson(whole.plan), 'p.json');
    expect(gateApply({ fresh: partial, reviewed: { kind: 'saved-plan', plan: wholeSaved, name: 'p.json' } })).toMatchObject({ kind: 'refused', code: 'stale-plan' });
  });

  it('names what it compared when the policy changed', async () => {
    const { cwd, policy } = workDir(FOUR_CHANGE_POLICY);
    const memory = contosoTenant();
    const outcome = await planTenant({ paths: ['tenants/prod'], cwd, reader: memory, now: FIXTURE_NOW });
    if (outcome.kind !== 'planned') throw new Error(outcome.kind);
    writePolicy(policy, FOUR_CHANGE_POLICY.replace('displayName: Carol Bakker,', 'displayName: Carol Bakker, whenMissing: report,'));
    const result = await applySavedPlan({ planText: renderPlanJson(outcome.plan), planName: 'plan.json', cwd, tenant: memory, now: FIXTURE_NOW });
    expect(result).toEqual({
      kind: 'refused',
      code: 'policy-changed',
      reason: 'the policy changed since plan.json was made (its digest differs): compared with the policy in tenants/prod (recorded in plan.json); pass --policy PATH to compare with another, or run plan again',
    });
  });

  it('is refused when the policy no longer declares a principal it covers, naming the principal', async () => {
    const { cwd, policy } = workDir(FOUR_CHANGE_POLICY);
    const memory = contosoTenant();
    const outcome = await planTenant({ paths: ['tenants/prod'], cwd, reader: memory, now: FIXTURE_NOW, only: ['carol@contoso.com'] });
    if (outcome.kind !== 'planned') throw new Error(outcome.kind);
    writePolicy(policy, FOUR_CHANGE_POLICY.replace(/^ {2}- \{userPrincipalName: carol@contoso\.com.*\n/mu, ''));
    const result = await applySavedPlan({ planText: renderPlanJson(outcome.plan), planName: 'p.json', cwd, tenant: memory, now: FIXTURE_NOW });
    expect(result).toEqual({ kind: 'refused', code: 'invalid-policy', reason: 'p.json is partial (--only), and the policy in tenants/prod (recorded in p.json) no longer declares carol@contoso.com; run plan again' });
  });

  it('from another directory, where its recorded policy paths do not exist: says they are relative to where plan ran, and what to do', async () => {
    const { cwd } = workDir(FOUR_CHANGE_POLICY);
    const memory = contosoTenant();
    const outcome = await planTenant({ paths: ['tenants/prod'], cwd, reader: memory, now: FIXTURE_NOW });
    if (outcome.kind !== 'planned') throw new Error(outcome.kind);
    const elsewhere = tempDir();
    const result = await applySavedPlan({ planText: renderPlanJson(outcome.plan), planName: 'plan.json', cwd: elsewhere, tenant: memory, now: FIXTURE_NOW });
    expect(result).toEqual({
      kind: 'refused',
      code: 'invalid-policy',
      reason: `plan.json records its policy paths relative to the directory plan ran in, and tenants/prod does not exist here (${elsewhere}): run apply from the directory plan ran in, or pass --policy PATH`,
    });
    // Given paths that do not exist are the caller's own: the usual refusal.
    const given = await applySavedPlan({ planText: renderPlanJson(outcome.plan), planName: 'plan.json', paths: ['tenants/prod'], cwd: elsewhere, tenant: memory, now: FIXTURE_NOW });
    expect(given).toEqual({ kind: 'refused', code: 'invalid-policy', reason: 'the policy in tenants/prod (paths) is invalid; run tenantctl validate' });
  });
});
