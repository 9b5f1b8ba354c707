/**
 * `tenantctl demo` end to end, in-process: the drifted copy of policies/ in an embedded emulator,
 * plan → apply → plan, asserting the story it prints, its exit code and that no secret leaks.
 */
import { describe, expect, it } from 'vitest';
import { runDemo } from '../../src/cli/demo/command.ts';
import type { Seed } from '../../src/emulator/directory/model.ts';
import type { RequestLogEntry, RunningEmulator } from '../../src/emulator/server.ts';
import { startEmulator } from '../../src/emulator/server.ts';
import { castDemo, DEMO_APP_ROLES, DEMO_STALE_JOB_TITLE, demoSeed } from '../../src/cli/demo/demo-tenant.ts';
import type { DemoSeed, DemoSeedUser } from '../../src/cli/demo/demo-tenant.ts';
import { loadPolicy } from '../../src/policy/load.ts';
import type { StateDump } from '../support/apply-e2e.ts';
import { activeUser, directLicenses, writesIn } from '../support/apply-e2e.ts';
import { runTenantctl } from '../support/cli.ts';

const repo = new URL('../../', import.meta.url).pathname;
const NOW = '2026-11-22T00:00:00Z';
const KNOWN_SECRET = 'demo-test-secret-5f0c2b7e9d41a8c3';

/** Text with its line breaks and indents as single spaces: the story's words wrap at 100 columns. */
const flat = (text: string): string => text.replace(/\s+/gu, ' ');

async function desiredState() {
  const policy = await loadPolicy([], { cwd: repo });
  if (!policy.desired) throw new Error('policies/ is invalid');
  return policy.desired;
}

interface DemoRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** The embedded emulator's state before the demo's first request, and after its last write. */
  readonly before: StateDump;
  readonly after: StateDump;
  /** The emulator's request log after the demo's last write (batch items each an entry). */
  readonly requests: readonly RequestLogEntry[];
}

let inProcess: Promise<DemoRun> | undefined;

/**
 * Runs the demo in this process with a secret the test knows, so that the output can be searched
 * for it (once per file: the tests share the run). The demo's emulator lives and dies inside
 * runDemo: its `observe` hook hands it over when it starts and when the story is told, and the test
 * reads the emulator's state then, and its request log at the end.
 */
function demoWithKnownSecret(): Promise<DemoRun> {
  inProcess ??= (async () => {
    let stdout = '';
    let stderr = '';
    let before: StateDump | undefined;
    let after: StateDump | undefined;
    let requests: readonly RequestLogEntry[] = [];
    const state = async (emulator: RunningEmulator): Promise<StateDump> => (await (await fetch(`${emulator.url}/_emulator/state`)).json()) as StateDump;
    const outcome = await runDemo(
      {
        stdout: { write: (text: string) => (stdout += text), isTTY: false },
        stderr: { write: (text: string) => (stderr += text), isTTY: false },
        cwd: repo,
        env: {},
        now: () => NOW,
        clock: () => new Date().toISOString(),
        waitForStop: () => Promise.resolve(),
      },
      {
        clientSecret: KNOWN_SECRET,
        observe: async (moment, emulator) => {
          if (moment === 'started') before = await state(emulator);
          else {
            after = await state(emulator);
            requests = emulator.requests();
          }
        },
      },
    );
    const code = outcome.kind === 'success' ? 0 : 1;
    if (!before || !after) throw new Error(`the demo never handed over its emulator (exit ${code}): ${stdout}${stderr}`);
    return { code, stdout, stderr, before, after, requests };
  })();
  return inProcess;
}

/** The seed's account of a UPN, active or deleted (throws when the cast changed). */
function seedUser(seed: DemoSeed, upn: string): DemoSeedUser {
  const user = [...seed.users, ...seed.deletedUsers].find((u) => u.userPrincipalName === upn);
  if (!user) throw new Error(`the demo's seed has no ${upn}`);
  return user;
}

/** A SKU's id and, by name, its service plans' ids, as the demo's seed has them. */
function skuOf(seed: DemoSeed, partNumber: string): { id: string; plan: (name: string) => string } {
  const sku = seed.subscribedSkus.find((s) => s.skuPartNumber === partNumber);
  if (!sku) throw new Error(`the demo's seed has no ${partNumber}`);
  return {
    id: sku.skuId,
    plan: (name) => {
      const plan = sku.servicePlans.find((p) => p.servicePlanName === name);
      if (!plan) throw new Error(`${partNumber} has no ${name}`);
      return plan.servicePlanId.toLowerCase();
    },
  };
}

describe('tenantctl demo', () => {
  // How long the demo takes is not asserted here: a wall-clock bound tests the machine as much as
  // the demo. Speed belongs in bench/ (results in bench/RESULTS.md): bench/startup.ts measures
  // start-up, bench/plan.ts and bench/apply.ts plan and apply against the emulator; the demo as a
  // whole has no benchmark of its own.
  it('honours TENANTCTL_LOG as plan and apply do: debug lines on stderr; an unknown level is refused before anything starts', async () => {
    const refused = await runTenantctl(['demo'], { cwd: repo, now: NOW, env: { TENANTCTL_LOG: 'loud' } });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('TENANTCTL_LOG="loud" is not a log level');
    expect(refused.stdout).toBe('');
    const debug = await runTenantctl(['demo'], { cwd: repo, now: NOW, env: { TENANTCTL_LOG: 'debug' } });
    expect(debug.code, debug.stderr).toBe(0);
    expect(debug.stderr).toMatch(/GET \/v1\.0\/users\?/u);
  });

  it('tells plan → apply → plan and ends with "No changes."', async () => {
    const run = await runTenantctl(['demo'], { cwd: repo, now: NOW });

    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toBe('');
    const out = run.stdout;
    const step1 = out.indexOf('Step 1 of 3: plan');
    const step2 = out.indexOf('Step 2 of 3: apply');
    const step3 = out.indexOf('Step 3 of 3: plan again');
    expect(step1).toBeGreaterThan(0);
    expect(step2).toBeGreaterThan(step1);
    expect(step3).toBeGreaterThan(step2);
    const [first, second, third] = [out.slice(step1, step2), out.slice(step2, step3), out.slice(step3)];

    // The drift, told before the plan (words wrap at 100 columns: compared with the line breaks flattened).
    const told = flat(out.slice(0, step1));
    expect(told).toContain('quinn@contoso.com was hired: HR added Quinn Verhoeven to the policy, and the account does not exist yet.');
    expect(told).toContain(`Someone changed bob@contoso.com's job title to "${DEMO_STALE_JOB_TITLE}" in the admin center 2 days ago; the policy says otherwise.`);
    expect(told).toContain('grace@contoso.com should have POWER_BI_PRO (Power BI Pro) through the licensing group "Power BI Pro users", but is not a member of it.');
    expect(told).toContain('Someone blocked sign-in of breakglass@contoso.com, a break-glass account the policy marks protected.');

    // Step 1: the drift, planned; restoring, not re-creating.
    expect(first).toContain('dave@contoso.com\n  + will be restored — deleted 2026-11-17, restorable until 2026-12-17 (25 days left)');
    expect(first).toContain('frank@contoso.com\n  + will be restored — deleted 2026-10-27, restorable until 2026-11-26 (4 days left)');
    expect(first).toContain('warning  restore-window-closing  frank@contoso.com');
    expect(first).toContain('info@contoso.com\n  + will be restored');
    expect(first).toContain('niaj@contoso.com\n  + will be restored as niaj.restored@contoso.com (an active user holds niaj@contoso.com)');
    expect(first).toContain('carol@contoso.com\n  + will get ENTERPRISEPACK (Office 365 E3) without YAMMER_ENTERPRISE, SWAY');
    expect(first).toContain('info  mailbox-recoverable  carol@contoso.com: its mailbox was disconnected on 2026-11-12');
    expect(first).toContain('support@contoso.com\n  - sign-in will be blocked');
    expect(first).toContain('error  seat-shortfall  SPE_F1 (Microsoft 365 F3): 1 seat needed, 0 available; not assigned to judy@contoso.com');
    // The new hire: created (the only create), with the declared attributes and manager, and no password shown.
    expect(first).toContain(
      'quinn@contoso.com\n'
      + '  + will be created (no deleted copy to restore)\n'
      + '  + displayName: "Quinn Verhoeven"\n'
      + '  + jobTitle: "Support Engineer"\n'
      + '  + department: "Service Desk"\n'
      + '  + usage location: NL\n'
      + '  + signs in with a Temporary Access Pass or a password reset the administrator issues (the initial password is random and never shown)\n'
      + '  ~ manager: (none) → bob@contoso.com\n'
      + '  + will get ENTERPRISEPACK (Office 365 E3) without YAMMER_ENTERPRISE, SWAY\n',
    );
    expect(first.split('will be created')).toHaveLength(2);
    // The attribute typed over in the admin center is set back; nothing else of Bob's changes.
    expect(first).toContain(`bob@contoso.com\n  ~ jobTitle: "${DEMO_STALE_JOB_TITLE}" → "Sales Manager"\n\n`);
    // A license set given through a group: a membership, not a direct license.
    expect(first).toContain('grace@contoso.com\n  + member of "Power BI Pro users" (gives POWER_BI_PRO)\n\n');
    // The protected account: its drift reported as info, and no change planned for it.
    expect(first).toContain('info  protected-drift  breakglass@contoso.com: protected: left alone; would enable sign-in (accountEnabled false → true)\n');
    expect(first).not.toMatch(/^breakglass@contoso\.com$/mu);
    // Peggy was purged and her entry says whenMissing: report: an error, not a create.
    expect(first).toContain('error  not-restorable  peggy@contoso.com: not in the tenant and no deleted copy to restore; whenMissing: report leaves it to you');
    expect(first).not.toMatch(/^peggy@contoso\.com$/mu);
    expect(first).toContain('Plan: 4 to restore, 1 to create, 1 to update attributes, 1 to set manager, 2 to license, 1 to add to a group, 1 to block. 1 protected principal left alone.');

    // Step 2: auto-approved apply of the saved plan; the restored objects keep their ids.
    expect(second).toContain('$ tenantctl apply plan.json --auto-approve');
    expect(second).toMatch(/Auto-approved/);
    expect(second).toContain('Apply complete: 4 restored, 1 created, 1 updated, 1 manager set, 2 licensed, 1 added to a group, 1 blocked.');
    const ids = await restoredIds();
    for (const [upn, id] of ids) expect(second).toMatch(new RegExp(`^  ${upn.replaceAll('.', '\\.')} +id ${id}`, 'mu'));

    // Step 3: converged as far as writes go; what is left is said, and the story ends on the renderer's line.
    expect(third).not.toContain('tenantctl will make these changes');
    expect(flat(third)).toContain('peggy@contoso.com was purged: its data is gone, and Graph cannot bring it back. Its policy entry says whenMissing: report');
    expect(flat(third)).toContain('breakglass@contoso.com is protected: its drift stays reported, and no option makes tenantctl write to it.');
    expect(third).toContain('one seat short');
    // The last plan still reports the protected account's drift, and still plans nothing for it.
    expect(third.slice(third.indexOf('$ tenantctl plan\n'))).toContain('info  protected-drift  breakglass@contoso.com');
    expect(out.trimEnd().split('\n').at(-1)).toBe('No changes. The tenant does not match the policy yet: fix the errors above. 1 protected principal left alone.');
    // Apply's story includes one line per change as it lands (its io has no terminal).
    expect(out.split('\n').length).toBeLessThan(165);
  });

  it('never prints the app secret, a token or an authorization header', async () => {
    const run = await demoWithKnownSecret();
    expect(run.code, run.stderr).toBe(0);
    const all = run.stdout + run.stderr;
    expect(all).not.toContain(KNOWN_SECRET);
    expect(all).not.toMatch(/eyJ[\w-]{10,}/u); // a JWT
    expect(all).not.toMatch(/bearer \S|client_secret=|"access_token"/iu);
  });

  it('leaves the tenant as the story says: Quinn created once with the declared attributes and manager, Bob\'s job title set back, Grace in the licensing group, the break-glass account untouched', async () => {
    const run = await demoWithKnownSecret();
    expect(run.code, run.stderr).toBe(0);
    const seed = demoSeed(await desiredState(), NOW, KNOWN_SECRET);
    const idOf = (upn: string): string => seedUser(seed, upn).id;
    const { before, after } = run;
    const e3 = skuOf(seed, 'ENTERPRISEPACK');
    const powerBi = skuOf(seed, 'POWER_BI_PRO');
    const [group] = seed.groups;

    // The new hire: one account (not two, not a deleted one), with the declared attributes, bob as manager and the e3 set.
    const quinns = [...after.users, ...after.deletedUsers].filter((u) => u.userPrincipalName === 'quinn@contoso.com');
    expect(quinns).toHaveLength(1);
    expect(after.deletedUsers.map((u) => u.userPrincipalName)).not.toContain('quinn@contoso.com');
    expect(activeUser(before, 'quinn@contoso.com')).toBeUndefined();
    const quinn = activeUser(after, 'quinn@contoso.com');
    expect(quinn).toMatchObject({ displayName: 'Quinn Verhoeven', jobTitle: 'Support Engineer', department: 'Service Desk', manager: idOf('bob@contoso.com'), usageLocation: 'NL', accountEnabled: true });
    expect(directLicenses(quinn)).toEqual([`${e3.id}:${[e3.plan('YAMMER_ENTERPRISE'), e3.plan('SWAY')].sort().join(',')}`]);

    // Bob: the job title the policy declares, and the rest of what it declares as it was.
    expect(activeUser(before, 'bob@contoso.com')).toMatchObject({ jobTitle: DEMO_STALE_JOB_TITLE });
    expect(activeUser(after, 'bob@contoso.com')).toMatchObject({ id: idOf('bob@contoso.com'), jobTitle: 'Sales Manager', department: 'Sales', manager: idOf('alice@contoso.com') });

    // Grace: a member of the licensing group, which gives her Power BI Pro; no direct Power BI Pro.
    expect(group?.displayName).toBe('Power BI Pro users');
    expect(before.groups.find((g) => g.id === group?.id)?.members).not.toContain(idOf('grace@contoso.com'));
    expect(after.groups.find((g) => g.id === group?.id)?.members).toContain(idOf('grace@contoso.com'));
    const grace = activeUser(after, 'grace@contoso.com');
    expect(grace?.licenseAssignmentStates.filter((s) => s.skuId === powerBi.id).map((s) => s.assignedByGroup)).toEqual([group?.id]);
    expect(directLicenses(grace).some((l) => l.startsWith(`${powerBi.id}:`))).toBe(false);

    // The break-glass account: exactly as before (still blocked), and no request of the run wrote to it.
    const breakglass = idOf('breakglass@contoso.com');
    expect(activeUser(before, 'breakglass@contoso.com')?.accountEnabled).toBe(false);
    expect(after.users.find((u) => u.id === breakglass)).toEqual(before.users.find((u) => u.id === breakglass));
    const writes = writesIn(run.requests);
    // One write per change of step 1's plan (4 restores, a create, an update, a manager, 2 licenses, a membership, a block).
    expect(writes).toHaveLength(11);
    expect(writes.filter((e) => e.path.toLowerCase().includes(breakglass.toLowerCase()))).toEqual([]);

    // Peggy was purged, and her entry says whenMissing: report: nobody was created in her name.
    expect([...after.users, ...after.deletedUsers].map((u) => u.userPrincipalName)).not.toContain('peggy@contoso.com');
  });
});

describe('demoSeed', () => {
  it('is the emulator seed of a drifted copy of policies/, deterministic apart from the secret', async () => {
    const desired = await desiredState();
    const demo = demoSeed(desired, NOW, KNOWN_SECRET);
    const seed: Seed = demo; // assignable to the emulator's Seed type
    expect(demoSeed(desired, NOW, 'another secret')).toEqual({ ...seed, apps: seed.apps.map((a) => ({ ...a, clientSecret: 'another secret' })) });
    expect(seed.apps).toEqual([expect.objectContaining({ clientSecret: KNOWN_SECRET, roles: DEMO_APP_ROLES })]);
    expect([...DEMO_APP_ROLES].sort()).toEqual(['GroupMember.Read.All', 'GroupMember.ReadWrite.All', 'LicenseAssignment.Read.All', 'LicenseAssignment.ReadWrite.All', 'MailboxSettings.Read', 'User.DeleteRestore.All', 'User.Read.All', 'User.ReadWrite.All']);
    const idOf = (upn: string): string => seedUser(demo, upn).id;
    const powerBi = skuOf(demo, 'POWER_BI_PRO');

    // The new hire is nowhere in the tenant yet.
    expect([...demo.users, ...demo.deletedUsers].map((u) => u.userPrincipalName)).not.toContain('quinn@contoso.com');
    // Declared attributes and managers, converged (managers by id), except Bob's job title, typed over in the admin center.
    expect(seedUser(demo, 'alice@contoso.com')).toMatchObject({ jobTitle: 'Managing Director', department: 'Management' });
    expect(seedUser(demo, 'alice@contoso.com').manager).toBeUndefined();
    expect(seedUser(demo, 'bob@contoso.com')).toMatchObject({ displayName: 'Bob de Vries', jobTitle: DEMO_STALE_JOB_TITLE, department: 'Sales', manager: idOf('alice@contoso.com') });
    expect(DEMO_STALE_JOB_TITLE).not.toBe('Sales Manager');
    // The licensing group the powerbi set names: it assigns Power BI Pro, and holds Alice (who has the set) but not Grace (who drifted out).
    expect(demo.groups).toEqual([{ id: expect.stringMatching(/^[0-9a-f-]{36}$/u), displayName: 'Power BI Pro users', assignedLicenses: [{ skuId: powerBi.id, disabledPlans: [] }], members: [idOf('alice@contoso.com')] }]);
    // A set given through a group is no direct license: Alice and Grace hold E5 directly, not Power BI Pro; Olivia's inline Power BI Pro is direct.
    for (const upn of ['alice@contoso.com', 'grace@contoso.com']) expect(seedUser(demo, upn).assignedLicenses.map((l) => l.skuId)).toEqual([skuOf(demo, 'SPE_E5').id]);
    expect(seedUser(demo, 'olivia@contoso.com').assignedLicenses.map((l) => l.skuId).sort()).toEqual([skuOf(demo, 'ENTERPRISEPACK').id, powerBi.id].sort());
    // The break-glass account: its sign-in blocked, the protected drift; peggy: deleted past the 30 days.
    expect(seedUser(demo, 'breakglass@contoso.com')).toMatchObject({ displayName: 'Emergency Access', accountEnabled: false, assignedLicenses: [] });
    expect(seedUser(demo, 'peggy@contoso.com').deletedDateTime).toBe('2026-10-13T00:00:00Z');

    const emulator = await startEmulator({ seed, port: 0 });
    try {
      const store = emulator.store();
      // The purged user is gone on load; the others are in the recycle bin.
      expect(store.deletedUsers().map((u) => u.userPrincipalName.slice(32)).sort()).toEqual(['dave@contoso.com', 'frank@contoso.com', 'info@contoso.com', 'niaj@contoso.com']);
      const seats = Object.fromEntries(seed.subscribedSkus.map((s) => [s.skuPartNumber, s.prepaidUnits.enabled]));
      expect(seats).toEqual({ SPE_E5: 5, ENTERPRISEPACK: 10, SPE_F1: 2, POWER_BI_PRO: 5, EXCHANGEENTERPRISE: 5 });
    } finally {
      await emulator.close();
    }
  });

  it('casts the example policy as the story tells it', async () => {
    const cast = castDemo(await desiredState());
    expect({
      deletedRecently: cast.deletedRecently?.userPrincipalName,
      deletedLongAgo: cast.deletedLongAgo?.userPrincipalName,
      deletedMailbox: cast.deletedMailbox?.userPrincipalName,
      licenseRemoved: cast.licenseRemoved?.userPrincipalName,
      purged: cast.purged?.userPrincipalName,
      recreated: cast.recreated?.userPrincipalName,
      waitingForSeat: `${cast.waitingForSeat?.user.userPrincipalName} ${cast.waitingForSeat?.sku.skuPartNumber}`,
      signInEnabledMailbox: cast.signInEnabledMailbox?.userPrincipalName,
      newHire: cast.newHire?.userPrincipalName,
      attributeDrift: cast.attributeDrift?.userPrincipalName,
      joinsGroup: cast.joinsGroup?.userPrincipalName,
      protectedDrift: cast.protectedDrift?.userPrincipalName,
    }).toEqual({
      deletedRecently: 'dave@contoso.com',
      deletedLongAgo: 'frank@contoso.com',
      deletedMailbox: 'info@contoso.com',
      licenseRemoved: 'carol@contoso.com',
      purged: 'peggy@contoso.com',
      recreated: 'niaj@contoso.com',
      waitingForSeat: 'judy@contoso.com SPE_F1',
      signInEnabledMailbox: 'support@contoso.com',
      newHire: 'quinn@contoso.com',
      attributeDrift: 'bob@contoso.com',
      joinsGroup: 'grace@contoso.com',
      protectedDrift: 'breakglass@contoso.com',
    });
  });
});

/** The ids the deleted users had in the seed, under the UPN they are restored as. */
async function restoredIds(): Promise<[string, string][]> {
  const seed = demoSeed(await desiredState(), NOW, KNOWN_SECRET);
  return seed.deletedUsers
    .filter((u) => u.userPrincipalName !== 'peggy@contoso.com')
    .map((u) => [u.userPrincipalName === 'niaj@contoso.com' ? 'niaj.restored@contoso.com' : u.userPrincipalName, u.id]);
}
