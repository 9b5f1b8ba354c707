import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { WatchTimes } from './metrics.ts';
import { EXPOSITION_CONTENT_TYPE } from './metrics.ts';

/**
 * watch's operations endpoints (docs/watch.md §3), on node:http, loopback by default:
 *
 * - `GET /healthz`: liveness. 200 `ok` while the process is live, else 503 with a JSON detail.
 * - `GET /readyz`: readiness. 200 `ok` once a full read has completed and the last delta round is
 *   recent, else 503 with a JSON detail.
 * - `GET /metrics`: the Prometheus text format 0.0.4 (metrics.ts).
 * - `?verbose` on either check answers the JSON detail with any status. HEAD is answered as GET without
 *   a body; any other method 405; any other path 404.
 *
 * The detail is the loop's (`health()`): it must hold no token, secret or tenant data beyond counts
 * and times, since the port may be reachable by the cluster.
 */
export interface WatchHealth {
  readonly live: boolean;
  readonly ready: boolean;
  /** Plain JSON data for people: times, counts, the reason it is not ready. */
  readonly detail: Readonly<Record<string, unknown>>;
}

export interface WatchServerOptions {
  /** 0 picks a free port (tests). */
  readonly port: number;
  /** Default 127.0.0.1; `0.0.0.0` in a container so that the kubelet's probes and Prometheus reach it. */
  readonly host?: string;
  readonly metrics: { render(): string };
  readonly health: () => WatchHealth;
}

export interface WatchServer {
  /** The port bound (the given one, or the one picked for port 0). */
  readonly port: number;
  readonly host: string;
  /** Stops listening and closes idle and open connections; resolves when the server is closed. */
  close(): Promise<void>;
}

export const HEALTH_PATHS = { live: '/healthz', ready: '/readyz', metrics: '/metrics' } as const;

export async function startWatchServer(options: WatchServerOptions): Promise<WatchServer> {
  const host = options.host ?? '127.0.0.1';
  const server = createServer((request, response) => {
    try {
      answer(request, response, options);
    } catch (error) {
      // A failing metrics or health callback: the check fails, the process goes on.
      send(response, request, 500, 'text/plain; charset=utf-8', `error: ${error instanceof Error ? error.name : 'Error'}\n`);
    }
  });
  server.keepAliveTimeout = 5_000;
  server.requestTimeout = 10_000;
  server.headersTimeout = 10_000;
  await listen(server, options.port, host);
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    host,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const failed = (error: Error): void => reject(error);
    server.once('error', failed);
    server.listen(port, host, () => {
      server.off('error', failed);
      resolve();
    });
  });
}

function answer(request: IncomingMessage, response: ServerResponse, options: WatchServerOptions): void {
  const url = new URL(request.url ?? '/', 'http://localhost');
  const known = url.pathname === HEALTH_PATHS.live || url.pathname === HEALTH_PATHS.ready || url.pathname === HEALTH_PATHS.metrics;
  if (!known) {
    send(response, request, 404, 'text/plain; charset=utf-8', 'not found\n');
    return;
  }
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.setHeader('Allow', 'GET, HEAD');
    send(response, request, 405, 'text/plain; charset=utf-8', 'method not allowed\n');
    return;
  }
  if (url.pathname === HEALTH_PATHS.metrics) {
    send(response, request, 200, EXPOSITION_CONTENT_TYPE, options.metrics.render());
    return;
  }
  const health = options.health();
  const ok = url.pathname === HEALTH_PATHS.live ? health.live : health.ready;
  const status = ok ? 200 : 503;
  if (ok && !url.searchParams.has('verbose')) {
    send(response, request, status, 'text/plain; charset=utf-8', 'ok\n');
    return;
  }
  const body = { status: ok ? 'ok' : url.pathname === HEALTH_PATHS.live ? 'not live' : 'not ready', live: health.live, ready: health.ready, detail: health.detail };
  send(response, request, status, 'application/json; charset=utf-8', `${JSON.stringify(body)}\n`);
}

function send(response: ServerResponse, request: IncomingMessage, status: number, contentType: string, body: string): void {
  response.statusCode = status;
  response.setHeader('Content-Type', contentType);
  response.setHeader('Cache-Control', 'no-store');
  response.setHeader('Content-Length', Buffer.byteLength(body));
  response.end(request.method === 'HEAD' ? undefined : body);
}

export interface HealthInput {
  readonly times: WatchTimes;
  readonly nowMs: number;
  /** The poll interval. */
  readonly intervalMs: number;
  /** SIGTERM received: no longer ready, still live while in-flight writes finish. */
  readonly stopping?: boolean;
}

/**
 * The judgement the loop may use for `health()`:
 * - ready: not stopping, a full read has completed, and the last successful delta round is no older
 *   than three poll intervals plus 30 s (a throttled round may wait for Retry-After);
 * - live: the loop is not stuck: its last sign of progress (a full read, a delta round, or a round that
 *   failed: metrics.ts `attempted`) is no older than ten intervals plus 60 s (since start before the
 *   first; a first full read of a large tenant takes minutes, well within that at the default interval).
 *   Graph being down is not a reason to restart the process (a restart costs a full read), so liveness
 *   follows the loop's own progress, not Graph's answers.
 */
export function judgeHealth(input: HealthInput): WatchHealth {
  const { times, nowMs, intervalMs } = input;
  const readyWithinMs = 3 * intervalMs + 30_000;
  const liveWithinMs = 10 * intervalMs + 60_000;
  const sinceDelta = times.lastDeltaRoundMs === undefined ? undefined : nowMs - times.lastDeltaRoundMs;
  const sinceProgress = nowMs - times.lastProgressMs;
  let reason: string | undefined;
  if (input.stopping === true) reason = 'stopping';
  else if (times.lastFullReadMs === undefined) reason = 'the first full read has not completed';
  else if (sinceDelta === undefined) reason = 'no delta round has completed';
  else if (sinceDelta > readyWithinMs) reason = `the last delta round completed ${Math.round(sinceDelta / 1000)} s ago`;
  const live = sinceProgress <= liveWithinMs;
  const iso = (ms: number | undefined): string | null => (ms === undefined ? null : new Date(ms).toISOString());
  return {
    live,
    ready: reason === undefined,
    detail: {
      ...(reason === undefined ? {} : { notReady: reason }),
      ...(live ? {} : { notLive: `the loop's last round ended ${Math.round(sinceProgress / 1000)} s ago` }),
      startedAt: iso(times.startedMs),
      lastFullReadAt: iso(times.lastFullReadMs),
      lastDeltaRoundAt: iso(times.lastDeltaRoundMs),
      intervalSeconds: intervalMs / 1000,
    },
  };
}
