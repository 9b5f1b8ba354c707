import { isIsoCountryCode } from '../../domain/countries.ts';
import { isGuid } from '../../domain/guid.ts';
import { hasMailbox } from '../directory/licensing.ts';
import type { AssignedLicense } from '../directory/model.ts';
import type { TenantStore } from '../directory/store.ts';
import type { UserRecord } from '../directory/user-record.ts';
import type { ProfileChanges } from '../directory/profile.ts';
import { fitsLength, MAX_BUSINESS_PHONES, PROFILE_STRINGS } from '../directory/profile.ts';
import { collectionBody, pageOf } from './collection.ts';
import { odataContext, pickProperties, selectedProperties } from './context.ts';
import { badRequest, GraphError, resourceNotFound } from './errors.ts';
import type { CollectionRules } from './odata.ts';
import { isEventual, matchesFilter, parseCollectionQuery, parseSelect } from './odata.ts';
import type { GraphRequest, Route } from './router.ts';
import { referencedUser } from './references.ts';
import { mailboxSettingsOf, parseManagerExpand, projectUser, selectedWithExpansion, userProjection, userProperty } from './user-view.ts';

const USER_RULES: CollectionRules = {
  filterable: {
    id: ['eq', 'in', 'ne'],
    userPrincipalName: ['eq', 'in', 'startswith', 'endswith', 'ne'],
    mail: ['eq', 'in', 'startswith', 'endswith', 'ne'],
    displayName: ['eq', 'in', 'startswith', 'endswith', 'ne'],
    mailNickname: ['eq', 'in', 'startswith', 'endswith', 'ne'],
    accountEnabled: ['eq', 'in', 'ne'],
    onPremisesSyncEnabled: ['eq', 'in', 'ne'],
    usageLocation: ['eq', 'in', 'ne'],
    userType: ['eq', 'in', 'ne'],
    assignedLicenses: ['count'],
    // Lambdas on plans, e.g. assignedPlans/any(a:a/service eq 'exchange' and a/capabilityStatus eq 'Deleted'): advanced queries.
    assignedPlans: ['any'],
  },
  orderable: ['displayName', 'userPrincipalName'],
  defaultTop: 100,
  expand: true,
};

/** A user as `POST /users` and the license actions answer: `users/$entity` with the default properties. */
function userEntity(user: UserRecord, store: TenantStore): Record<string, unknown> {
  return { '@odata.context': odataContext('users', { entity: true }), ...projectUser(user, store, userProjection(undefined, { collection: false })) };
}

/** Lists users (or deleted users): filter, order, page, project. */
export function listUsers(request: GraphRequest, store: TenantStore, source: readonly UserRecord[], rules: CollectionRules): Record<string, unknown> {
  const query = parseCollectionQuery(request.query, request.headers, rules);
  const projection = userProjection(query.select, { collection: true });
  const expansion = parseManagerExpand(request.query.get('$expand'));
  let items = source;
  const filter = query.filter;
  if (filter) items = items.filter((user) => matchesFilter(filter, (property) => userProperty(user, store, property)));
  const orderBy = query.orderBy;
  if (orderBy) {
    // Each user's key once, not twice per comparison: every page of an ordered listing sorts the whole tenant.
    const sign = orderBy.descending ? -1 : 1;
    const keyed = items.map((user) => ({ user, key: String(userProperty(user, store, orderBy.property) ?? '').toLowerCase() }));
    keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0) * sign);
    items = keyed.map((entry) => entry.user);
  }
  const page = pageOf(items, query, request, { sortedById: !orderBy });
  const count = query.count && query.skipToken === undefined ? items.length : undefined;
  return collectionBody(odataContext('users', { selected: selectedWithExpansion(projection.selected, expansion) }), page.items.map((u) => projectUser(u, store, projection, expansion)), page, count);
}

function requireBodyObject(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest('Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.');
  return body as Record<string, unknown>;
}

function unknownProperty(name: string): GraphError {
  return badRequest(`The property '${name}' does not exist on type 'microsoft.graph.user'. Make sure to only use property names that are defined by the type or mark the type as open type.`);
}

function invalidValue(property: string): GraphError {
  const message = `Invalid value specified for property '${property}' of resource 'User'.`;
  return badRequest(message, [{ code: 'InvalidValue', message, target: property }]);
}

function stringOrNull(body: Record<string, unknown>, property: string): string | null | undefined {
  const value = body[property];
  if (value === undefined || value === null || typeof value === 'string') return value;
  throw invalidValue(property);
}

/**
 * The profile properties of a create or update body (docs/graph-behaviour.md §17): strings within their
 * documented maximum length, null to unset (an empty string is refused, as Graph refuses it), and
 * businessPhones as a list of at most one number.
 */
function profileChanges(body: Record<string, unknown>): ProfileChanges {
  const changes: ProfileChanges = {};
  for (const name of PROFILE_STRINGS) {
    if (!(name in body)) continue;
    const value = stringOrNull(body, name);
    if (value === '' || (typeof value === 'string' && !fitsLength(name, value))) throw invalidValue(name);
    changes[name] = value ?? null;
  }
  if ('businessPhones' in body) {
    const phones = body.businessPhones;
    // Collection(Edm.String), Nullable="false" in Graph's CSDL: emptied with [], never null.
    if (!Array.isArray(phones) || phones.length > MAX_BUSINESS_PHONES || phones.some((p) => typeof p !== 'string' || p === '')) throw invalidValue('businessPhones');
    else changes.businessPhones = [...(phones as string[])];
  }
  if ('displayName' in body) {
    const name = stringOrNull(body, 'displayName');
    // Required on create and cannot be cleared on update.
    if (typeof name !== 'string' || name === '' || !fitsLength('displayName', name)) throw invalidValue('displayName');
    changes.displayName = name;
  }
  return changes;
}

function checkUsageLocation(value: string | null | undefined): void {
  if (typeof value === 'string' && !isIsoCountryCode(value)) throw invalidValue('usageLocation');
}

/** The properties of a licenseDetails (https://learn.microsoft.com/graph/api/resources/licensedetails). */
const LICENSE_DETAILS_PROPERTIES = ['id', 'servicePlans', 'skuId', 'skuPartNumber'];

const CREATABLE = new Set(['accountEnabled', 'displayName', 'mailNickname', 'userPrincipalName', 'passwordProfile', 'usageLocation', 'mail', 'onPremisesImmutableId', 'passwordPolicies', 'userType', 'businessPhones', ...PROFILE_STRINGS]);
const UPDATABLE = new Set(['accountEnabled', 'usageLocation', 'displayName', 'businessPhones', ...PROFILE_STRINGS]);
const READ_ONLY = new Set(['id', 'proxyAddresses', 'assignedLicenses', 'assignedPlans', 'licenseAssignmentStates', 'deletedDateTime', 'createdDateTime', 'onPremisesSyncEnabled']);

/** `POST /users` (docs/graph-behaviour.md §5): required properties, then the UPN rules and conflicts. */
function createUser(request: GraphRequest, store: TenantStore): Record<string, unknown> {
  const body = requireBodyObject(request.body);
  for (const key of Object.keys(body)) {
    if (READ_ONLY.has(key)) throw badRequest(`Property '${key}' is read-only and cannot be set.`);
    if (!CREATABLE.has(key) && !key.startsWith('@')) throw unknownProperty(key);
  }
  const passwordProfile = body.passwordProfile as { password?: unknown; forceChangePasswordNextSignIn?: unknown } | undefined;
  const password = passwordProfile?.password;
  if (typeof password !== 'string' || password === '') throw badRequest('A password must be specified to create a new user.');
  for (const required of ['displayName', 'mailNickname', 'userPrincipalName']) {
    if (typeof body[required] !== 'string' || body[required] === '') throw invalidValue(required);
  }
  if (typeof body.accountEnabled !== 'boolean') throw invalidValue('accountEnabled');
  // At most 64 characters (https://learn.microsoft.com/graph/api/resources/user, mailNickname).
  if ((body.mailNickname as string).length > 64) throw invalidValue('mailNickname');
  const mail = stringOrNull(body, 'mail');
  const usageLocation = stringOrNull(body, 'usageLocation');
  checkUsageLocation(usageLocation);
  const profile = profileChanges(body);
  const user = store.createUser({
    ...profile,
    userPrincipalName: body.userPrincipalName as string,
    displayName: body.displayName as string,
    mailNickname: body.mailNickname as string,
    accountEnabled: body.accountEnabled,
    usageLocation: usageLocation ?? null,
    // Graph's default is true (https://learn.microsoft.com/graph/api/resources/passwordprofile).
    forceChangePasswordNextSignIn: passwordProfile?.forceChangePasswordNextSignIn !== false,
    // Setting mail makes it the primary SMTP address (docs/graph-behaviour.md §4: "Changing mail recomputes proxyAddresses").
    ...(mail ? { mail, proxyAddresses: [`SMTP:${mail}`] } : {}),
  });
  return userEntity(user, store);
}

/** `PATCH /users/{id}`: the properties tenantctl changes; read-only ones are refused. */
function updateUser(request: GraphRequest, user: UserRecord, store: TenantStore): void {
  const body = requireBodyObject(request.body);
  for (const key of Object.keys(body)) {
    if (READ_ONLY.has(key)) throw badRequest(`Property '${key}' is read-only and cannot be set.`);
    if (!UPDATABLE.has(key)) throw unknownProperty(key);
  }
  const changes: Parameters<TenantStore['updateUser']>[1] = profileChanges(body);
  if ('accountEnabled' in body) {
    if (typeof body.accountEnabled !== 'boolean') throw invalidValue('accountEnabled');
    changes.accountEnabled = body.accountEnabled;
  }
  if ('usageLocation' in body) {
    const usageLocation = stringOrNull(body, 'usageLocation');
    checkUsageLocation(usageLocation);
    changes.usageLocation = usageLocation ?? null;
  }
  store.updateUser(user, changes);
}

function guidOrThrow(value: unknown): string {
  if (typeof value !== 'string' || !isGuid(value)) {
    throw badRequest("Cannot convert a primitive value to the expected type 'Edm.Guid'. See the inner exception for more details");
  }
  return value.toLowerCase();
}

/** The assignLicense body, checked in the emulator contract's order (docs/graph-behaviour.md §6). */
export function parseAssignLicenseBody(body: unknown): { addLicenses: AssignedLicense[]; removeLicenses: string[] } {
  const object = requireBodyObject(body);
  const missing = ['addLicenses', 'removeLicenses'].filter((key) => object[key] === undefined || object[key] === null);
  if (missing.length > 0) {
    throw badRequest(`One or more parameters of the operation 'assignLicense' are missing from the request payload. The missing parameters are: ${missing.join(',')}.`);
  }
  for (const key of Object.keys(object)) {
    if (key !== 'addLicenses' && key !== 'removeLicenses') throw badRequest(`The parameter '${key}' in the request payload is not a valid parameter for the operation 'assignLicense'.`);
  }
  if (!Array.isArray(object.addLicenses) || !Array.isArray(object.removeLicenses)) throw badRequest('The parameters addLicenses and removeLicenses must be collections.');
  const addLicenses = object.addLicenses.map((entry: unknown) => {
    const license = requireBodyObject(entry);
    const disabledPlans = license.disabledPlans ?? [];
    if (!Array.isArray(disabledPlans)) throw badRequest("Cannot convert a primitive value to the expected type 'Edm.Guid'. See the inner exception for more details");
    return { skuId: guidOrThrow(license.skuId), disabledPlans: disabledPlans.map(guidOrThrow) };
  });
  return { addLicenses, removeLicenses: object.removeLicenses.map(guidOrThrow) };
}

function mailboxOf(params: Readonly<Record<string, string>>, store: TenantStore): UserRecord {
  const user = store.requireActive(params.id ?? '');
  if (!hasMailbox(user.purpose, user.assignedPlans)) {
    throw new GraphError(404, 'MailboxNotEnabledForRESTAPI', 'The mailbox is either inactive, soft-deleted, or is hosted on-premise.');
  }
  return user;
}

export const USER_ROUTES: readonly Route[] = [
  {
    method: 'GET',
    pattern: '/users/$count',
    operation: 'users.list',
    handle: (request, _params, store) => {
      if (!isEventual(request.headers)) {
        throw new GraphError(400, 'Request_BadRequest', "Count is not currently supported. Try adding ConsistencyLevel:eventual header.");
      }
      return { status: 200, text: String(store.activeUsers().length) };
    },
  },
  { method: 'GET', pattern: '/users', operation: 'users.list', handle: (request, _params, store) => ({ status: 200, body: listUsers(request, store, store.activeUsers(), USER_RULES) }) },
  { method: 'POST', pattern: '/users', operation: 'users.create', handle: (request, _params, store) => ({ status: 201, body: createUser(request, store) }) },
  {
    method: 'GET',
    pattern: '/users/{id}',
    operation: 'users.get',
    handle: (request, params, store) => {
      const user = store.requireActive(params.id ?? '');
      const select = parseSelect(request.query.get('$select'));
      // mailboxSettings can be selected on one user (not on a collection): Exchange answers for it.
      const withMailbox = select?.some((p) => p.toLowerCase() === 'mailboxsettings') ?? false;
      const others = select?.filter((p) => p.toLowerCase() !== 'mailboxsettings');
      const projection = withMailbox && others?.length === 0 ? { names: ['id'], selected: [] } : userProjection(others, { collection: false });
      const expansion = parseManagerExpand(request.query.get('$expand'));
      const contextNames = projection.selected === undefined ? undefined : [...projection.selected, ...(withMailbox ? ['mailboxSettings'] : [])];
      const body: Record<string, unknown> = {
        '@odata.context': odataContext('users', { selected: selectedWithExpansion(contextNames, expansion), entity: true }),
        ...projectUser(user, store, projection, expansion),
      };
      if (withMailbox) body.mailboxSettings = hasMailbox(user.purpose, user.assignedPlans) ? mailboxSettingsOf(user) : null;
      return { status: 200, body };
    },
  },
  {
    method: 'PATCH',
    pattern: '/users/{id}',
    operation: 'users.update',
    handle: (request, params, store) => {
      updateUser(request, store.requireActive(params.id ?? ''), store);
      return { status: 204 };
    },
  },
  {
    method: 'DELETE',
    pattern: '/users/{id}',
    operation: 'users.delete',
    handle: (_request, params, store) => {
      store.softDelete(store.requireActive(params.id ?? ''));
      return { status: 204 };
    },
  },
  {
    method: 'GET',
    pattern: '/users/{id}/manager',
    operation: 'users.get',
    handle: (request, params, store) => {
      // https://learn.microsoft.com/graph/api/user-list-manager: the manager as a directoryObject, 404 when none.
      const manager = store.managerOf(store.requireActive(params.id ?? ''));
      if (!manager) throw resourceNotFound('manager');
      const projection = userProjection(parseSelect(request.query.get('$select')), { collection: false });
      return { status: 200, body: { '@odata.context': odataContext('directoryObjects', { selected: projection.selected, entity: true }), '@odata.type': '#microsoft.graph.user', ...projectUser(manager, store, projection) } };
    },
  },
  {
    method: 'PUT',
    pattern: '/users/{id}/manager/$ref',
    operation: 'users.setManager',
    handle: (request, params, store) => {
      // https://learn.microsoft.com/graph/api/user-post-manager
      const user = store.requireActive(params.id ?? '');
      // A soft-deleted user cannot be a manager.
      store.setManager(user, referencedUser(request.body, store).id);
      return { status: 204 };
    },
  },
  {
    method: 'DELETE',
    pattern: '/users/{id}/manager/$ref',
    operation: 'users.setManager',
    handle: (_request, params, store) => {
      // https://learn.microsoft.com/graph/api/user-delete-manager
      store.removeManager(store.requireActive(params.id ?? ''));
      return { status: 204 };
    },
  },
  {
    method: 'POST',
    pattern: '/users/{id}/assignLicense',
    operation: 'users.assignLicense',
    handle: (request, params, store) => {
      const user = store.requireActive(params.id ?? '');
      store.assignLicense(user, parseAssignLicenseBody(request.body));
      return { status: 200, body: { ...userEntity(user, store), assignedLicenses: store.assignedLicenses(user) } };
    },
  },
  {
    method: 'POST',
    pattern: '/users/{id}/reprocessLicenseAssignment',
    operation: 'users.assignLicense',
    handle: (_request, params, store) => {
      // Group licenses are evaluated as they change here, so reprocessing finds nothing new (docs/graph-behaviour.md §6).
      const user = store.requireActive(params.id ?? '');
      return { status: 200, body: { ...userEntity(user, store), assignedLicenses: store.assignedLicenses(user) } };
    },
  },
  {
    method: 'GET',
    pattern: '/users/{id}/licenseDetails',
    operation: 'users.licenseDetails',
    handle: (request, params, store) => {
      const user = store.requireActive(params.id ?? '');
      // The list supports $select (https://learn.microsoft.com/graph/api/user-list-licensedetails).
      const selected = selectedProperties(parseSelect(request.query.get('$select')), LICENSE_DETAILS_PROPERTIES);
      const value = store.assignedLicenses(user).map((license) => {
        const sku = store.skus.get(license.skuId);
        const details = {
          id: Buffer.from(`${user.id}:${license.skuId}`).toString('base64url'),
          skuId: license.skuId,
          skuPartNumber: sku?.skuPartNumber ?? '',
          servicePlans: (sku?.servicePlans ?? []).map((plan) => ({
            servicePlanId: plan.servicePlanId,
            servicePlanName: plan.servicePlanName,
            provisioningStatus: license.disabledPlans.includes(plan.servicePlanId) ? 'Disabled' : 'Success',
            appliesTo: plan.appliesTo ?? 'User',
          })),
        };
        return pickProperties(details, selected, ['id']);
      });
      return { status: 200, body: { '@odata.context': odataContext(`users('${user.id}')/licenseDetails`, { selected }), value } };
    },
  },
  {
    method: 'GET',
    pattern: '/users/{id}/mailboxSettings',
    operation: 'users.mailboxSettings',
    handle: (_request, params, store) => {
      const user = mailboxOf(params, store);
      return { status: 200, body: { '@odata.context': odataContext(`users('${user.id}')/mailboxSettings`), ...mailboxSettingsOf(user) } };
    },
  },
  {
    method: 'GET',
    pattern: '/users/{id}/mailboxSettings/userPurpose',
    operation: 'users.mailboxSettings',
    handle: (_request, params, store) => {
      const user = mailboxOf(params, store);
      return { status: 200, body: { '@odata.context': odataContext(`users('${user.id}')/mailboxSettings/userPurpose`), value: user.purpose } };
    },
  },
];

