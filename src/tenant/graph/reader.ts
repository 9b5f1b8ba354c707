import { GraphRequestError } from './errors.ts';
import type { ObservedMailbox, ObservedTenant, ObservedUser } from '../../domain/observed.ts';
import type { ReadTenantRequest, TenantReader } from '../port.ts';
import type { BatchOptions } from './batch.ts';
import { readInBatches } from './batch.ts';
import type { GraphCallOptions, GraphHttp } from './client.ts';
import { GraphResponseError } from './errors.ts';
import { DELETED_USER_SELECT, isNoMailbox, pageOf, SKU_SELECT, toGroupName, toObservedMailbox, toObservedSku, toObservedUser, USER_SELECT } from './mapping.ts';
import type { AccessTokenSource } from './tokens.ts';
import { rolesOf } from './tokens.ts';

/**
 * Reads the tenant in bulk (docs/reconciliation.md §1 and docs/pulumi.md: never one request per declared user). For U active
 * users, D deleted users and M declared mailboxes that are active users, without retries:
 * ⌈U/999⌉ + ⌈D/999⌉ + 1 + ⌈M/20⌉ requests (a list of zero still takes one), plus the pages of
 * license-assigning groups when some license comes from a group.
 */
export const PAGE_SIZE = 999;

export interface GraphReaderOptions {
  readonly http: GraphHttp;
  readonly tokens: AccessTokenSource;
  readonly batch: BatchOptions;
  /** Used when the token carries no `tid` claim. */
  readonly tenantId?: string;
}

/** Every page of a collection, following `@odata.nextLink` as given; headers are resent on each page (docs/graph-behaviour.md §1). */
export async function readAllPages<T>(http: GraphHttp, path: string, what: string, map: (item: unknown) => T, options: GraphCallOptions = {}): Promise<T[]> {
  const items: T[] = [];
  let link: string | undefined = path;
  let first = true;
  const seen = new Set<string>();
  while (link !== undefined) {
    const page = pageOf(await http.get(link, first ? options : { ...(options.headers === undefined ? {} : { headers: options.headers }) }), what);
    for (const item of page.items) items.push(map(item));
    first = false;
    if (page.nextLink !== undefined && seen.has(page.nextLink)) throw new GraphResponseError(`Graph sent the same @odata.nextLink twice while listing ${what}.`);
    if (page.nextLink !== undefined) seen.add(page.nextLink);
    link = page.nextLink;
  }
  return items;
}

export function createGraphReader(options: GraphReaderOptions): TenantReader {
  const { http } = options;

  async function readMailboxes(users: readonly ObservedUser[], request: ReadTenantRequest): Promise<Map<string, ObservedMailbox>> {
    const declared = new Set(request.mailboxUserPrincipalNames.map((upn) => upn.toLowerCase()));
    const targets = users.filter((u) => declared.has(u.userPrincipalName.toLowerCase()));
    const reads = targets.map((u, i) => ({ id: String(i + 1), url: `/users/${encodeURIComponent(u.id)}/mailboxSettings/userPurpose` }));
    const outcomes = await readInBatches(http, reads, options.batch);
    const mailboxes = new Map<string, ObservedMailbox>();
    targets.forEach((user, i) => {
      const outcome = outcomes.get(String(i + 1));
      if (!outcome) throw new GraphResponseError(`No answer for the mailbox of ${user.userPrincipalName}.`);
      if (outcome.ok) mailboxes.set(user.id, toObservedMailbox(outcome.body));
      else if (isNoMailbox(outcome.error)) mailboxes.set(user.id, { kind: 'none' });
      else throw outcome.error;
    });
    return mailboxes;
  }

  /** Names of license-assigning groups: one advanced query (`ConsistencyLevel: eventual` + `$count`, docs/graph-behaviour.md §4). */
  async function readGroupNames(): Promise<Map<string, string>> {
    const headers = { ConsistencyLevel: 'eventual' };
    const groups = await readAllPages(http, '/groups', 'groups', toGroupName, {
      headers,
      build: (r) => r.select(['id', 'displayName']).filter('assignedLicenses/$count ne 0').count(true).top(PAGE_SIZE),
    });
    return new Map(groups);
  }

  return {
    async readTenant(request) {
      const [claims, users, deletedUsers, skus] = await Promise.all([
        options.tokens.getClaims(),
        readAllPages(http, '/users', 'users', toObservedUser, { build: (r) => r.select([...USER_SELECT]).top(PAGE_SIZE) }),
        readAllPages(http, '/directory/deletedItems/microsoft.graph.user', 'deleted users', toObservedUser, { build: (r) => r.select([...DELETED_USER_SELECT]).top(PAGE_SIZE) }),
        // subscribedSkus refuses $top (docs/graph-behaviour.md §7): one page, nextLinks followed if any.
        readAllPages(http, '/subscribedSkus', 'subscribed SKUs', toObservedSku, { build: (r) => r.select([...SKU_SELECT]) }),
      ]);
      const fromGroups = [...users, ...deletedUsers].some((u) => u.licenseAssignmentStates.some((s) => s.assignedByGroup !== null));
      const [mailboxes, groupNames] = await Promise.all([readMailboxes(users, request), fromGroups ? readGroupNames() : Promise.resolve(new Map<string, string>())]);
      const tid = typeof claims.tid === 'string' ? claims.tid.toLowerCase() : undefined;
      const tenantId = tid ?? options.tenantId?.toLowerCase();
      if (tenantId === undefined) throw new GraphResponseError('The access token carries no tenant id (tid claim), and none was configured.');
      return { tenantId, users, deletedUsers, skus, mailboxes, groupNames } satisfies ObservedTenant;
    },
    async readGrantedRoles() {
      return rolesOf(await options.tokens.getClaims());
    },
    async readUser(principal) {
      try {
        return toObservedUser(await http.get(`/users/${encodeURIComponent(principal)}`, { build: (r) => r.select([...USER_SELECT]) }));
      } catch (error) {
        if (error instanceof GraphRequestError && error.kind === 'not-found') return undefined;
        throw error;
      }
    },
  };
}
