/**
 * `tenantctl plan` against the emulator's loopback URL with workload identity federation and no secret:
 * the real bin/tenantctl.js in a child process, configured as a GitHub Actions job with
 * `permissions: id-token: write` is (ACTIONS_ID_TOKEN_REQUEST_URL, ACTIONS_ID_TOKEN_REQUEST_TOKEN), against
 * an app that trusts only pushes to main. The emulator verifies the job's token with the local issuer's keys.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningEmulator } from '../../src/emulator/server.ts';
import { startEmulator } from '../../src/emulator/server.ts';
import { runTenantctl } from '../support/cli.ts';
import { contoso, FEDERATED, FIXTURE_NOW, TENANT_ID, withFederatedApp } from '../support/emulator.ts';
import type { LocalOidcIssuer, WorkflowContext } from '../support/oidc-issuer.ts';
import { githubSubject, startOidcIssuer } from '../support/oidc-issuer.ts';

const repo = new URL('../../', import.meta.url).pathname;
const JWT = /eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/u;
let oidc: LocalOidcIssuer;
let emulator: RunningEmulator;
let policyDir: string;

beforeAll(async () => {
  oidc = await startOidcIssuer();
  // The app trusts pushes to main only: pull requests get no token.
  emulator = await startEmulator({ seed: contoso((draft) => withFederatedApp(draft, FEDERATED, [{ issuer: oidc.url, subject: githubSubject() }])), port: 0 });
  policyDir = mkdtempSync(path.join(tmpdir(), 'tenantctl-wif-plan-'));
  writeFileSync(
    path.join(policyDir, 'policy.yaml'),
    'apiVersion: tenantctl/v1\nkind: TenantPolicy\nlicenses:\n  e3-no-yammer: {sku: ENTERPRISEPACK, disabledPlans: [YAMMER_ENTERPRISE]}\nusers:\n  - {userPrincipalName: bob@contoso.com, displayName: Bob de Vries, licenses: [e3-no-yammer]}\n',
  );
});
afterAll(async () => {
  await emulator.close();
  await oidc.close();
});

/** A GitHub Actions job's environment with `permissions: id-token: write`, and no secret. */
function jobEnvironment(): Record<string, string> {
  return {
    GITHUB_ACTIONS: 'true',
    TENANTCTL_GRAPH_URL: emulator.url,
    TENANTCTL_NOW: FIXTURE_NOW,
    AZURE_TENANT_ID: TENANT_ID,
    AZURE_CLIENT_ID: FEDERATED,
    ACTIONS_ID_TOKEN_REQUEST_URL: oidc.requestUrl,
    ACTIONS_ID_TOKEN_REQUEST_TOKEN: oidc.requestToken,
  };
}

/** bin/tenantctl.js in a child process (asynchronously: the emulator and issuer answer from this process). */
function tenantctl(args: readonly string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [path.join(repo, 'bin/tenantctl.js'), ...args], { cwd: repo, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

async function planAs(context: WorkflowContext): Promise<{ code: number | null; stdout: string; stderr: string }> {
  oidc.requestTokenOptions = { context };
  const before = oidc.issued.length;
  const result = await tenantctl(['plan', policyDir], jobEnvironment());
  expect(oidc.issued.length, result.stderr).toBeGreaterThan(before);
  const output = result.stdout + result.stderr;
  expect(output).not.toMatch(JWT);
  expect(output).not.toContain(oidc.requestToken);
  return result;
}

describe('tenantctl plan with GitHub Actions OIDC against the emulator (no secret)', () => {
  it('a push to main: signs in with the job’s OIDC token and plans', async () => {
    const run = await planAs({ eventName: 'push', ref: 'refs/heads/main' });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('No changes');
    expect(emulator.tokenRequests().at(-1)).toMatchObject({ clientId: FEDERATED, clientAuthentication: 'client_assertion', status: 200 });
    expect(emulator.requests().some((r) => r.path === '/users' && r.appId === FEDERATED)).toBe(true);
  });

  it('a pull request, which the app does not trust: exit 1 with AADSTS70021 and the subject', async () => {
    const run = await planAs({ eventName: 'pull_request' });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('cannot sign in');
    expect(run.stderr).toContain(
      `AADSTS70021: No matching federated identity record found for presented assertion. Assertion Issuer: '${oidc.url}'. Assertion Subject: 'repo:contoso/tenant-config:pull_request'. Assertion Audience: 'api://AzureADTokenExchange'.`,
    );
    expect(run.stderr).not.toContain('internal error');
    expect(emulator.tokenRequests().at(-1)).toMatchObject({ clientAuthentication: 'client_assertion', status: 401, errorCode: 70021 });
  });
});

describe('tenantctl plan with a federated token, in process', () => {
  it('reads AZURE_FEDERATED_TOKEN_FILE', async () => {
    const file = path.join(policyDir, '..', `${path.basename(policyDir)}-token`);
    writeFileSync(file, `${oidc.issue()}\n`);
    const env = { TENANTCTL_GRAPH_URL: emulator.url, AZURE_TENANT_ID: TENANT_ID, AZURE_CLIENT_ID: FEDERATED, AZURE_FEDERATED_TOKEN_FILE: file };
    const run = await runTenantctl(['plan', policyDir], { env, now: FIXTURE_NOW });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout + run.stderr).not.toMatch(JWT);
  });

  it('says plainly that a GitHub Actions job lacks "permissions: id-token: write"', async () => {
    const { ACTIONS_ID_TOKEN_REQUEST_URL: _url, ACTIONS_ID_TOKEN_REQUEST_TOKEN: _token, ...env } = jobEnvironment();
    const run = await runTenantctl(['plan', policyDir], { env, now: FIXTURE_NOW });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('the workflow lacks "permissions: id-token: write"');
    expect(run.stderr).not.toContain('internal error');
  });

  it('says that the federated token file cannot be read, naming the variable', async () => {
    const env = { TENANTCTL_GRAPH_URL: emulator.url, AZURE_TENANT_ID: TENANT_ID, AZURE_CLIENT_ID: FEDERATED, AZURE_FEDERATED_TOKEN_FILE: path.join(policyDir, 'no-such-token') };
    const run = await runTenantctl(['plan', policyDir], { env, now: FIXTURE_NOW });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('cannot read the federated token file');
    expect(run.stderr).toContain('AZURE_FEDERATED_TOKEN_FILE');
  });
});
