/**
 * Workload identity federation at the emulator's token endpoint: a client assertion that is a federated
 * token of a (local, loopback) OpenID Connect issuer, matched against the app's federatedIdentityCredentials
 * and verified with the issuer's published keys, as Entra does; every failure with Entra's AADSTS code and
 * text, never the assertion; and no network request to anything but a loopback issuer.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createTokenIssuer } from '../../src/emulator/identity/auth.ts';
import type { TokenEndpointResponse } from '../../src/emulator/identity/auth.ts';
import { createFederationKeys } from '../../src/emulator/identity/federation.ts';
import type { SeedApp } from '../../src/emulator/directory/model.ts';
import { startEmulator } from '../../src/emulator/server.ts';
import { contoso, FEDERATED, TENANT_ID, withFederatedApp } from '../support/emulator.ts';
import type { TokenOptions } from '../support/oidc-issuer.ts';
import { AZURE_AD_TOKEN_EXCHANGE, githubSubject, startOidcIssuer } from '../support/oidc-issuer.ts';

const DOMAINS = ['contoso.com'];
const SECRET = 'Qx8~federated-tests-SECRET_0123456789abcdef';
const SECRET_APP: SeedApp = { clientId: '11111111-2222-4333-8444-555555555555', clientSecret: SECRET, roles: ['User.Read.All'] };
const GITHUB_ISSUER = 'https://token.actions.githubusercontent.com';
const MAIN = githubSubject();
const PRODUCTION = githubSubject({ environment: 'production' });
const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/u;

const oidc = await startOidcIssuer();
afterAll(() => oidc.close());

const FEDERATED_APP: SeedApp = {
  clientId: FEDERATED,
  roles: ['User.Read.All', 'LicenseAssignment.ReadWrite.All'],
  displayName: 'tenantctl (federated)',
  federatedIdentityCredentials: [
    { name: 'main', issuer: oidc.url, subject: MAIN, audiences: [AZURE_AD_TOKEN_EXCHANGE] },
    { name: 'production', issuer: oidc.url, subject: PRODUCTION, audiences: [AZURE_AD_TOKEN_EXCHANGE], description: 'deployments' },
    { name: 'github', issuer: GITHUB_ISSUER, subject: MAIN, audiences: [AZURE_AD_TOKEN_EXCHANGE] },
    { name: 'unreachable', issuer: 'http://127.0.0.1:9', subject: MAIN, audiences: [AZURE_AD_TOKEN_EXCHANGE] },
  ],
};

/** Every URL the emulator's key cache fetched, in order. */
const fetched: string[] = [];
const recordingFetch: typeof fetch = (input, init) => {
  fetched.push(input instanceof Request ? input.url : String(input));
  return fetch(input, init);
};
const issuer = createTokenIssuer({
  tenantId: TENANT_ID,
  domains: DOMAINS,
  apps: [SECRET_APP, FEDERATED_APP],
  issuerBaseUrl: 'http://127.0.0.1:4010',
  federationKeys: createFederationKeys({ fetch: recordingFetch }),
});

function assertionForm(assertion: string, clientId = FEDERATED): URLSearchParams {
  return new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_assertion_type: JWT_BEARER, client_assertion: assertion, scope: 'https://graph.microsoft.com/.default' });
}

function claimsOf(response: TokenEndpointResponse): Record<string, unknown> {
  const token = response.body['access_token'];
  if (typeof token !== 'string') throw new Error(`no token: ${JSON.stringify(response.body)}`);
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
}

/** A token whose payload was changed after signing (the signature no longer matches). */
function tampered(token: string): string {
  const [header, payload, signature] = token.split('.') as [string, string, string];
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
  return `${header}.${Buffer.from(JSON.stringify({ ...claims, jti: 'replayed' })).toString('base64url')}.${signature}`;
}

function unsigned(alg: string, claims: Record<string, unknown>): string {
  const b64 = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');
  return `${b64({ alg, typ: 'JWT', kid: 'x' })}.${b64(claims)}.`;
}

/** No part of the assertion (nor the secret) in anything the endpoint answered. */
function expectNoAssertionIn(response: TokenEndpointResponse, assertion: string): void {
  const text = JSON.stringify(response.body);
  expect(text).not.toContain(SECRET);
  if (assertion.length > 0) expect(text).not.toContain(assertion);
  for (const part of assertion.split('.').filter((p) => p.length >= 8)) expect(text).not.toContain(part);
}

describe('federated token as client assertion: accepted', () => {
  it.each<{ name: string; options: TokenOptions }>([
    { name: 'RS256, push to main', options: {} },
    { name: 'ES256, push to main', options: { alg: 'ES256' } },
    { name: 'RS256, production environment', options: { context: { environment: 'production' } } },
    { name: 'aud as an array holding the audience', options: { audience: ['https://github.com/contoso', AZURE_AD_TOKEN_EXCHANGE] } },
    { name: 'issued 4 minutes in the future (clock skew)', options: { issuedAtMs: Date.now() + 4 * 60_000 } },
  ])('$name: a Graph token with appidacr "2" and the app’s roles', async ({ options }) => {
    const response = await issuer.issueToken(TENANT_ID, assertionForm(oidc.issue(options)), Date.now());
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    expect(Object.keys(response.body).sort()).toEqual(['access_token', 'expires_in', 'ext_expires_in', 'token_type']);
    expect(claimsOf(response)).toMatchObject({ appid: FEDERATED, appidacr: '2', roles: FEDERATED_APP.roles, aud: 'https://graph.microsoft.com', tid: TENANT_ID, app_displayname: 'tenantctl (federated)' });
    const verified = issuer.verifyBearer(`Bearer ${String(response.body['access_token'])}`, Date.now());
    expect(verified.ok && [...verified.roles]).toEqual(FEDERATED_APP.roles);
  });

  it('leaves the client secret path as it was: appidacr "1"', async () => {
    const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: SECRET_APP.clientId, client_secret: SECRET, scope: 'https://graph.microsoft.com/.default' });
    const response = await issuer.issueToken(TENANT_ID, form, Date.now());
    expect(response.status).toBe(200);
    expect(claimsOf(response)).toMatchObject({ appid: SECRET_APP.clientId, appidacr: '1' });
  });

  it('fetches discovery and keys once per issuer, and again only for a kid it does not know', async () => {
    const keys = createFederationKeys({ fetch: recordingFetch });
    const own = createTokenIssuer({ tenantId: TENANT_ID, domains: DOMAINS, apps: [FEDERATED_APP], issuerBaseUrl: 'http://127.0.0.1:4010', federationKeys: keys });
    const before = fetched.length;
    for (let i = 0; i < 3; i += 1) expect((await own.issueToken(TENANT_ID, assertionForm(oidc.issue()), Date.now())).status).toBe(200);
    expect(fetched.slice(before)).toEqual([`${oidc.url}/.well-known/openid-configuration`, `${oidc.url}/.well-known/jwks`]);

    const oldToken = oidc.issue();
    oidc.rotateKeys();
    const afterRotation = await own.issueToken(TENANT_ID, assertionForm(oidc.issue()), Date.now());
    expect(afterRotation.status).toBe(200);
    expect(fetched.slice(before).filter((u) => u.endsWith('/jwks'))).toHaveLength(2);
    // A token signed with the retired key names a kid the issuer no longer publishes.
    const retired = await own.issueToken(TENANT_ID, assertionForm(oldToken), Date.now());
    expect(retired.body['error_codes']).toEqual([7000272]);
  });
});

describe('federated token as client assertion: refused', () => {
  const inAnHour = Date.now() + 3600_000;
  const cases: readonly {
    readonly name: string;
    readonly assertion: () => string;
    readonly clientId?: string;
    readonly status: number;
    readonly error: string;
    readonly code: number;
    readonly text: string | RegExp;
    readonly lookup?: boolean;
  }[] = [
    {
      name: 'unknown issuer',
      assertion: () => oidc.issue({ issuer: 'http://127.0.0.1:1' }),
      status: 401, error: 'invalid_client', code: 70021,
      text: `No matching federated identity record found for presented assertion. Assertion Issuer: 'http://127.0.0.1:1'. Assertion Subject: '${MAIN}'. Assertion Audience: '${AZURE_AD_TOKEN_EXCHANGE}'. https://docs.microsoft.com/en-us/azure/active-directory/develop/workload-identity-federation`,
    },
    {
      name: 'unknown subject (a pull request)',
      assertion: () => oidc.issue({ context: { eventName: 'pull_request' } }),
      status: 401, error: 'invalid_client', code: 70021,
      text: `Assertion Subject: 'repo:contoso/tenant-config:pull_request'.`,
    },
    {
      name: 'subject in another case (matching is case-sensitive)',
      assertion: () => oidc.issue({ subject: MAIN.replace('contoso', 'Contoso') }),
      status: 401, error: 'invalid_client', code: 70021,
      text: `Assertion Subject: 'repo:Contoso/tenant-config:ref:refs/heads/main'.`,
    },
    {
      name: 'unknown audience',
      assertion: () => oidc.issue({ audience: 'https://github.com/contoso' }),
      status: 401, error: 'invalid_client', code: 70021,
      text: `Assertion Audience: 'https://github.com/contoso'.`,
    },
    {
      name: 'an app with a secret and no federated credential',
      assertion: () => oidc.issue(),
      clientId: SECRET_APP.clientId,
      status: 401, error: 'invalid_client', code: 70021,
      text: `Assertion Issuer: '${oidc.url}'.`,
    },
    {
      name: 'expired',
      assertion: () => oidc.issue({ expired: true }),
      status: 401, error: 'invalid_client', code: 700024,
      text: /^Client assertion is not within its valid time range\. Current time: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z, assertion valid from \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.0000000Z, expiry time of assertion \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.0000000Z\. Review the documentation at https:\/\/learn\.microsoft\.com\/entra\/identity-platform\/certificate-credentials \.$/u,
    },
    {
      name: 'not yet valid',
      assertion: () => oidc.issue({ issuedAtMs: inAnHour }),
      status: 401, error: 'invalid_client', code: 700024,
      text: 'Client assertion is not within its valid time range.',
    },
    { name: 'bad signature (payload changed)', assertion: () => tampered(oidc.issue()), status: 401, error: 'invalid_client', code: 700027, text: 'Client assertion failed signature validation.' },
    { name: 'bad signature (ES256 payload changed)', assertion: () => tampered(oidc.issue({ alg: 'ES256' })), status: 401, error: 'invalid_client', code: 700027, text: 'Client assertion failed signature validation.' },
    { name: 'alg none', assertion: () => unsigned('none', JSON.parse(Buffer.from(oidc.issue().split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>), status: 401, error: 'invalid_client', code: 700027, text: 'Client assertion failed signature validation.' },
    {
      name: 'signed by a key the issuer does not publish (unknown kid)',
      assertion: () => oidc.issue({ signer: 'unknown-key' }),
      status: 401, error: 'invalid_client', code: 7000272,
      text: new RegExp(`^The certificate with identifier [A-Za-z0-9_-]{43} used to sign the federated credential could not be found in the metadata of identity provider ${oidc.url}\\. Please validate that your Identity Provider's metadata exposes the key used to sign the incoming token\\.$`, 'u'),
    },
    { name: 'no kid', assertion: () => oidc.issue({ withoutKid: true }), status: 401, error: 'invalid_client', code: 7000272, text: 'The certificate with identifier  used to sign the federated credential' },
    { name: 'malformed (two parts)', assertion: () => oidc.issue().split('.').slice(0, 2).join('.'), status: 400, error: 'invalid_request', code: 50027, text: 'JWT token is invalid or malformed.' },
    { name: 'malformed (no exp)', assertion: () => oidc.issue({ claims: { exp: undefined } }), status: 400, error: 'invalid_request', code: 50027, text: 'JWT token is invalid or malformed.' },
    { name: 'malformed (aud a number)', assertion: () => oidc.issue({ claims: { aud: 7 } }), status: 400, error: 'invalid_request', code: 50027, text: 'JWT token is invalid or malformed.' },
    {
      name: 'certificate credential (iss = sub = client id)',
      assertion: () => oidc.issue({ issuer: FEDERATED, subject: FEDERATED, audience: `https://login.microsoftonline.com/${TENANT_ID}/oauth2/v2.0/token` }),
      status: 400, error: 'invalid_request', code: 90023, lookup: false,
      text: 'Certificate credentials (a client assertion whose iss and sub are the client id) are not supported by the tenantctl Graph emulator.',
    },
    {
      name: 'issuer that does not answer',
      assertion: () => oidc.issue({ issuer: 'http://127.0.0.1:9' }),
      status: 400, error: 'invalid_request', code: 50166, lookup: false,
      text: 'Request to External OIDC endpoint failed.',
    },
  ];

  it.each(cases)('$name → $status $error AADSTS$code', async ({ assertion: make, clientId, status, error, code, text, lookup }) => {
    const assertion = make();
    const response = await issuer.issueToken(TENANT_ID, assertionForm(assertion, clientId), Date.now());
    expect(response.status, JSON.stringify(response.body)).toBe(status);
    expect(response.body).not.toHaveProperty('access_token');
    expect(response.body['error']).toBe(error);
    expect(response.body['error_codes']).toEqual([code]);
    expect(response.body['correlation_id']).toMatch(GUID);
    const description = String(response.body['error_description']);
    const [first] = description.split('\r\n');
    expect(first?.startsWith(`AADSTS${code}: `)).toBe(true);
    const message = first?.slice(`AADSTS${code}: `.length) ?? '';
    if (typeof text === 'string') expect(message).toContain(text);
    else expect(message).toMatch(text);
    if (lookup === false) expect(response.body).not.toHaveProperty('error_uri');
    else expect(response.body['error_uri']).toBe(`http://127.0.0.1:4010/error?code=${code}`);
    expectNoAssertionIn(response, assertion);
  });
});

describe('never a request off this machine', () => {
  it('refuses a trusted non-loopback issuer with an emulator error, without any network request', async () => {
    const calls: string[] = [];
    const refusingFetch: typeof fetch = (input) => {
      calls.push(String(input));
      return Promise.reject(new Error('no network in this test'));
    };
    const own = createTokenIssuer({ tenantId: TENANT_ID, domains: DOMAINS, apps: [FEDERATED_APP], issuerBaseUrl: 'http://127.0.0.1:4010', federationKeys: createFederationKeys({ fetch: refusingFetch }) });
    // A token as GitHub would issue it, for a credential that trusts GitHub's issuer.
    const assertion = oidc.issue({ issuer: GITHUB_ISSUER });
    const response = await own.issueToken(TENANT_ID, assertionForm(assertion), Date.now());
    expect(response.status).toBe(400);
    expect(response.body['error_codes']).toEqual([50166]);
    expect(String(response.body['error_description'])).toContain(
      `AADSTS50166: Request to External OIDC endpoint failed. The tenantctl Graph emulator fetches OpenID Connect metadata only from loopback issuers (http or https on 127.0.0.1, localhost or [::1]); issuer '${GITHUB_ISSUER}' is not one.`,
    );
    expect(response.body).not.toHaveProperty('error_uri');
    expectNoAssertionIn(response, assertion);
    expect(calls).toEqual([]);
  });

  it('does not follow a loopback discovery document to a jwks_uri elsewhere', async () => {
    const calls: string[] = [];
    const discoveryOnly: typeof fetch = (input) => {
      calls.push(String(input));
      return Promise.resolve(Response.json({ issuer: oidc.url, jwks_uri: 'https://keys.example.com/jwks' }));
    };
    const keys = createFederationKeys({ fetch: discoveryOnly });
    expect(await keys.keyFor(oidc.url, 'any')).toMatchObject({ status: 'unreachable' });
    expect(calls).toEqual([`${oidc.url}/.well-known/openid-configuration`]);
    expect(await keys.keyFor('https://token.actions.githubusercontent.com', 'any')).toMatchObject({ status: 'unreachable' });
    expect(await keys.keyFor('http://10.0.0.1', 'any')).toMatchObject({ status: 'unreachable' });
    expect(calls).toHaveLength(1);
  });

  it('refuses a discovery document that names another issuer', async () => {
    const keys = createFederationKeys({ fetch: () => Promise.resolve(Response.json({ issuer: 'http://127.0.0.1:1', jwks_uri: `${oidc.url}/.well-known/jwks` })) });
    expect(await keys.keyFor(oidc.url, 'any')).toMatchObject({ status: 'unreachable' });
  });
});

describe('the running emulator', () => {
  it('issues a Graph token for a federated assertion, logs the client assertion (not its text), and dumps the credentials', async () => {
    const seed = contoso((draft) => withFederatedApp(draft, FEDERATED, [{ issuer: oidc.url, subject: MAIN }]));
    const emulator = await startEmulator({ seed, port: 0 });
    try {
      const assertion = oidc.issue();
      const response = await fetch(`${emulator.url}/${TENANT_ID}/oauth2/v2.0/token`, { method: 'POST', body: assertionForm(assertion) });
      const body = (await response.json()) as { access_token?: string };
      expect(response.status, JSON.stringify(body)).toBe(200);
      const users = await fetch(`${emulator.url}/v1.0/users`, { headers: { Authorization: `Bearer ${body.access_token ?? ''}` } });
      expect(users.status).toBe(200);
      expect(emulator.requests().at(-1)).toMatchObject({ path: '/users', status: 200, appId: FEDERATED });

      const refused = await fetch(`${emulator.url}/${TENANT_ID}/oauth2/v2.0/token`, { method: 'POST', body: assertionForm(oidc.issue({ context: { eventName: 'pull_request' } })) });
      expect(refused.status).toBe(401);
      const log = (await (await fetch(`${emulator.url}/_emulator/token-requests`)).json()) as { tokenRequests: unknown[] };
      expect(log.tokenRequests).toEqual([
        expect.objectContaining({ seq: 1, tenant: TENANT_ID, clientId: FEDERATED, grantType: 'client_credentials', clientAuthentication: 'client_assertion', status: 200 }),
        expect.objectContaining({ seq: 2, clientAuthentication: 'client_assertion', status: 401, errorCode: 70021 }),
      ]);
      expect(JSON.stringify(log)).not.toContain(assertion.split('.')[1] ?? '');
      // Numbered like the Graph log: a clear does not start the numbers again.
      await fetch(`${emulator.url}/_emulator/requests`, { method: 'DELETE' });
      await fetch(`${emulator.url}/${TENANT_ID}/oauth2/v2.0/token`, { method: 'POST', body: assertionForm(oidc.issue()) });
      const after = (await (await fetch(`${emulator.url}/_emulator/token-requests`)).json()) as { tokenRequests: { seq: number }[] };
      expect(after.tokenRequests.map((e) => e.seq)).toEqual([3]);

      const state = await (await fetch(`${emulator.url}/_emulator/state`)).text();
      expect(JSON.parse(state).apps).toContainEqual(expect.objectContaining({ clientId: FEDERATED, federatedIdentityCredentials: [expect.objectContaining({ issuer: oidc.url, subject: MAIN, audiences: [AZURE_AD_TOKEN_EXCHANGE] })] }));
      expect(state).not.toContain('emulator-secret');
    } finally {
      await emulator.close();
    }
  });
});
