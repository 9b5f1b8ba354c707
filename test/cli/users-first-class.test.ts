/**
 * Issue 13 end to end: `tenantctl plan` and `apply` against the emulator for new hires (created by
 * default, once, with a password nobody sees), declared attributes and managers, licenses through a
 * group (memberships, Entra's processing errors, pruning), protected principals, and the tenant's clock.
 * Each test ends on the tenant itself (`GET /_emulator/state`) and on a second plan with no changes.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Change, Plan } from '../../src/domain/plan.ts';
import type { RunningEmulator } from '../../src/emulator/server.ts';
import { startEmulator } from '../../src/emulator/server.ts';
import { activeUser, cliEnv, directLicenses, lastSeq, planJson, policyDir, readState, requestsSince, reseed, tempDir, tenantctl, writesIn } from '../support/apply-e2e.ts';
import { runTenantctl } from '../support/cli.ts';
import type { SeedDraft } from '../support/emulator.ts';
import { ALICE, BOB, CAROL, contoso, DAVE, E3, EXCHANGE_GROUP, EXCHANGE_PLAN_1, EXCHANGE_PLAN_2, EXCHANGE_STANDARD, FIXTURE_NOW, RECONCILER, userIn } from '../support/emulator.ts';

let emulator: RunningEmulator;
beforeAll(async () => {
  emulator = await startEmulator({ seed: contoso(), port: 0 });
});
afterAll(() => emulator.close());

/** The fixture with memberships writable by the reconciler, and `tweak` applied. */
async function seed(tweak: (draft: SeedDraft) => void = () => undefined): Promise<void> {
  await reseed(
    emulator.url,
    contoso((d) => {
      for (const app of d.apps) if (app.clientId === RECONCILER) app.roles.push('GroupMember.ReadWrite.All');
      tweak(d);
    }),
  );
}

/** The created user's random password ends so (src/engine/passwords.ts): no output may contain it. */
const PASSWORD_TAIL = '!aA1';

async function expectConverged(dir: string): Promise<Plan> {
  const again = await planJson(emulator.url, dir);
  expect(again.plan.changes).toEqual([]);
  expect(again.code, again.run.stdout).toBe(0);
  return again.plan;
}

describe('a declared user with nothing to restore', () => {
  const HANA = 'defaults: {usageLocation: NL}\nusers:\n'
    + '  - {userPrincipalName: hana@contoso.com, displayName: Hana Smit, jobTitle: Engineer, department: R&D, businessPhones: ["+31 20 555 0100"], manager: bob@contoso.com, licenses: [e3]}\n';

  it('is created by default, once, with its attributes and manager; its password is in no output; a second plan has no changes', async () => {
    await seed();
    const dir = policyDir(HANA);
    const text = await tenantctl(emulator.url, ['plan', dir]);
    expect(text.stdout).toContain('+ will be created (no deleted copy to restore)');
    expect(text.stdout).toContain('Temporary Access Pass');
    const saved = path.join(tempDir(), 'plan.json');
    expect((await tenantctl(emulator.url, ['plan', dir, '--out', saved])).code).toBe(0);
    const plan = JSON.parse(readFileSync(saved, 'utf8')) as Plan;
    expect(plan.changes.map((c) => c.action)).toEqual(['create-user', 'set-manager', 'assign-licenses']);

    const audit = path.join(tempDir(), 'audit.jsonl');
    const applied = await tenantctl(emulator.url, ['apply', saved, '--policy', dir, '--auto-approve', '--audit-log', audit]);
    expect(applied.code, applied.stderr).toBe(0);
    for (const output of [text.stdout, text.stderr, applied.stdout, applied.stderr, readFileSync(saved, 'utf8'), readFileSync(audit, 'utf8')]) expect(output).not.toContain(PASSWORD_TAIL);

    const state = await readState(emulator.url);
    const hanas = state.users.filter((u) => u.userPrincipalName === 'hana@contoso.com');
    expect(hanas).toHaveLength(1);
    expect(hanas[0]).toMatchObject({ displayName: 'Hana Smit', jobTitle: 'Engineer', department: 'R&D', businessPhones: ['+31 20 555 0100'], manager: BOB, usageLocation: 'NL', passwordProfile: { forceChangePasswordNextSignIn: true } });
    expect(directLicenses(hanas[0])).toEqual([`${E3}:`]);
    await expectConverged(dir);
  });

  it('whenMissing: report on the user keeps the not-restorable error and writes nothing; the deprecated whenPurged: create still creates, with a warning', async () => {
    await seed();
    const since = await lastSeq(emulator.url);
    const reported = await planJson(emulator.url, policyDir(HANA.replace('licenses: [e3]}', 'licenses: [e3], whenMissing: report}')));
    expect(reported.code).toBe(1);
    expect(reported.plan.changes).toEqual([]);
    expect(reported.plan.diagnostics.find((d) => d.code === 'not-restorable')?.message).toContain('whenMissing: report');
    const old = await planJson(emulator.url, policyDir(HANA.replace('defaults: {usageLocation: NL}', 'defaults: {usageLocation: NL, whenPurged: create}')));
    expect(old.plan.changes.map((c) => c.action)).toContain('create-user');
    expect(old.plan.diagnostics).toContainEqual(expect.objectContaining({ severity: 'warning', code: 'deprecated-setting', message: expect.stringContaining('defaults.whenMissing') as unknown }));
    expect(writesIn(await requestsSince(emulator.url, since))).toEqual([]);
  });

  it('a deleted copy that can be restored is restored, never re-created', async () => {
    await seed();
    const dir = policyDir('users:\n  - {userPrincipalName: dave@contoso.com, displayName: Dave Visser, licenses: [e3]}\n');
    const { plan } = await planJson(emulator.url, dir);
    expect(plan.changes.map((c) => c.action)).toEqual(['restore-user']);
  });
});

describe('declared attributes and the manager', () => {
  it('a declared key that drifted is set back (before → after); an undeclared one is left as it is', async () => {
    await seed((d) => Object.assign(userIn(d, BOB), { jobTitle: 'Sales Rep', department: 'Sales', officeLocation: 'Amsterdam' }));
    const dir = policyDir('users:\n  - {userPrincipalName: bob@contoso.com, displayName: Bob de Vries-Jansen, jobTitle: Sales Manager, department: Sales, licenses: [e3-no-yammer]}\n');
    const text = await tenantctl(emulator.url, ['plan', dir]);
    expect(text.stdout).toContain('jobTitle: "Sales Rep" → "Sales Manager"');
    const { plan } = await planJson(emulator.url, dir);
    expect(plan.changes).toEqual([
      expect.objectContaining({
        action: 'update-attributes',
        objectId: BOB,
        details: { attributes: [{ attribute: 'displayName', from: 'Bob de Vries', to: 'Bob de Vries-Jansen' }, { attribute: 'jobTitle', from: 'Sales Rep', to: 'Sales Manager' }] },
      }),
    ]);
    const applied = await tenantctl(emulator.url, ['apply', dir, '--auto-approve']);
    expect(applied.code, applied.stderr).toBe(0);
    const bob = activeUser(await readState(emulator.url), 'bob@contoso.com');
    expect(bob).toMatchObject({ displayName: 'Bob de Vries-Jansen', jobTitle: 'Sales Manager', department: 'Sales', officeLocation: 'Amsterdam' });
    await expectConverged(dir);
  });

  it('a manager neither in the tenant nor made by the plan is an error that blocks the principal', async () => {
    await seed();
    const { plan, code } = await planJson(emulator.url, policyDir('users:\n  - {userPrincipalName: carol@contoso.com, displayName: Carol Bakker, jobTitle: Buyer, manager: nobody@contoso.com}\n'));
    expect(code).toBe(1);
    expect(plan.changes).toEqual([]);
    expect(plan.diagnostics).toContainEqual(expect.objectContaining({ severity: 'error', code: 'manager-not-found', userPrincipalName: 'carol@contoso.com' }));
  });

  it('a manager the same apply creates is set once it exists; manager: null removes one', async () => {
    await seed((d) => {
      userIn(d, BOB).manager = CAROL;
    });
    const dir = policyDir(
      'defaults: {usageLocation: NL}\nusers:\n'
        + '  - {userPrincipalName: carol@contoso.com, displayName: Carol Bakker, manager: hana@contoso.com}\n'
        + '  - {userPrincipalName: hana@contoso.com, displayName: Hana Smit}\n'
        + '  - {userPrincipalName: bob@contoso.com, displayName: Bob de Vries, manager: null, licenses: [e3-no-yammer]}\n',
    );
    const { plan } = await planJson(emulator.url, dir);
    const managers = plan.changes.filter((c): c is Extract<Change, { action: 'set-manager' }> => c.action === 'set-manager');
    expect(managers.map((c) => [c.userPrincipalName, c.details.from, c.details.to])).toEqual([
      ['bob@contoso.com', 'carol@contoso.com', null],
      ['carol@contoso.com', null, 'hana@contoso.com'],
    ]);
    const applied = await tenantctl(emulator.url, ['apply', dir, '--auto-approve']);
    expect(applied.code, applied.stderr).toBe(0);
    const state = await readState(emulator.url);
    const hana = activeUser(state, 'hana@contoso.com');
    expect(activeUser(state, 'carol@contoso.com')?.manager).toBe(hana?.id);
    expect(activeUser(state, 'bob@contoso.com')?.manager).toBeUndefined();
    await expectConverged(dir);
  });
});

describe('licenses through a group', () => {
  const SET = '---\napiVersion: tenantctl/v1\nkind: TenantPolicy\nlicenses:\n  mail: {sku: EXCHANGESTANDARD, group: Exchange Plan 1 users}\n';
  const plentyOfSeats = (d: SeedDraft): void => {
    for (const sku of d.subscribedSkus) sku.prepaidUnits.enabled = 10;
  };

  it('a holder of the set joins the group instead of getting the license directly; Entra licenses it through the group', async () => {
    await seed(plentyOfSeats);
    const dir = policyDir(`users:\n  - {userPrincipalName: carol@contoso.com, displayName: Carol Bakker, licenses: [mail]}\n${SET}`);
    const text = await tenantctl(emulator.url, ['plan', dir]);
    expect(text.stdout).toContain('+ member of "Exchange Plan 1 users" (gives EXCHANGESTANDARD)');
    const { plan } = await planJson(emulator.url, dir);
    expect(plan.changes).toEqual([expect.objectContaining({ action: 'add-group-member', objectId: CAROL, details: { groupId: EXCHANGE_GROUP, groupName: 'Exchange Plan 1 users', licenses: ['EXCHANGESTANDARD'] } })]);
    const applied = await tenantctl(emulator.url, ['apply', dir, '--auto-approve']);
    expect(applied.code, applied.stderr).toBe(0);
    const state = await readState(emulator.url);
    expect(state.groups.find((g) => g.id === EXCHANGE_GROUP)?.members).toContain(CAROL);
    const carol = activeUser(state, 'carol@contoso.com');
    expect(carol?.licenseAssignmentStates).toEqual([expect.objectContaining({ skuId: EXCHANGE_STANDARD, assignedByGroup: EXCHANGE_GROUP, state: 'Active' })]);
    expect(directLicenses(carol)).toEqual([]);
    await expectConverged(dir);
  });

  it("Entra's processing errors are diagnostics: CountViolation (no seat) and MutuallyExclusiveViolation", async () => {
    // Two members and the SKU's one seat: the second is in CountViolation.
    const members = (d: SeedDraft): void => {
      const group = d.groups.find((g) => g.id === EXCHANGE_GROUP);
      if (group) group.members = [BOB, CAROL];
    };
    await seed(members);
    const dir = policyDir(
      'users:\n'
        + '  - {userPrincipalName: bob@contoso.com, displayName: Bob de Vries, licenses: [e3-no-yammer, mail]}\n'
        + `  - {userPrincipalName: carol@contoso.com, displayName: Carol Bakker, licenses: [mail]}\n${SET}`,
    );
    const count = await planJson(emulator.url, dir);
    const counted = count.plan.diagnostics.filter((d) => d.code === 'group-license-error');
    expect(counted).toHaveLength(1);
    expect(counted[0]).toMatchObject({ severity: 'warning', message: expect.stringContaining('CountViolation') as unknown });
    expect(count.plan.changes).toEqual([]);
    // Exchange Online Plan 1 (the group's) conflicts with Plan 2 (in E3): Bob, holding E3 directly, cannot take it; Carol can.
    await seed((d) => {
      members(d);
      plentyOfSeats(d);
      (d as SeedDraft & { mutuallyExclusive?: [string, string][] }).mutuallyExclusive = [[EXCHANGE_PLAN_1, EXCHANGE_PLAN_2]];
    });
    const exclusive = await planJson(emulator.url, dir);
    const messages = exclusive.plan.diagnostics.filter((d) => d.code === 'group-license-error');
    expect(messages).toEqual([expect.objectContaining({ severity: 'warning', userPrincipalName: 'bob@contoso.com', message: expect.stringContaining('MutuallyExclusiveViolation') as unknown })]);
  });

  it('pruneLicenses removes memberships of the groups the policy names only, and only of declared principals', async () => {
    await seed((d) => {
      plentyOfSeats(d);
      const group = d.groups.find((g) => g.id === EXCHANGE_GROUP);
      if (group) group.members = [BOB, CAROL, ALICE];
      d.groups.push({ id: '9a000000-0000-4000-8000-000000000002', displayName: 'Not ours', assignedLicenses: [{ skuId: EXCHANGE_STANDARD, disabledPlans: [] }], members: [CAROL] });
    });
    // Alice is not declared: her membership is not the policy's business.
    const dir = policyDir(
      'defaults: {pruneLicenses: true}\nusers:\n'
        + '  - {userPrincipalName: bob@contoso.com, displayName: Bob de Vries, licenses: [e3-no-yammer, mail]}\n'
        + `  - {userPrincipalName: carol@contoso.com, displayName: Carol Bakker}\n${SET}`,
    );
    const { plan } = await planJson(emulator.url, dir);
    expect(plan.changes).toEqual([expect.objectContaining({ action: 'remove-group-member', userPrincipalName: 'carol@contoso.com', details: expect.objectContaining({ groupId: EXCHANGE_GROUP }) as unknown })]);
    const applied = await tenantctl(emulator.url, ['apply', dir, '--auto-approve']);
    expect(applied.code, applied.stderr).toBe(0);
    const state = await readState(emulator.url);
    expect(state.groups.find((g) => g.id === EXCHANGE_GROUP)?.members).toEqual([BOB, ALICE].sort());
    expect(state.groups.find((g) => g.displayName === 'Not ours')?.members).toEqual([CAROL]);
    await expectConverged(dir);
  });
});

describe('protected principals', () => {
  const IVAN = '0b1f5a1e-1111-4000-8000-000000000009';
  const POLICY =
    'defaults: {pruneLicenses: true, protected: [carol@contoso.com, breakglass@contoso.com]}\nusers:\n'
    + '  - {userPrincipalName: bob@contoso.com, displayName: Bob de Vries, protected: true}\n'
    + '  - {userPrincipalName: carol@contoso.com, displayName: Carol Bakker, jobTitle: Director}\n'
    + '  - {userPrincipalName: ivan@contoso.com, displayName: Ivan de Groot, jobTitle: Buyer}\n';
  /** Bob's sign-in blocked; Carol holding an E3 nobody declared; Ivan, who is not protected. */
  const drifted = (d: SeedDraft): void => {
    userIn(d, BOB).accountEnabled = false;
    Object.assign(userIn(d, CAROL), { usageLocation: 'NL', assignedLicenses: [{ skuId: E3, disabledPlans: [] }] });
    d.users.push({ id: IVAN, userPrincipalName: 'ivan@contoso.com', displayName: 'Ivan de Groot', accountEnabled: true });
  };

  it('get no change under any option; their drift is information; the summary counts them', async () => {
    await seed(drifted);
    const dir = policyDir(POLICY);
    const { plan, code } = await planJson(emulator.url, dir);
    expect(code).toBe(2);
    expect(plan.changes.map((c) => `${c.action} ${c.userPrincipalName}`)).toEqual(['update-attributes ivan@contoso.com']);
    expect(plan.protectedPrincipals).toEqual(['bob@contoso.com', 'breakglass@contoso.com', 'carol@contoso.com']);
    expect(plan.summary.protected).toBe(3);
    const drift = plan.diagnostics.filter((d) => d.code === 'protected-drift');
    // Bob's blocked sign-in; Carol's job title; and for both, the E3 that pruning would remove.
    expect(drift.map((d) => `${d.severity} ${d.userPrincipalName}: ${d.message}`)).toEqual([
      'info bob@contoso.com: protected: left alone; would enable sign-in (accountEnabled false → true)',
      'info bob@contoso.com: protected: left alone; would remove ENTERPRISEPACK',
      'info carol@contoso.com: protected: left alone; would remove ENTERPRISEPACK',
      'info carol@contoso.com: protected: left alone; would set jobTitle (none) → "Director"',
    ]);
    expect(plan.diagnostics.filter((d) => d.userPrincipalName === 'carol@contoso.com' || d.userPrincipalName === 'bob@contoso.com').every((d) => d.severity === 'info')).toBe(true);
    const text = await tenantctl(emulator.url, ['plan', dir]);
    expect(text.stdout).toContain('3 protected principals left alone');

    const since = await lastSeq(emulator.url);
    const applied = await tenantctl(emulator.url, ['apply', dir, '--auto-approve', '--allow-license-removals']);
    expect(applied.code, applied.stderr).toBe(0);
    const writes = writesIn(await requestsSince(emulator.url, since));
    expect(writes.map((w) => `${w.method} ${w.path}`)).toEqual([`PATCH /users/${IVAN}`]);
    const state = await readState(emulator.url);
    expect(activeUser(state, 'bob@contoso.com')?.accountEnabled).toBe(false);
    expect(activeUser(state, 'carol@contoso.com')?.jobTitle).toBeNull();
    expect(directLicenses(activeUser(state, 'carol@contoso.com'))).toEqual([`${E3}:`]);
    const after = await expectConverged(dir);
    expect(after.diagnostics.filter((d) => d.code === 'protected-drift').length).toBe(drift.length);
  });

  it('a saved plan edited to change one is refused before anything is written', async () => {
    await seed(drifted);
    const dir = policyDir(POLICY);
    const saved = path.join(tempDir(), 'plan.json');
    expect((await tenantctl(emulator.url, ['plan', dir, '--out', saved])).code).toBe(0);
    const plan = JSON.parse(readFileSync(saved, 'utf8')) as { changes: unknown[]; summary: Record<string, number> };
    plan.changes.unshift({ action: 'enable-sign-in', userPrincipalName: 'bob@contoso.com', objectId: BOB, reason: 'edited by hand', details: { from: false, to: true } });
    plan.summary = { 'update-attributes': 1, 'enable-sign-in': 1, protected: 3 };
    writeFileSync(saved, JSON.stringify(plan, null, 2));
    const since = await lastSeq(emulator.url);
    const applied = await tenantctl(emulator.url, ['apply', saved, '--policy', dir, '--auto-approve', '--allow-license-removals']);
    expect(applied.code).toBe(1);
    expect(applied.stderr).toMatch(/bob@contoso\.com.*protect/u);
    expect(applied.stderr).toContain('Nothing was changed.');
    expect(writesIn(await requestsSince(emulator.url, since))).toEqual([]);
  });
});

describe("the tenant's clock", () => {
  const DAVE_POLICY = 'users:\n  - {userPrincipalName: dave@contoso.com, displayName: Dave Visser, licenses: [e3]}\n';

  it("the 30-day window is counted on the tenant's time (Graph's Date header), whatever the runner's clock says; TENANTCTL_NOW still fixes it", async () => {
    await seed();
    const dir = policyDir(DAVE_POLICY);
    const planAt = async (runnerNow: string, env: Record<string, string> = {}): Promise<Plan> => {
      const run = await runTenantctl(['plan', dir, '--format', 'json'], { env: cliEnv(emulator.url, env), now: runnerNow });
      return JSON.parse(run.stdout) as Plan;
    };
    // Dave was deleted on 2026-11-01: by a runner clock of March 2027 he would be purged; the tenant says 2026-11-22.
    const fromTenant = await planAt('2027-03-01T00:00:00Z');
    expect(fromTenant.createdAt).toBe(FIXTURE_NOW);
    const restore = fromTenant.changes.find((c): c is Extract<Change, { action: 'restore-user' }> => c.action === 'restore-user');
    expect(restore).toMatchObject({ objectId: DAVE, details: { daysLeft: 9 } });
    const fixed = await planAt('2027-03-01T00:00:00Z', { TENANTCTL_NOW: '2026-11-25T00:00:00Z' });
    expect(fixed.createdAt).toBe('2026-11-25T00:00:00Z');
    expect(fixed.changes.find((c) => c.action === 'restore-user')).toMatchObject({ details: { daysLeft: 6 } });
  });
});
