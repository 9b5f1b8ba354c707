/**
 * The pipeline of the example tenant repository, as docs/github-actions.md sets it up, through the
 * action and this checkout's tenantctl against the emulator holding a drifted copy of the example's
 * policies, signed in with GitHub's OIDC token from a local issuer (no secret anywhere), with a fake
 * GitHub between the jobs (pipeline.ts): validate → plan (changes, the comment, the artifact) → apply
 * of that artifact → drift plan (no changes). Both with one identity for everything and with the
 * recommended read-only plan identity, whose plan names the write permissions it lacks as warnings.
 * When something is wrong: pipeline-errors.test.ts.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEMO_APP_ROLES, DEMO_CLIENT_ID } from '../../src/cli/demo/demo-tenant.ts';
import { hasGitHubTools } from './fake-github.ts';
import { ENVIRONMENT, file, outputsOf, pipelineRig, READER, READER_ROLES, SINGLE } from './pipeline.ts';
import { PR, repo } from './workflow-jobs.ts';

describe.skipIf(!hasGitHubTools())('the workflows\' jobs, in pipeline order, through the action against the emulator, signed in by OIDC (skipped without jq and curl on PATH: the workflows\' scripts use jq, the fake gh curl)', () => {
  const rig = pipelineRig({ install: 'npm' });

  it('uses the demo app with exactly the permissions of docs/permissions.md §2 as the writing identity, and no app has a secret', () => {
    expect(rig.seed.apps.find((a) => a.clientId === DEMO_CLIENT_ID)?.roles).toEqual(DEMO_APP_ROLES);
    expect(DEMO_APP_ROLES).toEqual(expect.arrayContaining(READER_ROLES));
    expect(rig.seed.apps.filter((a) => a.clientSecret !== undefined)).toEqual([]);
  });

  it('one identity: plan (validate, then the drift: exit 2, markdown, the comment, the artifact) → apply of that artifact → drift (none: exit 0); applying that drift plan changes nothing', async () => {
    const { checkout, gitHub } = await rig.freshCheckout();
    const variables = { vars: { AZURE_TENANT_ID: rig.seed.tenantId, AZURE_CLIENT_ID: SINGLE } };
    const tokensBefore = rig.emulator.tokenRequests().length;
    const { run: plan, markdown, savedPlan } = await rig.planJob(checkout, variables, gitHub);
    expect(markdown).not.toContain('missing-permission');
    // npm installed tenantctl into a prefix seeded with this release's lockfile; only tenantctl is on PATH.
    expect(readFileSync(path.join(rig.installation, 'package-lock.json'))).toEqual(readFileSync(path.join(repo, 'package-lock.json')));
    expect(readdirSync(path.join(rig.installation, 'bin'))).toEqual(['tenantctl']);
    rig.merged(plan, gitHub);

    const apply = await rig.job('apply.yml', checkout, variables, gitHub);
    rig.expectApplied(apply, checkout, savedPlan);
    expect(apply.summary).toContain(`The plan reviewed in #${PR}`);

    const drift = await rig.expectNoDrift(checkout, variables, gitHub);
    // The drift plan, reviewed in another pull request and merged: nothing to apply.
    const [head, merge] = ['b'.repeat(40), 'c'.repeat(40)];
    const next = gitHub.pullRequest(head, { mergeSha: merge });
    gitHub.workflowRun({ id: 4999, workflow: 'plan.yml', head_sha: head, conclusion: 'success', run_started_at: '2026-11-22T11:00:00Z' });
    gitHub.uploadArtifact(4999, `tenantctl-plan-pr${next}-${head}`, outputsOf(drift, 'plan')['plan-file'] ?? '');
    const nothing = await rig.job('apply.yml', checkout, variables, gitHub, { sha: merge });
    expect(outputsOf(nothing, 'apply')).toMatchObject({ 'exit-code': '0', 'has-changes': 'false' });
    expect(JSON.parse(file(outputsOf(nothing, 'apply')['result-file']))).toMatchObject({ outcomes: [], summary: { applied: {}, failed: 0, skipped: 0 }, blocked: [] });

    expect([plan, apply, drift, nothing].flatMap((r) => r.argv.map((args) => args[0]))).toEqual(['validate', 'plan', 'apply', 'plan', 'apply']);
    const tokens = rig.emulator.tokenRequests().slice(tokensBefore);
    expect(tokens.length).toBeGreaterThan(0);
    expect(tokens.every((t) => t.clientId === SINGLE && t.clientAuthentication === 'client_assertion' && t.status === 200)).toBe(true);
  });

  it('read-only plan identity (repository variable) and writer (environment variable): the plan names the write permissions it lacks as warnings → the writer applies the saved plan in the environment → no drift', async () => {
    const { checkout, gitHub } = await rig.freshCheckout();
    const variables = { vars: { AZURE_TENANT_ID: rig.seed.tenantId, AZURE_CLIENT_ID: READER }, environmentVars: { [ENVIRONMENT]: { AZURE_CLIENT_ID: DEMO_CLIENT_ID } } };
    const tokensBefore = rig.emulator.tokenRequests().length;
    const { run: plan, markdown, savedPlan, writePermissions } = await rig.planJob(checkout, variables, gitHub);
    expect(plan.env.AZURE_CLIENT_ID).toBe(READER);
    expect(writePermissions).toEqual(['LicenseAssignment.ReadWrite.All', 'User.DeleteRestore.All', 'User.ReadWrite.All']);
    // In the review (the pull-request comment, the drift issue): one warning per write permission, none an error.
    for (const permission of writePermissions) expect(markdown).toMatch(new RegExp(`\\| warning \\| \`missing-permission\` \\| [^|]*\\| these credentials lack the application permission ${permission.replaceAll('.', '\\.')}, needed to apply this plan`, 'u'));
    const missing = savedPlan.diagnostics.filter((d) => d.code === 'missing-permission');
    expect(missing.map((d) => d.severity)).toEqual(writePermissions.map(() => 'warning'));
    expect(savedPlan.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    rig.merged(plan, gitHub);

    const apply = await rig.job('apply.yml', checkout, variables, gitHub);
    expect(apply.env.AZURE_CLIENT_ID).toBe(DEMO_CLIENT_ID);
    rig.expectApplied(apply, checkout, savedPlan);

    const drift = await rig.expectNoDrift(checkout, variables, gitHub);
    expect(drift.env.AZURE_CLIENT_ID).toBe(READER);
    const tokens = rig.emulator.tokenRequests().slice(tokensBefore).filter((t) => t.status === 200);
    expect(new Set(tokens.map((t) => t.clientId))).toEqual(new Set([READER, DEMO_CLIENT_ID]));
    expect(tokens.every((t) => t.clientAuthentication === 'client_assertion')).toBe(true);
  });

});
