/**
 * watch's metrics (src/watch/metrics.ts): the exposition text reads back as Prometheus reads it
 * (HELP and TYPE before the samples, counters ending in _total, label values escaped), and each
 * recording function moves its series; the Graph hook (src/tenant/graph/request-hook.ts) counts the
 * HTTP requests and the 429s a Graph client sees, through its request log.
 */
import { describe, expect, it } from 'vitest';
import { ACTION_ORDER } from '../../src/domain/plan.ts';
import { GraphHttp } from '../../src/tenant/graph/client.ts';
import { observeResponses } from '../../src/tenant/graph/request-hook.ts';
import type { RequestLogEntry } from '../../src/tenant/graph/request-log.ts';
import { MetricsRegistry, METRIC_NAMES, createWatchMetrics, escapeLabelValue, formatValue } from '../../src/watch/metrics.ts';
import { parseExposition, valueOf } from './exposition.ts';

describe('the exposition text', () => {
  it('declares every metric once, with HELP and TYPE, counters ending in _total', () => {
    const exposition = parseExposition(createWatchMetrics({ nowMs: () => 1_000 }).render());
    expect([...exposition.types.keys()].sort()).toEqual(Object.values(METRIC_NAMES).sort());
    for (const [name, type] of exposition.types) {
      expect(exposition.help.get(name)).toMatch(/\S/u);
      expect(name.endsWith('_total')).toBe(type === 'counter');
    }
    expect(exposition.types.get(METRIC_NAMES.drift)).toBe('gauge');
    expect(exposition.types.get(METRIC_NAMES.heals)).toBe('counter');
  });

  it('starts every unlabelled series and every drift kind at its resting value', () => {
    const exposition = parseExposition(createWatchMetrics({ nowMs: () => 5_000 }).render());
    for (const kind of ACTION_ORDER) expect(valueOf(exposition, METRIC_NAMES.drift, { kind })).toBe(0);
    expect(valueOf(exposition, METRIC_NAMES.graphRequests)).toBe(0);
    expect(valueOf(exposition, METRIC_NAMES.graphThrottled)).toBe(0);
    expect(valueOf(exposition, METRIC_NAMES.lastFullRead)).toBe(0);
    expect(valueOf(exposition, METRIC_NAMES.deltaLag)).toBe(0);
    expect(valueOf(exposition, METRIC_NAMES.breakerTripped)).toBe(0);
    expect(valueOf(exposition, METRIC_NAMES.policyValid)).toBe(1);
    expect(exposition.samples.filter((s) => s.name === METRIC_NAMES.heals)).toEqual([]);
  });

  it('escapes label values and HELP text so that they read back as written', () => {
    const registry = new MetricsRegistry();
    const family = registry.family('x_total', 'a \\ help\nline', 'counter', ['v']);
    expect(family.name).toBe('x_total');
    const metrics = createWatchMetrics();
    metrics.heal('odd "kind" \\ with\nnewline', 'failed');
    const exposition = parseExposition(metrics.render());
    expect(valueOf(exposition, METRIC_NAMES.heals, { action: 'odd "kind" \\ with\nnewline', result: 'failed' })).toBe(1);
    expect(parseExposition(registry.render()).help.get('x_total')).toBe('a \\ help\nline');
    expect(escapeLabelValue('a"b\\c\nd')).toBe('a\\"b\\\\c\\nd');
    expect([NaN, Infinity, -Infinity, 0.5, 3].map(formatValue)).toEqual(['NaN', '+Inf', '-Inf', '0.5', '3']);
  });

  it('refuses a counter without _total and invalid names', () => {
    const registry = new MetricsRegistry();
    expect(() => registry.family('requests', 'h', 'counter')).toThrow(/_total/u);
    expect(() => registry.family('1bad', 'h', 'gauge')).toThrow(/name/u);
    expect(() => registry.family('ok', 'h', 'gauge', ['__reserved'])).toThrow(/label/u);
  });
});

describe('recording', () => {
  it('replaces the drift by kind, kinds left out falling back to 0', () => {
    const metrics = createWatchMetrics();
    metrics.driftByKind(new Map([['restore-user', 2], ['assign-licenses', 1]]));
    metrics.driftByKind({ 'restore-user': 1, 'create-user': 3 });
    const exposition = parseExposition(metrics.render());
    expect(valueOf(exposition, METRIC_NAMES.drift, { kind: 'restore-user' })).toBe(1);
    expect(valueOf(exposition, METRIC_NAMES.drift, { kind: 'create-user' })).toBe(3);
    expect(valueOf(exposition, METRIC_NAMES.drift, { kind: 'assign-licenses' })).toBe(0);
  });

  it('counts heals by action and result', () => {
    const metrics = createWatchMetrics();
    metrics.heal('restore-user', 'applied');
    metrics.heal('restore-user', 'applied');
    metrics.heal('assign-licenses', 'failed');
    const exposition = parseExposition(metrics.render());
    expect(valueOf(exposition, METRIC_NAMES.heals, { action: 'restore-user', result: 'applied' })).toBe(2);
    expect(valueOf(exposition, METRIC_NAMES.heals, { action: 'assign-licenses', result: 'failed' })).toBe(1);
    expect(valueOf(exposition, METRIC_NAMES.heals, { action: 'restore-user', result: 'failed' })).toBeUndefined();
  });

  it('reports the last full read in Unix seconds and the delta lag from an injected clock', () => {
    let now = 1_700_000_000_000;
    const metrics = createWatchMetrics({ nowMs: () => now });
    now += 4_000;
    expect(valueOf(parseExposition(metrics.render()), METRIC_NAMES.deltaLag)).toBe(4);
    metrics.fullRead();
    metrics.deltaRound();
    now += 1_500;
    const exposition = parseExposition(metrics.render());
    expect(valueOf(exposition, METRIC_NAMES.lastFullRead)).toBe(1_700_000_004);
    expect(valueOf(exposition, METRIC_NAMES.deltaLag)).toBe(1.5);
    expect(metrics.times()).toEqual({ startedMs: 1_700_000_000_000, lastFullReadMs: 1_700_000_004_000, lastDeltaRoundMs: 1_700_000_004_000, lastProgressMs: 1_700_000_004_000 });
    now += 1_000;
    metrics.attempted();
    expect(metrics.times().lastProgressMs).toBe(1_700_000_006_500);
    expect(valueOf(parseExposition(metrics.render()), METRIC_NAMES.deltaLag)).toBe(2.5);
  });

  it('sets the breaker and policy gauges to 0 or 1', () => {
    const metrics = createWatchMetrics();
    metrics.breakerTripped(true);
    metrics.policyValid(false);
    let exposition = parseExposition(metrics.render());
    expect(valueOf(exposition, METRIC_NAMES.breakerTripped)).toBe(1);
    expect(valueOf(exposition, METRIC_NAMES.policyValid)).toBe(0);
    metrics.breakerTripped(false);
    metrics.policyValid(true);
    exposition = parseExposition(metrics.render());
    expect(valueOf(exposition, METRIC_NAMES.breakerTripped)).toBe(0);
    expect(valueOf(exposition, METRIC_NAMES.policyValid)).toBe(1);
  });
});

describe('counting Graph requests and 429s through the request log', () => {
  it('counts each HTTP exchange, retries included, and each 429, passing every entry on', async () => {
    const metrics = createWatchMetrics();
    const forwarded: RequestLogEntry[] = [];
    const log = observeResponses((status, event) => metrics.graphResponse(status, event), { clock: () => 0, write: (entry) => forwarded.push(entry) });
    const answers = [
      new Response(JSON.stringify({ error: { code: 'TooManyRequests', message: 'slow down' } }), { status: 429, headers: { 'Content-Type': 'application/json', 'Retry-After': '1' } }),
      new Response(JSON.stringify({ value: [] }), { status: 200, headers: { 'Content-Type': 'application/json' } }),
      new Response(JSON.stringify({ value: [] }), { status: 200, headers: { 'Content-Type': 'application/json' } }),
    ];
    const fakeFetch = (async () => answers.shift() ?? new Response('{}', { status: 500 })) as typeof fetch;
    const retry = { sleep: async () => undefined, random: () => 0.5, nowMs: () => 0 };
    const http = new GraphHttp({ graphUrl: new URL('https://graph.microsoft.com'), accessToken: async () => 'token', fetch: fakeFetch, retry: { ...retry, log }, log });
    await http.get('/users');
    await http.get('/groups');
    const exposition = parseExposition(metrics.render());
    expect(valueOf(exposition, METRIC_NAMES.graphRequests)).toBe(3);
    expect(valueOf(exposition, METRIC_NAMES.graphThrottled)).toBe(1);
    expect(forwarded.filter((e) => e.event === 'request').map((e) => (e.event === 'request' ? e.status : null))).toEqual([429, 200, 200]);
    expect(forwarded.some((e) => e.event === 'retry')).toBe(true);
  });

  it('counts a throttled $batch item as a 429 but not as a request, and works without a log behind it', () => {
    const seen: [number, string][] = [];
    const log = observeResponses((status, event) => seen.push([status, event]));
    log.write({ event: 'batch-item', method: 'GET', path: '/users/1', status: 429, requestId: null, batchRequestId: null });
    log.write({ event: 'token', method: 'POST', host: 'login.microsoftonline.com', path: '/t/oauth2/v2.0/token', status: 200, durationMs: 1 });
    expect(seen).toEqual([[429, 'batch-item']]);
    const metrics = createWatchMetrics();
    metrics.graphResponse(429, 'batch-item');
    const exposition = parseExposition(metrics.render());
    expect(valueOf(exposition, METRIC_NAMES.graphRequests)).toBe(0);
    expect(valueOf(exposition, METRIC_NAMES.graphThrottled)).toBe(1);
  });
});
