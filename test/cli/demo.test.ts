/**
 * `tenantctl demo` end to end, in-process: the drifted copy of policies/ in an embedded emulator,
 * plan → apply → plan, asserting the story it prints, its exit code and that no secret leaks.
 */
import { describe, expect, it } from 'vitest';
import { runDemo } from '../../src/cli/demo/command.ts';
import type { Seed } from '../../src/emulator/directory/model.ts';
import { startEmulator } from '../../src/emulator/server.ts';
import { castDemo, DEMO_APP_ROLES, demoSeed } from '../../src/cli/demo/demo-tenant.ts';
import { loadPolicy } from '../../src/policy/load.ts';
import { runTenantctl } from '../support/cli.ts';

const repo = new URL('../../', import.meta.url).pathname;
const NOW = '2026-11-22T00:00:00Z';
const KNOWN_SECRET = 'demo-test-secret-5f0c2b7e9d41a8c3';

async function desiredState() {
  const policy = await loadPolicy([], { cwd: repo });
  if (!policy.desired) throw new Error('policies/ is invalid');
  return policy.desired;
}

/** Runs the demo with a secret the test knows, so that the output can be searched for it. */
async function demoWithKnownSecret(): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
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
    { clientSecret: KNOWN_SECRET },
  );
  return { code: outcome.kind === 'success' ? 0 : 1, stdout, stderr };
}

describe('tenantctl demo', () => {
  // How long the demo takes is not asserted here: a wall-clock bound tests the machine as much as
  // the demo. Speed belongs in bench/ (results in bench/RESULTS.md): bench/startup.ts measures
  // start-up, bench/plan.ts and bench/apply.ts plan and apply against the emulator; the demo as a
  // whole has no benchmark of its own.
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

    // Step 1: the drift, planned; restoring, not re-creating.
    expect(first).toContain('dave@contoso.com\n  + will be restored — deleted 2026-11-17, restorable until 2026-12-17 (25 days left)');
    expect(first).toContain('frank@contoso.com\n  + will be restored — deleted 2026-10-27, restorable until 2026-11-26 (4 days left)');
    expect(first).toContain('warning  restore-window-closing  frank@contoso.com');
    expect(first).toContain('info@contoso.com\n  + will be restored');
    expect(first).toContain('niaj@contoso.com\n  + will be restored as niaj.restored@contoso.com (an active user holds niaj@contoso.com)');
    expect(first).toContain('carol@contoso.com\n  + will get ENTERPRISEPACK (Office 365 E3) without YAMMER_ENTERPRISE, SWAY');
    expect(first).toContain('info  mailbox-recoverable  carol@contoso.com: its mailbox was disconnected on 2026-11-12');
    expect(first).toContain('support@contoso.com\n  - sign-in will be blocked');
    expect(first).toContain('error  not-restorable  peggy@contoso.com');
    expect(first).toContain('error  seat-shortfall  SPE_F1 (Microsoft 365 F3): 1 seat needed, 0 available; not assigned to judy@contoso.com');
    expect(first).toContain('Plan: 4 to restore, 1 to license, 1 to block.');
    expect(first).not.toContain('will be created');

    // Step 2: auto-approved apply of the saved plan; the restored objects keep their ids.
    expect(second).toContain('$ tenantctl apply plan.json --auto-approve');
    expect(second).toMatch(/Auto-approved/);
    expect(second).toContain('Apply complete: 4 restored, 1 licensed, 1 blocked.');
    const ids = await restoredIds();
    for (const [upn, id] of ids) expect(second).toMatch(new RegExp(`^  ${upn.replaceAll('.', '\\.')} +id ${id}`, 'mu'));

    // Step 3: converged as far as writes go; what is left is said, and the story ends on the renderer's line.
    expect(third).not.toContain('tenantctl will make these changes');
    expect(third).toContain('peggy@contoso.com was purged');
    expect(third).toContain('one seat short');
    expect(out.trimEnd().split('\n').at(-1)).toBe('No changes. The tenant does not match the policy yet: fix the errors above.');
    expect(out.split('\n').length).toBeLessThan(150);
  });

  it('never prints the app secret, a token or an authorization header', async () => {
    const run = await demoWithKnownSecret();
    expect(run.code, run.stderr).toBe(0);
    const all = run.stdout + run.stderr;
    expect(all).not.toContain(KNOWN_SECRET);
    expect(all).not.toMatch(/eyJ[\w-]{10,}/u); // a JWT
    expect(all).not.toMatch(/bearer \S|client_secret=|"access_token"/iu);
  });
});

describe('demoSeed', () => {
  it('is the emulator seed of a drifted copy of policies/, deterministic apart from the secret', async () => {
    const desired = await desiredState();
    const seed: Seed = demoSeed(desired, NOW, KNOWN_SECRET); // assignable to the emulator's Seed type
    expect(demoSeed(desired, NOW, 'another secret')).toEqual({ ...seed, apps: seed.apps.map((a) => ({ ...a, clientSecret: 'another secret' })) });
    expect(seed.apps).toEqual([expect.objectContaining({ clientSecret: KNOWN_SECRET, roles: DEMO_APP_ROLES })]);
    expect([...DEMO_APP_ROLES].sort()).toEqual(['GroupMember.Read.All', 'LicenseAssignment.Read.All', 'LicenseAssignment.ReadWrite.All', 'MailboxSettings.Read', 'User.DeleteRestore.All', 'User.Read.All', 'User.ReadWrite.All']);

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
    }).toEqual({
      deletedRecently: 'dave@contoso.com',
      deletedLongAgo: 'frank@contoso.com',
      deletedMailbox: 'info@contoso.com',
      licenseRemoved: 'carol@contoso.com',
      purged: 'peggy@contoso.com',
      recreated: 'niaj@contoso.com',
      waitingForSeat: 'judy@contoso.com SPE_F1',
      signInEnabledMailbox: 'support@contoso.com',
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
