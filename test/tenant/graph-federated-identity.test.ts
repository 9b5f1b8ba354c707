/**
 * Workload identity federation end to end through @azure/identity, as in a GitHub Actions job or a
 * Kubernetes pod: the adapter runs in a child process configured only by environment variables
 * (test/support/identity-child.ts), MSAL talks to the emulator through the HTTPS front
 * (test/support/https-front.ts), and the federated token comes from a local GitHub-like OIDC issuer
 * (test/support/oidc-issuer.ts) whose keys the emulator fetches over loopback. The app has no secret.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contoso, FEDERATED, TENANT_ID, withFederatedApp } from '../support/emulator.ts';
import type { ChildRun, IdentityRig } from '../support/identity-rig.ts';
import { runIdentityChild, startIdentityRig } from '../support/identity-rig.ts';
import type { LocalOidcIssuer } from '../support/oidc-issuer.ts';
import { githubSubject, startOidcIssuer } from '../support/oidc-issuer.ts';

/** Any JWT (an ID token, a client assertion or an access token). */
const JWT = /eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/u;
let oidc: LocalOidcIssuer;
let rig: IdentityRig;
let roles: readonly string[];

beforeAll(async () => {
  oidc = await startOidcIssuer();
  const seed = contoso((draft) => withFederatedApp(draft, FEDERATED, [{ issuer: oidc.url, subject: githubSubject() }, { issuer: oidc.url, subject: 'system:serviceaccount:tenant:tenantctl' }]));
  roles = seed.apps.find((a) => a.clientId === FEDERATED)?.roles ?? [];
  rig = await startIdentityRig(seed);
});

afterAll(async () => {
  await rig.close();
  await oidc.close();
});

/** The child as the app with federated credentials only: no secret in its environment. */
function runChild(env: Record<string, string>, signal: AbortSignal): Promise<ChildRun> {
  return runIdentityChild(rig, { AZURE_TENANT_ID: TENANT_ID, AZURE_CLIENT_ID: FEDERATED, ...env }, signal);
}

/** What every federated run must show: the tenant read and written, the roles, no token printed, an assertion at the token endpoint. */
function expectFederatedRun({ result, stdout, stderr }: ChildRun, credential: string, tokenRequestsBefore: number): void {
  const output = `${stdout}\n${stderr}`;
  expect(result, output).toMatchObject({ credential, tenantId: TENANT_ID, deletedUsers: 3, mailboxes: [{ kind: 'mailbox', userPurpose: 'shared' }] });
  expect(result.roles).toEqual(roles);
  expect(result.users).toContainEqual(['support@contoso.com', true]);
  expect(output).not.toMatch(JWT);
  expect(output).not.toContain(oidc.requestToken);
  for (const token of oidc.issued) expect(output).not.toContain(token.split('.')[1]);
  const tokenRequests = rig.emulator.tokenRequests().slice(tokenRequestsBefore);
  expect(tokenRequests).toContainEqual(expect.objectContaining({ clientId: FEDERATED, clientAuthentication: 'client_assertion', status: 200 }));
  expect(tokenRequests.every((r) => r.clientAuthentication === 'client_assertion')).toBe(true);
}

describe('Graph adapter with @azure/identity and a federated token (no secret)', () => {
  it('GitHub Actions OIDC: ClientAssertionCredential requests the job’s token, the emulator verifies it with the issuer’s keys', async ({ signal }) => {
    const before = rig.emulator.tokenRequests().length;
    const child = await runChild({ ACTIONS_ID_TOKEN_REQUEST_URL: oidc.requestUrl, ACTIONS_ID_TOKEN_REQUEST_TOKEN: oidc.requestToken }, signal);
    expectFederatedRun(child, 'github-oidc', before);
    expect(String(child.result.description)).toBe(`GitHub Actions OIDC for app ${FEDERATED} in tenant ${TENANT_ID} → ${rig.front.url}`);
    // The token request carried GitHub's audience for Entra; the emulator then read discovery and keys.
    expect(oidc.paths).toContain('/_apis/idtoken?api-version=2.0&audience=api%3A%2F%2FAzureADTokenExchange');
    expect(oidc.paths).toEqual(expect.arrayContaining(['/.well-known/openid-configuration', '/.well-known/jwks']));
    expect(rig.emulator.requests().some((r) => r.method === 'PATCH' && r.appId === FEDERATED && r.status === 204)).toBe(true);
  });

  it('AZURE_FEDERATED_TOKEN_FILE: WorkloadIdentityCredential sends the file’s token', async ({ signal }) => {
    const tokenFile = join(rig.directory, 'federated-token');
    await writeFile(tokenFile, oidc.issue({ subject: 'system:serviceaccount:tenant:tenantctl' }));
    const before = rig.emulator.tokenRequests().length;
    const child = await runChild({ AZURE_FEDERATED_TOKEN_FILE: tokenFile }, signal);
    expectFederatedRun(child, 'workload-identity', before);
    expect(String(child.result.description)).toContain(`workload identity (${tokenFile}) for app ${FEDERATED}`);
  });
});
