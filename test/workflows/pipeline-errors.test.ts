/**
 * The pipeline of the example tenant repository (pipeline.ts) when something is wrong: the read-only
 * plan identity as the apply identity (apply refuses, writing nothing), the writer signing in from a
 * pull request (no plan), and a plan with an error finding, a declared user purged for good: the plan
 * is still made, posted with the error and uploaded, and fails the check; merged anyway, apply applies
 * the rest and fails naming what it left alone (drift with such a plan: github-steps.test.ts).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Plan } from '../../src/domain/plan.ts';
import { DEMO_CLIENT_ID } from '../../src/cli/demo/demo-tenant.ts';
import { lastSeq, readState, requestsSince, writesIn } from '../support/apply-e2e.ts';
import { hasGitHubTools } from './fake-github.ts';
import type { ApplyResult } from './pipeline.ts';
import { ENVIRONMENT, file, outputsOf, pipelineRig, pipelineSeed, planComment, READER, SINGLE } from './pipeline.ts';
import { HEAD_SHA, MERGE_SHA, PR, stepOf, uploads } from './workflow-jobs.ts';

const stepNamed = stepOf;

describe.skipIf(!hasGitHubTools())('the workflows\' jobs when something is wrong, through the action against the emulator, signed in by OIDC (skipped without jq and curl on PATH: the workflows\' scripts use jq, the fake gh curl)', () => {
  const rig = pipelineRig({ install: 'preinstalled' });

  it('read-only plan identity as the apply identity: apply refuses the saved plan, naming the permissions, fails the job and writes nothing', async () => {
    const { checkout, gitHub } = await rig.freshCheckout(await pipelineSeed(rig.oidc.url, { readerInEnvironment: true }));
    const variables = { vars: { AZURE_TENANT_ID: rig.seed.tenantId, AZURE_CLIENT_ID: READER }, environmentVars: { [ENVIRONMENT]: { AZURE_CLIENT_ID: READER } } };
    const { run: plan, writePermissions } = await rig.planJob(checkout, variables, gitHub);
    rig.merged(plan, gitHub);
    const before = await readState(rig.emulator.url);
    const since = await lastSeq(rig.emulator.url);

    const apply = await rig.job('apply.yml', checkout, variables, gitHub);
    const run = stepNamed(apply, 'apply')?.action;
    expect(run?.outputs['exit-code'], run?.stderr).toBe('1');
    expect(run?.outputs['has-changes']).toBe('false');
    expect(run?.exitCode).toBe(1);
    expect(apply.failed).toBe(true);
    const stderr = file(run?.outputs['stderr-file']);
    expect(stderr).toContain('Nothing was changed.');
    expect(stderr).toContain('these credentials cannot make the plan\'s changes');
    for (const permission of writePermissions) expect(stderr).toContain(permission);
    // A refusal prints no result: there is none to read.
    expect(run?.outputs['result-file']).toBe('');
    expect(file(run?.outputs['stdout-file'])).toBe('');
    // The summary and the audit-log upload still run (if: !cancelled()); there is no audit log.
    expect(stepNamed(apply, 'Summarise')?.outcome).toBe('success');
    expect(apply.summary).toContain('Nothing was changed.');
    expect(uploads(apply)).toHaveLength(1);
    expect(existsSync(path.join(checkout, 'audit.jsonl'))).toBe(false);

    const requests = await requestsSince(rig.emulator.url, since);
    expect(requests.length).toBeGreaterThan(0);
    expect(writesIn(requests)).toEqual([]);
    expect(await readState(rig.emulator.url)).toEqual(before);
  });

  it('the writer, trusted only from the environment, cannot sign in from a pull request: no plan, the comment says so, nothing is uploaded, the job fails', async () => {
    const { checkout, gitHub } = await rig.freshCheckout();
    const run = await rig.job('plan.yml', checkout, { vars: { AZURE_TENANT_ID: rig.seed.tenantId, AZURE_CLIENT_ID: DEMO_CLIENT_ID } }, gitHub);
    expect(outputsOf(run, 'validate')['exit-code']).toBe('0');
    const plan = outputsOf(run, 'plan');
    expect(plan).toMatchObject({ 'exit-code': '1', planned: 'false', 'plan-file': '' });
    expect(rig.emulator.tokenRequests().at(-1)).toMatchObject({ clientId: DEMO_CLIENT_ID, clientAuthentication: 'client_assertion' });
    expect(rig.emulator.tokenRequests().at(-1)?.status).not.toBe(200);
    expect(uploads(run)).toEqual([]);
    expect(planComment(gitHub)).toEqual([expect.stringContaining('## tenantctl plan failed (exit 1)')]);
    expect(stepNamed(run, 'Fail on errors')?.outcome).toBe('failure');
    expect(stepNamed(run, 'Fail on errors')?.stdout).toContain('there is no plan to apply');
    expect(run.failed).toBe(true);
    expect(existsSync(path.join(checkout, 'plan.json'))).toBe(false);
  });

  it('a plan with an error finding (a declared user purged for good): posted with the error and uploaded, the check fails; merged anyway, apply applies the rest and fails naming what it left', async () => {
    const purged = 'frank@contoso.com';
    const gone = { ...rig.seed, users: rig.seed.users.filter((u) => u.userPrincipalName !== purged), deletedUsers: rig.seed.deletedUsers.filter((u) => u.userPrincipalName !== purged) };
    expect(rig.seed.deletedUsers.map((u) => u.userPrincipalName)).toContain(purged);
    expect([...gone.users, ...gone.deletedUsers].map((u) => u.userPrincipalName)).not.toContain(purged);
    const { checkout, gitHub } = await rig.freshCheckout(gone);
    const variables = { vars: { AZURE_TENANT_ID: rig.seed.tenantId, AZURE_CLIENT_ID: SINGLE } };

    const plan = await rig.job('plan.yml', checkout, variables, gitHub);
    const planned = outputsOf(plan, 'plan');
    expect(planned, stepNamed(plan, 'plan')?.action?.stderr).toMatchObject({ 'exit-code': '1', planned: 'true', 'has-changes': 'true' });
    const savedPlan = JSON.parse(file(planned['plan-file'])) as Plan;
    expect(savedPlan.diagnostics.filter((d) => d.severity === 'error').map((d) => [d.code, d.userPrincipalName])).toEqual([['not-restorable', purged]]);
    expect(savedPlan.changes.length).toBeGreaterThan(0);
    expect(savedPlan.changes.filter((c) => c.userPrincipalName === purged)).toEqual([]);
    const [comment] = planComment(gitHub);
    expect(comment).toContain('not-restorable');
    expect(comment).toContain(purged);
    expect(comment).toContain('The plan has errors, so this check fails.');
    expect(uploads(plan)).toEqual([{ name: `tenantctl-plan-pr${PR}-${HEAD_SHA}`, path: planned['plan-file'] }]);
    expect(stepNamed(plan, 'Fail on errors')?.outcome).toBe('failure');
    expect(plan.failed).toBe(true);

    // The admins merge anyway (the required check failed): the failed run's plan is applied but for the error.
    rig.merged(plan, gitHub);
    const apply = await rig.job('apply.yml', checkout, variables, gitHub);
    const applied = outputsOf(apply, 'apply');
    expect(applied, stepNamed(apply, 'apply')?.action?.stderr).toMatchObject({ 'exit-code': '1', 'has-changes': 'true' });
    // apply's result names what it left alone; the log and the job's summary say so.
    const result = JSON.parse(file(applied['result-file'])) as ApplyResult;
    expect(result.blocked.map((d) => [d.code, d.userPrincipalName])).toEqual([['not-restorable', purged]]);
    expect(result.summary).toMatchObject({ failed: 0, skipped: 0 });
    expect(stepNamed(apply, 'apply')?.action?.stdout).toContain(`Applied ${savedPlan.changes.length} changes (`);
    expect(stepNamed(apply, 'apply')?.action?.stdout).toContain('; 1 error in the plan: what it names was not applied.\n');
    expect(apply.summary).toContain(`- an error in the plan, left alone: \`not-restorable\` ${purged}: `);
    expect(apply.failed).toBe(true);
    const audit = file(path.join(checkout, 'audit.jsonl')).trim().split('\n').map((line) => JSON.parse(line) as { outcome: string; userPrincipalName: string });
    expect(audit).toHaveLength(savedPlan.changes.length);
    expect(new Set(audit.map((a) => a.outcome))).toEqual(new Set(['applied']));
    expect(uploads(apply)).toEqual([{ name: `tenantctl-audit-${MERGE_SHA}-1`, path: './audit.jsonl' }]);
    // (drift.yml with such a plan opens the drift issue with it: github-steps.test.ts.)
  });
});
