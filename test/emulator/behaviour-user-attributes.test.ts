/**
 * Behaviour tests for a user's profile properties (docs/graph-behaviour.md §17) and the `Date` header
 * (§20), over real HTTP: PATCH and POST with Graph's checks (null unsets, an empty string and a value past
 * the documented maximum length are 400 InvalidValue, at most one business phone), `$select`, the seed
 * and the state dump.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { loadSeed, SeedError } from '../../src/emulator/directory/seed.ts';
import { dumpState } from '../../src/emulator/directory/state.ts';
import type { Collection } from '../support/emulator.ts';
import { BOB, CAROL, contoso, DEFAULT_USER_PROPERTIES, expectRawError, FIXTURE_NOW, propertyNames, READER, useHarness, userIn } from '../support/emulator.ts';

const harness = useHarness();

const SELECT = 'givenName,surname,jobTitle,department,companyName,officeLocation,employeeId,employeeType,city,country,mobilePhone,businessPhones,displayName';

const FULL = {
  givenName: 'Bob',
  surname: 'de Vries',
  jobTitle: 'Engineer',
  department: 'Platform',
  companyName: 'Contoso',
  officeLocation: 'Amsterdam 4.12',
  employeeId: 'E1001',
  employeeType: 'Employee',
  city: 'Amsterdam',
  country: 'Netherlands',
  mobilePhone: '+31 6 1234 5678',
  businessPhones: ['+31 20 123 4567'],
  displayName: 'Bob de Vries',
};

const INVALID = (property: string): string => `Invalid value specified for property '${property}' of resource 'User'.`;

function invalidValue(property: string): { status: number; code: string; message: string; details: unknown[] } {
  return { status: 400, code: 'Request_BadRequest', message: INVALID(property), details: [{ code: 'InvalidValue', message: INVALID(property), target: property }] };
}

async function readBob(): Promise<Record<string, unknown>> {
  const response = await harness().raw('GET', `/users/${BOB}?$select=${SELECT}`);
  expect(response.status, response.text).toBe(200);
  return response.json ?? {};
}

beforeEach(async () => {
  await harness().reseed();
});

describe('PATCH /users/{id}: profile properties (§17)', () => {
  it('sets every profile property, and $select returns them', async () => {
    const response = await harness().raw('PATCH', `/users/${BOB}`, { body: FULL });
    expect(response.status, response.text).toBe(204);
    expect(await readBob()).toMatchObject({ id: BOB, ...FULL });
  });

  it('returns businessPhones, mobilePhone and officeLocation in the default property set, the others only on $select', async () => {
    await harness().raw('PATCH', `/users/${BOB}`, { body: FULL });
    const plain = (await harness().raw('GET', `/users/${BOB}`)).json ?? {};
    expect(propertyNames(plain)).toEqual([...DEFAULT_USER_PROPERTIES].sort());
    expect(plain).toMatchObject({ businessPhones: FULL.businessPhones, mobilePhone: FULL.mobilePhone, officeLocation: FULL.officeLocation, jobTitle: FULL.jobTitle });
    for (const hidden of ['department', 'companyName', 'employeeId', 'employeeType', 'city', 'country']) expect(plain, hidden).not.toHaveProperty(hidden);
    const listed = (await harness().raw('GET', '/users?$select=department,employeeId')).json as unknown as Collection;
    expect(listed.value.find((u) => u.id === BOB)).toEqual({ department: 'Platform', employeeId: 'E1001', id: BOB });
  });

  it('refuses null for businessPhones (a collection that is not nullable in the CSDL): it is emptied with []', async () => {
    expectRawError(await harness().raw('PATCH', `/users/${BOB}`, { body: { businessPhones: null } }), invalidValue('businessPhones'));
  });

  it('unsets with null ([] for businessPhones) and leaves properties not named alone', async () => {
    await harness().raw('PATCH', `/users/${BOB}`, { body: FULL });
    const response = await harness().raw('PATCH', `/users/${BOB}`, { body: { jobTitle: null, department: null, businessPhones: [], mobilePhone: null } });
    expect(response.status, response.text).toBe(204);
    expect(await readBob()).toMatchObject({ jobTitle: null, department: null, businessPhones: [], mobilePhone: null, city: 'Amsterdam', employeeId: 'E1001' });
  });

  it('refuses an empty string as Graph does (send null to unset)', async () => {
    expectRawError(await harness().raw('PATCH', `/users/${BOB}`, { body: { givenName: '' } }), invalidValue('givenName'));
  });

  it('refuses a null or empty displayName: it cannot be cleared', async () => {
    expectRawError(await harness().raw('PATCH', `/users/${BOB}`, { body: { displayName: null } }), invalidValue('displayName'));
    expectRawError(await harness().raw('PATCH', `/users/${BOB}`, { body: { displayName: '' } }), invalidValue('displayName'));
  });

  it.each([
    ['displayName', 256],
    ['givenName', 64],
    ['surname', 64],
    ['jobTitle', 128],
    ['department', 64],
    ['companyName', 64],
    ['employeeId', 16],
    ['city', 128],
    ['country', 128],
    ['mobilePhone', 64],
  ])('%s: accepts %i characters, refuses one more (the user resource page)', async (property, max) => {
    expect((await harness().raw('PATCH', `/users/${BOB}`, { body: { [property]: 'x'.repeat(max) } })).status).toBe(204);
    expectRawError(await harness().raw('PATCH', `/users/${BOB}`, { body: { [property]: 'y'.repeat(max + 1) } }), invalidValue(property));
    expect((await readBob())[property]).toBe('x'.repeat(max));
  });

  it('refuses more than one business phone, and a refused PATCH changes nothing', async () => {
    expectRawError(await harness().raw('PATCH', `/users/${BOB}`, { body: { jobTitle: 'Lead', businessPhones: ['+31 20 1', '+31 20 2'] } }), invalidValue('businessPhones'));
    expect(await readBob()).toMatchObject({ jobTitle: null, businessPhones: [] });
  });

  it('refuses a value of the wrong type', async () => {
    expectRawError(await harness().raw('PATCH', `/users/${BOB}`, { body: { city: 42 } }), invalidValue('city'));
    expectRawError(await harness().raw('PATCH', `/users/${BOB}`, { body: { businessPhones: '+31 20 1' } }), invalidValue('businessPhones'));
  });

  it('needs User.ReadWrite.All: a reader gets 403', async () => {
    expectRawError(await harness().raw('PATCH', `/users/${BOB}`, { app: READER, body: { jobTitle: 'Lead' } }), { status: 403, code: 'Authorization_RequestDenied' });
  });
});

describe('POST /users: profile properties (§17)', () => {
  const base = { accountEnabled: true, mailNickname: 'dana', userPrincipalName: 'dana@contoso.com', passwordProfile: { password: 'x-Strong-1!', forceChangePasswordNextSignIn: true } };

  it('creates a user with its profile properties', async () => {
    const { displayName: _name, ...profile } = FULL;
    const response = await harness().raw('POST', '/users', { body: { ...base, displayName: 'Dana', ...profile } });
    expect(response.status, response.text).toBe(201);
    const id = String(response.json?.id);
    const read = (await harness().raw('GET', `/users/${id}?$select=${SELECT}`)).json;
    expect(read).toMatchObject({ ...profile, displayName: 'Dana' });
  });

  it('keeps forceChangePasswordNextSignIn (true unless the request says false), never the password; the dump loads back', async () => {
    const made = await harness().raw('POST', '/users', { body: { ...base, displayName: 'Dana' } });
    expect(made.status, made.text).toBe(201);
    const relaxed = await harness().raw('POST', '/users', { body: { ...base, mailNickname: 'eve', userPrincipalName: 'eve@contoso.com', displayName: 'Eve', passwordProfile: { password: 'x-Strong-2!', forceChangePasswordNextSignIn: false } } });
    expect(relaxed.status, relaxed.text).toBe(201);
    const state = (await harness().control('GET', 'state')).json as { users: Record<string, unknown>[] };
    const dana = state.users.find((u) => u.userPrincipalName === 'dana@contoso.com');
    expect(dana?.passwordProfile).toEqual({ forceChangePasswordNextSignIn: true });
    expect(state.users.find((u) => u.userPrincipalName === 'eve@contoso.com')?.passwordProfile).toBeUndefined();
    expect(JSON.stringify(state)).not.toContain('x-Strong');
    const reloaded = dumpState(loadSeed({ ...state, apps: contoso().apps }));
    expect((reloaded.users as Record<string, unknown>[]).find((u) => u.userPrincipalName === 'dana@contoso.com')?.passwordProfile).toEqual({ forceChangePasswordNextSignIn: true });
  });

  it('checks them as PATCH does, and creates nothing when one is refused', async () => {
    expectRawError(await harness().raw('POST', '/users', { body: { ...base, displayName: 'Dana', department: 'd'.repeat(65) } }), invalidValue('department'));
    expect((await harness().raw('GET', '/users/dana@contoso.com')).status).toBe(404);
  });
});

describe('seed and state dump (§17)', () => {
  it('loads profile properties from the seed and dumps them back', async () => {
    await harness().reseed(
      contoso((draft) => {
        Object.assign(userIn(draft, CAROL), { department: 'Sales', businessPhones: ['+31 20 7'], employeeId: 'C7' });
      }),
    );
    const carol = (await harness().raw('GET', `/users/${CAROL}?$select=department,businessPhones,employeeId,city`)).json;
    expect(carol).toMatchObject({ department: 'Sales', businessPhones: ['+31 20 7'], employeeId: 'C7', city: null });
    const state = (await harness().control('GET', 'state')).json as { users: Record<string, unknown>[] };
    expect(state.users.find((u) => u.id === CAROL)).toMatchObject({ department: 'Sales', businessPhones: ['+31 20 7'], employeeId: 'C7', city: null });
    // The dump loads back as a seed (with the app secrets it never dumps), the properties intact.
    const reloaded = dumpState(loadSeed({ ...state, apps: contoso().apps }));
    expect((reloaded.users as Record<string, unknown>[]).find((u) => u.id === CAROL)).toMatchObject({ department: 'Sales', employeeId: 'C7' });
  });

  it.each([
    ['jobTitle', 'x'.repeat(129), 'users[2].jobTitle'],
    ['employeeId', 'x'.repeat(17), 'users[2].employeeId'],
    ['businessPhones', ['1', '2'], 'users[2].businessPhones'],
  ])('refuses a seed whose %s breaks Graph’s rule, naming the field', (property, value, field) => {
    const seed = contoso((draft) => {
      Object.assign(userIn(draft, CAROL), { [property]: value });
    });
    expect(() => loadSeed(seed)).toThrow(SeedError);
    try {
      loadSeed(seed);
    } catch (error) {
      expect((error as SeedError).field).toBe(field);
    }
  });
});

describe('the Date header: the directory clock (§20)', () => {
  it('dates every answer by the directory clock, not the machine’s, in RFC 7231 form', async () => {
    const expected = new Date(FIXTURE_NOW).toUTCString();
    expect(expected).toBe('Sun, 22 Nov 2026 00:00:00 GMT');
    expect((await harness().raw('GET', `/users/${BOB}`)).headers.get('date')).toBe(expected);
    // Errors, unauthenticated calls, batches and controls too.
    expect((await harness().raw('GET', '/users/nobody@contoso.com')).headers.get('date')).toBe(expected);
    expect((await harness().raw('GET', '/users', { app: null })).headers.get('date')).toBe(expected);
    expect((await harness().raw('POST', '/$batch', { body: { requests: [{ id: '1', method: 'GET', url: `/users/${BOB}` }] } })).headers.get('date')).toBe(expected);
    expect((await harness().control('GET', 'health')).headers.get('date')).toBe(expected);
  });

  it('follows the clock when it is moved', async () => {
    await harness().setClock('2026-12-24T13:45:30Z');
    expect((await harness().raw('GET', `/users/${BOB}`)).headers.get('date')).toBe('Thu, 24 Dec 2026 13:45:30 GMT');
    const moved = await harness().control('POST', 'clock', { now: '2027-01-02T03:04:05Z' });
    expect(moved.headers.get('date')).toBe('Sat, 02 Jan 2027 03:04:05 GMT');
  });
});
