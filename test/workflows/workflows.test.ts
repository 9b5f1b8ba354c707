/**
 * The GitHub Actions pipeline (.github/workflows/tenantctl-*.yml, README "GitHub Actions pipeline"):
 * every workflow parses, has its triggers and exactly the permissions it needs, signs in by
 * workload identity federation (no stored secret), skips cleanly when unconfigured and keeps its
 * shell steps strict. Every tenantctl command line in any `run:` script must name a subcommand and
 * options that exist (checked against `tenantctl … --help`), and the workflows' own command lines
 * then run, in the pipeline's order, against the emulator holding a drifted copy of policies/:
 * validate → plan (changes) → apply of the saved plan → drift plan (no changes). Both with one
 * identity for everything and with the recommended read-only plan identity, whose plan names the
 * write permissions it lacks as warnings and which apply refuses to write with.
 */
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeNeeds } from '../../src/domain/permissions.ts';
import type { Plan } from '../../src/domain/plan.ts';
import type { Seed } from '../../src/emulator/model.ts';
import type { RunningEmulator } from '../../src/emulator/server.ts';
import { startEmulator } from '../../src/emulator/server.ts';
import { castDemo, DEMO_APP_ROLES, DEMO_CLIENT_ID, demoSeed } from '../../src/engine/demo-tenant.ts';
import { loadPolicy } from '../../src/policy/load.ts';
import { GITHUB_COMMENT_MAX_CHARS } from '../../src/render/plan-markdown.ts';
import { lastSeq, readState, requestsSince, reseed, writesIn } from '../support/apply-e2e.ts';
import { runTenantctl } from '../support/cli.ts';
import type { CliRun } from '../support/cli.ts';
import { checkInvocation, readCliSurface, tenantctlInvocations } from '../support/workflow-commands.ts';

const repo = new URL('../../', import.meta.url).pathname;
const workflowsDir = path.join(repo, '.github', 'workflows');

interface Step {
  readonly name?: string;
  readonly id?: string;
  readonly uses?: string;
  readonly run?: string;
  readonly if?: string;
  readonly env?: Readonly<Record<string, string>>;
}

interface Job {
  readonly if?: string;
  readonly permissions?: Readonly<Record<string, string>>;
  readonly environment?: string | { readonly name: string };
  readonly env?: Readonly<Record<string, string>>;
  readonly steps: readonly Step[];
}

interface Workflow {
  readonly on: Readonly<Record<string, unknown>>;
  readonly permissions?: Readonly<Record<string, string>>;
  readonly concurrency?: { readonly group: string; readonly 'cancel-in-progress'?: boolean };
  readonly env?: Readonly<Record<string, string>>;
  readonly jobs: Readonly<Record<string, Job>>;
}

function readWorkflow(file: string): { text: string; workflow: Workflow } {
  const text = readFileSync(path.join(workflowsDir, file), 'utf8');
  return { text, workflow: parse(text, { uniqueKeys: true, strict: true }) as Workflow };
}

const onlyJob = (workflow: Workflow): Job => {
  const jobs = Object.values(workflow.jobs);
  if (jobs.length !== 1) throw new Error(`expected one job, found ${jobs.length}`);
  return jobs[0] as Job;
};

/** Every tenantctl command line of a workflow, in step order. */
function commandsOf(file: string): string[][] {
  return onlyJob(readWorkflow(file).workflow).steps.flatMap((step) => (step.run === undefined ? [] : tenantctlInvocations(step.run)));
}

/** A job env value. */
function jobEnv(file: string, name: string): string {
  const value = onlyJob(readWorkflow(file).workflow).env?.[name];
  if (value === undefined) throw new Error(`${file} sets no ${name}`);
  return value;
}

function optionValue(args: readonly string[], option: string): string {
  const at = args.indexOf(option);
  const value = at < 0 ? undefined : args[at + 1];
  if (value === undefined) throw new Error(`no ${option} in tenantctl ${args.join(' ')}`);
  return value;
}

const PLAN = 'tenantctl-plan.yml';
const APPLY = 'tenantctl-apply.yml';
const DRIFT = 'tenantctl-drift.yml';

/** What each workflow is for: its triggers, its job's permissions (exactly these) and its tenantctl subcommands, in order. */
const EXPECTED: Readonly<Record<string, { triggers: string[]; permissions: Record<string, string>; subcommands: string[] }>> = {
  [PLAN]: { triggers: ['pull_request'], permissions: { contents: 'read', 'id-token': 'write', 'pull-requests': 'write' }, subcommands: ['validate', 'plan'] },
  [APPLY]: { triggers: ['push'], permissions: { contents: 'read', actions: 'read', 'pull-requests': 'read', 'id-token': 'write' }, subcommands: ['apply'] },
  [DRIFT]: { triggers: ['schedule', 'workflow_dispatch'], permissions: { contents: 'read', 'id-token': 'write', issues: 'write' }, subcommands: ['plan'] },
};

describe('the workflow files', () => {
  it('are exactly the three of the pipeline', () => {
    expect(readdirSync(workflowsDir).filter((f) => f.startsWith('tenantctl-')).sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  describe.each(Object.keys(EXPECTED))('%s', (file) => {
    const expected = EXPECTED[file] ?? { triggers: [], permissions: {}, subcommands: [] };
    const { text, workflow } = readWorkflow(file);
    const job = onlyJob(workflow);

    it('has its triggers, no default permissions and exactly the permissions its job needs, id-token: write among them', () => {
      expect(Object.keys(workflow.on).sort()).toEqual([...expected.triggers].sort());
      expect(workflow.permissions).toEqual({});
      expect(job.permissions).toEqual(expected.permissions);
    });

    it('signs in by workload identity federation from repository or environment variables, never a stored secret', () => {
      expect(text).not.toMatch(/secrets\./u);
      expect(text).not.toContain('AZURE_CLIENT_SECRET');
      expect(text).not.toMatch(/AZURE_CLIENT_CERTIFICATE|AZURE_FEDERATED_TOKEN_FILE/u);
      expect(job.env).toMatchObject({ AZURE_TENANT_ID: '${{ vars.AZURE_TENANT_ID }}', AZURE_CLIENT_ID: '${{ vars.AZURE_CLIENT_ID }}' });
      expect(job.if).toMatch(/^vars\.AZURE_CLIENT_ID != ''/u);
    });

    it('pins every action by at least its major version', () => {
      const uses = job.steps.flatMap((s) => (s.uses === undefined ? [] : [s.uses]));
      expect(uses.length).toBeGreaterThan(0);
      for (const action of uses) expect(action).toMatch(/^[\w.-]+\/[\w.-]+@(v\d+(\.\d+){0,2}|[0-9a-f]{40})$/u);
    });

    it('keeps its shell steps strict and free of expressions expanded into the script', () => {
      for (const step of job.steps.filter((s) => s.run !== undefined)) {
        expect(step.run?.trimStart().startsWith('set -euo pipefail\n'), step.name).toBe(true);
        expect(step.run, step.name).not.toContain('${{');
      }
    });

    it(`runs tenantctl ${expected.subcommands.join(', then ')}`, () => {
      expect(commandsOf(file).map((args) => args[0])).toEqual(expected.subcommands);
    });
  });

  it('plan: comments once per pull request (found again by its marker), within GitHub\'s limit, and uploads the plan under the pull request and head commit', () => {
    const job = onlyJob(readWorkflow(PLAN).workflow);
    const marker = jobEnv(PLAN, 'COMMENT_MARKER');
    expect(marker).toMatch(/^<!-- [\w-]+ -->$/u);
    const comment = job.steps.find((s) => s.run?.includes('comment.json'))?.run ?? '';
    expect(comment).toContain('echo "$COMMENT_MARKER"');
    expect(comment).toContain('startswith($marker)');
    expect(comment).toMatch(/--method PATCH/u);
    const guard = Number(/length' comment\.md\) > (\d+)/u.exec(comment)?.[1]);
    expect(guard).toBeLessThanOrEqual(GITHUB_COMMENT_MAX_CHARS);
    expect(jobEnv(PLAN, 'PLAN_ARTIFACT')).toBe('tenantctl-plan-pr${{ github.event.pull_request.number }}-${{ github.event.pull_request.head.sha }}');
    expect(job.steps.find((s) => s.uses?.startsWith('actions/upload-artifact@'))).toBeDefined();
  });

  it('apply: runs in the tenant-production environment, one at a time, and looks for the artifact name the plan uploads', () => {
    const { workflow } = readWorkflow(APPLY);
    const job = onlyJob(workflow);
    expect(job.environment).toBe('tenant-production');
    expect(workflow.concurrency).toEqual({ group: 'tenantctl-apply', 'cancel-in-progress': false });
    expect(workflow.on).toEqual({ push: { branches: ['main'], paths: ['policies/**'] } });
    expect(job.steps.map((s) => s.run ?? '').join('\n')).toContain('artifact="tenantctl-plan-pr${pr}-${head_sha}"');
  });

  it('plan and drift run for policy changes and daily', () => {
    expect(readWorkflow(PLAN).workflow.on).toEqual({ pull_request: { paths: ['policies/**', '.github/workflows/tenantctl-plan.yml'] } });
    const drift = readWorkflow(DRIFT).workflow.on as { schedule: { cron: string }[] };
    expect(drift.schedule).toHaveLength(1);
    expect(drift.schedule[0]?.cron).toMatch(/^\d{1,2} \d{1,2} \* \* \*$/u);
  });

  it('plan and drift take tenantctl plan\'s exit code as it is (0 no changes, 2 changes, anything else an error), and no workflow edits a saved plan', () => {
    const outcomes = (file: string): string[] => {
      const script = onlyJob(readWorkflow(file).workflow).steps.find((s) => s.id === 'plan')?.run ?? '';
      const body = /case "\$code" in\n([\s\S]*?)\n\s*esac/u.exec(script)?.[1] ?? '';
      return body.split('\n').map((line) => line.trim());
    };
    expect(outcomes(PLAN)).toEqual(['0) outcome=no-changes ;;', '2) outcome=changes ;;', '*) outcome=error ;;']);
    expect(outcomes(DRIFT)).toEqual(['0) outcome=no-drift ;;', '2) outcome=drift ;;', '*) outcome=error ;;']);
    for (const file of Object.keys(EXPECTED)) expect(readWorkflow(file).text, file).not.toMatch(/jq[^\n]*plan\.json/u);
  });
});

describe('every tenantctl command line in the workflows', () => {
  let surface: Awaited<ReturnType<typeof readCliSurface>>;
  beforeAll(async () => {
    surface = await readCliSurface();
  });

  it.each(Object.keys(EXPECTED).flatMap((file) => commandsOf(file).map((args) => ({ file, line: args.join(' '), args }))))(
    '$file: tenantctl $line uses a subcommand and options that exist',
    ({ args }) => {
      expect(checkInvocation(args, surface)).toEqual([]);
    },
  );

  it('would fail for a command, an option or a value that does not exist', () => {
    expect(checkInvocation(['plna', 'policies/'], surface)).toHaveLength(1);
    expect(checkInvocation(['plan', 'policies/', '--detailed-exit-code'], surface)).toHaveLength(1);
    expect(checkInvocation(['plan', '--format', 'html'], surface)).toHaveLength(1);
    expect(checkInvocation(['apply', 'plan.json', '--audit-log'], surface)).toHaveLength(1);
    expect(checkInvocation(['apply', 'plan.json', '--auto-approve=yes'], surface)).toHaveLength(1);
  });

  it('are found however the script writes them: npx, continuations, redirections, || code=$? and $( )', () => {
    const script = [
      'set -euo pipefail',
      'code=0',
      'npx tenantctl plan policies/ \\',
      '  --out plan.json --format markdown > plan.md 2> plan.err || code=$?',
      'out=$(npx --yes tenantctl validate "policies/" 2>&1)',
      "echo 'npx tenantctl is not run here' >&2 # npx tenantctl demo",
      'if npx tenantctl apply plan.json --auto-approve; then echo ok; fi',
    ].join('\n');
    expect(tenantctlInvocations(script)).toEqual([
      ['plan', 'policies/', '--out', 'plan.json', '--format', 'markdown'],
      ['validate', 'policies/'],
      ['apply', 'plan.json', '--auto-approve'],
    ]);
    expect(() => tenantctlInvocations('npx tenantctl plan "$POLICY"')).toThrow(/literal/u);
    expect(() => tenantctlInvocations('npx prettier --check .')).toThrow(/other than tenantctl/u);
  });
});

// ---- the pipeline against the emulator ------------------------------------------------------------

const NOW = '2026-11-22T00:00:00Z';
const WRITER_SECRET = 'workflow-test-writer-secret';
const READER = '5e1c0000-0000-4000-8000-00000000c0de';
const READER_SECRET = 'workflow-test-reader-secret';
/** The read-only plan identity of README "Registering the Entra app": PRODUCT.md §6's reading permissions. */
const READER_ROLES = ['User.Read.All', 'LicenseAssignment.Read.All', 'MailboxSettings.Read', 'GroupMember.Read.All'];

/**
 * The tenant policies/ declares, drifted as in `tenantctl demo` but with only drift that writes can
 * repair (the purged user left active, the short SKU topped up), so that apply converges it; plus a
 * read-only app.
 */
async function driftedSeed(): Promise<Seed> {
  const desired = (await loadPolicy([], { cwd: repo })).desired;
  if (!desired) throw new Error('policies/ is invalid');
  const cast = castDemo(desired);
  const seed = structuredClone(demoSeed(desired, NOW, WRITER_SECRET)) as unknown as {
    users: Record<string, unknown>[];
    deletedUsers: Record<string, unknown>[];
    subscribedSkus: { skuId: string; prepaidUnits: { enabled: number } }[];
    apps: Record<string, unknown>[];
  };
  const purged = seed.deletedUsers.findIndex((u) => u.userPrincipalName === cast.purged?.userPrincipalName);
  if (purged >= 0) {
    const [user] = seed.deletedUsers.splice(purged, 1);
    delete user?.deletedDateTime;
    if (user) seed.users.push(user);
  }
  for (const sku of seed.subscribedSkus) if (sku.skuId === cast.waitingForSeat?.sku.skuId.toLowerCase()) sku.prepaidUnits.enabled += 5;
  seed.apps.push({ clientId: READER, clientSecret: READER_SECRET, roles: READER_ROLES, displayName: 'tenantctl plan (read-only)' });
  return seed as unknown as Seed;
}

describe('the workflows\' command lines, in pipeline order, against the emulator', () => {
  let emulator: RunningEmulator;
  let seed: Seed;
  beforeAll(async () => {
    seed = await driftedSeed();
    emulator = await startEmulator({ seed, port: 0 });
  });
  afterAll(() => emulator.close());

  const [validateArgs = [], planArgs = []] = commandsOf(PLAN);
  const [applyArgs = []] = commandsOf(APPLY);
  const [driftArgs = []] = commandsOf(DRIFT);

  /** A fresh tenant and a fresh copy of the repository's policies, as a checkout would have them. */
  async function freshCheckout(): Promise<string> {
    await reseed(emulator.url, seed);
    const dir = mkdtempSync(path.join(tmpdir(), 'tenantctl-workflows-'));
    cpSync(path.join(repo, 'policies'), path.join(dir, 'policies'), { recursive: true });
    return dir;
  }

  const as = (clientId: string, secret: string) => (args: readonly string[], cwd: string): Promise<CliRun> =>
    runTenantctl(args, { cwd, now: NOW, env: { TENANTCTL_GRAPH_URL: emulator.url, AZURE_TENANT_ID: seed.tenantId, AZURE_CLIENT_ID: clientId, AZURE_CLIENT_SECRET: secret } });
  const writer = as(DEMO_CLIENT_ID, WRITER_SECRET);
  const reader = as(READER, READER_SECRET);

  it('uses the demo app with exactly PRODUCT.md §6\'s permissions as the writing identity', () => {
    expect(seed.apps.find((a) => a.clientId === DEMO_CLIENT_ID)?.roles).toEqual(DEMO_APP_ROLES);
    expect(DEMO_APP_ROLES).toEqual(expect.arrayContaining(READER_ROLES));
  });

  /** Checks the apply step's outcome: every change of the saved plan applied, one audit line each. */
  function expectApplied(run: CliRun, dir: string, plan: Plan): void {
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^Apply complete: /mu);
    const audit = readFileSync(path.join(dir, optionValue(applyArgs, '--audit-log')), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { outcome: string; action: string });
    expect(audit).toHaveLength(plan.changes.length);
    expect(new Set(audit.map((a) => a.outcome))).toEqual(new Set(['applied']));
  }

  /** Places the saved plan, unchanged, where the apply step reads it (the apply workflow downloads the artifact and moves it there). */
  function handOver(dir: string, saved: string): void {
    const target = path.join(dir, applyArgs[1] ?? '');
    mkdirSync(path.dirname(target), { recursive: true });
    if (path.resolve(target) !== path.resolve(saved)) copyFileSync(saved, target);
  }

  /** The plan step with the read-only identity: the plan, saved, and the write permissions its changes need. */
  async function planAsReader(dir: string): Promise<{ run: CliRun; saved: string; savedPlan: Plan; writePermissions: string[] }> {
    const run = await reader(planArgs, dir);
    const saved = path.join(dir, optionValue(planArgs, '--out'));
    const savedPlan = JSON.parse(readFileSync(saved, 'utf8')) as Plan;
    const writePermissions = [...new Set(writeNeeds(savedPlan.changes.map((c) => c.action)).map((n) => n.permission))].sort();
    return { run, saved, savedPlan, writePermissions };
  }

  it('one identity: validate → plan finds the drift (exit 2, markdown) → apply of the saved plan → the drift check finds none (exit 0)', async () => {
    const dir = await freshCheckout();
    const validate = await writer(validateArgs, dir);
    expect(validate.code, validate.stdout + validate.stderr).toBe(0);

    const plan = await writer(planArgs, dir);
    expect(plan.code, plan.stderr).toBe(2);
    expect(plan.stdout).toMatch(/^## Plan: \d+ to restore/u);
    expect(plan.stdout).toContain('| action | count |');
    expect(plan.stdout).not.toContain('missing-permission');
    expect(plan.stdout.length).toBeLessThan(GITHUB_COMMENT_MAX_CHARS);
    const saved = path.join(dir, optionValue(planArgs, '--out'));
    const savedPlan = JSON.parse(readFileSync(saved, 'utf8')) as Plan;
    expect(savedPlan.changes.length).toBeGreaterThan(0);

    handOver(dir, saved);
    expectApplied(await writer(applyArgs, dir), dir, savedPlan);

    const drift = await writer(driftArgs, dir);
    expect(drift.code, drift.stdout + drift.stderr).toBe(0);
    expect(drift.stdout).toContain('No changes');
  });

  it('read-only plan identity: its plan finds the drift (exit 2) and names the write permissions it lacks as warnings → the writer applies the saved plan → the drift check finds none (exit 0)', async () => {
    const dir = await freshCheckout();
    const validate = await reader(validateArgs, dir);
    expect(validate.code, validate.stdout + validate.stderr).toBe(0);

    const { run: plan, saved, savedPlan, writePermissions } = await planAsReader(dir);
    expect(plan.code, plan.stdout + plan.stderr).toBe(2);
    expect(plan.stdout).toMatch(/^## Plan: \d+ to restore/u);
    expect(plan.stdout.length).toBeLessThan(GITHUB_COMMENT_MAX_CHARS);
    expect(writePermissions).toEqual(['LicenseAssignment.ReadWrite.All', 'User.DeleteRestore.All', 'User.ReadWrite.All']);
    // In the review (the pull-request comment, the drift issue): one warning per write permission, none an error.
    for (const permission of writePermissions) expect(plan.stdout).toMatch(new RegExp(`\\| warning \\| \`missing-permission\` \\| [^|]*\\| these credentials lack the application permission ${permission.replaceAll('.', '\\.')}, needed to apply this plan`, 'u'));
    const missing = savedPlan.diagnostics.filter((d) => d.code === 'missing-permission');
    expect(missing.map((d) => d.severity)).toEqual(writePermissions.map(() => 'warning'));
    expect(savedPlan.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);

    handOver(dir, saved);
    expectApplied(await writer(applyArgs, dir), dir, savedPlan);

    const drift = await reader(driftArgs, dir);
    expect(drift.code, drift.stdout + drift.stderr).toBe(0);
    expect(drift.stdout).toContain('No changes');
    expect(drift.stdout).not.toContain('missing-permission');
    expect(existsSync(path.join(dir, optionValue(driftArgs, '--out')))).toBe(true);
  });

  it('read-only plan identity as the apply identity: apply refuses the saved plan, naming the permissions, and writes nothing', async () => {
    const dir = await freshCheckout();
    const { run: plan, saved, writePermissions } = await planAsReader(dir);
    expect(plan.code, plan.stdout + plan.stderr).toBe(2);
    handOver(dir, saved);
    const before = await readState(emulator.url);
    const since = await lastSeq(emulator.url);

    const apply = await reader(applyArgs, dir);
    expect(apply.code, apply.stdout + apply.stderr).toBe(1);
    expect(apply.stderr).toContain('Nothing was changed.');
    expect(apply.stderr).toContain('these credentials cannot make the plan\'s changes');
    for (const permission of writePermissions) expect(apply.stderr).toContain(permission);
    expect(apply.stdout).not.toMatch(/^Apply complete/mu);

    const requests = await requestsSince(emulator.url, since);
    expect(requests.length).toBeGreaterThan(0);
    expect(writesIn(requests)).toEqual([]);
    expect(await readState(emulator.url)).toEqual(before);
    expect(existsSync(path.join(dir, optionValue(applyArgs, '--audit-log')))).toBe(false);
  });
});
