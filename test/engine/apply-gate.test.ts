/**
 * The one rule for whether a plan may be applied (gateApply, src/engine/apply-gate.ts) and the
 * library's saved-plan apply built on it (applySavedPlan, src/engine/apply-saved-plan.ts), on the
 * in-memory tenant adapter: every case states what the tenant looks like afterwards. A refusal writes
 * nothing (no write reaches the adapter and the tenant reads back exactly as before); a plan the gate
 * lets through converges the tenant (a fresh plan then has no changes).
 *
 * gateApply is pure; its cases run it the way its callers do (src/cli/apply.ts, applySavedPlan): plan
 * afresh with the applying credentials, gate, and apply only on `go`.
 */
import { describe, expect, it } from 'vitest';
import type { ObservedTenant } from '../../src/domain/observed.ts';
import type { Change, Plan } from '../../src/domain/plan.ts';
import { ACTION_ORDER, summarise } from '../../src/domain/plan.ts';
import type { ChangeOutcome } from '../../src/engine/apply.ts';
import { applyPlan } from '../../src/engine/apply.ts';
import type { ApplyGate, ApplyGateInput, FreshPlan, Reviewed } from '../../src/engine/apply-gate.ts';
import { gateApply } from '../../src/engine/apply-gate.ts';
import { applySavedPlan } from '../../src/engine/apply-saved-plan.ts';
import { planTenant } from '../../src/engine/reconcile.ts';
import { parseSavedPlan, renderPlanJson } from '../../src/domain/plan-format.ts';
import type { MemoryTenant } from '../../src/tenant/memory/tenant.ts';
import { createMemoryTenant } from '../../src/tenant/memory/tenant.ts';
import type { TenantReader, TenantWriter } from '../../src/tenant/port.ts';
import { FOUR_CHANGE_POLICY as POLICY, policyDir, writePolicy } from '../support/apply-e2e.ts';
import { blockSignIn, groupMember, LICENSING_E3, objectId, planOf, removeLicenses, setUsageLocation } from '../support/plans.ts';
import { BOB, CAROL, contoso, DAVE, E3, FIXTURE_NOW, SUPPORT, TENANT_ID, userIn } from '../support/emulator.ts';
import { memoryInputFromSeed } from '../support/memory-seed.ts';

const CHANGES = ['set-usage-location carol@contoso.com', 'assign-licenses carol@contoso.com', 'restore-user dave@contoso.com', 'block-sign-in support@contoso.com'];

const OTHER_TENANT = '11111111-0000-4000-8000-000000000001';
/** A day after the fixture's time: Dave's restore counts one day less, nothing else differs. */
const A_DAY_LATER = '2026-11-23T00:00:00Z';
/** A pipeline's plan identity: everything plan reads, nothing apply writes. */
const READ_ONLY_ROLES = ['User.Read.All', 'LicenseAssignment.Read.All', 'MailboxSettings.Read', 'GroupMember.Read.All'];
const WRITE_METHODS = new Set(['restoreDeletedUser', 'createUser', 'setUsageLocation', 'assignLicenses', 'setAccountEnabled', 'updateAttributes', 'setManager', 'addGroupMember', 'removeGroupMember']);

/** The Contoso fixture with Support's sign-in left enabled; `roles` replaces the reconciler's. */
function contosoTenant(roles?: readonly string[]): MemoryTenant {
  const input = memoryInputFromSeed(contoso((d) => {
    userIn(d, SUPPORT).accountEnabled = true;
  }));
  return createMemoryTenant(roles === undefined ? input : { ...input, grantedRoles: roles });
}

interface Watched {
  /** The adapter as the code under test sees it: every call is logged. */
  readonly tenant: TenantReader & TenantWriter;
  /** `method firstArgument` per call, in call order. */
  readonly calls: string[];
}

function watch(memory: MemoryTenant): Watched {
  const calls: string[] = [];
  const log = (method: string, arg = ''): void => {
    calls.push(`${method} ${arg}`.trim());
  };
  return {
    calls,
    tenant: {
      readTenant: (request) => (log('readTenant'), memory.readTenant(request)),
      readGrantedRoles: () => (log('readGrantedRoles'), memory.readGrantedRoles()),
      readUser: (principal) => (log('readUser', principal), memory.readUser(principal)),
      restoreDeletedUser: (objectId, options) => (log('restoreDeletedUser', objectId), memory.restoreDeletedUser(objectId, options)),
      createUser: (input) => (log('createUser', input.userPrincipalName), memory.createUser(input)),
      setUsageLocation: (principal, usageLocation) => (log('setUsageLocation', principal), memory.setUsageLocation(principal, usageLocation)),
      assignLicenses: (principal, add, remove) => (log('assignLicenses', principal), memory.assignLicenses(principal, add, remove)),
      setAccountEnabled: (principal, enabled) => (log('setAccountEnabled', principal), memory.setAccountEnabled(principal, enabled)),
      updateAttributes: (principal, attributes) => (log('updateAttributes', principal), memory.updateAttributes(principal, attributes)),
      setManager: (principal, managerId) => (log('setManager', principal), memory.setManager(principal, managerId)),
      addGroupMember: (groupId, userId) => (log('addGroupMember', userId), memory.addGroupMember(groupId, userId)),
      removeGroupMember: (groupId, userId) => (log('removeGroupMember', userId), memory.removeGroupMember(groupId, userId)),
    },
  };
}

function writesIn(calls: readonly string[]): string[] {
  return calls.filter((call) => WRITE_METHODS.has(call.split(' ')[0] ?? ''));
}

/** Everything the tenant holds, as a reader sees it. */
function stateOf(memory: MemoryTenant): Promise<ObservedTenant> {
  return memory.readTenant({ mailboxUserPrincipalNames: ['support@contoso.com'] });
}

/** A plan made just now with these credentials, as apply makes it; at `now` whatever the tenant's clock says (TENANTCTL_NOW). */
async function freshPlan(reader: TenantReader, dir: string, now = FIXTURE_NOW): Promise<FreshPlan> {
  const outcome = await planTenant({ paths: [dir], cwd: dir, reader, now, fixedNow: now });
  if (outcome.kind !== 'planned') throw new Error(`the policy in ${dir} is invalid`);
  return outcome;
}

/** `tenantctl plan --out p.json`: the saved text. */
async function savedPlanText(reader: TenantReader, dir: string, now = FIXTURE_NOW): Promise<string> {
  return renderPlanJson((await freshPlan(reader, dir, now)).plan);
}

/** The saved plan as apply reads it back from p.json. */
async function savedPlan(reader: TenantReader, dir: string, now = FIXTURE_NOW): Promise<{ kind: 'saved-plan'; plan: Plan; name: string }> {
  return { kind: 'saved-plan', plan: parseSavedPlan(await savedPlanText(reader, dir, now), 'p.json'), name: 'p.json' };
}

/** What the callers do: gate, and apply only what the gate lets through. */
async function gateThenApply(tenant: TenantReader & TenantWriter, input: ApplyGateInput): Promise<ApplyGate> {
  const gate = gateApply(input);
  if (gate.kind === 'go') await applyPlan(gate.plan, tenant, { newPassword: () => 'Pw-1-aA1!xYz9' });
  return gate;
}

const actionLines = (plan: Plan): string[] => plan.changes.map((c) => `${c.action} ${c.userPrincipalName}`);
const activeByUpn = (state: ObservedTenant, upn: string) => state.users.find((u) => u.userPrincipalName.toLowerCase() === upn);

/** Nothing was written: no write reached the adapter, and the tenant reads back exactly as `before`. */
async function expectNothingWritten(memory: MemoryTenant, watched: Watched, before: ObservedTenant): Promise<void> {
  expect(writesIn(watched.calls)).toEqual([]);
  expect(await stateOf(memory)).toEqual(before);
}

/** None of the plan's repairs happened: Dave still deleted, Support still able to sign in. */
async function expectNotRepaired(memory: MemoryTenant): Promise<void> {
  const state = await stateOf(memory);
  expect(state.users.map((u) => u.id)).not.toContain(DAVE);
  expect(state.deletedUsers.map((u) => u.id)).toContain(DAVE);
  expect(activeByUpn(state, 'support@contoso.com')?.accountEnabled).toBe(true);
}

/** Every repair happened, and a fresh plan of the same policy has nothing left to do. */
async function expectConverged(memory: MemoryTenant, dir: string): Promise<void> {
  const state = await stateOf(memory);
  const dave = activeByUpn(state, 'dave@contoso.com');
  expect(dave?.id).toBe(DAVE);
  expect(state.deletedUsers.map((u) => u.id)).not.toContain(DAVE);
  const carol = activeByUpn(state, 'carol@contoso.com');
  expect(carol?.id).toBe(CAROL);
  expect(carol?.usageLocation).toBe('NL');
  expect(carol?.licenseAssignmentStates.map((s) => ({ skuId: s.skuId, disabledPlans: s.disabledPlans, assignedByGroup: s.assignedByGroup }))).toEqual([{ skuId: E3, disabledPlans: [], assignedByGroup: null }]);
  expect(activeByUpn(state, 'support@contoso.com')?.accountEnabled).toBe(false);
  expect((await freshPlan(memory, dir, A_DAY_LATER)).plan.changes).toEqual([]);
}

describe('gateApply', () => {
  it('without a saved plan: go with the fresh plan, which converges the tenant', async () => {
    const memory = contosoTenant();
    const dir = policyDir(POLICY);
    const fresh = await freshPlan(memory, dir);
    expect(actionLines(fresh.plan)).toEqual(CHANGES);

    const gate = await gateThenApply(memory, { fresh });

    expect(gate).toEqual({ kind: 'go', done: [], plan: fresh.plan });
    if (gate.kind === 'go') expect(gate.plan).toBe(fresh.plan);
    await expectConverged(memory, dir);
  });

  it.each([
    ['as saved', (plan: Plan): Plan => plan],
    ['its tenant id in capitals', (plan: Plan): Plan => ({ ...plan, tenantId: plan.tenantId.toUpperCase() })],
  ])('a saved plan that still matches (%s), checked a day later: go with the saved plan, which converges the tenant', async (_name, edit) => {
    const memory = contosoTenant();
    const dir = policyDir(POLICY);
    const saved = await savedPlan(memory, dir);
    const reviewed = { ...saved, plan: edit(saved.plan) };
    const fresh = await freshPlan(memory, dir, A_DAY_LATER);
    // Only the restore's countdown and the time differ: not a change to what apply does.
    expect(fresh.plan).not.toEqual(reviewed.plan);

    const gate = await gateThenApply(memory, { fresh, reviewed });

    expect(gate.kind).toBe('go');
    // The saved plan's changes, exactly; what blocks a principal comes from the fresh plan, never the file.
    if (gate.kind === 'go') expect(gate.plan).toEqual({ ...reviewed.plan, diagnostics: fresh.plan.diagnostics });
    await expectConverged(memory, dir);
  });

  it('a saved plan made by a read-only plan identity, applied with writing credentials: go (apply checks its own credentials)', async () => {
    const dir = policyDir(POLICY);
    const saved = await savedPlan(contosoTenant(READ_ONLY_ROLES), dir);
    expect(saved.plan.diagnostics.map((d) => d.code)).toContain('missing-permission');
    const memory = contosoTenant();

    const gate = await gateThenApply(memory, { fresh: await freshPlan(memory, dir), reviewed: saved });

    expect(gate.kind).toBe('go');
    await expectConverged(memory, dir);
  });

  it('refuses a saved plan for another tenant, and nothing is written', async () => {
    const memory = contosoTenant();
    const dir = policyDir(POLICY);
    const saved = await savedPlan(memory, dir);
    const watched = watch(memory);
    const before = await stateOf(memory);

    const gate = await gateThenApply(watched.tenant, { fresh: await freshPlan(watched.tenant, dir), reviewed: { ...saved, plan: { ...saved.plan, tenantId: OTHER_TENANT } } });

    expect(gate).toEqual({ kind: 'refused', code: 'other-tenant', reason: `p.json is for tenant ${OTHER_TENANT}, but the credentials reach ${TENANT_ID}` });
    await expectNothingWritten(memory, watched, before);
    await expectNotRepaired(memory);
  });

  it('refuses a saved plan whose policy changed since (its digest differs), and nothing is written', async () => {
    const memory = contosoTenant();
    const dir = policyDir(POLICY);
    const saved = await savedPlan(memory, dir);
    writePolicy(dir, POLICY.replace('displayName: Dave Visser,', 'displayName: Dave Visser, whenMissing: report,'));
    const watched = watch(memory);
    const before = await stateOf(memory);
    const fresh = await freshPlan(watched.tenant, dir);
    // The same changes: only the policy's meaning (what would happen were Dave not restorable) differs.
    expect(actionLines(fresh.plan)).toEqual(actionLines(saved.plan));

    const gate = await gateThenApply(watched.tenant, { fresh, reviewed: saved });

    expect(gate).toEqual({ kind: 'refused', code: 'policy-changed', reason: 'the policy changed since p.json was made (its digest differs); run plan again' });
    await expectNothingWritten(memory, watched, before);
    await expectNotRepaired(memory);
  });

  it('refuses a stale saved plan, naming every principal that changed since it was made, and nothing is written', async () => {
    const memory = contosoTenant();
    const dir = policyDir(POLICY);
    const saved = await savedPlan(memory, dir);
    // Someone else locates Carol elsewhere and restores Dave; Support is not touched.
    await memory.setUsageLocation(CAROL, 'BE');
    await memory.restoreDeletedUser(DAVE, { autoReconcileProxyConflict: true });
    const watched = watch(memory);
    const before = await stateOf(memory);

    const gate = await gateThenApply(watched.tenant, { fresh: await freshPlan(watched.tenant, dir), reviewed: saved });

    // Carol's usage location is BE, not the planned NL: changed otherwise, so stale. Dave's restore the
    // tenant shows made, as the plan would have: done, not stale (whoever made it).
    expect(gate).toEqual({ kind: 'refused', code: 'stale-plan', reason: 'plan is stale: carol@contoso.com changed since it was made; run plan again' });
    await expectNothingWritten(memory, watched, before);
    // The stale plan's block of Support did not run either.
    expect(activeByUpn(before, 'support@contoso.com')?.accountEnabled).toBe(true);
    expect(activeByUpn(before, 'carol@contoso.com')?.usageLocation).toBe('BE');
  });

  it.each([
    ['a fresh plan', false],
    ['a saved plan', true],
  ])('refuses credentials that cannot make the plan\'s changes (%s), naming each missing permission, and nothing is written', async (_name, withSaved) => {
    const memory = contosoTenant(READ_ONLY_ROLES);
    const dir = policyDir(POLICY);
    const saved = withSaved ? await savedPlan(memory, dir) : undefined;
    const watched = watch(memory);
    const before = await stateOf(memory);
    const fresh = await freshPlan(watched.tenant, dir);
    // The read-only identity plans the whole repair: only applying it is refused.
    expect(actionLines(fresh.plan)).toEqual(CHANGES);

    const gate = await gateThenApply(watched.tenant, { fresh, ...(saved ? { reviewed: saved } : {}) });

    if (gate.kind !== 'refused') throw new Error('expected a refusal');
    const [first, ...lines] = gate.reason.split('\n');
    expect(first).toBe('these credentials cannot make the plan\'s changes:');
    const missing = lines.map((line) => /^ {2}missing-permission {2}these credentials lack the application permission (\S+), needed to apply this plan/u.exec(line)?.[1] ?? `unexpected line: ${line}`);
    expect(missing.sort()).toEqual(['LicenseAssignment.ReadWrite.All', 'User.DeleteRestore.All', 'User.ReadWrite.All']);
    await expectNothingWritten(memory, watched, before);
    await expectNotRepaired(memory);
  });

  it('refuses a saved plan with credentials that cannot even read the tenant: the missing permission, not "stale" (nothing was read to compare)', async () => {
    const dir = policyDir(POLICY);
    const saved = await savedPlan(contosoTenant(), dir);
    const memory = contosoTenant(['LicenseAssignment.Read.All', 'MailboxSettings.Read']);
    const watched = watch(memory);
    const before = await stateOf(memory);
    const fresh = await freshPlan(watched.tenant, dir);
    expect(fresh.observed).toBeUndefined();

    const gate = await gateThenApply(watched.tenant, { fresh, reviewed: saved });

    if (gate.kind !== 'refused') throw new Error('expected a refusal');
    expect(gate.code).toBe('credentials');
    expect(gate.reason).toMatch(/^these credentials cannot make the plan's changes:\n {2}missing-permission {2}.*User\.Read\.All/u);
    // A Pulumi stack's tenant cannot be compared with a tenant nothing was read from either.
    expect(gateApply({ fresh, reviewed: { kind: 'program', name: 'this stack\'s state', tenantId: OTHER_TENANT }, purpose: 'preview' })).toMatchObject({ kind: 'refused', code: 'credentials' });
    await expectNothingWritten(memory, watched, before);
    await expectNotRepaired(memory);
  });

  it.each([
    ['the reconciler\'s credentials', undefined],
    // Lacking GroupMember.Read.All too: the tenant mismatch is still what the refusal leads with.
    ['credentials that also lack a permission', ['User.Read.All', 'LicenseAssignment.Read.All', 'MailboxSettings.Read']],
  ])('refuses a policy for another tenant with %s: "the credentials reach another tenant", and nothing is written', async (_name, roles) => {
    const memory = contosoTenant(roles);
    const dir = policyDir(`tenant: {id: ${OTHER_TENANT}}\n${POLICY}`);
    const watched = watch(memory);
    const before = await stateOf(memory);

    const gate = await gateThenApply(watched.tenant, { fresh: await freshPlan(watched.tenant, dir) });

    if (gate.kind !== 'refused') throw new Error('expected a refusal');
    const [first, ...lines] = gate.reason.split('\n');
    expect(first).toBe('the credentials reach another tenant:');
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^ {2}tenant-mismatch {2}connected to tenant ${TENANT_ID}, but the policy is for ${OTHER_TENANT} \\(tenant\\.id\\)`, 'u')));
    expect(lines).toHaveLength(roles === undefined ? 1 : 2);
    await expectNothingWritten(memory, watched, before);
    await expectNotRepaired(memory);
  });

  it.each([
    ['a fresh plan', false],
    ['a saved plan', true],
  ])('refuses more changes than maxChanges (%s), and nothing is written', async (_name, withSaved) => {
    const memory = contosoTenant();
    const dir = policyDir(POLICY);
    const saved = withSaved ? await savedPlan(memory, dir) : undefined;
    const watched = watch(memory);
    const before = await stateOf(memory);

    const gate = await gateThenApply(watched.tenant, { fresh: await freshPlan(watched.tenant, dir), ...(saved ? { reviewed: saved } : {}), maxChanges: 3 });

    expect(gate).toEqual({ kind: 'refused', code: 'too-many-changes', reason: 'the plan has 4 changes, more than --max-changes 3' });
    await expectNothingWritten(memory, watched, before);
    await expectNotRepaired(memory);
  });

  it.each([
    ['a fresh plan', false],
    ['a saved plan', true],
  ])('allows exactly maxChanges changes (%s), which converge the tenant', async (_name, withSaved) => {
    const memory = contosoTenant();
    const dir = policyDir(POLICY);
    const saved = withSaved ? await savedPlan(memory, dir) : undefined;

    const gate = await gateThenApply(memory, { fresh: await freshPlan(memory, dir), ...(saved ? { reviewed: saved } : {}), maxChanges: 4 });

    expect(gate.kind).toBe('go');
    await expectConverged(memory, dir);
  });
});

describe('the mass-removal guard', () => {
  // License removals (pruneLicenses) from n principals, in a fresh plan of a policy declaring `declared`.
  const removals = (n: number, declared: number): FreshPlan => ({
    kind: 'planned',
    applyBlockers: [],
    declaredPrincipals: declared,
    plan: planOf(Array.from({ length: n }, (_, i) => removeLicenses(`user${i}@contoso.com`, ['ENTERPRISEPACK'], objectId(i + 1)))),
  });

  it.each([
    ['11 of 20 declared (over 10, and over a tenth)', 11, 20, 'refused'],
    ['10 of 20 declared (not over 10)', 10, 20, 'go'],
    ['11 of 200 declared (not over a tenth, 20)', 11, 200, 'go'],
    ['21 of 200 declared (over a tenth)', 21, 200, 'refused'],
  ])('%s: %s', (_name, n, declared, expected) => {
    const gate = gateApply({ fresh: removals(n, declared) });
    expect(gate.kind).toBe(expected);
    if (gate.kind === 'refused') {
      expect(gate).toEqual({ kind: 'refused', code: 'mass-removal', reason: `the plan removes licenses from ${n} of the ${declared} principals the policy declares, more than ${Math.max(10, Math.floor(declared / 10))}; review it, then apply with --allow-license-removals` });
    }
  });

  it('counts leaving a licensing group as a license removal, once per principal', () => {
    const fresh = (changes: Change[]): FreshPlan => ({ kind: 'planned', applyBlockers: [], declaredPrincipals: 20, plan: planOf(changes) });
    const leaving = Array.from({ length: 11 }, (_, i) => groupMember('remove-group-member', `user${i}@contoso.com`, LICENSING_E3, objectId(i + 1)));
    expect(gateApply({ fresh: fresh(leaving) })).toEqual({ kind: 'refused', code: 'mass-removal', reason: 'the plan removes licenses from 11 of the 20 principals the policy declares, more than 10; review it, then apply with --allow-license-removals' });
    expect(gateApply({ fresh: fresh(leaving), allowLicenseRemovals: true }).kind).toBe('go');
    // Six leave a group and five others lose a direct license: eleven principals.
    const mixed = [...leaving.slice(0, 6), ...Array.from({ length: 5 }, (_, i) => removeLicenses(`other${i}@contoso.com`, ['EMS'], objectId(100 + i)))];
    expect(gateApply({ fresh: fresh(mixed) }).kind).toBe('refused');
    // One principal that leaves a group and loses a direct license is one principal.
    const both = leaving.slice(0, 10).flatMap((c, i) => [c, removeLicenses(c.userPrincipalName, ['EMS'], objectId(i + 1))]);
    expect(gateApply({ fresh: fresh(both) }).kind).toBe('go');
  });

  it('lets them through when allowed, and never stops a preview', () => {
    expect(gateApply({ fresh: removals(50, 60), allowLicenseRemovals: true }).kind).toBe('go');
    expect(gateApply({ fresh: removals(50, 60), purpose: 'preview' }).kind).toBe('go');
  });
});

describe('protected principals', () => {
  const PROTECTED = ['breakglass@contoso.com', 'root@contoso.com'];
  const fresh = (changes: Change[] = []): FreshPlan => ({ kind: 'planned', applyBlockers: [], declaredPrincipals: 20, plan: planOf(changes, [], { protectedPrincipals: PROTECTED }) });
  const saved = (changes: Change[]): Reviewed => ({ kind: 'saved-plan', plan: planOf(changes), name: 'p.json' });
  const REFUSAL = { kind: 'refused', code: 'protected', reason: 'p.json changes root@contoso.com, which the policy protects (protected: true or defaults.protected): tenantctl never writes to it; run plan again' };

  it.each<[string, Partial<ApplyGateInput>]>([
    ['no option', {}],
    ['--allow-license-removals', { allowLicenseRemovals: true }],
    ['a generous --max-changes', { maxChanges: 1000 }],
    ['a preview', { purpose: 'preview' }],
    ['only that principal\'s share', { principal: 'root@contoso.com' }],
  ])('refuses a reviewed change for one, with %s', (_name, options) => {
    expect(gateApply({ fresh: fresh(), reviewed: saved([blockSignIn('Root@contoso.com', objectId(0x10))]), ...options })).toEqual(REFUSAL);
  });

  it('names each protected principal the plan touches, once', () => {
    const gate = gateApply({ fresh: fresh(), reviewed: saved([setUsageLocation('root@contoso.com', 'NL', null, objectId(1)), blockSignIn('root@contoso.com', objectId(1)), blockSignIn('breakglass@contoso.com', objectId(2)), blockSignIn('carol@contoso.com', objectId(3))]) });
    expect(gate).toEqual({ kind: 'refused', code: 'protected', reason: 'p.json changes breakglass@contoso.com, root@contoso.com, which the policy protects (protected: true or defaults.protected): tenantctl never writes to them; run plan again' });
  });

  it('refuses a fresh plan that has a change for one (the planner makes none: defence in depth)', () => {
    expect(gateApply({ fresh: fresh([blockSignIn('root@contoso.com', objectId(0x10))]) })).toEqual({ ...REFUSAL, reason: REFUSAL.reason.replace('p.json', 'the plan') });
  });

  it('lets a plan through that leaves them alone', () => {
    expect(gateApply({ fresh: fresh([blockSignIn('carol@contoso.com', objectId(3))]) }).kind).toBe('go');
  });

  it('end to end: a saved plan edited to change a protected principal is refused, and nothing is written', async () => {
    const memory = contosoTenant();
    // What the plan would do to Carol were she not protected, slipped into the plan of the policy that protects her.
    const unprotected = await freshPlan(memory, policyDir(POLICY));
    const dir = policyDir(POLICY.replace('displayName: Carol Bakker,', 'displayName: Carol Bakker, protected: true,'));
    const protectedPlan = (await freshPlan(memory, dir)).plan;
    expect(protectedPlan.protectedPrincipals).toEqual(['carol@contoso.com']);
    expect(actionLines(protectedPlan)).not.toContain('assign-licenses carol@contoso.com');
    const edited = { ...protectedPlan, changes: unprotected.plan.changes, summary: summarise(unprotected.plan.changes, ['carol@contoso.com']) };
    const watched = watch(memory);
    const before = await stateOf(memory);

    const result = await applySavedPlan({ planText: renderPlanJson(edited), planName: 'p.json', paths: [dir], cwd: dir, tenant: watched.tenant, now: FIXTURE_NOW, allowLicenseRemovals: true });

    expect(result).toEqual({ kind: 'refused', code: 'protected', reason: 'p.json changes carol@contoso.com, which the policy protects (protected: true or defaults.protected): tenantctl never writes to it; run plan again' });
    await expectNothingWritten(memory, watched, before);
  });
});

describe('applySavedPlan', () => {
  it('applies a saved plan exactly as saved, and the tenant converges', async () => {
    const memory = contosoTenant();
    const dir = policyDir(POLICY);
    const planText = await savedPlanText(memory, dir);

    const result = await applySavedPlan({ planText, planName: 'p.json', paths: [dir], cwd: dir, tenant: memory, now: A_DAY_LATER, fixedNow: A_DAY_LATER });

    if (result.kind !== 'applied') throw new Error(`refused: ${result.reason}`);
    expect(result.plan.changes).toEqual(parseSavedPlan(planText, 'p.json').changes);
    expect(result.outcomes.map((o) => `${o.change.action} ${o.change.userPrincipalName} ${o.status}`).sort()).toEqual(CHANGES.map((c) => `${c} applied`).sort());
    expect(result.summary).toBe('Apply complete: 1 restored, 1 usage location set, 1 licensed, 1 blocked.');
    await expectConverged(memory, dir);
  });

  it('takes what blocks a principal from its own fresh plan, not from the file: a plan whose errors were deleted still reports them', async () => {
    const memory = contosoTenant();
    // Erin was purged: under whenMissing: report she is an error the plan names, and apply leaves her alone.
    const dir = policyDir(POLICY.replace('mailboxes:\n', '  - {userPrincipalName: erin@contoso.com, displayName: Erin, whenMissing: report, licenses: [e3]}\nmailboxes:\n'));
    const original = JSON.parse(await savedPlanText(memory, dir)) as { diagnostics: { severity: string; code: string }[] };
    expect(original.diagnostics.filter((d) => d.severity === 'error').map((d) => d.code)).toEqual(['not-restorable']);
    const planText = JSON.stringify({ ...original, diagnostics: [] });

    const result = await applySavedPlan({ planText, planName: 'p.json', paths: [dir], cwd: dir, tenant: memory, now: FIXTURE_NOW });

    if (result.kind !== 'applied') throw new Error(`refused: ${result.reason}`);
    expect(result.plan.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.code} ${d.userPrincipalName ?? ''}`)).toEqual(['not-restorable erin@contoso.com']);
    expect(result.outcomes.map((o) => o.change.userPrincipalName)).not.toContain('erin@contoso.com');
  });

  it('calls onOutcome once per change, with the outcomes it returns', async () => {
    const memory = contosoTenant();
    const dir = policyDir(POLICY);
    const seen: ChangeOutcome[] = [];

    const result = await applySavedPlan({ planText: await savedPlanText(memory, dir), paths: [dir], cwd: dir, tenant: memory, now: FIXTURE_NOW, onOutcome: (o) => seen.push(o) });

    if (result.kind !== 'applied') throw new Error(`refused: ${result.reason}`);
    expect(seen).toHaveLength(4);
    expect(new Set(seen.map((o) => o.change)).size).toBe(4);
    expect([...seen].sort((a, b) => result.outcomes.indexOf(a) - result.outcomes.indexOf(b))).toEqual(result.outcomes);
    expect(result.outcomes.every((o) => seen.includes(o))).toBe(true);
    await expectConverged(memory, dir);
  });

  it.each([
    ['text that is not JSON', (_saved: Record<string, unknown>): string => 'not json', 'p.json is not JSON; save a plan with: tenantctl plan --out p.json'],
    ['formatVersion 3', (saved: Record<string, unknown>): string => JSON.stringify({ ...saved, formatVersion: 3 }),
      'p.json has formatVersion 3; this tenantctl reads 1 and 2. Make the plan again with this version: tenantctl plan --out p.json'],
    ['no formatVersion', ({ formatVersion: _v, ...saved }: Record<string, unknown>): string => JSON.stringify(saved),
      'p.json has formatVersion undefined; this tenantctl reads 1 and 2. Make the plan again with this version: tenantctl plan --out p.json'],
  ])('refuses %s with the saved plan\'s own message, and reads and writes nothing', async (_name, edit, reason) => {
    const memory = contosoTenant();
    const dir = policyDir(POLICY);
    const planText = edit(JSON.parse(await savedPlanText(memory, dir)) as Record<string, unknown>);
    const watched = watch(memory);
    const before = await stateOf(memory);

    const result = await applySavedPlan({ planText, planName: 'p.json', paths: [dir], cwd: dir, tenant: watched.tenant, now: FIXTURE_NOW });

    expect(result).toEqual({ kind: 'refused', code: 'invalid-plan', reason });
    expect(watched.calls).toEqual([]);
    await expectNothingWritten(memory, watched, before);
    await expectNotRepaired(memory);
  });

  it.each([
    ['a detail of the wrong type', (text: string): string => text.replace('"to": false', '"to": "false"'), 'changes[3].details.to must be a boolean, not "false"'],
    ['an unknown action', (text: string): string => text.replace('"action": "block-sign-in"', '"action": "delete-user"'), `changes[3].action must be one of ${ACTION_ORDER.join(', ')}, not "delete-user"`],
    ['a missing field', (text: string): string => text.replace(/"objectId": "[^"]+",\n\s*"reason": "[^"]*",\n\s*"details": \{\n\s*"deletedDateTime"/u, (m) => m.replace(/"objectId": "[^"]+",\n\s*/u, '')), 'changes[2].objectId is missing'],
  ])('refuses a hand-corrupted plan (%s) naming the field, and reads and writes nothing', async (_name, corrupt, problem) => {
    const memory = contosoTenant();
    const dir = policyDir(POLICY);
    const original = await savedPlanText(memory, dir);
    const planText = corrupt(original);
    expect(planText).not.toBe(original);
    const watched = watch(memory);
    const before = await stateOf(memory);

    const result = await applySavedPlan({ planText, planName: 'p.json', paths: [dir], cwd: dir, tenant: watched.tenant, now: FIXTURE_NOW });

    expect(result).toEqual({ kind: 'refused', code: 'invalid-plan', reason: `p.json is not a plan tenantctl wrote: ${problem}. Nothing was changed; make the plan again with: tenantctl plan --out p.json` });
    expect(watched.calls).toEqual([]);
    await expectNothingWritten(memory, watched, before);
    await expectNotRepaired(memory);
  });

  it('calls the plan "the saved plan" when not told its name', async () => {
    const memory = contosoTenant();
    const result = await applySavedPlan({ planText: '{"formatVersion": 99}', paths: [], cwd: policyDir(POLICY), tenant: memory, now: FIXTURE_NOW });
    expect(result).toEqual({ kind: 'refused', code: 'invalid-plan', reason: 'the saved plan has formatVersion 99; this tenantctl reads 1 and 2. Make the plan again with this version: tenantctl plan --out the saved plan' });
    await expectNotRepaired(memory);
  });

  it('finishes a plan whose earlier apply was interrupted: what the tenant shows made is reported done, the rest applied', async () => {
    const memory = contosoTenant();
    const dir = policyDir(POLICY);
    const planText = await savedPlanText(memory, dir);
    // The first apply of this plan made Dave's restore and Carol's usage location, then was killed.
    await memory.restoreDeletedUser(DAVE, { autoReconcileProxyConflict: true });
    await memory.setUsageLocation(CAROL, 'NL');
    const seen: ChangeOutcome[] = [];

    const result = await applySavedPlan({ planText, planName: 'p.json', paths: [dir], cwd: dir, tenant: memory, now: FIXTURE_NOW, onOutcome: (o) => seen.push(o) });

    if (result.kind !== 'applied') throw new Error(`refused: ${result.reason}`);
    expect(result.outcomes.map((o) => `${o.change.action} ${o.change.userPrincipalName} ${o.status === 'applied' && o.note !== undefined ? 'done before' : o.status}`)).toEqual([
      'set-usage-location carol@contoso.com done before', 'assign-licenses carol@contoso.com applied', 'restore-user dave@contoso.com done before', 'block-sign-in support@contoso.com applied',
    ]);
    expect(seen.length).toBe(4);
    expect(result.summary).toBe('Apply complete: 1 restored, 1 usage location set, 1 licensed, 1 blocked.');
    await expectConverged(memory, dir);
  });

  it('finishes a plan interrupted after it created a manager and before it set it (the saved change names no manager id, the fresh one does)', async () => {
    const memory = contosoTenant();
    const dir = policyDir('users:\n  - {userPrincipalName: nina@contoso.com, displayName: Nina Bos, manager: otto@contoso.com}\n  - {userPrincipalName: otto@contoso.com, displayName: Otto Kok}\n');
    const planText = await savedPlanText(memory, dir);
    expect(planText).not.toContain('toObjectId');
    // The first apply created both users, then was killed before the managers, which run last.
    for (const upn of ['nina@contoso.com', 'otto@contoso.com']) await memory.createUser({ userPrincipalName: upn, displayName: upn === 'nina@contoso.com' ? 'Nina Bos' : 'Otto Kok', mailNickname: upn.split('@')[0] ?? upn, accountEnabled: true, usageLocation: 'NL', password: 'Pw-1-aA1!xYz9' });

    const result = await applySavedPlan({ planText, planName: 'p.json', paths: [dir], cwd: dir, tenant: memory, now: FIXTURE_NOW });

    if (result.kind !== 'applied') throw new Error(`refused: ${result.reason}`);
    expect(result.outcomes.map((o) => `${o.change.action} ${o.change.userPrincipalName} ${o.status === 'applied' && o.note !== undefined ? 'done before' : o.status}`)).toEqual([
      'create-user nina@contoso.com done before', 'set-manager nina@contoso.com applied', 'create-user otto@contoso.com done before',
    ]);
    const users = (await memory.readTenant({ mailboxUserPrincipalNames: [], managers: true })).users;
    expect(users.find((u) => u.userPrincipalName === 'nina@contoso.com')?.managerId).toBe(users.find((u) => u.userPrincipalName === 'otto@contoso.com')?.id);
    expect((await freshPlan(memory, dir)).plan.changes).toEqual([]);
  });

  it("refuses a saved set-manager whose manager id is not the object the manager's UPN names now, and writes nothing", async () => {
    const memory = contosoTenant();
    const dir = policyDir('users:\n  - {userPrincipalName: carol@contoso.com, displayName: Carol Bakker, manager: bob@contoso.com}\n');
    const original = await savedPlanText(memory, dir);
    expect(original).toContain(`"toObjectId": "${BOB}"`);
    // Apply writes the saved id: one that is not Bob's object any more (here: another user's) must not get through.
    const planText = original.replace(`"toObjectId": "${BOB}"`, `"toObjectId": "${SUPPORT}"`);
    const watched = watch(memory);
    const before = await stateOf(memory);

    const result = await applySavedPlan({ planText, planName: 'p.json', paths: [dir], cwd: dir, tenant: watched.tenant, now: FIXTURE_NOW });

    expect(result).toEqual({ kind: 'refused', code: 'stale-plan', reason: 'plan is stale: carol@contoso.com changed since it was made; run plan again' });
    await expectNothingWritten(memory, watched, before);
  });

  it("refuses a saved change that writes to a protected principal's object under another UPN, and writes nothing", async () => {
    const memory = contosoTenant();
    const dir = policyDir(POLICY.replace('defaults: {', 'defaults: {protected: [bob@contoso.com], '));
    const saved = JSON.parse(await savedPlanText(memory, dir)) as { changes: Record<string, unknown>[]; summary: Record<string, number> };
    saved.changes.push({ action: 'block-sign-in', userPrincipalName: 'carol@contoso.com', objectId: BOB, reason: 'edited', details: { from: true, to: false } });
    saved.summary = { ...saved.summary, 'block-sign-in': (saved.summary['block-sign-in'] ?? 0) + 1 };
    const watched = watch(memory);
    const before = await stateOf(memory);

    const result = await applySavedPlan({ planText: JSON.stringify(saved), planName: 'p.json', paths: [dir], cwd: dir, tenant: watched.tenant, now: FIXTURE_NOW, allowLicenseRemovals: true });

    expect(result).toMatchObject({ kind: 'refused', code: 'protected' });
    expect(result.kind === 'refused' ? result.reason : '').toContain('bob@contoso.com');
    await expectNothingWritten(memory, watched, before);
  });

  it('refuses a plan made stale by a change to the tenant after it was made, and writes nothing', async () => {
    const memory = contosoTenant();
    const dir = policyDir(POLICY);
    const planText = await savedPlanText(memory, dir);
    await memory.setUsageLocation(CAROL, 'BE');
    await memory.assignLicenses(CAROL, [{ skuId: E3, disabledPlans: [] }], []);
    const watched = watch(memory);
    const before = await stateOf(memory);

    const result = await applySavedPlan({ planText, planName: 'p.json', paths: [dir], cwd: dir, tenant: watched.tenant, now: FIXTURE_NOW });

    expect(result).toEqual({ kind: 'refused', code: 'stale-plan', reason: 'plan is stale: carol@contoso.com changed since it was made; run plan again' });
    await expectNothingWritten(memory, watched, before);
    // Dave and Support were not touched by anyone, and the stale plan did not repair them either.
    await expectNotRepaired(memory);
  });

  it('refuses when the policy is invalid, before reading the tenant', async () => {
    const memory = contosoTenant();
    const dir = policyDir(POLICY);
    const planText = await savedPlanText(memory, dir);
    writePolicy(dir, 'users:\n  - {userPrincipalName: not-an-upn, displayName: X, licenses: [nope]}\n');
    const watched = watch(memory);
    const before = await stateOf(memory);

    const result = await applySavedPlan({ planText, planName: 'p.json', paths: [dir], cwd: dir, tenant: watched.tenant, now: FIXTURE_NOW });

    expect(result).toEqual({ kind: 'refused', code: 'invalid-policy', reason: `the policy in ${dir} (paths) is invalid; run tenantctl validate` });
    expect(watched.calls).toEqual([]);
    await expectNothingWritten(memory, watched, before);
    await expectNotRepaired(memory);
  });

  it.each([
    ['for another tenant', (dir: string, text: string): string => text.replace(`"tenantId": "${TENANT_ID}"`, `"tenantId": "${OTHER_TENANT}"`),
      'other-tenant', `p.json is for tenant ${OTHER_TENANT}, but the credentials reach ${TENANT_ID}`],
    ['whose policy changed since', (dir: string, text: string): string => {
      writePolicy(dir, POLICY.replace('displayName: Carol Bakker,', 'displayName: Carol Bakker, whenMissing: report,'));
      return text;
    }, 'policy-changed', 'the policy changed since p.json was made (its digest differs): compared with the policy in DIR (paths); pass --policy PATH to compare with another, or run plan again'],
  ])('refuses a saved plan %s, and writes nothing', async (_name, edit, code, reasonOf) => {
    const memory = contosoTenant();
    const dir = policyDir(POLICY);
    const planText = edit(dir, await savedPlanText(memory, dir));
    const watched = watch(memory);
    const before = await stateOf(memory);

    const result = await applySavedPlan({ planText, planName: 'p.json', paths: [dir], cwd: dir, tenant: watched.tenant, now: FIXTURE_NOW });

    expect(result).toEqual({ kind: 'refused', code, reason: reasonOf.replace('DIR', dir) });
    await expectNothingWritten(memory, watched, before);
    await expectNotRepaired(memory);
  });

  it('refuses credentials that cannot make the plan\'s changes, and writes nothing', async () => {
    const memory = contosoTenant(READ_ONLY_ROLES);
    const dir = policyDir(POLICY);
    const planText = await savedPlanText(memory, dir);
    const watched = watch(memory);
    const before = await stateOf(memory);

    const result = await applySavedPlan({ planText, planName: 'p.json', paths: [dir], cwd: dir, tenant: watched.tenant, now: FIXTURE_NOW });

    expect(result.kind).toBe('refused');
    if (result.kind === 'refused') expect(result.reason).toMatch(/^these credentials cannot make the plan's changes:\n {2}missing-permission {2}/u);
    await expectNothingWritten(memory, watched, before);
    await expectNotRepaired(memory);
  });

  it('refuses more changes than maxChanges and writes nothing; exactly maxChanges applies', async () => {
    const memory = contosoTenant();
    const dir = policyDir(POLICY);
    const planText = await savedPlanText(memory, dir);
    const watched = watch(memory);
    const before = await stateOf(memory);

    const refused = await applySavedPlan({ planText, planName: 'p.json', paths: [dir], cwd: dir, tenant: watched.tenant, now: FIXTURE_NOW, maxChanges: 3 });

    expect(refused).toEqual({ kind: 'refused', code: 'too-many-changes', reason: 'the plan has 4 changes, more than --max-changes 3' });
    await expectNothingWritten(memory, watched, before);
    await expectNotRepaired(memory);

    const applied = await applySavedPlan({ planText, planName: 'p.json', paths: [dir], cwd: dir, tenant: watched.tenant, now: FIXTURE_NOW, maxChanges: 4 });

    expect(applied.kind).toBe('applied');
    expect(writesIn(watched.calls)).toHaveLength(4);
    await expectConverged(memory, dir);
  });
});
