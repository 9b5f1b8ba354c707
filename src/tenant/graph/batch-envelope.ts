import { GraphRequestError, graphErrorFromEnvelope } from './errors.ts';
import type { RequestLog } from './request-log.ts';
import { parseRetryAfterMs } from './retry.ts';

/**
 * The `$batch` envelope (docs/graph-behaviour.md §10; https://learn.microsoft.com/graph/json-batching),
 * one reading for batched reads (batch.ts) and batched writes (write-batch.ts): at most 20 requests,
 * ids unique without regard to case, answers in any order matched by id, and each item's failure
 * read as the same request sent alone would be (its own status, error envelope, `Retry-After` and
 * request ids). An item that cannot be read is that request's problem alone: it fails as the same
 * request left unanswered would (status 0), and the items beside it stand.
 */
export const MAX_BATCH_REQUESTS = 20;

export interface BatchItemRequest {
  /** Unique within one batch, compared without regard to case. */
  readonly id: string;
  readonly method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  /** Relative to the version: `/users/{id}`. */
  readonly url: string;
  /** A JSON body; a request with one is sent with `Content-Type: application/json` (§10). */
  readonly body?: unknown;
}

/** One item's answer. */
export interface BatchItemResponse {
  readonly status: number;
  /** Header names in lower case. */
  readonly headers: ReadonlyMap<string, string>;
  /** The JSON body, or the text of a non-JSON body (which Graph sends base64-encoded); undefined when there is none. */
  readonly body: unknown;
}

/** The body of `POST /$batch` for these requests. */
export function batchRequestBody(requests: readonly BatchItemRequest[]): { requests: Record<string, unknown>[] } {
  if (requests.length > MAX_BATCH_REQUESTS) throw new RangeError(`A $batch holds at most ${MAX_BATCH_REQUESTS} requests, not ${requests.length}.`);
  return {
    requests: requests.map((r) => ({
      id: r.id,
      method: r.method,
      url: r.url,
      ...(r.body === undefined ? {} : { headers: { 'Content-Type': 'application/json' }, body: r.body }),
    })),
  };
}

/** What a `$batch` answer says about one request: its response, or why none can be read. */
export type BatchItemResult = { readonly ok: true; readonly response: BatchItemResponse } | { readonly ok: false; readonly problem: string };

/** A `$batch` answer read request by request. */
export interface BatchAnswer {
  /** One per request, in the requests' order. */
  readonly items: readonly BatchItemResult[];
  /**
   * What is wrong with the answer as a whole, owned by no one request: no `responses` array, an item
   * without a string id, an id that was not asked for. Empty when the envelope is sound.
   */
  readonly problems: readonly string[];
}

/**
 * The answer to a `$batch`, read per request: one item's fault is that item's alone, since every
 * item was carried out (or not) on its own (§10). An item that answers its request with a status,
 * headers and a body as §10 describes is its response; a request left without a response, answered
 * twice, or answered with no HTTP status, headers that are not a map of text or a non-JSON body that
 * is not base64 text has a problem instead. Only an answer with no `responses` array at all gives
 * every request a problem.
 */
export function parseBatchResponse(answer: unknown, requests: readonly Pick<BatchItemRequest, 'id'>[]): BatchAnswer {
  const responses = isObject(answer) ? answer.responses : undefined;
  if (!Array.isArray(responses)) {
    const problem = 'it has no "responses" array';
    return { items: requests.map(() => ({ ok: false, problem })), problems: [problem] };
  }
  const index = new Map(requests.map((r, i) => [r.id.toLowerCase(), i]));
  const answered: Record<string, unknown>[][] = requests.map(() => []);
  const problems: string[] = [];
  responses.forEach((raw: unknown, position) => {
    if (!isObject(raw) || typeof raw.id !== 'string') {
      problems.push(`responses[${position}] has no id`);
      return;
    }
    const at = index.get(raw.id.toLowerCase());
    if (at === undefined) problems.push(`it answers request '${raw.id}', which was not sent`);
    else answered[at]?.push(raw);
  });
  const items = requests.map((request, i): BatchItemResult => {
    const [raw, ...more] = answered[i] ?? [];
    if (raw === undefined) return { ok: false, problem: `it has no response for request '${request.id}'` };
    if (more.length > 0) return { ok: false, problem: `it answers request '${request.id}' ${more.length + 1} times` };
    return itemResult(raw, request.id);
  });
  return { items, problems };
}

/**
 * The failure of a request whose item cannot be read: as far as the adapter can tell no answer came
 * for it (status 0), so it may have been carried out (`mayHaveTakenEffect`), and it is retried only
 * when it is safe to repeat, as the same request sent alone and unanswered would be. The message
 * names the item's problem and the envelope's.
 */
export function unreadableItemError(problem: string, envelopeProblems: readonly string[], request: { readonly method: string; readonly url: string; readonly idempotent: boolean }): GraphRequestError {
  const others = envelopeProblems.filter((p) => p !== problem);
  return new GraphRequestError({
    status: 0,
    code: 'UnreadableBatchResponse',
    message: `Graph's $batch answer cannot be read for this request: ${[problem, ...others].join('; ')}.`,
    method: request.method,
    path: request.url,
    idempotent: request.idempotent,
  });
}

/** A failed item as the error its request would have had alone (Graph's envelope, the item's own `Retry-After`). */
export function batchItemError(response: BatchItemResponse, request: { readonly method: string; readonly url: string; readonly idempotent: boolean }, nowMs: number): GraphRequestError {
  return graphErrorFromEnvelope(response.status, response.body, {
    method: request.method,
    path: request.url,
    idempotent: request.idempotent,
    retryAfterMs: parseRetryAfterMs(response.headers.get('retry-after'), nowMs) ?? null,
    requestId: response.headers.get('request-id') ?? null,
    clientRequestId: response.headers.get('client-request-id') ?? null,
  });
}

/**
 * One `batch-item` entry per request of a `$batch` answer (request-log.ts): its method, URL, status (0
 * when its answer cannot be read), its own request id and the envelope's. Never a body; a failed item's
 * Graph error code is its `error`.
 */
export function logBatchItems(log: RequestLog | undefined, requests: readonly Pick<BatchItemRequest, 'method' | 'url'>[], answer: BatchAnswer, batchRequestId: string | null): void {
  if (log === undefined) return;
  requests.forEach((request, i) => {
    const result = answer.items[i];
    if (result === undefined) return;
    const common = { event: 'batch-item' as const, method: request.method, path: request.url, batchRequestId };
    if (!result.ok) {
      log.write({ ...common, status: 0, requestId: null, error: 'UnreadableBatchResponse' });
      return;
    }
    const { response } = result;
    const code = isSuccess(response) ? undefined : errorCodeOf(response.body);
    log.write({ ...common, status: response.status, requestId: response.headers.get('request-id') ?? null, ...(code === undefined ? {} : { error: code }) });
  });
}

/** Graph's error code from an error envelope's body, if it has one. */
function errorCodeOf(body: unknown): string | undefined {
  const error = isObject(body) ? body.error : undefined;
  return isObject(error) && typeof error.code === 'string' ? error.code : undefined;
}

export function isSuccess(response: BatchItemResponse): boolean {
  return response.status >= 200 && response.status < 300;
}

function itemResult(raw: Record<string, unknown>, id: string): BatchItemResult {
  const problem = (why: string): BatchItemResult => ({ ok: false, problem: why });
  const { status } = raw;
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 100 || status > 599) return problem(`the response to request '${id}' has no HTTP status`);
  const headers = new Map<string, string>();
  if (raw.headers !== undefined && raw.headers !== null) {
    if (!isObject(raw.headers)) return problem(`the headers of the response to request '${id}' are not an object`);
    for (const [name, value] of Object.entries(raw.headers)) {
      if (typeof value !== 'string' && typeof value !== 'number') return problem(`header ${name} of the response to request '${id}' is not text`);
      headers.set(name.toLowerCase(), String(value));
    }
  }
  const contentType = headers.get('content-type');
  const body = raw.body;
  // JSON bodies as they are; any other content type comes base64-encoded (§10) and is decoded to text.
  if (body === undefined || body === null || contentType === undefined || /\bjson\b/iu.test(contentType)) return { ok: true, response: { status, headers, body } };
  if (typeof body !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/u.test(body)) return problem(`the ${contentType} body of the response to request '${id}' is not base64`);
  return { ok: true, response: { status, headers, body: Buffer.from(body, 'base64').toString('utf8') } };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
