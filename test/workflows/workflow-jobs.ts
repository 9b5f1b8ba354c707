/**
 * Reading the workflow files, and running a reusable workflow's job here the way GitHub would: the
 * caller's `with:` over the `workflow_call` inputs' defaults, the caller's `vars` (an environment's
 * over the repository's for a job in that environment, but not in the job's `if:`, which GitHub
 * evaluates before the job enters its environment), the job's `if:`, `env:` and steps' `if:` (status
 * functions and `continue-on-error` included). Steps that use the tenantctl action run it with
 * test/support/composite-action.ts; `run:` steps run in bash as the runner runs them (GITHUB_OUTPUT,
 * GITHUB_STEP_SUMMARY, GITHUB_ENV, GITHUB_PATH, the default GITHUB_* variables), with a fake `gh` on
 * PATH that talks to a small fake GitHub (fake-github.ts); `actions/upload-artifact` stores the file in
 * that GitHub under the run; checkout is the workspace the test prepared; the action's own
 * `actions/setup-node` is not run, so the action finds a Node.js tenantctl runs on first on PATH
 * (SET_UP_NODE), as after setup-node. Every expression on the way is evaluated, and one this cannot
 * evaluate throws.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { evaluateCondition, machineEnvironment, parseCommandFile, runBash, substituteExpressions } from '../support/composite-action.ts';
import type { CompositeRun, ContextLookup, ExpressionValue } from '../support/composite-action.ts';
import { runCompositeAction } from '../support/composite-action.ts';
import { REPOSITORY } from '../support/oidc-issuer.ts';
import { nodeForSources } from '../support/workflow-commands.ts';
import { FakeGitHub } from './fake-github.ts';

export const repo = new URL('../../', import.meta.url).pathname;
export const packageVersion = (JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8')) as { version: string }).version;
/** How the reusable workflows name the action: this repository at the tag of its package.json version. */
export const ACTION_REF = `tenantctl/tenantctl@v${packageVersion}`;

/**
 * What the action's `actions/setup-node` step puts first on PATH, which the local runners do not run:
 * the directory of a Node.js tenantctl runs on (24 or newer; the machine's own may be older). The
 * action reads tenantctl's saved plan by importing the installed package with it.
 */
export const SET_UP_NODE = path.dirname(nodeForSources());

export type Scalar = string | number | boolean;

export interface Step {
  readonly name?: string;
  readonly id?: string;
  readonly uses?: string;
  readonly run?: string;
  readonly if?: string | boolean;
  readonly with?: Readonly<Record<string, Scalar>>;
  readonly env?: Readonly<Record<string, Scalar>>;
  readonly 'continue-on-error'?: boolean;
}

export interface Concurrency {
  readonly group: string;
  readonly 'cancel-in-progress'?: boolean;
}

export interface Job {
  readonly if?: string;
  readonly uses?: string;
  readonly with?: Readonly<Record<string, Scalar>>;
  readonly permissions?: Readonly<Record<string, string>>;
  readonly environment?: string | { readonly name: string };
  readonly concurrency?: Concurrency;
  readonly needs?: string | readonly string[];
  readonly outputs?: Readonly<Record<string, string>>;
  readonly env?: Readonly<Record<string, Scalar>>;
  readonly defaults?: { readonly run?: { readonly shell?: string; readonly 'working-directory'?: string } };
  readonly steps?: readonly Step[];
}

export interface WorkflowInput {
  readonly description?: string;
  readonly type: 'string' | 'boolean' | 'number';
  readonly required?: boolean;
  readonly default?: Scalar;
}

export interface Workflow {
  readonly name?: string;
  readonly on: Readonly<Record<string, unknown>>;
  readonly permissions?: Readonly<Record<string, string>>;
  readonly concurrency?: Concurrency;
  readonly env?: Readonly<Record<string, string>>;
  readonly jobs: Readonly<Record<string, Job>>;
}

export interface WorkflowFile {
  /** Relative to the repository root. */
  readonly file: string;
  readonly text: string;
  readonly workflow: Workflow;
}

export function readWorkflowFile(file: string): WorkflowFile {
  const text = readFileSync(path.join(repo, file), 'utf8');
  return { file, text, workflow: parse(text, { uniqueKeys: true, strict: true }) as Workflow };
}

/** A reusable workflow's declared inputs. */
export function callInputs(workflow: Workflow): Readonly<Record<string, WorkflowInput>> {
  const call = workflow.on.workflow_call as { inputs?: Record<string, WorkflowInput> } | null | undefined;
  return call?.inputs ?? {};
}

export function onlyJob(workflow: Workflow): [string, Job] {
  const jobs = Object.entries(workflow.jobs);
  if (jobs.length !== 1) throw new Error(`expected one job, found ${jobs.length}`);
  return jobs[0] as [string, Job];
}

/** Every `${{ … }}` of a text, as written. */
export function expressionsIn(text: string): string[] {
  return [...text.matchAll(/\$\{\{([\s\S]*?)\}\}/gu)].map((m) => (m[1] ?? '').trim());
}

// ---- expressions over nested contexts ---------------------------------------------------------------

/** Contexts as nested objects (`{ github: { event: { pull_request: { number: '42' } } } }`). */
export type Contexts = Readonly<Record<string, unknown>>;

/** Looks a path up in `contexts`; a missing `env.X`, `vars.X` or `steps.id.outputs.X` is '' (as on GitHub), anything else missing throws. */
export function lookupIn(contexts: Contexts): ContextLookup {
  return (root, rest) => {
    const where = [root, ...rest].join('.');
    if (!(root in contexts)) throw new Error(`unsupported expression: ${where} (no ${root} context here)`);
    let value: unknown = contexts[root];
    for (const [i, key] of rest.entries()) {
      const next = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
      if (next === undefined) {
        if ((root === 'env' || root === 'vars') && i === 0) return ''; // unset: empty, as on GitHub
        if (root === 'steps' && rest[1] === 'outputs' && i === 2 && typeof value === 'object') return '';
        throw new Error(`unsupported expression: ${where} (not provided)`);
      }
      value = next;
    }
    if (typeof value === 'string' || typeof value === 'boolean' || value === null) return value as ExpressionValue;
    if (typeof value === 'number') return String(value);
    throw new Error(`${where} is not a value`);
  };
}

const text = (value: Scalar | undefined): string => (value === undefined ? '' : String(value));

// ---- running a job -------------------------------------------------------------------------------

export interface JobRunOptions {
  /** The reusable workflow, e.g. readWorkflowFile('.github/workflows/plan.yml').workflow. */
  readonly workflow: Workflow;
  /** The calling job's `with:`. */
  readonly with?: Readonly<Record<string, Scalar>>;
  /** The caller repository's variables. */
  readonly vars: Readonly<Record<string, string>>;
  /** Variables per environment, used by a job that names that environment. */
  readonly environmentVars?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** The `github` context (event, sha, run_id, token, …). */
  readonly github: Contexts;
  readonly workspace: string;
  readonly runnerTemp: string;
  /** What the runner adds to every step's environment (ACTIONS_ID_TOKEN_REQUEST_URL, TENANTCTL_GRAPH_URL, …). */
  readonly runnerEnv?: Readonly<Record<string, string>>;
  /** The GitHub that the scripts' `gh` calls and the uploads reach; a new, empty one by default. */
  readonly gitHub?: FakeGitHub;
}

export interface JobStepResult {
  readonly id?: string;
  readonly name?: string;
  readonly uses?: string;
  /** `not-run`: a `uses:` step this harness does not run (checkout). */
  readonly outcome: 'success' | 'failure' | 'skipped' | 'not-run';
  /** The evaluated `with:` of a `uses:` step. */
  readonly with?: Readonly<Record<string, string>>;
  /** The evaluated `env:` of the step. */
  readonly env?: Readonly<Record<string, string>>;
  /** The action's run, for a step using tenantctl. */
  readonly action?: CompositeRun;
  /** A `run:` step's exit code, output and GITHUB_OUTPUT. */
  readonly exitCode?: number;
  readonly stdout?: string;
  readonly stderr?: string;
  readonly outputs?: Readonly<Record<string, string>>;
}

export interface JobRun {
  /** False when the job's `if:` skipped it. */
  readonly ran: boolean;
  /** Whether the job failed (a failed step without continue-on-error). */
  readonly failed: boolean;
  readonly environment?: string;
  readonly env: Readonly<Record<string, string>>;
  readonly steps: readonly JobStepResult[];
  /** What the steps (and the actions) appended to GITHUB_STEP_SUMMARY. */
  readonly summary: string;
  /** The GitHub the job talked to, and the run's id there (github.run_id). */
  readonly gitHub: FakeGitHub;
  readonly runId: number;
}

/** The caller's `with:` over the declared inputs' defaults; an undeclared or missing required input throws, as GitHub refuses the call. */
export function resolveCallInputs(workflow: Workflow, given: Readonly<Record<string, Scalar>> = {}): Record<string, string> {
  const declared = callInputs(workflow);
  const unknown = Object.keys(given).filter((name) => !(name in declared));
  if (unknown.length > 0) throw new Error(`invalid input(s) ${unknown.join(', ')}: the workflow takes ${Object.keys(declared).join(', ')}`);
  return Object.fromEntries(Object.entries(declared).map(([name, input]) => {
    if (given[name] === undefined && input.required === true) throw new Error(`input required and not supplied: ${name}`);
    return [name, text(given[name] ?? input.default)];
  }));
}

/** The environment a job runs in, its `environment:` evaluated. */
export function jobEnvironment(workflow: Workflow, given: Readonly<Record<string, Scalar>> = {}, vars: Readonly<Record<string, string>> = {}, github: Contexts = {}): string | undefined {
  const [, job] = onlyJob(workflow);
  const environment = typeof job.environment === 'object' ? job.environment.name : job.environment;
  if (environment === undefined) return undefined;
  // GitHub disregards an empty environment: the job runs in none (plan.yml's and drift.yml's default).
  const name = substituteExpressions(environment, lookupIn({ inputs: resolveCallInputs(workflow, given), vars, github }));
  return name === '' ? undefined : name;
}

/** A job's concurrency group, evaluated (GitHub allows the github, inputs and vars contexts there). */
export function concurrencyGroup(workflow: Workflow, given: Readonly<Record<string, Scalar>> = {}, vars: Readonly<Record<string, string>> = {}, github: Contexts = {}): string | undefined {
  const [, job] = onlyJob(workflow);
  return job.concurrency === undefined ? undefined : substituteExpressions(job.concurrency.group, lookupIn({ inputs: resolveCallInputs(workflow, given), vars, github }));
}

/** The evaluated `env:` of a job, as it would run (environment variables over the repository's). */
export function jobEnv(workflow: Workflow, given: Readonly<Record<string, Scalar>> = {}, vars: Readonly<Record<string, string>> = {}, github: Contexts = {}): Record<string, string> {
  const [, job] = onlyJob(workflow);
  const env: Record<string, string> = {};
  const inputs = resolveCallInputs(workflow, given);
  for (const [name, value] of Object.entries(job.env ?? {})) env[name] = substituteExpressions(text(value), lookupIn({ inputs, github, vars, env }));
  return env;
}

const contextText = (github: Contexts, name: string): string => {
  const value = github[name];
  return typeof value === 'string' || typeof value === 'number' ? String(value) : '';
};

export async function runJob(options: JobRunOptions): Promise<JobRun> {
  const [, job] = onlyJob(options.workflow);
  const gitHub = options.gitHub ?? new FakeGitHub(contextText(options.github, 'repository'));
  const inputs = resolveCallInputs(options.workflow, options.with);
  const environment = jobEnvironment(options.workflow, options.with, options.vars, options.github);
  const vars = { ...options.vars, ...(environment === undefined ? {} : options.environmentVars?.[environment]) };
  const base = { inputs, github: options.github };
  const inEnvironment = environment === undefined ? {} : { environment };
  const runId = contextText(options.github, 'run_id');

  // The job-level if: is evaluated before the job enters its environment, with the repository's variables.
  if (job.if !== undefined && !evaluateCondition(job.if, lookupIn({ ...base, vars: options.vars }), { failed: false })) {
    return { ran: false, failed: false, ...inEnvironment, env: {}, steps: [], summary: '', gitHub, runId: Number(runId) };
  }
  if (job.defaults?.run?.['working-directory'] !== undefined) throw new Error('defaults.run.working-directory is not modelled here');
  if (job.defaults?.run?.shell !== 'bash') throw new Error(`the job's run steps must default to shell: bash (found ${job.defaults?.run?.shell ?? 'none'})`);
  const env = jobEnv(options.workflow, options.with, vars, options.github);
  const filesDir = mkdtempSync(path.join(options.runnerTemp, '_job-'));
  const gitHubEnv = await gitHub.env();

  const steps: JobStepResult[] = [];
  const stepsContext: Record<string, { outputs: Record<string, string>; outcome: string; conclusion: string }> = {};
  const addedPath: string[] = [];
  const addedEnv: Record<string, string> = {};
  let summary = '';
  let failed = false;
  for (const [index, step] of (job.steps ?? []).entries()) {
    const lookup = lookupIn({ ...base, vars, env: { ...addedEnv, ...env }, steps: stepsContext, runner: { temp: options.runnerTemp } });
    const names = { ...(step.id === undefined ? {} : { id: step.id }), ...(step.name === undefined ? {} : { name: step.name }), ...(step.uses === undefined ? {} : { uses: step.uses }) };
    const record = (result: JobStepResult, outputs: Record<string, string> = {}): void => {
      steps.push(result);
      const outcome = result.outcome === 'not-run' ? 'success' : result.outcome;
      const conclusion = outcome === 'failure' && step['continue-on-error'] === true ? 'success' : outcome;
      if (step.id !== undefined) stepsContext[step.id] = { outputs, outcome, conclusion };
      if (conclusion === 'failure') failed = true;
    };
    if (!evaluateCondition(step.if, lookup, { failed })) {
      record({ ...names, outcome: 'skipped' });
      continue;
    }
    const stepEnv: Record<string, string> = {};
    for (const [name, value] of Object.entries(step.env ?? {})) stepEnv[name] = substituteExpressions(text(value), lookup);
    const withInputs = Object.fromEntries(Object.entries(step.with ?? {}).map(([name, value]) => [name, substituteExpressions(text(value), lookup)]));
    const machine = machineEnvironment();
    const PATH = [...addedPath, gitHub.binDir, machine.PATH ?? ''].join(path.delimiter);

    if (step.uses?.startsWith('tenantctl/tenantctl@') === true) {
      const action = await runCompositeAction({
        actionDir: repo,
        inputs: withInputs,
        env: { PATH: [SET_UP_NODE, PATH].join(path.delimiter), ...addedEnv, ...env, ...stepEnv, ...options.runnerEnv },
        workspace: options.workspace,
        runnerTemp: options.runnerTemp,
      });
      addedPath.unshift(...action.addedPath);
      Object.assign(addedEnv, action.addedEnv);
      summary += action.summary;
      record({ ...names, outcome: action.exitCode === 0 ? 'success' : 'failure', with: withInputs, env: stepEnv, action }, { ...action.outputs });
    } else if (step.uses?.startsWith('actions/upload-artifact@') === true) {
      // As the action does: the file, or nothing (if-no-files-found: warn, the default, or ignore), or a failure (error).
      const file = path.resolve(options.workspace, withInputs.path ?? '');
      const found = (withInputs.path ?? '') !== '' && existsSync(file);
      if (found) gitHub.uploadArtifact(Number(runId), withInputs.name ?? 'artifact', file);
      const outcome = found || withInputs['if-no-files-found'] !== 'error' ? 'success' : 'failure';
      record({ ...names, outcome, with: withInputs });
    } else if (step.uses !== undefined) {
      record({ ...names, outcome: 'not-run', with: withInputs });
    } else {
      if (step.run === undefined) throw new Error(`step ${step.name ?? index} has neither run nor uses`);
      const files = Object.fromEntries(['GITHUB_OUTPUT', 'GITHUB_ENV', 'GITHUB_PATH', 'GITHUB_STEP_SUMMARY'].map((name) => [name, path.join(filesDir, `${index}-${name.toLowerCase()}`)]));
      for (const file of Object.values(files)) writeFileSync(file, '');
      const scriptFile = path.join(filesDir, `${index}.sh`);
      writeFileSync(scriptFile, substituteExpressions(step.run, lookup));
      const run = await runBash(scriptFile, options.workspace, {
        ...machine,
        CI: 'true',
        GITHUB_ACTIONS: 'true',
        RUNNER_OS: 'Linux',
        RUNNER_TEMP: options.runnerTemp,
        GITHUB_WORKSPACE: options.workspace,
        GITHUB_REPOSITORY: contextText(options.github, 'repository'),
        GITHUB_SHA: contextText(options.github, 'sha'),
        GITHUB_EVENT_NAME: contextText(options.github, 'event_name'),
        GITHUB_RUN_ID: runId,
        GITHUB_RUN_ATTEMPT: contextText(options.github, 'run_attempt'),
        GITHUB_SERVER_URL: 'https://github.com',
        ...gitHubEnv,
        ...options.runnerEnv,
        ...addedEnv,
        ...env,
        ...stepEnv,
        ...files,
        PATH,
      });
      const outputs = parseCommandFile(readFileSync(files.GITHUB_OUTPUT ?? '', 'utf8'), 'GITHUB_OUTPUT');
      Object.assign(addedEnv, parseCommandFile(readFileSync(files.GITHUB_ENV ?? '', 'utf8'), 'GITHUB_ENV'));
      for (const line of readFileSync(files.GITHUB_PATH ?? '', 'utf8').split('\n')) if (line.trim() !== '') addedPath.unshift(line.trim());
      summary += readFileSync(files.GITHUB_STEP_SUMMARY ?? '', 'utf8');
      record({ ...names, outcome: run.code === 0 ? 'success' : 'failure', env: stepEnv, exitCode: run.code, stdout: run.stdout, stderr: run.stderr, outputs }, outputs);
    }
  }
  return { ran: true, failed, ...inEnvironment, env, steps, summary, gitHub, runId: Number(runId) };
}

// ---- the caller's run ----------------------------------------------------------------------------

/** The caller repository of the tests (the subject of the OIDC tokens too). */
export const CALLER_REPOSITORY = REPOSITORY;
export const MERGE_SHA = '3b9d0c4e5f60718293a4b5c6d7e8f90112233445';
export const HEAD_SHA = 'a3c1f5e2b7d94c08e6f1a2b3c4d5e6f708192a3b';
export const PR = 42;

export type CallerEvent = 'pull_request' | 'push' | 'schedule';
/** The event each reusable workflow is called on by the example tenant repository. */
export const EVENT: Readonly<Record<'plan.yml' | 'apply.yml' | 'drift.yml', CallerEvent>> = { 'plan.yml': 'pull_request', 'apply.yml': 'push', 'drift.yml': 'schedule' };

/** The `github` context of the caller's run: a pull request's (PR, head HEAD_SHA), or a push of MERGE_SHA to main. */
export function githubContext(event: CallerEvent, { runId = 4711, headSha = HEAD_SHA, pr = PR, sha = MERGE_SHA }: { runId?: number; headSha?: string; pr?: number; sha?: string } = {}): Contexts {
  return {
    token: 'ghs_not-a-real-token',
    repository: CALLER_REPOSITORY,
    event_name: event,
    sha,
    run_id: String(runId),
    run_attempt: '1',
    event: event === 'pull_request' ? { pull_request: { number: pr, head: { sha: headSha, repo: { full_name: CALLER_REPOSITORY } } } } : {},
  };
}

/** A job's upload steps that ran: the artifact name and path, evaluated. */
export function uploads(run: JobRun): { name: string; path: string }[] {
  return run.steps.filter((s) => s.uses?.startsWith('actions/upload-artifact@') === true && s.outcome !== 'skipped').map((s) => ({ name: s.with?.name ?? '', path: s.with?.path ?? '' }));
}

/** A step of a job's run, by id or name. */
export function stepOf(run: JobRun, idOrName: string): JobStepResult | undefined {
  return run.steps.find((s) => s.id === idOrName || s.name === idOrName);
}
