import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GraphError } from '../../src/emulator/graph-api/errors.ts';
import { RESTORE_PARAMETERS } from '../../src/emulator/graph-api/routes-directory.ts';
import { parseAssignLicenseBody } from '../../src/emulator/graph-api/routes-users.ts';
import type { RunningEmulator } from '../../src/emulator/server.ts';
import { startEmulator } from '../../src/emulator/server.ts';
import type { Seed, SeedUser } from '../../src/emulator/directory/model.ts';
import { PERMISSIONS } from '../../src/emulator/graph-api/permissions.ts';
import type { CsdlAction, CsdlSchema } from '../support/csdl.ts';
import {
  checkCollectionResponse,
  checkJsonAgainstType,
  checkValueAgainstTypeReference,
  checkValueResponse,
  collectionItemType,
  loadCsdl,
} from '../support/csdl.ts';
import { contosoSeed, tokenFor } from '../support/seeds.ts';

/*
 * Conformance against Microsoft's own schema: every object the emulator returns is checked
 * against `test/fixtures/graph/v1.0-Prod.csdl` (property names, types, nullability, enum members),
 * and the parameters of `restore` and `assignLicense` against the CSDL's bound actions. Nothing
 * here lists Graph properties by hand: the user properties the emulator returns are discovered by
 * asking it for each property of the CSDL's user type, one `$select` at a time.
 */

type Json = Record<string, unknown>;

interface Reply {
  readonly status: number;
  readonly body: unknown;
}

function isJson(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function objectOf(value: unknown, what: string): Json {
  if (!isJson(value)) throw new Error(`${what}: expected a JSON object, got ${JSON.stringify(value)}`);
  return value;
}

function valuesOf(reply: Reply, what: string): Json[] {
  const value = objectOf(reply.body, what).value;
  if (!Array.isArray(value)) throw new Error(`${what}: no value array in ${JSON.stringify(reply.body)}`);
  return value.map((item, i) => objectOf(item, `${what} value[${i}]`));
}

function first<T>(items: readonly T[], what: string): T {
  const item = items[0];
  if (item === undefined) throw new Error(`${what}: empty`);
  return item;
}

/** A copy of `json` with one key renamed, in the same position. */
function renameKey(json: Json, from: string, to: string): Json {
  if (!(from in json)) throw new Error(`renameKey: no ${from} in ${JSON.stringify(json)}`);
  return Object.fromEntries(Object.entries(json).map(([key, value]) => [key === from ? to : key, value]));
}

/** Sorted, for order-free comparison. */
function sorted(names: Iterable<string>): string[] {
  return [...names].sort();
}

/** The keys of a user object that are properties (not `@…` annotations). */
function propertyKeys(json: Json): string[] {
  return Object.keys(json).filter((key) => !key.includes('@'));
}

/** Addresses as the directory compares them: lower case, without `smtp:`. */
function addressKeys(user: SeedUser): string[] {
  const keys = (user.proxyAddresses ?? []).map((address) => address.toLowerCase().replace(/^smtp:/u, ''));
  if (user.mail) keys.push(user.mail.toLowerCase());
  return keys;
}

// ---------------------------------------------------------------------------------------------
// Values generated from CSDL types, to probe the emulator's action parameters.

const SAMPLE_GUID = '00000000-0000-4000-8000-0000000000a1';

/** A value of a CSDL type, every property filled in. */
function sampleOf(schema: CsdlSchema, type: string): unknown {
  const item = collectionItemType(type);
  if (item !== undefined) return [sampleOf(schema, item)];
  const primitives: Record<string, unknown> = {
    'Edm.String': 'sample@contoso.com',
    'Edm.Boolean': true,
    'Edm.Guid': SAMPLE_GUID,
    'Edm.Int32': 1,
    'Edm.Int64': 1,
    'Edm.Int16': 1,
    'Edm.Byte': 1,
    'Edm.Double': 1.5,
    'Edm.Single': 1.5,
    'Edm.Decimal': 1.5,
    'Edm.DateTimeOffset': '2026-01-01T00:00:00Z',
    'Edm.Date': '2026-01-01',
    'Edm.TimeOfDay': '08:00:00.0000000',
    'Edm.Duration': 'PT1H',
    'Edm.Binary': 'AAEC',
    'Edm.Stream': 'https://graph.microsoft.com/v1.0/$value',
  };
  if (type in primitives) return primitives[type];
  const enumType = schema.enumType(type);
  if (enumType) return first([...enumType.members], type);
  const structured = schema.structuredType(type);
  if (structured) {
    // An abstract type has no instances: use a concrete type derived from it, named by @odata.type.
    const concrete = structured.abstract ? [...schema.structuredTypes.values()].find((t) => !t.abstract && schema.isDerivedFrom(t.fullName, structured.fullName)) : structured;
    if (!concrete) throw new Error(`no concrete type derives from ${type}`);
    const properties = [...schema.properties(concrete.fullName).values()].filter((p) => !p.navigation).map((p) => [p.name, sampleOf(schema, p.type)] as const);
    return Object.fromEntries([...(concrete === structured ? [] : [['@odata.type', `#${concrete.fullName}`] as const]), ...properties]);
  }
  throw new Error(`no sample for ${type}`);
}

/** Values the CSDL type does not allow (null aside), each with what is wrong with it. */
function invalidSamplesOf(schema: CsdlSchema, type: string, label: string): { readonly what: string; readonly value: unknown }[] {
  const item = collectionItemType(type);
  if (item !== undefined) {
    return [{ what: `${label} as an object`, value: {} }, ...invalidSamplesOf(schema, item, `${label}[0]`).map(({ what, value }) => ({ what, value: [value] }))];
  }
  const primitives: Record<string, unknown[]> = {
    'Edm.String': [42],
    'Edm.Boolean': ['true', 1],
    'Edm.Guid': ['not-a-guid', 42],
    'Edm.Int32': ['1', 1.5],
    'Edm.Int64': ['1', 1.5],
  };
  const bad = primitives[type];
  if (bad) return bad.map((value) => ({ what: `${label} = ${JSON.stringify(value)}`, value }));
  if (schema.enumType(type)) return [{ what: `${label} = "notAMember"`, value: 'notAMember' }];
  if (schema.structuredType(type)) {
    const valid = objectOf(sampleOf(schema, type), type);
    const perProperty = [...schema.properties(type).values()]
      .filter((p) => !p.navigation)
      .flatMap((p) => invalidSamplesOf(schema, p.type, `${label}.${p.name}`).map(({ what, value }) => ({ what, value: { ...valid, [p.name]: value } })));
    return [{ what: `${label} as a string`, value: 'not-an-object' }, ...perProperty];
  }
  throw new Error(`no invalid samples for ${type}`);
}

/** 400 etc. when the emulator refuses, `accepted` when it does not. */
function graphErrorStatus(run: () => unknown): number | string {
  try {
    run();
    return 'accepted';
  } catch (error) {
    return error instanceof GraphError ? error.status : `threw ${String(error)}`;
  }
}

function graphErrorMessage(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof GraphError) return error.message;
    throw error;
  }
  throw new Error('expected the emulator to refuse the body');
}

/** The fixture tenant, its first app also granted the least role for `GET /organization` (the fixture's apps lack it). */
function seedThatMayReadEverything(): Seed {
  const base = contosoSeed();
  const [app, ...others] = base.apps;
  const organizationRole = PERMISSIONS['organization.get'][0];
  if (!app || organizationRole === undefined) throw new Error('the seed has no app, or organization.get no role');
  return { ...base, apps: [{ ...app, roles: [...app.roles, organizationRole] }, ...others] };
}

// ---------------------------------------------------------------------------------------------

describe('the emulator against Microsoft Graph v1.0 CSDL (test/fixtures/graph/v1.0-Prod.csdl)', () => {
  const seed = seedThatMayReadEverything();
  let emulator: RunningEmulator;
  let token = '';

  // Nothing below runs in a hook but starting the emulator: each piece of work (parsing the CSDL,
  // discovering the user properties, reading the fixture's users) is done once, by the first test
  // that needs it, and kept for the others.

  let parsed: CsdlSchema | undefined;
  /** The vendored CSDL (loadCsdl parses it once per process). */
  function schema(): CsdlSchema {
    if (!parsed) {
      parsed = loadCsdl();
      const { readMs, parseMs, modelMs } = parsed.timings;
      console.info(`CSDL read and parsed: read ${readMs.toFixed(0)} ms, XML ${parseMs.toFixed(0)} ms, model ${modelMs.toFixed(0)} ms`);
    }
    return parsed;
  }

  /** CSDL user properties (structural), in CSDL order. */
  const csdlUserProperties = (): string[] => [...schema().properties('graph.user').values()].filter((p) => !p.navigation).map((p) => p.name);

  async function call(method: string, path: string, body?: unknown): Promise<Reply> {
    const response = await fetch(`${emulator.url}/v1.0${path}`, {
      method,
      headers: { Authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: text === '' ? undefined : (JSON.parse(text) as unknown) };
  }

  async function get(path: string): Promise<Reply> {
    const reply = await call('GET', path);
    if (reply.status !== 200) throw new Error(`GET ${path}: ${reply.status} ${JSON.stringify(reply.body)}`);
    return reply;
  }

  let activeUsers: Promise<Json[]> | undefined;
  /** Active users, from the default `GET /users` (read before any test changes the tenant). */
  const users = (): Promise<Json[]> => (activeUsers ??= get('/users').then((reply) => valuesOf(reply, 'GET /users')));

  /** One `$select` of one property: the status, and what is wrong with a 200 answer. */
  interface Probe {
    readonly path: string;
    readonly status: number;
    readonly problems: readonly string[];
  }

  /** Asks for one property; a 200 answer must show it, under its own name, on every object it returns. */
  async function probe(name: string, path: string): Promise<Probe> {
    const reply = await call('GET', path);
    if (reply.status !== 200) return { path, status: reply.status, problems: [] };
    const body = objectOf(reply.body, path);
    const objects = Array.isArray(body.value) ? body.value.map((item, i) => objectOf(item, `${path} value[${i}]`)) : [body];
    const problems = objects.length === 0 ? [`${path}: no object came back to show ${name}`] : [];
    for (const object of objects) if (!(name in object)) problems.push(`${path}: answered 200 without ${name} (keys: ${propertyKeys(object).join(', ')})`);
    return { path, status: reply.status, problems };
  }

  interface Discovery {
    readonly probes: readonly Probe[];
    /** User properties that `GET /users?$select=X` returns (200). */
    readonly inCollection: readonly string[];
    /** User properties that `GET /users/{id}?$select=X` returns (200). */
    readonly onEntity: readonly string[];
  }

  let discovery: Promise<Discovery> | undefined;
  /** The user properties the emulator returns: each CSDL property asked for alone, of the collection and of one user. */
  function discovered(): Promise<Discovery> {
    discovery ??= (async () => {
      const someone = String(first(await users(), 'GET /users').id);
      const probes: Probe[] = [];
      const inCollection: string[] = [];
      const onEntity: string[] = [];
      for (const name of csdlUserProperties()) {
        const inList = await probe(name, `/users?$select=${name}`);
        const onOne = await probe(name, `/users/${someone}?$select=${name}`);
        probes.push(inList, onOne);
        if (inList.status === 200) inCollection.push(name);
        if (onOne.status === 200) onEntity.push(name);
      }
      return { probes, inCollection, onEntity };
    })();
    return discovery;
  }
  const inCollection = async (): Promise<readonly string[]> => (await discovered()).inCollection;
  const onEntity = async (): Promise<readonly string[]> => (await discovered()).onEntity;

  beforeAll(async () => {
    emulator = await startEmulator({ seed });
    token = await tokenFor(emulator.url, seed);
  });

  afterAll(async () => {
    await emulator?.close();
  });

  describe('the CSDL model', () => {
    it('parses once, resolving the aliases the file declares', () => {
      const csdl = schema();
      expect(loadCsdl()).toBe(csdl);
      expect(csdl.namespaces.get('microsoft.graph')).toBe('graph');
      expect(csdl.resolveTypeName('graph.user')).toBe('microsoft.graph.user');
      expect(csdl.resolveTypeName('Collection(graph.assignedLicense)')).toBe('Collection(microsoft.graph.assignedLicense)');
      expect(csdl.structuredType('graph.user')).toBe(csdl.structuredType('microsoft.graph.user'));
      // Other schemas have types of the same short name: they stay apart.
      expect(csdl.structuredType('microsoft.graph.termStore.group')?.fullName).toBe('microsoft.graph.termStore.group');
      expect(csdl.structuredType('microsoft.graph.termStore.group')).not.toBe(csdl.structuredType('microsoft.graph.group'));
      expect(csdl.unresolvedReferences()).toEqual([]);
    });

    it('resolves BaseType chains: user → directoryObject → entity', () => {
      const csdl = schema();
      expect(csdl.baseChain('graph.user').map((t) => t.fullName)).toEqual(['microsoft.graph.user', 'microsoft.graph.directoryObject', 'microsoft.graph.entity']);
      const properties = csdl.properties('graph.user');
      expect(properties.get('id')?.declaredBy).toBe('microsoft.graph.entity');
      expect(properties.get('deletedDateTime')?.declaredBy).toBe('microsoft.graph.directoryObject');
      expect(properties.get('assignedLicenses')).toMatchObject({ type: 'Collection(microsoft.graph.assignedLicense)', nullable: false, navigation: false });
      expect(csdl.isDerivedFrom('graph.user', 'graph.directoryObject')).toBe(true);
      expect(csdl.isDerivedFrom('graph.subscribedSku', 'graph.directoryObject')).toBe(false);
    });

    it('reads bound actions by name and binding type, without bindingParameter', () => {
      const csdl = schema();
      const restore = csdl.boundAction('restore', 'graph.directoryObject');
      expect(restore?.parameters.map((p) => p.name)).not.toContain('bindingParameter');
      expect(restore?.returnType).toBe('microsoft.graph.directoryObject');
      expect(csdl.boundAction('restore', 'microsoft.graph.directoryObject')).toBe(restore);
      expect(csdl.boundAction('assignLicense', 'graph.user')).not.toBe(csdl.boundAction('assignLicense', 'graph.group'));
    });
  });

  describe('the checker (self-test: a misspelled or mistyped property is caught)', () => {
    // Copies of real responses, each broken in one way. Only the problems a change introduces are
    // compared, so these tests fail when the checker misses a mistake, not when the emulator has one
    // (the response tests below report those).
    let userRead: Promise<Json> | undefined;
    /** A real user, with every property the emulator returns for one user. */
    const readRealUser = (): Promise<Json> => (userRead ??= (async () => objectOf((await get(`/users/${String(first(await users(), 'users').id)}?$select=${(await onEntity()).join(',')}`)).body, 'user'))());
    let skusRead: Promise<Json> | undefined;
    const readRealSkus = (): Promise<Json> => (skusRead ??= get('/subscribedSkus').then((reply) => objectOf(reply.body, 'subscribedSkus')));
    let mailboxRead: Promise<Json> | undefined;
    /** The mailbox settings of the first user with a mailbox. */
    const readRealMailbox = (): Promise<Json> => (mailboxRead ??= (async () => {
      for (const someone of await users()) {
        const reply = await call('GET', `/users/${String(someone.id)}/mailboxSettings`);
        if (reply.status === 200) return objectOf(reply.body, 'mailboxSettings');
      }
      throw new Error('users with a mailbox: empty');
    })());

    /** The problems `check` finds in `broken` and not in `original`. */
    function introduced(original: unknown, broken: unknown, check: (json: unknown) => string[]): string[] {
      const before = new Set(check(original));
      return check(broken).filter((problem) => !before.has(problem));
    }

    const asUser = (json: unknown): string[] => checkJsonAgainstType(json, 'graph.user');

    it('fails when userPrincipalName is misspelled userPrincipleName', async () => {
      const realUser = await readRealUser();
      expect(introduced(realUser, renameKey(realUser, 'userPrincipalName', 'userPrincipleName'), asUser)).toEqual(['user.userPrincipleName: no such property on microsoft.graph.user']);
    });

    it('fails when a property differs only in case (OData JSON names are case-sensitive)', async () => {
      const realUser = await readRealUser();
      expect(introduced(realUser, renameKey(realUser, 'assignedLicenses', 'AssignedLicenses'), asUser)).toEqual(['user.AssignedLicenses: no such property on microsoft.graph.user']);
    });

    it.each([
      { name: 'a boolean as a string', property: 'accountEnabled', value: 'true', problem: 'user.accountEnabled: string is not compatible with Edm.Boolean' },
      { name: 'a string as a number', property: 'displayName', value: 42, problem: 'user.displayName: number is not compatible with Edm.String' },
      { name: 'a collection as a single value', property: 'proxyAddresses', value: 'SMTP:x@contoso.com', problem: 'user.proxyAddresses: string is not compatible with Collection(Edm.String)' },
      { name: 'null where Nullable="false"', property: 'assignedLicenses', value: null, problem: 'user.assignedLicenses: null is not allowed (Nullable="false", Collection(microsoft.graph.assignedLicense))' },
      { name: 'a badly formed DateTimeOffset', property: 'createdDateTime', value: '2026-11-22 10:00:00', problem: 'user.createdDateTime: string "2026-11-22 10:00:00" is not a valid Edm.DateTimeOffset' },
      { name: 'an impossible date', property: 'createdDateTime', value: '2026-02-30T10:00:00Z', problem: 'user.createdDateTime: string "2026-02-30T10:00:00Z" is not a valid Edm.DateTimeOffset' },
      { name: 'a bad GUID inside a complex collection', property: 'assignedLicenses', value: [{ skuId: 'ENTERPRISEPACK', disabledPlans: [] }], problem: 'user.assignedLicenses[0].skuId: string "ENTERPRISEPACK" is not a valid Edm.Guid' },
      { name: 'a misspelled property inside a complex type', property: 'assignedLicenses', value: [{ skuId: SAMPLE_GUID, disabledPlan: [] }], problem: 'user.assignedLicenses[0].disabledPlan: no such property on microsoft.graph.assignedLicense' },
      { name: 'an enum value that is not a member', property: 'mailboxSettings', value: { userPurpose: 'Shared' }, problem: 'user.mailboxSettings.userPurpose: string "Shared" is not a member of microsoft.graph.userPurpose (user, linked, shared, room, equipment, others, unknownFutureValue)' },
      { name: 'an @odata.type that names no type', property: '@odata.type', value: '#microsoft.graph.usr', problem: 'user.@odata.type: "#microsoft.graph.usr" names no entity or complex type in the CSDL' },
      { name: 'an @odata.type that is not derived from the declared type', property: '@odata.type', value: '#microsoft.graph.group', problem: 'user.@odata.type: microsoft.graph.group is not microsoft.graph.user or derived from it' },
      { name: 'an unknown instance annotation', property: '@odata.nextlink', value: 'http://127.0.0.1/x', problem: 'user.@odata.nextlink: not OData control information and not a Term of the CSDL' },
    ])('fails on $name', async ({ property, value, problem }) => {
      const realUser = await readRealUser();
      expect(introduced(realUser, { ...realUser, [property]: value }, asUser)).toEqual([problem]);
    });

    it('checks an object as the type its @odata.type names', async () => {
      const realUser = await readRealUser();
      const asDirectoryObject = { ...realUser, '@odata.type': '#microsoft.graph.user' };
      expect(checkJsonAgainstType(asDirectoryObject, 'graph.directoryObject', { label: 'user' })).toEqual(asUser(realUser));
      expect(checkJsonAgainstType({ ...realUser, userPrincipalName: 'x@contoso.com' }, 'graph.directoryObject', { label: 'directoryObject' })).toContain('directoryObject.userPrincipalName: no such property on microsoft.graph.directoryObject');
    });

    it('fails on a number where the CSDL has Edm.String, and on a fractional Int32, inside a collection response', async () => {
      const realSkus = await readRealSkus();
      const skus = valuesOf({ status: 200, body: realSkus }, 'subscribedSkus');
      const sku = first(skus, 'subscribedSkus');
      const broken = { ...realSkus, value: [{ ...sku, skuPartNumber: 7, consumedUnits: 1.5 }, ...skus.slice(1)] };
      expect(sorted(introduced(realSkus, broken, (json) => checkCollectionResponse(json, 'graph.subscribedSku')))).toEqual([
        'subscribedSku[0].consumedUnits: number 1.5 is not a valid Edm.Int32',
        'subscribedSku[0].skuPartNumber: number is not compatible with Edm.String',
      ]);
    });

    it('fails on a misspelled property inside a nested complex collection (servicePlanInfo)', async () => {
      const realSkus = await readRealSkus();
      const sku = first(valuesOf({ status: 200, body: realSkus }, 'subscribedSkus'), 'subscribedSkus');
      const plans = sku.servicePlans as Json[];
      const broken = { ...sku, servicePlans: [renameKey(first(plans, 'servicePlans'), 'servicePlanName', 'servicePlanNmae'), ...plans.slice(1)] };
      expect(introduced(sku, broken, (json) => checkJsonAgainstType(json, 'graph.subscribedSku'))).toEqual([
        'subscribedSku.servicePlans[0].servicePlanNmae: no such property on microsoft.graph.servicePlanInfo',
      ]);
    });

    it('fails on a TimeOfDay in a bad format (mailboxSettings.workingHours)', async () => {
      const realMailbox = await readRealMailbox();
      const workingHours = objectOf(realMailbox.workingHours, 'workingHours');
      const broken = { ...realMailbox, workingHours: { ...workingHours, startTime: '8am' } };
      expect(introduced(realMailbox, broken, (json) => checkJsonAgainstType(json, 'graph.mailboxSettings'))).toEqual([
        'mailboxSettings.workingHours.startTime: string "8am" is not a valid Edm.TimeOfDay',
      ]);
    });

    it('fails on something other than value and annotations around a collection', async () => {
      const realSkus = await readRealSkus();
      expect(introduced(realSkus, { ...realSkus, values: [] }, (json) => checkCollectionResponse(json, 'graph.subscribedSku'))).toEqual([
        'subscribedSku.values: a response with a value carries nothing else but annotations',
      ]);
    });

    it('passes a payload made from the CSDL itself (every property of user filled in)', () => {
      expect(asUser(sampleOf(schema(), 'microsoft.graph.user'))).toEqual([]);
    });
  });

  describe('discovering the user properties the emulator returns', () => {
    it('asks for every structural property of the CSDL user type, and gets 200, 400 or 501 (never a crash)', async () => {
      const { probes } = await discovered();
      expect(csdlUserProperties().length).toBeGreaterThan(50);
      expect(new Set(probes.map((p) => p.path)).size).toBe(csdlUserProperties().length * 2);
      const unexpected = probes.filter(({ status }) => ![200, 400, 501].includes(status)).map(({ path, status }) => `${path}: ${status}`);
      expect(unexpected).toEqual([]);
    });

    it('finds each selected property in the response under its CSDL name', async () => {
      const { probes, inCollection, onEntity } = await discovered();
      expect(inCollection.length).toBeGreaterThan(0);
      expect(onEntity).toEqual(expect.arrayContaining([...inCollection]));
      expect(probes.flatMap((p) => p.problems)).toEqual([]);
    });

    it('can return every user property the seed sets (a property the emulator renamed would not be found)', async () => {
      const { onEntity } = await discovered();
      const seedProperties = new Set([...seed.users, ...seed.deletedUsers].flatMap((user) => Object.keys(user)));
      expect(sorted([...seedProperties].filter((name) => !csdlUserProperties().includes(name)))).toEqual([]);
      expect(sorted([...seedProperties].filter((name) => !onEntity.includes(name)))).toEqual([]);
    });
  });

  describe('responses', () => {
    it('GET /users (default properties) → Collection(microsoft.graph.user)', async () => {
      const reply = await get('/users');
      expect(valuesOf(reply, 'users').length).toBe(seed.users.length);
      expect(checkCollectionResponse(reply.body, 'graph.user')).toEqual([]);
    });

    it('GET /users?$select=<every property the emulator returns in a collection> → Collection(microsoft.graph.user)', async () => {
      const selected = await inCollection();
      const reply = await get(`/users?$select=${selected.join(',')}`);
      for (const user of valuesOf(reply, 'users')) expect(sorted(propertyKeys(user))).toEqual(sorted(selected));
      expect(checkCollectionResponse(reply.body, 'graph.user')).toEqual([]);
    });

    it('GET /users?$count=true&$top=1 with ConsistencyLevel: eventual (@odata.count, @odata.nextLink) → Collection(microsoft.graph.user)', async () => {
      const response = await fetch(`${emulator.url}/v1.0/users?$count=true&$top=1`, { headers: { Authorization: `Bearer ${token}`, ConsistencyLevel: 'eventual' } });
      const body = (await response.json()) as unknown;
      expect(response.status).toBe(200);
      expect(objectOf(body, 'users')).toHaveProperty('@odata.nextLink');
      expect(checkCollectionResponse(body, 'graph.user')).toEqual([]);
    });

    it('GET /users/{id} for each user → microsoft.graph.user', async () => {
      const problems: string[] = [];
      for (const user of await users()) {
        const path = `/users/${String(user.id)}`;
        problems.push(...checkJsonAgainstType((await get(path)).body, 'graph.user').map((p) => `GET ${path}: ${p}`));
      }
      expect(problems).toEqual([]);
    });

    it('GET /users/{id}?$select=<every property the emulator returns for one user, mailboxSettings too> for each user → microsoft.graph.user', async () => {
      const problems: string[] = [];
      const selected = await onEntity();
      for (const user of await users()) {
        const path = `/users/${String(user.id)}?$select=${selected.join(',')}`;
        const body = objectOf((await get(path)).body, path);
        expect(sorted(propertyKeys(body))).toEqual(sorted(selected));
        problems.push(...checkJsonAgainstType(body, 'graph.user').map((p) => `GET ${path}: ${p}`));
      }
      expect(problems).toEqual([]);
    });

    it('GET /users/{id}/licenseDetails for each user → Collection(microsoft.graph.licenseDetails)', async () => {
      const problems: string[] = [];
      let details = 0;
      for (const user of await users()) {
        const path = `/users/${String(user.id)}/licenseDetails`;
        const reply = await get(path);
        details += valuesOf(reply, path).length;
        problems.push(...checkCollectionResponse(reply.body, 'graph.licenseDetails').map((p) => `GET ${path}: ${p}`));
      }
      expect(details).toBeGreaterThan(0);
      expect(problems).toEqual([]);
    });

    it('GET /users/{id}/mailboxSettings for each user with a mailbox, the shared support@contoso.com too → microsoft.graph.mailboxSettings', async () => {
      const problems: string[] = [];
      const purposes: unknown[] = [];
      for (const user of await users()) {
        const path = `/users/${String(user.id)}/mailboxSettings`;
        const reply = await call('GET', path);
        if (reply.status === 404) continue;
        expect(reply.status).toBe(200);
        purposes.push(objectOf(reply.body, path).userPurpose);
        problems.push(...checkJsonAgainstType(reply.body, 'graph.mailboxSettings').map((p) => `GET ${path}: ${p}`));
      }
      expect(purposes).toContain('shared');
      expect(problems).toEqual([]);
    });

    it('GET /users/{id}/mailboxSettings/userPurpose → the CSDL type of mailboxSettings.userPurpose', async () => {
      const property = schema().properties('graph.mailboxSettings').get('userPurpose');
      if (!property) throw new Error('the CSDL mailboxSettings has no userPurpose');
      const support = (await users()).find((user) => user.userPrincipalName === 'support@contoso.com');
      const reply = await get(`/users/${String(support?.id)}/mailboxSettings/userPurpose`);
      expect(checkValueResponse(reply.body, property.type, { label: 'mailboxSettings.userPurpose' })).toEqual([]);
    });

    it('GET /directory/deletedItems/microsoft.graph.user (default properties) → Collection(microsoft.graph.user)', async () => {
      const reply = await get('/directory/deletedItems/microsoft.graph.user');
      expect(valuesOf(reply, 'deletedItems').length).toBeGreaterThan(0);
      expect(checkCollectionResponse(reply.body, 'graph.user')).toEqual([]);
    });

    it('GET /directory/deletedItems/microsoft.graph.user?$select=<all> → Collection(microsoft.graph.user)', async () => {
      const selected = await inCollection();
      const reply = await get(`/directory/deletedItems/microsoft.graph.user?$select=${selected.join(',')}`);
      for (const user of valuesOf(reply, 'deletedItems')) expect(sorted(propertyKeys(user))).toEqual(sorted(selected));
      expect(checkCollectionResponse(reply.body, 'graph.user')).toEqual([]);
    });

    it('GET /directory/deletedItems/{id}?$select=<all> for each deleted user → microsoft.graph.directoryObject (as its @odata.type)', async () => {
      const problems: string[] = [];
      const selected = await inCollection();
      const deletedUsers = valuesOf(await get('/directory/deletedItems/microsoft.graph.user'), 'deletedItems');
      expect(deletedUsers.length).toBeGreaterThan(0);
      for (const deleted of deletedUsers) {
        const path = `/directory/deletedItems/${String(deleted.id)}?$select=${selected.join(',')}`;
        const body = objectOf((await get(path)).body, path);
        expect(body['@odata.type']).toBeDefined();
        problems.push(...checkJsonAgainstType(body, 'graph.directoryObject').map((p) => `GET ${path}: ${p}`));
      }
      expect(problems).toEqual([]);
    });

    it('GET /subscribedSkus → Collection(microsoft.graph.subscribedSku), with servicePlanInfo and licenseUnitsDetail', async () => {
      const reply = await get('/subscribedSkus');
      const skus = valuesOf(reply, 'subscribedSkus');
      expect(skus.length).toBe(seed.subscribedSkus.length);
      expect(skus.every((sku) => isJson(sku.prepaidUnits) && Array.isArray(sku.servicePlans) && sku.servicePlans.length > 0)).toBe(true);
      expect(checkCollectionResponse(reply.body, 'graph.subscribedSku')).toEqual([]);
    });

    it('GET /organization → Collection(microsoft.graph.organization)', async () => {
      const reply = await get('/organization');
      expect(valuesOf(reply, 'organization').length).toBe(1);
      expect(checkCollectionResponse(reply.body, 'graph.organization')).toEqual([]);
    });

    it('GET /groups (default properties) → Collection(microsoft.graph.group)', async () => {
      const reply = await get('/groups');
      expect(valuesOf(reply, 'groups').length).toBe(seed.groups.length);
      expect(checkCollectionResponse(reply.body, 'graph.group')).toEqual([]);
    });

    it('GET /groups?$select=id,displayName,assignedLicenses → Collection(microsoft.graph.group)', async () => {
      const reply = await get('/groups?$select=id,displayName,assignedLicenses');
      expect(valuesOf(reply, 'groups').every((group) => Array.isArray(group.assignedLicenses))).toBe(true);
      expect(checkCollectionResponse(reply.body, 'graph.group')).toEqual([]);
    });

    it('GET /groups/{id}/members → Collection(microsoft.graph.directoryObject), each as its @odata.type', async () => {
      const problems: string[] = [];
      const selected = await inCollection();
      for (const group of seed.groups) {
        for (const query of ['', `?$select=${selected.join(',')}`]) {
          const path = `/groups/${group.id}/members${query}`;
          const reply = await get(path);
          expect(valuesOf(reply, path).length).toBe(group.members.length);
          problems.push(...checkCollectionResponse(reply.body, 'graph.directoryObject').map((p) => `GET ${path}: ${p}`));
        }
      }
      expect(problems).toEqual([]);
    });

    it('POST /directory/deletedItems/{id}/restore (a deleted user with no conflict in the seed) → microsoft.graph.directoryObject', async () => {
      // Still in the recycle bin (the seed's older deletions are purged at load), and clashing with no active user.
      const inBin = new Set(valuesOf(await get('/directory/deletedItems/microsoft.graph.user?$select=id'), 'deletedItems').map((user) => String(user.id)));
      const activeUpns = new Set(seed.users.map((user) => user.userPrincipalName.toLowerCase()));
      const activeAddresses = new Set(seed.users.flatMap(addressKeys));
      const candidate = seed.deletedUsers.find(
        (user) => inBin.has(user.id) && !activeUpns.has(user.userPrincipalName.toLowerCase()) && !addressKeys(user).some((key) => activeAddresses.has(key)),
      );
      if (!candidate) throw new Error('the seed has no deleted user that restores without a conflict');
      const reply = await call('POST', `/directory/deletedItems/${candidate.id}/restore`);
      expect(reply.status).toBe(200);
      expect(checkJsonAgainstType(reply.body, 'graph.directoryObject')).toEqual([]);
      expect(checkJsonAgainstType(reply.body, schema().boundAction('restore', 'graph.directoryObject')?.returnType ?? 'missing')).toEqual([]);
    });

    it('POST /users/{id}/assignLicense → microsoft.graph.user', async () => {
      const listed = valuesOf(await get('/users?$select=usageLocation,licenseAssignmentStates'), 'users');
      const holder = listed.find((user) => user.usageLocation !== null && Array.isArray(user.licenseAssignmentStates) && user.licenseAssignmentStates.some((s) => isJson(s) && s.assignedByGroup === null));
      if (!holder) throw new Error('no user with a usage location and a direct license');
      const direct = (holder.licenseAssignmentStates as Json[]).find((s) => s.assignedByGroup === null) as Json;
      const reply = await call('POST', `/users/${String(holder.id)}/assignLicense`, { addLicenses: [{ skuId: direct.skuId, disabledPlans: [] }], removeLicenses: [] });
      expect(reply.status).toBe(200);
      expect(checkJsonAgainstType(reply.body, 'graph.user')).toEqual([]);
      expect(checkJsonAgainstType(reply.body, schema().boundAction('assignLicense', 'graph.user')?.returnType ?? 'missing')).toEqual([]);
    });

    it('POST /users → microsoft.graph.user', async () => {
      const domain = first(seed.domains, 'domains');
      const reply = await call('POST', '/users', {
        accountEnabled: true,
        displayName: 'CSDL Probe',
        mailNickname: 'csdl.probe',
        userPrincipalName: `csdl.probe@${domain}`,
        passwordProfile: { password: 'Probe-Passw0rd!' },
      });
      expect(reply.status).toBe(201);
      expect(checkJsonAgainstType(reply.body, 'graph.user')).toEqual([]);
    });
  });

  describe('action parameters', () => {
    const MISSING_DELETED_ID = '00000000-0000-4000-8000-00000000dead';

    function boundAction(name: string, bindingType: string): CsdlAction {
      const action = schema().boundAction(name, bindingType);
      if (!action) throw new Error(`the CSDL lacks ${name} on ${bindingType}`);
      return action;
    }
    const restoreAction = (): CsdlAction => boundAction('restore', 'graph.directoryObject');
    const assignLicenseAction = (): CsdlAction => boundAction('assignLicense', 'graph.user');

    it('restore: RESTORE_PARAMETERS has exactly the CSDL parameters, with their types', () => {
      const restore = restoreAction();
      expect(Object.fromEntries(sorted(Object.keys(RESTORE_PARAMETERS)).map((name) => [name, RESTORE_PARAMETERS[name]]))).toEqual(
        Object.fromEntries(sorted(restore.parameters.map((p) => p.name)).map((name) => [name, restore.parameters.find((p) => p.name === name)?.type])),
      );
    });

    it('restore: the endpoint accepts each CSDL parameter alone and no body at all (all optional in the CSDL), and refuses other names', async () => {
      const restore = restoreAction();
      // An id that is not in the recycle bin: a body the emulator accepts reaches the lookup (404); one it refuses is 400.
      const path = `/directory/deletedItems/${MISSING_DELETED_ID}/restore`;
      expect(restore.parameters.every((p) => p.optional)).toBe(true);
      expect((await call('POST', path)).status).toBe(404);
      expect((await call('POST', path, {})).status).toBe(404);
      for (const parameter of restore.parameters) {
        expect({ parameter: parameter.name, status: (await call('POST', path, { [parameter.name]: sampleOf(schema(), parameter.type) })).status }).toEqual({ parameter: parameter.name, status: 404 });
      }
      expect((await call('POST', path, { newUserPrincipleName: 'x@contoso.com' })).status).toBe(400);
    });

    it('restore: the endpoint refuses values of other types than the CSDL parameter types', async () => {
      const restore = restoreAction();
      const path = `/directory/deletedItems/${MISSING_DELETED_ID}/restore`;
      const outcomes: string[] = [];
      for (const parameter of restore.parameters) {
        for (const { what, value } of invalidSamplesOf(schema(), parameter.type, parameter.name)) {
          expect(checkValueAgainstTypeReference(value, parameter.type, parameter.nullable, parameter.name, schema())).not.toEqual([]);
          outcomes.push(`${what}: ${(await call('POST', path, { [parameter.name]: value })).status}`);
        }
      }
      expect(outcomes.length).toBeGreaterThan(0);
      expect(outcomes.filter((outcome) => !outcome.endsWith(': 400'))).toEqual([]);
    });

    it('assignLicense: the body parser requires exactly the CSDL parameters (derived by probing it)', () => {
      const assignLicense = assignLicenseAction();
      const csdlNames = sorted(assignLicense.parameters.map((p) => p.name));
      expect(assignLicense.parameters.every((p) => !p.optional)).toBe(true);
      // Names the emulator asks for when the body is empty.
      const missing = /The missing parameters are: (.+)\.$/u.exec(graphErrorMessage(() => parseAssignLicenseBody({})))?.[1];
      expect(sorted((missing ?? '').split(',').map((name) => name.trim()))).toEqual(csdlNames);
      // The full CSDL body is accepted; dropping any one parameter, or adding one, is refused.
      const full = Object.fromEntries(assignLicense.parameters.map((p) => [p.name, sampleOf(schema(), p.type)]));
      const parsed = parseAssignLicenseBody(full);
      expect(sorted(Object.keys(parsed))).toEqual(csdlNames);
      for (const parameter of assignLicense.parameters) {
        const without = Object.fromEntries(Object.entries(full).filter(([name]) => name !== parameter.name));
        expect(graphErrorMessage(() => parseAssignLicenseBody(without))).toContain(parameter.name);
      }
      expect(graphErrorMessage(() => parseAssignLicenseBody({ ...full, removeLicence: [] }))).toContain('removeLicence');
    });

    it('assignLicense: parameter types are Collection(graph.assignedLicense) and Collection(Edm.Guid), as the CSDL says', () => {
      const assignLicense = assignLicenseAction();
      expect(Object.fromEntries(assignLicense.parameters.map((p) => [p.name, p.type]))).toEqual({
        addLicenses: schema().resolveTypeName('Collection(graph.assignedLicense)'),
        removeLicenses: 'Collection(Edm.Guid)',
      });
      const full = Object.fromEntries(assignLicense.parameters.map((p) => [p.name, sampleOf(schema(), p.type)]));
      const parsed = parseAssignLicenseBody(full) as Record<string, unknown>;
      for (const parameter of assignLicense.parameters) {
        expect(checkValueAgainstTypeReference(parsed[parameter.name], parameter.type, parameter.nullable, parameter.name, schema())).toEqual([]);
      }
    });

    it('assignLicense: the body parser refuses values of other types than the CSDL parameter types', () => {
      const assignLicense = assignLicenseAction();
      const full = Object.fromEntries(assignLicense.parameters.map((p) => [p.name, sampleOf(schema(), p.type)]));
      const outcomes: string[] = [];
      for (const parameter of assignLicense.parameters) {
        for (const { what, value } of invalidSamplesOf(schema(), parameter.type, parameter.name)) {
          expect(checkValueAgainstTypeReference(value, parameter.type, parameter.nullable, parameter.name, schema())).not.toEqual([]);
          outcomes.push(`${what}: ${graphErrorStatus(() => parseAssignLicenseBody({ ...full, [parameter.name]: value }))}`);
        }
      }
      expect(outcomes.length).toBeGreaterThan(5);
      expect(outcomes.filter((outcome) => !outcome.endsWith(': 400'))).toEqual([]);
    });
  });
});
