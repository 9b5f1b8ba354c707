/**
 * The one reading of `$batch` answers (src/tenant/graph/batch-envelope.ts) that batched reads and
 * batched writes share, and the one retry loop (retry.ts `retryEach`) that single requests, batched
 * reads and batched writes go through. Time and fetch are injected; nothing waits.
 */
import { describe, expect, it } from 'vitest';
import { readInBatches } from '../../src/tenant/graph/batch.ts';
import { batchItemError, batchRequestBody, parseBatchResponse } from '../../src/tenant/graph/batch-envelope.ts';
import type { GraphHttp } from '../../src/tenant/graph/client.ts';
import { GraphRequestError, GraphResponseError } from '../../src/tenant/graph/errors.ts';
import type { Attempt, RetryEnvironment } from '../../src/tenant/graph/retry.ts';
import { DEFAULT_RETRY_POLICY, retryEach } from '../../src/tenant/graph/retry.ts';
import { createWriteBatcher } from '../../src/tenant/graph/write-batch.ts';

const NOW = Date.parse('2026-11-22T10:00:00Z');

function environment(random = 0.5): RetryEnvironment & { sleeps: number[] } {
  const sleeps: number[] = [];
  return { sleeps, sleep: async (ms) => void sleeps.push(ms), random: () => random, nowMs: () => NOW };
}

const REQUESTS = [{ id: '1' }, { id: '2' }, { id: 'Three' }];
const item = (id: string, status = 200, extra: Record<string, unknown> = {}): Record<string, unknown> => ({ id, status, headers: { 'Content-Type': 'application/json' }, body: { value: id }, ...extra });

describe('parseBatchResponse', () => {
  it('answers each request in the requests\' order, matching ids without regard to case', () => {
    const responses = parseBatchResponse({ responses: [item('three', 404), item('2', 204, { headers: {}, body: undefined }), item('1')] }, REQUESTS);
    expect(responses.map((r) => [r.status, r.body])).toEqual([[200, { value: '1' }], [204, undefined], [404, { value: 'three' }]]);
  });

  it('gives header names in lower case and numeric values as text; headers may be absent', () => {
    const [first, second] = parseBatchResponse({ responses: [item('1', 429, { headers: { 'Retry-After': 2.5, 'X-MS-Throttle-Limit-Percentage': '0.95' } }), { id: '2', status: 204 }] }, [{ id: '1' }, { id: '2' }]);
    expect([...(first?.headers ?? [])]).toEqual([['retry-after', '2.5'], ['x-ms-throttle-limit-percentage', '0.95']]);
    expect(second?.headers.size).toBe(0);
  });

  it('decodes a non-JSON body, which Graph sends base64-encoded (docs/graph-behaviour.md §10)', () => {
    const [response] = parseBatchResponse({ responses: [item('1', 200, { headers: { 'Content-Type': 'text/plain' }, body: Buffer.from('4', 'utf8').toString('base64') })] }, [{ id: '1' }]);
    expect(response?.body).toBe('4');
  });

  it.each([
    { what: 'not an object', answer: 'OK', why: 'no "responses" array' },
    { what: 'no responses array', answer: { value: [] }, why: 'no "responses" array' },
    { what: 'responses that are not an array', answer: { responses: { 1: item('1') } }, why: 'no "responses" array' },
    { what: 'an item that is not an object', answer: { responses: [null, item('2'), item('Three')] }, why: 'responses[0] has no id' },
    { what: 'an item without an id', answer: { responses: [{ status: 200 }, item('2'), item('Three')] }, why: 'responses[0] has no id' },
    { what: 'a numeric id', answer: { responses: [{ id: 1, status: 200 }, item('2'), item('Three')] }, why: 'responses[0] has no id' },
    { what: 'an id that was not asked for', answer: { responses: [item('1'), item('2'), item('Three'), item('4')] }, why: "request '4', which was not sent" },
    { what: 'an id twice', answer: { responses: [item('1'), item('2'), item('THREE'), item('three')] }, why: "request 'three' twice" },
    { what: 'a request left without a response', answer: { responses: [item('1'), item('Three')] }, why: "no response for request '2'" },
    { what: 'no status', answer: { responses: [item('1', undefined, { status: undefined }), item('2'), item('Three')] }, why: "request '1' has no HTTP status" },
    { what: 'a status that is text', answer: { responses: [item('1', undefined, { status: '200' }), item('2'), item('Three')] }, why: "request '1' has no HTTP status" },
    { what: 'a status that is no HTTP status', answer: { responses: [item('1', 0), item('2'), item('Three')] }, why: "request '1' has no HTTP status" },
    { what: 'headers that are not an object', answer: { responses: [item('1', 200, { headers: ['Content-Type'] }), item('2'), item('Three')] }, why: "headers of the response to request '1' are not an object" },
    { what: 'a header that is not text', answer: { responses: [item('1', 200, { headers: { 'Retry-After': { seconds: 1 } } }), item('2'), item('Three')] }, why: 'header Retry-After' },
    { what: 'a non-JSON body that is not base64', answer: { responses: [item('1', 200, { headers: { 'Content-Type': 'text/plain' }, body: { text: 'x' } }), item('2'), item('Three')] }, why: 'text/plain body' },
  ])('refuses an answer with $what, with one GraphResponseError', ({ answer, why }) => {
    let caught: unknown;
    try {
      parseBatchResponse(answer, REQUESTS);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(GraphResponseError);
    expect((caught as Error).message).toContain("Graph's $batch answer cannot be read");
    expect((caught as Error).message).toContain(why);
  });
});

describe('batchRequestBody and batchItemError', () => {
  it('sends Content-Type with a body only, and never more than 20 requests', () => {
    expect(batchRequestBody([{ id: '1', method: 'GET', url: '/users/a' }, { id: '2', method: 'PATCH', url: '/users/b', body: { accountEnabled: false } }])).toEqual({
      requests: [{ id: '1', method: 'GET', url: '/users/a' }, { id: '2', method: 'PATCH', url: '/users/b', headers: { 'Content-Type': 'application/json' }, body: { accountEnabled: false } }],
    });
    expect(() => batchRequestBody(Array.from({ length: 21 }, (_, i) => ({ id: String(i), method: 'GET' as const, url: '/users' })))).toThrow(RangeError);
  });

  it('reads an item\'s failure as the same request\'s would be: envelope, its own Retry-After and request ids', () => {
    const [response] = parseBatchResponse({ responses: [{ id: '1', status: 429, headers: { 'retry-after': 'Sun, 22 Nov 2026 10:00:03 GMT', 'Request-Id': 'req', 'client-request-id': 'cli' }, body: { error: { code: 'TooManyRequests', message: 'Please retry again later.' } } }] }, [{ id: '1' }]);
    const error = batchItemError(response as NonNullable<typeof response>, { method: 'POST', url: '/users', idempotent: false }, NOW);
    expect(error.toJSON()).toMatchObject({ status: 429, code: 'TooManyRequests', kind: 'throttled', retryable: true, mayHaveTakenEffect: false, retryAfterMs: 3000, requestId: 'req', clientRequestId: 'cli', method: 'POST', path: '/users' });
  });
});

/** A GraphHttp whose `$batch` answers come from a script, one per call; counts the calls. */
function scriptedHttp(script: ((requests: { id: string }[]) => unknown)[]): { http: GraphHttp; calls: () => number } {
  let calls = 0;
  const http = {
    post: async (_path: string, body: { requests: { id: string }[] }) => {
      const step = script[Math.min(calls++, script.length - 1)];
      return step?.(body.requests);
    },
  } as unknown as GraphHttp;
  return { http, calls: () => calls };
}

describe('both batch users read answers alike', () => {
  const missingSecond = (requests: { id: string }[]): unknown => ({ responses: requests.filter((r) => r.id !== '2').map((r) => ({ id: r.id, status: 200, headers: {}, body: { value: 'user' } })) });

  it('batched reads: an unreadable answer fails the read with the GraphResponseError, sent once', async () => {
    const env = environment();
    const { http, calls } = scriptedHttp([missingSecond]);
    const reads = [{ id: '1', url: '/users/a/mailboxSettings/userPurpose' }, { id: '2', url: '/users/b/mailboxSettings/userPurpose' }];
    await expect(readInBatches(http, reads, { retry: env })).rejects.toThrow(GraphResponseError);
    expect({ calls: calls(), sleeps: env.sleeps }).toEqual({ calls: 1, sleeps: [] });
  });

  it('batched writes: an unreadable answer rejects every write in the batch with it, none sent again', async () => {
    const env = environment();
    const { http, calls } = scriptedHttp([missingSecond]);
    const batcher = createWriteBatcher(http, env);
    const results = await Promise.allSettled([
      batcher.submit({ method: 'PATCH', url: '/users/a', body: {}, idempotent: true }),
      batcher.submit({ method: 'POST', url: '/users', body: {}, idempotent: false }),
    ]);
    expect(results.map((r) => (r.status === 'rejected' ? (r.reason as Error).message : 'fulfilled'))).toEqual([
      "Graph's $batch answer cannot be read: it has no response for request '2'.",
      "Graph's $batch answer cannot be read: it has no response for request '2'.",
    ]);
    expect(results.every((r) => r.status === 'rejected' && r.reason instanceof GraphResponseError)).toBe(true);
    expect({ calls: calls(), sleeps: env.sleeps }).toEqual({ calls: 1, sleeps: [] });
  });

  it('batched writes: when the batch gets no answer, each write fails as its own request would have', async () => {
    const env = environment();
    const http = {
      post: async () => {
        throw new GraphRequestError({ status: 0, code: 'NetworkError', message: 'No answer from Graph: socket hang up', method: 'POST', path: '/$batch', idempotent: false });
      },
    } as unknown as GraphHttp;
    const batcher = createWriteBatcher(http, env, { ...DEFAULT_RETRY_POLICY, maxAttempts: 2 });
    const [patch, create] = await Promise.allSettled([
      batcher.submit({ method: 'PATCH', url: '/users/a', body: {}, idempotent: true }),
      batcher.submit({ method: 'POST', url: '/users', body: {}, idempotent: false }),
    ]);
    const view = (r: PromiseSettledResult<unknown> | undefined): unknown => (r?.status === 'rejected' ? r.reason : undefined);
    // The PATCH is safe to repeat: tried twice (maxAttempts), then given up; the create is not: once.
    expect(view(patch)).toMatchObject({ kind: 'network', retryable: true, mayHaveTakenEffect: true, path: '/$batch' });
    expect(view(create)).toMatchObject({ kind: 'network', retryable: false, mayHaveTakenEffect: true, path: '/$batch' });
    expect(env.sleeps).toHaveLength(1);
  });
});

describe('retryEach, the one retry loop', () => {
  const throttled = (retryAfterMs: number): GraphRequestError => new GraphRequestError({ status: 429, code: 'TooManyRequests', message: 'Please retry again later.', retryAfterMs, idempotent: true });
  const unavailable = (): GraphRequestError => new GraphRequestError({ status: 500, code: 'InternalServerError', message: 'x', idempotent: true });

  it('sends again only what failed retryably, after the longest of their waits, each on its own count', async () => {
    const env = environment(0.5);
    const sent: string[][] = [];
    // a: throttled twice (no attempt spent), then done; b: a 500 every time (3 attempts, then its error); c: a 400 (final); d: done.
    const script: Record<string, unknown[]> = { a: [throttled(2000), throttled(100), 'A'], b: [unavailable(), unavailable(), unavailable(), 'never'], c: [new GraphRequestError({ status: 400, code: 'Request_BadRequest', message: 'no', idempotent: true })], d: ['D'] };
    const answers = await retryEach(['a', 'b', 'c', 'd'], async (pending) => {
      sent.push([...pending]);
      return pending.map((name): Attempt<unknown> => {
        const next = script[name]?.shift();
        return next instanceof Error ? { ok: false, error: next } : { ok: true, value: next };
      });
    }, env, { ...DEFAULT_RETRY_POLICY, maxAttempts: 3 });
    expect(answers.map((a) => (a.ok ? a.value : (a.error as GraphRequestError).status))).toEqual(['A', 500, 400, 'D']);
    expect(sent).toEqual([['a', 'b', 'c', 'd'], ['a', 'b'], ['a', 'b']]);
    // Round 1: a's 2000 ms beats b's first backoff (750); round 2: b's second backoff (1500) beats a's 100.
    expect(env.sleeps).toEqual([2000, 1500]);
  });

  it('treats anything but a GraphRequestError as final', async () => {
    const env = environment();
    let calls = 0;
    const [answer] = await retryEach(['x'], async () => {
      calls++;
      return [{ ok: false, error: new GraphResponseError('unreadable') }];
    }, env);
    expect({ ok: answer?.ok, calls, sleeps: env.sleeps }).toEqual({ ok: false, calls: 1, sleeps: [] });
  });
});
