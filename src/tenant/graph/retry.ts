import { GraphRequestError } from './errors.ts';
import type { RequestLog } from './request-log.ts';

/**
 * Retry policy as data (after Octokit's plugin-retry/plugin-throttling): which errors are retried
 * is the error's own `retryable` (src/tenant/errors.ts); how long to wait is `Retry-After` when Graph
 * sends it, else exponential backoff with jitter; how often is bounded. One loop, `retryEach`,
 * carries it out for single requests, `$batch` reads and batched writes alike. Sleep and randomness
 * are parameters, so tests shrink time by injection.
 *
 * https://learn.microsoft.com/graph/throttling: "wait the number of seconds specified in the
 * Retry-After header … If no Retry-After header is provided … implementing an exponential backoff".
 */
export interface RetryPolicy {
  /** Attempts in all, the first included. */
  readonly maxAttempts: number;
  /** The first backoff (before jitter); doubles with every retry. */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** A longer `Retry-After` is not waited for: the error is thrown instead. */
  readonly maxRetryAfterMs: number;
  /**
   * A 429 or 503 that says when to come back (`Retry-After`) did no work, so waiting it out spends no
   * attempt; this bounds the total such waiting for one request instead (a `Retry-After` of 0 waits
   * nothing, so it spends an attempt: `nextRetryMs`). Under a saturated write budget many clients
   * are told the same instant and most lose again (bench/RESULTS.md, apply).
   */
  readonly maxThrottledWaitMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({ maxAttempts: 7, baseDelayMs: 1000, maxDelayMs: 32_000, maxRetryAfterMs: 300_000, maxThrottledWaitMs: 600_000 });

/** A throttling answer with a time to come back: the request was not carried out. */
function isThrottledWithRetryAfter(error: RetryableFailure): error is RetryableFailure & { readonly retryAfterMs: number } {
  return (error.status === 429 || error.status === 503) && error.retryAfterMs !== null;
}

/** The side effects of waiting. */
export interface RetryEnvironment {
  readonly sleep: (ms: number) => Promise<void>;
  /** Uniform in [0, 1). */
  readonly random: () => number;
  /** Wall-clock milliseconds, for HTTP-date `Retry-After` values. */
  readonly nowMs: () => number;
  /** Told each retry decision (`retry`, `give-up`: request-log.ts); none when absent. */
  readonly log?: RequestLog;
}

/** `Retry-After` in milliseconds: decimal seconds (Graph sends e.g. `2.128`, docs/graph-behaviour.md §11) or an HTTP date. */
export function parseRetryAfterMs(value: string | null | undefined, nowMs: number): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (text === '') return undefined;
  if (/^\d+(\.\d+)?$/u.test(text)) return Math.round(Number(text) * 1000);
  // An HTTP date (RFC 9110 §10.2.3: "Retry-After = HTTP-date / delay-seconds") names a weekday and month.
  const date = /[a-z]/iu.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowMs);
}

/** Backoff before retry number `retry` (1 for the first retry): base·2^(retry−1), capped, with "equal jitter" (half fixed, half random). */
export function backoffDelayMs(retry: number, policy: RetryPolicy, random: () => number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, retry - 1));
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}

/** What a retry decision reads of a failure: the error's own, or a batch item's. */
export type RetryableFailure = Pick<GraphRequestError, 'status' | 'retryable' | 'retryAfterMs'>;

/** How long to wait before retry number `retry` after this failure, or undefined to give up. */
export function retryDelayMs(failure: RetryableFailure, retry: number, policy: RetryPolicy, random: () => number): number | undefined {
  if (!failure.retryable || retry >= policy.maxAttempts) return undefined;
  if (failure.retryAfterMs !== null) return failure.retryAfterMs <= policy.maxRetryAfterMs ? failure.retryAfterMs : undefined;
  return backoffDelayMs(retry, policy, random);
}

/** One request's retry bookkeeping: attempts spent, and time waited on throttling answers (which spend none). */
export interface RetryCount {
  attempt: number;
  throttledWaitMs: number;
}

export function newRetryCount(): RetryCount {
  return { attempt: 1, throttledWaitMs: 0 };
}

/**
 * The one retry decision, for single requests, `$batch` reads and batched writes alike: after this
 * failure, how long to wait before sending the request again, or undefined to give up. A 429/503
 * with `Retry-After` did no work: its wait spends no attempt and is bounded by `maxThrottledWaitMs`.
 * A `Retry-After` of 0 (or an HTTP date already past) has no wait to bound, so it spends an attempt
 * like any other retry (retried at once, as it says); else such answers would be retried forever.
 */
export function nextRetryMs(failure: RetryableFailure, count: RetryCount, policy: RetryPolicy, random: () => number): number | undefined {
  if (!failure.retryable) return undefined;
  if (isThrottledWithRetryAfter(failure) && failure.retryAfterMs > 0) {
    count.throttledWaitMs += failure.retryAfterMs;
    return failure.retryAfterMs > policy.maxRetryAfterMs || count.throttledWaitMs > policy.maxThrottledWaitMs ? undefined : failure.retryAfterMs;
  }
  const delayMs = retryDelayMs(failure, count.attempt, policy, random);
  if (delayMs !== undefined) count.attempt++;
  return delayMs;
}

/** One try of one request: its result, or what it failed with. */
export type Attempt<T, E = unknown> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: E };

/**
 * The one retry loop, for single requests, `$batch` reads and batched writes alike. `send` tries the
 * pending requests together (one request, or the items of one `$batch`) and answers each, in order.
 * A request that failed with a `GraphRequestError` that `nextRetryMs` says to retry is sent again,
 * with the others that are, after the longest of their waits; each request keeps its own count, so
 * an item of a batch is retried exactly as the same request sent alone would be. Any other answer is
 * final. Returns the final answers in the order of `requests`; whatever `send` throws is thrown.
 */
export async function retryEach<Q, T, E>(
  requests: readonly Q[],
  send: (pending: readonly Q[]) => Promise<readonly Attempt<T, E>[]>,
  environment: RetryEnvironment,
  policy: RetryPolicy = DEFAULT_RETRY_POLICY,
): Promise<Attempt<T, E>[]> {
  const answers = new Map<number, Attempt<T, E>>();
  let pending = requests.map((request, index) => ({ request, index, count: newRetryCount() }));
  while (pending.length > 0) {
    const tries = await send(pending.map((p) => p.request));
    const again: typeof pending = [];
    let waitMs = 0;
    pending.forEach((p, i) => {
      const answer = tries[i];
      if (answer === undefined) throw new Error(`retryEach: send answered ${tries.length} of ${pending.length} requests (a bug in its caller).`);
      const failure = answer.ok || !(answer.error instanceof GraphRequestError) ? undefined : answer.error;
      const delayMs = failure === undefined ? undefined : nextRetryMs(failure, p.count, policy, environment.random);
      if (failure?.retryable === true && environment.log) logDecision(environment.log, failure, delayMs, p.count, policy);
      if (delayMs === undefined) {
        answers.set(p.index, answer);
      } else {
        again.push(p);
        waitMs = Math.max(waitMs, delayMs);
      }
    });
    if (again.length === 0) break;
    await environment.sleep(waitMs);
    pending = again;
  }
  return requests.map((_request, index) => answers.get(index) as Attempt<T, E>);
}

/** `503`, or `no answer` for a lost connection (status 0). */
function statusText(status: number): string {
  return status === 0 ? 'no answer' : String(status);
}

/** Seconds for people: `2 s`, `2.128 s`, `0.25 s`. */
function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))} s`;
}

/**
 * One retry decision as a log entry: `retrying after 429, Retry-After 2 s, attempt 2 of 7`, or the
 * reason it was given up. A wait Graph asked for (429/503 with Retry-After) spends no attempt (`nextRetryMs`).
 */
function logDecision(log: RequestLog, failure: GraphRequestError, delayMs: number | undefined, count: RetryCount, policy: RetryPolicy): void {
  const throttled = isThrottledWithRetryAfter(failure) && failure.retryAfterMs > 0;
  const after = `${statusText(failure.status)}${failure.retryAfterMs === null ? '' : `, Retry-After ${seconds(failure.retryAfterMs)}`}`;
  const common = { method: failure.method, path: failure.path, status: failure.status, retryAfterMs: failure.retryAfterMs, attempt: count.attempt, maxAttempts: policy.maxAttempts };
  if (delayMs !== undefined) {
    const wait = failure.retryAfterMs === null ? `, backoff ${seconds(delayMs)}` : '';
    const spent = throttled ? ' (a wait Graph asks for spends no attempt)' : '';
    log.write({ event: 'retry', ...common, waitMs: delayMs, message: `retrying after ${after}${wait}, attempt ${count.attempt} of ${policy.maxAttempts}${spent}` });
    return;
  }
  const why = throttled
    ? failure.retryAfterMs > policy.maxRetryAfterMs
      ? `Retry-After is longer than ${seconds(policy.maxRetryAfterMs)}`
      : `throttled waits add up to ${seconds(count.throttledWaitMs)}, more than ${seconds(policy.maxThrottledWaitMs)}`
    : failure.retryAfterMs !== null && failure.retryAfterMs > policy.maxRetryAfterMs
      ? `Retry-After is longer than ${seconds(policy.maxRetryAfterMs)}`
      : `attempt ${count.attempt} of ${policy.maxAttempts} was the last`;
  log.write({ event: 'give-up', ...common, waitMs: null, message: `giving up after ${after}: ${why}` });
}

/** Runs `operation` until it succeeds, throws a non-retryable error, or the attempts run out. */
export async function withRetries<T>(operation: (attempt: number) => Promise<T>, environment: RetryEnvironment, policy: RetryPolicy = DEFAULT_RETRY_POLICY): Promise<T> {
  let calls = 0;
  const [answer] = await retryEach<null, T, unknown>([null], async () => {
    try {
      return [{ ok: true, value: await operation(++calls) }];
    } catch (error) {
      return [{ ok: false, error }];
    }
  }, environment, policy);
  if (answer?.ok !== true) throw answer?.error;
  return answer.value;
}
