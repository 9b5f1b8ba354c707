/**
 * The users' delta query (https://learn.microsoft.com/graph/api/user-delta, https://learn.microsoft.com/graph/delta-query-users;
 * docs/graph-behaviour.md §21): `GET /users/delta` (and its full name `/users/microsoft.graph.delta`).
 *
 * - Initial round (no token): every active user, by id, `DELTA_PAGE_SIZE` a page, `@odata.nextLink` with a
 *   `$skiptoken` until the last page, which carries `@odata.deltaLink` with a `$deltatoken`.
 * - `$deltatoken=latest`: no users, a deltaLink for now ("sync from now", the overview's note).
 * - Later rounds (a deltaLink): each user changed since the token once, in its state now: an active one as an
 *   object with the selected properties; a soft-deleted one as `{"id", "@removed": {"reason": "changed"}}`; one
 *   deleted for good as reason `deleted`. Paged as the initial round.
 * - `$select` is carried in the tokens (the client must not send it again; sent beside a deltaLink it replaces
 *   the tracked set, as the overview allows for directory resources). `manager` may be selected: the user's
 *   manager comes as `manager@delta`.
 * - The emulator lists a user after any change to it, also to a property not selected and to
 *   licenseAssignmentStates (Graph: only selected properties are tracked, and licenseAssignmentStates not at all):
 *   a superset, which a client that re-reads the ids named cannot tell from replays.
 * - `$top` is ignored (the overview: "$top is not supported" for users; the page size varies), `$filter`,
 *   `$expand` and `$orderby` are refused (400).
 * - A token older than seven days of the directory clock, or one the emulator did not issue (garbled, or from
 *   before a reseed): 400 `syncStateNotFound` (the emulator contract for unknown tokens: Graph documents only
 *   expiry).
 */
import { randomUUID } from 'node:crypto';
import type { TenantStore } from '../directory/store.ts';
import type { UserRecord } from '../directory/user-record.ts';
import { odataContext } from './context.ts';
import { GraphError, unsupportedQuery } from './errors.ts';
import { parseSelect } from './odata.ts';
import type { GraphRequest, GraphResponse, Route } from './router.ts';
import { projectUser, userProjection } from './user-view.ts';

/** Users per page of a delta round (Graph's varies and is not documented). */
export const DELTA_PAGE_SIZE = 200;

export const SYNC_STATE_NOT_FOUND_MESSAGE = 'The sync state generation is not found. The delta token is expired and data must be synchronized again.';

/** What a token carries: which store issued it, the journal position, when, the tracked `$select`, and for a nextLink where the round is. */
interface TokenState {
  readonly epoch: string;
  /** Journal position: what the round's deltaLink will carry (initial round), or the round's end (changes round). */
  readonly seq: number;
  /** Directory clock when issued (ms). */
  readonly at: number;
  readonly select?: readonly string[];
  /** A nextLink of the initial round: after this user id. */
  readonly after?: string;
  /** A nextLink of a changes round: the changes after `from`, from the `offset`th. */
  readonly from?: number;
  readonly offset?: number;
}

/** One epoch per store: a reseeded emulator does not know the tokens of the tenant it replaced. */
const epochs = new WeakMap<TenantStore, string>();

function epochOf(store: TenantStore): string {
  let epoch = epochs.get(store);
  if (epoch === undefined) {
    epoch = randomUUID();
    epochs.set(store, epoch);
  }
  return epoch;
}

function encodeToken(state: TokenState): string {
  return Buffer.from(JSON.stringify(state)).toString('base64url');
}

export function syncStateNotFound(): GraphError {
  return new GraphError(400, 'syncStateNotFound', SYNC_STATE_NOT_FOUND_MESSAGE);
}

/** A token this store issued and still knows, or 400 syncStateNotFound. */
function decodeToken(token: string, store: TenantStore): TokenState {
  let state: Partial<TokenState>;
  try {
    state = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as Partial<TokenState>;
  } catch {
    throw syncStateNotFound();
  }
  if (typeof state !== 'object' || state === null || state.epoch !== epochOf(store) || typeof state.seq !== 'number' || typeof state.at !== 'number') throw syncStateNotFound();
  const from = state.from ?? state.seq;
  if (!store.journal.knows(from, state.at, store.nowMs) || state.seq > store.journal.latest) throw syncStateNotFound();
  return state as TokenState;
}

const ALLOWED = new Set(['$select', '$deltatoken', '$skiptoken', '$top']);

function link(request: GraphRequest, name: '$skiptoken' | '$deltatoken', state: TokenState): string {
  return `${request.baseUrl}/v1.0/users/delta?${name}=${encodeToken(state)}`;
}

/** A user as a delta round shows it: its state now. */
function deltaItem(id: string, store: TenantStore, select: readonly string[] | undefined): Record<string, unknown> {
  const user = store.findActive(id);
  if (user && user.id === id) return present(user, store, select);
  return { id, '@removed': { reason: store.findDeleted(id) ? 'changed' : 'deleted' } };
}

function present(user: UserRecord, store: TenantStore, select: readonly string[] | undefined): Record<string, unknown> {
  const withManager = select?.some((name) => name.toLowerCase() === 'manager') ?? false;
  const others = select?.filter((name) => name.toLowerCase() !== 'manager');
  const json = projectUser(user, store, userProjection(others === undefined || others.length > 0 ? others : ['id'], { collection: true }));
  const manager = withManager ? store.managerOf(user) : undefined;
  if (manager) json['manager@delta'] = [{ '@odata.type': '#microsoft.graph.user', id: manager.id }];
  return json;
}

function delta(request: GraphRequest, store: TenantStore): GraphResponse {
  for (const key of request.query.keys()) {
    if (key === '$filter' || key === '$expand' || key === '$orderby') throw unsupportedQuery(`The emulator does not support ${key} on delta.`);
    if (key.startsWith('$') && !ALLOWED.has(key)) throw unsupportedQuery(`Query option '${key}' is not allowed.`);
  }
  const skipToken = request.query.get('$skiptoken');
  const deltaToken = request.query.get('$deltatoken');
  if (skipToken !== null && deltaToken !== null) throw syncStateNotFound();
  const asked = parseSelect(request.query.get('$select'));
  // Checked now, as any users read checks it, so that a bad name fails the first request, not a later round.
  if (asked !== undefined) userProjection(asked.filter((name) => name.toLowerCase() !== 'manager'), { collection: true });
  const now = store.nowMs;
  const epoch = epochOf(store);
  const withSelect = (select: readonly string[] | undefined): { select?: readonly string[] } => (select === undefined ? {} : { select });

  let state: TokenState;
  if (skipToken !== null) state = decodeToken(skipToken, store);
  else if (deltaToken === 'latest') state = { epoch, seq: store.journal.latest, at: now, ...withSelect(asked) };
  else if (deltaToken !== null) state = { ...decodeToken(deltaToken, store), ...withSelect(asked) };
  else state = { epoch, seq: store.journal.latest, at: now, after: '', ...withSelect(asked) };
  const select = skipToken === null ? (asked ?? state.select) : state.select;
  const done = (value: readonly unknown[]): GraphResponse => ({
    status: 200,
    body: { '@odata.context': odataContext('users', { selected: select }), value, '@odata.deltaLink': link(request, '$deltatoken', { epoch, seq: state.seq, at: now, ...withSelect(select) }) },
  });
  const more = (value: readonly unknown[], next: Partial<TokenState>): GraphResponse => ({
    status: 200,
    body: { '@odata.context': odataContext('users', { selected: select }), value, '@odata.nextLink': link(request, '$skiptoken', { epoch, seq: state.seq, at: state.at, ...withSelect(select), ...next }) },
  });

  if (deltaToken === 'latest') return done([]);
  if (state.after !== undefined) {
    // The initial round: every active user, by id.
    const users = store.activeUsers();
    let start = 0;
    while (start < users.length && (users[start] as UserRecord).id <= state.after) start += 1;
    const page = users.slice(start, start + DELTA_PAGE_SIZE);
    const value = page.map((user) => present(user, store, select));
    if (start + DELTA_PAGE_SIZE >= users.length) return done(value);
    return more(value, { after: (page.at(-1) as UserRecord).id });
  }
  // A changes round: the users changed after `from` up to the round's end, `seq`.
  const from = state.from ?? state.seq;
  const until = state.from === undefined ? store.journal.latest : state.seq;
  const changes = store.journal.changesSince(from, until);
  const ids = [...changes.changed, ...changes.softDeleted, ...changes.purged];
  const offset = state.offset ?? 0;
  const value = ids.slice(offset, offset + DELTA_PAGE_SIZE).map((id) => deltaItem(id, store, select));
  state = { ...state, seq: until };
  if (offset + DELTA_PAGE_SIZE >= ids.length) return done(value);
  return more(value, { from, offset: offset + DELTA_PAGE_SIZE });
}

export const DELTA_ROUTES: readonly Route[] = [
  { method: 'GET', pattern: '/users/delta', operation: 'users.delta', handle: (request, _params, store) => delta(request, store) },
  { method: 'GET', pattern: '/users/microsoft.graph.delta', operation: 'users.delta', handle: (request, _params, store) => delta(request, store) },
];
