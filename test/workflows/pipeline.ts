/**
 * The pipeline of the example tenant repository, for pipeline.test.ts and pipeline-errors.test.ts: the
 * reusable workflows' jobs,
 * as examples/tenant-repo calls them, through the action and this checkout's tenantctl (a stand-in that
 * npm installs and that runs it), against the emulator holding a drifted copy of the example's
 * policies, signed in with GitHub's OIDC token from a local issuer (no secret anywhere), the plan
 * going from the plan job to the apply job as an artifact of a fake GitHub (fake-github.ts), which
 * also holds the plan comment and the drift issue.
 */
import { cpSync, mkdtempSync, readFileSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { writeNeeds } from '../../src/domain/permissions.ts';
import type { Plan } from '../../src/domain/plan.ts';
import { summarise } from '../../src/domain/plan.ts';
import type { Seed } from '../../src/emulator/directory/model.ts';
import type { RunningEmulator } from '../../src/emulator/server.ts';
import { startEmulator } from '../../src/emulator/server.ts';
import { DEMO_APP_ROLES, DEMO_CLIENT_ID } from '../../src/cli/demo/demo-tenant.ts';
import { GITHUB_COMMENT_MAX_CHARS } from '../../src/render/plan-markdown.ts';
import { reseed } from '../support/apply-e2e.ts';
import type { CompositeRun } from '../support/composite-action.ts';
import { driftedSeed } from '../support/drifted-tenant.ts';
import type { LocalOidcIssuer, WorkflowContext } from '../support/oidc-issuer.ts';
import { githubSubject, startOidcIssuer } from '../support/oidc-issuer.ts';
import { preinstallStandIn, recordedInvocations, tenantctlStandIn } from '../support/workflow-commands.ts';
import { FakeGitHub } from './fake-github.ts';
import type { JobRun, Scalar } from './workflow-jobs.ts';
import { CALLER_REPOSITORY, EVENT, githubContext, HEAD_SHA, jobEnvironment, MERGE_SHA, onlyJob, PR, readWorkflowFile, repo, runJob, stepOf, uploads } from './workflow-jobs.ts';

export const EXAMPLE = 'examples/tenant-repo';
export type Name = 'plan.yml' | 'apply.yml' | 'drift.yml';
const reusable = (name: Name) => readWorkflowFile(`.github/workflows/${name}`);
const jobOf = (name: Name) => onlyJob(reusable(name).workflow)[1];
/** The example caller's `with:` for a reusable workflow. */
const callerWith = (name: Name): Readonly<Record<string, Scalar>> => onlyJob(readWorkflowFile(`${EXAMPLE}/.github/workflows/${name}`).workflow)[1].with ?? {};
/** The action's runs in a job, in order. */
const actionRuns = (run: JobRun): CompositeRun[] => run.steps.flatMap((s) => (s.action ? [s.action] : []));
const stepNamed = stepOf;

/** What `tenantctl apply --format json` prints (docs/cli-reference.md §4), as far as these tests read it. */
export interface ApplyResult {
  readonly formatVersion: number;
  readonly outcomes: readonly { readonly action: string; readonly userPrincipalName: string; readonly status: 'applied' | 'failed' | 'skipped' }[];
  readonly summary: { readonly applied: Readonly<Record<string, number>>; readonly failed: number; readonly skipped: number };
  readonly blocked: readonly { readonly code: string; readonly userPrincipalName?: string }[];
}

/** A job's run, with the tenantctl command lines the action ran in it. */
export type TracedJob = JobRun & { argv: string[][] };

export interface Variables {
  readonly vars: Record<string, string>;
  readonly environmentVars?: Record<string, Record<string, string>>;
}

export const file = (p: string | undefined): string => readFileSync(p ?? '', 'utf8');
export const outputsOf = (run: JobRun, id: string): Readonly<Record<string, string>> => stepNamed(run, id)?.action?.outputs ?? {};
/** The plan comments (of the only tenant) on the pull request. */
export const planComment = (gitHub: FakeGitHub): string[] => gitHub.commentsOn(PR).filter((c) => c.body.startsWith('<!-- tenantctl-plan -->\n')).map((c) => c.body);

export const NOW = '2026-11-22T00:00:00Z';
/** One identity for plan, drift and apply: DEMO_APP_ROLES, trusted from pull requests, main and the environment. */
export const SINGLE = '5e1c0000-0000-4000-8000-0000000051e1';
export const READER = '5e1c0000-0000-4000-8000-00000000c0de';
/** The read-only plan identity of docs/github-actions.md: the reading permissions of docs/permissions.md §2. */
export const READER_ROLES = ['User.Read.All', 'LicenseAssignment.Read.All', 'MailboxSettings.Read', 'GroupMember.Read.All'];
export const ENVIRONMENT = 'tenant-production';
export const JWT = /eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/u;

/** Federated credentials for GitHub's subjects of the caller repository (docs/github-actions.md, "OIDC"). */
export function trusting(issuer: string, contexts: readonly WorkflowContext[]) {
  return contexts.map((context, index) => ({ name: `github-${index}`, issuer, subject: githubSubject(context), audiences: ['api://AzureADTokenExchange'] }));
}
export const PULL_REQUESTS: WorkflowContext = { eventName: 'pull_request' };
export const MAIN: WorkflowContext = { ref: 'refs/heads/main' };
export const IN_ENVIRONMENT: WorkflowContext = { environment: ENVIRONMENT };

/**
 * The tenant the example's policies declare, drifted so that a pipeline converges it
 * (test/support/drifted-tenant.ts), with the apps of docs/github-actions.md, none with a secret: the
 * writer (the demo app, trusted only from the environment), the read-only plan identity (trusted from
 * pull requests and main), and one identity trusted from all three.
 */
export async function pipelineSeed(issuer: string, { readerInEnvironment = false } = {}): Promise<Seed> {
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

/**
 * The emulator, the OIDC issuer and the installed stand-in for a describe() block (started before its
 * tests, closed after them), and the jobs run against them. `install: 'npm'` lets the action install
 * the stand-in with npm on its first run; 'preinstalled' puts it where the install step leaves it.
 */
export function pipelineRig({ install }: { install: 'npm' | 'preinstalled' }) {
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
    // One RUNNER_TEMP for every job: the action's first run installs the stand-in with npm (the
    // lockfile-seeded install, for real), or finds it installed there.
    runnerTemp = mkdtempSync(path.join(tmpdir(), 'runner-temp-'));
    if (install === 'preinstalled') preinstallStandIn(runnerTemp, standIn);
  });
  afterAll(async () => {
    await emulator.close();
    await oidc.close();
  });

  /** A fresh tenant, a fresh copy of the example tenant repository (as the checkout step has it), and a GitHub with the pull request open. */
  async function freshCheckout(tenant: Seed = seed): Promise<{ checkout: string; gitHub: FakeGitHub }> {
    await reseed(emulator.url, tenant);
    const dir = mkdtempSync(path.join(tmpdir(), 'tenant-repo-'));
    cpSync(path.join(repo, EXAMPLE), dir, { recursive: true });
    const gitHub = new FakeGitHub(CALLER_REPOSITORY);
    gitHub.pullRequest(HEAD_SHA, { number: PR });
    return { checkout: dir, gitHub };
  }

  /** Run ids, as GitHub hands them out: each job of a test is a run of its own. */
  let nextRunId = 5000;

  /**
   * Runs a reusable workflow's job as the example repository calls it, with its variables, against
   * `gitHub`: the job's OIDC token describes the run (a pull request, main, or the job's environment),
   * and GitHub hands the job ACTIONS_ID_TOKEN_REQUEST_URL and _TOKEN only with `permissions: id-token: write`.
   */
  async function job(name: Name, checkout: string, variables: Variables, gitHub: FakeGitHub, context: { sha?: string } = {}): Promise<TracedJob> {
    const { workflow } = reusable(name);
    const withs = { ...callerWith(name), 'tenantctl-version': standIn };
    const github = githubContext(EVENT[name], { runId: nextRunId++, ...context });
    const environment = jobEnvironment(workflow, withs, variables.vars, github);
    oidc.requestTokenOptions = { context: environment !== undefined ? { environment } : EVENT[name] === 'pull_request' ? PULL_REQUESTS : MAIN };
    const oidcEnv = jobOf(name).permissions?.['id-token'] === 'write' ? { ACTIONS_ID_TOKEN_REQUEST_URL: oidc.requestUrl, ACTIONS_ID_TOKEN_REQUEST_TOKEN: oidc.requestToken } : {};
    const log = path.join(mkdtempSync(path.join(tmpdir(), 'argv-')), 'log');
    const run = await runJob({
      workflow,
      with: withs,
      ...variables,
      github,
      workspace: checkout,
      runnerTemp,
      runnerEnv: { ...oidcEnv, TENANTCTL_GRAPH_URL: emulator.url, TENANTCTL_NOW: NOW, TENANTCTL_ARGV_LOG: log },
      gitHub,
    });
    for (const { stdout, stderr } of [...actionRuns(run), ...run.steps.map((s) => ({ stdout: s.stdout ?? '', stderr: s.stderr ?? '' }))]) {
      expect(stdout + stderr).not.toMatch(JWT);
      expect(stdout + stderr).not.toContain(oidc.requestToken);
    }
    // The GitHub token reached gh, and only gh; never tenantctl or npm (test/workflows/github-steps.test.ts, too).
    expect(gitHub.calls().every((c) => c.token === 'ghs_not-a-real-token')).toBe(true);
    return { ...run, argv: recordedInvocations(log).map((r) => [...r.args]) };
  }

  /** What GitHub records once a plan job finished and its pull request is merged as MERGE_SHA: the run, with its conclusion. */
  function merged(plan: JobRun, gitHub: FakeGitHub): void {
    gitHub.workflowRun({ id: plan.runId, workflow: 'plan.yml', head_sha: HEAD_SHA, conclusion: plan.failed ? 'failure' : 'success', run_started_at: '2026-11-22T09:00:00Z' });
    gitHub.merge(PR, MERGE_SHA);
  }


  /** The plan job: validate, then a plan with changes (exit 2) in markdown, posted as the comment, then saved and uploaded under the pull request and head commit. */
  async function planJob(checkout: string, variables: Variables, gitHub: FakeGitHub): Promise<{ run: TracedJob; markdown: string; saved: string; savedPlan: Plan; writePermissions: string[] }> {
    const run = await job('plan.yml', checkout, variables, gitHub);
    expect(run.ran).toBe(true);
    expect(outputsOf(run, 'validate')['exit-code'], stepNamed(run, 'validate')?.action?.stderr).toBe('0');
    const plan = outputsOf(run, 'plan');
    expect(plan['exit-code'], stepNamed(run, 'plan')?.action?.stderr).toBe('2');
    expect(plan).toMatchObject({ 'has-changes': 'true', planned: 'true' });
    expect(run.failed).toBe(false);
    expect(stepNamed(run, 'plan')?.with).toMatchObject({ 'plan-file': 'plan.json', policy: 'policies/', 'working-directory': '.' });
    const saved = plan['plan-file'] ?? '';
    expect(saved).toBe(path.join(realpathSync(checkout), 'plan.json'));
    expect(uploads(run)).toEqual([{ name: `tenantctl-plan-pr${PR}-${HEAD_SHA}`, path: saved }]);
    expect(stepNamed(run, 'Comment on the pull request')?.outcome).toBe('success');
    expect(stepNamed(run, 'Fail on errors')?.outcome).toBe('skipped');
    const markdown = file(plan['stdout-file']);
    expect(markdown).toMatch(/^## Plan: \d+ to restore/u);
    expect(markdown).toContain('| action | count |');
    expect(markdown.length).toBeLessThan(GITHUB_COMMENT_MAX_CHARS);
    const [comment] = planComment(gitHub);
    expect(comment).toContain(markdown);
    expect(comment).toContain('Merging applies exactly this plan');
    const savedPlan = JSON.parse(file(saved)) as Plan;
    expect(savedPlan.changes.length).toBeGreaterThan(0);
    const writePermissions = [...new Set(writeNeeds(savedPlan.changes.map((c) => c.action)).map((n) => n.permission))].sort();
    return { run, markdown, saved, savedPlan, writePermissions };
  }

  /** The apply job's outcome: every change of the saved plan applied, one audit line each, the audit log uploaded. */
  function expectApplied(run: JobRun, checkout: string, plan: Plan): void {
    expect(run.environment).toBe(ENVIRONMENT);
    const apply = outputsOf(run, 'apply');
    expect(apply['exit-code'], stepNamed(run, 'apply')?.action?.stderr).toBe('0');
    expect(apply['has-changes']).toBe('true');
    expect(run.failed).toBe(false);
    // apply's own result: every change of the plan applied; the log and the job's summary say so.
    expect(apply['result-file']).toBe(apply['stdout-file']);
    const result = JSON.parse(file(apply['result-file'])) as ApplyResult;
    expect(result.outcomes.map((o) => o.status)).toEqual(plan.changes.map(() => 'applied'));
    expect(result.summary).toEqual({ applied: summarise(plan.changes), failed: 0, skipped: 0 });
    expect(stepNamed(run, 'apply')?.action?.stdout).toContain(`Applied ${plan.changes.length} changes (`);
    expect(run.summary).toContain(`| ${plan.changes.length} (`);
    const [upload] = uploads(run);
    expect(upload).toEqual({ name: `tenantctl-audit-${MERGE_SHA}-1`, path: './audit.jsonl' });
    const audit = file(path.join(checkout, upload?.path ?? '')).trim().split('\n').map((line) => JSON.parse(line) as { outcome: string });
    expect(audit).toHaveLength(plan.changes.length);
    expect(new Set(audit.map((a) => a.outcome))).toEqual(new Set(['applied']));
  }

  /** The drift job after the apply: no drift (exit 0), nothing uploaded, no issue. */
  async function expectNoDrift(checkout: string, variables: Variables, gitHub: FakeGitHub): Promise<TracedJob> {
    const run = await job('drift.yml', checkout, variables, gitHub);
    const plan = outputsOf(run, 'plan');
    expect(plan['exit-code'], stepNamed(run, 'plan')?.action?.stderr).toBe('0');
    expect(plan).toMatchObject({ 'has-changes': 'false', planned: 'true' });
    expect(file(plan['stdout-file'])).toContain('No changes');
    expect(file(plan['stdout-file'])).not.toContain('missing-permission');
    expect(uploads(run)).toEqual([]);
    expect(run.failed).toBe(false);
    expect(gitHub.issues()).toEqual([]);
    return run;
  }

  return {
    get seed(): Seed {
      return seed;
    },
    get emulator(): RunningEmulator {
      return emulator;
    },
    get oidc(): LocalOidcIssuer {
      return oidc;
    },
    /** Where the action installed tenantctl (npm, with the seeded lockfile), once the first job ran. */
    get installation(): string {
      return path.join(runnerTemp, 'tenantctl');
    },
    freshCheckout,
    job,
    merged,
    planJob,
    expectApplied,
    expectNoDrift,
  };
}
