/**
 * The executor's steps for declared attributes, managers, licensing-group memberships and new users
 * with attributes (src/engine/apply.ts), end to end on the in-memory adapter: plan the policy, apply
 * the plan, and assert what the tenant holds afterwards (and that a fresh plan is empty).
 */
import { describe, expect, it } from 'vitest';
import type { Plan } from '../../src/domain/plan.ts';
import type { ApplyOptions, ChangeOutcome } from '../../src/engine/apply.ts';
import { applyPlan } from '../../src/engine/apply.ts';
import { planTenant, readRequestFor } from '../../src/engine/reconcile.ts';
import { loadPolicy } from '../../src/policy/load.ts';
import type { MemoryTenant } from '../../src/tenant/memory/tenant.ts';
import { createMemoryTenant } from '../../src/tenant/memory/tenant.ts';
import type { NewUserInput, TenantReader, TenantWriter } from '../../src/tenant/port.ts';
import { TenantError } from '../../src/tenant/port.ts';
import { policyDir } from '../support/apply-e2e.ts';
import type { SeedDraft } from '../support/emulator.ts';
import { ALICE, BOB, CAROL, contoso, E3, FIXTURE_NOW, userIn } from '../support/emulator.ts';
import { memoryInputFromSeed } from '../support/memory-seed.ts';
import { countingGuid } from '../support/seeds.ts';

const LICENSING_E3 = '9a000000-0000-4000-8000-0000000000e3';
const PASSWORD = 'Pw-1-aA1!xYz9';

/** The Contoso fixture, tweaked; created users get ids 3333…0001, 3333…0002, … in creation order. */
function tenantOf(tweak: (draft: SeedDraft) => void = () => {}): MemoryTenant {
  let ids = 0;
  return createMemoryTenant(memoryInputFromSeed(contoso(tweak)), { newId: () => countingGuid(++ids, '3333') });
}

/** A licensing group assigning E3, with these members. */
function withLicensingGroup(draft: SeedDraft, members: string[]): void {
  draft.groups.push({ id: LICENSING_E3, displayName: 'Licensing E3', assignedLicenses: [{ skuId: E3, disabledPlans: [] }], members });
}

async function planOf(tenant: TenantReader, yaml: string): Promise<{ plan: Plan; dir: string }> {
  const dir = policyDir(yaml);
  const outcome = await planTenant({ paths: [dir], cwd: dir, reader: tenant, now: FIXTURE_NOW });
  if (outcome.kind !== 'planned') throw new Error(`invalid policy: ${outcome.diagnostics.map((d) => d.message).join('; ')}`);
  return { plan: outcome.plan, dir };
}

async function replan(tenant: TenantReader, dir: string): Promise<Plan> {
  const outcome = await planTenant({ paths: [dir], cwd: dir, reader: tenant, now: FIXTURE_NOW });
  if (outcome.kind !== 'planned') throw new Error('invalid policy');
  return outcome.plan;
}

const lines = (plan: Plan): string[] => plan.changes.map((c) => `${c.action} ${c.userPrincipalName}`);
const statuses = (outcomes: readonly ChangeOutcome[]): string[] => outcomes.map((o) => `${o.change.action} ${o.change.userPrincipalName} ${o.status}${o.status === 'skipped' ? `: ${o.reason}` : o.status === 'failed' ? `: ${o.error.message}` : ''}`);
/** A 400 that no earlier success explains: the create is not checked or sent again. */
const refused = (): TenantError => new TenantError({ status: 400, code: 'Request_BadRequest', message: 'refused', requestId: 'req-1' });
const options: ApplyOptions = { newPassword: () => PASSWORD, concurrency: 1 };

/** What the tenant holds for a policy: the users with their declared attributes and managers, and the groups it names. */
async function stateFor(tenant: TenantReader, dir: string) {
  const policy = await loadPolicy([dir], { cwd: dir });
  if (!policy.desired) throw new Error('invalid policy');
  return tenant.readTenant(readRequestFor(policy.desired));
}

/** The memory tenant, with every call to a writer method noted (the method and its first argument). */
function watched(memory: MemoryTenant): { tenant: TenantReader & TenantWriter; calls: string[]; created: NewUserInput[] } {
  const calls: string[] = [];
  const created: NewUserInput[] = [];
  const note = (call: string): void => void calls.push(call);
  return {
    calls,
    created,
    tenant: {
      readTenant: (request) => memory.readTenant(request),
      readGrantedRoles: () => memory.readGrantedRoles(),
      readUser: (principal) => memory.readUser(principal),
      restoreDeletedUser: (id, o) => (note(`restore ${id}`), memory.restoreDeletedUser(id, o)),
      createUser: (input) => (note(`create ${input.userPrincipalName}`), created.push(input), memory.createUser(input)),
      setUsageLocation: (p, u) => (note(`usage ${p}`), memory.setUsageLocation(p, u)),
      assignLicenses: (p, a, r) => (note(`licenses ${p}`), memory.assignLicenses(p, a, r)),
      setAccountEnabled: (p, e) => (note(`sign-in ${p}`), memory.setAccountEnabled(p, e)),
      updateAttributes: (p, a) => (note(`attributes ${p}`), memory.updateAttributes(p, a)),
      setManager: (p, m) => (note(`manager ${p} ${m ?? 'none'}`), memory.setManager(p, m)),
      addGroupMember: (g, u) => (note(`add ${g} ${u}`), memory.addGroupMember(g, u)),
      removeGroupMember: (g, u) => (note(`remove ${g} ${u}`), memory.removeGroupMember(g, u)),
    },
  };
}

describe('declared attributes', () => {
  it('sets the differing attributes in one update, unsets those declared empty, and leaves undeclared ones alone', async () => {
    const tenant = tenantOf((d) => {
      Object.assign(userIn(d, CAROL), { jobTitle: 'Engineer', department: 'Sales', city: 'Utrecht' });
    });
    const { plan, dir } = await planOf(tenant, 'users:\n  - {userPrincipalName: carol@contoso.com, displayName: Carol Bakker, jobTitle: Senior Engineer, department: ""}\n');
    expect(lines(plan)).toEqual(['update-attributes carol@contoso.com']);
    const w = watched(tenant);

    const result = await applyPlan(plan, w.tenant, options);

    expect(statuses(result.outcomes)).toEqual(['update-attributes carol@contoso.com applied']);
    expect(w.calls).toEqual([`attributes ${CAROL}`]);
    const carol = (await tenant.readTenant({ mailboxUserPrincipalNames: [], attributes: ['jobTitle', 'department', 'city'] })).users.find((u) => u.id === CAROL);
    expect(carol?.attributes).toEqual({ jobTitle: 'Senior Engineer', department: null, city: 'Utrecht' });
    expect((await replan(tenant, dir)).changes).toEqual([]);
  });
});

describe('a new user', () => {
  it('is created with its declared attributes in the same request, and the password goes only to the adapter', async () => {
    const tenant = tenantOf();
    const { plan, dir } = await planOf(tenant, 'users:\n  - {userPrincipalName: nina@contoso.com, displayName: Nina Bos, jobTitle: Engineer, businessPhones: ["+31 20 123 4567"], usageLocation: NL}\n');
    expect(lines(plan)).toEqual(['create-user nina@contoso.com']);
    const w = watched(tenant);

    const result = await applyPlan(plan, w.tenant, options);

    expect(statuses(result.outcomes)).toEqual(['create-user nina@contoso.com applied']);
    expect(w.created.map((input) => ({ attributes: input.attributes, password: input.password }))).toEqual([{ attributes: { jobTitle: 'Engineer', businessPhones: ['+31 20 123 4567'] }, password: PASSWORD }]);
    const nina = (await stateFor(tenant, dir)).users.find((u) => u.userPrincipalName === 'nina@contoso.com');
    expect(nina?.attributes).toEqual({ jobTitle: 'Engineer', businessPhones: ['+31 20 123 4567'] });
    expect((await replan(tenant, dir)).changes).toEqual([]);
  });
});

describe('managers', () => {
  // Nina comes before Otto in the plan (UPN order) and one principal runs at a time: her manager, whom the
  // same plan creates, exists only because every set-manager runs after the plan's other steps.
  const NEW_TEAM = 'users:\n'
    + '  - {userPrincipalName: nina@contoso.com, displayName: Nina Bos, manager: otto@contoso.com}\n'
    + '  - {userPrincipalName: otto@contoso.com, displayName: Otto Kok}\n';

  it('sets a manager the same plan creates, after creating it', async () => {
    const tenant = tenantOf();
    const { plan, dir } = await planOf(tenant, NEW_TEAM);
    expect(lines(plan)).toEqual(['create-user nina@contoso.com', 'set-manager nina@contoso.com', 'create-user otto@contoso.com']);
    const w = watched(tenant);

    const result = await applyPlan(plan, w.tenant, options);

    expect(statuses(result.outcomes)).toEqual(['create-user nina@contoso.com applied', 'set-manager nina@contoso.com applied', 'create-user otto@contoso.com applied']);
    expect(w.calls).toEqual(['create nina@contoso.com', 'create otto@contoso.com', `manager ${countingGuid(1, '3333')} ${countingGuid(2, '3333')}`]);
    const users = (await stateFor(tenant, dir)).users;
    const otto = users.find((u) => u.userPrincipalName === 'otto@contoso.com');
    expect(users.find((u) => u.userPrincipalName === 'nina@contoso.com')?.managerId).toBe(otto?.id);
    expect((await replan(tenant, dir)).changes).toEqual([]);
  });

  it('fails with what to do when the manager could not be created, and skips nothing else', async () => {
    const memory = tenantOf();
    const { plan } = await planOf(memory, NEW_TEAM);
    const w = watched(memory);
    const refuseOtto: TenantReader & TenantWriter = {
      ...w.tenant,
      createUser: (input) => (input.userPrincipalName === 'otto@contoso.com'
        ? Promise.reject(refused())
        : w.tenant.createUser(input)),
    };

    const result = await applyPlan(plan, refuseOtto, options);

    expect(statuses(result.outcomes)).toEqual([
      'create-user nina@contoso.com applied',
      'set-manager nina@contoso.com failed: the manager otto@contoso.com is not an active user in the tenant (its creation or restore did not happen); apply again once it exists, or run plan again',
      'create-user otto@contoso.com failed: refused',
    ]);
  });

  it('is skipped when an earlier step of its principal failed', async () => {
    const memory = tenantOf();
    const { plan } = await planOf(memory, NEW_TEAM);
    const w = watched(memory);
    const refuseNina: TenantReader & TenantWriter = {
      ...w.tenant,
      createUser: (input) => (input.userPrincipalName === 'nina@contoso.com'
        ? Promise.reject(refused())
        : w.tenant.createUser(input)),
    };

    const result = await applyPlan(plan, refuseNina, options);

    expect(statuses(result.outcomes)).toEqual(['create-user nina@contoso.com failed: refused', 'set-manager nina@contoso.com skipped: its creation failed', 'create-user otto@contoso.com applied']);
    expect(w.calls.filter((c) => c.startsWith('manager'))).toEqual([]);
  });

  it('changes an existing manager to another, and removes one the policy says must be none', async () => {
    const tenant = tenantOf((d) => {
      userIn(d, CAROL).manager = BOB;
      userIn(d, BOB).manager = ALICE;
    });
    const yaml = 'users:\n'
      + '  - {userPrincipalName: carol@contoso.com, displayName: Carol Bakker, manager: alice@contoso.com}\n'
      + '  - {userPrincipalName: bob@contoso.com, displayName: Bob de Vries, manager: null}\n';
    const { plan, dir } = await planOf(tenant, yaml);
    expect(lines(plan)).toEqual(['set-manager bob@contoso.com', 'set-manager carol@contoso.com']);

    const result = await applyPlan(plan, tenant, options);

    expect(statuses(result.outcomes)).toEqual(['set-manager bob@contoso.com applied', 'set-manager carol@contoso.com applied']);
    const users = (await stateFor(tenant, dir)).users;
    expect(users.find((u) => u.id === CAROL)?.managerId).toBe(ALICE);
    expect(users.find((u) => u.id === BOB)?.managerId).toBeNull();
    expect((await replan(tenant, dir)).changes).toEqual([]);
  });
});

describe('licensing-group memberships', () => {
  // The policy header (test/support/apply-e2e.ts) opens `licenses:`: this set joins it.
  const E3_GROUP_SET = '  e3group: {sku: ENTERPRISEPACK, group: Licensing E3}\n';
  const GROUP_POLICY = E3_GROUP_SET
    + 'users:\n  - {userPrincipalName: carol@contoso.com, displayName: Carol Bakker, usageLocation: NL, licenses: [e3group]}\n';

  it('makes the principal a member, and doing it again changes nothing', async () => {
    const tenant = tenantOf((d) => withLicensingGroup(d, []));
    const { plan, dir } = await planOf(tenant, GROUP_POLICY);
    expect(lines(plan).filter((l) => l.includes('group'))).toEqual(['add-group-member carol@contoso.com']);

    const first = await applyPlan(plan, tenant, options);
    // The same plan again (an interrupted run repeated): the member already is one, which is done.
    const again = await applyPlan({ ...plan, changes: plan.changes.filter((c) => c.action === 'add-group-member') }, tenant, options);

    expect(statuses(first.outcomes).every((s) => s.endsWith(' applied'))).toBe(true);
    expect(statuses(again.outcomes)).toEqual(['add-group-member carol@contoso.com applied']);
    const group = (await stateFor(tenant, dir)).groups?.find((g) => g.id === LICENSING_E3);
    expect(group?.memberIds).toEqual([CAROL]);
    expect((await replan(tenant, dir)).changes).toEqual([]);
  });

  it('makes a user the plan creates a member, by its new id', async () => {
    const tenant = tenantOf((d) => withLicensingGroup(d, []));
    const yaml = E3_GROUP_SET
      + 'users:\n  - {userPrincipalName: nina@contoso.com, displayName: Nina Bos, usageLocation: NL, licenses: [e3group]}\n';
    const { plan, dir } = await planOf(tenant, yaml);
    expect(lines(plan)).toEqual(['create-user nina@contoso.com', 'add-group-member nina@contoso.com']);
    const w = watched(tenant);

    const result = await applyPlan(plan, w.tenant, options);

    expect(statuses(result.outcomes)).toEqual(['create-user nina@contoso.com applied', 'add-group-member nina@contoso.com applied']);
    expect(w.calls).toEqual(['create nina@contoso.com', `add ${LICENSING_E3} ${countingGuid(1, '3333')}`]);
    expect((await stateFor(tenant, dir)).groups?.find((g) => g.id === LICENSING_E3)?.memberIds).toEqual([countingGuid(1, '3333')]);
    expect((await replan(tenant, dir)).changes).toEqual([]);
  });

  it('removes a membership no license set gives (pruneLicenses), and removing it again changes nothing', async () => {
    const tenant = tenantOf((d) => withLicensingGroup(d, [CAROL, BOB]));
    const yaml = E3_GROUP_SET
      + 'defaults: {pruneLicenses: true}\n'
      + 'users:\n'
      + '  - {userPrincipalName: carol@contoso.com, displayName: Carol Bakker}\n'
      + '  - {userPrincipalName: bob@contoso.com, displayName: Bob de Vries, licenses: [e3group]}\n';
    const { plan, dir } = await planOf(tenant, yaml);
    const removal = plan.changes.filter((c) => c.action === 'remove-group-member');
    expect(removal.map((c) => c.userPrincipalName)).toEqual(['carol@contoso.com']);

    const first = await applyPlan({ ...plan, changes: removal }, tenant, options);
    const again = await applyPlan({ ...plan, changes: removal }, tenant, options);

    expect(statuses(first.outcomes)).toEqual(['remove-group-member carol@contoso.com applied']);
    expect(statuses(again.outcomes)).toEqual(['remove-group-member carol@contoso.com applied']);
    expect((await stateFor(tenant, dir)).groups?.find((g) => g.id === LICENSING_E3)?.memberIds).toEqual([BOB]);
    expect((await replan(tenant, dir)).changes.filter((c) => c.action === 'remove-group-member')).toEqual([]);
  });
});
