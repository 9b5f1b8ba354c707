/**
 * The Pulumi program loaded and run through Pulumi's own Node.js run harness, as `pulumi preview` and
 * `pulumi up` run it, with the engine's part played by mocks that serialize, deserialize, configure
 * and call the real dynamic provider as Pulumi's dynamic-provider plugin does
 * (test/support/pulumi-harness.ts, in a child process with plain Node 24), against the emulator.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, cpSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Seed } from '../../src/emulator/directory/model.ts';
import type { RequestLogEntry, RunningEmulator } from '../../src/emulator/server.ts';
import { startEmulator } from '../../src/emulator/server.ts';
import { generateSyntheticSeed } from '../../src/emulator/synthetic/synthetic.ts';
import { digestPolicy } from '../../src/engine/digest.ts';
import { loadPolicy } from '../../src/policy/load.ts';
import { principalInputs } from '../../src/pulumi/inputs.ts';
import { activeUser, directLicenses, lastSeq, policyDir, readState, RECONCILER_SECRET, requestsSince, writesIn } from '../support/apply-e2e.ts';
import { runTenantctl } from '../support/cli.ts';
import { BOB, contoso, DAVE, E3, FIXTURE_NOW, RECONCILER, SUPPORT, TENANT_ID, userIn, YAMMER } from '../support/emulator.ts';
import { tokenFor } from '../support/seeds.ts';

const run = promisify(execFile);
const REPO = fileURLToPath(new URL('../..', import.meta.url));
const EXAMPLE = path.join(REPO, 'examples', 'pulumi');
/** The provider's runtime, named for the provider as the sources are run here (not an installed package). */
const RUNTIME = path.join(REPO, 'src', 'pulumi', 'runtime.ts');
const PROJECT_DIR = sourceProject();

/**
 * examples/pulumi as a tenant repository holds it (its Pulumi.yaml, package.json and index.ts), with
 * this repository's policies/, and `tenantctl/pulumi` resolved to the sources instead of an installed
 * package (the installed package runs the same example in test/package/consumer.test.ts).
 */
function sourceProject(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'tenantctl-pulumi-project-'));
  for (const file of ['Pulumi.yaml', 'package.json']) copyFileSync(path.join(EXAMPLE, file), path.join(dir, file));
  const program = readFileSync(path.join(EXAMPLE, 'index.ts'), 'utf8');
  expect(program).toContain("from 'tenantctl/pulumi'");
  writeFileSync(path.join(dir, 'index.ts'), program.replace("from 'tenantctl/pulumi'", `from '${pathToFileURL(path.join(REPO, 'src', 'pulumi', 'index.ts')).href}'`));
  cpSync(path.join(REPO, 'policies'), path.join(dir, 'policies'), { recursive: true });
  symlinkSync(path.join(REPO, 'node_modules'), path.join(dir, 'node_modules'));
  return dir;
}
const HARNESS = fileURLToPath(new URL('../support/pulumi-harness.ts', import.meta.url));
/** Pulumi.yaml's `runtime.options.nodeargs`: the language host starts node with them. */
const NODE_ARGS = String((parse(readFileSync(path.join(PROJECT_DIR, 'Pulumi.yaml'), 'utf8')) as { runtime: { options: { nodeargs?: string } } }).runtime.options.nodeargs ?? '').split(' ').filter((a) => a !== '');

interface StateEntry {
  readonly id: string;
  readonly outputs: Record<string, unknown>;
}

interface HarnessResult {
  readonly exitCode: number;
  readonly registered: readonly { type: string; name: string }[];
  readonly steps: Record<string, 'create' | 'update' | 'replace' | 'same'>;
  readonly errors: readonly { name: string; message: string }[];
  readonly state: Record<string, StateEntry>;
  readonly providerTexts: number;
  readonly providerText: string;
  readonly ms: number;
}

/** Stack config as `pulumi config set` would hold it; the client secret is a secret key. */
function stackConfig(url: string, policies: string, clientId = RECONCILER, secret = RECONCILER_SECRET, tenantId = TENANT_ID): Record<string, string> {
  return { 'tenantctl:policies': JSON.stringify([policies]), 'tenantctl:graphUrl': url, 'tenantctl:tenantId': tenantId, 'tenantctl:clientId': clientId, 'tenantctl:clientSecret': secret };
}

/**
 * One harness run. `signal` is the test's: when the test times out or the run is cancelled, the child
 * is killed then, before afterAll closes the emulator under it (it has no deadline of its own; an
 * orphaned 10,000-principal run would go on loading the machine while the next tests run).
 */
async function pulumiRun(signal: AbortSignal, mode: 'preview' | 'up', config: Record<string, string>, state: Record<string, StateEntry> = {}): Promise<{ result: HarnessResult; stderr: string }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'tenantctl-harness-'));
  const jobFile = path.join(dir, 'job.json');
  writeFileSync(jobFile, JSON.stringify({ projectDir: PROJECT_DIR, mode, config, secretKeys: ['tenantctl:clientSecret'], state }));
  // Only what the harness needs: no AZURE_* or TENANTCTL_GRAPH_URL, so the stack config is what connects.
  const { stdout, stderr } = await run(process.execPath, [...NODE_ARGS, HARNESS, jobFile], {
    env: { PATH: process.env.PATH ?? '', TENANTCTL_NOW: FIXTURE_NOW, TENANTCTL_PULUMI_RUNTIME: RUNTIME },
    maxBuffer: 256 * 1024 * 1024,
    signal,
  });
  const line = stdout.trim().split('\n').at(-1) ?? '';
  if (!line.startsWith('{')) throw new Error(`harness printed no result: ${stdout.slice(-2000)}\n${stderr.slice(-2000)}`);
  return { result: JSON.parse(line) as HarnessResult, stderr };
}

const countSteps = (steps: HarnessResult['steps']): Record<string, number> =>
  Object.values(steps).reduce<Record<string, number>>((counts, step) => ({ ...counts, [step]: (counts[step] ?? 0) + 1 }), {});

/** Graph requests (not the token endpoint), as `METHOD path` with the batch items folded into their batch. */
function graphRequests(entries: readonly RequestLogEntry[]): string[] {
  return entries.filter((e) => e.inBatch === undefined && !e.path.endsWith('/oauth2/v2.0/token')).map((e) => `${e.method} ${e.path}${e.batchItems === undefined ? '' : ` (${e.batchItems} items)`}`).sort();
}

describe('the program through Pulumi\'s run harness, on the Contoso fixture', () => {
  let emulator: RunningEmulator;
  beforeAll(async () => {
    // Dave's helpdesk@ address is not also Support's here: a plain restore.
    emulator = await startEmulator({ seed: contoso((d) => void (userIn(d, SUPPORT).proxyAddresses = ['SMTP:support@contoso.com'])), port: 0 });
  });
  afterAll(() => emulator.close());

  it('preview → up → preview: restores Dave (same id), adopts Bob, then finds nothing; a soft-deleted Bob comes back through update', async ({ signal }) => {
    const policies = policyDir('users:\n  - {userPrincipalName: dave@contoso.com, displayName: Dave, licenses: [e3]}\n  - {userPrincipalName: bob@contoso.com, displayName: Bob, licenses: [e3-no-yammer]}\nmailboxes:\n  - {userPrincipalName: support@contoso.com, displayName: Support, type: shared}\n');
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
  }, 60_000);

  it('reports a principal the plan blocks as that resource\'s error, and goes on with the others', async ({ signal }) => {
    const policies = policyDir('users:\n  - {userPrincipalName: erin@contoso.com, displayName: Erin}\n  - {userPrincipalName: bob@contoso.com, displayName: Bob, licenses: [e3-no-yammer]}\n');
    const up = await pulumiRun(signal, 'up', stackConfig(emulator.url, policies));
    expect(up.result.errors).toEqual([{ name: 'erin@contoso.com', message: expect.stringMatching(/^erin@contoso\.com: not in the tenant and nothing to restore.*\[not-restorable\]$/u) }]);
    expect(up.result.state['bob@contoso.com']?.id).toBe(BOB);
  }, 60_000);

  it('fails with Entra\'s reason, and no secret, when the stack\'s credentials are wrong', async ({ signal }) => {
    const policies = policyDir('users:\n  - {userPrincipalName: bob@contoso.com, displayName: Bob, licenses: [e3-no-yammer]}\n');
    const wrongSecret = 'this-is-not-the-secret-0123456789';
    const up = await pulumiRun(signal, 'up', stackConfig(emulator.url, policies, RECONCILER, wrongSecret));
    expect(up.result.errors.map((e) => e.name)).toEqual(['bob@contoso.com']);
    expect(up.result.errors[0]?.message).toMatch(/invalid_client|AADSTS7000215|client secret/iu);
    expect(JSON.stringify(up.result) + up.stderr).not.toContain(wrongSecret);
  }, 60_000);
});

/**
 * How many principals the large preview declares: 2,500 in the suite (three pages of users, enough to
 * tell bulk reads from one request per principal); bench/RESULTS.md records the run at 10,000
 * (TENANTCTL_HARNESS_PRINCIPALS=10000).
 */
const PRINCIPALS = Number(process.env.TENANTCTL_HARNESS_PRINCIPALS ?? 2_500);

describe(`a ${PRINCIPALS.toLocaleString('en')}-principal preview`, () => {
  let emulator: RunningEmulator;
  let seed: Seed;
  beforeAll(async () => {
    seed = generateSyntheticSeed({ users: PRINCIPALS, deleted: Math.ceil(PRINCIPALS / 50), skus: 5, seed: 11 });
    emulator = await startEmulator({ seed, port: 0 });
  });
  afterAll(() => emulator.close());

  it('costs the same bulk requests as tenantctl plan, not one per principal', async ({ signal }) => {
    const app = seed.apps[0];
    if (!app?.clientSecret) throw new Error('synthetic seed without an app secret');
    const env = { TENANTCTL_GRAPH_URL: emulator.url, AZURE_TENANT_ID: seed.tenantId, AZURE_CLIENT_ID: app.clientId, AZURE_CLIENT_SECRET: app.clientSecret };
    const cwd = mkdtempSync(path.join(tmpdir(), 'tenantctl-harness-large-'));
    const exported = await runTenantctl(['export'], { env, cwd, now: FIXTURE_NOW });
    expect(exported.code, exported.stderr).toBe(0);
    const policies = path.join(cwd, 'policies.exported');
    expect(readdirSync(policies).sort()).toEqual(['00-tenant.yaml', 'people.yaml']);
    const config = stackConfig(emulator.url, policies, app.clientId, app.clientSecret, seed.tenantId);

    // The stack's state as a `pulumi up` leaves it (the Contoso test above runs that adoption):
    // every principal's inputs, with the object id that holds its UPN.
    const policy = await loadPolicy([policies]);
    const desired = policy.desired;
    if (!desired) throw new Error('the export does not validate');
    const digest = digestPolicy(desired);
    const ids = new Map(seed.users.map((u) => [u.userPrincipalName.toLowerCase(), u.id]));
    const stackState: Record<string, StateEntry> = {};
    for (const principal of desired.principals) {
      const id = ids.get(principal.userPrincipalName) ?? '';
      stackState[principal.userPrincipalName] = { id, outputs: { ...principalInputs(desired, principal, [policies], digest), objectId: id, tenantId: seed.tenantId, warnings: [], lastChanges: [] } };
    }
    expect(Object.keys(stackState)).toHaveLength(PRINCIPALS);

    // Some drift, made directly in Graph: five users blocked.
    const upns = Object.keys(stackState).filter((upn) => stackState[upn]?.outputs.accountEnabled === true).slice(0, 5);
    const token = await tokenFor(emulator.url, seed);
    for (const upn of upns) {
      const response = await fetch(`${emulator.url}/v1.0/users/${encodeURIComponent(upn)}`, { method: 'PATCH', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ accountEnabled: false }) });
      expect(response.status).toBe(204);
    }

    let since = await lastSeq(emulator.url);
    const preview = await pulumiRun(signal, 'preview', config, stackState);
    const previewRequests = graphRequests(await requestsSince(emulator.url, since));
    expect(preview.result.errors).toEqual([]);
    expect(countSteps(preview.result.steps)).toEqual({ same: PRINCIPALS - 5, update: 5 });
    expect(upns.every((upn) => preview.result.steps[upn] === 'update')).toBe(true);

    since = await lastSeq(emulator.url);
    const planned = await runTenantctl(['plan', policies, '--format', 'json', '--detailed-exitcode'], { env, cwd, now: FIXTURE_NOW });
    expect(planned.code, planned.stderr).toBe(2);
    const planRequests = graphRequests(await requestsSince(emulator.url, since));

    expect(previewRequests).toEqual(planRequests);
    expect(previewRequests.length).toBeLessThan(40);
    console.log(`${PRINCIPALS}-principal preview: ${previewRequests.length} Graph requests (tenantctl plan: ${planRequests.length}), harness ${preview.result.ms} ms`);
  }, 180_000);
});
