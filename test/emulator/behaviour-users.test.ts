/**
 * Behaviour tests for `/users` (docs/graph-behaviour.md §1, §4, §5, §3 soft delete), through the Microsoft
 * Graph JavaScript SDK and raw fetch. A test marked `it.fails` documents a disagreement between the
 * emulator and docs/graph-behaviour.md: it asserts what the doc says and currently fails.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import {
  ALICE,
  BOB,
  CAROL,
  type Collection,
  conflictMessage,
  contextFragment,
  DEFAULT_USER_PROPERTIES,
  expectRawError,
  expectSdkError,
  GUID,
  NOT_FOUND,
  propertyNames,
  sdkError,
  sdkPath,
  SUPPORT,
  useHarness,
} from '../support/emulator.ts';

const harness = useHarness();


const ACTIVE_IDS = [BOB, ALICE, CAROL, SUPPORT].sort();
/** §1: the documented advanced-query error, with the operator substituted. */
const ADVANCED = (operator: string): string =>
  `Operator '${operator}' is not supported because the required parameters might be missing. Try adding $count=true query parameter and ConsistencyLevel:eventual header. Refer to https://aka.ms/graph-docs/advanced-queries for more information`;

function ids(body: Collection): string[] {
  return body.value.map((u) => String(u.id)).sort();
}

describe('GET /users (§4)', () => {
  it('lists the active users only, each in the default property set, with context #users', async () => {
    const body = (await harness().sdk().api('/users').get()) as Collection;
    expect(contextFragment(body)).toBe('#users');
    expect(ids(body)).toEqual(ACTIVE_IDS);
    for (const user of body.value) expect(propertyNames(user)).toEqual([...DEFAULT_USER_PROPERTIES].sort());
    expect(body['@odata.nextLink']).toBeUndefined();
  });

  it('returns $select-only properties only when selected, then exactly those plus id', async () => {
    const plain = (await harness().sdk().api(`/users/${BOB}`).get()) as Record<string, unknown>;
    for (const hidden of ['accountEnabled', 'assignedLicenses', 'assignedPlans', 'licenseAssignmentStates', 'usageLocation', 'proxyAddresses', 'mailNickname', 'userType', 'onPremisesSyncEnabled', 'deletedDateTime']) {
      expect(plain, hidden).not.toHaveProperty(hidden);
    }
    const body = (await harness().sdk().api('/users').select(['accountEnabled', 'usageLocation', 'proxyAddresses', 'mailNickname', 'userType']).get()) as Collection;
    const bob = body.value.find((u) => u.id === BOB);
    expect(bob).toEqual({ accountEnabled: true, usageLocation: 'NL', proxyAddresses: ['SMTP:bob@contoso.com'], mailNickname: 'bob', userType: 'Member', id: BOB });
    expect(body.value.find((u) => u.id === SUPPORT)?.accountEnabled).toBe(false);
  });

  it('names the selected properties in the context: #users(<selected props>) (§1, §12)', async () => {
    const response = await harness().raw('GET', '/users?$select=id,displayName,userPrincipalName');
    expect(contextFragment(response.json)).toBe('#users(id,displayName,userPrincipalName)');
  });

  // docs/graph-behaviour.md §1 (emulator contract: "#users(<selected props>)") and §12: the context lists what was
  // selected. The emulator appends the implicit `id` to the list when it was not selected.
  it('lists only the selected properties in the context when id is not selected (§1, §12)', async () => {
    const response = await harness().raw('GET', '/users?$select=accountEnabled,usageLocation');
    expect(contextFragment(response.json)).toBe('#users(accountEnabled,usageLocation)');
  });

  it('pages with $top: @odata.nextLink is a full URL keeping the other query options, followed until absent', async () => {
    const first = (await harness().sdk().api('/users').top(1).select(['id', 'userPrincipalName']).get()) as Collection;
    expect(first.value).toHaveLength(1);
    const link = first['@odata.nextLink'] ?? '';
    expect(link.startsWith(`${harness().url}/v1.0/users?`)).toBe(true);
    const params = new URL(link).searchParams;
    expect(params.get('$top')).toBe('1');
    expect(params.get('$select')).toBe('id,userPrincipalName');
    expect(params.get('$skiptoken')).toMatch(/^RFNwdAIAAQ/u);
    const seen = [...first.value];
    let next: string | undefined = link;
    while (next !== undefined) {
      // Raw fetch calls the link exactly as given (§4); the SDK needs it relative (see test/support).
      const page = (await harness().raw('GET', sdkPath(harness(), next))).json as unknown as Collection;
      expect(page.value.length).toBeLessThanOrEqual(1);
      seen.push(...page.value);
      next = page['@odata.nextLink'];
    }
    expect(seen.map((u) => String(u.id)).sort()).toEqual(ACTIVE_IDS);
  });

  it('keeps $filter in the nextLink', async () => {
    const first = (await harness().sdk().api('/users').filter('accountEnabled eq true').top(2).get()) as Collection;
    const params = new URL(first['@odata.nextLink'] ?? '').searchParams;
    expect(params.get('$filter')).toBe('accountEnabled eq true');
    const second = (await harness().raw('GET', sdkPath(harness(), first['@odata.nextLink'] ?? ''))).json as unknown as Collection;
    expect([...ids(first), ...ids(second)].sort()).toEqual([BOB, ALICE, CAROL].sort());
  });

  it('puts @odata.count on the first page only, and needs ConsistencyLevel resent on every page (§4)', async () => {
    const first = (await harness().sdk().api('/users').header('ConsistencyLevel', 'eventual').count(true).top(2).get()) as Collection;
    expect(first['@odata.count']).toBe(4);
    const second = (await harness().sdk().api(sdkPath(harness(), first['@odata.nextLink'] ?? '')).header('ConsistencyLevel', 'eventual').get()) as Collection;
    expect(second['@odata.count']).toBeUndefined();
    expect(second.value).toHaveLength(2);
  });
});

describe('GET /users/{id | userPrincipalName} (§4)', () => {
  it('reads a user by id and by UPN, in the default property set, with context #users/$entity', async () => {
    const byId = (await harness().sdk().api(`/users/${BOB}`).get()) as Record<string, unknown>;
    const byUpn = (await harness().sdk().api('/users/bob@contoso.com').get()) as Record<string, unknown>;
    expect(contextFragment(byId)).toBe('#users/$entity');
    expect(propertyNames(byId)).toEqual([...DEFAULT_USER_PROPERTIES].sort());
    expect(byId).toMatchObject({ id: BOB, userPrincipalName: 'bob@contoso.com', displayName: 'Bob de Vries', mail: 'bob@contoso.com', businessPhones: [] });
    expect(byUpn.id).toBe(BOB);
  });

  it('answers 404 Request_ResourceNotFound with the documented text for an unknown id or UPN (§1, §4)', async () => {
    const unknown = '0b1f5a1e-1111-4000-8000-0000000000ff';
    await expectSdkError(harness().sdk().api(`/users/${unknown}`).get(), { status: 404, code: 'Request_ResourceNotFound', message: NOT_FOUND(unknown) });
    await expectSdkError(harness().sdk().api('/users/nobody@contoso.com').get(), { status: 404, code: 'Request_ResourceNotFound', message: NOT_FOUND('nobody@contoso.com') });
  });
});

describe('$top bounds (§4, emulator contract 10)', () => {
  it.each(['1000', '0'])('rejects $top=%s with the exact text', async (top) => {
    const error = await expectSdkError(harness().sdk().api(`/users?$top=${top}`).get(), {
      status: 400,
      code: 'Request_UnsupportedQuery',
      message: `Invalid page size specified: '${top}'. Must be between 1 and 999 inclusive.`,
    });
    expect(error.requestId).toMatch(GUID);
  });

  it('accepts $top=999', async () => {
    const body = (await harness().sdk().api('/users').top(999).get()) as Collection;
    expect(body.value).toHaveLength(4);
  });
});

describe('$filter (§1, §4)', () => {
  it('supports eq, in and startswith on userPrincipalName, id and accountEnabled', async () => {
    const byUpn = (await harness().sdk().api('/users').filter("userPrincipalName eq 'bob@contoso.com'").get()) as Collection;
    expect(ids(byUpn)).toEqual([BOB]);
    const byId = (await harness().sdk().api('/users').filter(`id in ('${BOB}', '${CAROL}')`).get()) as Collection;
    expect(ids(byId)).toEqual([BOB, CAROL].sort());
    const disabled = (await harness().sdk().api('/users').filter('accountEnabled eq false').get()) as Collection;
    expect(ids(disabled)).toEqual([SUPPORT]);
    const prefix = (await harness().sdk().api('/users').filter("startswith(userPrincipalName, 'ali')").get()) as Collection;
    expect(ids(prefix)).toEqual([ALICE]);
  });

  it('answers an unfilterable property with 400 Request_UnsupportedQuery', async () => {
    // The text is not in docs/graph-behaviour.md; only the code is asserted.
    await expectSdkError(harness().sdk().api('/users').filter("faxNumber eq '1'").get(), { status: 400, code: 'Request_UnsupportedQuery' });
  });

  it('runs the advanced query assignedLicenses/$count ne 0 with ConsistencyLevel: eventual and $count=true (§4)', async () => {
    const body = (await harness().sdk().api('/users').header('ConsistencyLevel', 'eventual').count(true).filter('assignedLicenses/$count ne 0').get()) as Collection;
    expect(ids(body)).toEqual([BOB, ALICE].sort());
    expect(body['@odata.count']).toBe(2);
  });

  // docs/graph-behaviour.md §4: assignedLicenses supports "/$count eq 0, /$count ne 0; the $count forms are advanced
  // queries" (and "/$count filters such as assignedLicenses/$count eq 0" under "Advanced queries").
  // The emulator only knows `ne 0`: 400 Request_UnsupportedQuery "Unsupported or invalid query filter
  // clause specified for property 'assignedLicenses' of resource 'User'."
  it('runs the advanced query assignedLicenses/$count eq 0 with the pair (§4)', async () => {
    const body = (await harness().sdk().api('/users').header('ConsistencyLevel', 'eventual').count(true).filter('assignedLicenses/$count eq 0').get()) as Collection;
    expect(ids(body)).toEqual([CAROL, SUPPORT].sort());
    expect(body['@odata.count']).toBe(2);
  });

  it('refuses assignedLicenses/$count ne 0 without the pair, with the documented advanced-query text (§1, §4)', async () => {
    await expectSdkError(harness().sdk().api('/users').filter('assignedLicenses/$count ne 0').get(), { status: 400, code: 'Request_UnsupportedQuery', message: ADVANCED('ne') });
  });

  // docs/graph-behaviour.md §1 "Missing advanced-query parameters": the documented error for endsWith without the
  // advanced-query pair. The emulator treats endsWith as an unknown clause and answers "Unsupported or
  // invalid query filter clause specified for property 'endsWith' of resource 'User'."
  it('refuses endsWith without the advanced-query pair with the documented text (§1)', async () => {
    await expectSdkError(harness().sdk().api('/users').filter("endsWith(mail, '@contoso.com')").get(), { status: 400, code: 'Request_UnsupportedQuery', message: ADVANCED('endsWith') });
  });

  // docs/graph-behaviour.md §4: "ne/not on most properties" are advanced queries, "Errors are as in §1". The
  // emulator answers "Unsupported or invalid query filter clause specified for property 'displayName'…".
  it('refuses ne on displayName without the advanced-query pair with the §1 text (§4)', async () => {
    await expectSdkError(harness().sdk().api('/users').filter("displayName ne 'Bob de Vries'").get(), { status: 400, code: 'Request_UnsupportedQuery', message: ADVANCED('ne') });
  });

  it('refuses $search without ConsistencyLevel with the documented text (§1)', async () => {
    await expectSdkError(harness().sdk().api('/users').search('"displayName:bob"').get(), {
      status: 400,
      code: 'Request_UnsupportedQuery',
      message: "Request with $search query parameter only works through MSGraph with a special request header: 'ConsistencyLevel: eventual'",
    });
  });
});

describe('$count (§1, §4)', () => {
  it('counts with ConsistencyLevel: eventual and refuses $count=true without it', async () => {
    const counted = (await harness().sdk().api('/users').header('ConsistencyLevel', 'eventual').count(true).get()) as Collection;
    expect(counted['@odata.count']).toBe(4);
    // docs/graph-behaviour.md gives no text for this case: status only.
    const error = await sdkError(harness().sdk().api('/users').count(true).get());
    expect(error.statusCode).toBe(400);
  });

  it('answers /users/$count with a plain number only with ConsistencyLevel: eventual', async () => {
    const counted = await harness().raw('GET', '/users/$count', { headers: { ConsistencyLevel: 'eventual' } });
    expect(counted.status).toBe(200);
    expect(counted.text).toBe('4');
    const refused = await harness().raw('GET', '/users/$count');
    expect(refused.status).toBe(400);
  });
});

describe('$select=mailboxSettings on a collection (§4, emulator contract 11)', () => {
  it('answers 501 with code NotImplemented', async () => {
    await expectSdkError(harness().sdk().api('/users').select('mailboxSettings').get(), { status: 501, code: 'NotImplemented' });
    const raw = await harness().raw('GET', '/users?$select=id,mailboxSettings');
    expectRawError(raw, { status: 501, code: 'NotImplemented' });
  });
});

describe('POST /users (§5)', () => {
  beforeEach(async () => {
    await harness().reseed();
  });

  const newUser = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
    accountEnabled: true,
    displayName: 'Adele Vance',
    mailNickname: 'AdeleV',
    userPrincipalName: 'AdeleV@contoso.com',
    usageLocation: 'US',
    passwordProfile: { forceChangePasswordNextSignIn: true, password: 'xWwvJ]6NMw+bWH-d' },
    ...overrides,
  });

  it('creates the doc example: 201, #users/$entity, the default property set', async () => {
    const created = (await harness().sdk().api('/users').post(newUser())) as Record<string, unknown>;
    expect(contextFragment(created)).toBe('#users/$entity');
    expect(propertyNames(created)).toEqual([...DEFAULT_USER_PROPERTIES].sort());
    expect(created.id).toMatch(GUID);
    expect(created.userPrincipalName).toBe('AdeleV@contoso.com');
    const raw = await harness().raw('POST', '/users', { body: newUser({ userPrincipalName: 'adele2@contoso.com', mailNickname: 'adele2' }) });
    expect(raw.status).toBe(201);
    const read = (await harness().sdk().api(`/users/${String(created.id)}`).select(['usageLocation', 'accountEnabled', 'mailNickname']).get()) as Record<string, unknown>;
    expect(read).toMatchObject({ usageLocation: 'US', accountEnabled: true, mailNickname: 'AdeleV' });
  });

  it('refuses a UPN held by an active user: ObjectConflict on userPrincipalName (§5, contract 12)', async () => {
    const message = conflictMessage('userPrincipalName');
    await expectSdkError(harness().sdk().api('/users').post(newUser({ userPrincipalName: 'bob@contoso.com', mailNickname: 'bob2' })), {
      status: 400,
      code: 'Request_BadRequest',
      message,
      details: [{ code: 'ObjectConflict', message, target: 'userPrincipalName' }],
    });
  });

  it('checks the UPN against active users only: a soft-deleted user’s original UPN is free (§5)', async () => {
    // dave@contoso.com belongs to the soft-deleted Dave, whose UPN now carries the id prefix (§1).
    const created = (await harness().sdk().api('/users').post(newUser({ userPrincipalName: 'dave@contoso.com', mailNickname: 'dvisser2', displayName: 'Dave II' }))) as Record<string, unknown>;
    expect(created.userPrincipalName).toBe('dave@contoso.com');
  });

  // docs/graph-behaviour.md §5: "check mail, mailNickname-derived addresses and proxyAddresses against active and
  // soft-deleted users" — re-creating a deleted user's alias while it is in the recycle bin is the
  // documented common cause of "proxyAddresses already exists".
  it('refuses a mailNickname whose address a soft-deleted user still reserves (§5)', async () => {
    const message = conflictMessage('proxyAddresses');
    await expectSdkError(harness().sdk().api('/users').post(newUser({ userPrincipalName: 'dave@contoso.com', mailNickname: 'dave', displayName: 'Dave II' })), {
      status: 400,
      code: 'Request_BadRequest',
      message,
    });
  });

  // docs/graph-behaviour.md §5 errors table: "Mail or proxy address already taken, including by a soft-deleted user"
  // → proxyAddresses conflict. The emulator refuses `mail` on create as read-only ("Property 'mail' is
  // read-only and cannot be set."), so the reservation is never reached (§4 also treats mail as writable:
  // "Changing mail recomputes proxyAddresses").
  it('refuses a mail address a soft-deleted user still reserves, with the proxyAddresses conflict (§5)', async () => {
    const response = await harness().raw('POST', '/users', { body: newUser({ userPrincipalName: 'dave.visser@contoso.com', mailNickname: 'dave.visser', mail: 'dave@contoso.com' }) });
    const message = conflictMessage('proxyAddresses');
    const error = expectRawError(response, { status: 400, code: 'Request_BadRequest', message });
    expect((error.details as unknown[])[0]).toEqual({ code: 'ObjectConflict', message, target: 'proxyAddresses' });
  });

  it('refuses an unverified UPN domain: InvalidValue on userPrincipalName', async () => {
    const message = 'The domain portion of the userPrincipalName property is invalid. You must use one of the verified domain names in your organization.';
    await expectSdkError(harness().sdk().api('/users').post(newUser({ userPrincipalName: 'adele@fabrikam.com' })), {
      status: 400,
      code: 'Request_BadRequest',
      message,
      details: [{ code: 'InvalidValue', message, target: 'userPrincipalName' }],
    });
  });

  it.each(['adele vance@contoso.com', 'adele%vance@contoso.com', 'adele(v)@contoso.com'])('refuses invalid UPN characters (%s): InvalidCharacter', async (upn) => {
    const response = await harness().raw('POST', '/users', { body: newUser({ userPrincipalName: upn }) });
    const error = expectRawError(response, { status: 400, code: 'Request_BadRequest', message: 'Property userPrincipalName is invalid.' });
    expect(error.details).toEqual([expect.objectContaining({ code: 'InvalidCharacter', target: 'userPrincipalName' })]);
  });

  it("accepts every character the UPN rules allow: A–Z a–z 0–9 ' . - _ ! # ^ ~", async () => {
    const upn = "O'Neil.a-b_c!d#e^f~g9@contoso.com";
    const created = (await harness().sdk().api('/users').post(newUser({ userPrincipalName: upn, mailNickname: 'oneil' }))) as Record<string, unknown>;
    expect(created.userPrincipalName).toBe(upn);
  });

  it.each(['accountEnabled', 'displayName', 'mailNickname', 'userPrincipalName'])('refuses a user without the required %s: 400 Request_BadRequest', async (property) => {
    // docs/graph-behaviour.md lists the required properties but gives no text for these cases.
    const body = Object.fromEntries(Object.entries(newUser()).filter(([key]) => key !== property));
    await expectSdkError(harness().sdk().api('/users').post(body), { status: 400, code: 'Request_BadRequest' });
  });

  // docs/graph-behaviour.md §4 properties table: mailNickname is "Required on create; at most 64 characters" (no
  // error text given). The emulator creates the user with a 65-character mailNickname (201).
  it('refuses a mailNickname longer than 64 characters: 400 Request_BadRequest (§4)', async () => {
    await expectSdkError(harness().sdk().api('/users').post(newUser({ mailNickname: 'a'.repeat(65) })), { status: 400, code: 'Request_BadRequest' });
    const created = (await harness().sdk().api('/users').post(newUser({ mailNickname: 'a'.repeat(64) }))) as Record<string, unknown>;
    expect(created.id).toMatch(GUID);
  });

  it('refuses a user without a password', async () => {
    const body = newUser();
    delete body.passwordProfile;
    await expectSdkError(harness().sdk().api('/users').post(body), { status: 400, code: 'Request_BadRequest', message: 'A password must be specified to create a new user.' });
  });
});

describe('PATCH /users/{id} (§4, §13)', () => {
  beforeEach(async () => {
    await harness().reseed();
  });

  it('sets usageLocation: 204, then reads back', async () => {
    const response = await harness().raw('PATCH', `/users/${CAROL}`, { body: { usageLocation: 'DE' } });
    expect(response.status).toBe(204);
    expect(response.text).toBe('');
    await harness().sdk().api(`/users/${CAROL}`).patch({ jobTitle: 'Engineer' });
    const read = (await harness().sdk().api(`/users/${CAROL}`).select(['usageLocation', 'jobTitle']).get()) as Record<string, unknown>;
    expect(propertyNames(read)).toEqual(['id', 'jobTitle', 'usageLocation']);
    expect(read).toMatchObject({ id: CAROL, usageLocation: 'DE', jobTitle: 'Engineer' });
  });
});

describe('PATCH and DELETE on a user that does not exist, and read-only proxyAddresses (§4)', () => {
  it('answers 404 Request_ResourceNotFound for PATCH and DELETE of an unknown id', async () => {
    const unknown = '0b1f5a1e-1111-4000-8000-0000000000fe';
    expectRawError(await harness().raw('PATCH', `/users/${unknown}`, { body: { usageLocation: 'NL' } }), { status: 404, code: 'Request_ResourceNotFound', message: NOT_FOUND(unknown) });
    expectRawError(await harness().raw('DELETE', `/users/${unknown}`), { status: 404, code: 'Request_ResourceNotFound', message: NOT_FOUND(unknown) });
  });

  it('refuses to PATCH proxyAddresses ("Read-only in Graph"): 400 Request_BadRequest', async () => {
    expectRawError(await harness().raw('PATCH', `/users/${CAROL}`, { body: { proxyAddresses: ['SMTP:carol2@contoso.com'] } }), { status: 400, code: 'Request_BadRequest' });
  });
});

describe('DELETE /users/{id}: soft delete (§1, §3)', () => {
  beforeEach(async () => {
    await harness().reseed();
  });

  it('answers 204, then the user is absent from /users and /users/{id} is 404', async () => {
    const response = await harness().raw('DELETE', `/users/${CAROL}`);
    expect(response.status).toBe(204);
    await expectSdkError(harness().sdk().api(`/users/${CAROL}`).get(), { status: 404, code: 'Request_ResourceNotFound', message: NOT_FOUND(CAROL) });
    await expectSdkError(harness().sdk().api('/users/carol@contoso.com').get(), { status: 404, code: 'Request_ResourceNotFound', message: NOT_FOUND('carol@contoso.com') });
    const list = (await harness().sdk().api('/users').get()) as Collection;
    expect(ids(list)).not.toContain(CAROL);
    const filtered = (await harness().sdk().api('/users').filter("userPrincipalName eq 'carol@contoso.com'").get()) as Collection;
    expect(filtered.value).toEqual([]);
  });

  it('prefixes the UPN with the id without hyphens and keeps mail, mailNickname and proxyAddresses (§1)', async () => {
    await harness().sdk().api(`/users/${CAROL}`).delete();
    const deleted = (await harness().sdk().api(`/directory/deletedItems/${CAROL}`).select(['id', 'userPrincipalName', 'mail', 'mailNickname', 'proxyAddresses', 'deletedDateTime']).get()) as Record<string, unknown>;
    expect(deleted).toMatchObject({
      id: CAROL,
      userPrincipalName: '0b1f5a1e111140008000000000000003carol@contoso.com',
      mail: 'carol@contoso.com',
      mailNickname: 'carol',
      proxyAddresses: ['SMTP:carol@contoso.com'],
      deletedDateTime: '2026-11-22T00:00:00Z',
    });
  });
});
