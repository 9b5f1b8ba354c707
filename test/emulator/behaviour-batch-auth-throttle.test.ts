/**
 * Behaviour tests for JSON batching, authentication and permissions, throttling, fault injection
 * and the error envelope (docs/graph-behaviour.md §10, §11, §12, §13), through the Microsoft Graph JavaScript
 * SDK (Client, BatchRequestContent, BatchResponseContent) and raw fetch, which shows the exact
 * bodies and headers the SDK hides. A test marked `it.fails` documents a disagreement between the
 * emulator and docs/graph-behaviour.md.
 */
import { BatchRequestContent, BatchResponseContent, Client } from '@microsoft/microsoft-graph-client';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Harness, RawResponse } from '../support/emulator.ts';
import {
  BOB,
  CAROL,
  contextFragment,
  contoso,
  DAVE,
  E3,
  EXCHANGE_STANDARD,
  expectRawError,
  expectSdkError,
  FRANK,
  GUID,
  INNER_ERROR_DATE,
  itemHeader,
  NOT_FOUND,
  READER,
  RECONCILER,
  sdkError,
  SUPPORT,
  TENANT_ID,
  useHarness,
  withApp,
} from '../support/emulator.ts';

/**
 * The emulator's real clock (tokens and throttling windows), moved only by the tests that say so: a
 * budget's window never runs out, nor starts over, while a test runs, however slow the machine is.
 */
let nowMs = Date.parse('2026-11-22T09:00:00Z');
const harness = useHarness({ realNowMs: () => nowMs });
/** The throttling windows of these tests; nothing else moves the clock, so every wait is all of it. */
const WINDOW_SECONDS = 60;

const DENIED = { status: 403, code: 'Authorization_RequestDenied', message: 'Insufficient privileges to complete the operation.' };

interface BatchItemResponse {
  id: string;
  status: number;
  headers?: Record<string, string>;
  body?: Record<string, unknown>;
}

interface BatchBody {
  responses: BatchItemResponse[];
}

interface RawItem {
  id: string;
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: unknown;
  dependsOn?: string[];
}

function byId(body: BatchBody): Map<string, BatchItemResponse> {
  return new Map(body.responses.map((r) => [r.id, r]));
}

function gets(count: number, url: (i: number) => string = () => `/users/${BOB}`): RawItem[] {
  return Array.from({ length: count }, (_, i) => ({ id: String(i + 1), method: 'GET', url: url(i) }));
}

function errorOf(item: BatchItemResponse | undefined): Record<string, unknown> {
  return (item?.body?.error ?? {}) as Record<string, unknown>;
}

/** The §11 sample 429 body, with a fresh date and request-id. */
function expectThrottledBody(response: RawResponse | BatchItemResponse): void {
  const body = 'json' in response ? response.json : response.body;
  expect(body).toEqual({
    error: {
      code: 'TooManyRequests',
      innerError: { code: '429', date: expect.stringMatching(INNER_ERROR_DATE), message: 'Please retry after', 'request-id': expect.stringMatching(GUID), status: '429' },
      message: 'Please retry again later.',
    },
  });
}

/** `Retry-After` in seconds, a decimal number (§11: "The client parses it as a decimal number"). */
function retryAfterSeconds(value: string | null | undefined): number {
  expect(value).toMatch(/^\d+(\.\d+)?$/u);
  return Number(value);
}

describe('POST /$batch: envelope rules (§10, contract 19)', () => {
  beforeEach(async () => {
    await harness().reseed();
  });

  it('runs 20 requests, built with the SDK’s BatchRequestContent, answering each by id', async () => {
    const steps = Array.from({ length: 20 }, (_, i) => ({ id: `r${i}`, request: new Request(`${harness().url}/users/${i % 2 === 0 ? BOB : SUPPORT}`, { method: 'GET' }) }));
    const content = new BatchRequestContent(steps);
    const raw = (await harness().sdk().api('/$batch').post(await content.getContent())) as BatchBody;
    const responses = new BatchResponseContent(raw);
    expect(responses.getResponses().size).toBe(20);
    for (const [index, step] of steps.entries()) {
      const response = responses.getResponseById(step.id);
      expect(response.status).toBe(200);
      const user = (await response.json()) as Record<string, unknown>;
      expect(contextFragment(user)).toBe('#users/$entity');
      expect(user.id).toBe(index % 2 === 0 ? BOB : SUPPORT);
    }
  });

  it('refuses 21 requests with an outer 400 BadRequest and the exact text, running none of them', async () => {
    const requests = Array.from({ length: 21 }, (_, i) => ({ id: String(i + 1), method: 'PATCH', url: `/users/${CAROL}`, headers: { 'Content-Type': 'application/json' }, body: { jobTitle: `Job ${i}` } }));
    await expectSdkError(harness().sdk().api('/$batch').post({ requests }), { status: 400, code: 'BadRequest', message: 'Batch request exceeds the limit of 20 requests.' });
    const raw = await harness().raw('POST', '/$batch', { body: { requests } });
    expectRawError(raw, { status: 400, code: 'BadRequest', message: 'Batch request exceeds the limit of 20 requests.' });
    const carol = (await harness().sdk().api(`/users/${CAROL}`).select(['jobTitle']).get()) as Record<string, unknown>;
    expect(carol.jobTitle).toBeNull();
  });

  it('refuses a duplicate id with an outer 400 BadRequest and the exact text', async () => {
    const requests = [...gets(2), { id: '2', method: 'GET', url: `/users/${SUPPORT}` }];
    await expectSdkError(harness().sdk().api('/$batch').post({ requests }), { status: 400, code: 'BadRequest', message: "Batch request contains duplicate request id '2'." });
  });

  it('treats ids case-insensitively when looking for duplicates', async () => {
    const requests = [{ id: 'a', method: 'GET', url: `/users/${BOB}` }, { id: 'A', method: 'GET', url: `/users/${SUPPORT}` }];
    await expectSdkError(harness().sdk().api('/$batch').post({ requests }), { status: 400, code: 'BadRequest', message: /^Batch request contains duplicate request id '(a|A)'\.$/u });
  });
});

describe('POST /$batch: per-item answers (§10)', () => {
  beforeEach(async () => {
    await harness().reseed();
  });

  it('answers outer 200 with each item’s own status, headers and body', async () => {
    const unknown = '0b1f5a1e-1111-4000-8000-0000000000ff';
    const requests: RawItem[] = [
      { id: 'get', method: 'GET', url: `/users/${BOB}` },
      { id: 'missing', method: 'GET', url: `/users/${unknown}` },
      { id: 'license', method: 'POST', url: `/users/${CAROL}/assignLicense`, headers: { 'Content-Type': 'application/json' }, body: { addLicenses: [{ skuId: E3, disabledPlans: [] }], removeLicenses: [] } },
      { id: 'method', method: 'PUT', url: `/users/${BOB}` },
      { id: 'list', method: 'GET', url: 'users?$select=id' },
    ];
    const response = await harness().raw('POST', '/$batch', { body: { requests } });
    expect(response.status).toBe(200);
    const items = byId(response.json as unknown as BatchBody);
    expect([...items.keys()].sort()).toEqual(['get', 'license', 'list', 'method', 'missing']);
    expect(items.get('get')).toMatchObject({ status: 200, body: { id: BOB } });
    expect(contextFragment(items.get('get')?.body)).toBe('#users/$entity');
    expect(items.get('missing')?.status).toBe(404);
    expect(errorOf(items.get('missing'))).toMatchObject({ code: 'Request_ResourceNotFound', message: NOT_FOUND(unknown) });
    expect(items.get('license')?.status).toBe(400);
    expect(errorOf(items.get('license'))).toMatchObject({ code: 'Request_BadRequest', message: 'License assignment cannot be done for user with invalid usage location.' });
    // The json-batching doc's item 4.
    expect(items.get('method')?.status).toBe(405);
    expect(errorOf(items.get('method'))).toMatchObject({ code: 'Request_BadRequest', message: 'Specified HTTP method is not allowed for the request target.' });
    expect(items.get('list')?.status).toBe(200);
    expect(contextFragment(items.get('list')?.body)).toBe('#users(id)');
    for (const item of items.values()) {
      if (item.status >= 400) expect(errorOf(item).innerError).toEqual(expect.objectContaining({ date: expect.stringMatching(INNER_ERROR_DATE), 'request-id': expect.stringMatching(GUID) }));
    }
  });

  it('passes item headers such as ConsistencyLevel; a collection item carries its own @odata.count and @odata.nextLink', async () => {
    const requests: RawItem[] = [{ id: 'count', method: 'GET', url: '/users?$count=true&$top=1', headers: { ConsistencyLevel: 'eventual' } }];
    const body = (await harness().sdk().api('/$batch').post({ requests })) as BatchBody;
    const item = byId(body).get('count');
    expect(item?.status).toBe(200);
    expect(item?.body).toMatchObject({ '@odata.count': 4, '@odata.nextLink': expect.stringContaining('$skiptoken=') });
    expect(contextFragment(item?.body)).toBe('#users');
  });

  // docs/graph-behaviour.md §10: "Non-JSON bodies come back base64-encoded." `/users/$count` answers text/plain;
  // inside a batch the emulator drops the text and sends the item without a body.
  it('returns a non-JSON item body base64-encoded (§10)', async () => {
    const requests: RawItem[] = [{ id: 'count', method: 'GET', url: '/users/$count', headers: { ConsistencyLevel: 'eventual' } }];
    const body = (await harness().raw('POST', '/$batch', { body: { requests } })).json as unknown as BatchBody;
    const item = byId(body).get('count');
    expect(item?.status).toBe(200);
    expect(item?.body as unknown).toBe(Buffer.from('4').toString('base64'));
  });

  it('reads mailboxes per user inside a batch, as the client does (§9, §10)', async () => {
    const requests = [BOB, SUPPORT, CAROL].map((id, i) => ({ id: String(i), method: 'GET', url: `/users/${id}/mailboxSettings/userPurpose` }));
    const body = (await harness().sdk().api('/$batch').post({ requests })) as BatchBody;
    const items = byId(body);
    expect(items.get('0')).toMatchObject({ status: 200, body: { value: 'user' } });
    expect(items.get('1')).toMatchObject({ status: 200, body: { value: 'shared' } });
    expect(items.get('2')?.status).toBe(404);
    expect(errorOf(items.get('2'))).toMatchObject({ code: 'MailboxNotEnabledForRESTAPI', message: 'The mailbox is either inactive, soft-deleted, or is hosted on-premise.' });
  });

  it('authorises each item on its own: the read-only app gets per-item 403s inside an outer 200', async () => {
    const requests: RawItem[] = [
      { id: 'read', method: 'GET', url: `/users/${BOB}` },
      { id: 'mailbox', method: 'GET', url: `/users/${BOB}/mailboxSettings` },
      { id: 'license', method: 'POST', url: `/users/${BOB}/assignLicense`, headers: { 'Content-Type': 'application/json' }, body: { addLicenses: [], removeLicenses: [] } },
      { id: 'patch', method: 'PATCH', url: `/users/${BOB}`, headers: { 'Content-Type': 'application/json' }, body: { jobTitle: 'x' } },
    ];
    const response = await harness().raw('POST', '/$batch', { app: READER, body: { requests } });
    expect(response.status).toBe(200);
    const items = byId(response.json as unknown as BatchBody);
    expect(items.get('read')?.status).toBe(200);
    for (const id of ['mailbox', 'license', 'patch']) {
      const item = items.get(id);
      expect(item?.status, id).toBe(403);
      expect(item?.body).toEqual({
        error: {
          code: 'Authorization_RequestDenied',
          message: 'Insufficient privileges to complete the operation.',
          innerError: { date: expect.stringMatching(INNER_ERROR_DATE), 'request-id': expect.stringMatching(GUID), 'client-request-id': expect.stringMatching(GUID) },
        },
      });
    }
  });

  // docs/graph-behaviour.md §10 (json-batching doc example, item 3) shows a 403 item carrying
  // `"x-ms-resource-unit":"1"` in its headers, and §11's contract is "send x-ms-resource-unit on
  // identity responses". The emulator adds the header only to successful answers.
  it('sends x-ms-resource-unit on a 403 identity item, as the doc example does (§10, §11)', async () => {
    const requests: RawItem[] = [{ id: '3', method: 'PATCH', url: `/users/${BOB}`, headers: { 'Content-Type': 'application/json' }, body: { jobTitle: 'x' } }];
    const body = (await harness().raw('POST', '/$batch', { app: READER, body: { requests } })).json as unknown as BatchBody;
    const item = byId(body).get('3');
    expect(item?.status).toBe(403);
    expect(itemHeader(item ?? {}, 'x-ms-resource-unit')).toBe('1');
  });

  it('runs dependsOn chains in order and fails the dependants of a failed request with 424', async () => {
    const json = { 'Content-Type': 'application/json' };
    const steps = [
      { id: 'locate', request: new Request(`${harness().url}/users/${CAROL}`, { method: 'PATCH', headers: json, body: JSON.stringify({ usageLocation: 'NL' }) }) },
      { id: 'license', request: new Request(`${harness().url}/users/${CAROL}/assignLicense`, { method: 'POST', headers: json, body: JSON.stringify({ addLicenses: [{ skuId: E3, disabledPlans: [] }], removeLicenses: [] }) }), dependsOn: ['locate'] },
      // No seat: EXCHANGESTANDARD's only seat is Bob's.
      { id: 'second', request: new Request(`${harness().url}/users/${CAROL}/assignLicense`, { method: 'POST', headers: json, body: JSON.stringify({ addLicenses: [{ skuId: EXCHANGE_STANDARD, disabledPlans: [] }], removeLicenses: [] }) }), dependsOn: ['license'] },
      { id: 'read', request: new Request(`${harness().url}/users/${CAROL}?$select=assignedLicenses`, { method: 'GET' }), dependsOn: ['second'] },
    ];
    const content = new BatchRequestContent(steps);
    const payload = (await content.getContent()) as { requests: RawItem[] };
    expect(payload.requests.find((r) => r.id === 'read')?.dependsOn).toEqual(['second']);
    const responses = new BatchResponseContent((await harness().sdk().api('/$batch').post(payload)) as BatchBody);
    expect(responses.getResponseById('locate').status).toBe(204);
    expect(responses.getResponseById('license').status).toBe(200);
    expect(responses.getResponseById('second').status).toBe(400);
    expect(responses.getResponseById('read').status).toBe(424);
    const carol = (await harness().sdk().api(`/users/${CAROL}`).select(['assignedLicenses']).get()) as Record<string, unknown>;
    expect(carol.assignedLicenses).toEqual([{ skuId: E3, disabledPlans: [] }]);
  });

  describe('throttled items (§10, contract 20)', () => {
    afterEach(async () => {
      await harness().control('POST', 'limits', {});
    });

    it('answers outer 200 with inner 429 items carrying Retry-After in their headers and the §11 body', async () => {
      await harness().control('POST', 'limits', { resourceUnits: 3, resourceUnitWindowSeconds: WINDOW_SECONDS });
      const response = await harness().raw('POST', '/$batch', { body: { requests: gets(6) } });
      expect(response.status).toBe(200);
      const items = (response.json as unknown as BatchBody).responses;
      expect(items.filter((i) => i.status === 200)).toHaveLength(3);
      const throttled = items.filter((i) => i.status === 429);
      expect(throttled).toHaveLength(3);
      for (const item of throttled) {
        // The three admitted items fill the window at this instant: each waits for all of it.
        expect(retryAfterSeconds(itemHeader(item, 'Retry-After'))).toBe(WINDOW_SECONDS);
        expectThrottledBody(item);
      }
      // Once the window has passed, the same batch fits again up to the budget.
      nowMs += WINDOW_SECONDS * 1000;
      const again = (await harness().raw('POST', '/$batch', { body: { requests: gets(6) } })).json as unknown as BatchBody;
      expect(again.responses.map((i) => i.status).sort()).toEqual([200, 200, 200, 429, 429, 429]);
    });
  });
});

describe('authentication: 401 InvalidAuthenticationToken (docs/emulator.md §5, docs/graph-behaviour.md §12 envelope)', () => {
  beforeAll(async () => {
    await harness().reseed();
  });

  it('answers a request without a token', async () => {
    // "Access token is empty." is Graph's live text; docs/graph-behaviour.md documents no 401 texts.
    const response = await harness().raw('GET', '/users', { app: null });
    expectRawError(response, { status: 401, code: 'InvalidAuthenticationToken', message: 'Access token is empty.' });
  });

  it.each([
    { name: 'a token that is not a JWT', authorization: 'Bearer not-a-token' },
    { name: 'a JWT with a forged signature', authorization: 'forge' },
    { name: 'a Basic credential', authorization: 'Basic dXNlcjpwYXNz' },
  ])('answers $name', async ({ authorization }) => {
    const value = authorization === 'forge' ? `Bearer ${harness().token().split('.').slice(0, 2).join('.')}.${'A'.repeat(43)}` : authorization;
    expectRawError(await harness().raw('GET', '/users', { authorization: value }), { status: 401, code: 'InvalidAuthenticationToken' });
  });

  it('answers a token signed before the tenant was re-seeded (new signing key)', async () => {
    const stale = harness().token();
    await harness().reseed();
    expectRawError(await harness().raw('GET', '/users', { authorization: `Bearer ${stale}` }), { status: 401, code: 'InvalidAuthenticationToken' });
  });

  it('reaches the SDK as a GraphError: Client.init sends no token to an http:// emulator, even with customHosts', async () => {
    // The SDK's AuthenticationHandler attaches the token only to https:// URLs (see test/support/emulator.ts),
    // so this is the 401 a client built with Client.init gets from the emulator.
    const host = new URL(harness().url).host;
    const client = Client.init({ authProvider: (done) => done(null, harness().token()), baseUrl: `${harness().url}/`, defaultVersion: 'v1.0', customHosts: new Set([host, '127.0.0.1']) });
    await expectSdkError(client.api('/users').get(), { status: 401, code: 'InvalidAuthenticationToken', message: 'Access token is empty.' });
  });
});

describe('permissions: 403 Authorization_RequestDenied (§13)', () => {
  beforeAll(async () => {
    await harness().reseed();
  });

  it('lets the User.Read.All app read users and deleted users', async () => {
    const users = (await harness().sdk(READER).api('/users').get()) as { value: unknown[] };
    expect(users.value).toHaveLength(4);
    const deleted = (await harness().sdk(READER).api('/directory/deletedItems/microsoft.graph.user').get()) as { value: unknown[] };
    expect(deleted.value).toHaveLength(3);
  });

  it.each([
    { name: 'PATCH /users/{id}', call: (c: ReturnType<Harness['sdk']>) => c.api(`/users/${BOB}`).patch({ jobTitle: 'x' }) },
    { name: 'POST /users', call: (c: ReturnType<Harness['sdk']>) => c.api('/users').post({ accountEnabled: true, displayName: 'X', mailNickname: 'x', userPrincipalName: 'x@contoso.com', passwordProfile: { password: 'xWwvJ]6NMw+bWH-d' } }) },
    { name: 'DELETE /users/{id}', call: (c: ReturnType<Harness['sdk']>) => c.api(`/users/${CAROL}`).delete() },
    { name: 'POST /users/{id}/assignLicense', call: (c: ReturnType<Harness['sdk']>) => c.api(`/users/${BOB}/assignLicense`).post({ addLicenses: [], removeLicenses: [] }) },
    { name: 'POST /directory/deletedItems/{id}/restore', call: (c: ReturnType<Harness['sdk']>) => c.api(`/directory/deletedItems/${FRANK}/restore`).post({}) },
    { name: 'DELETE /directory/deletedItems/{id}', call: (c: ReturnType<Harness['sdk']>) => c.api(`/directory/deletedItems/${FRANK}`).delete() },
    { name: 'GET /subscribedSkus', call: (c: ReturnType<Harness['sdk']>) => c.api('/subscribedSkus').get() },
  ])('refuses $name to the User.Read.All app with the exact text', async ({ call }) => {
    await expectSdkError(call(harness().sdk(READER)), DENIED);
  });
});

describe('permissions: the least-privileged permission of each call, and the higher ones (§13)', () => {
  const apps = new Map<string, string>();
  const appFor = (role: string): string => {
    const app = apps.get(role);
    if (app === undefined) throw new Error(`no app for ${role}`);
    return app;
  };
  const ROLES = ['User.Read.All', 'User.DeleteRestore.All', 'User.ReadWrite.All', 'User.Create', 'Directory.ReadWrite.All', 'Directory.Read.All', 'LicenseAssignment.ReadWrite.All', 'LicenseAssignment.Read.All', 'Organization.Read.All', 'MailboxSettings.Read', 'MailboxSettings.ReadWrite'];

  beforeAll(async () => {
    await harness().reseed(
      contoso((draft) => {
        ROLES.forEach((role, i) => {
          const clientId = `5e1c0000-0000-4000-8000-0000000001${String(i).padStart(2, '0')}`;
          apps.set(role, clientId);
          withApp(draft, clientId, [role]);
        });
      }),
    );
  });

  const newUser = (nickname: string): Record<string, unknown> => ({ accountEnabled: true, displayName: nickname, mailNickname: nickname, userPrincipalName: `${nickname}@contoso.com`, passwordProfile: { password: 'xWwvJ]6NMw+bWH-d' } });

  it.each([
    { call: 'GET /directory/deletedItems/microsoft.graph.user', role: 'User.Read.All', run: (c: Client) => c.api('/directory/deletedItems/microsoft.graph.user').get() },
    { call: 'GET /users', role: 'User.Read.All', run: (c: Client) => c.api('/users').get() },
    { call: 'GET /users', role: 'Directory.Read.All', run: (c: Client) => c.api('/users').get() },
    { call: 'POST /users', role: 'User.ReadWrite.All', run: (c: Client) => c.api('/users').post(newUser('perm1')) },
    { call: 'POST /users', role: 'Directory.ReadWrite.All', run: (c: Client) => c.api('/users').post(newUser('perm2')) },
    { call: 'PATCH /users/{id}', role: 'User.ReadWrite.All', run: (c: Client) => c.api(`/users/${CAROL}`).patch({ usageLocation: 'NL' }) },
    { call: 'POST /users/{id}/assignLicense', role: 'LicenseAssignment.ReadWrite.All', run: (c: Client) => c.api(`/users/${BOB}/assignLicense`).post({ addLicenses: [], removeLicenses: [] }) },
    { call: 'POST /users/{id}/assignLicense', role: 'User.ReadWrite.All', run: (c: Client) => c.api(`/users/${BOB}/assignLicense`).post({ addLicenses: [], removeLicenses: [] }) },
    { call: 'POST /users/{id}/assignLicense', role: 'Directory.ReadWrite.All', run: (c: Client) => c.api(`/users/${BOB}/assignLicense`).post({ addLicenses: [], removeLicenses: [] }) },
    { call: 'GET /subscribedSkus', role: 'LicenseAssignment.Read.All', run: (c: Client) => c.api('/subscribedSkus').get() },
    { call: 'GET /subscribedSkus', role: 'Organization.Read.All', run: (c: Client) => c.api('/subscribedSkus').get() },
    { call: 'GET /subscribedSkus', role: 'Directory.Read.All', run: (c: Client) => c.api('/subscribedSkus').get() },
    { call: 'GET /users/{id}/mailboxSettings', role: 'MailboxSettings.Read', run: (c: Client) => c.api(`/users/${BOB}/mailboxSettings`).get() },
    { call: 'GET /users/{id}/mailboxSettings/userPurpose', role: 'MailboxSettings.ReadWrite', run: (c: Client) => c.api(`/users/${BOB}/mailboxSettings/userPurpose`).get() },
  ])('allows $call with only $role', async ({ role, run }) => {
    await run(harness().sdk(appFor(role)));
  });

  it('allows restore with only User.DeleteRestore.All (least privileged) or User.ReadWrite.All (older pages)', async () => {
    await harness().sdk(appFor('User.DeleteRestore.All')).api(`/directory/deletedItems/${FRANK}/restore`).post({});
    await harness().sdk(appFor('User.ReadWrite.All')).api(`/users/${FRANK}`).delete();
    await harness().sdk(appFor('User.ReadWrite.All')).api(`/directory/deletedItems/${FRANK}/restore`).post({});
  });

  // docs/graph-behaviour.md §5 and §13: POST /users is allowed with `User.Create`, least privileged for application
  // permissions. The emulator does not accept User.Create (src/emulator/graph-api/permissions.ts says no Microsoft
  // page it could read lists it) and answers 403 Authorization_RequestDenied.
  it('allows POST /users with only User.Create (§5, §13)', async () => {
    const created = (await harness().sdk(appFor('User.Create')).api('/users').post(newUser('perm3'))) as Record<string, unknown>;
    expect(created.userPrincipalName).toBe('perm3@contoso.com');
  });

  it.each([
    { call: 'PATCH /users/{id}', role: 'User.Create', run: (c: Client) => c.api(`/users/${CAROL}`).patch({ usageLocation: 'NL' }) },
    { call: 'POST /users/{id}/assignLicense', role: 'LicenseAssignment.Read.All', run: (c: Client) => c.api(`/users/${BOB}/assignLicense`).post({ addLicenses: [], removeLicenses: [] }) },
    { call: 'GET /users/{id}/mailboxSettings', role: 'Directory.ReadWrite.All', run: (c: Client) => c.api(`/users/${BOB}/mailboxSettings`).get() },
    { call: 'POST /directory/deletedItems/{id}/restore', role: 'Directory.ReadWrite.All', run: (c: Client) => c.api(`/directory/deletedItems/${DAVE}/restore`).post({ autoReconcileProxyConflict: true }) },
  ])('refuses $call with only $role: 403 with the exact text', async ({ role, run }) => {
    await expectSdkError(run(harness().sdk(appFor(role))), DENIED);
  });
});

describe('throttling (§11)', () => {
  beforeEach(async () => {
    await harness().reseed();
  });

  afterEach(async () => {
    await harness().control('POST', 'faults', {});
    await harness().control('POST', 'limits', {});
  });

  it('injects 429s with exactly the §11 body and a fractional Retry-After', async () => {
    await harness().control('POST', 'faults', { seed: 7, throttle: 1 });
    const response = await harness().raw('GET', `/users/${BOB}`);
    expect(response.status).toBe(429);
    expectThrottledBody(response);
    const retryAfter = retryAfterSeconds(response.headers.get('Retry-After'));
    expect(Number.isInteger(retryAfter)).toBe(false);
    expect(response.headers.get('request-id')).toBe((response.json?.error as { innerError: Record<string, string> }).innerError['request-id']);
    await expectSdkError(harness().sdk().api(`/users/${BOB}`).get(), { status: 429, code: 'TooManyRequests', message: 'Please retry again later.' });
  });

  it('answers an exhausted resource-unit budget with 429, Retry-After and the throttle headers, and admits again when Retry-After has passed', async () => {
    await harness().control('POST', 'limits', { resourceUnits: 2, resourceUnitWindowSeconds: WINDOW_SECONDS });
    expect((await harness().raw('GET', `/users/${BOB}`)).status).toBe(200);
    expect((await harness().raw('GET', `/users/${BOB}`)).status).toBe(200);
    const response = await harness().raw('GET', `/users/${BOB}`);
    expect(response.status).toBe(429);
    expectThrottledBody(response);
    // Both admitted requests are in the window until all of it has passed.
    const retryAfter = retryAfterSeconds(response.headers.get('Retry-After'));
    expect(retryAfter).toBe(WINDOW_SECONDS);
    // (2 used + 1 asked) / 2.
    expect(Number(response.headers.get('x-ms-throttle-limit-percentage'))).toBe(1.5);
    expect(response.headers.get('x-ms-throttle-scope')).toMatch(new RegExp(`^Tenant_Application/[A-Za-z]+/${RECONCILER}/${TENANT_ID}$`, 'u'));
    expect(response.headers.get('x-ms-throttle-information')).toBe('ResourceUnitLimitExceeded');
    // A millisecond early is still too early; at Retry-After the request goes through.
    nowMs += retryAfter * 1000 - 1;
    expect((await harness().raw('GET', `/users/${BOB}`)).status).toBe(429);
    nowMs += 1;
    expect((await harness().raw('GET', `/users/${BOB}`)).status).toBe(200);
  });

  it('sends x-ms-throttle-limit-percentage only above 80 % of the budget', async () => {
    await harness().control('POST', 'limits', { resourceUnits: 5, resourceUnitWindowSeconds: WINDOW_SECONDS });
    const seen: (string | null)[] = [];
    for (let i = 0; i < 5; i++) seen.push((await harness().raw('GET', `/users/${BOB}`)).headers.get('x-ms-throttle-limit-percentage'));
    // 1/5 … 4/5 of the budget used: not above 0.8; the fifth uses all of it.
    expect(seen.slice(0, 4)).toEqual([null, null, null, null]);
    expect(Number(seen[4])).toBe(1);
  });

  it('counts writes against the write quota: WriteLimitExceeded, until the write window has passed', async () => {
    await harness().control('POST', 'limits', { writes: 1, writeWindowSeconds: WINDOW_SECONDS });
    expect((await harness().raw('PATCH', `/users/${CAROL}`, { body: { jobTitle: 'a' } })).status).toBe(204);
    const response = await harness().raw('PATCH', `/users/${CAROL}`, { body: { jobTitle: 'b' } });
    expect(response.status).toBe(429);
    expect(response.headers.get('x-ms-throttle-information')).toBe('WriteLimitExceeded');
    expect(retryAfterSeconds(response.headers.get('Retry-After'))).toBe(WINDOW_SECONDS);
    // Reads have a budget of their own.
    expect((await harness().raw('GET', `/users/${CAROL}`)).status).toBe(200);
    nowMs += WINDOW_SECONDS * 1000;
    expect((await harness().raw('PATCH', `/users/${CAROL}`, { body: { jobTitle: 'b' } })).status).toBe(204);
    const carol = await harness().raw('GET', `/users/${CAROL}?$select=jobTitle`);
    expect(carol.json?.jobTitle).toBe('b');
  });

  it('can be configured to omit Retry-After, so that the backoff path is tested', async () => {
    await harness().control('POST', 'limits', { resourceUnits: 1, resourceUnitWindowSeconds: WINDOW_SECONDS, omitRetryAfter: true });
    expect((await harness().raw('GET', `/users/${BOB}`)).status).toBe(200);
    const response = await harness().raw('GET', `/users/${BOB}`);
    expect(response.status).toBe(429);
    expect(response.headers.get('Retry-After')).toBeNull();
    await harness().control('POST', 'limits', {});
    await harness().control('POST', 'faults', { seed: 3, throttle: 1, omitRetryAfter: true });
    const injected = await harness().raw('GET', `/users/${BOB}`);
    expect(injected.status).toBe(429);
    expect(injected.headers.get('Retry-After')).toBeNull();
  });

  it.each([
    { path: '/users', cost: '2' },
    { path: '/users?$select=id', cost: '1' },
    { path: '/users?$top=5', cost: '1' },
    { path: `/users/${BOB}`, cost: '1' },
    { path: `/users/${BOB}/licenseDetails`, cost: '2' },
    { path: '/subscribedSkus', cost: '3' },
  ])('sends x-ms-resource-unit $cost for GET $path', async ({ path, cost }) => {
    const response = await harness().raw('GET', path);
    expect(response.status).toBe(200);
    expect(response.headers.get('x-ms-resource-unit')).toBe(cost);
  });

  it('costs a write 1 resource unit', async () => {
    const response = await harness().raw('PATCH', `/users/${CAROL}`, { body: { jobTitle: 'a' } });
    expect(response.headers.get('x-ms-resource-unit')).toBe('1');
  });

  it('reproduces injected faults from their seed', async () => {
    const run = async (seed: number): Promise<string[]> => {
      await harness().control('POST', 'faults', { seed, throttle: 0.3, error5xx: 0.3 });
      const outcome: string[] = [];
      for (let i = 0; i < 24; i++) {
        const response = await harness().raw('GET', `/users/${BOB}`);
        outcome.push(`${response.status}/${response.headers.get('Retry-After') ?? '-'}`);
      }
      return outcome;
    };
    const first = await run(1234);
    expect(first.some((o) => o.startsWith('429/'))).toBe(true);
    expect(first.some((o) => o.startsWith('200/'))).toBe(true);
    expect(first.some((o) => /^5\d\d\//u.test(o))).toBe(true);
    expect(await run(1234)).toEqual(first);
    expect(await run(4321)).not.toEqual(first);
  });
});

describe('the error envelope (§12, contract 21)', () => {
  beforeAll(async () => {
    await harness().reseed();
  });

  const cases: { name: string; call: (headers: Record<string, string>) => Promise<RawResponse> }[] = [
    { name: '401', call: (headers) => harness().raw('GET', '/users', { app: null, headers }) },
    { name: '403', call: (headers) => harness().raw('PATCH', `/users/${BOB}`, { app: READER, headers, body: { jobTitle: 'x' } }) },
    { name: '404', call: (headers) => harness().raw('GET', '/users/nobody@contoso.com', { headers }) },
    { name: '400', call: (headers) => harness().raw('GET', '/users?$top=0', { headers }) },
    { name: '501', call: (headers) => harness().raw('GET', '/users?$select=mailboxSettings', { headers }) },
    { name: '404 mailbox', call: (headers) => harness().raw('GET', `/users/${CAROL}/mailboxSettings`, { headers }) },
  ];

  it.each(cases)('carries innerError {date, request-id, client-request-id} on a $name, mirroring client-request-id', async ({ call }) => {
    const clientRequestId = '5b7c0a3e-9c1f-4d0e-8b7a-2f4c6d8e0a1b';
    const response = await call({ 'client-request-id': clientRequestId });
    expect(response.status).toBeGreaterThanOrEqual(400);
    const innerError = (response.json?.error as { innerError: Record<string, string> }).innerError;
    expect(Object.keys(innerError).sort()).toEqual(['client-request-id', 'date', 'request-id']);
    expect(innerError.date).toMatch(INNER_ERROR_DATE);
    expect(innerError['request-id']).toMatch(GUID);
    expect(innerError['client-request-id']).toBe(clientRequestId);
    expect(response.headers.get('request-id')).toBe(innerError['request-id']);
  });

  it('makes up a fresh client-request-id GUID when none is sent, and a fresh request-id each time', async () => {
    const first = await harness().raw('GET', '/users/nobody@contoso.com');
    const second = await harness().raw('GET', '/users/nobody@contoso.com');
    const inner = (r: RawResponse): Record<string, string> => (r.json?.error as { innerError: Record<string, string> }).innerError;
    expect(inner(first)['client-request-id']).toMatch(GUID);
    expect(inner(first)['request-id']).not.toBe(inner(second)['request-id']);
  });

  it('gives the SDK the request-id of the header', async () => {
    const error = await sdkError(harness().sdk().api('/users/nobody@contoso.com').get());
    expect(error.requestId).toMatch(GUID);
    expect(error.headers?.get('request-id')).toBe(error.requestId);
  });
});
