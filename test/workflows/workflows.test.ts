/**
 * The GitHub Actions pipeline of a tenant repository (docs/github-actions.md): the reusable workflows
 * .github/workflows/{plan,apply,drift}.yml, which run tenantctl through the composite action
 * (action.yml), and the example tenant repository (examples/tenant-repo/) whose workflows call them.
 *
 * - Every file is valid by GitHub's schemas (SchemaStore's, through @action-validator/core), and the
 *   validator is shown to catch a broken one.
 * - The interfaces fit: every input a caller passes exists in the called workflow (required ones are
 *   passed), every input a workflow passes to the action exists in action.yml, every step output read
 *   is one that step writes, and the action and reusable workflows are referenced at the tag of
 *   package.json's version.
 * - The guarantees hold: triggers, exactly the permissions each job needs (granted by the caller),
 *   workload identity federation and never a stored secret, skipping cleanly while unconfigured,
 *   strict shell steps without expressions in scripts, one plan comment found by its marker, the plan
 *   uploaded under the pull request and head commit, apply of that plan only, in the environment, one
 *   at a time, the audit log uploaded, the drift issue.
 * - Every tenantctl command line the workflows make the action run exists (checked against
 *   `tenantctl … --help`), and the jobs then run, through the action and this checkout's tenantctl,
 *   in the pipeline's order against the emulator holding a drifted copy of the example's policies,
 *   signing in with GitHub's OIDC token from a local issuer (no secret anywhere): validate → plan
 *   (changes) → apply of the saved plan → drift plan (no changes). Both with one identity for
 *   everything and with the recommended read-only plan identity, whose plan names the write
 *   permissions it lacks as warnings and which apply refuses to write with.
 */
import { copyFileSync, cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeNeeds } from '../../src/domain/permissions.ts';
import type { Plan } from '../../src/domain/plan.ts';
import type { Seed } from '../../src/emulator/model.ts';
import type { RunningEmulator } from '../../src/emulator/server.ts';
import { startEmulator } from '../../src/emulator/server.ts';
import { DEMO_APP_ROLES, DEMO_CLIENT_ID } from '../../src/engine/demo-tenant.ts';
import { GITHUB_COMMENT_MAX_CHARS } from '../../src/render/plan-markdown.ts';
import { lastSeq, readState, requestsSince, reseed, writesIn } from '../support/apply-e2e.ts';
import { runTenantctl } from '../support/cli.ts';
import { driftedSeed } from '../support/drifted-tenant.ts';
import { readCompositeAction } from '../support/composite-action.ts';
import type { CompositeRun } from '../support/composite-action.ts';
import type { LocalOidcIssuer, WorkflowContext } from '../support/oidc-issuer.ts';
import { githubSubject, REPOSITORY, startOidcIssuer } from '../support/oidc-issuer.ts';
import { checkInvocation, readCliSurface, recordedInvocations, schemaErrors, tenantctlInvocations, tenantctlStandIn } from '../support/workflow-commands.ts';
import type { Contexts, Job, JobRun, Scalar, Workflow } from './workflow-jobs.ts';
import { ACTION_REF, callInputs, expressionsIn, jobEnvironment, onlyJob, packageVersion, readWorkflowFile, repo, runJob, uploads } from './workflow-jobs.ts';

const EXAMPLE = 'examples/tenant-repo';
const REUSABLE = ['plan.yml', 'apply.yml', 'drift.yml'] as const;
type Name = (typeof REUSABLE)[number];
const reusable = (name: Name) => readWorkflowFile(`.github/workflows/${name}`);
const caller = (name: Name) => readWorkflowFile(`${EXAMPLE}/.github/workflows/${name}`);
const action = readCompositeAction(repo);

/** Each workflow: its job's permissions (exactly these), the example caller's triggers, the tenantctl subcommands it runs, in order. */
const EXPECTED: Readonly<Record<Name, { permissions: Record<string, string>; triggers: Record<string, unknown>; subcommands: string[] }>> = {
  'plan.yml': {
    permissions: { contents: 'read', 'id-token': 'write', 'pull-requests': 'write' },
    triggers: { pull_request: { paths: ['policies/**', '.github/workflows/plan.yml'] } },
    subcommands: ['validate', 'plan'],
  },
  'apply.yml': {
    permissions: { contents: 'read', actions: 'read', 'pull-requests': 'read', 'id-token': 'write' },
    triggers: { push: { branches: ['main'], paths: ['policies/**'] } },
    subcommands: ['apply'],
  },
  'drift.yml': {
    permissions: { contents: 'read', 'id-token': 'write', issues: 'write' },
    triggers: { schedule: [{ cron: '17 5 * * *' }], workflow_dispatch: null },
    subcommands: ['plan'],
  },
};

const jobOf = (workflow: Workflow): Job => onlyJob(workflow)[1];
const actionSteps = (workflow: Workflow) => (jobOf(workflow).steps ?? []).filter((s) => s.uses?.startsWith('tenantctl/tenantctl@') === true);
/** The example caller's `with:` for a reusable workflow. */
const callerWith = (name: Name): Readonly<Record<string, Scalar>> => jobOf(caller(name).workflow).with ?? {};
const workflowFiles = (dir: string): string[] => readdirSync(path.join(repo, dir)).filter((f) => /\.ya?ml$/u.test(f)).map((f) => `${dir}/${f}`);

// ---- GitHub's schemas --------------------------------------------------------------------------------

describe('by GitHub\'s schemas', () => {
  const files = [...workflowFiles('.github/workflows'), ...workflowFiles(`${EXAMPLE}/.github/workflows`)];

  it('action.yml is a valid action', () => {
    expect(schemaErrors('action', readFileSync(path.join(repo, 'action.yml'), 'utf8'))).toEqual([]);
  });

  it.each(files)('%s is a valid workflow', (file) => {
    expect(schemaErrors('workflow', readFileSync(path.join(repo, file), 'utf8'))).toEqual([]);
  });

  it('the validator catches what GitHub would refuse: an unknown key, a bad trigger, a call with runs-on, an action step without shell', () => {
    const planText = reusable('plan.yml').text;
    const typo = planText.replace('    timeout-minutes: 30\n', '    timeout-minute: 30\n');
    expect(typo).not.toBe(planText);
    expect(schemaErrors('workflow', typo).join('\n')).toContain("Additional property 'timeout-minute' is not allowed");

    const callerText = caller('plan.yml').text;
    const badTrigger = callerText.replace('  pull_request:\n', '  pull_requests:\n');
    expect(schemaErrors('workflow', badTrigger).join('\n')).toContain("Additional property 'pull_requests' is not allowed");
    const callWithRunner = callerText.replace('    permissions:\n', '    runs-on: ubuntu-latest\n    permissions:\n');
    expect(schemaErrors('workflow', callWithRunner).join('\n')).toContain("Additional property 'runs-on' is not allowed");

    const actionText = readFileSync(path.join(repo, 'action.yml'), 'utf8');
    const noShell = actionText.replace('      id: run\n      shell: bash\n', '      id: run\n');
    expect(noShell).not.toBe(actionText);
    expect(schemaErrors('action', noShell).join('\n')).toMatch(/runs\/steps\/2\/shell: This property is required/u);
    expect(schemaErrors('action', actionText.replace('  command:\n    description:', '  command:\n    descripton:')).join('\n')).toContain("Additional property 'descripton' is not allowed");
  });
});

// ---- the example tenant repository -------------------------------------------------------------------

describe('the example tenant repository', () => {
  it('has the three workflows, its policies are valid and reference the schema of this release', async () => {
    expect(readdirSync(path.join(repo, EXAMPLE, '.github/workflows')).sort()).toEqual([...REUSABLE].sort());
    const validate = await runTenantctl(['validate'], { cwd: path.join(repo, EXAMPLE) });
    expect(validate.code, validate.stdout + validate.stderr).toBe(0);
    for (const file of readdirSync(path.join(repo, EXAMPLE, 'policies'))) {
      const schema = /\$schema=(\S+)/u.exec(readFileSync(path.join(repo, EXAMPLE, 'policies', file), 'utf8'))?.[1];
      expect(schema, file).toBe(`https://raw.githubusercontent.com/tenantctl/tenantctl/v${packageVersion}/schemas/tenant-policy.schema.json`);
    }
    expect(existsSync(path.join(repo, EXAMPLE, 'README.md'))).toBe(true);
  });

  describe.each(REUSABLE)('.github/workflows/%s', (name) => {
    const { workflow, text } = caller(name);
    const [, job] = onlyJob(workflow);
    const called = reusable(name).workflow;

    it('has its triggers, no default permissions and no concurrency group of its own (the called job has it)', () => {
      expect(workflow.on).toEqual(EXPECTED[name].triggers);
      expect(workflow.permissions).toEqual({});
      expect(workflow.concurrency).toBeUndefined();
      expect(job.concurrency).toBeUndefined();
      expect(text).not.toMatch(/secrets/u);
    });

    it(`calls tenantctl's ${name} at the tag of this release, granting exactly the permissions its job needs`, () => {
      expect(job.uses).toBe(`tenantctl/tenantctl/.github/workflows/${name}@v${packageVersion}`);
      expect(job.permissions).toEqual(EXPECTED[name].permissions);
      expect(jobOf(called).permissions).toEqual(job.permissions);
    });

    it('passes only inputs the called workflow declares, each of its type, and every required one', () => {
      const declared = callInputs(called);
      for (const [input, value] of Object.entries(job.with ?? {})) {
        expect(Object.keys(declared), input).toContain(input);
        expect(typeof value, input).toBe(declared[input]?.type);
      }
      for (const [input, spec] of Object.entries(declared)) if (spec.required === true) expect(job.with, input).toHaveProperty(input);
    });
  });

  it('names tenantctl\'s release as package.json does wherever it refers to it (uses: …@v, tags in URLs), here and in docs/github-actions.md', () => {
    const files = [
      ...readdirSync(path.join(repo, EXAMPLE), { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name)),
      ...workflowFiles('.github/workflows').map((f) => path.join(repo, f)),
      path.join(repo, 'docs/github-actions.md'),
    ];
    const refs = files.flatMap((f) => [...readFileSync(f, 'utf8').matchAll(/tenantctl\/tenantctl(?:\/[^\s@)`'"]*)?[@/]v(\d+\.\d+\.\d+)/gu)].map((m) => `${path.relative(repo, f)}: v${m[1]}`));
    expect(refs.length).toBeGreaterThan(10);
    expect(refs.filter((ref) => !ref.endsWith(`: v${packageVersion}`))).toEqual([]);
  });

  it('apply: looks for the plan runs of the example\'s own plan workflow, in the environment the called workflow defaults to', () => {
    const withs = callerWith('apply.yml');
    const inputs = callInputs(reusable('apply.yml').workflow);
    const planWorkflow = String(withs['plan-workflow'] ?? inputs['plan-workflow']?.default);
    expect(jobOf(caller(planWorkflow as Name).workflow).uses).toMatch(/^tenantctl\/tenantctl\/\.github\/workflows\/plan\.yml@/u);
    expect(withs.environment ?? inputs.environment?.default).toBe('tenant-production');
    expect(inputs.environment?.default).toBe('tenant-production');
  });
});

// ---- the reusable workflows --------------------------------------------------------------------------

describe.each(REUSABLE)('the reusable .github/workflows/%s', (name) => {
  const { workflow, text } = reusable(name);
  const [, job] = onlyJob(workflow);
  const steps = job.steps ?? [];

  it('is only called (workflow_call), has no default permissions and exactly the permissions its job needs, id-token: write among them', () => {
    expect(Object.keys(workflow.on)).toEqual(['workflow_call']);
    expect(workflow.permissions).toEqual({});
    expect(job.permissions).toEqual(EXPECTED[name].permissions);
  });

  it('signs in by workload identity federation from the caller\'s variables, never a stored secret, and skips while unconfigured', async () => {
    expect(text).not.toMatch(/secrets\./u);
    expect(text).not.toContain('AZURE_CLIENT_SECRET');
    expect(text).not.toMatch(/AZURE_CLIENT_CERTIFICATE|AZURE_FEDERATED_TOKEN_FILE/u);
    expect(job.env).toMatchObject({ AZURE_TENANT_ID: '${{ vars.AZURE_TENANT_ID }}', AZURE_CLIENT_ID: '${{ vars.AZURE_CLIENT_ID }}' });
    expect(job.if).toMatch(/^vars\.AZURE_CLIENT_ID != ''/u);
    const unconfigured = await runJob({ workflow, with: callerWith(name), vars: {}, github: githubContext('pull_request'), workspace: tmpdir(), runnerTemp: tmpdir() });
    expect(unconfigured.ran).toBe(false);
  });

  it(`runs tenantctl only through the action, at the tag of this release (${ACTION_REF}), passing the caller's policy, directory, Node.js and tenantctl version`, () => {
    for (const step of steps.filter((s) => s.run !== undefined)) expect(tenantctlInvocations(step.run ?? ''), step.name).toEqual([]);
    const uses = actionSteps(workflow);
    expect(uses.map((s) => s.with?.command)).toEqual(EXPECTED[name].subcommands);
    for (const step of uses) {
      expect(step.uses).toBe(ACTION_REF);
      expect(step.with).toMatchObject({
        policy: '${{ inputs.policy }}',
        'working-directory': '${{ inputs.working-directory }}',
        'node-version': '${{ inputs.node-version }}',
        version: '${{ inputs.tenantctl-version }}',
      });
    }
    expect(callInputs(workflow)).toMatchObject({
      policy: { type: 'string', default: 'policies/' },
      'working-directory': { type: 'string', default: '.' },
      'node-version': { type: 'string', default: '24' },
      'tenantctl-version': { type: 'string', default: '' },
    });
  });

  it('pins every action by at least its major version', () => {
    const uses = steps.flatMap((s) => (s.uses === undefined ? [] : [s.uses]));
    expect(uses.length).toBeGreaterThan(0);
    for (const used of uses) expect(used).toMatch(/^[\w.-]+\/[\w.-]+@(v\d+(\.\d+){0,2}|[0-9a-f]{40})$/u);
  });

  it('keeps its shell steps strict and free of expressions expanded into the script', () => {
    for (const step of steps.filter((s) => s.run !== undefined)) {
      expect(step.run?.trimStart().startsWith('set -euo pipefail\n'), step.name).toBe(true);
      expect(step.run, step.name).not.toContain('${{');
    }
  });

  it('reads only inputs it declares, action inputs that exist, and step outputs that the step writes', () => {
    const declared = Object.keys(callInputs(workflow));
    for (const expression of expressionsIn(text)) {
      for (const [, input] of expression.matchAll(/\binputs\.([\w-]+)/gu)) expect(declared, expression).toContain(input);
      expect(expression, 'this pipeline has one job per workflow: no needs').not.toMatch(/\bneeds\./u);
    }
    for (const step of actionSteps(workflow)) {
      for (const input of Object.keys(step.with ?? {})) expect(Object.keys(action.inputs ?? {}), `${step.id}: ${input}`).toContain(input);
      for (const [input, spec] of Object.entries(action.inputs ?? {})) if (spec.required === true) expect(step.with, `${step.id}: ${input}`).toHaveProperty(input);
    }
    for (const [at, step] of steps.entries()) {
      const texts = [String(step.if ?? ''), ...Object.values(step.env ?? {}).map(String), ...Object.values(step.with ?? {}).map(String)];
      for (const [, id = '', field = '', output] of texts.join('\n').matchAll(/\bsteps\.([\w-]+)\.(outputs|outcome|conclusion)(?:\.([\w-]+))?/gu)) {
        const source = steps.findIndex((s) => s.id === id);
        expect(source, `${step.name ?? step.uses}: steps.${id} is an earlier step`).toBeGreaterThanOrEqual(0);
        expect(source, `${step.name ?? step.uses}: steps.${id} is an earlier step`).toBeLessThan(at);
        if (field !== 'outputs') continue;
        const producer = steps[source];
        if (producer?.uses?.startsWith('tenantctl/tenantctl@') === true) expect(Object.keys(action.outputs ?? {}), `steps.${id}.outputs.${output}`).toContain(output);
        else expect(producer?.run, `steps.${id}.outputs.${output}`).toMatch(new RegExp(`echo "${output}=[^\\n]*>> "\\$GITHUB_OUTPUT"`, 'u'));
      }
    }
  });
});

describe('what each reusable workflow guarantees', () => {
  it('plan: one plan at a time per pull request; comments once per pull request (found again by its marker), within GitHub\'s limit; uploads the saved plan under the pull request and head commit', () => {
    const { workflow } = reusable('plan.yml');
    const job = jobOf(workflow);
    expect(job.if).toBe("vars.AZURE_CLIENT_ID != '' && github.event.pull_request.head.repo.full_name == github.repository");
    expect(job.concurrency).toEqual({ group: 'tenantctl-plan-${{ github.event.pull_request.number }}', 'cancel-in-progress': true });
    expect(job.env?.COMMENT_MARKER).toMatch(/^<!-- [\w-]+ -->$/u);
    const comment = job.steps?.find((s) => s.run?.includes('comment.json'))?.run ?? '';
    expect(comment).toContain('echo "$COMMENT_MARKER"');
    expect(comment).toContain('startswith($marker)');
    expect(comment).toMatch(/--method PATCH/u);
    const guard = Number(/length' comment\.md\) > (\d+)/u.exec(comment)?.[1]);
    expect(guard).toBeLessThanOrEqual(GITHUB_COMMENT_MAX_CHARS);
    expect(job.env?.PLAN_ARTIFACT).toBe('tenantctl-plan-pr${{ github.event.pull_request.number }}-${{ github.event.pull_request.head.sha }}');
    const upload = job.steps?.find((s) => s.uses?.startsWith('actions/upload-artifact@'));
    expect(upload?.with).toMatchObject({ name: '${{ env.PLAN_ARTIFACT }}', path: '${{ steps.plan.outputs.plan-file }}' });
    expect(actionSteps(workflow).find((s) => s.id === 'plan')?.with).toMatchObject({ 'plan-file': 'plan.json', args: '--format markdown' });
  });

  it('apply: in the caller\'s environment (default tenant-production), one at a time, only the artifact of the merged pull request\'s plan run, uploading the audit log', () => {
    const { workflow } = reusable('apply.yml');
    const job = jobOf(workflow);
    expect(job.environment).toBe('${{ inputs.environment }}');
    expect(callInputs(workflow).environment?.default).toBe('tenant-production');
    expect(job.concurrency).toEqual({ group: 'tenantctl-apply', 'cancel-in-progress': false });
    const download = job.steps?.find((s) => s.id === 'reviewed')?.run ?? '';
    expect(download).toContain('artifact="tenantctl-plan-pr${pr}-${head_sha}"');
    expect(download).toContain('actions/workflows/$PLAN_WORKFLOW/runs?event=pull_request&status=success&head_sha=$head_sha');
    expect(download).toContain('select(.merged_at != null and .merge_commit_sha == $sha)');
    const apply = actionSteps(workflow)[0];
    expect(apply?.with).toMatchObject({ command: 'apply', 'plan-file': '${{ steps.reviewed.outputs.plan-file }}', args: '--auto-approve --audit-log audit.jsonl' });
    expect(apply?.['continue-on-error']).toBeUndefined();
    const upload = job.steps?.find((s) => s.uses?.startsWith('actions/upload-artifact@'));
    expect(upload).toMatchObject({ if: '${{ !cancelled() }}', with: { name: 'tenantctl-audit-${{ github.sha }}-${{ github.run_attempt }}', path: '${{ inputs.working-directory }}/audit.jsonl' } });
    // The plan artifact apply looks for is the one plan.yml uploads.
    expect(reusable('plan.yml').workflow.jobs.plan?.env?.PLAN_ARTIFACT).toBe('tenantctl-plan-pr${{ github.event.pull_request.number }}-${{ github.event.pull_request.head.sha }}');
  });

  it('drift: one at a time; opens or updates the labelled issue on changes (exit 2), closes it on none (0), reports anything else as an error', () => {
    const { workflow } = reusable('drift.yml');
    const job = jobOf(workflow);
    expect(job.concurrency).toEqual({ group: 'tenantctl-drift', 'cancel-in-progress': false });
    expect(callInputs(workflow).label?.default).toBe('tenant-drift');
    const report = job.steps?.find((s) => s.run?.includes('gh issue'))?.run ?? '';
    const branches = [...(/case "\$PLAN_EXIT" in\n([\s\S]*)\n\s*esac/u.exec(report)?.[1] ?? '').matchAll(/^\s*(\S+)\)$/gmu)].map((m) => m[1]);
    expect(branches).toEqual(['2', '0', '*']);
    expect(report).toMatch(/2\)[\s\S]*gh issue create[\s\S]*0\)[\s\S]*gh issue close[\s\S]*\*\)[\s\S]*exit 1/u);
    expect(job.steps?.find((s) => s.uses?.startsWith('actions/upload-artifact@'))?.if).toBe("steps.plan.outputs.has-changes == 'true'");
  });

  it('plan and drift take tenantctl plan\'s exit code as it is (0 no changes, 2 changes, anything else an error), and nothing edits a saved plan', () => {
    const run = action.runs.steps.find((s) => s.id === 'run')?.run ?? '';
    expect(run).toContain('argv+=(--detailed-exitcode)');
    expect(run).toContain('plan:2) has_changes=true ;;');
    expect(run).toContain('if [[ "$code" != 0 && "$COMMAND:$code" != plan:2 ]]; then exit "$code"; fi');
    expect(reusable('plan.yml').text).toContain("if: steps.plan.outputs.exit-code == '0' || steps.plan.outputs.exit-code == '2'");
    for (const file of [...REUSABLE.map((n) => reusable(n).text), readFileSync(path.join(repo, 'action.yml'), 'utf8')]) expect(file).not.toMatch(/jq[^\n]*plan\.json/u);
  });
});

// ---- the command lines -------------------------------------------------------------------------------

const MERGE_SHA = '3b9d0c4e5f60718293a4b5c6d7e8f90112233445';
const HEAD_SHA = 'a3c1f5e2b7d94c08e6f1a2b3c4d5e6f708192a3b';
const PR = 42;

/** The `github` context of the caller's run. */
function githubContext(event: 'pull_request' | 'push' | 'schedule'): Contexts {
  return {
    token: 'ghs_not-a-real-token',
    repository: REPOSITORY,
    event_name: event,
    sha: MERGE_SHA,
    run_id: '4711',
    run_attempt: '1',
    event: event === 'pull_request' ? { pull_request: { number: PR, head: { sha: HEAD_SHA, repo: { full_name: REPOSITORY } } } } : {},
  };
}
const EVENT: Readonly<Record<Name, 'pull_request' | 'push' | 'schedule'>> = { 'plan.yml': 'pull_request', 'apply.yml': 'push', 'drift.yml': 'schedule' };

/** The action's runs in a job, in order. */
const actionRuns = (run: JobRun): CompositeRun[] => run.steps.flatMap((s) => (s.action ? [s.action] : []));
const stepNamed = (run: JobRun, id: string) => run.steps.find((s) => s.id === id);

describe('every tenantctl command line the workflows run', () => {
  let surface: Awaited<ReturnType<typeof readCliSurface>>;
  const lines = new Map<Name, string[][]>();
  beforeAll(async () => {
    surface = await readCliSurface();
    const standIn = tenantctlStandIn(mkdtempSync(path.join(tmpdir(), 'tenantctl-stand-in-')), { delegate: false });
    const runnerTemp = mkdtempSync(path.join(tmpdir(), 'runner-temp-'));
    for (const name of REUSABLE) {
      const log = path.join(mkdtempSync(path.join(tmpdir(), 'argv-')), 'log');
      const reviewed = path.join(mkdtempSync(path.join(tmpdir(), 'reviewed-')), 'plan.json');
      const run = await runJob({
        workflow: reusable(name).workflow,
        with: { ...callerWith(name), 'tenantctl-version': standIn },
        vars: { AZURE_TENANT_ID: 'tenant', AZURE_CLIENT_ID: 'client' },
        github: githubContext(EVENT[name]),
        workspace: mkdtempSync(path.join(tmpdir(), 'checkout-')),
        runnerTemp,
        runnerEnv: { TENANTCTL_ARGV_LOG: log },
        simulated: { reviewed: { 'plan-file': reviewed } },
      });
      expect(run.failed, name).toBe(false);
      lines.set(name, recordedInvocations(log).map((r) => [...r.args]));
    }
  }, 60_000);

  it.each(REUSABLE)('%s makes the action run its subcommands, in order, with subcommands and options that exist', (name) => {
    const invocations = lines.get(name) ?? [];
    expect(invocations.map((args) => args[0])).toEqual(EXPECTED[name].subcommands);
    for (const args of invocations) expect(checkInvocation(args, surface), args.join(' ')).toEqual([]);
  });

  it('would fail for a command, an option or a value that does not exist', () => {
    expect(checkInvocation(['plna', 'policies/'], surface)).toHaveLength(1);
    expect(checkInvocation(['plan', 'policies/', '--detailed-exit-code'], surface)).toHaveLength(1);
    expect(checkInvocation(['plan', '--format', 'html'], surface)).toHaveLength(1);
    expect(checkInvocation(['apply', 'plan.json', '--audit-log'], surface)).toHaveLength(1);
    expect(checkInvocation(['apply', 'plan.json', '--auto-approve=yes'], surface)).toHaveLength(1);
  });

  it('finds tenantctl in a script however it is written (so that no workflow script runs it around the action): npx, continuations, redirections, || code=$? and $( )', () => {
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
/** One identity for plan, drift and apply: DEMO_APP_ROLES, trusted from pull requests, main and the environment. */
const SINGLE = '5e1c0000-0000-4000-8000-0000000051e1';
const READER = '5e1c0000-0000-4000-8000-00000000c0de';
/** The read-only plan identity of docs/github-actions.md: the reading permissions of docs/permissions.md §2. */
const READER_ROLES = ['User.Read.All', 'LicenseAssignment.Read.All', 'MailboxSettings.Read', 'GroupMember.Read.All'];
const ENVIRONMENT = 'tenant-production';
const JWT = /eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/u;

/** Federated credentials for GitHub's subjects of the caller repository (docs/github-actions.md, "OIDC"). */
function trusting(issuer: string, contexts: readonly WorkflowContext[]) {
  return contexts.map((context, index) => ({ name: `github-${index}`, issuer, subject: githubSubject(context), audiences: ['api://AzureADTokenExchange'] }));
}
const PULL_REQUESTS: WorkflowContext = { eventName: 'pull_request' };
const MAIN: WorkflowContext = { ref: 'refs/heads/main' };
const IN_ENVIRONMENT: WorkflowContext = { environment: ENVIRONMENT };

/**
 * The tenant the example's policies declare, drifted so that a pipeline converges it
 * (test/support/drifted-tenant.ts), with the apps of docs/github-actions.md, none with a secret: the
 * writer (the demo app, trusted only from the environment), the read-only plan identity (trusted from
 * pull requests and main), and one identity trusted from all three.
 */
async function pipelineSeed(issuer: string, { readerInEnvironment = false } = {}): Promise<Seed> {
  const seed = await driftedSeed(path.join(repo, EXAMPLE), NOW, 'unused-secret', [
    { clientId: READER, roles: READER_ROLES, displayName: 'tenantctl plan (read-only)', federatedIdentityCredentials: trusting(issuer, [PULL_REQUESTS, MAIN, ...(readerInEnvironment ? [IN_ENVIRONMENT] : [])]) },
    { clientId: SINGLE, roles: [...DEMO_APP_ROLES], displayName: 'tenantctl', federatedIdentityCredentials: trusting(issuer, [PULL_REQUESTS, MAIN, IN_ENVIRONMENT]) },
  ]);
  const apps = seed.apps.map((app) => {
    if (app.clientId !== DEMO_CLIENT_ID) return app;
    const { clientSecret: _secret, ...writer } = app;
    return { ...writer, federatedIdentityCredentials: trusting(issuer, [IN_ENVIRONMENT]) };
  });
  return { ...seed, apps };
}

describe('the workflows\' jobs, in pipeline order, through the action against the emulator, signed in by OIDC', () => {
  let emulator: RunningEmulator;
  let oidc: LocalOidcIssuer;
  let seed: Seed;
  let standIn: string;
  let runnerTemp: string;
  beforeAll(async () => {
    oidc = await startOidcIssuer();
    seed = await pipelineSeed(oidc.url);
    emulator = await startEmulator({ seed, port: 0 });
    standIn = tenantctlStandIn(mkdtempSync(path.join(tmpdir(), 'tenantctl-from-checkout-')), { delegate: true });
    // One RUNNER_TEMP for every job, so that npm links the stand-in once.
    runnerTemp = mkdtempSync(path.join(tmpdir(), 'runner-temp-'));
  });
  afterAll(async () => {
    await emulator.close();
    await oidc.close();
  });

  /** A fresh tenant and a fresh copy of the example tenant repository, as the checkout step has it. */
  async function freshCheckout(tenant: Seed = seed): Promise<string> {
    await reseed(emulator.url, tenant);
    const dir = mkdtempSync(path.join(tmpdir(), 'tenant-repo-'));
    cpSync(path.join(repo, EXAMPLE), dir, { recursive: true });
    return dir;
  }

  /** A job's run, with the tenantctl command lines the action ran in it. */
  type TracedJob = JobRun & { argv: string[][] };

  interface Variables {
    readonly vars: Record<string, string>;
    readonly environmentVars?: Record<string, Record<string, string>>;
  }

  /**
   * Runs a reusable workflow's job as the example repository calls it, with its variables: the job's
   * OIDC token describes the run (a pull request, main, or the job's environment), and GitHub hands
   * the job ACTIONS_ID_TOKEN_REQUEST_URL and _TOKEN only with `permissions: id-token: write`.
   */
  async function job(name: Name, checkout: string, variables: Variables, simulated: Record<string, Record<string, string>> = {}): Promise<TracedJob> {
    const { workflow } = reusable(name);
    const withs = { ...callerWith(name), 'tenantctl-version': standIn };
    const github = githubContext(EVENT[name]);
    const environment = jobEnvironment(workflow, withs, variables.vars, github);
    oidc.requestTokenOptions = { context: environment !== undefined ? { environment } : EVENT[name] === 'pull_request' ? PULL_REQUESTS : MAIN };
    const oidcEnv = jobOf(workflow).permissions?.['id-token'] === 'write' ? { ACTIONS_ID_TOKEN_REQUEST_URL: oidc.requestUrl, ACTIONS_ID_TOKEN_REQUEST_TOKEN: oidc.requestToken } : {};
    const log = path.join(mkdtempSync(path.join(tmpdir(), 'argv-')), 'log');
    const run = await runJob({
      workflow,
      with: withs,
      ...variables,
      github,
      workspace: checkout,
      runnerTemp,
      runnerEnv: { ...oidcEnv, TENANTCTL_GRAPH_URL: emulator.url, TENANTCTL_NOW: NOW, TENANTCTL_ARGV_LOG: log },
      simulated,
    });
    for (const { stdout, stderr } of actionRuns(run)) {
      expect(stdout + stderr).not.toMatch(JWT);
      expect(stdout + stderr).not.toContain(oidc.requestToken);
    }
    return { ...run, argv: recordedInvocations(log).map((r) => [...r.args]) };
  }

  const file = (p: string | undefined): string => readFileSync(p ?? '', 'utf8');
  const outputsOf = (run: JobRun, id: string): Readonly<Record<string, string>> => stepNamed(run, id)?.action?.outputs ?? {};

  /** The plan job: validate, then a plan with changes (exit 2) in markdown, saved and uploaded under the pull request and head commit. */
  async function planJob(checkout: string, variables: Variables): Promise<{ run: TracedJob; markdown: string; saved: string; savedPlan: Plan; writePermissions: string[] }> {
    const run = await job('plan.yml', checkout, variables);
    expect(run.ran).toBe(true);
    expect(outputsOf(run, 'validate')['exit-code'], stepNamed(run, 'validate')?.action?.stderr).toBe('0');
    const plan = outputsOf(run, 'plan');
    expect(plan['exit-code'], stepNamed(run, 'plan')?.action?.stderr).toBe('2');
    expect(plan['has-changes']).toBe('true');
    expect(run.failed).toBe(false);
    expect(stepNamed(run, 'plan')?.with).toMatchObject({ 'plan-file': 'plan.json', policy: 'policies/', 'working-directory': '.' });
    const saved = plan['plan-file'] ?? '';
    expect(saved).toBe(path.join(realpathSync(checkout), 'plan.json'));
    expect(uploads(run)).toEqual([{ name: `tenantctl-plan-pr${PR}-${HEAD_SHA}`, path: saved }]);
    expect(run.steps.find((s) => s.name === 'Comment on the pull request')?.outcome).toBe('not-run');
    expect(run.steps.find((s) => s.name === 'Fail on errors')?.outcome).toBe('skipped');
    const markdown = file(plan['stdout-file']);
    expect(markdown).toMatch(/^## Plan: \d+ to restore/u);
    expect(markdown).toContain('| action | count |');
    expect(markdown.length).toBeLessThan(GITHUB_COMMENT_MAX_CHARS);
    const savedPlan = JSON.parse(file(saved)) as Plan;
    expect(savedPlan.changes.length).toBeGreaterThan(0);
    const writePermissions = [...new Set(writeNeeds(savedPlan.changes.map((c) => c.action)).map((n) => n.permission))].sort();
    return { run, markdown, saved, savedPlan, writePermissions };
  }

  /** What the apply job's download step leaves: the artifact's plan.json, unchanged, in a directory of its own. */
  function downloadArtifact(saved: string): Record<string, Record<string, string>> {
    const dir = mkdtempSync(path.join(runnerTemp, 'reviewed-plan-'));
    copyFileSync(saved, path.join(dir, 'plan.json'));
    return { reviewed: { 'plan-file': path.join(dir, 'plan.json') } };
  }

  /** The apply job's outcome: every change of the saved plan applied, one audit line each, the audit log uploaded. */
  function expectApplied(run: JobRun, checkout: string, plan: Plan): void {
    expect(run.environment).toBe(ENVIRONMENT);
    const apply = outputsOf(run, 'apply');
    expect(apply['exit-code'], stepNamed(run, 'apply')?.action?.stderr).toBe('0');
    expect(apply['has-changes']).toBe('true');
    expect(run.failed).toBe(false);
    expect(file(apply['stdout-file'])).toMatch(/^Apply complete: /mu);
    const [upload] = uploads(run);
    expect(upload).toEqual({ name: `tenantctl-audit-${MERGE_SHA}-1`, path: './audit.jsonl' });
    const audit = file(path.join(checkout, upload?.path ?? '')).trim().split('\n').map((line) => JSON.parse(line) as { outcome: string });
    expect(audit).toHaveLength(plan.changes.length);
    expect(new Set(audit.map((a) => a.outcome))).toEqual(new Set(['applied']));
  }

  /** The drift job after the apply: no drift (exit 0), nothing uploaded, the issue would be closed. */
  async function expectNoDrift(checkout: string, variables: Variables): Promise<TracedJob> {
    const run = await job('drift.yml', checkout, variables);
    const plan = outputsOf(run, 'plan');
    expect(plan['exit-code'], stepNamed(run, 'plan')?.action?.stderr).toBe('0');
    expect(plan['has-changes']).toBe('false');
    expect(file(plan['stdout-file'])).toContain('No changes');
    expect(file(plan['stdout-file'])).not.toContain('missing-permission');
    expect(uploads(run)).toEqual([]);
    expect(run.failed).toBe(false);
    return run;
  }

  it('uses the demo app with exactly the permissions of docs/permissions.md §2 as the writing identity, and no app has a secret', () => {
    expect(seed.apps.find((a) => a.clientId === DEMO_CLIENT_ID)?.roles).toEqual(DEMO_APP_ROLES);
    expect(DEMO_APP_ROLES).toEqual(expect.arrayContaining(READER_ROLES));
    expect(seed.apps.filter((a) => a.clientSecret !== undefined)).toEqual([]);
  });

  it('one identity: plan (validate, then the drift: exit 2, markdown) → apply of the saved plan → drift (none: exit 0); applying that drift plan changes nothing', async () => {
    const checkout = await freshCheckout();
    const variables = { vars: { AZURE_TENANT_ID: seed.tenantId, AZURE_CLIENT_ID: SINGLE } };
    const tokensBefore = emulator.tokenRequests().length;
    const { run: plan, markdown, saved, savedPlan } = await planJob(checkout, variables);
    expect(markdown).not.toContain('missing-permission');

    const apply = await job('apply.yml', checkout, variables, downloadArtifact(saved));
    expectApplied(apply, checkout, savedPlan);

    const drift = await expectNoDrift(checkout, variables);
    const nothing = await job('apply.yml', checkout, variables, downloadArtifact(outputsOf(drift, 'plan')['plan-file'] ?? ''));
    expect(outputsOf(nothing, 'apply')).toMatchObject({ 'exit-code': '0', 'has-changes': 'false' });
    expect(file(outputsOf(nothing, 'apply')['stdout-file'])).toContain('Nothing to apply.');

    expect([plan, apply, drift, nothing].flatMap((r) => r.argv.map((args) => args[0]))).toEqual(['validate', 'plan', 'apply', 'plan', 'apply']);
    const tokens = emulator.tokenRequests().slice(tokensBefore);
    expect(tokens.length).toBeGreaterThan(0);
    expect(tokens.every((t) => t.clientId === SINGLE && t.clientAuthentication === 'client_assertion' && t.status === 200)).toBe(true);
  });

  it('read-only plan identity (repository variable) and writer (environment variable): the plan names the write permissions it lacks as warnings → the writer applies the saved plan in the environment → no drift', async () => {
    const checkout = await freshCheckout();
    const variables = { vars: { AZURE_TENANT_ID: seed.tenantId, AZURE_CLIENT_ID: READER }, environmentVars: { [ENVIRONMENT]: { AZURE_CLIENT_ID: DEMO_CLIENT_ID } } };
    const tokensBefore = emulator.tokenRequests().length;
    const { run: plan, markdown, saved, savedPlan, writePermissions } = await planJob(checkout, variables);
    expect(plan.env.AZURE_CLIENT_ID).toBe(READER);
    expect(writePermissions).toEqual(['LicenseAssignment.ReadWrite.All', 'User.DeleteRestore.All', 'User.ReadWrite.All']);
    // In the review (the pull-request comment, the drift issue): one warning per write permission, none an error.
    for (const permission of writePermissions) expect(markdown).toMatch(new RegExp(`\\| warning \\| \`missing-permission\` \\| [^|]*\\| these credentials lack the application permission ${permission.replaceAll('.', '\\.')}, needed to apply this plan`, 'u'));
    const missing = savedPlan.diagnostics.filter((d) => d.code === 'missing-permission');
    expect(missing.map((d) => d.severity)).toEqual(writePermissions.map(() => 'warning'));
    expect(savedPlan.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);

    const apply = await job('apply.yml', checkout, variables, downloadArtifact(saved));
    expect(apply.env.AZURE_CLIENT_ID).toBe(DEMO_CLIENT_ID);
    expectApplied(apply, checkout, savedPlan);

    const drift = await expectNoDrift(checkout, variables);
    expect(drift.env.AZURE_CLIENT_ID).toBe(READER);
    const tokens = emulator.tokenRequests().slice(tokensBefore).filter((t) => t.status === 200);
    expect(new Set(tokens.map((t) => t.clientId))).toEqual(new Set([READER, DEMO_CLIENT_ID]));
    expect(tokens.every((t) => t.clientAuthentication === 'client_assertion')).toBe(true);
  });

  it('read-only plan identity as the apply identity: apply refuses the saved plan, naming the permissions, fails the job and writes nothing', async () => {
    const checkout = await freshCheckout(await pipelineSeed(oidc.url, { readerInEnvironment: true }));
    const variables = { vars: { AZURE_TENANT_ID: seed.tenantId, AZURE_CLIENT_ID: READER }, environmentVars: { [ENVIRONMENT]: { AZURE_CLIENT_ID: READER } } };
    const { saved, writePermissions } = await planJob(checkout, variables);
    const before = await readState(emulator.url);
    const since = await lastSeq(emulator.url);

    const apply = await job('apply.yml', checkout, variables, downloadArtifact(saved));
    const run = stepNamed(apply, 'apply')?.action;
    expect(run?.outputs['exit-code'], run?.stderr).toBe('1');
    expect(run?.exitCode).toBe(1);
    expect(apply.failed).toBe(true);
    const stderr = file(run?.outputs['stderr-file']);
    expect(stderr).toContain('Nothing was changed.');
    expect(stderr).toContain('these credentials cannot make the plan\'s changes');
    for (const permission of writePermissions) expect(stderr).toContain(permission);
    expect(file(run?.outputs['stdout-file'])).not.toMatch(/^Apply complete/mu);
    // The summary and the audit-log upload still run (if: !cancelled()); there is no audit log.
    expect(apply.steps.find((s) => s.name === 'Summarise')?.outcome).toBe('not-run');
    expect(uploads(apply)).toHaveLength(1);
    expect(existsSync(path.join(checkout, 'audit.jsonl'))).toBe(false);

    const requests = await requestsSince(emulator.url, since);
    expect(requests.length).toBeGreaterThan(0);
    expect(writesIn(requests)).toEqual([]);
    expect(await readState(emulator.url)).toEqual(before);
  });

  it('the writer, trusted only from the environment, cannot sign in from a pull request: the plan fails, nothing is uploaded, the job fails', async () => {
    const checkout = await freshCheckout();
    const run = await job('plan.yml', checkout, { vars: { AZURE_TENANT_ID: seed.tenantId, AZURE_CLIENT_ID: DEMO_CLIENT_ID } });
    expect(outputsOf(run, 'validate')['exit-code']).toBe('0');
    const plan = outputsOf(run, 'plan');
    expect(plan['exit-code']).toBe('1');
    expect(plan['plan-file']).toBe('');
    expect(emulator.tokenRequests().at(-1)).toMatchObject({ clientId: DEMO_CLIENT_ID, clientAuthentication: 'client_assertion' });
    expect(emulator.tokenRequests().at(-1)?.status).not.toBe(200);
    expect(uploads(run)).toEqual([]);
    expect(run.steps.find((s) => s.name === 'Comment on the pull request')?.outcome).toBe('not-run');
    expect(run.steps.find((s) => s.name === 'Fail on errors')?.outcome).toBe('not-run');
    expect(existsSync(path.join(checkout, 'plan.json'))).toBe(false);
  });
});
