/**
 * Behaviour tests for a user's manager (docs/graph-behaviour.md §18) over real HTTP: PUT and DELETE
 * /users/{id}/manager/$ref, GET /users/{id}/manager, `$expand=manager` (with a nested `$select`) on
 * /users, /users/{id} and the deleted-users list, soft delete, restore and purge, the seed's `manager`.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { loadSeed, SeedError } from '../../src/emulator/directory/seed.ts';
import type { Collection } from '../support/emulator.ts';
import { ALICE, BOB, CAROL, contextFragment, contoso, DAVE, DEFAULT_USER_PROPERTIES, expectRawError, NOT_FOUND, propertyNames, READER, SUPPORT, useHarness, userIn } from '../support/emulator.ts';

const harness = useHarness();

const GRAPH = 'https://graph.microsoft.com/v1.0';

async function putManager(userId: string, odataId: string, app?: string): Promise<Awaited<ReturnType<ReturnType<typeof harness>['raw']>>> {
  return harness().raw('PUT', `/users/${userId}/manager/$ref`, { body: { '@odata.id': odataId }, ...(app === undefined ? {} : { app }) });
}

async function managerIds(path: string): Promise<Record<string, unknown>> {
  const response = await harness().raw('GET', path);
  expect(response.status, response.text).toBe(200);
  const body = response.json as unknown as Collection;
  return Object.fromEntries(body.value.map((u) => [String(u.id), u.manager]));
}

beforeEach(async () => {
  await harness().reseed();
});

describe('PUT /users/{id}/manager/$ref (user-post-manager)', () => {
  it('assigns by a …/users/{id} or …/directoryObjects/{id} URL on any host, answering 204', async () => {
    const first = await putManager(BOB, `${GRAPH}/users/${ALICE}`);
    expect(first.status, first.text).toBe(204);
    expect(first.text).toBe('');
    const manager = await harness().raw('GET', `/users/${BOB}/manager`);
    expect(manager.status).toBe(200);
    expect(contextFragment(manager.json)).toBe('#directoryObjects/$entity');
    expect(manager.json?.['@odata.type']).toBe('#microsoft.graph.user');
    expect(propertyNames(manager.json)).toEqual([...DEFAULT_USER_PROPERTIES].sort());
    expect(manager.json?.id).toBe(ALICE);
    // Replaces the manager; the emulator's own host is accepted as Graph's.
    expect((await putManager(BOB, `${harness().url}/v1.0/directoryObjects/${CAROL}`)).status).toBe(204);
    expect((await harness().raw('GET', `/users/${BOB}/manager?$select=id,userPrincipalName`)).json).toMatchObject({ id: CAROL, userPrincipalName: 'carol@contoso.com' });
  });

  it('answers 404 Request_ResourceNotFound for an unknown or soft-deleted manager, and for an unknown user', async () => {
    const unknown = '0b1f5a1e-1111-4000-8000-0000000000ff';
    expectRawError(await putManager(BOB, `${GRAPH}/users/${unknown}`), { status: 404, code: 'Request_ResourceNotFound', message: NOT_FOUND(unknown) });
    expectRawError(await putManager(BOB, `${GRAPH}/directoryObjects/${DAVE}`), { status: 404, code: 'Request_ResourceNotFound' });
    expectRawError(await putManager(unknown, `${GRAPH}/users/${ALICE}`), { status: 404, code: 'Request_ResourceNotFound' });
    expect((await harness().raw('GET', `/users/${BOB}/manager`)).status).toBe(404);
  });

  it('refuses the user itself (400) and a body without @odata.id (400)', async () => {
    expectRawError(await putManager(BOB, `${GRAPH}/users/${BOB}`), { status: 400, code: 'Request_BadRequest' });
    expectRawError(await harness().raw('PUT', `/users/${BOB}/manager/$ref`, { body: { id: ALICE } }), { status: 400, code: 'Request_BadRequest' });
    expectRawError(await putManager(BOB, `${GRAPH}/groups/${ALICE}`), { status: 400, code: 'Request_BadRequest' });
  });

  it('needs User.ReadWrite.All: a reader gets 403 and nothing changes', async () => {
    expectRawError(await putManager(BOB, `${GRAPH}/users/${ALICE}`, READER), { status: 403, code: 'Authorization_RequestDenied' });
    expect((await harness().raw('GET', `/users/${BOB}/manager`, { app: READER })).status).toBe(404);
  });
});

describe('DELETE /users/{id}/manager/$ref and GET /users/{id}/manager', () => {
  it('removes the manager (204); with none, both answer 404 Request_ResourceNotFound for manager', async () => {
    await putManager(BOB, `${GRAPH}/users/${ALICE}`);
    expect((await harness().raw('DELETE', `/users/${BOB}/manager/$ref`)).status).toBe(204);
    expectRawError(await harness().raw('DELETE', `/users/${BOB}/manager/$ref`), { status: 404, code: 'Request_ResourceNotFound', message: NOT_FOUND('manager') });
    expectRawError(await harness().raw('GET', `/users/${BOB}/manager`), { status: 404, code: 'Request_ResourceNotFound', message: NOT_FOUND('manager') });
  });
});

describe('$expand=manager', () => {
  beforeEach(async () => {
    await putManager(BOB, `${GRAPH}/users/${ALICE}`);
  });

  it('on GET /users with ($select=id): the manager as {@odata.type, id}; no manager property without one', async () => {
    const managers = await managerIds('/users?$select=id,displayName&$expand=manager($select=id)');
    expect(managers[BOB]).toEqual({ '@odata.type': '#microsoft.graph.user', id: ALICE });
    for (const id of [ALICE, CAROL, SUPPORT]) expect(managers, id).toHaveProperty(id, undefined);
    const response = await harness().raw('GET', '/users?$select=id&$expand=manager($select=id)');
    for (const user of (response.json as unknown as Collection).value) {
      if (user.id !== BOB) expect(Object.keys(user)).toEqual(['id']);
    }
  });

  it('takes $select=id,userPrincipalName inside, and the default properties without it', async () => {
    expect((await managerIds('/users?$expand=manager($select=id,userPrincipalName)'))[BOB]).toEqual({ '@odata.type': '#microsoft.graph.user', id: ALICE, userPrincipalName: 'alice@contoso.com' });
    const full = (await managerIds('/users?$select=id&$expand=manager'))[BOB] as Record<string, unknown>;
    expect(propertyNames(full)).toEqual([...DEFAULT_USER_PROPERTIES].sort());
  });

  it('on GET /users/{id}', async () => {
    const bob = (await harness().raw('GET', `/users/${BOB}?$select=id&$expand=manager($select=id)`)).json;
    expect(bob).toMatchObject({ id: BOB, manager: { '@odata.type': '#microsoft.graph.user', id: ALICE } });
    const alice = (await harness().raw('GET', `/users/${ALICE}?$expand=manager`)).json;
    expect(alice).not.toHaveProperty('manager');
  });

  it('keeps paging: the nextLink carries $expand', async () => {
    const first = (await harness().raw('GET', '/users?$select=id&$top=1&$expand=manager($select=id)')).json as unknown as Collection;
    expect(new URL(first['@odata.nextLink'] ?? '').searchParams.get('$expand')).toBe('manager($select=id)');
  });

  it('refuses to expand what is not a navigation of user', async () => {
    expectRawError(await harness().raw('GET', '/users?$expand=boss'), { status: 400, code: 'Request_BadRequest', message: "Could not find a property named 'boss' on type 'microsoft.graph.user'." });
  });

  it('is a read: User.Read.All suffices', async () => {
    const response = await harness().raw('GET', `/users/${BOB}?$expand=manager($select=id)`, { app: READER });
    expect(response.json?.manager).toEqual({ '@odata.type': '#microsoft.graph.user', id: ALICE });
  });
});

describe('soft delete, restore and purge (Entra keeps a deleted user’s relationships)', () => {
  it('hides a soft-deleted manager, and shows it again once restored', async () => {
    await putManager(BOB, `${GRAPH}/users/${CAROL}`);
    expect((await harness().raw('DELETE', `/users/${CAROL}`)).status).toBe(204);
    expect((await harness().raw('GET', `/users/${BOB}/manager`)).status).toBe(404);
    expect((await harness().raw('GET', `/users/${BOB}?$expand=manager`)).json).not.toHaveProperty('manager');
    expect((await harness().raw('POST', `/directory/deletedItems/${CAROL}/restore`)).status).toBe(200);
    expect((await harness().raw('GET', `/users/${BOB}/manager?$select=id`)).json?.id).toBe(CAROL);
  });

  it('a deleted user keeps its manager: listed with $expand, back on restore', async () => {
    await putManager(CAROL, `${GRAPH}/users/${ALICE}`);
    await harness().raw('DELETE', `/users/${CAROL}`);
    const deleted = await managerIds('/directory/deletedItems/microsoft.graph.user?$select=id&$expand=manager($select=id)');
    expect(deleted[CAROL]).toEqual({ '@odata.type': '#microsoft.graph.user', id: ALICE });
    // One deleted item, as the list: its manager expanded, named in the context.
    const one = (await harness().raw('GET', `/directory/deletedItems/${CAROL}?$select=id&$expand=manager($select=id)`)).json;
    expect(one).toEqual({ '@odata.context': expect.stringMatching(/#directoryObjects\(id,manager\(id\)\)\/\$entity$/u) as unknown, '@odata.type': '#microsoft.graph.user', id: CAROL, manager: { '@odata.type': '#microsoft.graph.user', id: ALICE } });
    await harness().raw('POST', `/directory/deletedItems/${CAROL}/restore`);
    expect((await harness().raw('GET', `/users/${CAROL}/manager?$select=id`)).json?.id).toBe(ALICE);
  });

  it('purging the manager removes the reference for good', async () => {
    await putManager(BOB, `${GRAPH}/users/${CAROL}`);
    await harness().raw('DELETE', `/users/${CAROL}`);
    expect((await harness().raw('DELETE', `/directory/deletedItems/${CAROL}`)).status).toBe(204);
    const state = (await harness().control('GET', 'state')).json as { users: Record<string, unknown>[] };
    expect(state.users.find((u) => u.id === BOB)).not.toHaveProperty('manager');
    expectRawError(await harness().raw('DELETE', `/users/${BOB}/manager/$ref`), { status: 404, code: 'Request_ResourceNotFound' });
  });
});

describe('the seed’s manager', () => {
  it('loads `manager: <id>` (a deleted user may have one) and dumps it back', async () => {
    await harness().reseed(
      contoso((draft) => {
        userIn(draft, BOB).manager = ALICE;
        userIn(draft, DAVE).manager = BOB;
      }),
    );
    expect((await harness().raw('GET', `/users/${BOB}/manager?$select=id`)).json?.id).toBe(ALICE);
    expect((await managerIds('/directory/deletedItems/microsoft.graph.user?$select=id&$expand=manager($select=id)'))[DAVE]).toEqual({ '@odata.type': '#microsoft.graph.user', id: BOB });
    const state = (await harness().control('GET', 'state')).json as { users: Record<string, unknown>[]; deletedUsers: Record<string, unknown>[] };
    expect(state.users.find((u) => u.id === BOB)?.manager).toBe(ALICE);
    expect(state.deletedUsers.find((u) => u.id === DAVE)?.manager).toBe(BOB);
  });

  it.each([
    ['an unknown user', '0b1f5a1e-1111-4000-8000-0000000000ff', 'no user has id'],
    ['the user itself', BOB, 'is the user itself'],
  ])('refuses %s as manager, naming the field', (_what, manager, message) => {
    const seed = contoso((draft) => {
      userIn(draft, BOB).manager = manager;
    });
    expect(() => loadSeed(seed)).toThrow(SeedError);
    expect(() => loadSeed(seed)).toThrow(`users[0].manager: ${message}`);
  });
});
