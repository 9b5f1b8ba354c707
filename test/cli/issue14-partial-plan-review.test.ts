/**
 * Review fixes for issue 14's `--only` and saved plans, end to end against the emulator: a partial
 * plan does not fail for principals it leaves out (the SKU-wide seat-shortfall error, a manager a
 * left-out principal's restore brings back), and a saved plan applied from another directory says
 * that its recorded policy paths are relative to where plan ran.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator/server.ts';
import { startEmulator } from '../../src/emulator/server.ts';
import { activeUser, directLicenses, FOUR_CHANGE_POLICY, lastSeq, readState, requestsSince, reseed, tempDir, tenantctl, tenantWorkDir, writePolicy } from '../support/apply-e2e.ts';
import { BOB, contoso, E3, OLD_ALICE, SUPPORT, userIn } from '../support/emulator.ts';

let emulator: RunningEmulator;
beforeAll(async () => {
  emulator = await startEmulator({ seed: contoso(), port: 0 });
});
afterAll(() => emulator.close());

const run = (args: readonly string[], cwd: string) => tenantctl(emulator.url, args, { cwd });

describe('--only a principal whose share is clean, while others are short of seats', () => {
  // One free E3 seat (2 bought, Alice holds one); Bob and Carol both want it (Bob gets it). Support's sign-in is to be blocked.
  const seed = (): ReturnType<typeof contoso> => contoso((d) => {
    userIn(d, BOB).assignedLicenses = [];
    userIn(d, SUPPORT).accountEnabled = true;
    const [e3] = d.subscribedSkus;
    if (e3) e3.prepaidUnits.enabled = 2;
  });
  const POLICY = 'defaults: {usageLocation: NL}\nusers:\n'
    + '  - {userPrincipalName: carol@contoso.com, displayName: Carol Bakker, licenses: [e3]}\n'
    + '  - {userPrincipalName: bob@contoso.com, displayName: Bob de Vries, licenses: [e3]}\n'
    + 'mailboxes:\n  - {userPrincipalName: support@contoso.com, displayName: Contoso Support, type: shared}\n';

  it('plan --only support: exit 0, the shortfall a warning about principals outside the partial plan', async () => {
    await reseed(emulator.url, seed());
    const { cwd } = tenantWorkDir(POLICY);
    const plan = await run(['plan', 'tenants/prod', '--only', 'support@contoso.com'], cwd);
    expect(plan.code, plan.stdout + plan.stderr).toBe(0);
    expect(plan.stdout).toMatch(/warning {2}seat-shortfall {2}.*this concerns principals outside this partial plan/u);
    // Carol is short of the seat herself: her partial plan keeps the error.
    const carol = await run(['plan', 'tenants/prod', '--only', 'carol@contoso.com'], cwd);
    expect(carol.code).toBe(1);
    expect(carol.stdout).toMatch(/error {2}seat-shortfall/u);
  });

  it('apply --only support: exit 0, Support blocked, the seat still free', async () => {
    await reseed(emulator.url, seed());
    const { cwd } = tenantWorkDir(POLICY);
    const apply = await run(['apply', 'tenants/prod', '--only', 'support@contoso.com', '--auto-approve'], cwd);
    expect(apply.code, apply.stdout + apply.stderr).toBe(0);
    expect(apply.stdout).toContain('Apply complete: 1 blocked.');
    const state = await readState(emulator.url);
    expect(activeUser(state, 'support@contoso.com')?.accountEnabled).toBe(false);
    // Bob, who gets the seat in the full plan, is not short of it either: his apply exits 0 too.
    const bob = await run(['apply', 'tenants/prod', '--only', 'bob@contoso.com', '--auto-approve'], cwd);
    expect(bob.code, bob.stdout + bob.stderr).toBe(0);
    expect(directLicenses(activeUser(await readState(emulator.url), 'bob@contoso.com'))).toEqual([`${E3}:`]);
  });
});

describe('--only a principal whose manager a left-out principal\'s restore brings back', () => {
  // The full plan restores Alice (by her address, under alice.jansen@) and sets Carol's manager to her.
  const POLICY = 'defaults: {usageLocation: NL}\nusers:\n'
    + '  - {userPrincipalName: alice.jansen@contoso.com, displayName: Alice Jansen}\n'
    + '  - {userPrincipalName: carol@contoso.com, displayName: Carol Bakker, jobTitle: Engineer, manager: alice.jansen@contoso.com}\n';

  it('apply --only carol: her other changes apply, the manager is not set, a warning names the manager and the --only to add; exit 0', async () => {
    await reseed(emulator.url, contoso());
    const { cwd } = tenantWorkDir(POLICY);
    const apply = await run(['apply', 'tenants/prod', '--only', 'carol@contoso.com', '--auto-approve'], cwd);
    expect(apply.code, apply.stdout + apply.stderr).toBe(0);
    expect(apply.stdout).toContain('its manager alice.jansen@contoso.com is not set: the full plan restores alice.jansen@contoso.com, and this partial plan leaves it out. Add --only alice.jansen@contoso.com');
    expect(apply.stdout).toContain('Apply complete: 1 updated.');
    let state = await readState(emulator.url);
    expect(activeUser(state, 'carol@contoso.com')?.jobTitle).toBe('Engineer');
    expect(activeUser(state, 'alice.jansen@contoso.com')).toBeUndefined();

    // With the manager selected too, the restore and the manager land in one apply.
    const both = await run(['apply', 'tenants/prod', '--only', 'carol@contoso.com', '--only', 'alice.jansen@contoso.com', '--auto-approve'], cwd);
    expect(both.code, both.stdout + both.stderr).toBe(0);
    state = await readState(emulator.url);
    expect(activeUser(state, 'carol@contoso.com')?.manager).toBe(OLD_ALICE);
  });
});

describe('a saved plan applied from another directory', () => {
  it('says its recorded policy paths are relative to where plan ran, that they do not exist here, and what to do; writes nothing', async () => {
    await reseed(emulator.url, contoso());
    const { cwd } = tenantWorkDir(FOUR_CHANGE_POLICY);
    expect((await run(['plan', 'tenants/prod', '--out', 'plan.json'], cwd)).code).toBe(0);
    const elsewhere = tempDir();
    mkdirSync(path.join(elsewhere, 'sub'));
    const since = await lastSeq(emulator.url);
    const apply = await run(['apply', path.join(cwd, 'plan.json'), '--auto-approve'], elsewhere);
    expect(apply.code).toBe(1);
    expect(apply.stderr).toContain(`${path.join(cwd, 'plan.json')} records its policy paths relative to the directory plan ran in, and tenants/prod does not exist here (${elsewhere}): run apply from the directory plan ran in, or pass --policy PATH\nNothing was changed.\n`);
    expect(await requestsSince(emulator.url, since)).toEqual([]);
  });
});

describe('a saved partial plan whose principal the policy no longer declares', () => {
  it('is refused naming the principal (the same words as the library\'s applySavedPlan); writes nothing', async () => {
    await reseed(emulator.url, contoso());
    const { cwd, policy } = tenantWorkDir(FOUR_CHANGE_POLICY);
    expect((await run(['plan', 'tenants/prod', '--only', 'carol@contoso.com', '--out', 'p.json'], cwd)).code).toBe(0);
    writePolicy(policy, FOUR_CHANGE_POLICY.replace(/^ {2}- \{userPrincipalName: carol@contoso\.com.*\n/mu, ''));
    const since = await lastSeq(emulator.url);
    const apply = await run(['apply', 'p.json', '--auto-approve'], cwd);
    expect(apply.code).toBe(1);
    expect(apply.stderr).toContain('tenantctl apply: p.json is partial (--only), and the policy in tenants/prod (recorded in p.json) no longer declares carol@contoso.com; run plan again\nNothing was changed.\n');
    expect(await requestsSince(emulator.url, since)).toEqual([]);
  });
});
