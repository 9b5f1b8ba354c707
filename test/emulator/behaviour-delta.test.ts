/**
 * Behaviour tests for the users' delta query (docs/graph-behaviour.md "Delta query";
 * https://learn.microsoft.com/graph/api/user-delta), through the Microsoft Graph JavaScript SDK and raw fetch:
 * the initial round's pages, `$deltatoken=latest`, `$select` carried in the links, later rounds with
 * changes, soft deletes (`@removed` reason `changed`), restores and purges (reason `deleted`), and expired or
 * unknown tokens (400 `syncStateNotFound`). And what the watch pays when nothing changes: one request a round.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { DELTA_PAGE_SIZE, SYNC_STATE_NOT_FOUND_MESSAGE } from '../../src/emulator/graph-api/routes-delta.ts';
import { graphTenantFor } from '../support/graph-tenant.ts';
import { ALICE, BOB, CAROL, contoso, contextFragment, DAVE, E3, EXCHANGE_GROUP, expectRawError, expectSdkError, sdkPath, SUPPORT, useHarness } from '../support/emulator.ts';

const harness = useHarness();

interface DeltaPage {
  '@odata.context': string;
  '@odata.nextLink'?: string;
  '@odata.deltaLink'?: string;
  value: Record<string, unknown>[];
}

beforeEach(async () => {
  await harness().reseed(contoso());
});

async function get(link: string): Promise<DeltaPage> {
  return (await harness().sdk().api(link.startsWith('/') ? link : sdkPath(harness(), link)).get()) as DeltaPage;
}

/** A round from `first` to its deltaLink: every item, and the link. */
async function round(first: string): Promise<{ items: Record<string, unknown>[]; deltaLink: string; pages: number }> {
  const items: Record<string, unknown>[] = [];
  let page = await get(first);
  let pages = 1;
  for (;;) {
    items.push(...page.value);
    if (page['@odata.deltaLink'] !== undefined) return { items, deltaLink: page['@odata.deltaLink'], pages };
    expect(page['@odata.nextLink']).toBeDefined();
    page = await get(page['@odata.nextLink'] as string);
    pages += 1;
  }
}

describe('GET /users/delta: the initial round', () => {
  it('lists every active user with the selected properties and ends with a deltaLink', async () => {
    const body = (await harness().sdk().api('/users/delta').select(['displayName', 'accountEnabled']).get()) as DeltaPage;
    expect(contextFragment(body)).toBe('#users(displayName,accountEnabled)');
    expect(body.value.map((u) => u.id).sort()).toEqual([BOB, ALICE, CAROL, SUPPORT].sort());
    for (const user of body.value) expect(Object.keys(user).sort()).toEqual(['accountEnabled', 'displayName', 'id']);
    expect(body['@odata.nextLink']).toBeUndefined();
    expect(body['@odata.deltaLink']).toMatch(new RegExp(`^${harness().url}/v1\\.0/users/delta\\?\\$deltatoken=[A-Za-z0-9_-]+$`, 'u'));
  });

  it(`pages by ${DELTA_PAGE_SIZE} with nextLinks that carry $select, and ignores $top`, async () => {
    const seed = contoso((d) => {
      for (let i = 0; i < DELTA_PAGE_SIZE + 5; i++) d.users.push({ id: `0c000000-0000-4000-8000-${String(i).padStart(12, '0')}`, userPrincipalName: `u${i}@contoso.com`, displayName: `U ${i}` });
    });
    await harness().reseed(seed);
    const first = (await harness().sdk().api('/users/delta?$top=2').select(['displayName']).get()) as DeltaPage;
    expect(first.value).toHaveLength(DELTA_PAGE_SIZE);
    expect(first['@odata.nextLink']).toMatch(/\/users\/delta\?\$skiptoken=/u);
    expect(first['@odata.nextLink']).not.toMatch(/select/iu);
    const second = await get(first['@odata.nextLink'] as string);
    expect(second.value).toHaveLength(seed.users.length - DELTA_PAGE_SIZE);
    for (const user of second.value) expect(Object.keys(user).sort()).toEqual(['displayName', 'id']);
    expect(second['@odata.deltaLink']).toBeDefined();
  });

  it('$deltatoken=latest: no users, a deltaLink for now', async () => {
    const body = (await harness().sdk().api('/users/delta?$deltatoken=latest&$select=displayName').get()) as DeltaPage;
    expect(body.value).toEqual([]);
    expect(body['@odata.deltaLink']).toBeDefined();
    expect((await round(body['@odata.deltaLink'] as string)).items).toEqual([]);
  });

  it('needs a token', async () => {
    expectRawError(await harness().raw('GET', '/users/delta', { app: null }), { status: 401, code: 'InvalidAuthenticationToken' });
  });
});

describe('GET /users/delta: later rounds', () => {
  it('lists changed users with the tracked properties, soft deletes as @removed changed, restores as objects, purges as @removed deleted', async () => {
    const start = (await harness().sdk().api('/users/delta?$deltatoken=latest').select(['displayName', 'assignedLicenses']).get()) as DeltaPage;
    let link = start['@odata.deltaLink'] as string;
    const next = async (): Promise<Record<string, unknown>[]> => {
      const result = await round(link);
      link = result.deltaLink;
      return result.items;
    };
    expect((await harness().raw('POST', `/users/${BOB}/assignLicense`, { body: { addLicenses: [], removeLicenses: [E3] } })).status).toBe(200);
    const changed = await next();
    expect(changed).toHaveLength(1);
    expect(changed[0]).toEqual({ id: BOB, displayName: expect.any(String), assignedLicenses: expect.any(Array) });
    expect((await harness().raw('DELETE', `/users/${CAROL}`)).status).toBe(204);
    expect(await next()).toEqual([{ id: CAROL, '@removed': { reason: 'changed' } }]);
    expect((await harness().raw('POST', `/directory/deletedItems/${CAROL}/restore`, { body: {} })).status).toBe(200);
    expect((await next()).map((u) => [u.id, '@removed' in u])).toEqual([[CAROL, false]]);
    expect((await harness().raw('DELETE', `/users/${CAROL}`)).status).toBe(204);
    expect((await harness().raw('DELETE', `/directory/deletedItems/${CAROL}`)).status).toBe(204);
    expect(await next()).toEqual([{ id: CAROL, '@removed': { reason: 'deleted' } }]);
    expect(await next()).toEqual([]);
  });

  it('lists a manager change with manager@delta when manager is tracked, a group-license change, and the reports of a purged manager', async () => {
    await harness().reseed(contoso((d) => { d.apps[0]?.roles.push('GroupMember.ReadWrite.All'); }));
    const start = await get('/users/delta?$deltatoken=latest&$select=displayName,manager');
    expect((await harness().raw('PUT', `/users/${CAROL}/manager/$ref`, { body: { '@odata.id': `https://graph.microsoft.com/v1.0/users/${BOB}` } })).status).toBe(204);
    const managed = await round(start['@odata.deltaLink'] as string);
    expect(managed.items).toEqual([{ id: CAROL, displayName: expect.any(String), 'manager@delta': [{ '@odata.type': '#microsoft.graph.user', id: BOB }] }]);
    // Through the full name the SDKs send.
    expect((await harness().raw('DELETE', `/groups/${EXCHANGE_GROUP}/members/${BOB}/$ref`)).status).toBe(204);
    const grouped = await round(managed.deltaLink.replace('/users/delta?', '/users/microsoft.graph.delta?'));
    expect(grouped.items.map((u) => u.id)).toEqual([BOB]);
    expect((await harness().raw('DELETE', `/users/${BOB}`)).status).toBe(204);
    expect((await harness().raw('DELETE', `/directory/deletedItems/${BOB}`)).status).toBe(204);
    const purged = await round(grouped.deltaLink);
    expect(purged.items.map((u) => [u.id, u['@removed'] ?? null]).sort()).toEqual([[BOB, { reason: 'deleted' }], [CAROL, null]].sort());
  });

  it(`pages a round of more than ${DELTA_PAGE_SIZE} changes`, async () => {
    const seed = contoso((d) => {
      for (let i = 0; i < DELTA_PAGE_SIZE + 3; i++) d.users.push({ id: `0c000000-0000-4000-8000-${String(i).padStart(12, '0')}`, userPrincipalName: `u${i}@contoso.com`, displayName: `U ${i}` });
    });
    await harness().reseed(seed);
    const start = await get('/users/delta?$deltatoken=latest&$select=jobTitle');
    for (const user of seed.users) expect((await harness().raw('PATCH', `/users/${user.id}`, { body: { jobTitle: 'Changed' } })).status).toBe(204);
    const changes = await round(start['@odata.deltaLink'] as string);
    expect(changes.pages).toBe(2);
    expect(changes.items.map((u) => u.id).sort()).toEqual(seed.users.map((u) => u.id).sort());
    for (const user of changes.items) expect(user).toEqual({ id: user.id, jobTitle: 'Changed' });
    expect((await round(changes.deltaLink)).items).toEqual([]);
  });

  it('lists the users the clock purges after 30 days', async () => {
    await harness().setClock('2026-11-28T00:00:00Z');
    const start = await get('/users/delta?$deltatoken=latest');
    await harness().setClock('2026-12-02T00:00:00Z');
    expect((await round(start['@odata.deltaLink'] as string)).items).toEqual([{ id: DAVE, '@removed': { reason: 'deleted' } }]);
  });
});

describe('GET /users/delta: tokens Graph no longer knows', () => {
  it('answers a link older than seven days with 400 syncStateNotFound', async () => {
    const start = await get('/users/delta?$deltatoken=latest');
    await harness().setClock('2026-11-29T00:00:01Z');
    await expectSdkError(harness().sdk().api(sdkPath(harness(), start['@odata.deltaLink'] as string)).get(), { status: 400, code: 'syncStateNotFound', message: SYNC_STATE_NOT_FOUND_MESSAGE });
  });

  it('answers a garbled token, and one from before a reseed, the same (the emulator contract)', async () => {
    expectRawError(await harness().raw('GET', '/users/delta?$deltatoken=not-a-token'), { status: 400, code: 'syncStateNotFound', message: SYNC_STATE_NOT_FOUND_MESSAGE });
    expectRawError(await harness().raw('GET', '/users/delta?$skiptoken=AAAA'), { status: 400, code: 'syncStateNotFound' });
    const start = await get('/users/delta?$deltatoken=latest');
    await harness().reseed(contoso());
    await expectSdkError(harness().sdk().api(sdkPath(harness(), start['@odata.deltaLink'] as string)).get(), { status: 400, code: 'syncStateNotFound' });
  });

  it('refuses $filter and $expand', async () => {
    expectRawError(await harness().raw('GET', `/users/delta?$filter=id eq '${BOB}'`), { status: 400, code: 'Request_UnsupportedQuery' });
    expectRawError(await harness().raw('GET', '/users/delta?$expand=manager'), { status: 400, code: 'Request_UnsupportedQuery' });
  });
});

describe('what the watch pays (src/tenant/graph/delta.ts)', () => {
  it('an idle round is exactly one request', async () => {
    const { tenant } = graphTenantFor(harness().url, contoso());
    const start = await tenant.startUserDelta({ mailboxUserPrincipalNames: [] });
    await harness().control('DELETE', 'requests');
    const idle = await tenant.readUserDelta(start.deltaLink);
    expect(idle).toMatchObject({ changed: [], softDeleted: [], purged: [] });
    const requests = ((await harness().control('GET', 'requests')).json?.requests ?? []) as { method: string; path: string }[];
    expect(requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /users/delta']);
  });
});
