/**
 * Behaviour tests for group membership writes and group-based licensing (docs/graph-behaviour.md §19) over
 * real HTTP: POST /groups/{id}/members/$ref, DELETE /groups/{id}/members/{id}/$ref, the license states a
 * join records (CountViolation, MutuallyExclusiveViolation, all-or-nothing per group), seats, reading
 * groups and members as tenantctl does, and the same writes inside POST /$batch.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { Seed } from '../../src/emulator/directory/model.ts';
import type { Collection, SeedDraft } from '../support/emulator.ts';
import { ALICE, BOB, CAROL, contoso, DAVE, E3, EXCHANGE_GROUP, EXCHANGE_PLAN_1, EXCHANGE_PLAN_2, EXCHANGE_STANDARD, expectRawError, itemHeader, NOT_FOUND, RECONCILER, skuIn, SUPPORT, useHarness, userIn, withApp } from '../support/emulator.ts';

const harness = useHarness();

const GRAPH = 'https://graph.microsoft.com/v1.0';
/** An app with the least privileged membership write and the reads around it. */
const MEMBERS_APP = '5e1c0000-0000-4000-8000-00000000a0f1';
const ALREADY_MEMBER = "One or more added object references already exist for the following modified properties: 'members'.";
/** A second license-assigning group: E3 and Exchange Online (Plan 1) together. */
const BUNDLE_GROUP = '9a000000-0000-4000-8000-000000000002';

interface State {
  readonly subscribedSkus: { skuId: string; consumedUnits: number }[];
  readonly users: { id: string; licenseAssignmentStates: { skuId: string; assignedByGroup: string | null; state: string; error: string }[] }[];
  readonly groups: { id: string; members: string[] }[];
}

function withMembersApp(tweak?: (draft: SeedDraft) => void): Seed {
  return contoso((draft) => {
    withApp(draft, MEMBERS_APP, ['GroupMember.ReadWrite.All', 'GroupMember.Read.All', 'User.Read.All', 'User.ReadWrite.All']);
    tweak?.(draft);
  });
}

async function state(): Promise<State> {
  return (await harness().control('GET', 'state')).json as unknown as State;
}

function groupStates(s: State, userId: string, groupId: string): { skuId: string; state: string; error: string }[] {
  return (s.users.find((u) => u.id === userId)?.licenseAssignmentStates ?? []).filter((l) => l.assignedByGroup === groupId).map(({ skuId, state: st, error }) => ({ skuId, state: st, error }));
}

function consumed(s: State, skuId: string): number | undefined {
  return s.subscribedSkus.find((sku) => sku.skuId === skuId)?.consumedUnits;
}

async function join(groupId: string, odataId: string, app = MEMBERS_APP): Promise<Awaited<ReturnType<ReturnType<typeof harness>['raw']>>> {
  return harness().raw('POST', `/groups/${groupId}/members/$ref`, { app, body: { '@odata.id': odataId } });
}

async function leave(groupId: string, userId: string, app = MEMBERS_APP): Promise<Awaited<ReturnType<ReturnType<typeof harness>['raw']>>> {
  return harness().raw('DELETE', `/groups/${groupId}/members/${userId}/$ref`, { app });
}

describe('POST /groups/{id}/members/$ref (group-post-members)', () => {
  beforeEach(async () => {
    await harness().reseed(withMembersApp());
  });

  it('adds a member by …/directoryObjects/{id} (204); a user in CountViolation takes no seat', async () => {
    // The fixture's group assigns Exchange Online (Plan 1), one seat, held by Bob; Alice waits in CountViolation.
    const before = await state();
    expect(consumed(before, EXCHANGE_STANDARD)).toBe(1);
    const response = await join(EXCHANGE_GROUP, `${GRAPH}/directoryObjects/${CAROL}`);
    expect(response.status, response.text).toBe(204);
    expect(response.text).toBe('');
    const after = await state();
    expect(after.groups.find((g) => g.id === EXCHANGE_GROUP)?.members).toEqual([BOB, ALICE, CAROL].sort());
    expect(groupStates(after, CAROL, EXCHANGE_GROUP)).toEqual([{ skuId: EXCHANGE_STANDARD, state: 'Error', error: 'CountViolation' }]);
    expect(consumed(after, EXCHANGE_STANDARD)).toBe(1);
  });

  it('applies the group’s license when a seat is free (…/users/{id} URL), consuming it', async () => {
    await harness().reseed(withMembersApp((draft) => {
      // Bob and Alice take two seats when the seed loads; one is left for Carol.
      skuIn(draft, EXCHANGE_STANDARD).prepaidUnits.enabled = 3;
    }));
    expect((await join(EXCHANGE_GROUP, `${GRAPH}/users/${CAROL}`)).status).toBe(204);
    const after = await state();
    expect(groupStates(after, CAROL, EXCHANGE_GROUP)).toEqual([{ skuId: EXCHANGE_STANDARD, state: 'Active', error: 'None' }]);
    expect(consumed(after, EXCHANGE_STANDARD)).toBe(3);
    const carol = (await harness().raw('GET', `/users/${CAROL}?$select=assignedLicenses`)).json;
    expect(carol?.assignedLicenses).toEqual([{ skuId: EXCHANGE_STANDARD, disabledPlans: [] }]);
  });

  it('answers 400 Request_BadRequest with Graph’s text when the user is already a member', async () => {
    expectRawError(await join(EXCHANGE_GROUP, `${GRAPH}/directoryObjects/${BOB}`), { status: 400, code: 'Request_BadRequest', message: ALREADY_MEMBER });
  });

  it('answers 404 Request_ResourceNotFound for an unknown group, an unknown user and a soft-deleted user', async () => {
    const unknown = '9a000000-0000-4000-8000-0000000000ff';
    expectRawError(await join(unknown, `${GRAPH}/directoryObjects/${CAROL}`), { status: 404, code: 'Request_ResourceNotFound', message: NOT_FOUND(unknown) });
    expectRawError(await join(EXCHANGE_GROUP, `${GRAPH}/directoryObjects/${unknown}`), { status: 404, code: 'Request_ResourceNotFound', message: NOT_FOUND(unknown) });
    expectRawError(await join(EXCHANGE_GROUP, `${GRAPH}/directoryObjects/${DAVE}`), { status: 404, code: 'Request_ResourceNotFound' });
  });

  it('needs GroupMember.ReadWrite.All (or Group.ReadWrite.All, Directory.ReadWrite.All): the reconciler app gets 403', async () => {
    expectRawError(await join(EXCHANGE_GROUP, `${GRAPH}/directoryObjects/${CAROL}`, RECONCILER), { status: 403, code: 'Authorization_RequestDenied' });
    expectRawError(await leave(EXCHANGE_GROUP, BOB, RECONCILER), { status: 403, code: 'Authorization_RequestDenied' });
    expect((await state()).groups.find((g) => g.id === EXCHANGE_GROUP)?.members).toEqual([BOB, ALICE].sort());
  });
});

describe('DELETE /groups/{id}/members/{id}/$ref (group-delete-members)', () => {
  beforeEach(async () => {
    await harness().reseed(withMembersApp());
  });

  it('removes the member (204) and its group license states, freeing the seat; a waiting member is not reprocessed', async () => {
    expect(groupStates(await state(), ALICE, EXCHANGE_GROUP)).toEqual([{ skuId: EXCHANGE_STANDARD, state: 'Error', error: 'CountViolation' }]);
    const response = await leave(EXCHANGE_GROUP, BOB);
    expect(response.status, response.text).toBe(204);
    const after = await state();
    expect(groupStates(after, BOB, EXCHANGE_GROUP)).toEqual([]);
    expect(consumed(after, EXCHANGE_STANDARD)).toBe(0);
    // Entra reprocesses on its own schedule: Alice still waits.
    expect(groupStates(after, ALICE, EXCHANGE_GROUP)).toEqual([{ skuId: EXCHANGE_STANDARD, state: 'Error', error: 'CountViolation' }]);
    // Joining again now finds the free seat.
    expect((await join(EXCHANGE_GROUP, `${GRAPH}/directoryObjects/${CAROL}`)).status).toBe(204);
    expect(groupStates(await state(), CAROL, EXCHANGE_GROUP)).toEqual([{ skuId: EXCHANGE_STANDARD, state: 'Active', error: 'None' }]);
  });

  it('answers 404 when the user is not a member, or the group unknown', async () => {
    expectRawError(await leave(EXCHANGE_GROUP, CAROL), { status: 404, code: 'Request_ResourceNotFound', message: NOT_FOUND(CAROL) });
    expectRawError(await leave('9a000000-0000-4000-8000-0000000000ff', BOB), { status: 404, code: 'Request_ResourceNotFound' });
  });
});

describe('group-based licensing errors (licensing-groups-resolve-problems)', () => {
  it('records MutuallyExclusiveViolation when the group’s SKU has a plan exclusive with one the user holds, taking no seat', async () => {
    await harness().reseed(
      withMembersApp((draft) => {
        // Modelled pair: Exchange Online Plan 1 and Plan 2 (E3's Exchange) cannot be held together.
        draft.mutuallyExclusive = [[EXCHANGE_PLAN_1, EXCHANGE_PLAN_2]];
        draft.groups = [{ id: EXCHANGE_GROUP, displayName: 'Exchange Plan 1 users', assignedLicenses: [{ skuId: EXCHANGE_STANDARD, disabledPlans: [] }], members: [] }];
        skuIn(draft, EXCHANGE_STANDARD).prepaidUnits.enabled = 5;
      }),
    );
    // Alice holds E3 (Exchange Online Plan 2): a clash. Carol holds nothing: fine, even without a usage location.
    expect((await join(EXCHANGE_GROUP, `${GRAPH}/directoryObjects/${ALICE}`)).status).toBe(204);
    expect((await join(EXCHANGE_GROUP, `${GRAPH}/directoryObjects/${CAROL}`)).status).toBe(204);
    const after = await state();
    expect(groupStates(after, ALICE, EXCHANGE_GROUP)).toEqual([{ skuId: EXCHANGE_STANDARD, state: 'Error', error: 'MutuallyExclusiveViolation' }]);
    expect(groupStates(after, CAROL, EXCHANGE_GROUP)).toEqual([{ skuId: EXCHANGE_STANDARD, state: 'Active', error: 'None' }]);
    expect(consumed(after, EXCHANGE_STANDARD)).toBe(1);
    // Her direct E3 stays as it was: only the group's state is in error.
    const states = (await harness().raw('GET', `/users/${ALICE}?$select=licenseAssignmentStates`)).json?.licenseAssignmentStates as { error: string }[];
    expect(states.map((s) => s.error).sort()).toEqual(['MutuallyExclusiveViolation', 'None']);
  });

  it('assigns none of a group’s licenses when one cannot be assigned (all states in error, no seat taken)', async () => {
    await harness().reseed(
      withMembersApp((draft) => {
        draft.groups.push({ id: BUNDLE_GROUP, displayName: 'E3 and Exchange Plan 1', assignedLicenses: [{ skuId: E3, disabledPlans: [] }, { skuId: EXCHANGE_STANDARD, disabledPlans: [] }], members: [] });
      }),
    );
    const before = consumed(await state(), E3);
    expect((await join(BUNDLE_GROUP, `${GRAPH}/directoryObjects/${CAROL}`)).status).toBe(204);
    const after = await state();
    expect(groupStates(after, CAROL, BUNDLE_GROUP)).toEqual([
      { skuId: E3, state: 'Error', error: 'CountViolation' },
      { skuId: EXCHANGE_STANDARD, state: 'Error', error: 'CountViolation' },
    ]);
    expect(consumed(after, E3)).toBe(before);
  });

  it('refuses a seed whose mutuallyExclusive names a plan no SKU has', async () => {
    await expect(harness().reseed(withMembersApp((draft) => {
      draft.mutuallyExclusive = [[EXCHANGE_PLAN_1, '00000000-0000-4000-8000-000000000000']];
    }))).rejects.toThrow('mutuallyExclusive[0][1]');
    await harness().reseed();
  });
});

describe('reading groups and members as tenantctl does', () => {
  beforeEach(async () => {
    await harness().reseed(withMembersApp((draft) => {
      userIn(draft, CAROL).usageLocation = 'NL';
      draft.groups[0]?.members.push(CAROL, SUPPORT);
      draft.groups.push({ id: '9a000000-0000-4000-8000-000000000003', displayName: 'No licenses', assignedLicenses: [], members: [BOB] });
    }));
  });

  it('GET /groups?$filter=assignedLicenses/$count ne 0&$count=true&$select=id,displayName,assignedLicenses (advanced query)', async () => {
    const response = await harness().raw('GET', '/groups?$filter=assignedLicenses/$count ne 0&$count=true&$select=id,displayName,assignedLicenses', { app: MEMBERS_APP, headers: { ConsistencyLevel: 'eventual' } });
    expect(response.status, response.text).toBe(200);
    const body = response.json as unknown as Collection;
    expect(body['@odata.count']).toBe(1);
    expect(body.value).toEqual([{ id: EXCHANGE_GROUP, displayName: 'Exchange Plan 1 users', assignedLicenses: [{ skuId: EXCHANGE_STANDARD, disabledPlans: [] }] }]);
    // Without the advanced-query pair the filter is refused.
    expect((await harness().raw('GET', '/groups?$filter=assignedLicenses/$count ne 0', { app: MEMBERS_APP })).status).toBe(400);
  });

  it('GET /groups/{id}/members?$select=id&$top=…: users typed #microsoft.graph.user, paged by @odata.nextLink', async () => {
    const seen: string[] = [];
    let next: string | undefined = `/groups/${EXCHANGE_GROUP}/members?$select=id&$top=2`;
    let pages = 0;
    while (next !== undefined) {
      const response = await harness().raw('GET', next, { app: MEMBERS_APP });
      expect(response.status, response.text).toBe(200);
      const body = response.json as unknown as Collection;
      for (const member of body.value) {
        expect(Object.keys(member).sort()).toEqual(['@odata.type', 'id']);
        expect(member['@odata.type']).toBe('#microsoft.graph.user');
        seen.push(String(member.id));
      }
      pages += 1;
      const link = body['@odata.nextLink'];
      next = link === undefined ? undefined : link.slice(`${harness().url}/v1.0`.length);
    }
    expect(pages).toBe(2);
    expect(seen).toEqual([BOB, ALICE, CAROL, SUPPORT].sort());
    expect((await harness().raw('GET', `/groups/${EXCHANGE_GROUP}/members?$select=id&$top=999`, { app: MEMBERS_APP })).status).toBe(200);
    expect((await harness().raw('GET', `/groups/${EXCHANGE_GROUP}/members?$select=id&$top=1000`, { app: MEMBERS_APP })).status).toBe(400);
  });
});

describe('inside POST /$batch', () => {
  beforeEach(async () => {
    await harness().reseed(withMembersApp());
  });

  it('routes POST members/$ref, DELETE members/$ref and PUT manager/$ref, each answered on its own', async () => {
    const json = { 'Content-Type': 'application/json' };
    const requests = [
      { id: '1', method: 'POST', url: `/groups/${EXCHANGE_GROUP}/members/$ref`, headers: json, body: { '@odata.id': `${GRAPH}/directoryObjects/${CAROL}` } },
      { id: '2', method: 'POST', url: `/groups/${EXCHANGE_GROUP}/members/$ref`, headers: json, body: { '@odata.id': `${GRAPH}/directoryObjects/${BOB}` } },
      { id: '3', method: 'DELETE', url: `/groups/${EXCHANGE_GROUP}/members/${ALICE}/$ref` },
      { id: '4', method: 'PUT', url: `/users/${CAROL}/manager/$ref`, headers: json, body: { '@odata.id': `${GRAPH}/users/${BOB}` } },
      { id: '5', method: 'DELETE', url: `/users/${BOB}/manager/$ref` },
    ];
    const response = await harness().raw('POST', '/$batch', { app: MEMBERS_APP, body: { requests } });
    expect(response.status, response.text).toBe(200);
    const items = (response.json?.responses ?? []) as { id: string; status: number; headers?: Record<string, string>; body?: { error?: { code: string; message: string } } }[];
    const byId = new Map(items.map((item) => [item.id, item]));
    expect(byId.get('1')?.status).toBe(204);
    expect(byId.get('2')?.status).toBe(400);
    expect(byId.get('2')?.body?.error).toMatchObject({ code: 'Request_BadRequest', message: ALREADY_MEMBER });
    expect(byId.get('3')?.status).toBe(204);
    expect(byId.get('4')?.status).toBe(204);
    expect(byId.get('5')?.status).toBe(404);
    expect(byId.get('5')?.body?.error?.code).toBe('Request_ResourceNotFound');
    expect(itemHeader(byId.get('1') ?? {}, 'content-type')).toBe('application/json');
    const after = await state();
    expect(after.groups.find((g) => g.id === EXCHANGE_GROUP)?.members).toEqual([BOB, CAROL].sort());
    expect((await harness().raw('GET', `/users/${CAROL}/manager?$select=id`)).json?.id).toBe(BOB);
  });
});
