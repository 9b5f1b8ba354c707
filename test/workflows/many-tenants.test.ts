/**
 * Many tenants from one repository on GitHub Actions (docs/github-actions.md "Many tenants"): the
 * example repository examples/many-tenants/ (tenants/<name>/, common/, three workflows that list the
 * tenants with `tenantctl tenants --matrix` and call the reusable workflows once per tenant through a
 * strategy.matrix), and what the reusable workflows do with the inputs such a caller passes
 * (tenant, tenant-id, policy, environment).
 *
 * - The example's files are valid (GitHub's schemas, tenantctl validate) and its jobs fit the reusable
 *   workflows (inputs, permissions, the tag of this release), one job per tenant that never cancels
 *   another, skipped when no tenant is listed.
 * - The scripts that list the tenants run here, in a Git repository made from the example, with this
 *   checkout's tenantctl as `npx tenantctl`: the matrix of a pull request that changes one tenant, a
 *   shared file, nothing; of a push; of the daily drift check; an invalid tenant listed and failing.
 * - Each matrix entry, passed to a reusable workflow, gives that tenant its own sign-in tenant, policy,
 *   concurrency group, comment, artifacts and drift label; a tenant-id that is no GUID, or that
 *   differs from the variable AZURE_TENANT_ID (the environment's), is refused before anything is read.
 */
import { execFile } from 'node:child_process';
import { chmodSync, cpSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { runTenantctl } from '../support/cli.ts';
import { machineEnvironment, parseCommandFile, runBash, substituteExpressions } from '../support/composite-action.ts';
import { checkInvocation, nodeForSources, readCliSurface, runnerWithStandIn, schemaErrors, tenantctlInvocations } from '../support/workflow-commands.ts';
import type { Job, Scalar, Workflow } from './workflow-jobs.ts';
import { EVENT, callInputs, concurrencyGroup, githubContext, jobEnv, lookupIn, onlyJob, packageVersion, readWorkflowFile, repo, runJob, stepOf } from './workflow-jobs.ts';

const EXAMPLE = 'examples/many-tenants';
const NAMES = ['plan.yml', 'apply.yml', 'drift.yml'] as const;
type Name = (typeof NAMES)[number];
/** The job of each example workflow that calls the reusable workflow, once per tenant. */
const MATRIX_JOB: Readonly<Record<Name, string>> = { 'plan.yml': 'plan', 'apply.yml': 'apply', 'drift.yml': 'drift' };
const example = (name: Name) => readWorkflowFile(`${EXAMPLE}/.github/workflows/${name}`);
const reusable = (name: Name): Workflow => readWorkflowFile(`.github/workflows/${name}`).workflow;
const jobs = (name: Name): Readonly<Record<string, Job>> => example(name).workflow.jobs as Readonly<Record<string, Job>>;
const IDS = { acme: '8f3c1a52-0000-4000-8000-0000000ac3e1', contoso: '3b9e27c4-0000-4000-8000-0000c0de7050' } as const;
const entry = (name: keyof typeof IDS): Record<string, string> => ({ tenant: name, tenantId: IDS[name], path: `tenants/${name}` });
const run = promisify(execFile);

interface MatrixJob extends Job {
  readonly strategy?: { readonly 'fail-fast'?: boolean; readonly 'max-parallel'?: number; readonly matrix?: string };
}

describe('the many-tenant example repository', () => {
  it('holds tenants/acme, tenants/contoso, common/licenses.yaml, three workflows, a README and the package.json of this release', () => {
    expect(readdirSync(path.join(repo, EXAMPLE, 'tenants')).sort()).toEqual(['acme', 'contoso']);
    expect(readdirSync(path.join(repo, EXAMPLE, 'common'))).toEqual(['licenses.yaml']);
    expect(readdirSync(path.join(repo, EXAMPLE, '.github/workflows')).sort()).toEqual([...NAMES].sort());
    expect(readFileSync(path.join(repo, EXAMPLE, 'README.md'), 'utf8')).toMatch(/## Credentials/u);
    const manifest = JSON.parse(readFileSync(path.join(repo, EXAMPLE, 'package.json'), 'utf8')) as Record<string, unknown>;
    expect(manifest).toMatchObject({ private: true, devDependencies: { tenantctl: packageVersion }, engines: { node: '>=22.12.0' } });
  });

  it('its tenants\' policies are valid (each, and all with validate --tenants), each with its tenant id, and include the shared file; `tenantctl tenants` lists them', async () => {
    const cwd = path.join(repo, EXAMPLE);
    for (const tenant of ['acme', 'contoso'] as const) {
      const text = readFileSync(path.join(cwd, 'tenants', tenant, 'tenant.yaml'), 'utf8');
      expect(text).toContain(`id: ${IDS[tenant]}`);
      expect(text).toMatch(/include:\n {2}- \.\.\/\.\.\/common\/licenses\.yaml\n/u);
      const validate = await runTenantctl(['validate', `tenants/${tenant}`], { cwd });
      expect(validate.code, validate.stdout + validate.stderr).toBe(0);
      expect(validate.stdout).toMatch(/^Valid: 3 files/u);
    }
    const all = await runTenantctl(['validate', '--tenants', 'tenants'], { cwd });
    expect(all.code, all.stdout + all.stderr).toBe(0);
    expect(all.stdout).toContain('== acme (tenants/acme) ==');
    expect(all.stdout).toContain('== contoso (tenants/contoso) ==');
    const listed = await runTenantctl(['tenants', '--matrix'], { cwd });
    expect(listed).toEqual({ code: 0, stderr: '', stdout: `${JSON.stringify({ include: [entry('acme'), entry('contoso')] })}\n` });
    for (const file of ['common/licenses.yaml', 'tenants/acme/tenant.yaml', 'tenants/acme/people.yaml', 'tenants/contoso/tenant.yaml', 'tenants/contoso/people.yaml']) {
      expect(/\$schema=(\S+)/u.exec(readFileSync(path.join(cwd, file), 'utf8'))?.[1], file).toBe(`https://raw.githubusercontent.com/tenantctl/tenantctl/v${packageVersion}/schemas/tenant-policy.schema.json`);
    }
  });

  it.each(NAMES)('.github/workflows/%s is a valid workflow', (name) => {
    expect(schemaErrors('workflow', example(name).text)).toEqual([]);
  });

  describe.each(NAMES)('.github/workflows/%s', (name) => {
    const { workflow, text } = example(name);
    const { tenants, [MATRIX_JOB[name]]: matrixJob } = jobs(name) as Readonly<Record<string, MatrixJob>>;

    it('has the jobs `tenants`, which lists them (reading the repository only), then one job per tenant (and for plan, the one check to require)', () => {
      expect(Object.keys(workflow.jobs)).toEqual(['tenants', MATRIX_JOB[name], ...(name === 'plan.yml' ? ['planned'] : [])]);
      expect(workflow.permissions).toEqual({});
      expect(text).not.toMatch(/secrets/u);
      expect(tenants?.permissions).toEqual({ contents: 'read' });
      expect(tenants?.outputs).toEqual({ matrix: '${{ steps.tenants.outputs.matrix }}' });
      for (const step of tenants?.steps ?? []) {
        if (step.run === undefined) continue;
        expect(step.run.startsWith('set -euo pipefail\n'), step.name).toBe(true);
        expect(step.run, step.name).not.toContain('${{');
      }
      expect(tenants?.steps?.find((s) => s.uses?.startsWith('actions/checkout@'))?.with).toMatchObject({ 'persist-credentials': false });
    });

    it(`calls tenantctl's ${name} at the tag of this release once per tenant of the list: never cancelling another tenant's job, skipped for an empty list`, () => {
      expect(matrixJob?.needs).toBe('tenants');
      expect(matrixJob?.if).toBe("${{ !cancelled() && needs.tenants.outputs.matrix != '' && fromJSON(needs.tenants.outputs.matrix).include[0] != null }}");
      expect(matrixJob?.strategy).toMatchObject({ 'fail-fast': false, matrix: '${{ fromJSON(needs.tenants.outputs.matrix) }}' });
      expect(matrixJob?.uses).toBe(`tenantctl/tenantctl/.github/workflows/${name}@v${packageVersion}`);
      expect(matrixJob?.permissions).toEqual(onlyJob(reusable(name))[1].permissions);
      expect(matrixJob?.with).toMatchObject({ tenant: '${{ matrix.tenant }}', 'tenant-id': '${{ matrix.tenantId }}', policy: '${{ matrix.path }}' });
      const declared = callInputs(reusable(name));
      for (const [input, value] of Object.entries(matrixJob?.with ?? {})) {
        expect(Object.keys(declared), input).toContain(input);
        expect(typeof value, input).toBe(declared[input]?.type);
      }
    });

    it('lists the tenants with command lines that exist', async () => {
      const script = tenants?.steps?.find((s) => s.id === 'tenants')?.run ?? '';
      // The revision is a variable of the step (set from the event); literal here, to read the command line.
      const literal = script.replace('"origin/$BASE_REF"', 'origin/main').replace('"$BEFORE"', '0123456789abcdef0123456789abcdef01234567');
      const invocations = tenantctlInvocations(literal);
      expect(invocations).toEqual([{ 'plan.yml': ['tenants', '--matrix', '--changed-since', 'origin/main'], 'apply.yml': ['tenants', '--matrix', '--changed-since', '0123456789abcdef0123456789abcdef01234567'], 'drift.yml': ['tenants', '--matrix'] }[name]]);
      const surface = await readCliSurface();
      for (const args of invocations) expect(checkInvocation(args, surface)).toEqual([]);
    });
  });

  it('plan: the job `planned`, the one check to require, fails unless the list was made and every tenant\'s plan passed (or none was needed)', async () => {
    const planned = jobs('plan.yml').planned;
    expect(planned).toMatchObject({ needs: ['tenants', 'plan'], if: '${{ always() }}', permissions: {} });
    const step = planned?.steps?.[0];
    expect(step?.env).toEqual({ LISTED: '${{ needs.tenants.result }}', PLANNED: '${{ needs.plan.result }}' });
    const script = path.join(mkdtempSync(path.join(tmpdir(), 'planned-')), 'step.sh');
    writeFileSync(script, step?.run ?? '');
    const verdict = async (listed: string, plannedResult: string): Promise<number> => (await runBash(script, tmpdir(), { ...machineEnvironment(), LISTED: listed, PLANNED: plannedResult })).code;
    expect(await verdict('success', 'success')).toBe(0);
    expect(await verdict('success', 'skipped')).toBe(0);
    for (const [listed, plannedResult] of [['success', 'failure'], ['success', 'cancelled'], ['failure', 'success'], ['failure', 'skipped'], ['cancelled', 'skipped']]) {
      expect(await verdict(listed ?? '', plannedResult ?? ''), `${listed} ${plannedResult}`).toBe(1);
    }
  });

  it('plans on pull requests that change a tenant, a shared file or the workflow; applies on pushes to main that change one; checks drift daily', () => {
    expect(example('plan.yml').workflow.on).toEqual({ pull_request: { paths: ['tenants/**', 'common/**', '.github/workflows/plan.yml'] } });
    expect(example('apply.yml').workflow.on).toEqual({ push: { branches: ['main'], paths: ['tenants/**', 'common/**'] } });
    expect(example('drift.yml').workflow.on).toEqual({ schedule: [{ cron: '17 5 * * *' }], workflow_dispatch: null });
    expect(jobs('apply.yml').apply?.with).toMatchObject({ environment: 'tenants-production', 'plan-workflow': 'plan.yml' });
  });
});

// ---- the list, made by the workflows' own scripts ---------------------------------------------------

/** Git in `dir`, with an identity and no signing of its own. */
async function git(dir: string, ...args: string[]): Promise<string> {
  const { stdout } = await run('git', ['-c', 'user.name=tenantctl tests', '-c', 'user.email=tests@tenantctl.invalid', '-c', 'commit.gpgsign=false', ...args], { cwd: dir });
  return stdout.trim();
}

/** A Git repository holding the example's files, committed on main, and `origin/main` pointing at that commit (as a checkout with fetch-depth 0 has it). */
async function exampleRepository(): Promise<{ dir: string; base: string }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'many-tenants-'));
  cpSync(path.join(repo, EXAMPLE), dir, { recursive: true });
  await git(dir, 'init', '--quiet', '--initial-branch=main');
  await git(dir, 'add', '--all');
  await git(dir, 'commit', '--quiet', '-m', 'base');
  const base = await git(dir, 'rev-parse', 'HEAD');
  await git(dir, 'update-ref', 'refs/remotes/origin/main', base);
  return { dir, base };
}

/** An `npx` that runs this checkout's tenantctl (as `npx tenantctl` runs the one package.json pins, once installed). */
function npxShim(): string {
  const bin = mkdtempSync(path.join(tmpdir(), 'npx-'));
  const npx = path.join(bin, 'npx');
  writeFileSync(npx, `#!/usr/bin/env bash\nset -euo pipefail\n[[ "$1" == tenantctl ]] || { echo "npx $1: only tenantctl here" >&2; exit 127; }\nshift\nexec ${JSON.stringify(nodeForSources())} ${JSON.stringify(path.join(repo, 'bin', 'tenantctl.js'))} "$@"\n`);
  chmodSync(npx, 0o755);
  return bin;
}

/** Runs the `tenants` step of an example workflow in `dir`, with the step's env evaluated for `github`; its exit code, the output `matrix` (parsed) and the log. */
async function listStep(name: Name, dir: string, github: Record<string, unknown>): Promise<{ code: number; matrix: unknown; log: string }> {
  const step = jobs(name).tenants?.steps?.find((s) => s.id === 'tenants');
  const files = mkdtempSync(path.join(tmpdir(), 'step-'));
  const script = path.join(files, 'step.sh');
  writeFileSync(script, step?.run ?? '');
  const output = path.join(files, 'output');
  writeFileSync(output, '');
  const env = Object.fromEntries(Object.entries(step?.env ?? {}).map(([key, value]) => [key, substituteExpressions(String(value), lookupIn({ github }))]));
  const machine = machineEnvironment();
  const result = await runBash(script, dir, { ...machine, ...env, PATH: `${npxShim()}${path.delimiter}${machine.PATH ?? ''}`, GITHUB_OUTPUT: output });
  const outputs = parseCommandFile(readFileSync(output, 'utf8'), output);
  return { code: result.code, matrix: outputs.matrix === undefined || outputs.matrix === '' ? outputs.matrix : JSON.parse(outputs.matrix), log: result.stdout + result.stderr };
}

describe('the list of tenants, made by the example workflows\' own scripts in a Git repository of the example', () => {
  it('a pull request: only the tenant it changes; every tenant that includes a shared file it changes; none ({"include":[]}) for a change outside them', async () => {
    const { dir } = await exampleRepository();
    const pr = { base_ref: 'main' };
    await git(dir, 'checkout', '--quiet', '-b', 'change');
    writeFileSync(path.join(dir, 'tenants/acme/people.yaml'), readFileSync(path.join(dir, 'tenants/acme/people.yaml'), 'utf8').replace('Bob de Vries', 'Bob de Vries-Jansen'));
    await git(dir, 'commit', '--quiet', '--all', '-m', 'acme');
    expect(await listStep('plan.yml', dir, pr)).toMatchObject({ code: 0, matrix: { include: [entry('acme')] } });

    writeFileSync(path.join(dir, 'common/licenses.yaml'), readFileSync(path.join(dir, 'common/licenses.yaml'), 'utf8').replace('[YAMMER_ENTERPRISE, SWAY]', '[YAMMER_ENTERPRISE]'));
    expect(await listStep('plan.yml', dir, pr)).toMatchObject({ code: 0, matrix: { include: [entry('acme'), entry('contoso')] } });

    await git(dir, 'reset', '--quiet', '--hard', 'origin/main');
    writeFileSync(path.join(dir, 'README.md'), '# changed\n');
    expect(await listStep('plan.yml', dir, pr)).toMatchObject({ code: 0, matrix: { include: [] } });
  });

  it('a pull request against a base branch that was not fetched: the step fails, naming the revision, and no list is made (the plan jobs are skipped)', async () => {
    const { dir } = await exampleRepository();
    const result = await listStep('plan.yml', dir, { base_ref: 'release' });
    expect(result.code).toBe(1);
    expect(result.matrix).toBe('');
    expect(result.log).toContain("Git does not know the revision 'origin/release'");
  });

  it('a tenant with an invalid policy is listed ("valid": false) with the others, and fails the step, naming its errors', async () => {
    const { dir } = await exampleRepository();
    writeFileSync(path.join(dir, 'tenants/contoso/tenant.yaml'), 'apiVersion: tenantctl/v1\nkind: TenantPolicy\ninclude:\n  - ../../common/licenses.yaml\n');
    const result = await listStep('drift.yml', dir, {});
    expect(result.code).toBe(1);
    expect(result.matrix).toEqual({ include: [entry('acme'), { tenant: 'contoso', tenantId: '', path: 'tenants/contoso', valid: false }] });
    expect(result.log).toContain('missing-tenant-id');
  });

  it('a push to main: the tenants the pushed commits change (github.event.before to the working tree); the drift check: every tenant', async () => {
    const { dir, base } = await exampleRepository();
    writeFileSync(path.join(dir, 'tenants/contoso/people.yaml'), readFileSync(path.join(dir, 'tenants/contoso/people.yaml'), 'utf8').replace('Carol Bakker', 'Carol Bakker-Visser'));
    await git(dir, 'commit', '--quiet', '--all', '-m', 'contoso');
    expect(await listStep('apply.yml', dir, { event: { before: base } })).toMatchObject({ code: 0, matrix: { include: [entry('contoso')] } });
    expect(await listStep('drift.yml', dir, {})).toMatchObject({ code: 0, matrix: { include: [entry('acme'), entry('contoso')] } });
  });
});

// ---- the reusable workflows, called once per tenant -------------------------------------------------

describe('the reusable workflows, called with a matrix entry', () => {
  // The action's steps, when a job gets that far, run a stand-in tenantctl (never one from npm).
  let runner: ReturnType<typeof runnerWithStandIn> | undefined;
  const standIn = (): ReturnType<typeof runnerWithStandIn> => (runner ??= runnerWithStandIn({ delegate: false }));
  /** The example's `with:` for a reusable workflow, evaluated for one matrix entry (and the stand-in as the tenantctl to install). */
  const withFor = (name: Name, matrix: Record<string, string>): Record<string, Scalar> => ({
    ...Object.fromEntries(Object.entries(jobs(name)[MATRIX_JOB[name]]?.with ?? {}).map(([key, value]) => [key, substituteExpressions(String(value), lookupIn({ matrix }))])),
    'tenantctl-version': standIn().standIn,
  });

  it('each tenant signs in to its own tenant (the policy\'s tenant.id), reads its own folder, and has its own concurrency group, comment, artifacts and drift label', () => {
    const names = (tenant: keyof typeof IDS): Record<string, string | undefined> => {
      const named: Record<string, string | undefined> = {};
      for (const name of NAMES) {
        const github = githubContext(EVENT[name]);
        const given = withFor(name, entry(tenant));
        expect(given.policy).toBe(`tenants/${tenant}`);
        named[`${name} group`] = concurrencyGroup(reusable(name), given, {}, github);
        const env = jobEnv(reusable(name), given, {}, github);
        named[`${name} AZURE_TENANT_ID`] = env.AZURE_TENANT_ID;
        for (const key of ['COMMENT_MARKER', 'PLAN_ARTIFACT', 'DRIFT_LABEL']) if (env[key] !== undefined) named[`${name} ${key}`] = env[key];
      }
      return named;
    };
    const acme = names('acme');
    const contoso = names('contoso');
    expect(acme).toMatchObject({ 'plan.yml AZURE_TENANT_ID': IDS.acme, 'apply.yml AZURE_TENANT_ID': IDS.acme, 'drift.yml AZURE_TENANT_ID': IDS.acme, 'plan.yml group': 'tenantctl-plan-acme-42', 'apply.yml group': 'tenantctl-apply-acme', 'drift.yml DRIFT_LABEL': 'tenant-drift-acme' });
    for (const key of Object.keys(acme)) expect(contoso[key], key).not.toBe(acme[key]);
  });

  it('runs with the input tenant-id and no variable AZURE_TENANT_ID (one multi-tenant app), and skips without either', async () => {
    for (const name of NAMES) {
      const github = githubContext(EVENT[name]);
      const given = { ...withFor(name, entry('acme')) };
      const configured = await runJob({ workflow: reusable(name), with: given, vars: {}, environmentVars: { 'tenants-production': { AZURE_CLIENT_ID: 'the-apply-app' } }, github, workspace: mkdtempSync(path.join(tmpdir(), 'checkout-')), runnerTemp: standIn().runnerTemp });
      expect(configured.ran, name).toBe(true);
      expect(configured.env.AZURE_TENANT_ID, name).toBe(IDS.acme);
      expect(stepOf(configured, 'Check the configuration')?.outcome, name).toBe(name === 'apply.yml' ? 'success' : 'failure'); // plan and drift: no AZURE_CLIENT_ID given
      const unconfigured = await runJob({ workflow: reusable(name), with: { ...given, 'tenant-id': '' }, vars: {}, github, workspace: mkdtempSync(path.join(tmpdir(), 'checkout-')), runnerTemp: standIn().runnerTemp });
      expect(unconfigured.ran, name).toBe(false);
    }
  });

  it('refuses, before anything is read, a tenant-id that is no GUID, and one that differs from the variable AZURE_TENANT_ID of the environment (credentials of another tenant)', async () => {
    for (const name of NAMES) {
      const github = githubContext(EVENT[name]);
      const environment = name === 'apply.yml' ? 'tenants-production' : 'plan-acme';
      const given = { ...withFor(name, entry('acme')), ...(name === 'apply.yml' ? {} : { environment }) };
      const cases = [
        { with: { ...given, 'tenant-id': 'acme.onmicrosoft.com' }, environmentVars: { AZURE_CLIENT_ID: 'the-app' }, message: "The input tenant-id ('acme.onmicrosoft.com') is not a directory (tenant) id, a GUID." },
        { with: given, environmentVars: { AZURE_CLIENT_ID: 'the-app', AZURE_TENANT_ID: IDS.contoso }, message: `The input tenant-id (${IDS.acme}, from the policy) differs from the variable AZURE_TENANT_ID (${IDS.contoso})` },
      ];
      for (const c of cases) {
        const refused = await runJob({ workflow: reusable(name), with: c.with, vars: {}, environmentVars: { [environment]: c.environmentVars }, github, workspace: mkdtempSync(path.join(tmpdir(), 'checkout-')), runnerTemp: standIn().runnerTemp });
        expect(refused.failed, name).toBe(true);
        const check = stepOf(refused, 'Check the configuration');
        expect(check?.outcome, name).toBe('failure');
        expect(check?.stdout, name).toContain(c.message);
        expect(refused.steps.filter((s) => s.uses?.startsWith('tenantctl/tenantctl@') === true && s.outcome !== 'skipped'), name).toEqual([]);
      }
      // The same id, written in capitals: the same tenant.
      const same = await runJob({ workflow: reusable(name), with: given, vars: {}, environmentVars: { [environment]: { AZURE_CLIENT_ID: 'the-app', AZURE_TENANT_ID: IDS.acme.toUpperCase() } }, github, workspace: mkdtempSync(path.join(tmpdir(), 'checkout-')), runnerTemp: standIn().runnerTemp });
      expect(stepOf(same, 'Check the configuration')?.outcome, name).toBe('success');
    }
  });

  it('plan and drift run in no environment by default (the repository\'s variables), and in the one named by the input environment', async () => {
    for (const name of ['plan.yml', 'drift.yml'] as const) {
      expect(callInputs(reusable(name)).environment).toMatchObject({ type: 'string', default: '' });
      const github = githubContext(EVENT[name]);
      const none = await runJob({ workflow: reusable(name), with: withFor(name, entry('acme')), vars: { AZURE_CLIENT_ID: 'the-repository-app' }, github, workspace: mkdtempSync(path.join(tmpdir(), 'checkout-')), runnerTemp: standIn().runnerTemp });
      expect(none.environment).toBeUndefined();
      expect(none.env.AZURE_CLIENT_ID).toBe('the-repository-app');
      const own = await runJob({ workflow: reusable(name), with: { ...withFor(name, entry('acme')), environment: 'plan-acme' }, vars: { AZURE_CLIENT_ID: 'the-repository-app' }, environmentVars: { 'plan-acme': { AZURE_CLIENT_ID: 'the-acme-app' } }, github, workspace: mkdtempSync(path.join(tmpdir(), 'checkout-')), runnerTemp: standIn().runnerTemp });
      expect(own.environment).toBe('plan-acme');
      expect(own.env.AZURE_CLIENT_ID).toBe('the-acme-app');
    }
  });
});

