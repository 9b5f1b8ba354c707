/**
 * A user's direct memberships over real HTTP (https://learn.microsoft.com/graph/api/user-list-memberof):
 * GET /users/{id | upn}/memberOf (a directoryObject collection, each item typed) and its cast
 * /memberOf/microsoft.graph.group, with $select, $top and nextLink paging, $count, the 404 of an unknown
 * user, the permission it needs, and the resource units it costs (me/memberOf = 2 in Graph's table).
 * Shapes are checked against the v1.0 CSDL.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { Seed } from '../../src/emulator/directory/model.ts';
import { checkCollectionResponse } from '../support/csdl.ts';
import type { Collection } from '../support/emulator.ts';
import { ALICE, BOB, CAROL, contextFragment, contoso, EXCHANGE_GROUP, expectRawError, NOT_FOUND, OLD_ALICE, READER, useHarness, withApp } from '../support/emulator.ts';

const harness = useHarness();

/** Three more groups: BOB is in all of them (four in all), CAROL in none. */
const EXTRA_GROUPS = ['9a000000-0000-4000-8000-0000000000a3', '9a000000-0000-4000-8000-0000000000a1', '9a000000-0000-4000-8000-0000000000a2'];
/** An app that may read group memberships and nothing about users. */
const GROUP_READER = '5e1c0000-0000-4000-8000-00000000a0f2';

function seed(): Seed {
  return contoso((draft) => {
    for (const [index, id] of EXTRA_GROUPS.entries()) draft.groups.push({ id, displayName: `Team ${index}`, assignedLicenses: [], members: [BOB] });
    withApp(draft, GROUP_READER, ['GroupMember.Read.All']);
  });
}

const BOB_GROUPS = [EXCHANGE_GROUP, ...EXTRA_GROUPS].sort();

async function collection(path: string, headers?: Record<string, string>): Promise<Collection> {
  const response = await harness().raw('GET', path, headers === undefined ? {} : { headers });
  expect(response.status, response.text).toBe(200);
  return response.json as unknown as Collection;
}

/** Every page from `path`, following @odata.nextLink. */
async function allPages(path: string): Promise<{ pages: number; items: Record<string, unknown>[] }> {
  const items: Record<string, unknown>[] = [];
  let next: string | undefined = path;
  let pages = 0;
  while (next !== undefined) {
    const page = await collection(next.replace(`${harness().url}/v1.0`, ''));
    pages += 1;
    items.push(...page.value);
    next = page['@odata.nextLink'];
  }
  return { pages, items };
}

beforeEach(async () => {
  await harness().reseed(seed());
});

describe('GET /users/{id}/memberOf', () => {
  it('lists the groups the user is a direct member of as directoryObjects, each typed, in the CSDL shape', async () => {
    const body = await collection(`/users/${BOB}/memberOf`);
    expect(contextFragment(body)).toBe('#directoryObjects');
    expect(body.value.map((item) => item.id)).toEqual(BOB_GROUPS);
    for (const item of body.value) {
      expect(item['@odata.type']).toBe('#microsoft.graph.group');
      expect(Object.keys(item).sort()).toEqual(['@odata.type', 'displayName', 'id']);
    }
    expect(body.value.find((item) => item.id === EXCHANGE_GROUP)?.displayName).toBe('Exchange Plan 1 users');
    expect(checkCollectionResponse(body, 'microsoft.graph.directoryObject')).toEqual([]);
    expect(body['@odata.nextLink']).toBeUndefined();
  });

  it('finds the user by userPrincipalName too, and answers an empty collection for a user in no group', async () => {
    expect((await collection('/users/alice@contoso.com/memberOf')).value.map((item) => item.id)).toEqual([EXCHANGE_GROUP]);
    expect((await collection(`/users/${ALICE}/memberOf`)).value.map((item) => item.id)).toEqual([EXCHANGE_GROUP]);
    const none = await collection(`/users/${CAROL}/memberOf`);
    expect(none.value).toEqual([]);
    expect(checkCollectionResponse(none, 'microsoft.graph.directoryObject')).toEqual([]);
  });

  it('pages with $top and @odata.nextLink, keeping the other options, with no group twice', async () => {
    const first = await collection(`/users/${BOB}/memberOf?$top=3&$select=displayName`);
    expect(first.value).toHaveLength(3);
    expect(first['@odata.nextLink']).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1\.0\/users\/[^?]+\/memberOf\?/u);
    expect(first['@odata.nextLink']).toContain('$top=3');
    expect(first['@odata.nextLink']).toContain('$select=displayName');
    const all = await allPages(`/users/${BOB}/memberOf?$top=3`);
    expect(all.pages).toBe(2);
    expect(all.items.map((item) => item.id)).toEqual(BOB_GROUPS);
    expectRawError(await harness().raw('GET', `/users/${BOB}/memberOf?$top=1000`), { status: 400, code: 'Request_UnsupportedQuery' });
  });

  it('projects $select (id always), in the context URL too; a property the emulator does not model is accepted and absent', async () => {
    const body = await collection(`/users/${BOB}/memberOf?$select=displayName,assignedLicenses`);
    expect(contextFragment(body)).toBe('#directoryObjects(displayName,assignedLicenses)');
    const exchange = body.value.find((item) => item.id === EXCHANGE_GROUP);
    expect(Object.keys(exchange ?? {}).sort()).toEqual(['@odata.type', 'assignedLicenses', 'displayName', 'id']);
    expect(exchange?.assignedLicenses).toEqual([{ skuId: '4b9405b0-7788-4568-add1-99614e613b69', disabledPlans: [] }]);
    expect(checkCollectionResponse(body, 'microsoft.graph.directoryObject')).toEqual([]);
    const unmodelled = await collection(`/users/${BOB}/memberOf?$select=id,securityEnabled`);
    expect(Object.keys(unmodelled.value[0] ?? {}).sort()).toEqual(['@odata.type', 'id']);
  });

  it('counts with $count=true and ConsistencyLevel: eventual, refuses $count without it and refuses $filter', async () => {
    const counted = await collection(`/users/${BOB}/memberOf?$count=true&$top=2`, { ConsistencyLevel: 'eventual' });
    expect(counted['@odata.count']).toBe(4);
    expectRawError(await harness().raw('GET', `/users/${BOB}/memberOf?$count=true`), { status: 400, code: 'Request_UnsupportedQuery' });
    expect((await harness().raw('GET', `/users/${BOB}/memberOf?$filter=${encodeURIComponent("displayName eq 'x'")}`)).status).toBe(400);
  });

  it('answers 404 Request_ResourceNotFound with Graph\'s body for an unknown or soft-deleted user', async () => {
    const unknown = '0b1f5a1e-1111-4000-8000-0000000000ff';
    const error = expectRawError(await harness().raw('GET', `/users/${unknown}/memberOf`), { status: 404, code: 'Request_ResourceNotFound', message: NOT_FOUND(unknown) });
    expect(Object.keys(error.innerError as object).sort()).toEqual(['client-request-id', 'date', 'request-id']);
    expectRawError(await harness().raw('GET', `/users/${OLD_ALICE}/memberOf/microsoft.graph.group`), { status: 404, code: 'Request_ResourceNotFound' });
  });

  it('costs 2 resource units, 1 with $select (me/memberOf in the throttling table)', async () => {
    expect((await harness().raw('GET', `/users/${BOB}/memberOf`)).headers.get('x-ms-resource-unit')).toBe('2');
    expect((await harness().raw('GET', `/users/${BOB}/memberOf?$select=id`)).headers.get('x-ms-resource-unit')).toBe('1');
    // The cast is not in the table: any other identity GET, 1.
    expect((await harness().raw('GET', `/users/${BOB}/memberOf/microsoft.graph.group`)).headers.get('x-ms-resource-unit')).toBe('1');
  });

  it('needs a permission that reads group memberships: GroupMember.Read.All will do, User.Read.All alone gets 403', async () => {
    expect((await harness().raw('GET', `/users/${BOB}/memberOf`, { app: GROUP_READER })).status).toBe(200);
    expectRawError(await harness().raw('GET', `/users/${BOB}/memberOf`, { app: READER }), { status: 403, code: 'Authorization_RequestDenied' });
  });
});

describe('GET /users/{id}/memberOf/microsoft.graph.group (OData cast)', () => {
  it('lists the same groups as groups, untyped, with context #groups, without ConsistencyLevel', async () => {
    const body = await collection(`/users/${BOB}/memberOf/microsoft.graph.group`);
    expect(contextFragment(body)).toBe('#groups');
    expect(body.value.map((item) => item.id)).toEqual(BOB_GROUPS);
    expect(body.value.every((item) => item['@odata.type'] === undefined)).toBe(true);
    expect(checkCollectionResponse(body, 'microsoft.graph.group')).toEqual([]);
    const selected = await collection(`/users/bob@contoso.com/memberOf/microsoft.graph.group?$select=displayName&$top=1`);
    expect(contextFragment(selected)).toBe('#groups(displayName)');
    expect(selected['@odata.nextLink']).toContain('/memberOf/microsoft.graph.group?');
    expect((await allPages(`/users/${BOB}/memberOf/microsoft.graph.group?$top=1`)).items.map((item) => item.id)).toEqual(BOB_GROUPS);
  });
});
