/**
 * watch's operations server (src/watch/http.ts) on a real socket on 127.0.0.1, port 0: /healthz and
 * /readyz follow the health callback, /metrics serves the exposition text the metrics render,
 * anything else is 404; and `judgeHealth` with an injected clock. No timing assertions.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { WatchHealth, WatchServer } from '../../src/watch/http.ts';
import { HEALTH_PATHS, judgeHealth, startWatchServer } from '../../src/watch/http.ts';
import { METRIC_NAMES, createWatchMetrics } from '../../src/watch/metrics.ts';
import { parseExposition, valueOf } from './exposition.ts';

const servers: WatchServer[] = [];

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(health: () => WatchHealth, metrics = createWatchMetrics()): Promise<{ url: (path: string) => string; server: WatchServer }> {
  const server = await startWatchServer({ port: 0, metrics, health });
  servers.push(server);
  return { server, url: (path) => `http://127.0.0.1:${server.port}${path}` };
}

describe('startWatchServer', () => {
  it('binds 127.0.0.1 by default and reports the port picked for port 0', async () => {
    const { server } = await serve(() => ({ live: true, ready: true, detail: {} }));
    expect(server.host).toBe('127.0.0.1');
    expect(server.port).toBeGreaterThan(0);
  });

  it('answers 200 ok on /healthz and /readyz when live and ready', async () => {
    const { url } = await serve(() => ({ live: true, ready: true, detail: { n: 1 } }));
    for (const path of [HEALTH_PATHS.live, HEALTH_PATHS.ready]) {
      const response = await fetch(url(path));
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/plain/u);
      expect(await response.text()).toBe('ok\n');
    }
    const verbose = await fetch(url(`${HEALTH_PATHS.ready}?verbose`));
    expect(verbose.status).toBe(200);
    expect(await verbose.json()).toEqual({ status: 'ok', live: true, ready: true, detail: { n: 1 } });
  });

  it('answers 503 with a JSON detail when not ready, and when not live', async () => {
    let health: WatchHealth = { live: true, ready: false, detail: { notReady: 'the first full read has not completed' } };
    const { url } = await serve(() => health);
    expect((await fetch(url(HEALTH_PATHS.live))).status).toBe(200);
    const notReady = await fetch(url(HEALTH_PATHS.ready));
    expect(notReady.status).toBe(503);
    expect(notReady.headers.get('content-type')).toMatch(/^application\/json/u);
    expect(await notReady.json()).toEqual({ status: 'not ready', live: true, ready: false, detail: { notReady: 'the first full read has not completed' } });
    health = { live: false, ready: false, detail: {} };
    const notLive = await fetch(url(HEALTH_PATHS.live));
    expect(notLive.status).toBe(503);
    expect(((await notLive.json()) as { status: string }).status).toBe('not live');
  });

  it('serves the metrics as text format 0.0.4', async () => {
    const metrics = createWatchMetrics();
    metrics.heal('restore-user', 'applied');
    metrics.graphResponse(200, 'request');
    const { url } = await serve(() => ({ live: true, ready: true, detail: {} }), metrics);
    const response = await fetch(url(HEALTH_PATHS.metrics));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const exposition = parseExposition(await response.text());
    expect(valueOf(exposition, METRIC_NAMES.heals, { action: 'restore-user', result: 'applied' })).toBe(1);
    expect(valueOf(exposition, METRIC_NAMES.graphRequests)).toBe(1);
  });

  it('answers 404 elsewhere, 405 for other methods, HEAD without a body, 500 when a callback throws', async () => {
    const { url } = await serve(() => {
      throw new Error('secret detail');
    });
    expect((await fetch(url('/'))).status).toBe(404);
    expect((await fetch(url('/metricsx'))).status).toBe(404);
    const post = await fetch(url(HEALTH_PATHS.metrics), { method: 'POST', body: 'x' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    const head = await fetch(url(HEALTH_PATHS.metrics), { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    const failing = await fetch(url(HEALTH_PATHS.live));
    expect(failing.status).toBe(500);
    expect(await failing.text()).not.toMatch(/secret/u);
  });

  it('stops listening on close', async () => {
    const server = await startWatchServer({ port: 0, metrics: createWatchMetrics(), health: () => ({ live: true, ready: true, detail: {} }) });
    await server.close();
    await expect(fetch(`http://127.0.0.1:${server.port}${HEALTH_PATHS.live}`)).rejects.toThrow();
  });

  it('refuses a port already taken', async () => {
    const { server } = await serve(() => ({ live: true, ready: true, detail: {} }));
    await expect(startWatchServer({ port: server.port, metrics: createWatchMetrics(), health: () => ({ live: true, ready: true, detail: {} }) })).rejects.toThrow(/EADDRINUSE/u);
  });
});

describe('judgeHealth', () => {
  const start = Date.UTC(2026, 0, 1);
  const interval = 30_000;

  it('is live but not ready before the first full read and delta round', () => {
    const health = judgeHealth({ times: { startedMs: start, lastFullReadMs: undefined, lastDeltaRoundMs: undefined, lastProgressMs: start }, nowMs: start + 5_000, intervalMs: interval });
    expect(health.live).toBe(true);
    expect(health.ready).toBe(false);
    expect(health.detail.notReady).toMatch(/full read/u);
  });

  it('is ready after a full read and a recent delta round, and not once the round is stale', () => {
    const times = { startedMs: start, lastFullReadMs: start + 10_000, lastDeltaRoundMs: start + 40_000, lastProgressMs: start + 40_000 };
    expect(judgeHealth({ times, nowMs: start + 60_000, intervalMs: interval }).ready).toBe(true);
    const stale = judgeHealth({ times: { ...times, lastProgressMs: start + 150_000 }, nowMs: start + 40_000 + 3 * interval + 30_001, intervalMs: interval });
    expect(stale.ready).toBe(false);
    expect(stale.live).toBe(true);
    expect(stale.detail.notReady).toMatch(/delta round completed/u);
  });

  it('is not ready while stopping, and not live when the loop stopped making progress', () => {
    const times = { startedMs: start, lastFullReadMs: start, lastDeltaRoundMs: start, lastProgressMs: start };
    expect(judgeHealth({ times, nowMs: start + 1_000, intervalMs: interval, stopping: true }).ready).toBe(false);
    const stuck = judgeHealth({ times, nowMs: start + 10 * interval + 60_001, intervalMs: interval });
    expect(stuck.live).toBe(false);
    expect(stuck.detail.notLive).toMatch(/last round ended/u);
  });

  it('stays live while rounds fail (Graph unreachable), judged from the metrics the loop records', () => {
    let now = start;
    const metrics = createWatchMetrics({ nowMs: () => now });
    metrics.fullRead();
    metrics.deltaRound();
    for (let round = 0; round < 30; round++) {
      now += interval;
      metrics.attempted();
    }
    const health = judgeHealth({ times: metrics.times(), nowMs: now, intervalMs: interval });
    expect(health.live).toBe(true);
    expect(health.ready).toBe(false);
  });
});
