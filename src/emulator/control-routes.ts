import type { ServerResponse } from 'node:http';
import type { BoundedLog } from './controls/bounded-log.ts';
import { parseFaultConfig } from './controls/faults.ts';
import { dumpState } from './directory/state.ts';
import type { TenantStore } from './directory/store.ts';
import { parseThrottleLimits } from './graph-api/throttle.ts';
import type { RequestLogEntry, TokenRequestLogEntry } from './server.ts';
import type { TenantSet } from './tenants.ts';
import { send } from './wire.ts';

/**
 * The emulator's control endpoints (`/_emulator/…`, docs/emulator.md): health, state, clock, faults, limits, the
 * request logs and seeding. `tenant=<id or domain>` addresses one tenant of a many-tenant emulator.
 */
export interface ControlDeps {
  readonly tenants: TenantSet<RequestLogEntry>;
  readonly tokenLog: BoundedLog<TokenRequestLogEntry>;
  /** The Graph request journal of one tenant, or of every tenant merged in `seq` order. */
  readonly journal: (store?: TenantStore) => RequestLogEntry[];
}

export function handleControl(deps: ControlDeps, method: string, url: URL, bodyText: string, response: ServerResponse): void {
  const { tenants, tokenLog, journal } = deps;
  const route = `${method} ${url.pathname}`;
  try {
    const json = (): unknown => (bodyText === '' ? {} : JSON.parse(bodyText));
    // `tenant=<id or domain>` addresses one tenant; without it, the first (or only) tenant, except
    // where a control is emulator-wide (faults, limits, the request logs, a seed without tenant=).
    const parameter = url.searchParams.get('tenant');
    const addressed = (): TenantStore => tenants.addressed(parameter);
    const named = (): TenantStore | undefined => (parameter === null ? undefined : addressed());
    // Answers are dated by the addressed tenant's clock when one is named.
    const dated = parameter === null ? undefined : tenants.find(parameter);
    if (dated) response.setHeader('Date', dated.httpDate());
    switch (route) {
      case 'GET /_emulator/health': {
        // The emulator's own CPU and memory, so that benchmarks can tell its cost from the client's.
        const cpu = process.cpuUsage();
        const processStats = { cpuUserMs: cpu.user / 1000, cpuSystemMs: cpu.system / 1000, rssBytes: process.memoryUsage.rss() };
        const store = addressed();
        send(response, 200, { status: 'ok', tenantId: store.tenantId, now: store.now, tenants: tenants.list().map((t) => t.tenantId), process: processStats });
        return;
      }
      case 'GET /_emulator/state':
        send(response, 200, dumpState(addressed()));
        return;
      case 'POST /_emulator/clock': {
        const store = addressed();
        const now = (json() as { now?: unknown }).now;
        if (typeof now !== 'string' || Number.isNaN(Date.parse(now))) throw new TypeError('now: give an ISO 8601 time, e.g. {"now":"2026-12-24T00:00:00Z"}');
        const { purged } = store.setNow(now);
        response.setHeader('Date', store.httpDate());
        send(response, 200, { now: store.now, purged, tenantId: store.tenantId });
        return;
      }
      case 'POST /_emulator/faults': {
        const store = named();
        const config = parseFaultConfig(json());
        tenants.setFaults(config, store);
        send(response, 200, { faults: config ?? null, ...(store ? { tenantId: store.tenantId } : {}) });
        return;
      }
      case 'POST /_emulator/limits': {
        const store = named();
        const limits = parseThrottleLimits(json());
        tenants.setLimits(limits, store);
        send(response, 200, { limits, ...(store ? { tenantId: store.tenantId } : {}) });
        return;
      }
      case 'GET /_emulator/requests': {
        const since = Number(url.searchParams.get('since') ?? '0');
        send(response, 200, { requests: journal(named()).filter((e) => e.seq > since) });
        return;
      }
      case 'DELETE /_emulator/requests': {
        const store = named();
        tenants.clearLogs(store?.tenantId);
        if (store === undefined) tokenLog.clear();
        send(response, 204, undefined);
        return;
      }
      case 'GET /_emulator/token-requests':
        send(response, 200, { tokenRequests: tokenLog.entries() });
        return;
      case 'POST /_emulator/seed': {
        const store = named();
        if (store === undefined) tenants.replaceAll(json());
        const seeded = store === undefined ? tenants.first() : tenants.replaceOne(store, json());
        response.setHeader('Date', seeded.httpDate());
        send(response, 200, { status: 'seeded', tenantId: seeded.tenantId, now: seeded.now, tenants: tenants.list().map((t) => t.tenantId) });
        return;
      }
      default:
        send(response, 404, { error: { code: 'NotFound', message: `No emulator control ${route}. Known: GET health, GET state, POST clock, POST faults, POST limits, GET|DELETE requests, GET token-requests, POST seed.` } });
    }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    send(response, 400, { error: { code: 'BadRequest', message } });
  }
}
