/**
 * A user's direct memberships (https://learn.microsoft.com/graph/api/user-list-memberof):
 * `GET /users/{id | userPrincipalName}/memberOf`, a collection of directoryObjects, and its OData cast
 * `GET /users/{id | userPrincipalName}/memberOf/microsoft.graph.group`, the groups alone. The emulator's
 * directory holds groups only (no directory roles or administrative units), so both list the same
 * objects; the plain form types each one (`@odata.type`), as a directoryObject collection must, and its
 * context is `#directoryObjects`, the cast's `#groups` (the page's examples).
 *
 * - Not transitive: the groups whose members include the user, nothing through nested groups.
 * - A group as the emulator models it: `id` and `displayName` by default, `assignedLicenses` on
 *   `$select` (as `GET /groups`); a selected name the emulator does not model is accepted and absent.
 * - Paging as the other collections: `$top` 1–999 (default 100), `@odata.nextLink` by id; `$count=true`
 *   with `ConsistencyLevel: eventual`. `$filter`, `$orderby` and `$search` are refused (400).
 * - The cast is served without `ConsistencyLevel`: the page's own example 6 does so, and the Graph
 *   PowerShell SDK's Get-MgUserMemberOfAsGroup sends none.
 * - An unknown or soft-deleted user: 404 `Request_ResourceNotFound`, as every `/users/{id}/…` read.
 * - Permission: older versions of the page name application Directory.Read.All (higher
 *   Directory.ReadWrite.All); the newest include's "Application: Not supported" is the `/me` form's (the
 *   page's tip: `/me` needs a signed-in user). The memberships the emulator holds are groups, which an
 *   app reads with GroupMember.Read.All or Group.Read.All (the page's "limited information" note: an
 *   object of a type the app may not read comes back with its id only), so these routes accept what
 *   reading groups and their members (`GET /groups/{id}/members`) does: the `groups.list` operation.
 */
import type { TenantStore } from '../directory/store.ts';
import { collectionBody, pageOf } from './collection.ts';
import { odataContext, pickProperties, selectedProperties } from './context.ts';
import type { CollectionRules } from './odata.ts';
import { parseCollectionQuery } from './odata.ts';
import type { GraphRequest, GraphResponse, Route } from './router.ts';

const MEMBER_OF_RULES: CollectionRules = { filterable: {}, orderable: [], defaultTop: 100 };

/** What the emulator models of a group (as `GET /groups`): the default set is `id` and `displayName`. */
const GROUP_PROPERTIES = ['assignedLicenses', 'displayName', 'id'];

function memberOf(request: GraphRequest, params: Readonly<Record<string, string>>, store: TenantStore, cast: boolean): GraphResponse {
  const user = store.requireActive(params.id ?? '');
  const query = parseCollectionQuery(request.query, request.headers, MEMBER_OF_RULES);
  const groups = [...store.groups.values()].filter((group) => group.members.has(user.id)).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const page = pageOf(groups, query, request, { sortedById: true });
  const selected = selectedProperties(query.select, GROUP_PROPERTIES);
  const value = page.items.map((group) => {
    const json = pickProperties({ id: group.id, displayName: group.displayName, assignedLicenses: group.assignedLicenses }, selected ?? ['id', 'displayName'], ['id']);
    return cast ? json : { '@odata.type': '#microsoft.graph.group', ...json };
  });
  const count = query.count && query.skipToken === undefined ? groups.length : undefined;
  return { status: 200, body: collectionBody(odataContext(cast ? 'groups' : 'directoryObjects', { selected }), value, page, count) };
}

export const MEMBER_OF_ROUTES: readonly Route[] = [
  { method: 'GET', pattern: '/users/{id}/memberOf', operation: 'groups.list', handle: (request, params, store) => memberOf(request, params, store, false) },
  { method: 'GET', pattern: '/users/{id}/memberOf/microsoft.graph.group', operation: 'groups.list', handle: (request, params, store) => memberOf(request, params, store, true) },
];
