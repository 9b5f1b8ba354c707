import type { TenantStore } from '../directory/store.ts';
import type { UserRecord } from '../directory/user-record.ts';
import { collectionBody, pageOf } from './collection.ts';
import { odataContext, pickProperties, selectedProperties } from './context.ts';
import { badRequest, resourceNotFound, unsupportedQuery } from './errors.ts';
import type { CollectionRules } from './odata.ts';
import { matchesFilter, parseCollectionQuery, parseSelect } from './odata.ts';
import { referencedUser } from './references.ts';
import type { GraphRequest, Route } from './router.ts';
import { listUsers } from './routes-users.ts';
import type { ManagerExpansion } from './user-view.ts';
import { parseManagerExpand, projectUser, selectedWithExpansion, userProjection } from './user-view.ts';

const DELETED_RULES: CollectionRules = {
  filterable: { id: ['eq', 'in', 'ne'], userPrincipalName: ['eq', 'in', 'startswith', 'endswith', 'ne'], mail: ['eq', 'in', 'startswith', 'endswith', 'ne'], displayName: ['eq', 'in', 'startswith', 'endswith', 'ne'] },
  orderable: ['deletedDateTime', 'displayName', 'userPrincipalName'],
  orderNeedsAdvanced: ['deletedDateTime'],
  defaultTop: 100,
  expand: true,
};

const GROUP_RULES: CollectionRules = { filterable: { id: ['eq', 'in'], displayName: ['eq', 'startswith'], assignedLicenses: ['count'] }, orderable: ['displayName'], defaultTop: 100 };

/** The restore body: both parameters optional, typed as in the CSDL (docs/graph-behaviour.md §2). */
export const RESTORE_PARAMETERS: Readonly<Record<string, 'Edm.Boolean' | 'Edm.String'>> = { autoReconcileProxyConflict: 'Edm.Boolean', newUserPrincipalName: 'Edm.String' };

function parseRestoreBody(body: unknown): { autoReconcileProxyConflict?: boolean; newUserPrincipalName?: string } {
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body)) throw badRequest('Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.');
  const result: { autoReconcileProxyConflict?: boolean; newUserPrincipalName?: string } = {};
  for (const [key, value] of Object.entries(body)) {
    const type = RESTORE_PARAMETERS[key];
    if (!type) throw badRequest(`The parameter '${key}' in the request payload is not a valid parameter for the operation 'restore'.`);
    if (value === null) continue;
    if (type === 'Edm.Boolean' && typeof value !== 'boolean') throw badRequest(`Cannot convert the literal '${String(value)}' to the expected type 'Edm.Boolean'.`);
    if (type === 'Edm.String' && typeof value !== 'string') throw badRequest(`Cannot convert the literal '${String(value)}' to the expected type 'Edm.String'.`);
    Object.assign(result, { [key]: value });
  }
  return result;
}

/**
 * A deleted (or just restored) user as Graph answers it: a `directoryObjects` entity of type user,
 * `#directoryObjects/$entity`, or `#directoryObjects(id,displayName)/$entity` with `$select`
 * (https://learn.microsoft.com/graph/api/directory-deleteditems-get; OData's projected entity).
 */
function directoryObjectUser(user: UserRecord, store: TenantStore, select: readonly string[] | undefined, expansion?: ManagerExpansion): Record<string, unknown> {
  const projection = userProjection(select, { collection: false });
  return { '@odata.context': odataContext('directoryObjects', { selected: selectedWithExpansion(projection.selected, expansion), entity: true }), '@odata.type': '#microsoft.graph.user', ...projectUser(user, store, projection, expansion) };
}

/** `GET /directory/deletedItems/{id}`, with `$select` and `$expand=manager` as on the list. */
function deletedItem(request: GraphRequest, store: TenantStore, id: string): Record<string, unknown> {
  const user = store.findDeleted(id);
  if (!user) throw resourceNotFound(id);
  return directoryObjectUser(user, store, parseSelect(request.query.get('$select')), parseManagerExpand(request.query.get('$expand')));
}

function skuJson(store: TenantStore, skuId: string): Record<string, unknown> {
  const sku = store.skus.get(skuId);
  if (!sku) return {};
  return {
    accountName: store.organizationName,
    accountId: store.tenantId,
    appliesTo: sku.appliesTo ?? 'User',
    capabilityStatus: sku.capabilityStatus ?? 'Enabled',
    consumedUnits: store.consumedUnits(skuId),
    id: `${store.tenantId}_${sku.skuId}`,
    prepaidUnits: sku.prepaidUnits,
    servicePlans: sku.servicePlans.map((p) => ({ servicePlanId: p.servicePlanId, servicePlanName: p.servicePlanName, provisioningStatus: p.provisioningStatus ?? 'Success', appliesTo: p.appliesTo ?? 'User' })),
    skuId: sku.skuId,
    skuPartNumber: sku.skuPartNumber,
    subscriptionIds: [`${sku.skuId.slice(0, 8)}-0000-4000-8000-${store.tenantId.slice(-12)}`],
  };
}

/** The properties of the entities built whole here, for `$select` (their Graph resource pages). */
const SKU_PROPERTIES = ['accountId', 'accountName', 'appliesTo', 'capabilityStatus', 'consumedUnits', 'id', 'prepaidUnits', 'servicePlans', 'skuId', 'skuPartNumber', 'subscriptionIds'];
const ORGANIZATION_PROPERTIES = ['displayName', 'id', 'tenantType', 'verifiedDomains'];
const GROUP_PROPERTIES = ['assignedLicenses', 'displayName', 'id'];

export const DIRECTORY_ROUTES: readonly Route[] = [
  {
    method: 'GET',
    pattern: '/directory/deletedItems',
    operation: 'deletedItems.list',
    handle: () => {
      throw badRequest("The OData cast type is a required part of the URI: use /directory/deletedItems/microsoft.graph.user (or another type).");
    },
  },
  ...['microsoft.graph.user', 'graph.user'].map(
    (cast): Route => ({
      method: 'GET',
      pattern: `/directory/deletedItems/${cast}`,
      operation: 'deletedItems.list',
      handle: (request, _params, store) => ({ status: 200, body: listUsers(request, store, store.deletedUsers(), DELETED_RULES) }),
    }),
  ),
  { method: 'GET', pattern: '/directory/deletedItems/{id}', operation: 'deletedItems.get', handle: (request, params, store) => ({ status: 200, body: deletedItem(request, store, params.id ?? '') }) },
  {
    method: 'DELETE',
    pattern: '/directory/deletedItems/{id}',
    operation: 'deletedItems.delete',
    handle: (_request, params, store) => {
      store.purge((params.id ?? '').toLowerCase());
      return { status: 204 };
    },
  },
  {
    method: 'POST',
    pattern: '/directory/deletedItems/{id}/restore',
    operation: 'deletedItems.restore',
    handle: (request, params, store) => {
      const user = store.restore(params.id ?? '', parseRestoreBody(request.body));
      return { status: 200, body: directoryObjectUser(user, store, undefined) };
    },
  },
  {
    method: 'GET',
    pattern: '/subscribedSkus',
    operation: 'subscribedSkus.list',
    handle: (request, _params, store) => {
      // Observed on a live tenant (docs/graph-behaviour.md §7, emulator contract 18).
      if (request.query.has('$top')) throw unsupportedQuery('This resource does not support custom page sizes. Please retry without a page size argument.');
      if (request.query.has('$filter')) throw unsupportedQuery('This resource does not support $filter.');
      // With $select the context names the properties, `#subscribedSkus(skuId,skuPartNumber)`: Microsoft documents no such
      // answer for SKUs, so the emulator follows OData, as Graph's documented answers for users and groups do.
      const selected = selectedProperties(parseSelect(request.query.get('$select')), SKU_PROPERTIES);
      const value = [...store.skus.keys()].map((skuId) => pickProperties(skuJson(store, skuId), selected, ['id']));
      return { status: 200, body: { '@odata.context': odataContext('subscribedSkus', { selected }), value } };
    },
  },
  {
    method: 'GET',
    pattern: '/organization',
    operation: 'organization.get',
    handle: (request, _params, store) => {
      const organization = {
        id: store.tenantId,
        displayName: store.organizationName,
        tenantType: 'AAD',
        verifiedDomains: store.domains.map((name, i) => ({ capabilities: 'Email, OfficeCommunicationsOnline', isDefault: i === 0, isInitial: name.endsWith('.onmicrosoft.com') || (i === 0 && !store.domains.some((d) => d.endsWith('.onmicrosoft.com'))), name, type: 'Managed' })),
      };
      const selected = selectedProperties(parseSelect(request.query.get('$select')), ORGANIZATION_PROPERTIES);
      return { status: 200, body: { '@odata.context': odataContext('organization', { selected }), value: [pickProperties(organization, selected, ['id'])] } };
    },
  },
  {
    method: 'GET',
    pattern: '/groups',
    operation: 'groups.list',
    handle: (request, _params, store) => {
      const query = parseCollectionQuery(request.query, request.headers, GROUP_RULES);
      const groups = [...store.groups.values()]
        .sort((a, b) => (a.id < b.id ? -1 : 1))
        .map((g) => ({ id: g.id, displayName: g.displayName, assignedLicenses: g.assignedLicenses }));
      const filter = query.filter;
      const matching = filter ? groups.filter((g) => matchesFilter(filter, (p) => (g as Record<string, unknown>)[p])) : groups;
      const page = pageOf(matching, query, request, { sortedById: true });
      // assignedLicenses is returned only on $select, like the user's.
      const selected = selectedProperties(query.select, GROUP_PROPERTIES);
      const value = page.items.map((g) => (selected ? pickProperties(g, selected, ['id']) : { id: g.id, displayName: g.displayName }));
      return { status: 200, body: collectionBody(odataContext('groups', { selected }), value, page, query.count && !query.skipToken ? matching.length : undefined) };
    },
  },
  {
    method: 'GET',
    pattern: '/groups/{id}/members',
    operation: 'groups.list',
    handle: (request, params, store) => {
      const group = store.requireGroup(params.id ?? '');
      // https://learn.microsoft.com/graph/api/group-list-members: $select, $top (1–999) and nextLink paging.
      const query = parseCollectionQuery(request.query, request.headers, { filterable: {}, orderable: [], defaultTop: 100 });
      const members = [...group.members].sort().flatMap((id) => {
        const user = store.findActive(id);
        return user ? [user] : [];
      });
      const projection = userProjection(query.select, { collection: true });
      const page = pageOf(members, query, request, { sortedById: true });
      const value = page.items.map((u) => ({ '@odata.type': '#microsoft.graph.user', ...projectUser(u, store, projection) }));
      return { status: 200, body: collectionBody(odataContext('directoryObjects', { selected: projection.selected }), value, page, undefined) };
    },
  },
  {
    method: 'POST',
    pattern: '/groups/{id}/members/$ref',
    operation: 'groups.updateMembers',
    handle: (request, params, store) => {
      // https://learn.microsoft.com/graph/api/group-post-members (docs/graph-behaviour.md §19).
      const group = store.requireGroup(params.id ?? '');
      store.addGroupMember(group, referencedUser(request.body, store).id);
      return { status: 204 };
    },
  },
  {
    method: 'DELETE',
    pattern: '/groups/{id}/members/{memberId}/$ref',
    operation: 'groups.updateMembers',
    handle: (_request, params, store) => {
      // https://learn.microsoft.com/graph/api/group-delete-members (docs/graph-behaviour.md §19).
      store.removeGroupMember(store.requireGroup(params.id ?? ''), params.memberId ?? '');
      return { status: 204 };
    },
  },
];
