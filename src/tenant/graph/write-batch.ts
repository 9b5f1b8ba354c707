import type { GraphHttp } from './client.ts';
import { batchItemError, batchRequestBody, isSuccess, logBatchItems, MAX_BATCH_REQUESTS, parseBatchResponse, unreadableItemError } from './batch-envelope.ts';
import type { BatchItemResult } from './batch-envelope.ts';
import { GraphRequestError } from './errors.ts';
import type { RetryEnvironment, RetryPolicy } from './retry.ts';
import { DEFAULT_RETRY_POLICY, withRetries } from './retry.ts';

/**
 * Writes grouped into `$batch` requests of up to 20 (docs/graph-behaviour.md §10). Writes submitted while a
 * batch is being sent wait for the next one; each item is answered on its own and retried exactly as
 * the same write sent alone would be: every write runs in its own `withRetries` (retry.ts), and one
 * try of it is one item in the next batch. A write whose item is answered settles as that item's
 * status says, whatever is wrong with the items beside it. When a write gets no readable answer (the
 * whole batch unanswered or unreadable, or its own item missing or unreadable), it fails as if its own
 * request had got none (status 0): the writes that are safe to repeat go again and the others reject
 * with that error, whose `mayHaveTakenEffect` tells the caller to check what happened (apply's
 * idempotent steps).
 */
export const MAX_WRITES_PER_BATCH = MAX_BATCH_REQUESTS;

export interface WriteRequest {
  readonly method: 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  /** Relative to the version: `/users/{id}`. */
  readonly url: string;
  /** The JSON body; undefined for none (DELETE). */
  readonly body: unknown;
  /** Safe to send again when the answer is lost (PATCH, assignLicense, references); restore and create are not. */
  readonly idempotent: boolean;
}

/**
 * A write's successful answer: its body, and Graph's request id for it: the item's own `request-id`
 * header, else the id of the `$batch` request that carried it (Graph need not give items one); null
 * when neither came.
 */
export interface WriteAnswer {
  readonly body: unknown;
  readonly requestId: string | null;
}

/** One try of one write, waiting for its batch. */
interface Pending {
  readonly request: WriteRequest;
  readonly resolve: (answer: WriteAnswer) => void;
  readonly reject: (error: unknown) => void;
}

export interface WriteBatcher {
  submit(request: WriteRequest): Promise<WriteAnswer>;
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

  /** One try: the write joins the next batch; its item's answer settles it. */
  const tryOnce = (request: WriteRequest): Promise<WriteAnswer> =>
    new Promise<WriteAnswer>((resolve, reject) => {
      queue.push({ request, resolve, reject });
      schedule();
    });

  async function send(items: Pending[]): Promise<void> {
    const requests = items.map((item, index) => ({ id: String(index + 1), method: item.request.method, url: item.request.url, body: item.request.body }));
    let answer: unknown;
    let batchRequestId: string | null = null;
    try {
      // Not repeated by http: a lost answer may hide writes that happened (judged per item below).
      answer = await http.post('/$batch', batchRequestBody(requests), { idempotent: false, answered: (id) => (batchRequestId = id) });
    } catch (error) {
      // As if each item's own request had failed so: repeatable when the write is (or nothing was done).
      for (const item of items) item.reject(error instanceof GraphRequestError ? error.forRequest(item.request) : error);
      return;
    }
    const parsed = parseBatchResponse(answer, requests);
    logBatchItems(http.log, requests, parsed, batchRequestId);
    const { items: results, problems } = parsed;
    items.forEach((item, index) => {
      const result = results[index] as BatchItemResult;
      if (!result.ok) {
        // No readable answer for this write: it may have happened (apply asks the tenant), and it
        // goes again only when it is safe to repeat. The writes answered beside it stand.
        item.reject(unreadableItemError(result.problem, problems, item.request));
        return;
      }
      notePercentage(result.response.headers.get('x-ms-throttle-limit-percentage'));
      if (isSuccess(result.response)) item.resolve({ body: result.response.body, requestId: result.response.headers.get('request-id') ?? batchRequestId });
      else item.reject(batchItemError(result.response, item.request, retry.nowMs()));
    });
  }

  return {
    submit: (request) => withRetries(() => tryOnce(request), retry, policy),
  };
}

/** One request per write, retried as single requests are (for callers that want no batching). */
export function singleRequestWrites(http: GraphHttp): WriteBatcher {
  return {
    async submit(request) {
      let requestId: string | null = null;
      const options = { idempotent: request.idempotent, answered: (id: string | null) => (requestId = id) };
      let body: unknown;
      switch (request.method) {
        case 'POST':
          body = await http.post(request.url, request.body, options);
          break;
        case 'PATCH':
          await http.patch(request.url, request.body, options);
          break;
        case 'PUT':
          await http.put(request.url, request.body, options);
          break;
        case 'DELETE':
          await http.delete(request.url, options);
          break;
      }
      return { body, requestId };
    },
  };
}
