import { holdsRemovedMailboxPlan } from '../../domain/exchange-plans.ts';
import { findGroups } from '../../domain/group-plan.ts';
import { GraphRequestError } from './errors.ts';
import type { ObservedGroup, ObservedMailbox, ObservedTenant, ObservedUser } from '../../domain/observed.ts';
import type { ReadTenantRequest, TenantReader } from '../port.ts';
import type { BatchOptions } from './batch.ts';
import { readInBatches } from './batch.ts';
import type { GraphRequest } from '@microsoft/microsoft-graph-client';
import type { GraphCallOptions, GraphHttp } from './client.ts';
import { GraphResponseError } from './errors.ts';
import type { UserExtras } from './mapping.ts';
import { DELETED_USER_SELECT, GROUP_SELECT, isNoMailbox, MANAGER_EXPAND, pageOf, REMOVED_EXCHANGE_PLAN_FILTER, SKU_SELECT, toLicensingGroup, toMemberId, toObservedMailbox, toObservedSku, toObservedUser, toReadAt, toUserPlans, USER_SELECT, USER_WITH_PLANS_SELECT, userSelect } from './mapping.ts';
import type { AccessTokenSource } from './tokens.ts';
import { rolesOf } from './tokens.ts';

/**
 * Reads the tenant in bulk (docs/reconciliation.md §1 and docs/pulumi.md: never one request per declared user). For U active
 * users, D deleted users and M declared mailboxes that are active users, without retries:
 * ⌈U/999⌉ + ⌈D/999⌉ + 1 + ⌈M/20⌉ requests (a list of zero still takes one), plus ⌈G/999⌉ pages of the
 * G license-assigning groups when some license comes from a group or the request names groups, plus
 * ⌈m/999⌉ pages (at least one) of members for each group the request names that is found, with m members,
 * plus ⌈R/999⌉ pages (at least one) of the R users who hold a removed Exchange plan (their plans only; none with
 * `planHistory: 'all'`, which reads every user's plans in the bulk pages instead).
 * Declared attributes and managers ride in the users' pages (`$select`, `$expand`): no request more.
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

function withPlans(user: ObservedUser, plans: ObservedUser['assignedPlans'] | undefined): ObservedUser {
  return plans === undefined || !holdsRemovedMailboxPlan(plans) ? user : { ...user, assignedPlans: plans };
}

/**
 * The mailboxes of the active users whose UPN the request declares as a mailbox, by user id: their `userPurpose`,
 * 20 per `$batch`; a user without a (REST-enabled) mailbox is `none`. The full read and the watch's re-reads share it.
 */
export async function readMailboxes(http: GraphHttp, batch: BatchOptions, users: readonly ObservedUser[], request: ReadTenantRequest): Promise<Map<string, ObservedMailbox>> {
  const declared = new Set(request.mailboxUserPrincipalNames.map((upn) => upn.toLowerCase()));
  const targets = users.filter((u) => declared.has(u.userPrincipalName.toLowerCase()));
  const reads = targets.map((u, i) => ({ id: String(i + 1), url: `/users/${encodeURIComponent(u.id)}/mailboxSettings/userPurpose` }));
  const outcomes = await readInBatches(http, reads, batch);
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

/** As the full read lists an active user's plans (ReadTenantRequest.planHistory): all of them, or only a user's who holds a removed Exchange plan. */
export function withPlanHistory(user: ObservedUser, planHistory: ReadTenantRequest['planHistory']): ObservedUser {
  return planHistory === 'all' || user.assignedPlans.length === 0 || holdsRemovedMailboxPlan(user.assignedPlans) ? user : { ...user, assignedPlans: [] };
}

export function createGraphReader(options: GraphReaderOptions): TenantReader {
  const { http } = options;

  /**
   * The Exchange mailbox plans of the users who hold a removed Exchange plan, by user id: one advanced query
   * (docs/graph-behaviour.md §8). Its index is eventually consistent: a license removed seconds ago may be
   * missing, and then only the mailbox-recovery note waits for the next plan.
   */
  async function readRemovedPlans(): Promise<Map<string, ObservedUser['assignedPlans']>> {
    const items = await readAllPages(http, '/users', 'users with a removed Exchange plan', toUserPlans, {
      headers: { ConsistencyLevel: 'eventual' },
      build: (r) => r.select(['id', 'assignedPlans']).filter(REMOVED_EXCHANGE_PLAN_FILTER).count(true).top(PAGE_SIZE),
    });
    return new Map(items.map((item) => [item.id, item.plans]));
  }

  /** The license-assigning groups: one advanced query (`ConsistencyLevel: eventual` + `$count`, docs/graph-behaviour.md §4). */
  function readLicensingGroups(): Promise<Omit<ObservedGroup, 'memberIds'>[]> {
    const headers = { ConsistencyLevel: 'eventual' };
    return readAllPages(http, '/groups', 'groups', toLicensingGroup, {
      headers,
      build: (r) => r.select([...GROUP_SELECT]).filter('assignedLicenses/$count ne 0').count(true).top(PAGE_SIZE),
    });
  }

  /** The groups the request names, each with its direct members (paged): by id, or by display name (every group of that name). */
  async function readNamedGroups(groups: readonly Omit<ObservedGroup, 'memberIds'>[], named: readonly string[]): Promise<ObservedGroup[]> {
    const found = [...new Set(named.flatMap((reference) => findGroups(groups, reference)))].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return Promise.all(found.map(async (group) => {
      const members = await readAllPages(http, `/groups/${encodeURIComponent(group.id)}/members`, `the members of group ${group.displayName}`, toMemberId, { build: (r) => r.select(['id']).top(PAGE_SIZE) });
      return { ...group, memberIds: [...new Set(members)].sort() };
    }));
  }

  return {
    async readTenant(request) {
      const extras: UserExtras = { attributes: request.attributes ?? [], managers: request.managers === true };
      const named = request.groups ?? [];
      const expand = (r: GraphRequest): GraphRequest => (extras.managers ? r.expand(MANAGER_EXPAND) : r);
      const toUser = (item: unknown): ObservedUser => toObservedUser(item, extras);
      // The tenant's clock: the Date of the first page of users (no request of its own).
      let readAt: string | null = null;
      // Named groups do not wait for the users: the group query starts with them.
      const licensingGroups = named.length > 0 ? readLicensingGroups() : undefined;
      // Awaited below; this only keeps its failure from being unhandled when a users' page fails first.
      licensingGroups?.catch(() => undefined);
      const allPlans = request.planHistory === 'all';
      const [claims, leanUsers, deletedUsers, skus, removedPlans] = await Promise.all([
        options.tokens.getClaims(),
        readAllPages(http, '/users', 'users', toUser, { build: (r) => expand(r.select(userSelect(allPlans ? USER_WITH_PLANS_SELECT : USER_SELECT, extras)).top(PAGE_SIZE)), dated: (date) => (readAt = toReadAt(date)) }),
        readAllPages(http, '/directory/deletedItems/microsoft.graph.user', 'deleted users', toUser, { build: (r) => expand(r.select(userSelect(DELETED_USER_SELECT, extras)).top(PAGE_SIZE)) }),
        // subscribedSkus refuses $top (docs/graph-behaviour.md §7): one page, nextLinks followed if any.
        readAllPages(http, '/subscribedSkus', 'subscribed SKUs', toObservedSku, { build: (r) => r.select([...SKU_SELECT]) }),
        allPlans ? undefined : readRemovedPlans(),
      ]);
      // A user the filtered read names but the pages did not (created or deleted in between) is left out.
      const users = removedPlans === undefined ? leanUsers : leanUsers.map((u) => withPlans(u, removedPlans.get(u.id)));
      const fromGroups = [...users, ...deletedUsers].some((u) => u.licenseAssignmentStates.some((s) => s.assignedByGroup !== null));
      const groupsRead = licensingGroups ?? (fromGroups ? readLicensingGroups() : undefined);
      const [mailboxes, groups] = await Promise.all([
        readMailboxes(http, options.batch, users, request),
        groupsRead === undefined ? Promise.resolve(undefined) : groupsRead.then(async (all) => ({ all, named: await readNamedGroups(all, named) })),
      ]);
      const tid = typeof claims.tid === 'string' ? claims.tid.toLowerCase() : undefined;
      const tenantId = tid ?? options.tenantId?.toLowerCase();
      if (tenantId === undefined) throw new GraphResponseError('The access token carries no tenant id (tid claim), and none was configured.');
      const groupNames = new Map((groups?.all ?? []).map((g) => [g.id, g.displayName]));
      return { tenantId, users, deletedUsers, skus, mailboxes, groupNames, ...(named.length === 0 ? {} : { groups: groups?.named ?? [] }), readAt } satisfies ObservedTenant;
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
