/**
 * The Pulumi program loaded and run through Pulumi's own Node.js run harness, as `pulumi preview` and
 * `pulumi up` run it, with the engine's part played by mocks that serialize, deserialize, configure
 * and call the real dynamic provider as Pulumi's dynamic-provider plugin does
 * (test/support/pulumi-harness.ts, in a child process with plain Node 24), against the emulator.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Seed } from '../../src/emulator/directory/model.ts';
import type { RunningEmulator } from '../../src/emulator/server.ts';
import { startEmulator } from '../../src/emulator/server.ts';
import { generateSyntheticSeed } from '../../src/emulator/synthetic/synthetic.ts';
import { loadPolicy } from '../../src/policy/load.ts';
import { activeUser, directLicenses, lastSeq, policyDir, readState, RECONCILER_SECRET, requestsSince, writesIn } from '../support/apply-e2e.ts';
import { BOB, contoso, DAVE, E3, FIXTURE_NOW, RECONCILER, SUPPORT, TENANT_ID, userIn, YAMMER } from '../support/emulator.ts';
import type { ExportedTenantPreview, HarnessRun, StateEntry } from '../support/pulumi-preview.ts';
import { countSteps, previewExportedTenant, REPO, runHarness, sourceProject, stackConfigFor } from '../support/pulumi-preview.ts';
import { tokenFor } from '../support/seeds.ts';

const PROJECT_DIR = sourceProject();

/** Stack config for the Contoso fixture's reconciler app, unless told otherwise. */
function stackConfig(url: string, policies: string, clientId = RECONCILER, secret = RECONCILER_SECRET, tenantId = TENANT_ID): Record<string, string> {
  return stackConfigFor(url, policies, clientId, secret, tenantId);
}

/** One harness run at the fixture's time; `signal` is the test's (see RunOptions.signal). */
function pulumiRun(signal: AbortSignal, mode: 'preview' | 'up', config: Record<string, string>, state: Record<string, StateEntry> = {}): Promise<HarnessRun> {
  return runHarness(mode, config, { now: FIXTURE_NOW, state, signal });
}

describe('the program through Pulumi\'s run harness, on the Contoso fixture', () => {
  let emulator: RunningEmulator;
  beforeAll(async () => {
    // Dave's helpdesk@ address is not also Support's here: a plain restore.
    emulator = await startEmulator({ seed: contoso((d) => void (userIn(d, SUPPORT).proxyAddresses = ['SMTP:support@contoso.com'])), port: 0 });
  });
  afterAll(() => emulator.close());

  // The one timeout of its own in this file: five harness runs, one after another, each a child process
  // that loads Pulumi's SDK and the program (3 to 4 s each on a busy 2-core machine), where the suite's
  // 30 s would leave too little room under load. The other tests make one run each.
  it('preview → up → preview: restores Dave (same id), adopts Bob, then finds nothing; a soft-deleted Bob comes back through update', async ({ signal }) => {
    // The tenant's display names: displayName is always managed.
    const policies = policyDir('users:\n  - {userPrincipalName: dave@contoso.com, displayName: Dave Visser, licenses: [e3]}\n  - {userPrincipalName: bob@contoso.com, displayName: Bob de Vries, licenses: [e3-no-yammer]}\nmailboxes:\n  - {userPrincipalName: support@contoso.com, displayName: Contoso Support, type: shared}\n');
    const config = stackConfig(emulator.url, policies);

    // A new stack's preview: every resource is a create, and checking inputs costs no Graph request.
    let since = await lastSeq(emulator.url);
    const first = await pulumiRun(signal, 'preview', config);
    expect(first.result.exitCode, first.stderr).toBe(0);
    expect(first.result.registered.map((r) => r.type).sort()).toEqual(['pulumi-nodejs:dynamic/tenantctl:Mailbox', 'pulumi-nodejs:dynamic/tenantctl:User', 'pulumi-nodejs:dynamic/tenantctl:User', 'pulumi:pulumi:Stack']);
    expect(first.result.steps).toEqual({ 'bob@contoso.com': 'create', 'dave@contoso.com': 'create', 'support@contoso.com': 'create' });
    expect(await requestsSince(emulator.url, since)).toEqual([]);
    // One serialized provider for all resources; it holds no secret and no path of this machine.
    expect(first.result.providerTexts).toBe(1);
    expect(first.result.providerText).not.toContain(RECONCILER_SECRET);
    expect(first.result.providerText).not.toContain(PROJECT_DIR);
    expect(first.result.providerText).not.toContain(REPO);
    expect(first.result.providerText).toContain("resolve('tenantctl/pulumi')");

    // up: create restores Dave and adopts Bob and Support as they are.
    const up = await pulumiRun(signal, 'up', config);
    expect(up.result.errors).toEqual([]);
    expect(up.result.state['dave@contoso.com']?.id).toBe(DAVE);
    expect(up.result.state['bob@contoso.com']?.id).toBe(BOB);
    expect(up.result.state['support@contoso.com']?.id).toBe(SUPPORT);
    let state = await readState(emulator.url);
    expect(directLicenses(activeUser(state, 'dave@contoso.com'))).toEqual([`${E3}:`]);
    expect(JSON.stringify(up.result.state)).not.toContain(RECONCILER_SECRET);

    // A second preview: nothing to do, for the price of one bulk read.
    since = await lastSeq(emulator.url);
    const again = await pulumiRun(signal, 'preview', config, up.result.state);
    expect(again.result.steps).toEqual({ 'bob@contoso.com': 'same', 'dave@contoso.com': 'same', 'support@contoso.com': 'same' });
    expect(writesIn(await requestsSince(emulator.url, since))).toEqual([]);

    // Bob is soft-deleted behind Pulumi's back: the preview shows an update, and up restores him under his id.
    const token = await tokenFor(emulator.url, contoso());
    expect((await fetch(`${emulator.url}/v1.0/users/${BOB}`, { method: 'DELETE', headers: { Authorization: `Bearer ${token}` } })).status).toBe(204);
    const drifted = await pulumiRun(signal, 'preview', config, up.result.state);
    expect(drifted.result.steps['bob@contoso.com']).toBe('update');
    const repaired = await pulumiRun(signal, 'up', config, up.result.state);
    expect(repaired.result.errors).toEqual([]);
    state = await readState(emulator.url);
    expect(activeUser(state, 'bob@contoso.com')?.id).toBe(BOB);
    expect(directLicenses(activeUser(state, 'bob@contoso.com'))).toEqual([`${E3}:${YAMMER}`]);
    expect(repaired.result.state['bob@contoso.com']?.outputs.lastChanges).toEqual([expect.stringMatching(/^restore-user: /u)]);
  }, 120_000);

  it('runs examples/pulumi where Pulumi runs it (the project directory, Pulumi.yaml without `main`): the default policies/ is found', async ({ signal }) => {
    const { 'tenantctl:policies': _policies, ...config } = stackConfig(emulator.url, 'unused');
    const preview = await pulumiRun(signal, 'preview', config);
    const policy = await loadPolicy(['policies/'], { cwd: PROJECT_DIR });
    expect(preview.result.exitCode, preview.stderr).toBe(0);
    expect(Object.keys(preview.result.steps).sort()).toEqual((policy.desired?.principals ?? []).map((p) => p.userPrincipalName).sort());
    expect(Object.keys(preview.result.steps).length).toBeGreaterThan(10);
  });

  it('reports a principal the plan blocks as that resource\'s error, and goes on with the others', async ({ signal }) => {
    const policies = policyDir('users:\n  - {userPrincipalName: erin@contoso.com, displayName: Erin, whenMissing: report}\n  - {userPrincipalName: bob@contoso.com, displayName: Bob de Vries, licenses: [e3-no-yammer]}\n');
    const up = await pulumiRun(signal, 'up', stackConfig(emulator.url, policies));
    expect(up.result.errors).toEqual([{ name: 'erin@contoso.com', message: expect.stringMatching(/^erin@contoso\.com: not in the tenant and no deleted copy to restore.*\[not-restorable\]$/u) }]);
    expect(up.result.state['bob@contoso.com']?.id).toBe(BOB);
  });

  it('fails with Entra\'s reason, and no secret, when the stack\'s credentials are wrong', async ({ signal }) => {
    const policies = policyDir('users:\n  - {userPrincipalName: bob@contoso.com, displayName: Bob, licenses: [e3-no-yammer]}\n');
    const wrongSecret = 'this-is-not-the-secret-0123456789';
    const up = await pulumiRun(signal, 'up', stackConfig(emulator.url, policies, RECONCILER, wrongSecret));
    expect(up.result.errors.map((e) => e.name)).toEqual(['bob@contoso.com']);
    expect(up.result.errors[0]?.message).toMatch(/invalid_client|AADSTS7000215|client secret/iu);
    expect(JSON.stringify(up.result) + up.stderr).not.toContain(wrongSecret);
  });
});

/**
 * A stack that manages every principal of a tenant, at two sizes ten times apart. The provider reads
 * the tenant in bulk once per run and plans it as `tenantctl plan` does (src/pulumi/runtime.ts), so a
 * preview must make exactly plan's Graph requests, and as many for 200 principals as for 20: both
 * tenants fit one page of users (999) and have the same deleted users, shared mailboxes and groups. A
 * read per principal, even batched 20 to a request, would make ten times as many at the larger size.
 * The 10,000-principal run, with its wall time and memory, is `npm run bench:pulumi`
 * (bench/pulumi-preview.ts, bench/RESULTS.md).
 */
const SIZES = [20, 200] as const;
/** Users blocked in Graph behind the stack's back: the preview's updates. */
const BLOCKED = 5;

describe('previews of a whole tenant', () => {
  const emulators: RunningEmulator[] = [];
  const previews = new Map<number, Promise<ExportedTenantPreview>>();
  afterAll(async () => {
    await Promise.all(emulators.map((emulator) => emulator.close()));
  });

  /** The preview of a synthetic tenant of `users` users, exported whole: made once, by the first test that needs it. */
  function previewOf(users: number, signal: AbortSignal): Promise<ExportedTenantPreview> {
    let preview = previews.get(users);
    if (!preview) {
      preview = (async () => {
        const seed: Seed = generateSyntheticSeed({ users, deleted: 4, sharedMailboxes: 2, groups: 1, skus: 5, seed: 11 });
        const emulator = await startEmulator({ seed, port: 0 });
        emulators.push(emulator);
        return previewExportedTenant(emulator.url, seed, { blockUsers: BLOCKED, signal });
      })();
      previews.set(users, preview);
    }
    return preview;
  }

  it.for(SIZES)('of %i principals: the blocked users are updates and the rest the same, for the Graph requests of tenantctl plan', async (users, { signal }) => {
    const { principals, blocked, preview, previewRequests, planRequests, planExitCode } = await previewOf(users, signal);
    expect(principals).toBe(users);
    expect(preview.result.errors).toEqual([]);
    expect(countSteps(preview.result.steps)).toEqual({ same: users - BLOCKED, update: BLOCKED });
    expect(blocked.every((upn) => preview.result.steps[upn] === 'update')).toBe(true);
    expect(planExitCode).toBe(2);
    expect(previewRequests).toEqual(planRequests);
  });

  it(`makes the same Graph requests for ${SIZES[1]} principals as for ${SIZES[0]}: one bulk read for all resources, never one per principal`, async ({ signal }) => {
    const few = await previewOf(SIZES[0], signal);
    const many = await previewOf(SIZES[1], signal);
    expect(many.previewRequests).toEqual(few.previewRequests);
    expect(few.previewRequests.length).toBeLessThan(SIZES[0]);
  });
});
