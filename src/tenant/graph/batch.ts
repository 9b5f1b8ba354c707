import type { GraphHttp } from './client.ts';
import { batchItemError, batchRequestBody, isSuccess, logBatchItems, MAX_BATCH_REQUESTS, parseBatchResponse, unreadableItemError } from './batch-envelope.ts';
import type { BatchItemResponse } from './batch-envelope.ts';
import { GraphRequestError } from './errors.ts';
import type { Attempt, RetryEnvironment, RetryPolicy } from './retry.ts';
import { retryEach } from './retry.ts';

/**
 * JSON batching of reads (docs/graph-behaviour.md §10; https://learn.microsoft.com/graph/json-batching):
 * at most 20 requests per `POST /$batch` (batch-envelope.ts), answers correlated by id in any order.
 * Items that fail with a retryable status (429 inside an outer 200, 5xx) are sent again, only they,
 * in a new batch after the longest of their waits (retry.ts `retryEach`: each item's own
 * `Retry-After`, or backoff when none says). The SDK does not retry inside batches. An outer 424
 * (the throttling page's reading) counts as every item failing. A read whose item is missing or
 * cannot be read is retried the same way, as a read that got no answer (status 0); the reads
 * answered beside it stand.
 *
 * The body is built here, not with the SDK's `BatchRequestContent`: in 3.0.7 it keeps the version
 * segment in item URLs (`/v1.0/users/…`, microsoftgraph/msgraph-sdk-javascript#1451), which the
 * batch endpoint refuses, and the announced fix changes which input URLs work.
 */
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

/** Runs the reads in batches of 20 and answers each by id. Throws only when a whole batch cannot be sent. */
export async function readInBatches(http: GraphHttp, reads: readonly BatchRead[], options: BatchOptions): Promise<Map<string, BatchOutcome>> {
  const chunks: BatchRead[][] = [];
  for (let i = 0; i < reads.length; i += MAX_BATCH_REQUESTS) chunks.push(reads.slice(i, i + MAX_BATCH_REQUESTS));
  const outcomes = new Map<string, BatchOutcome>();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < chunks.length) {
      const chunk = chunks[next++] as BatchRead[];
      const answers = await retryEach(chunk, (pending) => sendReads(http, pending, options.retry), options.retry, options.retryPolicy);
      chunk.forEach((read, i) => {
        const answer = answers[i] as Attempt<BatchItemResponse, GraphRequestError>;
        outcomes.set(read.id, answer.ok ? { ok: true, status: answer.value.status, body: answer.value.body } : { ok: false, error: answer.error });
      });
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency ?? 4, chunks.length)) }, worker));
  return outcomes;
}

/** One `POST /$batch` of reads: each read's answer, or the error it would have had alone. */
async function sendReads(http: GraphHttp, reads: readonly BatchRead[], retry: RetryEnvironment): Promise<Attempt<BatchItemResponse, GraphRequestError>[]> {
  const requests = reads.map((r) => ({ id: r.id, method: 'GET' as const, url: r.url }));
  let answer: unknown;
  let batchRequestId: string | null = null;
  try {
    // A batch of reads is safe to repeat: outer 429/5xx and lost connections are retried in http.
    answer = await http.post('/$batch', batchRequestBody(requests), { idempotent: true, answered: (id) => (batchRequestId = id) });
  } catch (error) {
    if (!(error instanceof GraphRequestError && error.status === 424)) throw error;
    const failed: BatchItemResponse = { status: 424, headers: new Map(), body: undefined };
    return reads.map((read) => ({ ok: false, error: itemError(read, failed, retry) }));
  }
  const parsed = parseBatchResponse(answer, requests);
  logBatchItems(http.log, requests, parsed, batchRequestId);
  const { items, problems } = parsed;
  return items.map((result, i) => {
    const read = reads[i] as BatchRead;
    // No readable answer for this read: as if it had got none (status 0), so retryEach sends it again.
    if (!result.ok) return { ok: false, error: unreadableItemError(result.problem, problems, { method: 'GET', url: read.url, idempotent: true }) };
    if (isSuccess(result.response)) return { ok: true, value: result.response };
    return { ok: false, error: itemError(read, result.response, retry) };
  });
}

/** Items are reads: idempotent. */
function itemError(read: BatchRead, response: BatchItemResponse, retry: RetryEnvironment): GraphRequestError {
  return batchItemError(response, { method: 'GET', url: read.url, idempotent: true }, retry.nowMs());
}
