/**
 * Retry policy and the HTTP client's retries, with injected sleep, randomness and fetch: the waits
 * honour Retry-After (fractional seconds, HTTP dates), back off with jitter without it, and stop
 * after a bounded number of attempts; failed $batch items are retried alone.
 */
import { describe, expect, it } from 'vitest';
import { readInBatches } from '../../src/tenant/graph/batch.ts';
import { GraphHttp } from '../../src/tenant/graph/client.ts';
import { GraphRequestError } from '../../src/tenant/graph/errors.ts';
import type { RetryEnvironment } from '../../src/tenant/graph/retry.ts';
import { backoffDelayMs, DEFAULT_RETRY_POLICY, parseRetryAfterMs, withRetries } from '../../src/tenant/graph/retry.ts';
import { createWriteBatcher } from '../../src/tenant/graph/write-batch.ts';

const NOW = Date.parse('2026-11-22T10:00:00Z');

function environment(random = 0.5): RetryEnvironment & { sleeps: number[] } {
  const sleeps: number[] = [];
  return { sleeps, sleep: async (ms) => void sleeps.push(ms), random: () => random, nowMs: () => NOW };
}

function graphError(status: number, options: { retryAfterMs?: number; idempotent?: boolean } = {}): GraphRequestError {
  return new GraphRequestError({ status, code: status === 429 ? 'TooManyRequests' : 'Error', message: 'x', retryAfterMs: options.retryAfterMs ?? null, idempotent: options.idempotent ?? true });
}

describe('parseRetryAfterMs', () => {
  it.each([
    { header: '2.128', ms: 2128 },
    { header: '10', ms: 10_000 },
    { header: ' 0.05 ', ms: 50 },
    { header: 'Sun, 22 Nov 2026 10:00:03 GMT', ms: 3000 },
    { header: 'Sun, 22 Nov 2026 09:00:00 GMT', ms: 0 },
    { header: 'soon', ms: undefined },
    { header: '', ms: undefined },
    { header: '-1', ms: undefined },
    { header: null, ms: undefined },
  ])('$header → $ms', ({ header, ms }) => {
    expect(parseRetryAfterMs(header, NOW)).toBe(ms);
  });
});

describe('backoffDelayMs', () => {
  it.each([
    { retry: 1, random: 0, ms: 500 },
    { retry: 1, random: 0.999, ms: 1000 },
    { retry: 3, random: 0.5, ms: 3000 },
    { retry: 10, random: 1, ms: 32_000 },
    { retry: 10, random: 0, ms: 16_000 },
  ])('retry $retry, random $random → $ms ms', ({ retry, random, ms }) => {
    expect(backoffDelayMs(retry, DEFAULT_RETRY_POLICY, () => random)).toBe(ms);
  });
});

describe('withRetries', () => {
  it('waits exactly each Retry-After, then returns the result', async () => {
    const env = environment();
    const failures = [graphError(429, { retryAfterMs: 2128 }), graphError(503, { retryAfterMs: 50 })];
    const result = await withRetries(async () => {
      const next = failures.shift();
      if (next) throw next;
      return 'done';
    }, env);
    expect(result).toBe('done');
    expect(env.sleeps).toEqual([2128, 50]);
  });

  it('backs off exponentially with jitter when there is no Retry-After', async () => {
    const env = environment(0.5);
    let calls = 0;
    await withRetries(async () => {
      if (++calls < 4) throw graphError(504);
      return calls;
    }, env);
    expect(env.sleeps).toEqual([750, 1500, 3000]);
  });

  it('gives up after maxAttempts and throws the last error', async () => {
    const env = environment();
    let calls = 0;
    const error = await withRetries(async () => {
      calls++;
      throw graphError(503);
    }, env, { ...DEFAULT_RETRY_POLICY, maxAttempts: 4 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GraphRequestError);
    expect({ calls, waits: env.sleeps.length }).toEqual({ calls: 4, waits: 3 });
  });

  it('waits out 429s with Retry-After without spending attempts, up to maxThrottledWaitMs in all', async () => {
    const env = environment();
    let calls = 0;
    const error = await withRetries(async () => {
      calls++;
      throw graphError(429, { retryAfterMs: 10 });
    }, env, { ...DEFAULT_RETRY_POLICY, maxAttempts: 2, maxThrottledWaitMs: 45 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GraphRequestError);
    // Four waits of 10 ms fit in 45 ms (more calls than maxAttempts); the fifth would not.
    expect({ calls, sleeps: env.sleeps }).toEqual({ calls: 5, sleeps: [10, 10, 10, 10] });
  });

  it('counts a 429 or 503 with Retry-After: 0 as an attempt (it waits nothing), so an endless run of them ends', async () => {
    const env = environment();
    let calls = 0;
    const error = await withRetries(async () => {
      calls++;
      // A guard, so that the loop this test is about cannot run forever.
      if (calls > 50) throw new Error('still retrying');
      throw graphError(calls % 2 === 1 ? 429 : 503, { retryAfterMs: 0 });
    }, env, { ...DEFAULT_RETRY_POLICY, maxAttempts: 4 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GraphRequestError);
    // Retried at once, as Graph says, but only as often as any other retryable failure.
    expect({ calls, sleeps: env.sleeps }).toEqual({ calls: 4, sleeps: [0, 0, 0] });
  });

  it('succeeds after more throttled answers than maxAttempts', async () => {
    const env = environment();
    let calls = 0;
    const result = await withRetries(async () => {
      calls++;
      if (calls <= 9) throw graphError(429, { retryAfterMs: 1 });
      return 'done';
    }, env, { ...DEFAULT_RETRY_POLICY, maxAttempts: 3 });
    expect({ result, calls }).toEqual({ result: 'done', calls: 10 });
  });

  it.each([
    { what: '400', error: graphError(400) },
    { what: '404', error: graphError(404) },
    { what: '504 on a request that is not safe to repeat', error: graphError(504, { idempotent: false }) },
    { what: 'a lost connection on a request that is not safe to repeat', error: graphError(0, { idempotent: false }) },
    { what: 'a Retry-After longer than the policy allows', error: graphError(429, { retryAfterMs: 3_600_000 }) },
  ])('does not retry $what', async ({ error }) => {
    const env = environment();
    let calls = 0;
    await expect(withRetries(async () => {
      calls++;
      throw error;
    }, env)).rejects.toBe(error);
    expect(calls).toBe(1);
  });
});

/** A fetch that answers from a script and records what it was asked. */
function scriptedFetch(script: ((url: string, init: RequestInit) => Response | Error)[]): typeof fetch & { calls: { url: string; init: RequestInit }[] } {
  const calls: { url: string; init: RequestInit }[] = [];
  const fake = async (input: unknown, init: RequestInit = {}): Promise<Response> => {
    const url = String(input);
    calls.push({ url, init });
    const step = script[Math.min(calls.length - 1, script.length - 1)];
    if (!step) throw new Error('script exhausted');
    const answer = step(url, init);
    if (answer instanceof Error) throw answer;
    return answer;
  };
  return Object.assign(fake as typeof fetch, { calls });
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}): Response => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json', ...headers } });
const throttled = (retryAfter?: string): Response => json(429, { error: { code: 'TooManyRequests', message: 'Please retry again later.', innerError: { 'request-id': 'r1' } } }, retryAfter === undefined ? {} : { 'Retry-After': retryAfter });

function http(fetchImpl: typeof fetch, env: RetryEnvironment): GraphHttp {
  return new GraphHttp({ graphUrl: new URL('https://graph.microsoft.com'), accessToken: async () => 'eyJhbGciOiJub25lIn0.eyJyb2xlcyI6W119.sig', fetch: fetchImpl, retry: env });
}

describe('GraphHttp retries', () => {
  it('honours a fractional Retry-After on a 429 and sends the same client-request-id again', async () => {
    const env = environment();
    const fake = scriptedFetch([() => throttled('0.25'), () => json(200, { value: [] })]);
    expect(await http(fake, env).get('/users')).toEqual({ value: [] });
    expect(env.sleeps).toEqual([250]);
    const ids = fake.calls.map((c) => new Headers(c.init.headers).get('client-request-id'));
    expect(ids[0]).toBeTruthy();
    expect(ids[1]).toBe(ids[0]);
    expect(fake.calls.map((c) => c.url)).toEqual(['https://graph.microsoft.com/v1.0/users', 'https://graph.microsoft.com/v1.0/users']);
  });

  it.each([
    { what: 'Retry-After: 0', header: '0' },
    { what: 'a Retry-After date already past', header: 'Sun, 22 Nov 2026 09:00:00 GMT' },
  ])('gives up on 429s with $what after maxAttempts, not never', async ({ header }) => {
    const env = environment();
    const fake = scriptedFetch([(_url, _init) => (fake.calls.length > 50 ? new Error('still retrying') : throttled(header))]);
    const error = await http(fake, env).get('/users').catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'GraphRequestError', status: 429, kind: 'throttled', retryAfterMs: 0 });
    expect({ calls: fake.calls.length, sleeps: env.sleeps }).toEqual({ calls: DEFAULT_RETRY_POLICY.maxAttempts, sleeps: [0, 0, 0, 0, 0, 0] });
  });

  it('retries a GET over connection resets, but not a non-idempotent POST', async () => {
    const reset = (): Error => Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }) });
    const env = environment();
    const fake = scriptedFetch([reset, reset, () => json(200, { value: [1] })]);
    expect(await http(fake, env).get('/users')).toEqual({ value: [1] });
    expect(env.sleeps).toEqual([750, 1500]);

    const post = scriptedFetch([reset, () => json(200, {})]);
    const error = await http(post, environment()).post('/directory/deletedItems/x/restore', {}).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'network', status: 0, retryable: false });
    expect(String(error)).toContain('other side closed (UND_ERR_SOCKET)');
    expect(post.calls).toHaveLength(1);
  });

  it('follows a nextLink on its own origin only', async () => {
    const fake = scriptedFetch([() => json(200, {})]);
    const client = http(fake, environment());
    await client.get('https://graph.microsoft.com/v1.0/users?$top=999&$skiptoken=RFNwdAIAAQAAAB');
    expect(fake.calls[0]?.url).toBe('https://graph.microsoft.com/v1.0/users?$top=999&$skiptoken=RFNwdAIAAQAAAB');
    await expect(client.get('https://evil.example.com/v1.0/users')).rejects.toThrow(/refusing to send the access token/u);
  });
});

describe('$batch item retries', () => {
  const reads = Array.from({ length: 3 }, (_, i) => ({ id: String(i + 1), url: `/users/u${i + 1}/mailboxSettings/userPurpose` }));
  const ok = (id: string): unknown => ({ id, status: 200, headers: { 'Content-Type': 'application/json' }, body: { value: 'user' } });
  const item429 = (id: string, retryAfter: string): unknown => ({ id, status: 429, headers: { 'Retry-After': retryAfter }, body: { error: { code: 'TooManyRequests', message: 'Please retry again later.' } } });

  it('sends only the failed items again, in a new batch, after the longest Retry-After', async () => {
    const env = environment();
    const fake = scriptedFetch([
      () => json(200, { responses: [item429('3', '1.5'), ok('1'), item429('2', '0.2')] }),
      () => json(200, { responses: [ok('2'), ok('3')] }),
    ]);
    const outcomes = await readInBatches(http(fake, env), reads, { retry: env });
    expect([...outcomes.values()].every((o) => o.ok)).toBe(true);
    expect(env.sleeps).toEqual([1500]);
    const second = JSON.parse(String(fake.calls[1]?.init.body)) as { requests: { id: string }[] };
    expect(second.requests.map((r) => r.id)).toEqual(['2', '3']);
  });

  it('tolerates an outer 424 by sending the whole batch again', async () => {
    const env = environment();
    const fake = scriptedFetch([() => json(424, { error: { code: 'FailedDependency', message: 'throttled' } }), () => json(200, { responses: reads.map((r) => ok(r.id)) })]);
    const outcomes = await readInBatches(http(fake, env), reads, { retry: env });
    expect(outcomes.size).toBe(3);
    expect(fake.calls).toHaveLength(2);
  });

  it('gives an item its error when its retries run out, and never more than 20 per batch', async () => {
    const env = environment();
    const many = Array.from({ length: 45 }, (_, i) => ({ id: String(i + 1), url: `/users/u${i}/mailboxSettings/userPurpose` }));
    const fake = scriptedFetch([(_url, init) => {
      const body = JSON.parse(String(init.body)) as { requests: { id: string }[] };
      expect(body.requests.length).toBeLessThanOrEqual(20);
      return json(200, { responses: body.requests.map((r) => (r.id === '7' ? item429(r.id, '0.01') : ok(r.id))) });
    }]);
    // Throttled items wait without spending attempts, up to maxThrottledWaitMs: two waits of 10 ms fit in 25.
    const outcomes = await readInBatches(http(fake, env), many, { retry: env, retryPolicy: { ...DEFAULT_RETRY_POLICY, maxAttempts: 3, maxThrottledWaitMs: 25 } });
    expect(outcomes.get('7')).toMatchObject({ ok: false, error: { kind: 'throttled', status: 429 } });
    expect([...outcomes.values()].filter((o) => o.ok)).toHaveLength(44);
    expect(env.sleeps).toEqual([10, 10]);
  });
});

describe('batched writes retry as the same write sent alone would', () => {
  /** A GraphHttp whose `$batch` answers come from a script, one per call; records the items sent. */
  function scriptedHttp(script: ((items: { id: string; url: string }[]) => unknown)[]): { http: GraphHttp; sent: string[][] } {
    const sent: string[][] = [];
    let call = 0;
    const http = {
      post: async (_path: string, body: { requests: { id: string; url: string }[] }) => {
        sent.push(body.requests.map((r) => r.url));
        const step = script[Math.min(call++, script.length - 1)];
        return step?.(body.requests);
      },
    } as unknown as GraphHttp;
    return { http, sent };
  }
  const ok = (items: { id: string }[]): unknown => ({ responses: items.map((i) => ({ id: i.id, status: 204, headers: {} })) });

  it('goes again after a 429 or a 424 without Retry-After (backoff, jitter), and leaves a 500 that may hide a restore to the caller', async () => {
    const env = environment(0.5);
    const { http, sent } = scriptedHttp([
      (items) => ({ responses: [{ id: items[0]?.id, status: 429, headers: {} }, { id: items[1]?.id, status: 424, headers: {} }, { id: items[2]?.id, status: 500, headers: {} }] }),
      ok,
    ]);
    const batcher = createWriteBatcher(http, env);
    const patch = batcher.submit({ method: 'PATCH', url: '/users/a', body: {}, idempotent: true });
    const assign = batcher.submit({ method: 'POST', url: '/users/b/assignLicense', body: {}, idempotent: true });
    const restore = batcher.submit({ method: 'POST', url: '/directory/deletedItems/c/restore', body: {}, idempotent: false });
    await expect(restore).rejects.toMatchObject({ status: 500 });
    await Promise.all([patch, assign]);
    expect(sent).toEqual([['/users/a', '/users/b/assignLicense', '/directory/deletedItems/c/restore'], ['/users/a', '/users/b/assignLicense']]);
    // Each retried item waited the first backoff of withRetries (base 1 s, equal jitter at 0.5).
    expect(env.sleeps).toEqual([backoffDelayMs(1, DEFAULT_RETRY_POLICY, () => 0.5), backoffDelayMs(1, DEFAULT_RETRY_POLICY, () => 0.5)]);
  });

  it('when the whole batch gets no answer, repeats only the writes that are safe to repeat', async () => {
    const env = environment(0.5);
    let first = true;
    const http = {
      post: async (_path: string, body: { requests: { id: string }[] }) => {
        if (first) {
          first = false;
          throw new GraphRequestError({ status: 0, code: 'ECONNRESET', message: 'socket hang up', idempotent: false });
        }
        return ok(body.requests);
      },
    } as unknown as GraphHttp;
    const batcher = createWriteBatcher(http, env);
    const patch = batcher.submit({ method: 'PATCH', url: '/users/a', body: {}, idempotent: true });
    const create = batcher.submit({ method: 'POST', url: '/users', body: {}, idempotent: false });
    await expect(create).rejects.toMatchObject({ kind: 'network' });
    await expect(patch).resolves.toEqual({ body: undefined, requestId: null });
  });
});
