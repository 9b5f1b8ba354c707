/**
 * Per-app throttling modelled on Microsoft Graph's identity and access limits (docs/graph-behaviour.md §11,
 * https://learn.microsoft.com/graph/throttling-limits#identity-and-access-service-limits): every
 * request costs resource units (RU) against one budget, and every write also counts against a
 * separate write budget. Pure: the caller passes the time (`nowMs`) in; nothing reads a clock.
 *
 * Algorithm: an exact sliding-window log per budget. A budget of N per W seconds admits a request
 * when the units admitted in the last W seconds plus the request's cost are at most N, so no
 * window of length W ever holds more than N. A client that waits exactly `Retry-After` each time
 * gets the whole budget (N per W), which the write benchmark measures. Graph documents a token
 * bucket; a sliding log is the stricter reading of "N requests per W" (a full bucket would let 2N
 * through in one window) and gives an exact, not estimated, `Retry-After`.
 */

/** Budgets per app id (the emulator serves one tenant, so per app = per application+tenant pair). */
export interface ThrottleLimits {
  readonly resourceUnits: number;
  readonly resourceUnitWindowSeconds: number;
  readonly writes: number;
  readonly writeWindowSeconds: number;
  /** Answer 429 without `Retry-After`, so the client's exponential-backoff path is exercised (§11). */
  readonly omitRetryAfter?: boolean;
}

/**
 * Graph's application+tenant pair for a large tenant (more than 500 users): 8,000 RU per 10 s and
 * 3,000 writes per 2 min 30 s (docs/graph-behaviour.md §11 "Limits").
 */
export const DEFAULT_LIMITS: ThrottleLimits = Object.freeze({
  resourceUnits: 8000,
  resourceUnitWindowSeconds: 10,
  writes: 3000,
  writeWindowSeconds: 150,
});

/** Bounds that keep a typo from disabling the emulator or its memory bound. */
const MAX_BUDGET = 10_000_000;
const MAX_WINDOW_SECONDS = 86_400;

/**
 * Parses the body of `POST /_emulator/limits`. Fields given override the defaults (not the limits
 * in force), so `{}` restores the defaults. Throws an Error naming the offending field.
 */
export function parseThrottleLimits(json: unknown): ThrottleLimits {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new Error('limits: expected a JSON object');
  }
  const input = json as Record<string, unknown>;
  const known = ['resourceUnits', 'resourceUnitWindowSeconds', 'writes', 'writeWindowSeconds', 'omitRetryAfter'];
  for (const key of Object.keys(input)) {
    if (!known.includes(key)) throw new Error(`limits.${key}: unknown field (expected one of ${known.join(', ')})`);
  }
  const limits: ThrottleLimits = {
    resourceUnits: budget(input, 'resourceUnits', DEFAULT_LIMITS.resourceUnits),
    resourceUnitWindowSeconds: windowSeconds(input, 'resourceUnitWindowSeconds', DEFAULT_LIMITS.resourceUnitWindowSeconds),
    writes: budget(input, 'writes', DEFAULT_LIMITS.writes),
    writeWindowSeconds: windowSeconds(input, 'writeWindowSeconds', DEFAULT_LIMITS.writeWindowSeconds),
  };
  const omit = input['omitRetryAfter'];
  if (omit === undefined) return limits;
  if (typeof omit !== 'boolean') throw new Error(`limits.omitRetryAfter must be a boolean (got ${JSON.stringify(omit)})`);
  return { ...limits, omitRetryAfter: omit };
}

function budget(input: Record<string, unknown>, field: string, fallback: number): number {
  const value = input[field];
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_BUDGET) {
    throw new Error(`limits.${field} must be an integer from 1 to ${MAX_BUDGET} (got ${JSON.stringify(value)})`);
  }
  return value;
}

function windowSeconds(input: Record<string, unknown>, field: string, fallback: number): number {
  const value = input[field];
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0.001 || value > MAX_WINDOW_SECONDS) {
    throw new Error(`limits.${field} must be a number of seconds from 0.001 to ${MAX_WINDOW_SECONDS} (got ${JSON.stringify(value)})`);
  }
  return value;
}

export interface RequestCost {
  readonly resourceUnits: number;
  readonly isWrite: boolean;
}

const WRITE_METHODS = new Set(['POST', 'PATCH', 'PUT', 'DELETE']);

/**
 * The RU cost of one identity request, from the base-cost table and modifiers of
 * https://learn.microsoft.com/graph/throttling-limits#identity-and-access-service-limits (§11).
 * `path` is the Graph path after `/v1.0`, without the query (`/users`, `/users/{id}/licenseDetails`).
 *
 * - The table keys on request paths: `users` is the collection, and entity paths are listed
 *   separately where they cost more (`oauth2PermissionGrants/{id}`), so `GET /users/{id}` falls under
 *   "any identity path not listed in the table" and costs 1, as do `/users/$count` and `/users/delta`.
 * - "Any request cost that applies to a request path starting with `me/` also applies to equivalent
 *   requests starting with `users/{id | userPrincipalName}/`", hence `users/{id}/licenseDetails` = 2 and
 *   `users/{id}/memberOf` = 2 (`me/memberOf` is 2 in the table).
 * - Writes (POST, PATCH, PUT, DELETE) cost 1 RU plus 1 write. The doc's POST exceptions
 *   (`directoryObjects/getByIds`, `getMemberGroups`, …) are calls the emulator does not serve.
 *   An outer `POST /$batch` is not costed as a write by Graph: its items are evaluated one by one
 *   (§10), so the route should cost the items, not the envelope.
 * - Modifiers: `$select` −1, `$expand` +1, `$top` below 20 −1; never below 1. Option names are
 *   matched case-insensitively and need their `$` (v1.0 makes the prefix optional only for some APIs).
 */
export function resourceUnitCost(request: { method: string; path: string; query: URLSearchParams }): RequestCost {
  const method = request.method.toUpperCase();
  const isWrite = WRITE_METHODS.has(method);
  let cost = isWrite ? 1 : readBaseCost(request.path);
  const options = new Map<string, string>();
  for (const [name, value] of request.query) options.set(name.toLowerCase(), value);
  if (options.has('$select')) cost -= 1;
  if (options.has('$expand')) cost += 1;
  const top = options.get('$top');
  if (top !== undefined && /^\s*\d+\s*$/u.test(top) && Number(top) < 20) cost -= 1;
  return { resourceUnits: Math.max(1, cost), isWrite };
}

/**
 * The `me/…` GETs the table prices at 2 that the emulator serves under `users/{id}/…`. Only the listed
 * paths: the OData cast `users/{id}/memberOf/microsoft.graph.group` is not in the table, so it is "any
 * identity path not listed" (1).
 */
const ME_COST_2: ReadonlySet<string> = new Set(['licensedetails', 'memberof']);

function readBaseCost(path: string): number {
  const segments = path.toLowerCase().split('/').filter((segment) => segment !== '');
  const [first, second, third] = segments;
  if (segments.length === 1 && first === 'users') return 2;
  if (segments.length === 1 && first === 'subscribedskus') return 3;
  if (segments.length === 2 && first === 'me' && ME_COST_2.has(second ?? '')) return 2;
  if (segments.length === 3 && first === 'users' && ME_COST_2.has(third ?? '')) return 2;
  return 1;
}

/** `x-ms-throttle-information` values (§11); the Throttler reports the first two. */
export type ThrottleInformation = 'ResourceUnitLimitExceeded' | 'WriteLimitExceeded' | 'CPULimitExceeded';

export type Admission =
  | { readonly admitted: true; readonly limitPercentage?: number }
  | {
      readonly admitted: false;
      /** Undefined when the limits say `omitRetryAfter`. */
      readonly retryAfterSeconds: number | undefined;
      readonly information: 'ResourceUnitLimitExceeded' | 'WriteLimitExceeded';
      readonly limitPercentage: number;
    };

export interface Throttler {
  /**
   * Admits or rejects one request of `appId` at `nowMs`. An admitted request consumes its cost; a
   * rejected one consumes nothing (unlike Graph, which keeps counting while a client is throttled,
   * https://learn.microsoft.com/graph/throttling#best-practices-to-handle-throttling, so that the
   * budget a well-behaved client reaches is measurable).
   *
   * - `limitPercentage` (admitted): used / limit of the fuller budget after admission, present only
   *   above 0.8, as Graph sends `x-ms-throttle-limit-percentage` "only when the application consumed
   *   more than 0.8 of its limit".
   * - `limitPercentage` (rejected): (used + cost) / limit of the budget that rejected, so above 1,
   *   capped at Graph's documented maximum of 1.8.
   * - `retryAfterSeconds`: the exact time until enough of both budgets frees up for this request,
   *   rounded up to the millisecond, at least 0.001. Retrying at `nowMs + retryAfterSeconds * 1000`
   *   succeeds if nothing else was admitted for the app in between.
   * - A cost above a whole budget is capped at that budget: the request waits for an empty window
   *   and then fills it, instead of never fitting.
   * - Time going backwards (a wall clock stepping back) is treated as no time passing.
   */
  admit(appId: string, cost: RequestCost, nowMs: number): Admission;
  /** New budgets apply to the usage already recorded. */
  setLimits(limits: ThrottleLimits): void;
  /** Forgets all usage of all apps. */
  reset(): void;
  readonly limits: ThrottleLimits;
  /** Log entries held across all apps (for tests of the memory bound). */
  trackedEntryCount(): number;
}

/**
 * Tolerance for float error when a client computes `now + retryAfterSeconds * 1000` itself: an
 * entry counts as expired this close to its expiry, and Retry-After is rounded up from just below.
 */
const EPSILON_MS = 1e-6;
/** Every this many admissions, drop the apps whose windows have emptied. */
const SWEEP_EVERY = 4096;
const MAX_LIMIT_PERCENTAGE = 1.8;
const REPORT_ABOVE = 0.8;

/** Admissions inside one budget's window, oldest first, as (time, units) with a moving head. */
interface WindowLog {
  times: number[];
  units: number[];
  head: number;
  used: number;
}

interface AppState {
  readonly resourceUnits: WindowLog;
  readonly writes: WindowLog;
  clockMs: number;
}

export function createThrottler(initial: ThrottleLimits = DEFAULT_LIMITS): Throttler {
  let limits = initial;
  let apps = new Map<string, AppState>();
  let admissions = 0;

  const ruWindowMs = (): number => secondsToMs(limits.resourceUnitWindowSeconds);
  const writeWindowMs = (): number => secondsToMs(limits.writeWindowSeconds);

  function prune(state: AppState): void {
    pruneLog(state.resourceUnits, state.clockMs, ruWindowMs());
    pruneLog(state.writes, state.clockMs, writeWindowMs());
  }

  function sweep(nowMs: number): void {
    for (const [appId, state] of apps) {
      state.clockMs = Math.max(state.clockMs, nowMs);
      prune(state);
      if (logLength(state.resourceUnits) === 0 && logLength(state.writes) === 0) apps.delete(appId);
    }
  }

  return {
    get limits() {
      return limits;
    },
    admit(appId, cost, nowMs) {
      if (!Number.isInteger(cost.resourceUnits) || cost.resourceUnits < 1) {
        throw new RangeError(`resource unit cost must be a positive integer (got ${cost.resourceUnits})`);
      }
      if (!Number.isFinite(nowMs)) throw new RangeError(`nowMs must be finite (got ${nowMs})`);
      let state = apps.get(appId);
      if (state === undefined) {
        state = { resourceUnits: emptyLog(), writes: emptyLog(), clockMs: nowMs };
        apps.set(appId, state);
      }
      state.clockMs = Math.max(state.clockMs, nowMs);
      prune(state);

      const ru = Math.min(cost.resourceUnits, limits.resourceUnits);
      const ruWait = waitMs(state.resourceUnits, ru, limits.resourceUnits, ruWindowMs(), state.clockMs);
      const writeWait = cost.isWrite ? waitMs(state.writes, 1, limits.writes, writeWindowMs(), state.clockMs) : 0;

      if (ruWait > 0 || writeWait > 0) {
        // The longer wait is the binding one; on a tie, the write budget is the rarer, clearer cause.
        const byWrites = writeWait >= ruWait;
        const ratio = byWrites
          ? (state.writes.used + 1) / limits.writes
          : (state.resourceUnits.used + ru) / limits.resourceUnits;
        return {
          admitted: false,
          retryAfterSeconds: limits.omitRetryAfter === true ? undefined : retryAfterSeconds(Math.max(ruWait, writeWait)),
          information: byWrites ? 'WriteLimitExceeded' : 'ResourceUnitLimitExceeded',
          limitPercentage: Math.min(MAX_LIMIT_PERCENTAGE, ratio),
        };
      }

      record(state.resourceUnits, ru, state.clockMs);
      if (cost.isWrite) record(state.writes, 1, state.clockMs);
      admissions += 1;
      if (admissions % SWEEP_EVERY === 0) sweep(nowMs);

      const percentage = Math.max(
        state.resourceUnits.used / limits.resourceUnits,
        state.writes.used / limits.writes,
      );
      return percentage > REPORT_ABOVE
        ? { admitted: true, limitPercentage: Math.min(MAX_LIMIT_PERCENTAGE, percentage) }
        : { admitted: true };
    },
    setLimits(next) {
      limits = next;
    },
    reset() {
      apps = new Map();
      admissions = 0;
    },
    trackedEntryCount() {
      let count = 0;
      for (const state of apps.values()) count += logLength(state.resourceUnits) + logLength(state.writes);
      return count;
    },
  };
}

/** Window in milliseconds, rounded to the microsecond so that e.g. 1.1 s is exactly 1100 ms. */
function secondsToMs(seconds: number): number {
  return Math.round(seconds * 1_000_000) / 1000;
}

function retryAfterSeconds(waitMilliseconds: number): number {
  return Math.max(1, Math.ceil(waitMilliseconds - EPSILON_MS)) / 1000;
}

function emptyLog(): WindowLog {
  return { times: [], units: [], head: 0, used: 0 };
}

function logLength(log: WindowLog): number {
  return log.times.length - log.head;
}

function pruneLog(log: WindowLog, nowMs: number, windowMs: number): void {
  while (log.head < log.times.length && (log.times[log.head] ?? 0) + windowMs - nowMs <= EPSILON_MS) {
    log.used -= log.units[log.head] ?? 0;
    log.head += 1;
  }
  if (log.head === log.times.length) {
    log.times = [];
    log.units = [];
    log.head = 0;
    log.used = 0;
  } else if (log.head >= 1024 && log.head * 2 >= log.times.length) {
    log.times = log.times.slice(log.head);
    log.units = log.units.slice(log.head);
    log.head = 0;
  }
}

/** Admissions in the same millisecond share an entry, so a log never exceeds its budget or window in entries. */
function record(log: WindowLog, units: number, nowMs: number): void {
  const last = log.times.length - 1;
  if (last >= log.head && log.times[last] === nowMs) {
    log.units[last] = (log.units[last] ?? 0) + units;
  } else {
    log.times.push(nowMs);
    log.units.push(units);
  }
  log.used += units;
}

/**
 * Milliseconds until `units` more fit in a pruned log: the expiry of the entry whose removal frees
 * enough (0 when they fit now). `units <= limit`, so freeing the whole log always suffices.
 */
function waitMs(log: WindowLog, units: number, limit: number, windowMs: number, nowMs: number): number {
  const excess = log.used + units - limit;
  if (excess <= 0) return 0;
  let freed = 0;
  for (let index = log.head; index < log.times.length; index += 1) {
    freed += log.units[index] ?? 0;
    if (freed >= excess) return (log.times[index] ?? 0) + windowMs - nowMs;
  }
  return windowMs;
}

/**
 * `x-ms-throttle-limit-percentage` as sent in the header: rounded up to 3 decimals so that a value
 * just above 0.8 never reads as "0.8" (e.g. 0.85 -> "0.85", 0.8001 -> "0.801").
 */
export function formatLimitPercentage(limitPercentage: number): string {
  return String(Math.ceil(limitPercentage * 1000 - 1e-9) / 1000);
}

/**
 * The body of a throttled response, exactly the sample of
 * https://learn.microsoft.com/graph/throttling#sample-response (§11), key order included. `date` is
 * UTC without fractional seconds or zone (`2020-08-18T12:51:51`, §12). Unlike other errors it has no
 * `client-request-id`, because the sample has none.
 */
export function throttledResponseBody(requestId: string, date: string): object {
  return {
    error: {
      code: 'TooManyRequests',
      innerError: {
        code: '429',
        date,
        message: 'Please retry after',
        'request-id': requestId,
        status: '429',
      },
      message: 'Please retry again later.',
    },
  };
}

/**
 * `x-ms-throttle-scope`, `<Scope>/<Limit>/<ApplicationId>/<TenantId>` (§11,
 * https://learn.microsoft.com/graph/throttling-limits#identity-and-access-service-limits). The
 * budgets are per application+tenant pair, so the scope is `Tenant_Application`. The Limit names
 * which requests the exhausted budget counts: the RU budget counts every request (`ReadWrite`, as
 * in the doc's example), the write quota only writes (`Write`). Keyed on the budget rather than on
 * the request's method, because a write can be rejected by either budget.
 */
export function throttleScope(appId: string, tenantId: string, information: ThrottleInformation): string {
  const limit = information === 'WriteLimitExceeded' ? 'Write' : 'ReadWrite';
  return `Tenant_Application/${limit}/${appId}/${tenantId}`;
}
