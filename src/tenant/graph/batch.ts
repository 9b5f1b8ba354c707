import type { GraphHttp } from './client.ts';
import { GraphRequestError, GraphResponseError, graphErrorFromEnvelope } from './errors.ts';
import type { RetryEnvironment, RetryPolicy } from './retry.ts';
import { backoffDelayMs, isThrottledWithRetryAfter, DEFAULT_RETRY_POLICY, parseRetryAfterMs } from './retry.ts';

/**
 * JSON batching of reads (docs/graph-behaviour.md §10; https://learn.microsoft.com/graph/json-batching):
 * at most 20 requests per `POST /$batch`, answers correlated by id in any order. Items that fail
 * with a retryable status (429 inside an outer 200, 5xx) are sent again, only they, in a new batch
 * after the longest `Retry-After` among them (or backoff when none says). The SDK does not retry
 * inside batches. An outer 424 (the throttling page's reading) counts as every item failing.
 *
 * The body is built here, not with the SDK's `BatchRequestContent`: in 3.0.7 it keeps the version
 * segment in item URLs (`/v1.0/users/…`, microsoftgraph/msgraph-sdk-javascript#1451), which the
 * batch endpoint refuses, and the announced fix changes which input URLs work.
 */
export const MAX_BATCH_REQUESTS = 20;

export interface BatchRead {
  /** Unique within one call. */
  readonly id: string;
  /** Relative to the version, e.g. `/users/{id}/mailboxSettings/userPurpose`. */
  readonly url: string;
}

export type BatchOutcome = { readonly ok: true; readonly status: number; readonly body: unknown } | { readonly ok: false; readonly error: GraphRequestError };

export interface BatchOptions {
  readonly retry: RetryEnvironment;
  readonly retryPolicy?: RetryPolicy;
  /** Batches in flight at once. */
  readonly concurrency?: number;
}

interface BatchItemResponse {
  readonly id: string;
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: unknown;
}

/** Runs the reads in batches of 20 and answers each by id. Throws only when a whole batch cannot be sent. */
export async function readInBatches(http: GraphHttp, reads: readonly BatchRead[], options: BatchOptions): Promise<Map<string, BatchOutcome>> {
  const chunks: BatchRead[][] = [];
  for (let i = 0; i < reads.length; i += MAX_BATCH_REQUESTS) chunks.push(reads.slice(i, i + MAX_BATCH_REQUESTS));
  const outcomes = new Map<string, BatchOutcome>();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < chunks.length) {
      const chunk = chunks[next++] as BatchRead[];
      for (const [id, outcome] of await readOneBatch(http, chunk, options)) outcomes.set(id, outcome);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency ?? 4, chunks.length)) }, worker));
  return outcomes;
}

async function readOneBatch(http: GraphHttp, reads: readonly BatchRead[], options: BatchOptions): Promise<Map<string, BatchOutcome>> {
  const policy = options.retryPolicy ?? DEFAULT_RETRY_POLICY;
  const outcomes = new Map<string, BatchOutcome>();
  let pending = [...reads];
  let attempt = 1;
  let throttledWaitMs = 0;
  while (pending.length > 0) {
    const failed = await sendBatch(http, pending, options.retry, outcomes);
    if (failed.length === 0) break;
    const retryAfter = failed.map((f) => f.error.retryAfterMs).filter((ms): ms is number => ms !== null);
    // Items throttled with a Retry-After were not carried out: waiting spends no attempt (as in withRetries).
    const onlyThrottled = failed.every((f) => isThrottledWithRetryAfter(f.error));
    const waitMs = retryAfter.length > 0 ? Math.max(...retryAfter) : backoffDelayMs(attempt, policy, options.retry.random);
    if (onlyThrottled) throttledWaitMs += waitMs;
    else attempt++;
    if (attempt > policy.maxAttempts || waitMs > policy.maxRetryAfterMs || throttledWaitMs > policy.maxThrottledWaitMs) {
      for (const { read, error } of failed) outcomes.set(read.id, { ok: false, error });
      break;
    }
    await options.retry.sleep(waitMs);
    pending = failed.map((f) => f.read);
  }
  return outcomes;
}

/** One `POST /$batch`: final answers go into `outcomes`; retryable failures are returned. */
async function sendBatch(http: GraphHttp, reads: readonly BatchRead[], retry: RetryEnvironment, outcomes: Map<string, BatchOutcome>): Promise<{ read: BatchRead; error: GraphRequestError }[]> {
  const body = { requests: reads.map((r) => ({ id: r.id, method: 'GET', url: r.url })) };
  let answer: unknown;
  try {
    // A batch of reads is safe to repeat: outer 429/5xx and lost connections are retried in http.
    answer = await http.post('/$batch', body, { idempotent: true });
  } catch (error) {
    if (error instanceof GraphRequestError && error.status === 424) return reads.map((read) => ({ read, error: itemError(read, { id: read.id, status: 424, headers: {}, body: undefined }, retry) }));
    throw error;
  }
  const responses = parseResponses(answer);
  const failed: { read: BatchRead; error: GraphRequestError }[] = [];
  for (const read of reads) {
    const response = responses.get(read.id.toLowerCase());
    if (!response) {
      failed.push({ read, error: new GraphRequestError({ status: 0, code: 'MissingBatchResponse', message: `The $batch answer has no response for request '${read.id}'.`, method: 'GET', path: read.url, idempotent: true }) });
    } else if (response.status >= 200 && response.status < 300) {
      outcomes.set(read.id, { ok: true, status: response.status, body: response.body });
    } else {
      const error = itemError(read, response, retry);
      if (error.retryable) failed.push({ read, error });
      else outcomes.set(read.id, { ok: false, error });
    }
  }
  return failed;
}

/** An item's error, with the item's own `Retry-After` (docs/graph-behaviour.md §10). Items are reads: idempotent. */
function itemError(read: BatchRead, response: BatchItemResponse, retry: RetryEnvironment): GraphRequestError {
  const header = (name: string): string | undefined => Object.entries(response.headers).find(([key]) => key.toLowerCase() === name)?.[1];
  return graphErrorFromEnvelope(response.status, response.body, {
    method: 'GET',
    path: read.url,
    idempotent: true,
    retryAfterMs: parseRetryAfterMs(header('retry-after'), retry.nowMs()) ?? null,
    requestId: header('request-id') ?? null,
    clientRequestId: header('client-request-id') ?? null,
  });
}

function parseResponses(answer: unknown): Map<string, BatchItemResponse> {
  const responses = (answer as { responses?: unknown } | null)?.responses;
  if (!Array.isArray(responses)) throw new GraphResponseError('The $batch answer has no "responses" array.');
  const byId = new Map<string, BatchItemResponse>();
  for (const raw of responses) {
    const item = raw as { id?: unknown; status?: unknown; headers?: unknown; body?: unknown } | null;
    if (typeof item?.id !== 'string' || typeof item.status !== 'number') throw new GraphResponseError('A $batch response item has no id or status.');
    const headers = typeof item.headers === 'object' && item.headers !== null ? Object.fromEntries(Object.entries(item.headers).map(([k, v]) => [k, String(v)])) : {};
    byId.set(item.id.toLowerCase(), { id: item.id, status: item.status, headers, body: item.body });
  }
  return byId;
}
