/**
 * tenantctl as a tenant administrator adopts it: the package `npm pack` makes, installed into a fresh
 * tenant repository (package.json, the policies/ of examples/tenant-repo, and the Pulumi program of
 * examples/pulumi), then used
 * from there on Node 22 and Node 24 — the CLI through npx (validate → plan → apply of the saved plan
 * → plan, and demo), the library entry points (`tenantctl`, `tenantctl/emulator`, and
 * `tenantctl/pulumi` through Pulumi's run harness), their type declarations, and action.yml's steps —
 * all against an emulator started from the installed package. Nothing here runs this repository's
 * sources: a file missing from the package, an export pointing nowhere, a dependency that is only a
 * devDependency, or syntax Node 22 cannot run fails here.
 *
 * Set TENANTCTL_CONSUMER_TRANSCRIPT=FILE to keep the commands and their outputs.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Seed } from '../../src/emulator/directory/model.ts';
import { DEMO_CLIENT_ID } from '../../src/cli/demo/demo-tenant.ts';
import { loadPolicy } from '../../src/policy/load.ts';
import { reseed } from '../support/apply-e2e.ts';
import { runCompositeAction } from '../support/composite-action.ts';
import { driftedSeed } from '../support/drifted-tenant.ts';
import type { Packed } from '../support/packed.ts';
import { NODES, packTenantctl, REPO, tenantRepo } from '../support/packed.ts';

const execFileAsync = promisify(execFile);
const NOW = '2026-11-22T00:00:00Z';
const WRITER_SECRET = 'consumer-test-writer-secret-0123456789';
const EXAMPLE = path.join(REPO, 'examples', 'pulumi');
const HARNESS = path.join(REPO, 'test', 'support', 'pulumi-harness.ts');
const VERSION = (JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { version: string }).version;

/** The public API, entry point by entry point (docs/library.md): anything else exported is a leak of internals. */
const PUBLIC_API = {
  tenantctl: [
    'AuthenticationError', 'ConnectionConfigurationError', 'CredentialConfigurationError', 'DEFAULT_POLICY_PATHS', 'GraphRequestError', 'GraphResponseError', 'PLAN_FORMAT_VERSION', 'SavedPlanError', 'TenantError',
    'applySavedPlan', 'connectGraphTenant', 'loadPolicy', 'parseSavedPlan', 'planTenant', 'renderPlanJson', 'renderPlanMarkdown', 'renderPlanText', 'renderValidationJson', 'renderValidationText',
  ],
  'tenantctl/emulator': ['MAX_SYNTHETIC_USERS', 'SeedError', 'generateSyntheticSeed', 'parseSeed', 'parseSyntheticSpec', 'startEmulator'],
  'tenantctl/pulumi': ['TenantMailbox', 'TenantUser', 'declareTenant', 'principalProvider'],
};

const transcript: string[] = [];

interface Ran {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command in the tenant repository with only the environment given (and PATH, HOME), and records it. */
async function sh(node: keyof typeof NODES, command: string, args: readonly string[], cwd: string, env: Record<string, string> = {}): Promise<Ran> {
  const fullEnv = { PATH: `${path.dirname(NODES[node])}:${process.env.PATH ?? ''}`, HOME: process.env.HOME ?? tmpdir(), NO_COLOR: '1', ...env };
  let ran: Ran;
  try {
    const { stdout, stderr } = await execFileAsync(command, args, { cwd, env: fullEnv, maxBuffer: 64 * 1024 * 1024 });
    ran = { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number | string; stdout?: string; stderr?: string };
    if (typeof failed.code !== 'number') throw error;
    ran = { code: failed.code, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
  const shown = [ran.stdout.trimEnd(), ran.stderr.trimEnd()].filter((t) => t !== '').join('\n');
  transcript.push(`$ ${command === NODES[node] ? 'node' : path.basename(command)} ${args.join(' ')}    # Node ${node}\n${shown}${shown === '' ? '' : '\n'}[exit ${ran.code}]\n`);
  return ran;
}

/** The tenant repository's own scripts, using the installed library as a user's code would. */
const SCRIPTS: Record<string, string> = {
  // The emulator from tenantctl/emulator: prints its URL, stops when stdin closes.
  'emulator.mjs': `import { readFileSync } from 'node:fs';
import { startEmulator } from 'tenantctl/emulator';
const emulator = await startEmulator({ seed: JSON.parse(readFileSync(process.argv[2], 'utf8')), port: 0 });
process.stdout.write(JSON.stringify({ url: emulator.url, node: process.version }) + '\\n');
process.stdin.on('end', () => void emulator.close());
process.stdin.resume();
`,
  // What each entry point exports, and that nothing internal can be imported.
  'exports.mjs': `const out = {};
for (const entry of ['tenantctl', 'tenantctl/emulator', 'tenantctl/pulumi']) out[entry] = Object.keys(await import(entry)).sort();
try { await import('tenantctl/dist/engine/apply.js'); out.internal = 'importable'; } catch (error) { out.internal = error.code; }
process.stdout.write(JSON.stringify(out) + '\\n');
`,
  // The same entry points from CommonJS (require of ES modules, Node 22.12+): a Pulumi program compiled by ts-node is one.
  'exports.cjs': `const out = {};
for (const entry of ['tenantctl', 'tenantctl/emulator', 'tenantctl/pulumi']) out[entry] = Object.keys(require(entry)).sort();
process.stdout.write(JSON.stringify(out) + '\\n');
`,
  // The root API end to end: load → connect → plan → render → save → apply the saved plan → plan again.
  'api.mjs': `import { applySavedPlan, connectGraphTenant, loadPolicy, planTenant, renderPlanJson, renderPlanText } from 'tenantctl';
const env = process.env;
const cwd = process.cwd();
const policy = await loadPolicy(['policies/'], { cwd });
const { tenant } = connectGraphTenant({ env });
const first = await planTenant({ paths: ['policies/'], cwd, reader: tenant, now: env.TENANTCTL_NOW });
const text = renderPlanText(first.plan, { color: false });
const applied = await applySavedPlan({ planText: renderPlanJson(first.plan), planName: 'plan.json', paths: ['policies/'], cwd, tenant, now: env.TENANTCTL_NOW });
const again = await planTenant({ paths: ['policies/'], cwd, reader: tenant, now: env.TENANTCTL_NOW });
const refused = await applySavedPlan({ planText: '{"formatVersion": 99}', planName: 'old.json', paths: ['policies/'], cwd, tenant, now: env.TENANTCTL_NOW });
process.stdout.write(JSON.stringify({ valid: policy.desired !== undefined, changes: first.plan.changes.length, firstLine: text.split('\\n')[0], applied: applied.kind, summary: applied.summary, failed: applied.outcomes?.filter((o) => o.status !== 'applied').length, after: again.plan.changes.length, refused }) + '\\n');
`,
  // The declarations, read by TypeScript as a user's editor reads them (each @ts-expect-error needs a real type to fail against).
  'check.ts': `import { applySavedPlan, loadPolicy, planTenant, renderPlanText } from 'tenantctl';
import type { ApplySavedPlanResult, Plan, PolicyResult } from 'tenantctl';
import { declareTenant, TenantUser } from 'tenantctl/pulumi';
import type { TenantStackOutputs } from 'tenantctl/pulumi';
import { startEmulator } from 'tenantctl/emulator';
import type { Emulator, Seed } from 'tenantctl/emulator';

export async function check(seed: Seed): Promise<void> {
  const policy: PolicyResult = await loadPolicy(['policies/'], { cwd: '.' });
  // @ts-expect-error files is a list of paths, not a number
  const files: number = policy.files;
  const emulator: Emulator = await startEmulator({ seed, port: 0 });
  // @ts-expect-error the emulator's internal store is not part of the API
  void emulator.store;
  // @ts-expect-error url is a string
  const port: number = emulator.url;
  const idle: Promise<void> = emulator.whenIdle();
  const plan: Plan | undefined = undefined;
  const result: ApplySavedPlanResult = await applySavedPlan({ planText: '{}', paths: [], cwd: '.', tenant: undefined as never, now: '' });
  if (result.kind === 'applied') void result.outcomes;
  // @ts-expect-error planTenant takes one object
  void planTenant('policies/');
  const outputs: TenantStackOutputs = await declareTenant({ policies: ['policies/'] });
  void [files, port, idle, plan, outputs, renderPlanText, TenantUser];
}
`,
  // skipLibCheck off: an error inside a shipped .d.ts fails too.
  'tsconfig.json': JSON.stringify({ compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', strict: true, noEmit: true, skipLibCheck: false, types: [] }, files: ['check.ts'] }),
};

let work: string;
let packed: Packed;
let repo: string;
let seed: Seed;

beforeAll(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'tenantctl-consumer-'));
  packed = await packTenantctl(work);
  const example = JSON.parse(readFileSync(path.join(EXAMPLE, 'package.json'), 'utf8')) as Record<string, unknown>;
  const { dependencies: _dependencies, name: _name, ...packageJson } = example;
  repo = await tenantRepo({
    tarball: packed.tarball,
    packageJson,
    alsoInstall: ['@pulumi/pulumi'],
    copy: { policies: path.join(REPO, 'examples', 'tenant-repo', 'policies'), 'Pulumi.yaml': path.join(EXAMPLE, 'Pulumi.yaml'), 'index.ts': path.join(EXAMPLE, 'index.ts') },
  });
  for (const [file, text] of Object.entries(SCRIPTS)) writeFileSync(path.join(repo, file), text);
  seed = await driftedSeed(repo, NOW, WRITER_SECRET);
  writeFileSync(path.join(work, 'seed.json'), JSON.stringify(seed));
  transcript.push(`# tenantctl ${VERSION}: ${packed.files.length} files, ${packed.size} bytes packed, ${packed.unpackedSize} unpacked; installed into a tenant repository with package.json, policies/, Pulumi.yaml and index.ts\n`);
}, 240_000);

afterAll(() => {
  const file = process.env.TENANTCTL_CONSUMER_TRANSCRIPT;
  if (file) writeFileSync(file, transcript.join('\n'));
});

/** The emulator from the installed package (its emulator.mjs, importing tenantctl/emulator) on the given Node, serving the seed. */
async function installedEmulator(node: keyof typeof NODES): Promise<{ url: string; stop: () => void }> {
  const child = spawn(NODES[node], ['emulator.mjs', path.join(work, 'seed.json')], { cwd: repo, stdio: ['pipe', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`emulator.mjs exited ${code} before it listened`)));
    createInterface({ input: child.stdout }).once('line', resolve);
  });
  child.removeAllListeners('exit');
  const started = JSON.parse(line) as { url: string; node: string };
  expect(started.node).toMatch(new RegExp(`^v${node}\\.`, 'u'));
  return { url: started.url, stop: () => child.stdin.end() };
}

describe('the package', () => {
  it('holds the CLI, the compiled library with declarations, the schema and the documents; no source, test, benchmark, fixture or example', () => {
    const files = packed.files.map((f) => f.path).sort();
    expect(files).toEqual(expect.arrayContaining(['bin/tenantctl.js', 'dist/cli/main.js', 'dist/index.js', 'dist/index.d.ts', 'dist/pulumi/index.js', 'dist/pulumi/index.d.ts', 'dist/pulumi/runtime.js', 'dist/emulator/index.js', 'dist/emulator/index.d.ts', 'schemas/tenant-policy.schema.json', 'schemas/plan.schema.json', 'docs/cli-reference.md', 'docs/policy-reference.md', 'README.md', 'LICENSE', 'CHANGELOG.md', 'package.json']));
    const unexpected = files.filter((f) => !/^(bin\/tenantctl\.js|dist\/.+\.(js|d\.ts)|schemas\/[^/]+\.json|docs\/[^/]+\.md|README\.md|LICENSE|CHANGELOG\.md|package\.json)$/u.test(f));
    expect(unexpected).toEqual([]);
    expect(files.filter((f) => /(^|\/)(test|tests|bench|fixtures|examples|policies|scripts|src)\//u.test(f) || /\.test\./u.test(f))).toEqual([]);
    // The declarations import each other as .js (the build rewrites tsc's .ts), as every TypeScript version reads them.
    const declarations = files.filter((f) => f.endsWith('.d.ts')).map((f) => readFileSync(path.join(repo, 'node_modules', 'tenantctl', f), 'utf8'));
    expect(declarations.filter((text) => /from\s+['"]\.{1,2}\/[^'"]+\.ts['"]/u.test(text))).toEqual([]);
    // The in-memory adapter is a test double: it is not compiled into the package.
    expect(files.filter((f) => f.startsWith('dist/tenant/memory/'))).toEqual([]);
    // A guard against shipping something large by mistake (today ~605 kB, after watch and many tenants: code and docs).
    expect(packed.size).toBeLessThan(900_000);
  });

  it('is installable: public, versioned 0.x with a changelog entry, the bin, Node >= 22 and no Pulumi for users of the CLI alone', () => {
    const manifest = JSON.parse(readFileSync(path.join(repo, 'node_modules', 'tenantctl', 'package.json'), 'utf8')) as Record<string, unknown>;
    expect(manifest.private).toBeUndefined();
    expect(manifest.version).toMatch(/^0\.\d+\.\d+$/u);
    expect(manifest.bin).toEqual({ tenantctl: 'bin/tenantctl.js' });
    expect(manifest.engines).toEqual({ node: '>=22.12.0' });
    expect(Object.keys(manifest.dependencies as object).filter((d) => d.startsWith('@pulumi/'))).toEqual([]);
    expect(manifest.peerDependenciesMeta).toEqual({ '@pulumi/pulumi': { optional: true }, '@pulumi/azuread': { optional: true } });
    expect(readFileSync(path.join(repo, 'node_modules', 'tenantctl', 'CHANGELOG.md'), 'utf8')).toContain(`## ${VERSION}`);
  });

  it('type-checks a user\'s TypeScript against the declarations of all three entry points', async () => {
    const ran = await sh('24', NODES['24'], [path.join(REPO, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], repo);
    expect(ran.stdout + ran.stderr).toBe('');
    expect(ran.code).toBe(0);
  });
});

describe.each(['22', '24'] as const)('installed, on Node %s', (node) => {
  let emulator: { url: string; stop: () => void };
  beforeAll(async () => {
    emulator = await installedEmulator(node);
  }, 60_000);
  afterAll(() => emulator.stop());

  const signIn = (): Record<string, string> => ({ TENANTCTL_GRAPH_URL: emulator.url, AZURE_TENANT_ID: seed.tenantId, AZURE_CLIENT_ID: DEMO_CLIENT_ID, AZURE_CLIENT_SECRET: WRITER_SECRET, TENANTCTL_NOW: NOW });

  it('npx tenantctl: --version, --help, validate, plan --out, apply of the saved plan, plan with no changes, demo', async () => {
    await reseed(emulator.url, seed);
    // The bin as npm linked it (npx costs most of a second a call: it is used for the commands below).
    const bin = path.join(repo, 'node_modules', '.bin', 'tenantctl');
    const version = await sh(node, bin, ['--version'], repo);
    expect(version.stdout.trim()).toBe(VERSION);
    const help = await sh(node, bin, ['--help'], repo);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: tenantctl /u);
    expect(help.stderr).toBe('');

    const validate = await sh(node, 'npx', ['tenantctl', 'validate'], repo);
    expect(validate.code, validate.stderr).toBe(0);
    expect(validate.stdout).toMatch(/^Valid: 2 files, /u);

    const planFile = `plan-node${node}.json`;
    const auditFile = `audit-node${node}.jsonl`;
    const plan = await sh(node, 'npx', ['tenantctl', 'plan', '--out', planFile, '--detailed-exitcode'], repo, signIn());
    expect(plan.code, plan.stderr).toBe(2);
    const saved = JSON.parse(readFileSync(path.join(repo, planFile), 'utf8')) as { changes: unknown[] };
    expect(saved.changes.length).toBeGreaterThan(0);
    const apply = await sh(node, 'npx', ['tenantctl', 'apply', planFile, '--auto-approve', '--audit-log', auditFile], repo, signIn());
    expect(apply.code, apply.stderr).toBe(0);
    expect(apply.stdout).toMatch(/^Apply complete: /mu);
    expect(readFileSync(path.join(repo, auditFile), 'utf8').trim().split('\n')).toHaveLength(saved.changes.length);
    const drift = await sh(node, bin, ['plan', '--detailed-exitcode'], repo, signIn());
    expect(drift.code, drift.stdout + drift.stderr).toBe(0);
    expect(drift.stdout).toMatch(/No changes\./u);
    // Nothing secret in anything printed.
    for (const ran of [plan, apply, drift]) expect(ran.stdout + ran.stderr).not.toContain(WRITER_SECRET);

    const demo = await sh(node, 'npx', ['tenantctl', 'demo'], repo);
    expect(demo.code, demo.stderr).toBe(0);
    expect(demo.stdout.trim().split('\n').at(-1)).toMatch(/^No changes\./u);
  }, 120_000);

  it('the library: exactly the documented exports, nothing internal importable, and load → plan → apply of a saved plan through the root API', async () => {
    const exported = await sh(node, NODES[node], ['exports.mjs'], repo);
    expect(exported.code, exported.stderr).toBe(0);
    expect(JSON.parse(exported.stdout)).toEqual({ ...PUBLIC_API, internal: 'ERR_PACKAGE_PATH_NOT_EXPORTED' });
    const required = await sh(node, NODES[node], ['exports.cjs'], repo);
    expect(required.code, required.stderr).toBe(0);
    expect(JSON.parse(required.stdout)).toEqual(PUBLIC_API);

    await reseed(emulator.url, seed);
    const api = await sh(node, NODES[node], ['api.mjs'], repo, signIn());
    expect(api.code, api.stderr).toBe(0);
    const result = JSON.parse(api.stdout) as Record<string, unknown>;
    expect(result).toMatchObject({ valid: true, applied: 'applied', failed: 0, after: 0 });
    expect(result.changes).toBeGreaterThan(0);
    expect(result.summary).toMatch(/^Apply complete: /u);
    expect(result.refused).toEqual({ kind: 'refused', code: 'invalid-plan', reason: expect.stringMatching(/^old\.json has formatVersion 99; this tenantctl reads 1 and 2\./u) });
  }, 60_000);

  // On the oldest supported Node only: the Pulumi code is the same on both, and Node 24 runs it from
  // the sources in test/pulumi/run-harness.test.ts (examples/pulumi where Pulumi runs it).
  it.runIf(node === '22')('the tenant repository\'s own Pulumi program (examples/pulumi) through Pulumi\'s run harness: preview, up, preview with nothing to do', async () => {
    await reseed(emulator.url, seed);
    const nodeArgs = String((parse(readFileSync(path.join(repo, 'Pulumi.yaml'), 'utf8')) as { runtime: { options: { nodeargs?: string } } }).runtime.options.nodeargs ?? '').split(' ').filter((a) => a !== '');
    const config = { 'tenantctl:graphUrl': emulator.url, 'tenantctl:tenantId': seed.tenantId, 'tenantctl:clientId': DEMO_CLIENT_ID, 'tenantctl:clientSecret': WRITER_SECRET };
    const pulumi = async (mode: 'preview' | 'up', state: Record<string, unknown>): Promise<{ exitCode: number; steps: Record<string, string>; errors: unknown[]; state: Record<string, unknown> }> => {
      const job = path.join(work, `job-${node}-${mode}.json`);
      writeFileSync(job, JSON.stringify({ projectDir: repo, mode, config, secretKeys: ['tenantctl:clientSecret'], state }));
      // No TENANTCTL_PULUMI_RUNTIME: the provider finds the installed package's runtime through the project.
      const ran = await sh(node, NODES[node], [...nodeArgs, HARNESS, job], repo, { TENANTCTL_NOW: NOW });
      const line = ran.stdout.trim().split('\n').at(-1) ?? '';
      if (!line.startsWith('{')) throw new Error(`harness printed no result (exit ${ran.code}): ${ran.stdout.slice(-2000)}\n${ran.stderr.slice(-2000)}`);
      return JSON.parse(line) as { exitCode: number; steps: Record<string, string>; errors: unknown[]; state: Record<string, unknown> };
    };
    const declared = ((await loadPolicy(['policies/'], { cwd: repo })).desired?.principals ?? []).map((p) => p.userPrincipalName).sort();

    const preview = await pulumi('preview', {});
    expect(preview.exitCode).toBe(0);
    expect(Object.keys(preview.steps).sort()).toEqual(declared);
    const up = await pulumi('up', {});
    expect(up.errors).toEqual([]);
    const again = await pulumi('preview', up.state);
    expect(again.errors).toEqual([]);
    expect(new Set(Object.values(again.steps))).toEqual(new Set(['same']));
  }, 120_000);
});

describe('action.yml, run as a GitHub runner runs it, installing the packed tenantctl (Node 22 on the PATH)', () => {
  it('plan saves the plan and reports changes; apply of that plan in the same job applies it and leaves nothing to change', async () => {
    const { url, stop } = await installedEmulator('22');
    try {
      // A runner whose npm cache already holds tenantctl's dependencies (as `npm ci` left it here). The
      // action installs with the lock of its own release (this checkout's package-lock.json), so npm,
      // told to stay offline, needs no registry.
      const runnerTemp = mkdtempSync(path.join(tmpdir(), 'tenantctl-runner-temp-'));
      const env = {
        PATH: `${path.dirname(NODES['22'])}:${process.env.PATH ?? ''}`,
        HOME: process.env.HOME ?? tmpdir(),
        npm_config_offline: 'true',
        NO_COLOR: '1',
        TENANTCTL_GRAPH_URL: url, AZURE_TENANT_ID: seed.tenantId, AZURE_CLIENT_ID: DEMO_CLIENT_ID, AZURE_CLIENT_SECRET: WRITER_SECRET, TENANTCTL_NOW: NOW,
      };
      const action = (inputs: Record<string, string>): ReturnType<typeof runCompositeAction> => runCompositeAction({ actionDir: REPO, inputs: { version: packed.tarball, ...inputs }, env, workspace: repo, runnerTemp });

      const plan = await action({ command: 'plan', 'plan-file': 'plan-action.json' });
      transcript.push(`# action.yml: command=plan plan-file=plan-action.json version=<the tarball>\n${plan.stdout.trimEnd()}\n${plan.stderr.trimEnd()}\noutputs ${JSON.stringify({ ...plan.outputs, 'plan-file': '…', 'stdout-file': '…', 'stderr-file': '…' })}\n`);
      expect(plan.steps.map((s) => s.outcome)).toEqual(['not-run', 'success', 'success']);
      expect(plan.stdout).toContain(`tenantctl ${VERSION}`);
      expect(plan.outputs).toMatchObject({ 'exit-code': '2', 'has-changes': 'true', 'plan-file': path.join(repo, 'plan-action.json') });
      expect(readFileSync(plan.outputs['stdout-file'] ?? '', 'utf8')).toMatch(/^Plan: /mu);

      const apply = await action({ command: 'apply', 'plan-file': 'plan-action.json', args: '--auto-approve' });
      expect(apply.exitCode, apply.stdout + apply.stderr).toBe(0);
      expect(apply.outputs).toMatchObject({ 'exit-code': '0', 'has-changes': 'true' });
      // The action applies with --format json and reads the result from tenantctl's own document.
      const result = JSON.parse(readFileSync(apply.outputs['result-file'] ?? '', 'utf8')) as { formatVersion: number; summary: { applied: Record<string, number>; failed: number } };
      expect(result.formatVersion).toBe(1);
      expect(Object.keys(result.summary.applied).length).toBeGreaterThan(0);
      expect(result.summary.failed).toBe(0);
      expect(apply.stdout).toMatch(/^Applied \d+ changes? /mu);

      const drift = await action({ command: 'plan' });
      expect(drift.outputs).toMatchObject({ 'exit-code': '0', 'has-changes': 'false', planned: 'true' });
      expect(drift.outputs['plan-file']?.startsWith(runnerTemp)).toBe(true);
      for (const run of [plan, apply, drift]) expect(run.stdout + run.stderr).not.toContain(WRITER_SECRET);
    } finally {
      stop();
    }
  }, 120_000);
});
