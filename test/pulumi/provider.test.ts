/**
 * The dynamic provider's methods called directly, as Pulumi's dynamic-provider process calls them,
 * against the emulator: configure → check → create/diff/update/read/delete. Each test uses a fresh
 * provider object (one per Pulumi process in real life) and asserts the tenant's end state and the
 * requests in the emulator's log.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Config as DynamicConfig } from '@pulumi/pulumi/cmd/dynamic-provider/config.js';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Seed } from '../../src/emulator/directory/model.ts';
import type { RunningEmulator } from '../../src/emulator/server.ts';
import { startEmulator } from '../../src/emulator/server.ts';
import { digestPolicy } from '../../src/engine/digest.ts';
import { loadPolicy } from '../../src/policy/load.ts';
import type { PrincipalInputs } from '../../src/pulumi/inputs.ts';
import { principalInputs } from '../../src/pulumi/inputs.ts';
import type { PrincipalProvider } from '../../src/pulumi/provider.ts';
import { principalProvider } from '../../src/pulumi/provider.ts';
import { activeUser, directLicenses, lastSeq, policyDir, readState, RECONCILER_SECRET, requestsSince, reseed, writesIn } from '../support/apply-e2e.ts';
import type { SeedDraft } from '../support/emulator.ts';
import { ALICE, BOB, CAROL, contoso, OLD_ALICE, DAVE, E3, ERIN, FIXTURE_NOW, RECONCILER, SUPPORT, TENANT_ID, userIn, withApp, YAMMER } from '../support/emulator.ts';
import { tokenFor } from '../support/seeds.ts';

let emulator: RunningEmulator;
beforeAll(async () => {
  emulator = await startEmulator({ seed: contoso(), port: 0 });
});
afterAll(() => emulator.close());
/** The sources' runtime: the provider finds an installed package's through the project (tested at the end). */
const SOURCE_RUNTIME = fileURLToPath(new URL('../../src/pulumi/runtime.ts', import.meta.url));
beforeEach(() => {
  vi.stubEnv('TENANTCTL_NOW', FIXTURE_NOW);
  vi.stubEnv('TENANTCTL_PULUMI_RUNTIME', SOURCE_RUNTIME);
});
afterEach(() => {
  vi.unstubAllEnvs();
});

async function tokenRequests(): Promise<number> {
  const response = await fetch(`${emulator.url}/_emulator/token-requests`);
  return ((await response.json()) as { tokenRequests: unknown[] }).tokenRequests.length;
}

/** Dave's helpdesk@ address is not also Support's here: a plain restore. */
const plainDave = (d: SeedDraft): void => {
  userIn(d, SUPPORT).proxyAddresses = ['SMTP:support@contoso.com'];
};

async function fresh(tweak?: (draft: SeedDraft) => void): Promise<Seed> {
  const seed = contoso((d) => {
    plainDave(d);
    tweak?.(d);
  });
  await reseed(emulator.url, seed);
  return seed;
}

/** A provider configured as stack config would configure it (clientSecret a secret there). */
async function configuredProvider(): Promise<PrincipalProvider> {
  const provider = principalProvider();
  const config: Record<string, string> = { 'tenantctl:graphUrl': emulator.url, 'tenantctl:tenantId': TENANT_ID, 'tenantctl:clientId': RECONCILER, 'tenantctl:clientSecret': RECONCILER_SECRET };
  // The Config the dynamic-provider plugin hands to configure: stack config of the tenant's own project
  // (named otherwise), tenantctl's keys in tenantctl's namespace.
  await provider.configure?.({ config: new DynamicConfig(config, 'contoso-tenant') });
  return provider;
}

/** Every principal's resource inputs for a policy (the header of test/support/apply-e2e.ts, then `yaml`). */
async function inputsFor(yaml: string): Promise<{ dir: string; inputs: Map<string, PrincipalInputs> }> {
  const dir = policyDir(yaml);
  const policy = await loadPolicy([dir]);
  const desired = policy.desired;
  if (!desired) throw new Error(JSON.stringify(policy.diagnostics));
  const digest = digestPolicy(desired);
  return { dir, inputs: new Map(desired.principals.map((p) => [p.userPrincipalName, principalInputs(desired, p, [dir], digest)])) };
}

function the(inputs: Map<string, PrincipalInputs>, upn: string): Record<string, unknown> {
  const found = inputs.get(upn);
  if (!found) throw new Error(`no inputs for ${upn}`);
  return { ...found };
}

/** State outputs as an earlier `pulumi up` would have left them for these inputs. */
function stateFor(inputs: Record<string, unknown>, objectId: string): Record<string, unknown> {
  return { ...inputs, objectId, tenantId: TENANT_ID, warnings: [], lastChanges: [], leftAlone: [] };
}

/** The display names are the tenant's: displayName is always managed. */
const DAVE_AND_BOB = 'users:\n  - {userPrincipalName: dave@contoso.com, displayName: Dave Visser, licenses: [e3]}\n  - {userPrincipalName: bob@contoso.com, displayName: Bob de Vries, licenses: [e3-no-yammer]}\n';

describe('create', () => {
  it('restores a soft-deleted user and keeps its id (never a new object)', async () => {
    await fresh();
    const { inputs } = await inputsFor(DAVE_AND_BOB);
    const provider = await configuredProvider();
    const since = await lastSeq(emulator.url);

    const created = await provider.create(the(inputs, 'dave@contoso.com'));

    expect(created.id).toBe(DAVE);
    expect(created.outs).toMatchObject({ objectId: DAVE, tenantId: TENANT_ID, userPrincipalName: 'dave@contoso.com' });
    expect(created.outs.lastChanges[0]).toMatch(/^restore-user: /u);
    const state = await readState(emulator.url);
    expect(activeUser(state, 'dave@contoso.com')?.id).toBe(DAVE);
    expect(directLicenses(activeUser(state, 'dave@contoso.com'))).toEqual([`${E3}:`]);
    const writes = writesIn(await requestsSince(emulator.url, since));
    expect(writes.filter((w) => w.path.endsWith('/restore')).map((w) => [w.path, w.status])).toEqual([[`/directory/deletedItems/${DAVE}/restore`, 200]]);
    expect(writes.filter((w) => w.method === 'POST' && w.path === '/users')).toEqual([]);
  });

  it('adopts an active, converged user as it is: its id, no write', async () => {
    await fresh();
    const { inputs } = await inputsFor(DAVE_AND_BOB);
    const provider = await configuredProvider();
    const since = await lastSeq(emulator.url);

    const created = await provider.create(the(inputs, 'bob@contoso.com'));

    expect(created.id).toBe(BOB);
    expect(created.outs.lastChanges).toEqual([]);
    expect(writesIn(await requestsSince(emulator.url, since))).toEqual([]);
  });

  it('on a purged user with whenMissing: report, fails with the plan\'s reason and writes nothing', async () => {
    await fresh();
    const { inputs } = await inputsFor('defaults: {usageLocation: NL}\nusers:\n  - {userPrincipalName: erin@contoso.com, displayName: Erin, licenses: [e3], whenMissing: report}\n');
    const provider = await configuredProvider();
    const since = await lastSeq(emulator.url);

    await expect(provider.create(the(inputs, 'erin@contoso.com'))).rejects.toThrow(/^erin@contoso\.com: not in the tenant and no deleted copy to restore.*whenMissing: report.*\[not-restorable\]$/u);
    expect(writesIn(await requestsSince(emulator.url, since))).toEqual([]);
  });

  it('reads the deprecated defaults.whenPurged: report as whenMissing: report', async () => {
    await fresh();
    const { inputs } = await inputsFor('defaults: {whenPurged: report, usageLocation: NL}\nusers:\n  - {userPrincipalName: erin@contoso.com, displayName: Erin, licenses: [e3]}\n');
    expect(the(inputs, 'erin@contoso.com')).toMatchObject({ whenMissing: 'report' });
    const since = await lastSeq(emulator.url);
    await expect((await configuredProvider()).create(the(inputs, 'erin@contoso.com'))).rejects.toThrow(/\[not-restorable\]$/u);
    expect(writesIn(await requestsSince(emulator.url, since))).toEqual([]);
  });

  it('on a purged user, by default (whenMissing: create), creates a new user with its usage location, licenses and attributes', async () => {
    await fresh();
    const { inputs } = await inputsFor(
      'defaults: {usageLocation: NL}\nusers:\n  - {userPrincipalName: erin@contoso.com, displayName: Erin Smit, givenName: Erin, surname: Smit, jobTitle: Accountant, department: Finance, businessPhones: [+31 20 555 0101], licenses: [e3]}\n',
    );
    const provider = await configuredProvider();

    const created = await provider.create(the(inputs, 'erin@contoso.com'));

    const erin = activeUser(await readState(emulator.url), 'erin@contoso.com');
    expect(erin).toMatchObject({ id: created.id, displayName: 'Erin Smit', usageLocation: 'NL', accountEnabled: true, givenName: 'Erin', surname: 'Smit', jobTitle: 'Accountant', department: 'Finance', businessPhones: ['+31 20 555 0101'] });
    expect(erin?.id).not.toBe(ERIN);
    expect(directLicenses(erin)).toEqual([`${E3}:`]);
    expect(created.outs.lastChanges[0]).toMatch(/^create-user: not in the tenant and no deleted copy to restore/u);
    // A second run finds the new user converged.
    expect(await (await configuredProvider()).diff?.(created.id, { ...created.outs }, the(inputs, 'erin@contoso.com'))).toEqual({ changes: false, replaces: [], deleteBeforeReplace: false });
  });
});

describe('diff', () => {
  it('reports license drift in the tenant even when the inputs did not change, and nothing when converged', async () => {
    await fresh((d) => {
      userIn(d, BOB).assignedLicenses = [];
    });
    const { inputs } = await inputsFor(DAVE_AND_BOB);
    const bob = the(inputs, 'bob@contoso.com');
    const provider = await configuredProvider();

    expect(await provider.diff?.(BOB, stateFor(bob, BOB), bob)).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });

    await fresh();
    const converged = await configuredProvider();
    expect(await converged.diff?.(BOB, stateFor(bob, BOB), bob)).toEqual({ changes: false, replaces: [], deleteBeforeReplace: false });
  });

  it('plans a soft-deleted user in state as an update (restore keeps the id), a purged one as a replacement', async () => {
    await fresh();
    const { inputs } = await inputsFor(`${DAVE_AND_BOB}  - {userPrincipalName: erin@contoso.com, displayName: Erin}\n`);
    const provider = await configuredProvider();
    const dave = the(inputs, 'dave@contoso.com');
    const erin = the(inputs, 'erin@contoso.com');

    expect(await provider.diff?.(DAVE, stateFor(dave, DAVE), dave)).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
    expect(await provider.diff?.('78bf875b-9343-4edc-9130-0d3958113565', stateFor(erin, '78bf875b-9343-4edc-9130-0d3958113565'), erin)).toEqual({ changes: true, replaces: ['objectId'], deleteBeforeReplace: true });
  });

  it('reads the tenant once for all resources of a run (one session per provider)', async () => {
    await fresh();
    const { inputs } = await inputsFor(DAVE_AND_BOB);
    const provider = await configuredProvider();
    const since = await lastSeq(emulator.url);

    await Promise.all([...inputs.values()].map((i) => provider.diff?.(BOB, stateFor({ ...i }, BOB), { ...i })));
    await provider.diff?.(BOB, stateFor(the(inputs, 'bob@contoso.com'), BOB), the(inputs, 'bob@contoso.com'));

    const reads = (await requestsSince(emulator.url, since)).filter((r) => r.inBatch === undefined && !r.path.endsWith('/token'));
    // One page of users and one of the users with a removed Exchange plan (both GET /users).
    expect(reads.filter((r) => r.path === '/users' && !r.query.includes('filter'))).toHaveLength(1);
    expect(reads.filter((r) => r.path === '/users' && r.query.includes('filter'))).toHaveLength(1);
    expect(reads.filter((r) => r.path === '/subscribedSkus')).toHaveLength(1);
  });

  it('marks a principal the plan blocks for update (the preview goes on), then fails its update and create with the diagnostic, writing nothing', async () => {
    await fresh();
    // The old Alice's UPN is held by the new hire and onUpnConflict is fail (the default).
    const { inputs } = await inputsFor('users:\n  - {userPrincipalName: alice@contoso.com, displayName: Alice, licenses: [e3]}\n');
    const alice = the(inputs, 'alice@contoso.com');
    const provider = await configuredProvider();
    const since = await lastSeq(emulator.url);
    expect(await provider.diff?.(ALICE, stateFor(alice, ALICE), alice)).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
    await expect(provider.update?.(ALICE, stateFor(alice, ALICE), alice)).rejects.toThrow(/^alice@contoso\.com: an active user .* cannot be restored under it; set defaults\.restore\.onUpnConflict: rename.*\[upn-conflict\]$/u);
    await expect(provider.create(alice)).rejects.toThrow(/\[upn-conflict\]/u);
    expect(writesIn(await requestsSince(emulator.url, since))).toEqual([]);
  });

  it('does not let a seat shortfall elsewhere block a principal that needs no seat', async () => {
    await fresh((d) => {
      const [e3] = d.subscribedSkus;
      if (e3) e3.prepaidUnits.enabled = 2;
      userIn(d, BOB).accountEnabled = false;
    });
    const { inputs } = await inputsFor('defaults: {usageLocation: NL}\nusers:\n  - {userPrincipalName: bob@contoso.com, displayName: Bob, licenses: [e3-no-yammer]}\n  - {userPrincipalName: carol@contoso.com, displayName: Carol, licenses: [e3]}\n');
    const bob = the(inputs, 'bob@contoso.com');
    const provider = await configuredProvider();
    expect(await provider.diff?.(BOB, stateFor(bob, BOB), bob)).toMatchObject({ changes: true, replaces: [] });
    await provider.update?.(BOB, stateFor(bob, BOB), bob);
    expect(activeUser(await readState(emulator.url), 'bob@contoso.com')?.accountEnabled).toBe(true);
  });

  it('replaces a resource whose object was purged and whose UPN a new user holds now, and its update writes nothing', async () => {
    await fresh((d) => {
      userIn(d, BOB).assignedLicenses = [];
    });
    const { inputs } = await inputsFor(DAVE_AND_BOB);
    const bob = the(inputs, 'bob@contoso.com');
    const gone = '0b1f5a1e-1111-4000-8000-0000000000ff';
    const provider = await configuredProvider();
    expect(await provider.diff?.(gone, stateFor(bob, gone), bob)).toEqual({ changes: true, replaces: ['objectId'], deleteBeforeReplace: true });
    const since = await lastSeq(emulator.url);
    await expect(provider.update?.(gone, stateFor(bob, gone), bob)).rejects.toThrow(/tenant's bob@contoso\.com is object 0b1f5a1e-1111-4000-8000-000000000001, not 0b1f5a1e-1111-4000-8000-0000000000ff; nothing was changed/u);
    expect(writesIn(await requestsSince(emulator.url, since))).toEqual([]);
  });

  it('keeps the active user as the resource when the deleted one is restored under another UPN (onUpnConflict: rename)', async () => {
    await fresh();
    const { inputs } = await inputsFor('defaults: {restore: {onUpnConflict: rename}}\nusers:\n  - {userPrincipalName: alice@contoso.com, displayName: Alice, licenses: [e3]}\n');
    const alice = the(inputs, 'alice@contoso.com');
    const created = await (await configuredProvider()).create(alice);
    expect(created.id).toBe(ALICE);
    const state = await readState(emulator.url);
    expect(activeUser(state, 'alice.restored@contoso.com')?.id).toBe(OLD_ALICE);
    expect(activeUser(state, 'alice@contoso.com')?.id).toBe(ALICE);
    // The next run finds the resource where it left it.
    expect(await (await configuredProvider()).diff?.(ALICE, { ...created.outs }, alice)).toMatchObject({ replaces: [] });
  });

  it('previews with read-only credentials, but their create and update write nothing, naming the permission', async () => {
    const readOnly = '5e1c0000-0000-4000-8000-00000000a0ff';
    await fresh((d) => withApp(d, readOnly, ['User.Read.All', 'LicenseAssignment.Read.All', 'GroupMember.Read.All', 'MailboxSettings.Read']));
    const { inputs } = await inputsFor(DAVE_AND_BOB);
    const dave = the(inputs, 'dave@contoso.com');
    const provider = principalProvider();
    const config: Record<string, string> = { 'tenantctl:graphUrl': emulator.url, 'tenantctl:tenantId': TENANT_ID, 'tenantctl:clientId': readOnly, 'tenantctl:clientSecret': `secret-${readOnly}` };
    await provider.configure?.({ config: new DynamicConfig(config, 'tenantctl') });
    const since = await lastSeq(emulator.url);
    expect(await provider.diff?.(DAVE, stateFor(dave, DAVE), dave)).toMatchObject({ changes: true, replaces: [] });
    await expect(provider.create(dave)).rejects.toThrow(/^dave@contoso\.com: not changed: these credentials cannot make the plan's changes:\n {2}missing-permission {2}these credentials lack the application permission User\.DeleteRestore\.All/u);
    await expect(provider.update?.(DAVE, stateFor(dave, DAVE), dave)).rejects.toThrow(/not changed: [^]*User\.DeleteRestore\.All/u);
    // A principal with nothing to change is adopted as it is: the gate stops writes, and there are none.
    const bob = the(inputs, 'bob@contoso.com');
    expect((await provider.create(bob)).id).toBe(BOB);
    expect((await provider.update?.(BOB, stateFor(bob, BOB), bob))?.outs.lastChanges).toEqual([]);
    expect(writesIn(await requestsSince(emulator.url, since))).toEqual([]);
  });

  it('reads the tenant once per process even when that read fails: a wrong secret costs one sign-in, not one per resource', async () => {
    await fresh();
    const { inputs } = await inputsFor(DAVE_AND_BOB);
    const provider = principalProvider();
    const config: Record<string, string> = { 'tenantctl:graphUrl': emulator.url, 'tenantctl:tenantId': TENANT_ID, 'tenantctl:clientId': RECONCILER, 'tenantctl:clientSecret': 'not-the-secret-0123456789' };
    await provider.configure?.({ config: new DynamicConfig(config, 'tenantctl') });
    const before = await tokenRequests();
    for (const upn of ['bob@contoso.com', 'dave@contoso.com', 'bob@contoso.com']) {
      await expect(provider.diff?.(BOB, stateFor(the(inputs, upn), BOB), the(inputs, upn))).rejects.toThrow(/AADSTS7000215|invalid_client/u);
    }
    expect((await tokenRequests()) - before).toBe(1);
  });

  it('refuses state of another tenant and a policy that changed under the run', async () => {
    await fresh();
    const { inputs } = await inputsFor(DAVE_AND_BOB);
    const bob = the(inputs, 'bob@contoso.com');
    const provider = await configuredProvider();
    await expect(provider.diff?.(BOB, { ...stateFor(bob, BOB), tenantId: '11111111-2222-4333-8444-555555555555' }, bob)).rejects.toThrow(/^this stack's state is for tenant 11111111-.*, but the credentials reach 8f3c1a52-.*; check AZURE_TENANT_ID or tenantctl:tenantId, or use another stack$/u);
    const changed = { ...bob, policy: { ...(bob.policy as object), digest: 'sha256:0000' } };
    await expect((await configuredProvider()).diff?.(BOB, stateFor(bob, BOB), changed)).rejects.toThrow(/changed while Pulumi was running/u);
  });
});

describe('update', () => {
  it('assigns the declared licenses and records what it did', async () => {
    await fresh((d) => {
      userIn(d, BOB).assignedLicenses = [];
    });
    const { inputs } = await inputsFor(DAVE_AND_BOB);
    const bob = the(inputs, 'bob@contoso.com');
    const provider = await configuredProvider();

    const updated = await provider.update?.(BOB, stateFor(bob, BOB), bob);

    expect(updated?.outs).toMatchObject({ objectId: BOB, lastChanges: [expect.stringMatching(/^assign-licenses: /u)] });
    expect(directLicenses(activeUser(await readState(emulator.url), 'bob@contoso.com'))).toEqual([`${E3}:${YAMMER}`]);
    // A second run finds nothing to do.
    expect(await (await configuredProvider()).diff?.(BOB, stateFor(bob, BOB), bob)).toMatchObject({ changes: false });
  });
});

describe('attributes, managers, group memberships and protected principals', () => {
  const E3_GROUP = '9a000000-0000-4000-8000-0000000000e3';

  it('updates attribute and manager drift, shows it in the diff, and finds the principal converged afterwards', async () => {
    await fresh((d) => {
      const bob = userIn(d, BOB);
      bob.jobTitle = 'Clerk';
      bob.department = 'Sales';
    });
    const { inputs } = await inputsFor('users:\n  - {userPrincipalName: bob@contoso.com, displayName: Bob de Vries, jobTitle: Controller, department: null, manager: alice@contoso.com, licenses: [e3-no-yammer]}\n');
    const bob = the(inputs, 'bob@contoso.com');
    expect(bob).toMatchObject({ attributes: { jobTitle: 'Controller', department: '' }, manager: 'alice@contoso.com' });
    const provider = await configuredProvider();
    expect(await provider.diff?.(BOB, stateFor(bob, BOB), bob)).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });

    const updated = await provider.update?.(BOB, stateFor(bob, BOB), bob);

    expect(updated?.outs.lastChanges).toEqual([expect.stringMatching(/^update-attributes: /u), expect.stringMatching(/^set-manager: /u)]);
    const after = activeUser(await readState(emulator.url), 'bob@contoso.com');
    expect(after).toMatchObject({ jobTitle: 'Controller', department: null, manager: ALICE, displayName: 'Bob de Vries' });
    expect(await (await configuredProvider()).diff?.(BOB, { ...updated?.outs }, bob)).toEqual({ changes: false, replaces: [], deleteBeforeReplace: false });
  });

  it('licenses through a group: makes the principal a member instead of assigning the license directly', async () => {
    await fresh((d) => {
      d.groups = [...d.groups, { id: E3_GROUP, displayName: 'Licensing E3', assignedLicenses: [{ skuId: E3, disabledPlans: [] }], members: [] }];
      // Membership writes need GroupMember.ReadWrite.All (or Group.ReadWrite.All).
      const reconciler = d.apps.find((a) => a.clientId === RECONCILER);
      if (reconciler && !reconciler.roles.includes('GroupMember.ReadWrite.All')) reconciler.roles = [...reconciler.roles, 'GroupMember.ReadWrite.All'];
    });
    // The header's license sets, and one more: licensed through the group.
    const { inputs } = await inputsFor('  e3-group: {sku: ENTERPRISEPACK, group: Licensing E3}\nusers:\n  - {userPrincipalName: carol@contoso.com, displayName: Carol Bakker, licenses: [e3-group]}\n');
    const carol = the(inputs, 'carol@contoso.com');
    expect(carol).toMatchObject({ licenses: [{ sku: 'ENTERPRISEPACK', disabledPlans: [], licenseSet: 'e3-group', group: 'Licensing E3' }] });
    const provider = await configuredProvider();
    expect(await provider.diff?.(CAROL, stateFor(carol, CAROL), carol)).toMatchObject({ changes: true, replaces: [] });
    const since = await lastSeq(emulator.url);

    const updated = await provider.update?.(CAROL, stateFor(carol, CAROL), carol);

    expect(updated?.outs.lastChanges).toEqual(['add-group-member: the policy gives it ENTERPRISEPACK through the group "Licensing E3"']);
    const state = await readState(emulator.url);
    expect(state.groups.find((g) => g.id === E3_GROUP)?.members).toEqual([CAROL]);
    expect(directLicenses(activeUser(state, 'carol@contoso.com'))).toEqual([]);
    expect(activeUser(state, 'carol@contoso.com')?.licenseAssignmentStates).toEqual([expect.objectContaining({ skuId: E3, assignedByGroup: E3_GROUP })]);
    expect(writesIn(await requestsSince(emulator.url, since)).filter((w) => w.path.includes('/assignLicense'))).toEqual([]);
    expect(await (await configuredProvider()).diff?.(CAROL, { ...updated?.outs }, carol)).toMatchObject({ changes: false });
  });

  it('never writes to a protected principal: its drift shows once in the diff, its update and create only report it in leftAlone', async () => {
    await fresh((d) => {
      const bob = userIn(d, BOB);
      bob.jobTitle = 'Clerk';
      bob.assignedLicenses = [];
      bob.accountEnabled = false;
    });
    const { inputs } = await inputsFor(
      'defaults: {protected: [erin@contoso.com]}\nusers:\n  - {userPrincipalName: bob@contoso.com, displayName: Break Glass, jobTitle: Controller, manager: alice@contoso.com, licenses: [e3], protected: true}\n  - {userPrincipalName: erin@contoso.com, displayName: Erin Smit}\n',
    );
    const bob = the(inputs, 'bob@contoso.com');
    expect(bob).toMatchObject({ protected: true });
    const provider = await configuredProvider();
    const since = await lastSeq(emulator.url);

    expect(await provider.diff?.(BOB, stateFor(bob, BOB), bob)).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
    const created = await provider.create(bob);
    const updated = await provider.update?.(BOB, stateFor(bob, BOB), bob);
    const erin = the(inputs, 'erin@contoso.com');
    await expect(provider.create(erin)).rejects.toThrow(/^erin@contoso\.com: protected: tenantctl writes nothing to it, and the tenant has no active user for it \(protected: left alone; would create it/u);

    expect(writesIn(await requestsSince(emulator.url, since))).toEqual([]);
    expect(created.id).toBe(BOB);
    for (const outs of [created.outs, updated?.outs]) {
      expect(outs?.lastChanges).toEqual([]);
      expect(outs?.leftAlone).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^protected: left alone; would set displayName "Bob de Vries" → "Break Glass", jobTitle "Clerk" → "Controller"/u),
          expect.stringMatching(/^protected: left alone; would set its manager \(none\) → alice@contoso\.com/u),
          expect.stringMatching(/^protected: left alone; would assign ENTERPRISEPACK/u),
        ]),
      );
    }
    const bobAfter = activeUser(await readState(emulator.url), 'bob@contoso.com');
    expect(bobAfter).toMatchObject({ jobTitle: 'Clerk', accountEnabled: false, displayName: 'Bob de Vries' });
    expect(bobAfter?.manager).toBeUndefined();
    // Recorded: the next preview is quiet, and a refresh keeps the record current.
    expect(await (await configuredProvider()).diff?.(BOB, { ...created.outs }, bob)).toEqual({ changes: false, replaces: [], deleteBeforeReplace: false });
    expect((await (await configuredProvider()).read?.(BOB, stateFor(bob, BOB)))?.props?.leftAlone).toEqual(created.outs.leftAlone);
  });
});

describe('read', () => {
  it('works after the policy was edited (refresh does not run the program)', async () => {
    await fresh();
    const { inputs } = await inputsFor(DAVE_AND_BOB);
    const bob = stateFor({ ...the(inputs, 'bob@contoso.com'), policy: { ...(the(inputs, 'bob@contoso.com').policy as object), digest: 'sha256:an-older-policy' } }, BOB);
    expect(await (await configuredProvider()).read?.(BOB, bob)).toMatchObject({ id: BOB });
  });

  it('reports the resource gone once the user is soft-deleted, and present while active', async () => {
    await fresh();
    const { inputs } = await inputsFor(DAVE_AND_BOB);
    const bob = stateFor(the(inputs, 'bob@contoso.com'), BOB);
    expect(await (await configuredProvider()).read?.(BOB, bob)).toEqual({ id: BOB, props: { ...bob, objectId: BOB } });

    const token = await tokenFor(emulator.url, contoso());
    const deleted = await fetch(`${emulator.url}/v1.0/users/${BOB}`, { method: 'DELETE', headers: { Authorization: `Bearer ${token}` } });
    expect(deleted.status).toBe(204);

    expect(await (await configuredProvider()).read?.(BOB, bob)).toEqual({});
  });
});

describe('delete', () => {
  it('never deletes the user: the object stays active and no request reaches Graph', async () => {
    await fresh();
    const { inputs } = await inputsFor(DAVE_AND_BOB);
    const provider = await configuredProvider();
    const since = await lastSeq(emulator.url);

    await provider.delete?.(BOB, stateFor(the(inputs, 'bob@contoso.com'), BOB));

    expect(await requestsSince(emulator.url, since)).toEqual([]);
    expect(activeUser(await readState(emulator.url), 'bob@contoso.com')?.id).toBe(BOB);
  });
});

describe('secrets', () => {
  it('keeps the client secret on the provider object: no input or output holds it', async () => {
    await fresh();
    const { inputs } = await inputsFor(DAVE_AND_BOB);
    const provider = await configuredProvider();
    const created = await provider.create(the(inputs, 'dave@contoso.com'));
    expect(JSON.stringify(created)).not.toContain(RECONCILER_SECRET);
  });
});

describe('where the provider finds its runtime', () => {
  /** A Pulumi project whose node_modules holds a package `tenantctl` with the given files. */
  function projectWith(files: Record<string, string>): string {
    const dir = mkdtempSync(path.join(tmpdir(), 'tenantctl-provider-project-'));
    writeFileSync(path.join(dir, 'package.json'), '{"name": "contoso-tenant", "type": "module"}');
    for (const [file, text] of Object.entries(files)) {
      const full = path.join(dir, 'node_modules', 'tenantctl', file);
      mkdirSync(path.dirname(full), { recursive: true });
      writeFileSync(full, text);
    }
    return dir;
  }

  it('loads the runtime beside the tenantctl/pulumi entry that the project directory resolves', async () => {
    const dir = projectWith({
      'package.json': JSON.stringify({ name: 'tenantctl', type: 'module', exports: { './pulumi': { types: './dist/pulumi/index.d.ts', default: './dist/pulumi/index.js' } } }),
      'dist/pulumi/index.js': 'export {};\n',
      'dist/pulumi/runtime.js': 'export function check(news) { return { inputs: { ...news, foundIn: "the installed package" } }; }\n',
    });
    vi.stubEnv('TENANTCTL_PULUMI_RUNTIME', '');
    vi.stubEnv('TENANTCTL_PROJECT_DIR', dir);
    expect(await principalProvider().check?.({}, { a: 1 })).toEqual({ inputs: { a: 1, foundIn: 'the installed package' } });
  });

  it('says what to install when the project has no tenantctl', async () => {
    const dir = projectWith({});
    vi.stubEnv('TENANTCTL_PULUMI_RUNTIME', '');
    vi.stubEnv('TENANTCTL_PROJECT_DIR', dir);
    await expect(principalProvider().check?.({}, {})).rejects.toThrow(`tenantctl's Pulumi provider cannot find the tenantctl package from ${dir}; add it to the Pulumi project's dependencies (npm install tenantctl)`);
  });
});
