/**
 * One emulator serving several tenants (docs/emulator.md §3, §5, §8, §10): tokens per tenant, a
 * multi-tenant app consented in each with its own roles, a token of one tenant never reaching another's
 * data, budgets, clocks, journals and faults per tenant, and `--synthetic …,tenants=N`.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ManyTenantSeed, Seed } from '../../src/emulator/directory/model.ts';
import { SeedError } from '../../src/emulator/directory/seed.ts';
import { loadTenantSeeds } from '../../src/emulator/directory/tenants-seed.ts';
import type { RunningEmulator } from '../../src/emulator/server.ts';
import { startEmulator } from '../../src/emulator/server.ts';
import { parseSyntheticSpec } from '../../src/emulator/synthetic/synthetic.ts';
import { generateSynthetic, generateSyntheticTenants } from '../../src/emulator/synthetic/synthetic-tenants.ts';
import { BOB, contoso, E3, FIXTURE_NOW, RECONCILER, TENANT_ID as CONTOSO } from '../support/emulator.ts';

const FABRIKAM = '1b2c3d4e-0000-4000-8000-0000000000f2';
const TAILSPIN = '1b2c3d4e-0000-4000-8000-0000000000f3';
const UNKNOWN = '1b2c3d4e-0000-4000-8000-0000000000ff';
/** One multi-tenant app, consented in every tenant: read and write in Contoso, read only in Fabrikam, absent from Tailspin. */
const MULTI = '5e1c0000-0000-4000-8000-00000000b001';
const MULTI_SECRET = 'emulator-secret-multi-tenant';
/** An app registered in Fabrikam only. */
const FABRIKAM_ONLY = '5e1c0000-0000-4000-8000-00000000b002';
const TAILSPIN_ONLY = '5e1c0000-0000-4000-8000-00000000b003';
const WRITE_ROLES = ['User.Read.All', 'User.ReadWrite.All', 'LicenseAssignment.Read.All'];

/** A small tenant of two users, `name.com`, whose user ids end in `tag`. */
function smallTenant(tenantId: string, name: string, tag: string, apps: Seed['apps']): Seed {
  const user = (n: number, given: string) => ({
    id: `0b1f5a1e-${tag}-4000-8000-00000000000${n}`,
    userPrincipalName: `${given.toLowerCase()}@${name}.com`,
    displayName: given,
    usageLocation: 'NL',
    mail: `${given.toLowerCase()}@${name}.com`,
    proxyAddresses: [`SMTP:${given.toLowerCase()}@${name}.com`],
  });
  return {
    tenantId,
    now: '2027-03-01T00:00:00Z',
    domains: [`${name}.com`, `${name}.onmicrosoft.com`],
    organization: { displayName: name },
    subscribedSkus: [{ skuId: E3, skuPartNumber: 'ENTERPRISEPACK', prepaidUnits: { enabled: 5, suspended: 0, warning: 0, lockedOut: 0 }, servicePlans: [] }],
    users: [user(1, 'Ann'), user(2, 'Ben')],
    deletedUsers: [],
    groups: [],
    apps,
  };
}

function threeTenants(): ManyTenantSeed {
  const a = contoso((draft) => {
    draft.apps.push({ clientId: MULTI, clientSecret: MULTI_SECRET, roles: WRITE_ROLES, displayName: 'tenantctl (multi-tenant)' });
  });
  const b = smallTenant(FABRIKAM, 'fabrikam', '2222', [
    { clientId: MULTI, clientSecret: MULTI_SECRET, roles: ['User.Read.All'], displayName: 'tenantctl (multi-tenant)' },
    { clientId: FABRIKAM_ONLY, clientSecret: 'emulator-secret-fabrikam', roles: WRITE_ROLES },
  ]);
  const c = smallTenant(TAILSPIN, 'tailspin', '3333', [{ clientId: TAILSPIN_ONLY, clientSecret: 'emulator-secret-tailspin', roles: WRITE_ROLES }]);
  return { tenants: [a, b, c] };
}

const FABRIKAM_ANN = '0b1f5a1e-2222-4000-8000-000000000001';
const TAILSPIN_ANN = '0b1f5a1e-3333-4000-8000-000000000001';

/** Real time stands still, so that budgets empty only when told. */
const REAL_NOW = Date.parse('2026-12-07T12:00:00Z');
let emulator: RunningEmulator;

beforeAll(async () => {
  emulator = await startEmulator({ seed: threeTenants(), port: 0, realNowMs: () => REAL_NOW });
});
afterAll(async () => {
  await emulator.close();
});
afterEach(async () => {
  await control('POST', 'seed', threeTenants());
  await control('POST', 'limits', {});
  await control('POST', 'faults', {});
  await control('DELETE', 'requests');
});

async function control(method: string, name: string, body?: unknown, tenant?: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const query = tenant === undefined ? '' : `?tenant=${encodeURIComponent(tenant)}`;
  const response = await fetch(`${emulator.url}/_emulator/${name}${query}`, {
    method,
    ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } }),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
}

async function tokenResponse(tenant: string, clientId: string, clientSecret: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${emulator.url}/${tenant}/oauth2/v2.0/token`, {
    method: 'POST',
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret, scope: 'https://graph.microsoft.com/.default' }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function token(tenant: string, clientId: string, clientSecret: string): Promise<string> {
  const { body } = await tokenResponse(tenant, clientId, clientSecret);
  if (typeof body.access_token !== 'string') throw new Error(`no token: ${String(body.error)}`);
  return body.access_token;
}

const multi = (tenant: string): Promise<string> => token(tenant, MULTI, MULTI_SECRET);

async function graph(bearer: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const response = await fetch(`${emulator.url}/v1.0${path}`, {
    method,
    headers: { Authorization: `Bearer ${bearer}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>), headers: response.headers };
}

function claims(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
}

const upns = (body: Record<string, unknown>): string[] => (body.value as { userPrincipalName: string }[]).map((u) => u.userPrincipalName).sort();

describe('tokens per tenant', () => {
  it('issues a token of the tenant named by id or domain, for an app registered there only', async () => {
    const fabrikam = await token('fabrikam.com', FABRIKAM_ONLY, 'emulator-secret-fabrikam');
    expect(claims(fabrikam)).toMatchObject({ tid: FABRIKAM, iss: `https://sts.windows.net/${FABRIKAM}/`, appid: FABRIKAM_ONLY });

    const elsewhere = await tokenResponse(CONTOSO, FABRIKAM_ONLY, 'emulator-secret-fabrikam');
    expect(elsewhere.status).toBe(400);
    expect(elsewhere.body).toMatchObject({ error: 'unauthorized_client', error_codes: [700016] });
    expect(String(elsewhere.body.error_description)).toContain(`was not found in the directory '${CONTOSO}'`);
  });

  it("answers a tenant it does not serve with Entra's AADSTS90002, whatever the other tenants", async () => {
    const unknown = await tokenResponse(UNKNOWN, MULTI, MULTI_SECRET);
    expect(unknown.status).toBe(400);
    expect(unknown.body).toMatchObject({ error: 'invalid_tenant', error_codes: [90002] });
    expect(String(unknown.body.error_description)).toMatch(new RegExp(`^AADSTS90002: Tenant '${UNKNOWN}' not found\\. `, 'u'));
    expect(JSON.stringify(unknown.body)).not.toContain(MULTI_SECRET);
    const log = (await control('GET', 'token-requests')).body.tokenRequests as { tenant: string; errorCode?: number }[];
    expect(log.at(-1)).toMatchObject({ tenant: UNKNOWN, errorCode: 90002 });
  });

  it("gives a multi-tenant app each tenant's own consent: its roles there, nothing where it is not listed", async () => {
    const inContoso = await multi(CONTOSO);
    const inFabrikam = await multi(FABRIKAM);
    expect(claims(inContoso)).toMatchObject({ tid: CONTOSO, roles: WRITE_ROLES });
    expect(claims(inFabrikam)).toMatchObject({ tid: FABRIKAM, roles: ['User.Read.All'] });
    expect((await tokenResponse(TAILSPIN, MULTI, MULTI_SECRET)).body).toMatchObject({ error_codes: [700016] });

    expect((await graph(inContoso, 'PATCH', `/users/${BOB}`, { jobTitle: 'Captain' })).status).toBe(204);
    const refused = await graph(inFabrikam, 'PATCH', `/users/${FABRIKAM_ANN}`, { jobTitle: 'Captain' });
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ error: { code: 'Authorization_RequestDenied' } });
  });
});

describe("a token of one tenant never reaches another's data", () => {
  it("serves the token's tenant only: another tenant's users are not found, to read or to write", async () => {
    const contosoToken = await multi(CONTOSO);
    const fabrikamToken = await token(FABRIKAM, FABRIKAM_ONLY, 'emulator-secret-fabrikam');
    expect(upns((await graph(contosoToken, 'GET', '/users?$select=userPrincipalName')).body)).toEqual(['alice@contoso.com', 'bob@contoso.com', 'carol@contoso.com', 'support@contoso.com']);
    expect(upns((await graph(fabrikamToken, 'GET', '/users?$select=userPrincipalName')).body)).toEqual(['ann@fabrikam.com', 'ben@fabrikam.com']);

    expect((await graph(contosoToken, 'GET', `/users/${FABRIKAM_ANN}`)).status).toBe(404);
    expect((await graph(contosoToken, 'GET', '/users/ann@fabrikam.com')).status).toBe(404);
    expect((await graph(contosoToken, 'PATCH', `/users/${FABRIKAM_ANN}`, { jobTitle: 'Intruder' })).status).toBe(404);
    expect((await graph(contosoToken, 'DELETE', `/users/${FABRIKAM_ANN}`)).status).toBe(404);
    expect((await graph(fabrikamToken, 'GET', `/users/${BOB}`)).status).toBe(404);
    // A user in another tenant's domain cannot be created either: the domain is not verified here.
    const created = await graph(contosoToken, 'POST', '/users', { accountEnabled: true, displayName: 'X', mailNickname: 'x', userPrincipalName: 'x@fabrikam.com', passwordProfile: { password: 'Passw0rd!Passw0rd!' } });
    expect(created.status).toBe(400);

    const fabrikamState = (await control('GET', 'state', undefined, FABRIKAM)).body;
    expect((fabrikamState.users as { id: string; jobTitle?: string | null }[]).map((u) => [u.id, u.jobTitle ?? null])).toEqual([
      [FABRIKAM_ANN, null],
      ['0b1f5a1e-2222-4000-8000-000000000002', null],
    ]);
  });

  it('refuses a token whose tid was rewritten to another tenant: that tenant checks the signature', async () => {
    const [header, payload, signature] = (await multi(CONTOSO)).split('.') as [string, string, string];
    const forged = { ...(JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>), tid: FABRIKAM, iss: `https://sts.windows.net/${FABRIKAM}/` };
    const reply = await graph(`${header}.${Buffer.from(JSON.stringify(forged)).toString('base64url')}.${signature}`, 'GET', '/users');
    expect(reply.status).toBe(401);
    expect(reply.body).toMatchObject({ error: { code: 'InvalidAuthenticationToken', message: 'Signature is invalid.' } });
  });
});

describe('budgets, clocks, journals and faults per tenant', () => {
  it('throttles each app+tenant pair on its own budget', async () => {
    await control('POST', 'limits', { resourceUnits: 2, resourceUnitWindowSeconds: 10 });
    const contosoToken = await multi(CONTOSO);
    const fabrikamToken = await multi(FABRIKAM);
    expect((await graph(contosoToken, 'GET', '/users')).status).toBe(200);
    const throttled = await graph(contosoToken, 'GET', '/users');
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('x-ms-throttle-scope')).toBe(`Tenant_Application/ReadWrite/${MULTI}/${CONTOSO}`);
    // The same app in another tenant, and another app in the same tenant, have budgets of their own.
    expect((await graph(fabrikamToken, 'GET', '/users')).status).toBe(200);
    expect((await graph(await token(CONTOSO, RECONCILER, 'emulator-secret-reconciler'), 'GET', '/users')).status).toBe(200);
  });

  it('changes one tenant\'s budgets with tenant=, and every tenant\'s without', async () => {
    expect((await control('POST', 'limits', { resourceUnits: 2 }, FABRIKAM)).body).toMatchObject({ tenantId: FABRIKAM });
    const contosoToken = await multi(CONTOSO);
    const fabrikamToken = await multi(FABRIKAM);
    for (let i = 0; i < 3; i++) expect((await graph(contosoToken, 'GET', '/users')).status).toBe(200);
    expect((await graph(fabrikamToken, 'GET', '/users')).status).toBe(200);
    expect((await graph(fabrikamToken, 'GET', '/users')).status).toBe(429);
  });

  it('keeps a clock per tenant: state, clock and Date answer for the addressed tenant, the first by default', async () => {
    expect((await control('GET', 'state')).body).toMatchObject({ tenantId: CONTOSO, now: FIXTURE_NOW });
    expect((await control('GET', 'state', undefined, 'fabrikam.com')).body).toMatchObject({ tenantId: FABRIKAM, now: '2027-03-01T00:00:00Z' });
    const moved = await control('POST', 'clock', { now: '2027-04-01T00:00:00Z' }, FABRIKAM);
    expect(moved.body).toMatchObject({ tenantId: FABRIKAM, now: '2027-04-01T00:00:00Z' });
    expect((await control('GET', 'state')).body).toMatchObject({ now: FIXTURE_NOW });
    expect((await control('GET', 'state', undefined, TAILSPIN)).body).toMatchObject({ now: '2027-03-01T00:00:00Z' });
    expect((await graph(await multi(FABRIKAM), 'GET', '/organization')).headers.get('date')).toBe('Thu, 01 Apr 2027 00:00:00 GMT');
    expect((await graph(await multi(CONTOSO), 'GET', '/organization')).headers.get('date')).toBe('Sun, 22 Nov 2026 00:00:00 GMT');
    const health = (await control('GET', 'health')).body;
    expect(health).toMatchObject({ tenantId: CONTOSO, tenants: [CONTOSO, FABRIKAM, TAILSPIN] });
  });

  it('answers 400 to a tenant= that names no tenant, changing nothing', async () => {
    const reply = await control('POST', 'clock', { now: '2030-01-01T00:00:00Z' }, UNKNOWN);
    expect(reply.status).toBe(400);
    expect(reply.body).toMatchObject({ error: { code: 'BadRequest' } });
    expect(JSON.stringify(reply.body)).toContain(UNKNOWN);
    expect((await control('GET', 'state')).body).toMatchObject({ now: FIXTURE_NOW });
  });

  it("journals each tenant's requests, tagged with its id, and clears one tenant's journal alone", async () => {
    await graph(await multi(CONTOSO), 'GET', '/users');
    await graph(await token(TAILSPIN, TAILSPIN_ONLY, 'emulator-secret-tailspin'), 'GET', `/users/${TAILSPIN_ANN}`);
    await graph(await multi(FABRIKAM), 'GET', '/subscribedSkus');
    const all = (await control('GET', 'requests')).body.requests as { seq: number; tenantId: string; path: string }[];
    expect(all.map((e) => [e.tenantId, e.path])).toEqual([
      [CONTOSO, '/users'],
      [TAILSPIN, `/users/${TAILSPIN_ANN}`],
      [FABRIKAM, '/subscribedSkus'],
    ]);
    expect(all.map((e) => e.seq)).toEqual([...all.map((e) => e.seq)].sort((x, y) => x - y));
    expect(((await control('GET', 'requests', undefined, FABRIKAM)).body.requests as { path: string }[]).map((e) => e.path)).toEqual(['/subscribedSkus']);
    expect(emulator.requests().map((e) => e.tenantId)).toEqual([CONTOSO, TAILSPIN, FABRIKAM]);

    expect((await control('DELETE', 'requests', undefined, TAILSPIN)).status).toBe(204);
    expect(((await control('GET', 'requests')).body.requests as { tenantId: string }[]).map((e) => e.tenantId)).toEqual([CONTOSO, FABRIKAM]);
  });

  it("injects faults into one tenant's Graph calls with tenant=, leaving the others alone", async () => {
    expect((await control('POST', 'faults', { error5xx: 1 }, FABRIKAM)).body).toMatchObject({ tenantId: FABRIKAM });
    expect((await graph(await multi(FABRIKAM), 'GET', '/users')).status).toBeGreaterThanOrEqual(500);
    expect((await graph(await multi(CONTOSO), 'GET', '/users')).status).toBe(200);
    expect((await graph(await token(TAILSPIN, TAILSPIN_ONLY, 'emulator-secret-tailspin'), 'GET', '/users')).status).toBe(200);
    // Without tenant=, faults apply to every tenant.
    await control('POST', 'faults', { error5xx: 1 });
    expect((await graph(await multi(CONTOSO), 'GET', '/users')).status).toBeGreaterThanOrEqual(500);
  });
});

describe('reseeding', () => {
  it("replaces one tenant with tenant=: its tokens stop working, the others' do not", async () => {
    const contosoToken = await multi(CONTOSO);
    const fabrikamToken = await multi(FABRIKAM);
    const [, fabrikam] = threeTenants().tenants as [Seed, Seed, Seed];
    const reseeded = await control('POST', 'seed', { ...fabrikam, users: fabrikam.users.slice(0, 1) }, FABRIKAM);
    expect(reseeded.body).toMatchObject({ status: 'seeded', tenantId: FABRIKAM, tenants: [CONTOSO, FABRIKAM, TAILSPIN] });
    expect((await graph(fabrikamToken, 'GET', '/users')).status).toBe(401);
    expect((await graph(contosoToken, 'GET', '/users')).status).toBe(200);
    expect(upns((await graph(await multi(FABRIKAM), 'GET', '/users')).body)).toEqual(['ann@fabrikam.com']);
  });

  it("refuses a tenant= seed of another tenant id, of many tenants, or with another tenant's domain", async () => {
    const [contosoSeed, fabrikam] = threeTenants().tenants as [Seed, Seed, Seed];
    expect((await control('POST', 'seed', contosoSeed, FABRIKAM)).body).toMatchObject({ error: { message: expect.stringContaining('invalid seed: tenantId:') as unknown } });
    expect((await control('POST', 'seed', threeTenants(), FABRIKAM)).status).toBe(400);
    const clash = await control('POST', 'seed', { ...fabrikam, domains: ['fabrikam.com', 'contoso.com'] }, FABRIKAM);
    expect(clash.body).toMatchObject({ error: { message: expect.stringMatching(/invalid seed: tenants\[\d\]\.domains\[1\]: contoso\.com is verified in tenants\[\d\]/u) as unknown } });
    // The multi-tenant app keeps one registration: another secret for it in one tenant is refused too.
    const secret = await control('POST', 'seed', { ...fabrikam, apps: fabrikam.apps.map((app) => (app.clientId === MULTI ? { ...app, clientSecret: 'another' } : app)) }, FABRIKAM);
    expect(secret.status).toBe(400);
    expect(secret.body).toMatchObject({ error: { message: expect.stringContaining('one secret') as unknown } });
    expect((await control('GET', 'state', undefined, FABRIKAM)).body).toMatchObject({ domains: ['fabrikam.com', 'fabrikam.onmicrosoft.com'] });
  });

  it('replaces every tenant without tenant=, with one tenant or many', async () => {
    const single = await control('POST', 'seed', contoso());
    expect(single.body).toMatchObject({ tenantId: CONTOSO, tenants: [CONTOSO] });
    expect((await tokenResponse(FABRIKAM, FABRIKAM_ONLY, 'emulator-secret-fabrikam')).body).toMatchObject({ error_codes: [90002] });
    expect((await control('POST', 'seed', threeTenants())).body).toMatchObject({ tenants: [CONTOSO, FABRIKAM, TAILSPIN] });
  });
});

describe('many-tenant seeds', () => {
  function seedError(json: unknown): SeedError {
    try {
      loadTenantSeeds(json);
    } catch (error) {
      if (error instanceof SeedError) return error;
      throw error;
    }
    throw new Error('the seed loaded');
  }

  it('loads one store per tenant, in order; a single-tenant seed is one', () => {
    expect(loadTenantSeeds(threeTenants()).map((s) => [s.tenantId, s.activeUsers().length])).toEqual([[CONTOSO, 4], [FABRIKAM, 2], [TAILSPIN, 2]]);
    expect(loadTenantSeeds(contoso()).map((s) => s.tenantId)).toEqual([CONTOSO]);
  });

  it.each([
    ['an empty list', () => ({ tenants: [] }), 'tenants', 'must be a non-empty array'],
    ['a field beside tenants', () => ({ ...threeTenants(), now: FIXTURE_NOW }), 'now', 'is not a seed field'],
    ['a bad field inside a tenant', () => { const s = threeTenants(); const b = s.tenants[1] as Seed; return { tenants: [s.tenants[0], { ...b, users: [{ ...b.users[0], id: 'x' }] }] }; }, 'tenants[1].users[0].id', 'must match pattern'],
    ['a tenant id twice', () => ({ tenants: [...threeTenants().tenants, smallTenant(TAILSPIN, 'other', '4444', [])] }), 'tenants[3].tenantId', "is also tenants[2]'s"],
    ['a domain in two tenants', () => { const s = threeTenants(); return { tenants: [s.tenants[0], { ...(s.tenants[1] as Seed), domains: ['fabrikam.com', 'CONTOSO.com'] }] }; }, 'tenants[1].domains[1]', 'is verified in tenants[0]'],
    ['a multi-tenant app with two secrets', () => { const s = threeTenants(); return { tenants: [s.tenants[0], { ...(s.tenants[1] as Seed), apps: [{ clientId: MULTI, clientSecret: 'another', roles: [] }] }] }; }, 'tenants[1].apps[0]', 'one secret'],
  ])('refuses %s, naming the field', (_name, make, field, message) => {
    const error = seedError(make());
    expect(error.field).toBe(field);
    expect(error.message).toContain(message);
  });
});

describe('synthetic tenants', () => {
  it('parses tenants=N and bounds the users of all tenants together', () => {
    expect(parseSyntheticSpec('users=10,tenants=3')).toMatchObject({ users: 10, tenants: 3 });
    expect(() => parseSyntheticSpec('tenants=0')).toThrow('"tenants" must be at least 1');
    expect(() => parseSyntheticSpec('users=1000000,tenants=3')).toThrow('"tenants"');
    expect(generateSynthetic(parseSyntheticSpec('users=10'))).not.toHaveProperty('tenants');
  });

  it('makes N distinct tenants deterministically, the first being the one-tenant spec\'s, all served by one multi-tenant app', () => {
    const spec = { users: 60, deleted: 4, skus: 3, seed: 7, tenants: 4 };
    const seed = generateSyntheticTenants(spec);
    expect(JSON.stringify(generateSyntheticTenants(spec))).toBe(JSON.stringify(seed));
    expect(seed.tenants).toHaveLength(4);
    expect(new Set(seed.tenants.map((t) => t.tenantId)).size).toBe(4);
    expect(seed.tenants.map((t) => t.domains[0])).toEqual(['contoso1.com', 'contoso2.com', 'contoso3.com', 'contoso4.com']);
    expect(seed.tenants.every((t, i) => t.users.every((u) => u.userPrincipalName.endsWith(`@contoso${i + 1}.com`)))).toBe(true);
    expect(new Set(seed.tenants.map((t) => JSON.stringify(t.apps))).size).toBe(1);
    expect(seed.tenants[0]?.apps[0]).toMatchObject({ clientSecret: 'synthetic-secret-7' });
    expect(loadTenantSeeds(seed).map((s) => s.activeUsers().length)).toEqual([60, 60, 60, 60]);
  });

  it('serves synthetic tenants: the shared app gets a token in each, and sees only that tenant', async () => {
    const seed = generateSyntheticTenants({ users: 20, deleted: 0, skus: 2, seed: 3, tenants: 3 });
    const synthetic = await startEmulator({ seed, port: 0 });
    try {
      const app = seed.tenants[0]?.apps[0] as { clientId: string; clientSecret: string };
      for (const tenant of seed.tenants) {
        const response = await fetch(`${synthetic.url}/${tenant.tenantId}/oauth2/v2.0/token`, {
          method: 'POST',
          body: new URLSearchParams({ grant_type: 'client_credentials', client_id: app.clientId, client_secret: app.clientSecret, scope: 'https://graph.microsoft.com/.default' }),
        });
        const { access_token: bearer } = (await response.json()) as { access_token: string };
        const users = await fetch(`${synthetic.url}/v1.0/users?$select=userPrincipalName&$top=999`, { headers: { Authorization: `Bearer ${bearer}` } });
        const names = ((await users.json()) as { value: { userPrincipalName: string }[] }).value.map((u) => u.userPrincipalName);
        expect(names.sort()).toEqual(tenant.users.map((u) => u.userPrincipalName).sort());
      }
      expect(synthetic.tenantIds()).toEqual(seed.tenants.map((t) => t.tenantId));
    } finally {
      await synthetic.close();
    }
  });
});
