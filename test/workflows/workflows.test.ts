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
 *   the GitHub token only in the steps that call gh, strict shell steps without expressions in
 *   scripts, one plan comment found by its marker, the plan uploaded under the pull request and head
 *   commit, apply of that plan only, in the environment, one at a time, the audit log uploaded, the
 *   drift issue, and names kept apart per tenant (input `tenant`). The scripts that talk to GitHub run
 *   against a fake GitHub in github-steps.test.ts.
 * - Every tenantctl command line the workflows make the action run exists (checked against
 *   `tenantctl … --help`). The jobs themselves run, through the action and this checkout's tenantctl,
 *   against the emulator in pipeline.test.ts.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { GITHUB_COMMENT_MAX_CHARS } from '../../src/render/plan-markdown.ts';
import { runTenantctl } from '../support/cli.ts';
import { readCompositeAction, substituteExpressions } from '../support/composite-action.ts';
import { checkInvocation, readCliSurface, recordedInvocations, runnerWithStandIn, schemaErrors, splitShellCommands, tenantctlInvocations } from '../support/workflow-commands.ts';
import { FakeGitHub } from './fake-github.ts';
import type { Job, Scalar, Step, Workflow } from './workflow-jobs.ts';
import {
  ACTION_REF, CALLER_REPOSITORY, EVENT, HEAD_SHA, MERGE_SHA, PR, callInputs, concurrencyGroup, expressionsIn, githubContext, jobEnv, lookupIn, onlyJob,
  packageVersion, readWorkflowFile, repo, resolveCallInputs, runJob,
} from './workflow-jobs.ts';

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

  it('has a package.json that pins this release of tenantctl (npx tenantctl there runs it), private, on Node.js 22.12 or newer', () => {
    const manifest = JSON.parse(readFileSync(path.join(repo, EXAMPLE, 'package.json'), 'utf8')) as Record<string, unknown>;
    expect(manifest).toMatchObject({ private: true, devDependencies: { tenantctl: packageVersion }, engines: { node: '>=22.12.0' } });
    expect(manifest.dependencies).toBeUndefined();
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

  it('names tenantctl\'s release as package.json does wherever it refers to it (uses: …@v, tags in URLs, npm specs and the example\'s package.json), here, in README.md and in docs/*.md', () => {
    const docs = readdirSync(path.join(repo, 'docs')).filter((f) => f.endsWith('.md')).map((f) => path.join(repo, 'docs', f));
    const files = [
      ...readdirSync(path.join(repo, EXAMPLE), { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name)),
      ...workflowFiles('.github/workflows').map((f) => path.join(repo, f)),
      path.join(repo, 'README.md'),
      ...docs,
    ];
    expect(docs).toContain(path.join(repo, 'docs/github-actions.md'));
    const refs = files.flatMap((f) => [...readFileSync(f, 'utf8').matchAll(/tenantctl\/tenantctl(?:\/[^\s@)`'"]*)?[@/]v(\d+\.\d+\.\d+)|\btenantctl@(\d+\.\d+\.\d+)|"tenantctl": "(\d+\.\d+\.\d+)"/gu)]
      .map((m) => `${path.relative(repo, f)}: ${m[0]} → ${m[1] ?? m[2] ?? m[3]}`));
    expect(refs.length).toBeGreaterThan(10);
    expect(refs.filter((ref) => ref.startsWith('README.md: ')).length).toBeGreaterThan(0);
    expect(refs.filter((ref) => ref.startsWith(`${EXAMPLE}/package.json: `))).toEqual([`${EXAMPLE}/package.json: "tenantctl": "${packageVersion}" → ${packageVersion}`]);
    expect(refs.filter((ref) => !ref.endsWith(` → ${packageVersion}`))).toEqual([]);
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

  it('signs in by workload identity federation from the caller\'s variables (the tenant id: the input tenant-id, else the variable), never a stored secret, and skips while unconfigured (neither)', async () => {
    expect(text).not.toMatch(/secrets\./u);
    expect(text).not.toContain('AZURE_CLIENT_SECRET');
    expect(text).not.toMatch(/AZURE_CLIENT_CERTIFICATE|AZURE_FEDERATED_TOKEN_FILE/u);
    expect(job.env).toMatchObject({ AZURE_TENANT_ID: '${{ inputs.tenant-id || vars.AZURE_TENANT_ID }}', AZURE_CLIENT_ID: '${{ vars.AZURE_CLIENT_ID }}' });
    // Gated on a variable the job-level if: can see (the repository's), not on AZURE_CLIENT_ID, which
    // the apply identity sets on the environment only (github-steps.test.ts runs that case).
    expect(job.if).toMatch(/^\(inputs\.tenant-id != '' \|\| vars\.AZURE_TENANT_ID != ''\)/u);
    for (const vars of [{}, { AZURE_CLIENT_ID: 'a-client' }]) {
      const unconfigured = await runJob({ workflow, with: callerWith(name), vars, github: githubContext(EVENT[name]), workspace: tmpdir(), runnerTemp: tmpdir() });
      expect(unconfigured.ran).toBe(false);
    }
  });

  it('hands the GitHub token (GH_TOKEN) only to the steps whose script calls gh: not to the job, so neither npm nor tenantctl ever holds it', () => {
    expect(Object.keys(job.env ?? {})).not.toContain('GH_TOKEN');
    expect(Object.keys(workflow.env ?? {})).not.toContain('GH_TOKEN');
    const callsGh = (step: Step): boolean => step.run !== undefined && splitShellCommands(step.run).some((c) => c.words[0] === 'gh');
    expect(steps.filter(callsGh).length).toBeGreaterThan(0);
    for (const step of steps) {
      expect(step.env?.GH_TOKEN !== undefined, step.name ?? step.uses).toBe(callsGh(step));
      if (step.env?.GH_TOKEN !== undefined) expect(step.env.GH_TOKEN).toBe('${{ github.token }}');
    }
    expect(expressionsIn(text).filter((e) => /\bgithub\.token\b/u.test(e))).toHaveLength(steps.filter(callsGh).length);
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
  /** A `uses:` step's `with:` value, evaluated as GitHub would (inputs and github; env from the job). */
  const evaluatedWith = (name: Name, step: Step | undefined, key: string, given: Record<string, Scalar> = {}): string => {
    const { workflow } = reusable(name);
    const github = githubContext(EVENT[name]);
    const env = jobEnv(workflow, given, {}, github);
    return substituteExpressions(String(step?.with?.[key] ?? ''), lookupIn({ inputs: resolveCallInputs(workflow, given), github, env }));
  };

  it('plan: one plan at a time per pull request; comments once per pull request (found again by its marker), within GitHub\'s limit; then uploads the saved plan under the pull request and head commit, whenever a plan was made', () => {
    const { workflow } = reusable('plan.yml');
    const job = jobOf(workflow);
    expect(job.if).toBe("(inputs.tenant-id != '' || vars.AZURE_TENANT_ID != '') && github.event.pull_request.head.repo.full_name == github.repository");
    expect(concurrencyGroup(workflow, {}, {}, githubContext('pull_request'))).toBe(`tenantctl-plan-${PR}`);
    expect(job.concurrency?.['cancel-in-progress']).toBe(true);
    const env = jobEnv(workflow, {}, {}, githubContext('pull_request'));
    expect(env.COMMENT_MARKER).toBe('<!-- tenantctl-plan -->');
    const comment = job.steps?.find((s) => s.run?.includes('comment.json'))?.run ?? '';
    expect(comment).toContain('echo "$COMMENT_MARKER"');
    expect(comment).toContain('startswith($marker)');
    expect(comment).toMatch(/--method PATCH/u);
    const guard = Number(/length' comment\.md\) > (\d+)/u.exec(comment)?.[1]);
    expect(guard).toBeLessThanOrEqual(GITHUB_COMMENT_MAX_CHARS);
    expect(env.PLAN_ARTIFACT).toBe(`tenantctl-plan-pr${PR}-${HEAD_SHA}`);
    const steps = job.steps ?? [];
    const uploadAt = steps.findIndex((s) => s.uses?.startsWith('actions/upload-artifact@'));
    const upload = steps[uploadAt];
    expect(upload?.with).toMatchObject({ name: '${{ env.PLAN_ARTIFACT }}', path: '${{ steps.plan.outputs.plan-file }}', 'if-no-files-found': 'error' });
    // Whenever a plan was made, errors or not; and after the comment, so that a plan artifact is always one that was posted.
    expect(upload?.if).toBe("steps.plan.outputs.planned == 'true'");
    expect(uploadAt).toBeGreaterThan(steps.findIndex((s) => s.name === 'Comment on the pull request'));
    expect(actionSteps(workflow).find((s) => s.id === 'plan')?.with).toMatchObject({ 'plan-file': 'plan.json', args: '--format markdown' });
    // Errors (in the policy, in the plan, or no plan) fail the job: a required check blocks the merge.
    expect(steps.at(-1)).toMatchObject({ name: 'Fail on errors', if: "steps.validate.outputs.exit-code != '0' || (steps.plan.outputs.exit-code != '0' && steps.plan.outputs.exit-code != '2')" });
  });

  it('apply: in the caller\'s environment (default tenant-production), one at a time, only the artifact of the merged pull request\'s latest finished plan run, uploading the audit log', () => {
    const { workflow } = reusable('apply.yml');
    const job = jobOf(workflow);
    expect(job.environment).toBe('${{ inputs.environment }}');
    expect(callInputs(workflow).environment?.default).toBe('tenant-production');
    expect(concurrencyGroup(workflow, {}, {}, githubContext('push'))).toBe('tenantctl-apply');
    expect(job.concurrency?.['cancel-in-progress']).toBe(false);
    const download = job.steps?.find((s) => s.id === 'reviewed')?.run ?? '';
    expect(download).toContain('actions/workflows/$PLAN_WORKFLOW/runs?event=pull_request&status=completed&head_sha=$head_sha');
    expect(download).toContain('select(.conclusion == "success" or .conclusion == "failure")');
    expect(download).toContain('select(.merged_at != null and .merge_commit_sha == $sha)');
    const apply = actionSteps(workflow)[0];
    expect(apply?.with).toMatchObject({ command: 'apply', 'plan-file': '${{ steps.reviewed.outputs.plan-file }}', args: '--auto-approve --audit-log audit.jsonl' });
    expect(apply?.['continue-on-error']).toBeUndefined();
    const upload = job.steps?.find((s) => s.uses?.startsWith('actions/upload-artifact@'));
    expect(upload).toMatchObject({ if: '${{ !cancelled() }}', with: { path: '${{ inputs.working-directory }}/audit.jsonl' } });
    expect(evaluatedWith('apply.yml', upload, 'name')).toBe(`tenantctl-audit-${MERGE_SHA}-1`);
  });

  it('drift: one at a time; opens or updates the labelled issue when a plan was made with changes or errors, closes it on none, says "unknown" only when no plan was made; errors fail the job', () => {
    const { workflow } = reusable('drift.yml');
    const job = jobOf(workflow);
    expect(concurrencyGroup(workflow, {}, {}, githubContext('schedule'))).toBe('tenantctl-drift');
    expect(callInputs(workflow).label?.default).toBe('tenant-drift');
    expect(jobEnv(workflow, {}, {}, githubContext('schedule')).DRIFT_LABEL).toBe('tenant-drift');
    const report = job.steps?.find((s) => s.run?.includes('gh issue'))?.run ?? '';
    const branches = [...(/case "\$PLANNED:\$PLAN_EXIT" in\n([\s\S]*)\n\s*esac/u.exec(report)?.[1] ?? '').matchAll(/^\s*(\S+)\)$/gmu)].map((m) => m[1]);
    expect(branches).toEqual(['true:0', 'true:*', '*']);
    expect(report).toMatch(/true:0\)[\s\S]*gh issue close[\s\S]*true:\*\)[\s\S]*gh issue create[\s\S]*exit 1[\s\S]*\*\)[\s\S]*unknown[\s\S]*exit 1/u);
    expect(job.steps?.find((s) => s.uses?.startsWith('actions/upload-artifact@'))?.if).toBe("steps.plan.outputs.planned == 'true' && steps.plan.outputs.exit-code != '0'");
  });

  it('several tenants in one repository: the input tenant keeps concurrency groups, the comment marker, the artifacts and the drift label apart; without it every name is as before', () => {
    const names = (tenant: string): Record<string, string | undefined> => {
      const given = tenant === '' ? {} : { tenant };
      const named: Record<string, string | undefined> = {};
      for (const name of REUSABLE) {
        const { workflow } = reusable(name);
        const github = githubContext(EVENT[name]);
        named[`${name} group`] = concurrencyGroup(workflow, given, {}, github);
        const env = jobEnv(workflow, given, {}, github);
        for (const key of ['COMMENT_MARKER', 'PLAN_ARTIFACT', 'DRIFT_LABEL']) if (env[key] !== undefined) named[`${name} ${key}`] = env[key];
        for (const upload of jobOf(workflow).steps?.filter((s) => s.uses?.startsWith('actions/upload-artifact@')) ?? []) named[`${name} upload`] = evaluatedWith(name, upload, 'name', given);
      }
      return named;
    };
    expect(names('')).toEqual({
      'plan.yml group': `tenantctl-plan-${PR}`,
      'plan.yml COMMENT_MARKER': '<!-- tenantctl-plan -->',
      'plan.yml PLAN_ARTIFACT': `tenantctl-plan-pr${PR}-${HEAD_SHA}`,
      'plan.yml upload': `tenantctl-plan-pr${PR}-${HEAD_SHA}`,
      'apply.yml group': 'tenantctl-apply',
      'apply.yml upload': `tenantctl-audit-${MERGE_SHA}-1`,
      'drift.yml group': 'tenantctl-drift',
      'drift.yml DRIFT_LABEL': 'tenant-drift',
      'drift.yml upload': 'tenantctl-drift-plan-4711',
    });
    expect(names('contoso')).toEqual({
      'plan.yml group': `tenantctl-plan-contoso-${PR}`,
      'plan.yml COMMENT_MARKER': '<!-- tenantctl-plan:contoso -->',
      'plan.yml PLAN_ARTIFACT': `tenantctl-plan-contoso-pr${PR}-${HEAD_SHA}`,
      'plan.yml upload': `tenantctl-plan-contoso-pr${PR}-${HEAD_SHA}`,
      'apply.yml group': 'tenantctl-apply-contoso',
      'apply.yml upload': `tenantctl-audit-contoso-${MERGE_SHA}-1`,
      'drift.yml group': 'tenantctl-drift-contoso',
      'drift.yml DRIFT_LABEL': 'tenant-drift-contoso',
      'drift.yml upload': 'tenantctl-drift-plan-contoso-4711',
    });
    for (const name of REUSABLE) expect(callInputs(reusable(name).workflow).tenant).toMatchObject({ type: 'string', default: '' });
  });

  it('plan and drift take tenantctl plan\'s exit code as it is (0 no changes, 2 changes, 1 errors: with a plan or without), always save the plan, and nothing edits a saved plan', () => {
    const run = action.runs.steps.find((s) => s.id === 'run')?.run ?? '';
    expect(run).toContain('argv=(plan "${policy[@]}" --out "$plan_file" --detailed-exitcode)');
    expect(run).toContain('if [[ "$code" != 0 && "$COMMAND:$code" != plan:2 ]]; then exit "$code"; fi');
    for (const file of [...REUSABLE.map((n) => reusable(n).text), readFileSync(path.join(repo, 'action.yml'), 'utf8')]) expect(file).not.toMatch(/jq[^\n]*plan\.json/u);
  });
});

// ---- the command lines -------------------------------------------------------------------------------


/**
 * A GitHub holding pull request PR (head HEAD_SHA, merged as MERGE_SHA) and, when given a plan file,
 * a finished plan.yml run for its head commit whose artifact is that plan, as plan.yml uploads it.
 */
function gitHubWithReviewedPlan(plan?: string, runId = 4700): FakeGitHub {
  const gitHub = new FakeGitHub(CALLER_REPOSITORY);
  gitHub.pullRequest(HEAD_SHA, { number: PR, mergeSha: MERGE_SHA });
  if (plan !== undefined) {
    gitHub.workflowRun({ id: runId, workflow: 'plan.yml', head_sha: HEAD_SHA, conclusion: 'success', run_started_at: '2026-11-22T09:00:00Z' });
    gitHub.uploadArtifact(runId, `tenantctl-plan-pr${PR}-${HEAD_SHA}`, plan);
  }
  return gitHub;
}

describe('every tenantctl command line the workflows run', () => {
  // Each piece of work is started by the first test that needs it, once, and never by a hook: a job's
  // run is as long as its steps, and belongs to the test that reads its command lines.
  let surface: ReturnType<typeof readCliSurface> | undefined;
  const cliSurface = (): ReturnType<typeof readCliSurface> => (surface ??= readCliSurface());
  let runner: ReturnType<typeof runnerWithStandIn> | undefined;
  const jobs = new Map<Name, Promise<string[][]>>();

  /** The command lines the action ran for a reusable workflow's job, as the stand-in recorded them. */
  function commandLinesOf(name: Name): Promise<string[][]> {
    let lines = jobs.get(name);
    if (!lines) {
      lines = (async () => {
        const { standIn, runnerTemp } = (runner ??= runnerWithStandIn({ delegate: false }));
        const log = path.join(mkdtempSync(path.join(tmpdir(), 'argv-')), 'log');
        const reviewed = path.join(mkdtempSync(path.join(tmpdir(), 'reviewed-')), 'plan.json');
        writeFileSync(reviewed, '{"changes": []}\n');
        const run = await runJob({
          workflow: reusable(name).workflow,
          with: { ...callerWith(name), 'tenantctl-version': standIn },
          vars: { AZURE_TENANT_ID: 'tenant', AZURE_CLIENT_ID: 'client' },
          github: githubContext(EVENT[name]),
          workspace: mkdtempSync(path.join(tmpdir(), 'checkout-')),
          runnerTemp,
          runnerEnv: { TENANTCTL_ARGV_LOG: log },
          gitHub: gitHubWithReviewedPlan(reviewed),
        });
        expect(run.failed, `${name}: ${run.steps.map((s) => `${s.name ?? s.uses}: ${s.outcome} ${s.stderr ?? ''}`).join('\n')}`).toBe(false);
        return recordedInvocations(log).map((r) => [...r.args]);
      })();
      jobs.set(name, lines);
    }
    return lines;
  }

  it.each(REUSABLE)('%s makes the action run its subcommands, in order, with subcommands and options that exist', async (name) => {
    const [invocations, known] = await Promise.all([commandLinesOf(name), cliSurface()]);
    expect(invocations.map((args) => args[0])).toEqual(EXPECTED[name].subcommands);
    for (const args of invocations) expect(checkInvocation(args, known), args.join(' ')).toEqual([]);
  });

  it('would fail for a command, an option or a value that does not exist', async () => {
    const known = await cliSurface();
    expect(checkInvocation(['plna', 'policies/'], known)).toHaveLength(1);
    expect(checkInvocation(['plan', 'policies/', '--detailed-exit-code'], known)).toHaveLength(1);
    expect(checkInvocation(['plan', '--format', 'html'], known)).toHaveLength(1);
    expect(checkInvocation(['apply', 'plan.json', '--audit-log'], known)).toHaveLength(1);
    expect(checkInvocation(['apply', 'plan.json', '--auto-approve=yes'], known)).toHaveLength(1);
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
