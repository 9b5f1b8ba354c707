import type { GraphRequest } from '@microsoft/microsoft-graph-client';
import type { ObservedUser } from '../../domain/observed.ts';
import type { ReadTenantRequest, ReadUsersResult, TenantDeltaReader, UserDeltaRound } from '../port.ts';
import type { BatchOptions, BatchRead } from './batch.ts';
import { readInBatches } from './batch.ts';
import type { GraphHttp } from './client.ts';
import { GraphResponseError } from './errors.ts';
import type { UserExtras } from './mapping.ts';
import { DELETED_USER_SELECT, MANAGER_EXPAND, SKU_SELECT, toObservedSku, toObservedUser, USER_SELECT, USER_WITH_PLANS_SELECT, userSelect } from './mapping.ts';
import { readAllPages, readMailboxes, withPlanHistory } from './reader.ts';

/**
 * The users' delta query for `tenantctl watch` (port.ts TenantDeltaReader; https://learn.microsoft.com/graph/api/user-delta,
 * docs/graph-behaviour.md §21): `$deltatoken=latest` with the planner's `$select` (carried by Graph in every
 * later link), rounds followed by `@odata.nextLink` to the `@odata.deltaLink`, and the users a round names read
 * again by id in `$batch`es. An idle round is one request. An expired or unknown link answers `syncStateNotFound`,
 * which the port's error classifies as `delta-expired` (src/tenant/errors.ts).
 */
export interface GraphDeltaReaderOptions {
  readonly http: GraphHttp;
  readonly batch: BatchOptions;
}

interface DeltaPage {
  readonly items: readonly unknown[];
  readonly nextLink: string | undefined;
  readonly deltaLink: string | undefined;
}

function deltaPageOf(value: unknown): DeltaPage {
  const json = typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  if (!json || !Array.isArray(json.value)) throw new GraphResponseError('A page of the users delta has no "value" array.');
  const link = (name: string): string | undefined => (typeof json[name] === 'string' && json[name] !== '' ? (json[name] as string) : undefined);
  return { items: json.value, nextLink: link('@odata.nextLink'), deltaLink: link('@odata.deltaLink') };
}

function extrasOf(request: ReadTenantRequest): UserExtras {
  return { attributes: request.attributes ?? [], managers: request.managers === true };
}

/** What the delta tracks: the planner's properties and the declared attributes; the manager reference when managers are declared. */
function deltaSelect(request: ReadTenantRequest): string[] {
  const extras = extrasOf(request);
  return [...userSelect(USER_SELECT, extras), ...(extras.managers ? ['manager'] : [])];
}

/** Follows one round from `link` to its deltaLink: ids in the list of what became of them, each once per list. */
async function readRound(http: GraphHttp, link: string, options: { build?: (r: GraphRequest) => GraphRequest } = {}): Promise<UserDeltaRound> {
  const changed = new Set<string>();
  const softDeleted = new Set<string>();
  const purged = new Set<string>();
  const seen = new Set<string>();
  let next: string | undefined = link;
  let first = true;
  while (next !== undefined) {
    const page = deltaPageOf(await http.get(next, first && options.build ? { build: options.build } : {}));
    first = false;
    for (const item of page.items) {
      const json = typeof item === 'object' && item !== null ? (item as Record<string, unknown>) : {};
      if (typeof json.id !== 'string' || json.id === '') throw new GraphResponseError('A user in the users delta has no id.');
      const id = json.id.toLowerCase();
      const removed = json['@removed'];
      const reason = typeof removed === 'object' && removed !== null ? (removed as Record<string, unknown>).reason : undefined;
      (removed === undefined ? changed : reason === 'deleted' ? purged : softDeleted).add(id);
    }
    if (page.deltaLink !== undefined) return { changed: [...changed], softDeleted: [...softDeleted], purged: [...purged], deltaLink: page.deltaLink };
    if (page.nextLink === undefined) throw new GraphResponseError('A page of the users delta has neither @odata.nextLink nor @odata.deltaLink.');
    if (seen.has(page.nextLink)) throw new GraphResponseError('Graph sent the same @odata.nextLink twice in the users delta.');
    seen.add(page.nextLink);
    next = page.nextLink;
  }
  throw new GraphResponseError('The users delta ended without a link.');
}

export function createGraphDeltaReader(options: GraphDeltaReaderOptions): TenantDeltaReader {
  const { http } = options;
  return {
    startUserDelta(request) {
      return readRound(http, '/users/delta', { build: (r) => r.query({ $deltatoken: 'latest' }).select(deltaSelect(request)) });
    },

    readUserDelta(deltaLink) {
      return readRound(http, deltaLink);
    },

    async readUsers(ids, request): Promise<ReadUsersResult> {
      const extras = extrasOf(request);
      const unique = [...new Set(ids.map((id) => id.toLowerCase()))];
      const expand = extras.managers ? `&$expand=${MANAGER_EXPAND}` : '';
      const activeSelect = userSelect(USER_WITH_PLANS_SELECT, extras).join(',');
      const deletedSelect = userSelect(DELETED_USER_SELECT, extras).join(',');
      const reads: BatchRead[] = unique.flatMap((id, i) => [
        { id: `a${i}`, url: `/users/${encodeURIComponent(id)}?$select=${activeSelect}${expand}` },
        { id: `d${i}`, url: `/directory/deletedItems/${encodeURIComponent(id)}?$select=${deletedSelect}${expand}` },
      ]);
      const outcomes = await readInBatches(http, reads, options.batch);
      const users: ObservedUser[] = [];
      const deletedUsers: ObservedUser[] = [];
      unique.forEach((id, i) => {
        for (const [key, list] of [[`a${i}`, users], [`d${i}`, deletedUsers]] as const) {
          const outcome = outcomes.get(key);
          if (!outcome) throw new GraphResponseError(`No answer for user ${id}.`);
          // Not there (404): not in this list. Any other failure is the read's.
          if (!outcome.ok && outcome.error.kind === 'not-found') continue;
          if (!outcome.ok) throw outcome.error;
          const user = toObservedUser(outcome.body, extras);
          list.push(list === users ? withPlanHistory(user, request.planHistory) : user);
        }
      });
      return { users, deletedUsers, mailboxes: await readMailboxes(http, options.batch, users, request) };
    },

    readSkus() {
      // subscribedSkus refuses $top (docs/graph-behaviour.md §7): one page, nextLinks followed if any.
      return readAllPages(http, '/subscribedSkus', 'subscribed SKUs', toObservedSku, { build: (r) => r.select([...SKU_SELECT]) });
    },
  };
}
