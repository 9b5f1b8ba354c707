/**
 * Reading the workflow files, and running a reusable workflow's job here the way GitHub would for its
 * tenantctl part: the caller's `with:` over the `workflow_call` inputs' defaults, the caller's `vars`
 * (an environment's over the repository's for a job in that environment), the job's `if:`, `env:`
 * and steps' `if:` (status functions and `continue-on-error` included). Steps that use the tenantctl
 * action run it with test/support/composite-action.ts; steps that talk to GitHub (checkout, artifacts,
 * `gh` scripts) are not run: checkout is the workspace the test prepared, an upload is recorded with
 * its evaluated name and path, and a `run:` step's outputs may be given (`simulated`), as when the
 * apply job downloads the reviewed plan. Every expression on the way is evaluated, and one this cannot
 * evaluate throws.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { evaluateCondition, substituteExpressions } from '../support/composite-action.ts';
import type { CompositeRun, ContextLookup, ExpressionValue } from '../support/composite-action.ts';
import { runCompositeAction } from '../support/composite-action.ts';

export const repo = new URL('../../', import.meta.url).pathname;
export const packageVersion = (JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8')) as { version: string }).version;
/** How the reusable workflows name the action: this repository at the tag of its package.json version. */
export const ACTION_REF = `tenantctl/tenantctl@v${packageVersion}`;

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
  /** The `github` context (event, sha, token, …). */
  readonly github: Contexts;
  readonly workspace: string;
  readonly runnerTemp: string;
  /** What the runner adds to every step's environment (ACTIONS_ID_TOKEN_REQUEST_URL, TENANTCTL_GRAPH_URL, …). */
  readonly runnerEnv?: Readonly<Record<string, string>>;
  /** Outputs of `run:` steps that are not run here, by step id. */
  readonly simulated?: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

export interface JobStepResult {
  readonly id?: string;
  readonly name?: string;
  readonly uses?: string;
  /** `not-run`: a step that talks to GitHub, not run here. */
  readonly outcome: 'success' | 'failure' | 'skipped' | 'not-run';
  /** The evaluated `with:` of a `uses:` step. */
  readonly with?: Readonly<Record<string, string>>;
  /** The action's run, for a step using tenantctl. */
  readonly action?: CompositeRun;
}

export interface JobRun {
  /** False when the job's `if:` skipped it. */
  readonly ran: boolean;
  /** Whether the job failed (a failed step without continue-on-error). */
  readonly failed: boolean;
  readonly environment?: string;
  readonly env: Readonly<Record<string, string>>;
  readonly steps: readonly JobStepResult[];
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
  return environment === undefined ? undefined : substituteExpressions(environment, lookupIn({ inputs: resolveCallInputs(workflow, given), vars, github }));
}

export async function runJob(options: JobRunOptions): Promise<JobRun> {
  const [, job] = onlyJob(options.workflow);
  const inputs = resolveCallInputs(options.workflow, options.with);
  const environment = jobEnvironment(options.workflow, options.with, options.vars, options.github);
  const vars = { ...options.vars, ...(environment === undefined ? {} : options.environmentVars?.[environment]) };
  const base = { inputs, github: options.github };

  // The job-level if: is evaluated before the job enters its environment, with the repository's variables.
  if (job.if !== undefined && !evaluateCondition(job.if, lookupIn({ ...base, vars: options.vars }), { failed: false })) {
    return { ran: false, failed: false, ...(environment === undefined ? {} : { environment }), env: {}, steps: [] };
  }
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(job.env ?? {})) env[name] = substituteExpressions(text(value), lookupIn({ ...base, vars, env }));

  const steps: JobStepResult[] = [];
  const stepsContext: Record<string, { outputs: Record<string, string>; outcome: string; conclusion: string }> = {};
  let failed = false;
  for (const step of job.steps ?? []) {
    const lookup = lookupIn({ ...base, vars, env, steps: stepsContext, runner: { temp: options.runnerTemp } });
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
    if (step.uses?.startsWith('tenantctl/tenantctl@') === true) {
      const action = await runCompositeAction({
        actionDir: repo,
        inputs: withInputs,
        env: { ...env, ...stepEnv, ...options.runnerEnv },
        workspace: options.workspace,
        runnerTemp: options.runnerTemp,
      });
      record({ ...names, outcome: action.exitCode === 0 ? 'success' : 'failure', with: withInputs, action }, { ...action.outputs });
    } else if (step.uses !== undefined) {
      record({ ...names, outcome: 'not-run', with: withInputs });
    } else {
      const simulated = step.id === undefined ? undefined : options.simulated?.[step.id];
      record({ ...names, outcome: simulated === undefined ? 'not-run' : 'success' }, { ...simulated });
    }
  }
  return { ran: true, failed, ...(environment === undefined ? {} : { environment }), env, steps };
}

/** A job's upload steps that ran: the artifact name and path, evaluated. */
export function uploads(run: JobRun): { name: string; path: string }[] {
  return run.steps.filter((s) => s.uses?.startsWith('actions/upload-artifact@') === true && s.outcome === 'not-run').map((s) => ({ name: s.with?.name ?? '', path: s.with?.path ?? '' }));
}
