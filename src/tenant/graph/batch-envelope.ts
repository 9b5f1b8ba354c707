import type { GraphRequestError } from './errors.ts';
import { GraphResponseError, graphErrorFromEnvelope } from './errors.ts';
import { parseRetryAfterMs } from './retry.ts';

/**
 * The `$batch` envelope (docs/graph-behaviour.md §10; https://learn.microsoft.com/graph/json-batching),
 * one reading for batched reads (batch.ts) and batched writes (write-batch.ts): at most 20 requests,
 * ids unique without regard to case, answers in any order matched by id, and each item's failure
 * read as the same request sent alone would be (its own status, error envelope, `Retry-After` and
 * request ids).
 */
export const MAX_BATCH_REQUESTS = 20;

export interface BatchItemRequest {
  /** Unique within one batch, compared without regard to case. */
  readonly id: string;
  readonly method: 'GET' | 'POST' | 'PATCH';
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

/**
 * The answer to a `$batch`, one response per request, in the requests' order. An answer that is not
 * a `$batch` answer to exactly these requests (no `responses` array, an item without a string id or
 * an HTTP status, headers that are not a map of strings, a non-JSON body that is not base64 text, an
 * id twice or not asked for, a request left without a response) throws one `GraphResponseError`:
 * whatever happened to the items, the adapter cannot tell.
 */
export function parseBatchResponse(answer: unknown, requests: readonly Pick<BatchItemRequest, 'id'>[]): BatchItemResponse[] {
  const responses = isObject(answer) ? answer.responses : undefined;
  if (!Array.isArray(responses)) throw malformed('it has no "responses" array');
  const index = new Map(requests.map((r, i) => [r.id.toLowerCase(), i]));
  const parsed: (BatchItemResponse | undefined)[] = requests.map(() => undefined);
  responses.forEach((raw: unknown, position) => {
    if (!isObject(raw) || typeof raw.id !== 'string') throw malformed(`responses[${position}] has no id`);
    const at = index.get(raw.id.toLowerCase());
    if (at === undefined) throw malformed(`it answers request '${raw.id}', which was not sent`);
    if (parsed[at] !== undefined) throw malformed(`it answers request '${raw.id}' twice`);
    parsed[at] = itemResponse(raw, raw.id);
  });
  return parsed.map((response, i) => {
    if (response === undefined) throw malformed(`it has no response for request '${requests[i]?.id ?? ''}'`);
    return response;
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

export function isSuccess(response: BatchItemResponse): boolean {
  return response.status >= 200 && response.status < 300;
}

function itemResponse(raw: Record<string, unknown>, id: string): BatchItemResponse {
  const { status } = raw;
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 100 || status > 599) throw malformed(`the response to request '${id}' has no HTTP status`);
  const headers = new Map<string, string>();
  if (raw.headers !== undefined && raw.headers !== null) {
    if (!isObject(raw.headers)) throw malformed(`the headers of the response to request '${id}' are not an object`);
    for (const [name, value] of Object.entries(raw.headers)) {
      if (typeof value !== 'string' && typeof value !== 'number') throw malformed(`header ${name} of the response to request '${id}' is not text`);
      headers.set(name.toLowerCase(), String(value));
    }
  }
  return { status, headers, body: bodyOf(raw.body, headers.get('content-type'), id) };
}

/** JSON bodies as they are; any other content type comes base64-encoded (§10) and is decoded to text. */
function bodyOf(body: unknown, contentType: string | undefined, id: string): unknown {
  if (body === undefined || body === null || contentType === undefined || /\bjson\b/iu.test(contentType)) return body;
  if (typeof body !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/u.test(body)) throw malformed(`the ${contentType} body of the response to request '${id}' is not base64`);
  return Buffer.from(body, 'base64').toString('utf8');
}

function malformed(why: string): GraphResponseError {
  return new GraphResponseError(`Graph's $batch answer cannot be read: ${why}.`);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
