/**
 * Behaviour tests for deleted users: the list, restore, purge and permanent delete (docs/graph-behaviour.md §1,
 * §2, §3), through the Microsoft Graph JavaScript SDK and raw fetch. Restore bodies are sent raw,
 * as §2 requires of the client. A test marked `it.fails` documents a disagreement between the
 * emulator and docs/graph-behaviour.md.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { RawResponse, SeedDraft } from '../support/emulator.ts';
import {
  ALICE,
  BOB,
  CAROL,
  type Collection,
  conflictMessage,
  contextFragment,
  contoso,
  DAVE,
  DEFAULT_USER_PROPERTIES,
  E3,
  ERIN,
  EXCHANGE_GROUP,
  EXCHANGE_STANDARD,
  expectRawError,
  expectSdkError,
  FRANK,
  NOT_FOUND,
  OLD_ALICE,
  propertyNames,
  READER,
  skuIn,
  SUPPORT,
  useHarness,
  userIn,
  withApp,
} from '../support/emulator.ts';

const harness = useHarness();


const LIST = '/directory/deletedItems/microsoft.graph.user';
/** The seed's deleted users after the load-time purge of Erin. */
const DELETED_IDS = [OLD_ALICE, DAVE, FRANK].sort();

function ids(body: Collection): string[] {
  return body.value.map((u) => String(u.id)).sort();
}

async function restore(id: string, body?: unknown): Promise<RawResponse> {
  return harness().raw('POST', `/directory/deletedItems/${id}/restore`, body === undefined ? {} : { body });
}

describe('GET /directory/deletedItems/microsoft.graph.user (§1)', () => {
  it.each(['microsoft.graph.user', 'graph.user'])('lists the deleted users with the %s cast, in the default property set', async (cast) => {
    const body = (await harness().sdk().api(`/directory/deletedItems/${cast}`).get()) as Collection;
    expect(contextFragment(body)).toBe('#users');
    expect(ids(body)).toEqual(DELETED_IDS);
    for (const user of body.value) expect(propertyNames(user)).toEqual([...DEFAULT_USER_PROPERTIES].sort());
  });

  // docs/graph-behaviour.md §1, emulator contract (§16 #2): the context string is
  // `https://graph.microsoft.com/v1.0/$metadata#users`. The emulator writes its own origin
  // (`http://127.0.0.1:PORT/v1.0/$metadata#users`), here and in every other @odata.context.
  it('uses https://graph.microsoft.com/v1.0/$metadata#users as the context string (§1)', async () => {
    const body = (await harness().sdk().api(LIST).get()) as Collection;
    expect(body['@odata.context']).toBe('https://graph.microsoft.com/v1.0/$metadata#users');
  });

  it('prefixes each UPN with the object id without hyphens (§1)', async () => {
    const body = (await harness().sdk().api(LIST).select(['id', 'userPrincipalName']).get()) as Collection;
    const upn = Object.fromEntries(body.value.map((u) => [u.id, u.userPrincipalName]));
    expect(upn).toEqual({
      [OLD_ALICE]: '78bf875b93434edc91300d3958113563alice@contoso.com',
      [DAVE]: '78bf875b93434edc91300d3958113564dave@contoso.com',
      [FRANK]: '78bf875b93434edc91300d3958113566frank@contoso.com',
    });
  });

  it('returns deletedDateTime only when selected, with context #users(<selected props>)', async () => {
    const plain = (await harness().sdk().api(LIST).get()) as Collection;
    for (const user of plain.value) expect(user).not.toHaveProperty('deletedDateTime');
    const body = (await harness().sdk().api(LIST).select(['id', 'userPrincipalName', 'deletedDateTime']).get()) as Collection;
    expect(contextFragment(body)).toBe('#users(id,userPrincipalName,deletedDateTime)');
    const dates = Object.fromEntries(body.value.map((u) => [u.id, u.deletedDateTime]));
    expect(dates).toEqual({ [OLD_ALICE]: '2026-11-10T09:00:00Z', [DAVE]: '2026-11-01T09:00:00Z', [FRANK]: '2026-11-20T09:00:00Z' });
  });

  it('selects the properties the client matches on: mail, mailNickname, proxyAddresses, assignedLicenses, onPremisesSyncEnabled', async () => {
    const select = 'id,displayName,userPrincipalName,mail,mailNickname,deletedDateTime,assignedLicenses,proxyAddresses,onPremisesSyncEnabled';
    const body = (await harness().raw('GET', `${LIST}?$select=${select}`)).json as unknown as Collection;
    const dave = body.value.find((u) => u.id === DAVE);
    expect(dave).toEqual({
      id: DAVE,
      displayName: 'Dave Visser',
      userPrincipalName: '78bf875b93434edc91300d3958113564dave@contoso.com',
      mail: 'dave@contoso.com',
      mailNickname: 'dave',
      deletedDateTime: '2026-11-01T09:00:00Z',
      assignedLicenses: [{ skuId: E3, disabledPlans: [] }],
      proxyAddresses: ['SMTP:dave@contoso.com', 'smtp:helpdesk@contoso.com'],
      onPremisesSyncEnabled: null,
    });
    expect(body.value.find((u) => u.id === FRANK)?.onPremisesSyncEnabled).toBe(true);
  });

  it('orders by deletedDateTime with ConsistencyLevel: eventual and $count=true', async () => {
    const body = (await harness().sdk().api(LIST).header('ConsistencyLevel', 'eventual').count(true).orderby('deletedDateTime desc').select(['id', 'deletedDateTime']).get()) as Collection;
    expect(body.value.map((u) => u.id)).toEqual([FRANK, OLD_ALICE, DAVE]);
    expect(body['@odata.count']).toBe(3);
  });

  it.each([
    { name: 'neither', headers: {}, query: '' },
    { name: 'only the header', headers: { ConsistencyLevel: 'eventual' }, query: '' },
  ])('refuses $orderby=deletedDateTime with $name of the advanced-query pair: 400 Request_UnsupportedQuery (contract 3)', async ({ headers, query }) => {
    const response = await harness().raw('GET', `${LIST}?$orderby=deletedDateTime desc${query}`, { headers });
    expectRawError(response, {
      status: 400,
      code: 'Request_UnsupportedQuery',
      // "the same message pattern with the property name" (§1)
      message: /'deletedDateTime' is not supported because the required parameters might be missing\. Try adding \$count=true query parameter and ConsistencyLevel:eventual header\. Refer to https:\/\/aka\.ms\/graph-docs\/advanced-queries for more information$/u,
    });
  });

  it('refuses $orderby=deletedDateTime with only $count=true (no header)', async () => {
    const response = await harness().raw('GET', `${LIST}?$orderby=deletedDateTime desc&$count=true`);
    expectRawError(response, { status: 400, code: 'Request_UnsupportedQuery' });
  });

  it('refuses an out-of-range $top with the exact text (§4, contract 10)', async () => {
    await expectSdkError(harness().sdk().api(`${LIST}?$top=1000`).get(), { status: 400, code: 'Request_UnsupportedQuery', message: "Invalid page size specified: '1000'. Must be between 1 and 999 inclusive." });
  });

  it('pages with $top and a full nextLink, like /users (§1, §4)', async () => {
    const first = (await harness().sdk().api(LIST).top(2).get()) as Collection & { '@odata.nextLink'?: string };
    expect(first.value).toHaveLength(2);
    const link = first['@odata.nextLink'] ?? '';
    expect(link.startsWith(`${harness().url}/v1.0${LIST}?`)).toBe(true);
    const second = (await harness().raw('GET', link.slice(`${harness().url}/v1.0`.length))).json as unknown as Collection & { '@odata.nextLink'?: string };
    expect(second['@odata.nextLink']).toBeUndefined();
    expect([...ids(first), ...ids(second)].sort()).toEqual(DELETED_IDS);
  });

  it('reads one deleted item with context #directoryObjects/$entity (§1)', async () => {
    const body = (await harness().sdk().api(`/directory/deletedItems/${DAVE}`).get()) as Record<string, unknown>;
    expect(contextFragment(body)).toBe('#directoryObjects/$entity');
    expect(body.id).toBe(DAVE);
  });

  it('keeps a soft-deleted user out of /users: GET and actions on /users/{id} are 404 (§1)', async () => {
    await expectSdkError(harness().sdk().api(`/users/${DAVE}`).get(), { status: 404, code: 'Request_ResourceNotFound', message: NOT_FOUND(DAVE) });
    await expectSdkError(harness().sdk().api(`/users/${DAVE}/licenseDetails`).get(), { status: 404, code: 'Request_ResourceNotFound', message: NOT_FOUND(DAVE) });
    await expectSdkError(harness().sdk().api(`/users/${DAVE}/assignLicense`).post({ addLicenses: [], removeLicenses: [E3] }), { status: 404, code: 'Request_ResourceNotFound', message: NOT_FOUND(DAVE) });
    await expectSdkError(harness().sdk().api(`/users/${DAVE}/mailboxSettings`).get(), { status: 404, code: 'Request_ResourceNotFound', message: NOT_FOUND(DAVE) });
  });

  it('has purged a user deleted more than 30 days before the seed’s now (Erin)', async () => {
    await expectSdkError(harness().sdk().api(`/directory/deletedItems/${ERIN}`).get(), { status: 404, code: 'Request_ResourceNotFound', message: NOT_FOUND(ERIN) });
  });
});

describe('POST /directory/deletedItems/{id}/restore (§2)', () => {
  beforeEach(async () => {
    await harness().reseed();
  });

  it('answers a UPN conflict with the exact §2 body (contract 5)', async () => {
    const response = await restore(OLD_ALICE, {});
    const message = conflictMessage('userPrincipalName');
    const error = expectRawError(response, { status: 400, code: 'Request_BadRequest', message });
    expect(error).toEqual({
      code: 'Request_BadRequest',
      message,
      details: [{ code: 'ObjectConflict', message, target: 'userPrincipalName' }],
      innerError: expect.any(Object),
    });
  });

  it('checks the UPN before proxy addresses: autoReconcileProxyConflict does not fix a UPN conflict', async () => {
    const response = await restore(OLD_ALICE, { autoReconcileProxyConflict: true });
    const message = conflictMessage('userPrincipalName');
    expectRawError(response, { status: 400, code: 'Request_BadRequest', message, details: [{ code: 'ObjectConflict', message, target: 'userPrincipalName' }] });
  });

  it('fails a proxy-address conflict by default, with the proxyAddresses shape (contract 6)', async () => {
    // A free UPN, but smtp:alice@contoso.com is held by the active Alice.
    const response = await restore(OLD_ALICE, { newUserPrincipalName: 'alice.jansen@contoso.com' });
    const message = conflictMessage('proxyAddresses');
    const error = expectRawError(response, { status: 400, code: 'Request_BadRequest', message });
    expect((error.details as unknown[])[0]).toEqual({ code: 'ObjectConflict', message, target: 'proxyAddresses' });
    const explicit = await restore(DAVE, { autoReconcileProxyConflict: false });
    expectRawError(explicit, { status: 400, code: 'Request_BadRequest', message });
    // Nothing changed: Dave is still a deleted item.
    const still = (await harness().sdk().api(`/directory/deletedItems/${DAVE}`).select(['id', 'userPrincipalName']).get()) as Record<string, unknown>;
    expect(still.userPrincipalName).toBe('78bf875b93434edc91300d3958113564dave@contoso.com');
  });

  it('restores with newUserPrincipalName and autoReconcileProxyConflict: same id, conflicting address dropped', async () => {
    const response = await restore(OLD_ALICE, { newUserPrincipalName: 'alice.jansen@contoso.com', autoReconcileProxyConflict: true });
    expect(response.status, response.text).toBe(200);
    expect(response.json).toMatchObject({ id: OLD_ALICE, userPrincipalName: 'alice.jansen@contoso.com', displayName: 'Alice Jansen' });
    const user = (await harness().sdk().api(`/users/${OLD_ALICE}`).select(['userPrincipalName', 'mail', 'proxyAddresses']).get()) as Record<string, unknown>;
    expect(user).toMatchObject({ id: OLD_ALICE, userPrincipalName: 'alice.jansen@contoso.com', mail: 'alice.jansen@contoso.com', proxyAddresses: ['SMTP:alice.jansen@contoso.com'] });
    const active = (await harness().sdk().api(`/users/${ALICE}`).select(['proxyAddresses']).get()) as Record<string, unknown>;
    expect(active.proxyAddresses).toEqual(['SMTP:alice@contoso.com']);
    const list = (await harness().sdk().api(LIST).get()) as Collection;
    expect(ids(list)).not.toContain(OLD_ALICE);
  });

  it('restores the original UPN (prefix removed) when no newUserPrincipalName is given, dropping only the shared address', async () => {
    const response = await restore(DAVE, { autoReconcileProxyConflict: true });
    expect(response.status, response.text).toBe(200);
    const dave = (await harness().sdk().api('/users/dave@contoso.com').select(['id', 'userPrincipalName', 'mail', 'proxyAddresses', 'assignedLicenses']).get()) as Record<string, unknown>;
    expect(dave).toMatchObject({ id: DAVE, userPrincipalName: 'dave@contoso.com', mail: 'dave@contoso.com', proxyAddresses: ['SMTP:dave@contoso.com'], assignedLicenses: [{ skuId: E3, disabledPlans: [] }] });
    const support = (await harness().sdk().api(`/users/${SUPPORT}`).select(['proxyAddresses']).get()) as Record<string, unknown>;
    expect(support.proxyAddresses).toEqual(['SMTP:support@contoso.com', 'smtp:helpdesk@contoso.com']);
  });

  it('leaves the user without a primary address when its primary SMTP address is dropped', async () => {
    const IVAN = '78bf875b-9343-4edc-9130-0d3958113568';
    await harness().reseed(
      contoso((draft) => {
        draft.deletedUsers.push({
          id: IVAN,
          userPrincipalName: 'ivan@contoso.com',
          displayName: 'Ivan Smit',
          mail: 'helpdesk@contoso.com',
          proxyAddresses: ['SMTP:helpdesk@contoso.com', 'smtp:ivan@contoso.com'],
          deletedDateTime: '2026-11-18T09:00:00Z',
        });
      }),
    );
    expectRawError(await restore(IVAN, {}), { status: 400, code: 'Request_BadRequest', message: conflictMessage('proxyAddresses') });
    const response = await restore(IVAN, { autoReconcileProxyConflict: true });
    expect(response.status, response.text).toBe(200);
    const ivan = (await harness().sdk().api(`/users/${IVAN}`).select(['proxyAddresses']).get()) as Record<string, unknown>;
    expect(ivan.proxyAddresses).toEqual(['smtp:ivan@contoso.com']);
  });

  it('answers with #directoryObjects/$entity, @odata.type #microsoft.graph.user and the default property set (contract 4)', async () => {
    const response = await restore(FRANK, {});
    expect(response.status, response.text).toBe(200);
    const body = response.json ?? {};
    expect(contextFragment(body)).toBe('#directoryObjects/$entity');
    expect(body['@odata.type']).toBe('#microsoft.graph.user');
    expect(propertyNames(body)).toEqual([...DEFAULT_USER_PROPERTIES].sort());
    expect(body).toMatchObject({ id: FRANK, userPrincipalName: 'frank@contoso.com' });
  });

  it('accepts a restore without any body (the body is optional in v1.0)', async () => {
    const response = await harness().raw('POST', `/directory/deletedItems/${FRANK}/restore`);
    expect(response.status, response.text).toBe(200);
    expect(response.json?.id).toBe(FRANK);
  });

  it('accepts {} through the SDK as well', async () => {
    const body = (await harness().sdk().api(`/directory/deletedItems/${FRANK}/restore`).post({})) as Record<string, unknown>;
    expect(body).toMatchObject({ id: FRANK, userPrincipalName: 'frank@contoso.com' });
  });

  it('accepts the lower-case deleteditems path segment of the doc examples', async () => {
    const response = await harness().raw('POST', `/directory/deleteditems/${FRANK}/restore`, { body: {} });
    expect(response.status, response.text).toBe(200);
  });

  it('applies the create UPN rules to newUserPrincipalName (§2 → §5)', async () => {
    const domain = 'The domain portion of the userPrincipalName property is invalid. You must use one of the verified domain names in your organization.';
    expectRawError(await restore(FRANK, { newUserPrincipalName: 'frank@fabrikam.com' }), { status: 400, code: 'Request_BadRequest', message: domain });
    const taken = conflictMessage('userPrincipalName');
    expectRawError(await restore(FRANK, { newUserPrincipalName: 'bob@contoso.com' }), { status: 400, code: 'Request_BadRequest', message: taken, details: [{ code: 'ObjectConflict', message: taken, target: 'userPrincipalName' }] });
  });

  it('refuses an unknown parameter in the restore body with 400 Request_BadRequest', async () => {
    // The text is not in docs/graph-behaviour.md; the status and code are (§2: "validate their types").
    expectRawError(await restore(FRANK, { newUPN: 'frank2@contoso.com' }), { status: 400, code: 'Request_BadRequest' });
  });

  it.each([
    { name: 'a string autoReconcileProxyConflict', body: { autoReconcileProxyConflict: 'true' } },
    { name: 'a numeric newUserPrincipalName', body: { newUserPrincipalName: 42 } },
  ])('refuses $name (types: Edm.Boolean, Edm.String)', async ({ body }) => {
    expectRawError(await restore(FRANK, body), { status: 400, code: 'Request_BadRequest' });
  });

  it('answers an unknown id with 404 Request_ResourceNotFound', async () => {
    const unknown = '78bf875b-9343-4edc-9130-0d39581135ff';
    expectRawError(await restore(unknown, {}), { status: 404, code: 'Request_ResourceNotFound', message: NOT_FOUND(unknown) });
  });

  it('restores a user soft-deleted through DELETE /users/{id}: same id, UPN and licences', async () => {
    const consumed = async (): Promise<number | undefined> => {
      const skus = (await harness().sdk().api('/subscribedSkus').get()) as { value: { skuId: string; consumedUnits: number }[] };
      return skus.value.find((s) => s.skuId === E3)?.consumedUnits;
    };
    const before = await consumed();
    await harness().sdk().api(`/users/${BOB}`).delete();
    // A soft delete keeps assignedLicenses (they come back on restore) and frees the seat; the
    // restore takes it again (§2, §3).
    const deleted = (await harness().sdk().api(`/directory/deletedItems/${BOB}`).select(['assignedLicenses']).get()) as Record<string, unknown>;
    expect(deleted.assignedLicenses).toEqual(expect.arrayContaining([{ skuId: E3, disabledPlans: ['7547a3fe-08ee-4ccb-b430-5077c5041653'] }]));
    expect(await consumed()).toBe((before ?? 0) - 1);
    const response = await restore(BOB, {});
    expect(response.status, response.text).toBe(200);
    expect(await consumed()).toBe(before);
    const bob = (await harness().sdk().api(`/users/${BOB}`).select(['userPrincipalName', 'assignedLicenses', 'licenseAssignmentStates']).get()) as Record<string, unknown>;
    expect(bob.userPrincipalName).toBe('bob@contoso.com');
    expect(bob.assignedLicenses).toEqual(expect.arrayContaining([{ skuId: E3, disabledPlans: ['7547a3fe-08ee-4ccb-b430-5077c5041653'] }]));
    // "The user is also restored to any groups they were a member of" (§2): the group licence is back.
    expect(bob.licenseAssignmentStates).toEqual(expect.arrayContaining([expect.objectContaining({ skuId: EXCHANGE_STANDARD, assignedByGroup: EXCHANGE_GROUP, state: 'Active' })]));
  });
});

describe('restore and seats (§2, contract 8)', () => {
  /** E3 has 2 seats, held by the active Bob and Alice; Gina was deleted holding a third. */
  const GINA = '78bf875b-9343-4edc-9130-0d3958113567';
  function overbookedSeed(): ReturnType<typeof contoso> {
    return contoso((draft: SeedDraft) => {
      skuIn(draft, E3).prepaidUnits.enabled = 2;
      userIn(draft, OLD_ALICE).assignedLicenses = [];
      userIn(draft, DAVE).assignedLicenses = [];
      draft.deletedUsers.push({
        id: GINA,
        userPrincipalName: 'gina@contoso.com',
        displayName: 'Gina de Boer',
        accountEnabled: true,
        usageLocation: 'NL',
        mail: 'gina@contoso.com',
        proxyAddresses: ['SMTP:gina@contoso.com'],
        assignedLicenses: [{ skuId: E3, disabledPlans: [] }],
        deletedDateTime: '2026-11-15T12:00:00Z',
      });
    });
  }

  it('never fails for lack of seats: the licence comes back and consumedUnits exceeds prepaidUnits.enabled', async () => {
    await harness().reseed(overbookedSeed());
    const response = await restore(GINA, {});
    expect(response.status, response.text).toBe(200);
    const gina = (await harness().sdk().api(`/users/${GINA}`).select(['assignedLicenses']).get()) as Record<string, unknown>;
    expect(gina.assignedLicenses).toEqual([{ skuId: E3, disabledPlans: [] }]);
    const skus = (await harness().sdk().api('/subscribedSkus').get()) as { value: { skuId: string; consumedUnits: number; prepaidUnits: { enabled: number } }[] };
    const e3 = skus.value.find((s) => s.skuId === E3);
    expect(e3?.prepaidUnits.enabled).toBe(2);
    expect(e3?.consumedUnits).toBe(3);
  });
});

describe('purge at 30 days (§2, contract 7)', () => {
  beforeEach(async () => {
    await harness().reseed();
  });

  it('keeps a user deleted exactly 30 days ago', async () => {
    await harness().setClock('2026-12-10T09:00:00Z');
    const body = (await harness().sdk().api(`/directory/deletedItems/${OLD_ALICE}`).get()) as Record<string, unknown>;
    expect(body.id).toBe(OLD_ALICE);
  });

  it('purges a user deleted more than 30 days ago: gone from the list; GET, restore and DELETE answer 404', async () => {
    await harness().setClock('2026-12-10T09:00:01Z');
    const list = (await harness().sdk().api(LIST).get()) as Collection;
    expect(ids(list)).toEqual([FRANK]);
    await expectSdkError(harness().sdk().api(`/directory/deletedItems/${OLD_ALICE}`).get(), { status: 404, code: 'Request_ResourceNotFound', message: NOT_FOUND(OLD_ALICE) });
    expectRawError(await restore(OLD_ALICE, { newUserPrincipalName: 'alice.jansen@contoso.com', autoReconcileProxyConflict: true }), { status: 404, code: 'Request_ResourceNotFound', message: NOT_FOUND(OLD_ALICE) });
    expectRawError(await harness().raw('DELETE', `/directory/deletedItems/${OLD_ALICE}`), { status: 404, code: 'Request_ResourceNotFound', message: NOT_FOUND(OLD_ALICE) });
  });

  it('purges a user soft-deleted through the API 30 days after its deletedDateTime', async () => {
    await harness().setClock('2026-11-22T08:00:00Z');
    await harness().sdk().api(`/users/${CAROL}`).delete();
    const deleted = (await harness().sdk().api(`/directory/deletedItems/${CAROL}`).select(['deletedDateTime']).get()) as Record<string, unknown>;
    expect(deleted.deletedDateTime).toBe('2026-11-22T08:00:00Z');
    await harness().setClock('2026-12-22T08:00:01Z');
    await expectSdkError(harness().sdk().api(`/directory/deletedItems/${CAROL}`).get(), { status: 404, code: 'Request_ResourceNotFound', message: NOT_FOUND(CAROL) });
  });
});

describe('DELETE /directory/deletedItems/{id}: permanent delete (§3)', () => {
  const DELETE_RESTORE_APP = '5e1c0000-0000-4000-8000-00000000a003';
  const READ_WRITE_APP = '5e1c0000-0000-4000-8000-00000000a004';

  beforeEach(async () => {
    await harness().reseed(
      contoso((draft) => {
        withApp(draft, DELETE_RESTORE_APP, ['User.DeleteRestore.All']);
        withApp(draft, READ_WRITE_APP, ['User.ReadWrite.All']);
      }),
    );
  });

  it('answers 204 without a body; the item is gone and a second DELETE is 404', async () => {
    const response = await harness().raw('DELETE', `/directory/deletedItems/${DAVE}`);
    expect(response.status).toBe(204);
    expect(response.text).toBe('');
    await expectSdkError(harness().sdk().api(`/directory/deletedItems/${DAVE}`).get(), { status: 404, code: 'Request_ResourceNotFound', message: NOT_FOUND(DAVE) });
    expectRawError(await harness().raw('DELETE', `/directory/deletedItems/${DAVE}`), { status: 404, code: 'Request_ResourceNotFound', message: NOT_FOUND(DAVE) });
    const list = (await harness().sdk().api(LIST).get()) as Collection;
    expect(ids(list)).toEqual([OLD_ALICE, FRANK].sort());
  });

  it.each([
    { name: 'User.DeleteRestore.All', app: DELETE_RESTORE_APP },
    { name: 'User.ReadWrite.All', app: READ_WRITE_APP },
  ])('accepts an app holding only $name (contract 9)', async ({ app }) => {
    await harness().sdk(app).api(`/directory/deletedItems/${FRANK}`).delete();
    await expectSdkError(harness().sdk().api(`/directory/deletedItems/${FRANK}`).get(), { status: 404, code: 'Request_ResourceNotFound' });
  });

  it('refuses an app holding only User.Read.All: 403 Authorization_RequestDenied', async () => {
    await expectSdkError(harness().sdk(READER).api(`/directory/deletedItems/${FRANK}`).delete(), { status: 403, code: 'Authorization_RequestDenied', message: 'Insufficient privileges to complete the operation.' });
  });
});
