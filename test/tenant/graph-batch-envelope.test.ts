/**
 * The one reading of `$batch` answers (src/tenant/graph/batch-envelope.ts) that batched reads and
 * batched writes share, and the one retry loop (retry.ts `retryEach`) that single requests, batched
 * reads and batched writes go through. Time and fetch are injected; nothing waits.
 */
import { describe, expect, it } from 'vitest';
import { readInBatches } from '../../src/tenant/graph/batch.ts';
import { batchItemError, batchRequestBody, parseBatchResponse } from '../../src/tenant/graph/batch-envelope.ts';
import type { BatchAnswer, BatchItemResponse } from '../../src/tenant/graph/batch-envelope.ts';
import { GraphHttp } from '../../src/tenant/graph/client.ts';
import type { GraphCallOptions } from '../../src/tenant/graph/client.ts';
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

/** The responses of an answer every request of which was answered readably. */
function responsesOf(answer: BatchAnswer): BatchItemResponse[] {
  expect(answer.problems).toEqual([]);
  return answer.items.map((result) => {
    if (!result.ok) throw new Error(`unexpected problem: ${result.problem}`);
    return result.response;
  });
}

/** Each request's status, or its problem. */
const view = (answer: BatchAnswer): (number | string)[] => answer.items.map((result) => (result.ok ? result.response.status : result.problem));

describe('parseBatchResponse', () => {
  it('answers each request in the requests\' order, matching ids without regard to case', () => {
    const responses = responsesOf(parseBatchResponse({ responses: [item('three', 404), item('2', 204, { headers: {}, body: undefined }), item('1')] }, REQUESTS));
    expect(responses.map((r) => [r.status, r.body])).toEqual([[200, { value: '1' }], [204, undefined], [404, { value: 'three' }]]);
  });

  it('gives header names in lower case and numeric values as text; headers may be absent', () => {
    const [first, second] = responsesOf(parseBatchResponse({ responses: [item('1', 429, { headers: { 'Retry-After': 2.5, 'X-MS-Throttle-Limit-Percentage': '0.95' } }), { id: '2', status: 204 }] }, [{ id: '1' }, { id: '2' }]));
    expect([...(first?.headers ?? [])]).toEqual([['retry-after', '2.5'], ['x-ms-throttle-limit-percentage', '0.95']]);
    expect(second?.headers.size).toBe(0);
  });

  it('decodes a non-JSON body, which Graph sends base64-encoded (docs/graph-behaviour.md §10)', () => {
    const [response] = responsesOf(parseBatchResponse({ responses: [item('1', 200, { headers: { 'Content-Type': 'text/plain' }, body: Buffer.from('4', 'utf8').toString('base64') })] }, [{ id: '1' }]));
    expect(response?.body).toBe('4');
  });

  it.each([
    { what: 'not an object', answer: 'OK' },
    { what: 'no responses array', answer: { value: [] } },
    { what: 'responses that are not an array', answer: { responses: { 1: item('1') } } },
  ])('gives every request a problem when the answer is $what, and says so once', ({ answer }) => {
    const parsed = parseBatchResponse(answer, REQUESTS);
    expect(view(parsed)).toEqual(REQUESTS.map(() => 'it has no "responses" array'));
    expect(parsed.problems).toEqual(['it has no "responses" array']);
  });

  it.each([
    { what: 'a request left without a response', answer: { responses: [item('1'), item('Three')] }, problem: "it has no response for request '2'", envelope: [] },
    { what: 'an id twice', answer: { responses: [item('1'), item('2'), item('THREE'), item('three')] }, at: 2, problem: "it answers request 'Three' 2 times", envelope: [] },
    { what: 'no status', answer: { responses: [item('1'), item('2', undefined, { status: undefined }), item('Three')] }, problem: "the response to request '2' has no HTTP status", envelope: [] },
    { what: 'a status that is text', answer: { responses: [item('1'), item('2', undefined, { status: '200' }), item('Three')] }, problem: "the response to request '2' has no HTTP status", envelope: [] },
    { what: 'a status that is no HTTP status', answer: { responses: [item('1'), item('2', 0), item('Three')] }, problem: "the response to request '2' has no HTTP status", envelope: [] },
    { what: 'headers that are not an object', answer: { responses: [item('1'), item('2', 200, { headers: ['Content-Type'] }), item('Three')] }, problem: "the headers of the response to request '2' are not an object", envelope: [] },
    { what: 'a header that is not text', answer: { responses: [item('1'), item('2', 200, { headers: { 'Retry-After': { seconds: 1 } } }), item('Three')] }, problem: "header Retry-After of the response to request '2' is not text", envelope: [] },
    { what: 'a non-JSON body that is not base64', answer: { responses: [item('1'), item('2', 200, { headers: { 'Content-Type': 'text/plain' }, body: { text: 'x' } }), item('Three')] }, problem: "the text/plain body of the response to request '2' is not base64", envelope: [] },
    { what: 'an item that is not an object', answer: { responses: [item('1'), null, item('Three')] }, problem: "it has no response for request '2'", envelope: ['responses[1] has no id'] },
    { what: 'an item without an id', answer: { responses: [item('1'), { status: 200 }, item('Three')] }, problem: "it has no response for request '2'", envelope: ['responses[1] has no id'] },
    { what: 'a numeric id', answer: { responses: [item('1'), { id: 2, status: 200 }, item('Three')] }, problem: "it has no response for request '2'", envelope: ['responses[1] has no id'] },
  ])('keeps $what to the one request it concerns; the others are answered', ({ answer, at = 1, problem, envelope }) => {
    const parsed = parseBatchResponse(answer, REQUESTS);
    const expected: (number | string)[] = [200, 200, 200];
    expected[at] = problem;
    expect(view(parsed)).toEqual(expected);
    expect(parsed.problems).toEqual(envelope);
  });

  it('reports an id that was not asked for as a problem of the envelope, and answers every request', () => {
    const parsed = parseBatchResponse({ responses: [item('1'), item('2'), item('Three'), item('4')] }, REQUESTS);
    expect(view(parsed)).toEqual([200, 200, 200]);
    expect(parsed.problems).toEqual(["it answers request '4', which was not sent"]);
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
    const [response] = responsesOf(parseBatchResponse({ responses: [{ id: '1', status: 429, headers: { 'retry-after': 'Sun, 22 Nov 2026 10:00:03 GMT', 'Request-Id': 'req', 'client-request-id': 'cli' }, body: { error: { code: 'TooManyRequests', message: 'Please retry again later.' } } }] }, [{ id: '1' }]));
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

  const answerAll = (requests: { id: string }[]): unknown => ({ responses: requests.map((r) => ({ id: r.id, status: 200, headers: {}, body: { value: `user ${r.id}` } })) });
  const reads = [{ id: '1', url: '/users/a/mailboxSettings/userPurpose' }, { id: '2', url: '/users/b/mailboxSettings/userPurpose' }];
  const settled = (r: PromiseSettledResult<unknown> | undefined): unknown => (r?.status === 'rejected' ? r.reason : r?.value);

  it('batched reads: a read left without a response is sent again alone, as one that got no answer; the answered read stands', async () => {
    const env = environment();
    const sent: string[][] = [];
    const { http, calls } = scriptedHttp([missingSecond, answerAll].map((step) => (requests: { id: string }[]) => {
      sent.push(requests.map((r) => r.id));
      return step(requests);
    }));
    const outcomes = await readInBatches(http, reads, { retry: env });
    expect(Object.fromEntries(outcomes)).toEqual({ 1: { ok: true, status: 200, body: { value: 'user' } }, 2: { ok: true, status: 200, body: { value: 'user 2' } } });
    // The first backoff (1000 ms, equal jitter at 0.5): the retry loop's wait for a read without an answer.
    expect({ calls: calls(), sent, sleeps: env.sleeps }).toEqual({ calls: 2, sent: [['1', '2'], ['2']], sleeps: [750] });
  });

  it('batched reads: a read that is never answered fails as unanswered (status 0) when its attempts run out; the other stands', async () => {
    const env = environment();
    const { http, calls } = scriptedHttp([missingSecond]);
    const outcomes = await readInBatches(http, reads, { retry: env, retryPolicy: { ...DEFAULT_RETRY_POLICY, maxAttempts: 3 } });
    expect(outcomes.get('1')).toEqual({ ok: true, status: 200, body: { value: 'user' } });
    const second = outcomes.get('2');
    expect(second?.ok === false ? second.error : second).toMatchObject({
      name: 'GraphRequestError', status: 0, code: 'UnreadableBatchResponse', kind: 'network', retryable: true, mayHaveTakenEffect: true, method: 'GET', path: '/users/b/mailboxSettings/userPurpose',
      message: "Graph's $batch answer cannot be read for this request: it has no response for request '2'.",
    });
    expect(calls()).toBe(3);
  });

  it('batched reads: an answer with no responses array sends every read again', async () => {
    const env = environment();
    const { http, calls } = scriptedHttp([() => ({ value: [] }), answerAll]);
    const outcomes = await readInBatches(http, reads, { retry: env });
    expect([...outcomes.values()].map((o) => o.ok)).toEqual([true, true]);
    expect({ calls: calls(), sleeps: env.sleeps }).toEqual({ calls: 2, sleeps: [750] });
  });

  it('batched writes: a write answered 2xx resolves beside an unreadable item and a missing one, which fail as unanswered', async () => {
    const env = environment();
    const sent: string[][] = [];
    const { http, calls } = scriptedHttp([
      (requests) => {
        sent.push(requests.map((r) => r.id));
        // 1 answered 204; 2 (a create) has no status; 3 (a PATCH) is missing.
        return { responses: [{ id: '1', status: 204, headers: { 'request-id': 'item-1' } }, { id: '2', status: 'Created', headers: {}, body: { id: 'u-1' } }] };
      },
      (requests) => {
        sent.push(requests.map((r) => r.id));
        return answerAll(requests);
      },
    ]);
    const batcher = createWriteBatcher(http, env);
    const [patch, create, again] = await Promise.allSettled([
      batcher.submit({ method: 'PATCH', url: '/users/a', body: {}, idempotent: true }),
      batcher.submit({ method: 'POST', url: '/users', body: {}, idempotent: false }),
      batcher.submit({ method: 'PATCH', url: '/users/b', body: {}, idempotent: true }),
    ]);
    expect(patch).toEqual({ status: 'fulfilled', value: { body: undefined, requestId: 'item-1' } });
    // The create may have happened: not sent again; the caller asks the tenant (apply's idempotent steps).
    expect(settled(create)).toBeInstanceOf(GraphRequestError);
    expect(settled(create)).toMatchObject({
      status: 0, code: 'UnreadableBatchResponse', kind: 'network', retryable: false, mayHaveTakenEffect: true, method: 'POST', path: '/users',
      message: "Graph's $batch answer cannot be read for this request: the response to request '2' has no HTTP status.",
    });
    // The PATCH is safe to repeat: sent again alone, and answered.
    expect(again).toEqual({ status: 'fulfilled', value: { body: { value: 'user 1' }, requestId: null } });
    expect({ calls: calls(), sent, sleeps: env.sleeps }).toEqual({ calls: 2, sent: [['1', '2', '3'], ['1']], sleeps: [750] });
  });

  it('batched writes: a write answers with its item\'s request id, else with the id of the $batch request that carried it', async () => {
    const env = environment();
    const http = {
      post: async (_path: string, body: { requests: { id: string }[] }, options: GraphCallOptions) => {
        options.answered?.('batch-1');
        return { responses: body.requests.map((r) => ({ id: r.id, status: 204, headers: r.id === '1' ? { 'Request-Id': 'item-1' } : {} })) };
      },
    } as unknown as GraphHttp;
    const batcher = createWriteBatcher(http, env);
    const answers = await Promise.all([
      batcher.submit({ method: 'PATCH', url: '/users/a', body: {}, idempotent: true }),
      batcher.submit({ method: 'PATCH', url: '/users/b', body: {}, idempotent: true }),
    ]);
    expect(answers.map((a) => a.requestId)).toEqual(['item-1', 'batch-1']);
  });

  it('batched writes: an answer with no responses array fails each write as unanswered, repeating only the writes that are safe to repeat', async () => {
    const env = environment();
    const { http, calls } = scriptedHttp([() => ({ value: [] })]);
    const batcher = createWriteBatcher(http, env, { ...DEFAULT_RETRY_POLICY, maxAttempts: 2 });
    const [patch, create] = await Promise.allSettled([
      batcher.submit({ method: 'PATCH', url: '/users/a', body: {}, idempotent: true }),
      batcher.submit({ method: 'POST', url: '/users', body: {}, idempotent: false }),
    ]);
    const message = 'Graph\'s $batch answer cannot be read for this request: it has no "responses" array.';
    expect(settled(patch)).toMatchObject({ status: 0, kind: 'network', retryable: true, mayHaveTakenEffect: true, path: '/users/a', message });
    expect(settled(create)).toMatchObject({ status: 0, kind: 'network', retryable: false, mayHaveTakenEffect: true, path: '/users', message });
    // The first batch held both; the second only the PATCH (maxAttempts 2).
    expect({ calls: calls(), sleeps: env.sleeps }).toEqual({ calls: 2, sleeps: [750] });
  });

  it('batched writes: an answer that is not JSON fails each write as unanswered, through the HTTP client', async () => {
    const env = environment();
    let posts = 0;
    const fetchImpl = (async () => {
      posts++;
      return new Response('<html>proxy error</html>', { status: 200, headers: { 'Content-Type': 'application/json' } });
    }) as unknown as typeof fetch;
    const http = new GraphHttp({ graphUrl: new URL('https://graph.microsoft.com'), accessToken: async () => 'eyJhbGciOiJub25lIn0.e30.sig', fetch: fetchImpl, retry: env });
    const batcher = createWriteBatcher(http, env, { ...DEFAULT_RETRY_POLICY, maxAttempts: 2 });
    const [patch, create] = await Promise.allSettled([
      batcher.submit({ method: 'PATCH', url: '/users/a', body: {}, idempotent: true }),
      batcher.submit({ method: 'POST', url: '/users', body: {}, idempotent: false }),
    ]);
    expect(settled(patch)).toMatchObject({ name: 'GraphRequestError', status: 0, code: 'UnreadableResponse', retryable: true, mayHaveTakenEffect: true, path: '/$batch' });
    expect(settled(create)).toMatchObject({ name: 'GraphRequestError', status: 0, code: 'UnreadableResponse', retryable: false, mayHaveTakenEffect: true, path: '/$batch' });
    expect((settled(create) as Error).message).toMatch(/^Graph answered HTTP 200, but the answer cannot be read: /u);
    expect(posts).toBe(2);
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
