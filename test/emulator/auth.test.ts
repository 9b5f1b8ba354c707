import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createTokenIssuer, servicePrincipalObjectId } from '../../src/emulator/identity/auth.ts';
import {
  GRAPH_APP_ID,
  TOKEN_BAD_SIGNATURE,
  TOKEN_EMPTY,
  TOKEN_EXPIRED,
  TOKEN_INVALID_AUDIENCE,
  TOKEN_INVALID_CLAIMS,
  TOKEN_INVALID_ISSUER,
  TOKEN_MALFORMED,
  TOKEN_NOT_YET_VALID,
} from '../../src/emulator/identity/bearer.ts';
import { CLOCK_SKEW_SECONDS } from '../../src/emulator/identity/jwt.ts';
import type { TokenEndpointResponse, TokenIssuer } from '../../src/emulator/identity/auth.ts';
import type { SeedApp } from '../../src/emulator/directory/model.ts';
import { INSUFFICIENT_PRIVILEGES, isAuthorised, PERMISSIONS } from '../../src/emulator/graph-api/permissions.ts';
import type { GraphOperation } from '../../src/emulator/graph-api/permissions.ts';

const TENANT = '8f3c1a52-0000-4000-8000-000000000001';
const OTHER_TENANT = '8f3c1a52-0000-4000-8000-0000000000ff';
const DOMAINS = ['contoso.com', 'contoso.onmicrosoft.com'];
const SECRET = 'Qx8~tenantctl-SECRET.value_0123456789abcdef';
const OTHER_SECRET = 'Zz9~second-app-SECRET.value_fedcba9876543210';
const WRONG_SECRET = 'Wr0ng~submitted-SECRET_0011223344556677';
const APP: SeedApp = {
  clientId: '11111111-2222-4333-8444-555555555555',
  clientSecret: SECRET,
  roles: ['User.Read.All', 'LicenseAssignment.ReadWrite.All'],
  displayName: 'tenantctl',
};
const APP_WITHOUT_ROLES: SeedApp = { clientId: '66666666-7777-4888-9999-000000000000', clientSecret: OTHER_SECRET, roles: [] };
const KEY = Buffer.alloc(32, 7);
const LOGIN_BASE = 'http://127.0.0.1:4010';
const NOW = Date.UTC(2026, 10, 22, 10, 0, 0);
const NOW_S = Math.floor(NOW / 1000);
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/u;

function makeIssuer(overrides: { tenantId?: string; signingKey?: Uint8Array } = {}): TokenIssuer {
  return createTokenIssuer({
    tenantId: overrides.tenantId ?? TENANT,
    domains: DOMAINS,
    apps: [APP, APP_WITHOUT_ROLES],
    signingKey: overrides.signingKey ?? KEY,
    issuerBaseUrl: `${LOGIN_BASE}/`,
  });
}

const issuer = makeIssuer();

/** A client credentials form; `undefined` leaves a parameter out. */
function form(overrides: Record<string, string | undefined> = {}): URLSearchParams {
  const fields: Record<string, string | undefined> = {
    grant_type: 'client_credentials',
    client_id: APP.clientId,
    client_secret: SECRET,
    scope: 'https://graph.microsoft.com/.default',
    ...overrides,
  };
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(fields)) if (value !== undefined) params.set(name, value);
  return params;
}

function accessToken(response: TokenEndpointResponse): string {
  const token = response.body['access_token'];
  if (typeof token !== 'string') throw new Error(`no token: ${JSON.stringify(response.body)}`);
  return token;
}

async function issue(tenant: string = TENANT, overrides: Record<string, string | undefined> = {}, nowMs = NOW): Promise<string> {
  return accessToken(await issuer.issueToken(tenant, form(overrides), nowMs));
}

function decodeSegment(segment: string | undefined): Record<string, unknown> {
  return JSON.parse(Buffer.from(segment ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
}

function b64(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

/** An independent HS256 signer, to forge tokens with the emulator's key. */
function signWith(key: Buffer, header: unknown, claims: unknown): string {
  const input = `${b64(header)}.${b64(claims)}`;
  return `${input}.${createHmac('sha256', key).update(input).digest('base64url')}`;
}

function validClaims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    aud: 'https://graph.microsoft.com',
    iss: `https://sts.windows.net/${TENANT}/`,
    iat: NOW_S,
    nbf: NOW_S,
    exp: NOW_S + 3600,
    appid: APP.clientId,
    idtyp: 'app',
    roles: ['User.Read.All'],
    tid: TENANT,
    ver: '1.0',
    ...overrides,
  };
}

describe('token endpoint: client credentials', () => {
  it('issues a Bearer token in Entra’s response shape', async () => {
    const response = await issuer.issueToken(TENANT, form(), NOW);
    expect(response.status).toBe(200);
    expect(Object.keys(response.body).sort()).toEqual(['access_token', 'expires_in', 'ext_expires_in', 'token_type']);
    expect(response.body).toMatchObject({ token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599 });
  });

  it('issues a compact HS256 JWT, base64url without padding, with v1.0 app-only claims', async () => {
    const token = await issue();
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/u);
    const [header, payload, signature] = token.split('.');
    expect(decodeSegment(header)).toEqual({ alg: 'HS256', typ: 'JWT' });
    expect(Buffer.from(signature ?? '', 'base64url')).toHaveLength(32);
    const claims = decodeSegment(payload);
    expect(claims).toMatchObject({
      aud: 'https://graph.microsoft.com',
      iss: `https://sts.windows.net/${TENANT}/`,
      iat: NOW_S,
      nbf: NOW_S,
      exp: NOW_S + 3600,
      tid: TENANT,
      appid: APP.clientId,
      appidacr: '1',
      app_displayname: 'tenantctl',
      idtyp: 'app',
      roles: ['User.Read.All', 'LicenseAssignment.ReadWrite.All'],
      oid: servicePrincipalObjectId(APP.clientId),
      sub: servicePrincipalObjectId(APP.clientId),
      ver: '1.0',
    });
    expect(claims).not.toHaveProperty('azp');
    expect(typeof claims['uti']).toBe('string');
  });

  it('signs what an independent HS256 implementation computes', async () => {
    const [header, payload, signature] = (await issue()).split('.');
    expect(createHmac('sha256', KEY).update(`${header}.${payload}`).digest('base64url')).toBe(signature);
  });

  it('derives a stable, per-app GUID oid', async () => {
    const oid = servicePrincipalObjectId(APP.clientId);
    expect(oid).toMatch(GUID);
    expect(oid[14]).toBe('5'); // version 5 (name-based)
    expect(servicePrincipalObjectId(APP.clientId.toUpperCase())).toBe(oid);
    expect(servicePrincipalObjectId(APP_WITHOUT_ROLES.clientId)).not.toBe(oid);
    const fromAnotherRun = makeIssuer({ signingKey: Buffer.alloc(32, 9) });
    expect(decodeSegment(accessToken(await fromAnotherRun.issueToken(TENANT, form(), NOW)).split('.')[1])['oid']).toBe(oid);
  });

  it('leaves the roles claim out for an app without application permissions', async () => {
    const token = await issue(TENANT, { client_id: APP_WITHOUT_ROLES.clientId, client_secret: OTHER_SECRET });
    expect(decodeSegment(token.split('.')[1])).not.toHaveProperty('roles');
    const verified = issuer.verifyBearer(`Bearer ${token}`, NOW);
    expect(verified.ok && [...verified.roles]).toEqual([]);
  });

  it.each([
    { name: 'tenant id', tenant: TENANT },
    { name: 'tenant id, upper case', tenant: TENANT.toUpperCase() },
    { name: 'initial domain', tenant: 'contoso.com' },
    { name: 'domain, other case', tenant: 'CONTOSO.onMicrosoft.com' },
  ])('accepts the tenant segment by $name', async ({ tenant }) => {
    expect((await issuer.issueToken(tenant, form(), NOW)).status).toBe(200);
  });

  it.each([
    'https://graph.microsoft.com/.default',
    'https://graph.microsoft.com//.default',
    `${GRAPH_APP_ID}/.default`,
    'HTTPS://GRAPH.MICROSOFT.COM/.default',
    '  https://graph.microsoft.com/.default  ',
    'https://graph.microsoft.com/.default https://graph.microsoft.com//.default',
  ])('accepts scope %j, always for aud https://graph.microsoft.com', async (scope) => {
    const token = await issue(TENANT, { scope });
    expect(decodeSegment(token.split('.')[1])['aud']).toBe('https://graph.microsoft.com');
  });

  it('matches the client id case-insensitively', async () => {
    expect((await issuer.issueToken(TENANT, form({ client_id: APP.clientId.toUpperCase() }), NOW)).status).toBe(200);
  });
});

describe('token endpoint: failures', () => {
  const cases: readonly {
    readonly name: string;
    readonly tenant?: string;
    readonly fields?: Record<string, string | undefined>;
    readonly status: number;
    readonly error: string;
    readonly code: number;
    readonly text?: string;
  }[] = [
    { name: 'unknown tenant id', tenant: OTHER_TENANT, status: 400, error: 'invalid_tenant', code: 90002, text: `Tenant '${OTHER_TENANT}' not found.` },
    { name: 'unknown domain', tenant: 'fabrikam.com', status: 400, error: 'invalid_tenant', code: 90002 },
    { name: 'organizations', tenant: 'organizations', status: 400, error: 'invalid_request', code: 50059 },
    { name: 'common', tenant: 'common', status: 400, error: 'invalid_request', code: 50059 },
    { name: 'consumers', tenant: 'consumers', status: 400, error: 'invalid_request', code: 50059 },
    { name: 'tenant neither GUID nor DNS name', tenant: 'authorize', status: 400, error: 'invalid_request', code: 900023 },
    { name: 'missing grant_type', fields: { grant_type: undefined }, status: 400, error: 'invalid_request', code: 900144, text: "parameter: 'grant_type'." },
    { name: 'empty grant_type', fields: { grant_type: '' }, status: 400, error: 'invalid_request', code: 900144 },
    { name: 'password grant', fields: { grant_type: 'password' }, status: 400, error: 'unsupported_grant_type', code: 70003, text: 'implements only the client_credentials grant' },
    { name: 'unknown grant', fields: { grant_type: 'magic' }, status: 400, error: 'unsupported_grant_type', code: 70003, text: "unsupported grant type 'magic'." },
    { name: 'missing client_id', fields: { client_id: undefined }, status: 400, error: 'invalid_request', code: 900144, text: "parameter: 'client_id'." },
    {
      name: 'client assertion that is not a JWT',
      fields: { client_secret: undefined, client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: 'not-a-jwt-assertion-value' },
      status: 400,
      error: 'invalid_request',
      code: 50027,
      text: 'JWT token is invalid or malformed.',
    },
    {
      name: 'client assertion without claims',
      fields: { client_secret: undefined, client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln' },
      status: 400,
      error: 'invalid_request',
      code: 50027,
    },
    { name: 'client assertion type and a secret', fields: { client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer' }, status: 400, error: 'invalid_request', code: 90023, text: 'send one client credential' },
    { name: 'client assertion type without an assertion', fields: { client_secret: undefined, client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer' }, status: 401, error: 'invalid_client', code: 7000218 },
    { name: 'client assertion without its type', fields: { client_secret: undefined, client_assertion: 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln' }, status: 400, error: 'invalid_request', code: 900144, text: "parameter: 'client_assertion_type'." },
    { name: 'client assertion of another type', fields: { client_secret: undefined, client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:saml2-bearer', client_assertion: 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln' }, status: 400, error: 'invalid_request', code: 90011, text: 'Unexpected client assertion type.' },
    { name: 'missing client_secret', fields: { client_secret: undefined }, status: 401, error: 'invalid_client', code: 7000218 },
    { name: 'missing scope', fields: { scope: undefined }, status: 400, error: 'invalid_request', code: 90014 },
    { name: 'blank scope', fields: { scope: '   ' }, status: 400, error: 'invalid_request', code: 90014 },
    { name: 'permission as scope', fields: { scope: 'User.Read.All' }, status: 400, error: 'invalid_scope', code: 1002012, text: 'scope User.Read.All is not valid.' },
    { name: 'Graph permission URI as scope', fields: { scope: 'https://graph.microsoft.com/User.Read.All' }, status: 400, error: 'invalid_scope', code: 1002012 },
    { name: 'two resources', fields: { scope: 'https://graph.microsoft.com/.default https://management.azure.com/.default' }, status: 400, error: 'invalid_scope', code: 700022 },
    { name: 'another resource', fields: { scope: 'https://management.azure.com/.default' }, status: 400, error: 'invalid_resource', code: 500011, text: 'The resource principal named https://management.azure.com was not found' },
    { name: 'the emulator’s own URL as resource', fields: { scope: `${LOGIN_BASE}/.default` }, status: 400, error: 'invalid_resource', code: 500011 },
    { name: 'unknown client id', fields: { client_id: '99999999-9999-4999-8999-999999999999' }, status: 400, error: 'unauthorized_client', code: 700016, text: "Application with identifier '99999999-9999-4999-8999-999999999999' was not found" },
    { name: 'wrong secret', fields: { client_secret: WRONG_SECRET }, status: 401, error: 'invalid_client', code: 7000215, text: `for a secret added to app '${APP.clientId}'.` },
    { name: 'secret of another app', fields: { client_secret: OTHER_SECRET }, status: 401, error: 'invalid_client', code: 7000215 },
    { name: 'secret pasted as scope', fields: { scope: SECRET }, status: 400, error: 'invalid_scope', code: 1002012, text: 'scope [redacted] is not valid.' },
    { name: 'secret pasted as client id', fields: { client_id: SECRET, client_secret: WRONG_SECRET }, status: 400, error: 'unauthorized_client', code: 700016, text: "identifier '[redacted]'" },
    { name: 'submitted secret inside a tenant segment', tenant: `${WRONG_SECRET}.example`, fields: { client_secret: WRONG_SECRET }, status: 400, error: 'invalid_tenant', code: 90002, text: "Tenant '[redacted]' not found." },
  ];

  it.each(cases)('$name → $status $error AADSTS$code', async ({ tenant, fields, status, error, code, text }) => {
    const submitted = form(fields ?? {});
    const response = await issuer.issueToken(tenant ?? TENANT, submitted, NOW);
    expect(response.status).toBe(status);
    const body = response.body;
    expect(body).not.toHaveProperty('access_token');
    expect(body['error']).toBe(error);
    expect(body['error_codes']).toEqual([code]);
    expect(body['timestamp']).toBe('2026-11-22 10:00:00Z');
    expect(body['trace_id']).toMatch(GUID);
    expect(body['correlation_id']).toMatch(GUID);
    const description = body['error_description'];
    expect(typeof description).toBe('string');
    expect(description).toMatch(new RegExp(`^AADSTS${code}: `, 'u'));
    expect(description).toMatch(
      new RegExp(`\\r\\nTrace ID: ${String(body['trace_id'])}\\r\\nCorrelation ID: ${String(body['correlation_id'])}\\r\\nTimestamp: 2026-11-22 10:00:00Z$`, 'u'),
    );
    if (text !== undefined) expect(description).toContain(text);
    if (code === 90023) expect(body).not.toHaveProperty('error_uri');
    else expect(body['error_uri']).toBe(`${LOGIN_BASE}/error?code=${code}`);

    // No secret, assertion or token text in the answer.
    const serialized = JSON.stringify(body);
    for (const secret of [SECRET, OTHER_SECRET, WRONG_SECRET, bearerToken, ...bearerToken.split('.')]) expect(serialized).not.toContain(secret);
    const assertion = submitted.get('client_assertion');
    if (assertion !== null) expect(serialized).not.toContain(assertion);
  });

  it('echoes a GUID client-request-id as correlation_id, and only a GUID', async () => {
    const id = '0f0e0d0c-0b0a-4908-8706-050403020100';
    const echoed = (await issuer.issueToken('nowhere.example', form(), NOW, id.toUpperCase())).body;
    expect(echoed['correlation_id']).toBe(id);
    const ignored = (await issuer.issueToken('nowhere.example', form(), NOW, `${SECRET}`)).body;
    expect(ignored['correlation_id']).toMatch(GUID);
    expect(JSON.stringify(ignored)).not.toContain(SECRET);
  });

  it('neutralises control characters in echoed values', async () => {
    const description = String((await issuer.issueToken('evil\r\nTrace ID: forged.example', form(), NOW)).body['error_description']);
    expect(description).toContain("Tenant 'evil??Trace ID: forged.example' not found.");
    expect(description.split('\r\n')).toHaveLength(4);
  });

  it('refuses a signing key shorter than 32 bytes, without echoing it', () => {
    const shortKey = Buffer.from('short-key-material');
    expect(() => makeIssuer({ signingKey: shortKey })).toThrow(/at least 32 bytes/u);
    try {
      makeIssuer({ signingKey: shortKey });
    } catch (error) {
      expect(String(error)).not.toContain('short-key-material');
    }
  });

  it('refuses a seed with duplicate client ids, an empty secret or no credential, naming no secret', () => {
    const base = { tenantId: TENANT, domains: DOMAINS, issuerBaseUrl: LOGIN_BASE };
    expect(() => createTokenIssuer({ ...base, apps: [APP, { ...APP, clientSecret: OTHER_SECRET }] })).toThrow(/two apps have client id/u);
    expect(() => createTokenIssuer({ ...base, apps: [APP, { ...APP, clientSecret: OTHER_SECRET }] })).not.toThrow(new RegExp(SECRET.slice(0, 8), 'u'));
    expect(() => createTokenIssuer({ ...base, apps: [{ ...APP, clientSecret: '' }] })).toThrow(/empty client secret/u);
    expect(() => createTokenIssuer({ ...base, apps: [{ clientId: APP.clientId, roles: [] }] })).toThrow(/neither a client secret nor a federated identity credential/u);
  });

  it('gives each run its own random key when none is passed', async () => {
    const a = createTokenIssuer({ tenantId: TENANT, domains: DOMAINS, apps: [APP], issuerBaseUrl: LOGIN_BASE });
    const b = createTokenIssuer({ tenantId: TENANT, domains: DOMAINS, apps: [APP], issuerBaseUrl: LOGIN_BASE });
    const token = accessToken(await a.issueToken(TENANT, form(), NOW));
    expect(a.verifyBearer(`Bearer ${token}`, NOW).ok).toBe(true);
    expect(b.verifyBearer(`Bearer ${token}`, NOW)).toEqual({ ok: false, code: 'InvalidAuthenticationToken', message: TOKEN_BAD_SIGNATURE });
  });
});

const bearerToken = await issue();
const otherKeyToken = accessToken(await makeIssuer({ signingKey: Buffer.alloc(32, 1) }).issueToken(TENANT, form(), NOW));
const otherTenantToken = accessToken(
  await createTokenIssuer({ tenantId: OTHER_TENANT, domains: ['fabrikam.com'], apps: [APP], signingKey: KEY, issuerBaseUrl: LOGIN_BASE }).issueToken(OTHER_TENANT, form(), NOW),
);

describe('verifyBearer', () => {
  const token = bearerToken;

  it('accepts its own token and returns the app, its roles and the tenant', () => {
    const verified = issuer.verifyBearer(`Bearer ${token}`, NOW);
    expect(verified.ok).toBe(true);
    if (!verified.ok) return;
    expect(verified.appId).toBe(APP.clientId);
    expect(verified.tenantId).toBe(TENANT);
    expect([...verified.roles].sort()).toEqual(['LicenseAssignment.ReadWrite.All', 'User.Read.All']);
  });

  it('accepts the scheme in any case and surrounding blanks', () => {
    expect(issuer.verifyBearer(`bearer ${token}`, NOW).ok).toBe(true);
    expect(issuer.verifyBearer(`  BEARER \t${token}  `, NOW).ok).toBe(true);
  });

  it.each([
    { name: 'Graph’s URI with a trailing slash', aud: 'https://graph.microsoft.com/' },
    { name: 'Graph’s app id', aud: GRAPH_APP_ID },
  ])('accepts aud $name', ({ aud }) => {
    expect(issuer.verifyBearer(`Bearer ${signWith(KEY, { alg: 'HS256', typ: 'JWT' }, validClaims({ aud }))}`, NOW).ok).toBe(true);
  });

  it('checks lifetime against the real time passed in, with 5 minutes of clock skew', async () => {
    const lastSecond = NOW + (3600 + CLOCK_SKEW_SECONDS) * 1000;
    expect(issuer.verifyBearer(`Bearer ${token}`, lastSecond).ok).toBe(true);
    expect(issuer.verifyBearer(`Bearer ${token}`, lastSecond + 1000)).toMatchObject({ ok: false, message: TOKEN_EXPIRED });
    // A token issued now stays valid whatever the emulator's directory clock says: only `nowMs` counts.
    const later = NOW + 30 * 24 * 3600 * 1000;
    const fresh = await issue(TENANT, {}, later);
    expect(issuer.verifyBearer(`Bearer ${fresh}`, later).ok).toBe(true);
  });

  const [header = '', payload = '', signature = ''] = token.split('.');
  const tampered = (claims: Record<string, unknown>): string => `${header}.${b64(claims)}.${signature}`;
  const original = decodeSegment(payload);
  // Change the first character: the last one of a 32-byte signature also carries 2 padding bits, and
  // flipping only those leaves the decoded signature as it was.
  const flipped = `${signature.startsWith('A') ? 'B' : 'A'}${signature.slice(1)}`;

  const rejections: readonly { readonly name: string; readonly header: string | undefined; readonly nowMs?: number; readonly message: string }[] = [
    { name: 'no header', header: undefined, message: TOKEN_EMPTY },
    { name: 'empty header', header: '', message: TOKEN_EMPTY },
    { name: 'scheme without token', header: 'Bearer', message: TOKEN_EMPTY },
    { name: 'scheme and blanks', header: 'Bearer    ', message: TOKEN_EMPTY },
    { name: 'another scheme', header: `Basic ${Buffer.from(`${APP.clientId}:${SECRET}`).toString('base64')}`, message: TOKEN_EMPTY },
    { name: 'token without scheme', header: token, message: TOKEN_EMPTY },
    { name: 'no dots', header: 'Bearer abcdef', message: TOKEN_MALFORMED },
    { name: 'one dot', header: `Bearer ${header}.${payload}`, message: TOKEN_MALFORMED },
    { name: 'five segments (JWE)', header: `Bearer ${token}.x.y`, message: TOKEN_MALFORMED },
    { name: 'blank inside', header: `Bearer ${header}. ${payload}.${signature}`, message: TOKEN_MALFORMED },
    { name: 'not base64url', header: `Bearer ${header}.${payload}+/.${signature}`, message: TOKEN_MALFORMED },
    { name: 'payload not JSON', header: `Bearer ${header}.${Buffer.from('not json').toString('base64url')}.${signature}`, message: TOKEN_MALFORMED },
    { name: 'payload a JSON array', header: `Bearer ${header}.${b64([1, 2])}.${signature}`, message: TOKEN_MALFORMED },
    { name: 'another issuer key', header: `Bearer ${otherKeyToken}`, message: TOKEN_BAD_SIGNATURE },
    { name: 'tampered payload (roles added)', header: `Bearer ${tampered({ ...original, roles: ['Directory.ReadWrite.All'] })}`, message: TOKEN_BAD_SIGNATURE },
    { name: 'tampered payload (exp extended)', header: `Bearer ${tampered({ ...original, exp: NOW_S + 999_999 })}`, message: TOKEN_BAD_SIGNATURE },
    { name: 'tampered signature', header: `Bearer ${header}.${payload}.${flipped}`, message: TOKEN_BAD_SIGNATURE },
    { name: 'signature removed', header: `Bearer ${header}.${payload}.`, message: TOKEN_BAD_SIGNATURE },
    { name: 'alg none, no signature', header: `Bearer ${b64({ alg: 'none', typ: 'JWT' })}.${payload}.`, message: TOKEN_BAD_SIGNATURE },
    { name: 'alg none, original signature', header: `Bearer ${b64({ alg: 'none', typ: 'JWT' })}.${payload}.${signature}`, message: TOKEN_BAD_SIGNATURE },
    { name: 'alg HS512', header: `Bearer ${signWith(KEY, { alg: 'HS512', typ: 'JWT' }, validClaims())}`, message: TOKEN_BAD_SIGNATURE },
    { name: 'wrong aud (ARM)', header: `Bearer ${signWith(KEY, { alg: 'HS256', typ: 'JWT' }, validClaims({ aud: 'https://management.azure.com' }))}`, message: TOKEN_INVALID_AUDIENCE },
    { name: 'aud missing', header: `Bearer ${signWith(KEY, { alg: 'HS256', typ: 'JWT' }, validClaims({ aud: undefined }))}`, message: TOKEN_INVALID_AUDIENCE },
    { name: 'aud as an array', header: `Bearer ${signWith(KEY, { alg: 'HS256', typ: 'JWT' }, validClaims({ aud: ['https://graph.microsoft.com'] }))}`, message: TOKEN_INVALID_AUDIENCE },
    { name: 'expired', header: `Bearer ${token}`, nowMs: NOW + (3600 + CLOCK_SKEW_SECONDS + 1) * 1000, message: TOKEN_EXPIRED },
    { name: 'not yet valid', header: `Bearer ${token}`, nowMs: NOW - (CLOCK_SKEW_SECONDS + 1) * 1000, message: TOKEN_NOT_YET_VALID },
    { name: 'token of another tenant', header: `Bearer ${otherTenantToken}`, message: TOKEN_INVALID_ISSUER },
    { name: 'right iss, other tid', header: `Bearer ${signWith(KEY, { alg: 'HS256', typ: 'JWT' }, validClaims({ tid: OTHER_TENANT }))}`, message: TOKEN_INVALID_ISSUER },
    { name: 'no exp', header: `Bearer ${signWith(KEY, { alg: 'HS256', typ: 'JWT' }, validClaims({ exp: undefined }))}`, message: TOKEN_INVALID_CLAIMS },
    { name: 'no appid', header: `Bearer ${signWith(KEY, { alg: 'HS256', typ: 'JWT' }, validClaims({ appid: undefined }))}`, message: TOKEN_INVALID_CLAIMS },
    { name: 'roles not a list', header: `Bearer ${signWith(KEY, { alg: 'HS256', typ: 'JWT' }, validClaims({ roles: 'User.Read.All' }))}`, message: TOKEN_INVALID_CLAIMS },
  ];

  it.each(rejections)('rejects $name', ({ header: authorization, nowMs, message }) => {
    const verified = issuer.verifyBearer(authorization, nowMs ?? NOW);
    expect(verified).toEqual({ ok: false, code: 'InvalidAuthenticationToken', message });
    // The message never quotes the token (or any part of it) or a secret.
    for (const part of [token, header, payload, signature, SECRET]) expect(message).not.toContain(part);
    if (authorization !== undefined) {
      for (const part of authorization.replace(/^\S+\s*/u, '').split('.').filter((p) => p.length > 8)) expect(message).not.toContain(part);
    }
  });

  it('uses the Graph texts', () => {
    expect(TOKEN_EMPTY).toBe('Access token is empty.');
    expect(TOKEN_MALFORMED).toMatch(/^IDX14100: JWT is not well formed, there are no dots \(\.\)\.\nThe token needs to be in JWS or JWE Compact Serialization Format\./u);
    expect(TOKEN_BAD_SIGNATURE).toBe('Signature is invalid.');
    expect(TOKEN_INVALID_AUDIENCE).toBe('Access token validation failure. Invalid audience.');
    expect(TOKEN_EXPIRED).toBe('Lifetime validation failed, the token is expired.');
  });
});

describe('permissions', () => {
  const operations = Object.keys(PERMISSIONS) as GraphOperation[];

  it('covers every operation with a non-empty list of distinct permission names', () => {
    expect(operations).toHaveLength(19);
    for (const operation of operations) {
      const accepted = PERMISSIONS[operation];
      expect(accepted.length, operation).toBeGreaterThan(0);
      expect(new Set(accepted).size, operation).toBe(accepted.length);
      for (const permission of accepted) expect(permission, operation).toMatch(/^[A-Z][A-Za-z-]*(\.[A-Z][A-Za-z]*)+$/u);
    }
  });

  it.each([
    { operation: 'users.list', least: 'User.Read.All' },
    { operation: 'users.get', least: 'User.Read.All' },
    { operation: 'users.delta', least: 'User.Read.All' }, // https://learn.microsoft.com/graph/api/user-delta
    { operation: 'deletedItems.list', least: 'User.Read.All' },
    { operation: 'deletedItems.get', least: 'User.Read.All' },
    { operation: 'users.create', least: 'User.Create' }, // docs/graph-behaviour.md §5, §13; docs/permissions.md §3 grants the broader User.ReadWrite.All
    { operation: 'users.update', least: 'User.ReadWrite.All' },
    { operation: 'users.assignLicense', least: 'LicenseAssignment.ReadWrite.All' },
    { operation: 'deletedItems.restore', least: 'User.DeleteRestore.All' },
    { operation: 'users.mailboxSettings', least: 'MailboxSettings.Read' },
    { operation: 'groups.list', least: 'GroupMember.Read.All' },
    { operation: 'groups.get', least: 'GroupMember.Read.All' },
    { operation: 'users.setManager', least: 'User.ReadWrite.All' }, // https://learn.microsoft.com/graph/api/user-post-manager
    { operation: 'groups.updateMembers', least: 'GroupMember.ReadWrite.All' }, // https://learn.microsoft.com/graph/api/group-post-members
    { operation: 'subscribedSkus.list', least: 'LicenseAssignment.Read.All' },
  ] satisfies { operation: GraphOperation; least: string }[])('$operation: least privileged first is $least (docs/permissions.md §4)', ({ operation, least }) => {
    expect(PERMISSIONS[operation][0]).toBe(least);
  });

  it('accepts User.DeleteRestore.All or User.ReadWrite.All for the permanent delete (docs/graph-behaviour.md §3)', () => {
    expect(PERMISSIONS['deletedItems.delete']).toEqual(['User.DeleteRestore.All', 'User.ReadWrite.All']);
  });

  it('never lets Directory.ReadWrite.All delete or restore users', () => {
    for (const operation of ['users.delete', 'deletedItems.restore', 'deletedItems.delete'] satisfies GraphOperation[]) {
      expect(PERMISSIONS[operation]).not.toContain('Directory.ReadWrite.All');
    }
  });

  it('lists organization.get as Organization.Read.All first, then the directory permissions', () => {
    expect(PERMISSIONS['organization.get']).toEqual(['Organization.Read.All', 'Directory.Read.All', 'Organization.ReadWrite.All', 'Directory.ReadWrite.All']);
  });

  it.each([
    { roles: [], operation: 'users.list', expected: false },
    { roles: ['User.Read.All'], operation: 'users.list', expected: true },
    { roles: ['User.Read.All'], operation: 'users.get', expected: true },
    { roles: ['User.Read.All'], operation: 'users.update', expected: false },
    { roles: ['User.Read.All'], operation: 'users.assignLicense', expected: false },
    { roles: ['User.Read.All'], operation: 'deletedItems.restore', expected: false },
    { roles: ['user.read.all'], operation: 'users.list', expected: false },
    { roles: ['Directory.Read.All'], operation: 'users.list', expected: true },
    { roles: ['Directory.Read.All'], operation: 'users.create', expected: false },
    { roles: ['User.ReadWrite.All'], operation: 'users.create', expected: true },
    { roles: ['User.ReadWrite.All'], operation: 'users.update', expected: true },
    { roles: ['User.ReadWrite.All'], operation: 'users.assignLicense', expected: true },
    { roles: ['User.ReadWrite.All'], operation: 'deletedItems.delete', expected: true },
    { roles: ['User.ReadWrite.All'], operation: 'users.mailboxSettings', expected: false },
    { roles: ['Directory.ReadWrite.All'], operation: 'users.create', expected: true },
    { roles: ['Directory.ReadWrite.All'], operation: 'users.delete', expected: false },
    { roles: ['Directory.ReadWrite.All'], operation: 'deletedItems.restore', expected: false },
    { roles: ['User.DeleteRestore.All'], operation: 'deletedItems.restore', expected: true },
    { roles: ['User.DeleteRestore.All'], operation: 'deletedItems.delete', expected: true },
    { roles: ['User.DeleteRestore.All'], operation: 'deletedItems.list', expected: true },
    { roles: ['User.DeleteRestore.All'], operation: 'users.delete', expected: true },
    { roles: ['User.DeleteRestore.All'], operation: 'users.list', expected: false },
    { roles: ['LicenseAssignment.ReadWrite.All'], operation: 'users.assignLicense', expected: true },
    { roles: ['LicenseAssignment.ReadWrite.All'], operation: 'subscribedSkus.list', expected: true }, // the write permission includes the read
    { roles: ['LicenseAssignment.Read.All'], operation: 'subscribedSkus.list', expected: true },
    { roles: ['LicenseAssignment.Read.All'], operation: 'users.licenseDetails', expected: true },
    { roles: ['LicenseAssignment.Read.All'], operation: 'users.assignLicense', expected: false },
    { roles: ['Organization.Read.All'], operation: 'subscribedSkus.list', expected: true },
    { roles: ['Organization.Read.All'], operation: 'organization.get', expected: true },
    { roles: ['User.Read.All'], operation: 'organization.get', expected: false },
    { roles: ['MailboxSettings.Read'], operation: 'users.mailboxSettings', expected: true },
    { roles: ['MailboxSettings.ReadWrite'], operation: 'users.mailboxSettings', expected: true },
    { roles: ['MailboxSettings.Read'], operation: 'users.get', expected: false },
    { roles: ['GroupMember.Read.All'], operation: 'groups.list', expected: true },
    { roles: ['GroupMember.Read.All'], operation: 'groups.get', expected: true },
    { roles: ['Group.Read.All'], operation: 'groups.list', expected: true },
    { roles: ['GroupMember.Read.All'], operation: 'users.list', expected: false },
  ] satisfies { roles: string[]; operation: GraphOperation; expected: boolean }[])('$roles → $operation: $expected', ({ roles, operation, expected }) => {
    expect(isAuthorised(new Set(roles), operation)).toBe(expected);
  });

  it('authorises a verified token by its roles claim', () => {
    const verified = issuer.verifyBearer(`Bearer ${bearerToken}`, NOW);
    if (!verified.ok) throw new Error(verified.message);
    expect(isAuthorised(verified.roles, 'users.list')).toBe(true);
    expect(isAuthorised(verified.roles, 'users.assignLicense')).toBe(true);
    expect(isAuthorised(verified.roles, 'deletedItems.restore')).toBe(false);
  });

  it('has Graph’s 403 text', () => {
    expect(INSUFFICIENT_PRIVILEGES).toBe('Insufficient privileges to complete the operation.');
  });
});
