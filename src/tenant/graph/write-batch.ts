import type { GraphHttp } from './client.ts';
import { GraphRequestError, GraphResponseError, graphErrorFromEnvelope, isRetryable } from './errors.ts';
import type { RetryableFailure, RetryCount, RetryEnvironment, RetryPolicy } from './retry.ts';
import { DEFAULT_RETRY_POLICY, newRetryCount, nextRetryMs, parseRetryAfterMs } from './retry.ts';

/**
 * Writes grouped into `$batch` requests of up to 20 (docs/graph-behaviour.md §10). Writes submitted while a
 * batch is being sent wait for the next one; each item is answered on its own and retried exactly as
 * the same write sent alone would be (retry.ts `nextRetryMs`, with the item's own count). When the
 * whole batch gets no answer, each item is judged as if its own request had failed so: the writes
 * that are safe to repeat go again and the others reject with the network error, so the caller can
 * check what happened (apply's idempotent steps).
 */
export const MAX_WRITES_PER_BATCH = 20;

export interface WriteRequest {
  readonly method: 'POST' | 'PATCH';
  /** Relative to the version: `/users/{id}`. */
  readonly url: string;
  readonly body: unknown;
  /** Safe to send again when the answer is lost (PATCH, assignLicense); restore and create are not. */
  readonly idempotent: boolean;
}

interface Pending {
  readonly request: WriteRequest;
  readonly resolve: (body: unknown) => void;
  readonly reject: (error: unknown) => void;
  readonly count: RetryCount;
}

export interface WriteBatcher {
  submit(request: WriteRequest): Promise<unknown>;
}

export function createWriteBatcher(http: GraphHttp, retry: RetryEnvironment, policy: RetryPolicy = DEFAULT_RETRY_POLICY): WriteBatcher {
  const queue: Pending[] = [];
  let scheduled = false;
  /** When Graph says the budget is nearly used (x-ms-throttle-limit-percentage), the next batch waits this long. */
  let pauseMs = 0;

  const flush = (): void => {
    scheduled = false;
    while (queue.length > 0) void send(queue.splice(0, MAX_WRITES_PER_BATCH));
  };
  const schedule = (): void => {
    if (scheduled) return;
    scheduled = true;
    if (pauseMs > 0) {
      const wait = pauseMs;
      pauseMs = 0;
      void retry.sleep(wait).then(flush);
      return;
    }
    // Let the writes submitted in this turn of the event loop join the same batch.
    setImmediate(flush);
  };

  /**
   * Back off before the budget runs out rather than after (docs/graph-behaviour.md §11: the header is sent
   * above 80 % use, up to 1.8): the fuller it is, the longer the pause, at most a second.
   */
  const notePercentage = (value: string | undefined): void => {
    const used = value === undefined ? Number.NaN : Number(value);
    if (Number.isFinite(used) && used >= 0.9) pauseMs = Math.max(pauseMs, Math.min(1000, Math.round((used - 0.85) * 1000)));
  };

  const enqueue = (pending: Pending): void => {
    queue.push(pending);
    schedule();
  };

  const later = (pending: Pending, waitMs: number): void => {
    void retry.sleep(waitMs).then(() => enqueue(pending));
  };

  async function send(items: Pending[]): Promise<void> {
    const requests = items.map((item, index) => ({
      id: String(index + 1),
      method: item.request.method,
      url: item.request.url,
      headers: { 'Content-Type': 'application/json' },
      body: item.request.body,
    }));
    let answer: unknown;
    try {
      // Not repeated by http: a lost answer may hide writes that happened (handled per item below).
      answer = await http.post('/$batch', { requests }, { idempotent: false });
    } catch (error) {
      for (const item of items) {
        // As if this item's own request had failed so: repeatable when the write is (or nothing was done).
        const failure = error instanceof GraphRequestError ? { status: error.status, retryAfterMs: error.retryAfterMs, retryable: isRetryable(error.status, error.kind, item.request.idempotent) } : undefined;
        retryOrReject(item, failure, error);
      }
      return;
    }
    const responses = (answer as { responses?: unknown } | null)?.responses;
    if (!Array.isArray(responses)) {
      for (const item of items) item.reject(new GraphResponseError('The $batch answer has no "responses" array.'));
      return;
    }
    const byId = new Map<string, { status: number; headers: Record<string, string>; body: unknown }>();
    for (const raw of responses) {
      const response = raw as { id?: unknown; status?: unknown; headers?: unknown; body?: unknown } | null;
      if (typeof response?.id !== 'string' || typeof response.status !== 'number') continue;
      const headers = typeof response.headers === 'object' && response.headers !== null ? Object.fromEntries(Object.entries(response.headers).map(([k, v]) => [k.toLowerCase(), String(v)])) : {};
      byId.set(response.id, { status: response.status, headers, body: response.body });
    }
    items.forEach((item, index) => {
      const response = byId.get(String(index + 1));
      if (!response) {
        item.reject(new GraphResponseError(`The $batch answer has no response for ${item.request.method} ${item.request.url}.`));
        return;
      }
      notePercentage(response.headers['x-ms-throttle-limit-percentage']);
      if (response.status >= 200 && response.status < 300) {
        item.resolve(response.body);
        return;
      }
      const error = graphErrorFromEnvelope(response.status, response.body, {
        method: item.request.method,
        path: item.request.url,
        idempotent: item.request.idempotent,
        retryAfterMs: parseRetryAfterMs(response.headers['retry-after'], retry.nowMs()) ?? null,
        requestId: response.headers['request-id'] ?? null,
        clientRequestId: response.headers['client-request-id'] ?? null,
      });
      retryOrReject(item, error, error);
    });
  }

  function retryOrReject(item: Pending, failure: RetryableFailure | undefined, error: unknown): void {
    const waitMs = failure === undefined ? undefined : nextRetryMs(failure, item.count, policy, retry.random);
    if (waitMs === undefined) item.reject(error);
    else later(item, waitMs);
  }

  return {
    submit: (request) => new Promise<unknown>((resolve, reject) => enqueue({ request, resolve, reject, count: newRetryCount() })),
  };
}

/** One request per write, retried as single requests are (for callers that want no batching). */
export function singleRequestWrites(http: GraphHttp): WriteBatcher {
  return {
    submit: (request) =>
      request.method === 'PATCH' ? http.patch(request.url, request.body, { idempotent: request.idempotent }) : http.post(request.url, request.body, { idempotent: request.idempotent }),
  };
}
