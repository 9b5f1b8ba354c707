/**
 * The reusable workflows' steps that talk to GitHub, run (not just read) against a fake GitHub
 * (fake-github.ts: a `gh` on PATH answered by a fake GitHub in this process, which keeps and changes
 * pull requests, workflow runs, artifacts, issues, comments and labels, and records every call), with tenantctl a stand-in that answers as
 * told (test/support/workflow-commands.ts): the plan comment (created once, then updated in place, for
 * a plan, a plan with errors, invalid policy), the plan artifact (uploaded after the comment, whenever a
 * plan was made), the apply job's look-up of the reviewed plan (the pull request merged as the pushed
 * commit, its latest finished plan run, that run's artifact; refusals), the drift issue (opened,
 * updated, closed, opened again for a plan with errors, "unknown" without a plan), the configuration
 * check (AZURE_CLIENT_ID only on the environment, or nowhere), and several tenants in one repository.
 * The scripts use jq, as GitHub's runners have it, and the fake gh curl; without them here, these
 * tests are skipped (and say why).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { recordedInvocations, runnerWithStandIn, standInApplyResult, standInPlan } from '../support/workflow-commands.ts';
import { FakeGitHub, hasGitHubTools } from './fake-github.ts';
import type { JobRun, Scalar } from './workflow-jobs.ts';
import { CALLER_REPOSITORY, EVENT, githubContext, HEAD_SHA, MERGE_SHA, onlyJob, PR, readWorkflowFile, runJob, stepOf, uploads } from './workflow-jobs.ts';

type Name = 'plan.yml' | 'apply.yml' | 'drift.yml';
const temp = (prefix: string): string => mkdtempSync(path.join(tmpdir(), prefix));
const BOT = 'github-actions[bot]';
const TOKEN = 'ghs_not-a-real-token';
const CONFIGURED = { AZURE_TENANT_ID: 'the-tenant', AZURE_CLIENT_ID: 'the-plan-app' };
/** The example tenant repository's `with:` for each reusable workflow. */
const callerWith = (name: Name): Readonly<Record<string, Scalar>> => onlyJob(readWorkflowFile(`examples/tenant-repo/.github/workflows/${name}`).workflow)[1].with ?? {};

/** What the stand-in tenantctl answers: per subcommand (`plan: { EXIT: '2', STDOUT: … }`), as FAKE_TENANTCTL_<SUBCOMMAND>_<NAME>. */
type Told = Partial<Record<'validate' | 'plan' | 'apply', Partial<Record<'EXIT' | 'STDOUT' | 'STDERR' | 'SAVED_PLAN' | 'AUDIT', string>>>>;

/** A saved plan, as tenantctl writes it, with `changes` changes and an error finding (a user purged for good). */
const planWithErrors = (changes: number): string => standInPlan({ changes, errors: 1 });

describe.skipIf(!hasGitHubTools())('the workflows\' GitHub steps, run against a fake GitHub (skipped without jq and curl on PATH: the workflows\' scripts use jq, as GitHub\'s runners have it, and the fake gh curl)', () => {
  let standIn: string;
  let runnerTemp: string;
  beforeAll(() => {
    // One RUNNER_TEMP for every job, the stand-in installed in it (pipeline.test.ts installs with npm).
    ({ standIn, runnerTemp } = runnerWithStandIn({ delegate: false }));
  });

  interface Options {
    readonly told?: Told;
    readonly vars?: Record<string, string>;
    readonly environmentVars?: Record<string, Record<string, string>>;
    readonly with?: Record<string, Scalar>;
    readonly runId?: number;
    readonly headSha?: string;
    readonly sha?: string;
  }

  /** Runs a reusable workflow's job as the example repository calls it, against `gitHub`; returns the run and the tenantctl command lines. */
  async function runWorkflow(name: Name, gitHub: FakeGitHub, options: Options = {}): Promise<JobRun & { argv: string[][] }> {
    const log = path.join(temp('argv-'), 'log');
    const told = Object.fromEntries(Object.entries(options.told ?? {}).flatMap(([command, values]) => Object.entries(values).map(([key, value]) => [`FAKE_TENANTCTL_${command.toUpperCase()}_${key}`, value])));
    const run = await runJob({
      workflow: readWorkflowFile(`.github/workflows/${name}`).workflow,
      with: { ...callerWith(name), 'tenantctl-version': standIn, ...options.with },
      vars: options.vars ?? CONFIGURED,
      ...(options.environmentVars === undefined ? {} : { environmentVars: options.environmentVars }),
      github: githubContext(EVENT[name], { ...(options.runId === undefined ? {} : { runId: options.runId }), ...(options.headSha === undefined ? {} : { headSha: options.headSha }), ...(options.sha === undefined ? {} : { sha: options.sha }) }),
      workspace: temp('checkout-'),
      runnerTemp,
      runnerEnv: { TENANTCTL_ARGV_LOG: log, ...told },
      gitHub,
    });
    return { ...run, argv: recordedInvocations(log).map((r) => [...r.args]) };
  }

  /** Every gh call of a GitHub, short: `api [METHOD] ENDPOINT`, or the words without flags (`issue list`); each had the token. */
  const ghCalls = (gitHub: FakeGitHub): string[] => gitHub.calls().map(({ args, token }) => {
    expect(token, args.join(' ')).toBe(TOKEN);
    const words: string[] = [];
    for (let i = 0; i < args.length; i++) {
      const arg = args[i] ?? '';
      if (arg === '--method') words.push(args[++i] ?? '');
      else if (arg.startsWith('-')) i += ['--paginate', '--force'].includes(arg) ? 0 : 1;
      else words.push(arg);
    }
    const [command = '', ...rest] = words;
    return command === 'api' ? [command, ...rest.filter((w) => /^[A-Z]+$/u.test(w)), ...rest.filter((w) => !/^[A-Z]+$/u.test(w))].join(' ') : words.join(' ');
  });

  const failure = (run: JobRun): string => run.steps.filter((s) => s.outcome === 'failure').map((s) => `${s.name ?? s.id}: ${s.stdout ?? s.action?.stdout ?? ''}${s.stderr ?? s.action?.stderr ?? ''}`).join('\n');

  describe('plan.yml: the pull-request comment and the plan artifact', () => {
    it('creates one comment, then updates that same comment on every push (a plan, a plan with errors, an invalid policy), and uploads the plan after commenting whenever one was made', async () => {
      const gitHub = new FakeGitHub(CALLER_REPOSITORY);
      gitHub.pullRequest(HEAD_SHA, { number: PR });
      // Someone else's comment that starts like ours, and one of the bot's for another tenant of the repository: neither is ours.
      gitHub.update((state) => {
        state.comments.push({ id: 1, issue_number: PR, body: '<!-- tenantctl-plan -->\nfake', user: { login: 'mallory' } });
        state.comments.push({ id: 2, issue_number: PR, body: '<!-- tenantctl-plan:fabrikam -->\nthe other tenant', user: { login: BOT } });
      });

      const first = await runWorkflow('plan.yml', gitHub, { runId: 101, told: { plan: { EXIT: '2', STDOUT: '## Plan: 1 to restore\n\n| action | count |\n' } } });
      expect(first.failed, failure(first)).toBe(false);
      const ours = () => gitHub.commentsOn(PR).filter((c) => c.id > 2);
      expect(ours()).toHaveLength(1);
      const [comment] = ours();
      expect(comment?.user.login).toBe(BOT);
      expect(comment?.body.startsWith('<!-- tenantctl-plan -->\n## Plan: 1 to restore')).toBe(true);
      expect(comment?.body).toContain(`Planned for ${HEAD_SHA.slice(0, 7)} in [run 101](https://github.com/${CALLER_REPOSITORY}/actions/runs/101); saved plan: artifact \`tenantctl-plan-pr${PR}-${HEAD_SHA}\`. Merging applies exactly this plan`);
      expect(first.summary).toContain('## Plan: 1 to restore');
      expect(gitHub.artifactNames(101)).toEqual([`tenantctl-plan-pr${PR}-${HEAD_SHA}`]);
      expect(ghCalls(gitHub)).toEqual([`api repos/${CALLER_REPOSITORY}/issues/${PR}/comments`, `api POST repos/${CALLER_REPOSITORY}/issues/${PR}/comments`]);

      // Second push: a plan with errors. The same comment says so; the plan is uploaded; the check fails.
      const second = await runWorkflow('plan.yml', gitHub, { runId: 102, headSha: 'd'.repeat(40), told: { plan: { EXIT: '1', SAVED_PLAN: planWithErrors(2), STDOUT: '## Plan: 2 to restore, 1 error\n\n| error | `not-restorable` | frank@contoso.com |\n' } } });
      expect(ours()).toHaveLength(1);
      expect(ours()[0]?.id).toBe(comment?.id);
      expect(ours()[0]?.body).toContain('| error | `not-restorable` | frank@contoso.com |');
      expect(ours()[0]?.body).toContain('**The plan has errors, so this check fails.** Merged anyway, exactly this plan is applied except for what the errors name');
      expect(gitHub.artifactNames(102)).toEqual([`tenantctl-plan-pr${PR}-${'d'.repeat(40)}`]);
      expect(stepOf(second, 'Fail on errors')).toMatchObject({ outcome: 'failure' });
      expect(stepOf(second, 'Fail on errors')?.stdout).toContain('::error::The plan has errors');
      expect(second.failed).toBe(true);
      expect(ghCalls(gitHub).slice(2)).toEqual([`api repos/${CALLER_REPOSITORY}/issues/${PR}/comments`, `api PATCH repos/${CALLER_REPOSITORY}/issues/comments/${comment?.id}`]);

      // Third push: the policy is invalid. The same comment shows the errors; no plan, nothing uploaded.
      const third = await runWorkflow('plan.yml', gitHub, { runId: 103, told: { validate: { EXIT: '1', STDERR: 'error  yaml-syntax  people.yaml:3\n' } } });
      expect(ours()).toHaveLength(1);
      expect(ours()[0]?.body).toContain('## tenantctl validate found errors');
      expect(ours()[0]?.body).toContain('error  yaml-syntax  people.yaml:3');
      expect(ours()[0]?.body).toContain('Nothing will be applied until a plan is made.');
      expect(third.argv.map((a) => a[0])).toEqual(['validate']);
      expect(gitHub.artifactNames(103)).toEqual([]);
      expect(stepOf(third, 'Fail on errors')?.stdout).toContain('there is no plan to apply');
      expect(third.failed).toBe(true);
      // The other comments were left alone.
      expect(gitHub.commentsOn(PR).filter((c) => c.id <= 2).map((c) => c.body)).toEqual(['<!-- tenantctl-plan -->\nfake', '<!-- tenantctl-plan:fabrikam -->\nthe other tenant']);
    });

    it('uploads no plan that could not be posted: when the comment fails, there is no artifact (so nothing unreviewed can be applied)', async () => {
      const gitHub = new FakeGitHub(CALLER_REPOSITORY); // no pull request #42: commenting fails
      const run = await runWorkflow('plan.yml', gitHub, { runId: 104, told: { plan: { EXIT: '2' } } });
      expect(stepOf(run, 'Comment on the pull request')).toMatchObject({ outcome: 'failure' });
      expect(stepOf(run, 'Upload the saved plan')?.outcome).toBe('skipped');
      expect(gitHub.artifactNames(104)).toEqual([]);
      expect(run.failed).toBe(true);
    });
  });

  describe('apply.yml: finding the reviewed plan', () => {
    /** A merged pull request with plan runs for its head commit (and others that do not count), each with its saved plan as the artifact unless `artifact: false`. */
    function reviewed(runs: readonly { id: number; conclusion: 'success' | 'failure' | 'cancelled'; startedAt: string; headSha?: string; workflow?: string; artifact?: boolean }[]): FakeGitHub {
      const gitHub = new FakeGitHub(CALLER_REPOSITORY);
      gitHub.pullRequest('e'.repeat(40), { number: 7, mergeSha: 'f'.repeat(40) });
      gitHub.pullRequest(HEAD_SHA, { number: PR, mergeSha: MERGE_SHA });
      for (const run of runs) {
        const headSha = run.headSha ?? HEAD_SHA;
        gitHub.workflowRun({ id: run.id, workflow: run.workflow ?? 'plan.yml', head_sha: headSha, conclusion: run.conclusion, run_started_at: run.startedAt });
        if (run.artifact === false) continue;
        const plan = path.join(temp('saved-'), 'plan.json');
        writeFileSync(plan, JSON.stringify({ run: run.id, changes: [] }));
        gitHub.uploadArtifact(run.id, `tenantctl-plan-pr${PR}-${headSha}`, plan);
      }
      return gitHub;
    }
    const ENV = { environmentVars: { 'tenant-production': { AZURE_CLIENT_ID: 'the-apply-app' } } };

    it('applies the artifact of the latest finished plan run (passed, or failed on errors in its plan) for the head commit of the pull request merged as the pushed commit', async () => {
      const gitHub = reviewed([
        { id: 201, conclusion: 'success', startedAt: '2026-11-22T08:00:00Z' },
        { id: 203, conclusion: 'failure', startedAt: '2026-11-22T09:00:00Z' }, // the plan had errors: still a plan
        { id: 204, conclusion: 'cancelled', startedAt: '2026-11-22T09:30:00Z' },
        { id: 205, conclusion: 'success', startedAt: '2026-11-22T10:00:00Z', headSha: '0'.repeat(40) }, // another commit
        { id: 206, conclusion: 'success', startedAt: '2026-11-22T10:00:00Z', workflow: 'drift.yml' }, // another workflow
      ]);
      const run = await runWorkflow('apply.yml', gitHub, { ...ENV, runId: 210, told: { apply: { STDOUT: standInApplyResult(['applied']) } } });
      expect(run.failed, failure(run)).toBe(false);
      const planFile = stepOf(run, 'reviewed')?.outputs?.['plan-file'] ?? '';
      expect(planFile).toBe(path.join(runnerTemp, 'reviewed-plan', 'plan.json'));
      expect(JSON.parse(readFileSync(planFile, 'utf8'))).toEqual({ run: 203, changes: [] });
      expect(run.argv).toEqual([['apply', planFile, '--policy', 'policies/', '--format', 'json', '--auto-approve', '--audit-log', 'audit.jsonl']]);
      expect(stepOf(run, 'apply')?.action?.outputs).toMatchObject({ 'exit-code': '0', 'has-changes': 'true' });
      expect(ghCalls(gitHub)).toEqual([
        `api repos/${CALLER_REPOSITORY}/commits/${MERGE_SHA}/pulls`,
        `api repos/${CALLER_REPOSITORY}/actions/workflows/plan.yml/runs?event=pull_request&status=completed&head_sha=${HEAD_SHA}&per_page=100`,
        'run download 203',
      ]);
      expect(gitHub.calls().at(-1)?.args).toEqual(['run', 'download', '203', '--repo', CALLER_REPOSITORY, '--name', `tenantctl-plan-pr${PR}-${HEAD_SHA}`, '--dir', `${runnerTemp}/reviewed-plan`]);
      expect(run.summary).toContain(`The plan reviewed in #${PR} (${HEAD_SHA.slice(0, 7)}), from [run 203]`);
    });

    it('sums apply\'s JSON result up in the job\'s summary: the counts, each change it did not apply (Graph\'s code and message, or why it was skipped), each error of the plan; the step fails on exit 1', async () => {
      const gitHub = reviewed([{ id: 231, conclusion: 'success', startedAt: '2026-11-22T08:00:00Z' }]);
      const run = await runWorkflow('apply.yml', gitHub, { ...ENV, runId: 232, told: { apply: { EXIT: '1', STDOUT: standInApplyResult(['applied', 'failed', 'skipped'], { errors: 1 }) } } });
      expect(stepOf(run, 'apply')?.action?.outputs).toMatchObject({ 'exit-code': '1', 'has-changes': 'true' });
      expect(stepOf(run, 'apply')?.outcome).toBe('failure');
      expect(stepOf(run, 'Summarise')?.outcome).toBe('success');
      expect(run.summary).toContain([
        '| applied | failed | skipped | errors in the plan |',
        '|---|---|---|---|',
        '| 1 (set-usage-location 1) | 1 | 1 | 1 |',
        '',
        '- failed: `set-usage-location` user1@contoso.com: Request_BadRequest the stand-in failed this change',
        '- skipped: `set-usage-location` user2@contoso.com: an earlier step of this user failed',
        '- an error in the plan, left alone: `not-restorable` purged0@contoso.com: not in the tenant, and not in the recycle bin: nothing to restore',
      ].join('\n'));
      expect(run.failed).toBe(true);
    });

    it('refuses, applying nothing, a push no pull request was merged as, a pull request without a finished plan run, and a run that made no plan', async () => {
      const cases: { gitHub: FakeGitHub; sha?: string; message: string }[] = [
        { gitHub: reviewed([{ id: 221, conclusion: 'success', startedAt: '2026-11-22T08:00:00Z' }]), sha: '9'.repeat(40), message: `No pull request was merged as ${'9'.repeat(40)}` },
        { gitHub: reviewed([{ id: 222, conclusion: 'cancelled', startedAt: '2026-11-22T08:00:00Z' }]), message: `Pull request #${PR} was merged without a finished plan.yml run for its head commit ${HEAD_SHA.slice(0, 7)}` },
        { gitHub: reviewed([]), message: `Pull request #${PR} was merged without a finished plan.yml run` },
        { gitHub: reviewed([{ id: 224, conclusion: 'failure', startedAt: '2026-11-22T08:00:00Z', artifact: false }]), message: `Run 224 of pull request #${PR} has no artifact tenantctl-plan-pr${PR}-${HEAD_SHA} (it made no plan, or the artifact expired)` },
      ];
      for (const { gitHub, sha, message } of cases) {
        const run = await runWorkflow('apply.yml', gitHub, { ...ENV, ...(sha === undefined ? {} : { sha }) });
        expect(stepOf(run, 'reviewed')?.outcome).toBe('failure');
        expect(stepOf(run, 'reviewed')?.stdout).toContain(`::error::${message}`);
        expect(stepOf(run, 'apply')?.outcome).toBe('skipped');
        expect(run.argv).toEqual([]);
        expect(run.failed).toBe(true);
      }
    });
  });

  describe('drift.yml: the drift issue', () => {
    const drift = (gitHub: FakeGitHub, runId: number, told: Told['plan'], withs: Record<string, Scalar> = {}) => runWorkflow('drift.yml', gitHub, { runId, told: { plan: told ?? {} }, with: withs });

    it('opens it on changes (creating the label), updates it while they last, closes it once converged; a plan with errors opens it again and fails; no plan says "unknown" on it and fails', async () => {
      const gitHub = new FakeGitHub(CALLER_REPOSITORY);

      const opened = await drift(gitHub, 301, { EXIT: '2', STDOUT: '## Plan: 1 to restore\n' });
      expect(opened.failed, failure(opened)).toBe(false);
      expect(gitHub.state().labels).toEqual([{ name: 'tenant-drift', color: 'D93F0B', description: 'tenantctl: the tenant differs from the policy' }]);
      expect(gitHub.issues()).toMatchObject([{ number: 1, state: 'open', labels: ['tenant-drift'], title: 'Tenant drift: the tenant differs from the policy' }]);
      expect(gitHub.issues()[0]?.body).toContain('someone changed it outside Git');
      expect(gitHub.issues()[0]?.body).toContain('## Plan: 1 to restore');
      expect(gitHub.artifactNames(301)).toEqual(['tenantctl-drift-plan-301']);

      const updated = await drift(gitHub, 302, { EXIT: '2', STDOUT: '## Plan: 2 to restore\n' });
      expect(updated.failed).toBe(false);
      expect(gitHub.issues()).toHaveLength(1);
      expect(gitHub.issues()[0]?.body).toContain('## Plan: 2 to restore');

      const converged = await drift(gitHub, 303, { EXIT: '0', STDOUT: '## No changes\n' });
      expect(converged.failed).toBe(false);
      expect(gitHub.issues()).toMatchObject([{ number: 1, state: 'closed' }]);
      expect(gitHub.commentsOn(1).map((c) => c.body)).toEqual([expect.stringMatching(/^No drift any more: the tenant matches the policy \(\d{4}-\d\d-\d\d, \[run 303\]/u)]);
      expect(gitHub.artifactNames(303)).toEqual([]);

      // A user purged for good: no change can repair it, and an admin must see it.
      const errors = await drift(gitHub, 304, { EXIT: '1', SAVED_PLAN: planWithErrors(0), STDOUT: '## Plan: no changes, 1 error\n\n| error | `not-restorable` | frank@contoso.com |\n' });
      expect(gitHub.issues()).toMatchObject([{ number: 1, state: 'closed' }, { number: 2, state: 'open', labels: ['tenant-drift'] }]);
      expect(gitHub.issues()[1]?.body).toContain('the plan has **errors**');
      expect(gitHub.issues()[1]?.body).toContain('| error | `not-restorable` | frank@contoso.com |');
      expect(gitHub.artifactNames(304)).toEqual(['tenantctl-drift-plan-304']);
      expect(stepOf(errors, 'Report on the drift issue')?.stdout).toContain('::error::The drift plan has errors (exit 1)');
      expect(errors.failed).toBe(true);

      // No plan at all (sign-in failed): unknown, said on the open issue; its body (the last plan) stays.
      const unknown = await drift(gitHub, 305, { EXIT: '1', STDERR: 'tenantctl: cannot sign in: AADSTS700213\n' });
      expect(gitHub.issues()).toHaveLength(2);
      expect(gitHub.issues()[1]?.body).toContain('`not-restorable`');
      const [said] = gitHub.commentsOn(2);
      expect(said?.body).toContain('made no plan');
      expect(said?.body).toContain('whether the tenant still drifts is unknown');
      expect(said?.body).toContain('AADSTS700213');
      expect(gitHub.artifactNames(305)).toEqual([]);
      expect(unknown.failed).toBe(true);

      expect(ghCalls(gitHub).map((c) => c.split(' ').slice(0, 2).join(' '))).toEqual([
        'issue list', 'label create', 'issue create', // opened
        'issue list', 'issue edit', // updated
        'issue list', 'issue close', // converged
        'issue list', 'label create', 'issue create', // errors
        'issue list', 'issue comment', // unknown
      ]);
    });
  });

  describe('configuration', () => {
    it('apply runs when AZURE_CLIENT_ID is set on its environment only (the job-level if: cannot see it), signing in as that app', async () => {
      const gitHub = new FakeGitHub(CALLER_REPOSITORY);
      const run = await runWorkflow('apply.yml', gitHub, { vars: { AZURE_TENANT_ID: 'the-tenant' }, environmentVars: { 'tenant-production': { AZURE_CLIENT_ID: 'the-apply-app' } } });
      expect(run.ran).toBe(true);
      expect(run.env.AZURE_CLIENT_ID).toBe('the-apply-app');
      expect(stepOf(run, 'Check the configuration')?.outcome).toBe('success');
      // (No pull request was merged as the pushed commit here: the look-up refuses.)
      expect(stepOf(run, 'reviewed')?.outcome).toBe('failure');
    });

    it('a configured repository (AZURE_TENANT_ID) without AZURE_CLIENT_ID for the job fails loudly, naming the variable, instead of skipping', async () => {
      for (const name of ['plan.yml', 'apply.yml', 'drift.yml'] as const) {
        const gitHub = new FakeGitHub(CALLER_REPOSITORY);
        gitHub.pullRequest(HEAD_SHA, { number: PR });
        const run = await runWorkflow(name, gitHub, { vars: { AZURE_TENANT_ID: 'the-tenant' }, environmentVars: { 'tenant-production': {} } });
        expect(run.ran, name).toBe(true);
        expect(run.failed, name).toBe(true);
        const check = stepOf(run, 'Check the configuration');
        expect(check?.outcome, name).toBe('failure');
        expect(check?.stdout, name).toMatch(/::error::.*AZURE_CLIENT_ID/u);
        if (name === 'apply.yml') expect(check?.stdout).toContain('AZURE_CLIENT_ID is empty in the environment tenant-production');
        expect(run.argv, name).toEqual([]);
        expect(gitHub.calls(), name).toEqual([]);
      }
    });
  });

  describe('several tenants in one repository (input tenant)', () => {
    it('keeps their plan comments and plan artifacts apart, and each apply takes its own tenant\'s plan (names: workflows.test.ts)', async () => {
      const gitHub = new FakeGitHub(CALLER_REPOSITORY);
      gitHub.pullRequest(HEAD_SHA, { number: PR });
      // One plan workflow run with a job per tenant.
      for (const tenant of ['contoso', 'fabrikam']) {
        const run = await runWorkflow('plan.yml', gitHub, { runId: 401, with: { tenant, 'working-directory': '.' }, told: { plan: { EXIT: '2', STDOUT: `## Plan for ${tenant}\n` } } });
        expect(run.failed, failure(run)).toBe(false);
        expect(uploads(run)).toEqual([{ name: `tenantctl-plan-${tenant}-pr${PR}-${HEAD_SHA}`, path: expect.any(String) }]);
      }
      const comments = gitHub.commentsOn(PR).map((c) => c.body.split('\n').filter((line) => line !== '').slice(0, 3).join(' | '));
      expect(comments).toEqual(['<!-- tenantctl-plan:contoso --> | **Tenant `contoso`** | ## Plan for contoso', '<!-- tenantctl-plan:fabrikam --> | **Tenant `fabrikam`** | ## Plan for fabrikam']);
      expect(gitHub.artifactNames(401).sort()).toEqual([`tenantctl-plan-contoso-pr${PR}-${HEAD_SHA}`, `tenantctl-plan-fabrikam-pr${PR}-${HEAD_SHA}`]);

      gitHub.merge(PR, MERGE_SHA);
      gitHub.workflowRun({ id: 401, workflow: 'plan.yml', head_sha: HEAD_SHA, conclusion: 'success', run_started_at: '2026-11-22T08:00:00Z' });
      const apply = await runWorkflow('apply.yml', gitHub, { with: { tenant: 'fabrikam' }, environmentVars: { 'tenant-production': { AZURE_CLIENT_ID: 'the-apply-app' } } });
      expect(apply.failed, failure(apply)).toBe(false);
      expect(gitHub.calls().at(-1)?.args).toContain(`tenantctl-plan-fabrikam-pr${PR}-${HEAD_SHA}`);
      expect(apply.summary).toContain('## tenantctl apply (fabrikam)');
    });

    it('refuses a tenant name that could not name an artifact, a label and a marker', async () => {
      const gitHub = new FakeGitHub(CALLER_REPOSITORY);
      const run = await runWorkflow('drift.yml', gitHub, { with: { tenant: 'contoso -->' } });
      expect(stepOf(run, 'Check the configuration')?.stdout).toContain("::error::The input tenant ('contoso -->') may hold only letters, digits");
      expect(run.failed).toBe(true);
      expect(gitHub.calls()).toEqual([]);
    });
  });
});
