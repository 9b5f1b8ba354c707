/**
 * The Graph adapter's request log (src/tenant/graph/request-log.ts), with injected fetch, waits and
 * clock: one entry per exchange, the retry decisions of retry.ts in words, and every string redacted
 * (secret-looking query values, the credential's own secrets) before the logger sees it.
 */
import { describe, expect, it } from 'vitest';
import { GraphHttp } from '../../src/tenant/graph/client.ts';
import type { RequestLog, RequestLogEntry } from '../../src/tenant/graph/request-log.ts';
import { redactingLog } from '../../src/tenant/graph/request-log.ts';

const SECRET = 'plain-secret-without-shape-42';

function harness(answers: (() => Response)[]): { http: GraphHttp; entries: RequestLogEntry[] } {
  const entries: RequestLogEntry[] = [];
  let tick = 0;
  const log: RequestLog = redactingLog({ write: (entry) => entries.push(entry), clock: () => (tick += 5) }, [SECRET]);
  let call = 0;
  const fetchImpl = (async () => (answers[Math.min(call++, answers.length - 1)] as () => Response)()) as typeof fetch;
  const retry = { sleep: async () => undefined, random: () => 0, nowMs: () => 0, log };
  const http = new GraphHttp({ graphUrl: new URL('https://graph.example.test'), accessToken: async () => 'eyJhbGciOiJub25lIn0.eyJ0aWQiOiJ4In0.sig', fetch: fetchImpl, retry, log });
  return { http, entries };
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}): (() => Response) => () => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json', ...headers } });

describe('the request log of the Graph adapter', () => {
  it('one entry per exchange: method, path with query, status, request id, a duration; secrets in the query redacted', async () => {
    const { http, entries } = harness([json(200, { value: [] }, { 'request-id': 'r-1' })]);
    await http.get(`/users?$filter=x&client_secret=abc123&note=${SECRET}`);
    expect(entries).toEqual([{ event: 'request', method: 'GET', path: expect.stringMatching(/^\/v1\.0\/users\?\$filter=x&client_secret=\[redacted\]&note=\[redacted\]$/u), status: 200, requestId: 'r-1', durationMs: expect.any(Number) }]);
  });

  it('retry decisions in words: a throttled wait spends no attempt; 5xx without Retry-After backs off until the last attempt, then gives up', async () => {
    const { http, entries } = harness([json(429, { error: { code: 'TooManyRequests', message: 'slow down' } }, { 'Retry-After': '2' }), json(503, { error: { code: 'ServiceUnavailable', message: 'x' } })]);
    await expect(http.get('/users')).rejects.toThrow();
    const decisions = entries.filter((e) => e.event === 'retry' || e.event === 'give-up').map((e) => ('message' in e ? e.message : ''));
    expect(decisions[0]).toBe('retrying after 429, Retry-After 2 s, attempt 1 of 7 (a wait Graph asks for spends no attempt)');
    expect(decisions[1]).toMatch(/^retrying after 503, backoff [\d.]+ s, attempt 2 of 7$/u);
    expect(decisions.at(-1)).toBe('giving up after 503: attempt 7 of 7 was the last');
    expect(entries.filter((e) => e.event === 'request')).toHaveLength(8);
  });

  it('a refusal that is not retried is one request entry and no decision', async () => {
    const { http, entries } = harness([json(403, { error: { code: 'Authorization_RequestDenied', message: `denied ${SECRET}` } })]);
    await expect(http.get('/users')).rejects.toThrow();
    expect(entries.map((e) => [e.event, e.status])).toEqual([['request', 403]]);
    expect(JSON.stringify(entries)).not.toContain(SECRET);
  });
});
