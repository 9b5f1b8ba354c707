import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { isGuid } from '../domain/guid.ts';
import { BoundedLog } from './controls/bounded-log.ts';
import { checkControl, checkHost, hasBody } from './controls/request-guard.ts';
import type { TenantStore } from './directory/store.ts';
import type { BatchItemLog } from './graph-api/batch.ts';
import { executeBatch, parseBatch } from './graph-api/batch.ts';
import { errorEnvelope, GraphError, newRequestId } from './graph-api/errors.ts';
import type { Caller, PipelineContext } from './graph-api/pipeline.ts';
import { executeGraphRequest, faultResponse, requestIds } from './graph-api/pipeline.ts';
import type { GraphResponse } from './graph-api/router.ts';
import type { ThrottleLimits } from './graph-api/throttle.ts';
import { DEFAULT_LIMITS } from './graph-api/throttle.ts';
import { ENTRA_GRANTS } from './identity/auth.ts';
import { claimedTenantId } from './identity/bearer.ts';
import { createFederationKeys } from './identity/federation.ts';
import { safeDecode, tokenForm } from './identity/token-form.ts';
import { handleControl } from './control-routes.ts';
import { TenantSet } from './tenants.ts';
import { describeBytes, lowerCaseHeaders, MAX_BODY_BYTES, MAX_SEED_BODY_BYTES, readBody, refuse, send, sendGraph } from './wire.ts';

export { MAX_SEED_BODY_BYTES } from './wire.ts';

/** How long an idle keep-alive connection stays open (announced as `Keep-Alive: timeout=120`). */
export const IDLE_CONNECTION_MS = 120_000;

/** One entry of `GET /_emulator/requests`. */
export interface RequestLogEntry {
  readonly seq: number;
  readonly time: string;
  /**
   * The tenant that served it: the one its token's `tid` names, or the first tenant when the token
   * names none of the emulator's (such a request is refused with 401, or failed by that tenant's faults).
   */
  readonly tenantId: string;
  readonly method: string;
  readonly path: string;
  readonly query: string;
  readonly status: number;
  readonly appId?: string;
  /** On a `$batch`: how many items it carried. */
  readonly batchItems?: number;
  /** On an item of a batch: the batch's `seq`. */
  readonly inBatch?: number;
  /** `reset` when the connection was cut by an injected fault. */
  readonly fault?: string;
}

/**
 * One entry of `GET /_emulator/token-requests`: a call of the token endpoint, with how the client
 * authenticated, never the secret or assertion itself.
 */
export interface TokenRequestLogEntry {
  readonly seq: number;
  readonly time: string;
  /** The `{tenant}` path segment when it is a tenant id or one of the seeded tenants' domains, else `[other]`. */
  readonly tenant: string;
  /** `client_id` when it is a GUID (anything else might be a pasted secret). */
  readonly clientId?: string;
  /** A grant type Entra knows, else `[other]`. */
  readonly grantType: string;
  readonly clientAuthentication: 'client_secret' | 'client_assertion' | 'none';
  readonly status: number;
  /** The AADSTS code of a failure. */
  readonly errorCode?: number;
}

export interface EmulatorOptions {
  /** The seed, as parsed JSON (validated here): one tenant's, or `{"tenants": [<seed>, …]}`. */
  readonly seed: unknown;
  /** 0 picks a free port. */
  readonly port?: number;
  /** Throttling budgets of every tenant (each tenant and app has its own budgets of this size). */
  readonly limits?: Partial<ThrottleLimits>;
  /** Real time for tokens and throttling windows; tests may pass their own. */
  readonly realNowMs?: () => number;
  /** How the emulator fetches federated credential issuers' keys (loopback URLs only); default the global fetch. */
  readonly fetch?: typeof fetch;
}

export interface RunningEmulator {
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  readonly port: number;
  /** The first (or only) tenant's id. */
  readonly tenantId: string;
  /** Every tenant's id, in the seed's order. */
  tenantIds(): readonly string[];
  /**
   * A tenant's store, by id or domain (replaced by `POST /_emulator/seed`); without an argument the first
   * (or only) tenant's. Throws when no tenant has that id or domain.
   */
  store(tenant?: string): TenantStore;
  /** Every tenant's Graph requests, in order (`seq`); each entry names its tenant. */
  requests(): readonly RequestLogEntry[];
  /** Calls of the token endpoint (kept apart from the Graph request log). */
  tokenRequests(): readonly TokenRequestLogEntry[];
  /**
   * Resolves once no request is being handled: a request counts from the moment its headers have
   * been read until its handler has finished, whether or not its client is still there to hear the
   * answer (a killed client's write is still carried out, after an injected latency say). The check
   * runs after the I/O already due in this turn of the event loop, so a request whose bytes arrived
   * before the call is seen; bytes still on their way are not. For tests: wait for a killed
   * client's requests to land, instead of sleeping.
   */
  whenIdle(): Promise<void>;
  close(): Promise<void>;
}

/** The request log keeps this many entries (a benchmark makes hundreds of thousands of requests). */
const MAX_LOG_ENTRIES = 200_000;

/**
 * Starts the Graph emulator on 127.0.0.1 (loopback only). Graph routes live under `/v1.0`, the
 * token endpoint under `/{tenant}/oauth2/v2.0/token`, test controls under `/_emulator/`.
 */
export async function startEmulator(options: EmulatorOptions): Promise<RunningEmulator> {
  const realNowMs = options.realNowMs ?? Date.now;
  let baseUrl = 'http://127.0.0.1';
  // One key cache for the emulator's life: reseeding keeps what was fetched from federated issuers.
  const federationKeys = createFederationKeys({ fetch: options.fetch ?? globalThis.fetch });
  const tenants = new TenantSet<RequestLogEntry>(options.seed, { limits: { ...DEFAULT_LIMITS, ...options.limits }, issuerBaseUrl: () => baseUrl, federationKeys, maxLogEntries: MAX_LOG_ENTRIES });
  // One numbering across the tenants' journals, so that `since=N` and the merged view keep working.
  let seq = 0;
  const tokenLog = new BoundedLog<TokenRequestLogEntry>(MAX_LOG_ENTRIES);
  // Numbered like the Graph log: never reused, not after a clear nor past the cap.
  let tokenSeq = 0;
  const sockets = new Set<Socket>();
  // The port listened on, set once listening (no request arrives before): the Host check needs it.
  let port = 0;

  const record = (store: TenantStore, entry: Omit<RequestLogEntry, 'seq' | 'time' | 'tenantId'>): number => {
    seq += 1;
    tenants.log(store.tenantId).push({ seq, time: new Date(realNowMs()).toISOString(), tenantId: store.tenantId, ...entry });
    return seq;
  };
  /** The journals of `store`'s tenant, or of every tenant merged in `seq` order. */
  const journal = (store?: TenantStore): RequestLogEntry[] => {
    if (store !== undefined) return tenants.log(store.tenantId).entries();
    const logs = tenants.allLogs();
    if (logs.length === 1) return (logs[0] as BoundedLog<RequestLogEntry>).entries();
    return logs.flatMap((l) => l.entries()).sort((a, b) => a.seq - b.seq);
  };

  // Requests whose handler has not finished, and whenIdle()'s callers waiting for that to be none.
  let inFlight = 0;
  let idleWaiters: (() => void)[] = [];
  const server = createServer((request, response) => {
    inFlight += 1;
    handle(request, response)
      .catch((error: unknown) => {
        if (!response.headersSent) send(response, 500, { error: { code: 'InternalServerError', message: `Emulator bug: ${error instanceof Error ? error.message : String(error)}` } });
      })
      .finally(() => {
        inFlight -= 1;
        if (inFlight > 0) return;
        const waiters = idleWaiters;
        idleWaiters = [];
        for (const waiter of waiters) waiter();
      });
  });
  // Idle keep-alive connections are closed after IDLE_CONNECTION_MS, not Node's default 5 s (+1 s):
  // with that, a client whose event loop was busy for longer (the tests and the in-process CLI share
  // this event loop; 6 s of synchronous work on a 10,000-principal policy under CPU load was enough)
  // sends its next request on the pooled socket in the same turn as the server's idle timer fires,
  // the server destroys a socket with an unread request in it, and fetch fails with ECONNRESET.
  // Graph's front doors also close idle connections after minutes, not seconds; close() destroys the rest.
  server.keepAliveTimeout = IDLE_CONNECTION_MS;
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    // Every answer is dated by the directory clock, not the machine's: a client reading `Date` learns
    // the tenant's time (docs/graph-behaviour.md §20). Node keeps a Date header set here; the first
    // tenant's clock until the request names its tenant.
    response.setHeader('Date', tenants.first().httpDate());
    const url = new URL(request.url ?? '/', baseUrl);
    const headers = lowerCaseHeaders(request);
    const control = url.pathname.startsWith('/_emulator/');
    // Checked before the body is read: a refused request's body is never buffered.
    const refusal = checkHost(headers, port) ?? (control ? checkControl(headers) : undefined);
    if (refusal) {
      refuse(response, refusal, hasBody(headers));
      return;
    }
    const limit = control && request.method === 'POST' && url.pathname === '/_emulator/seed' ? MAX_SEED_BODY_BYTES : MAX_BODY_BYTES;
    const declared = Number(headers['content-length'] ?? '0');
    const bodyText = declared > limit ? undefined : await readBody(request, limit);
    if (bodyText === undefined) {
      // The rest of the body is not read: close the connection rather than wait for it.
      send(response, 413, { error: { code: 'RequestEntityTooLarge', message: `The request body is larger than ${describeBytes(limit)}, the limit of ${control ? `${request.method ?? 'GET'} ${url.pathname}` : 'a Graph or token request'}.` } }, { Connection: 'close' });
      return;
    }
    if (control) {
      handleControl({ tenants, tokenLog, journal }, request.method ?? 'GET', url, bodyText, response);
      return;
    }
    const token = /^\/([^/]+)\/oauth2\/v2\.0\/token$/u.exec(url.pathname);
    if (token && request.method === 'POST') {
      const tenant = safeDecode(token[1] ?? '');
      const form = tokenForm(bodyText, headers.authorization);
      // The tenant named by id or domain issues its own tokens; a segment naming none is answered by the
      // first tenant's issuer, which refuses any segment but its own (AADSTS90002 and kin).
      const named = tenants.find(tenant);
      if (named) response.setHeader('Date', named.httpDate());
      const result = await tenants.issuer(named ?? tenants.first()).issueToken(tenant, form, realNowMs(), headers['client-request-id']);
      recordToken(tenant, form, result.status, result.body);
      send(response, result.status, result.body);
      return;
    }
    if (!url.pathname.startsWith('/v1.0/')) {
      send(response, 404, errorEnvelope(new GraphError(404, 'NotFound', `No route for ${url.pathname}. Graph calls start with /v1.0/.`), { requestId: newRequestId(), clientRequestId: newRequestId(), nowMs: realNowMs() }));
      return;
    }
    await handleGraph(request.method ?? 'GET', url, headers, bodyText, request, response);
  }

  function recordToken(tenant: string, form: URLSearchParams, status: number, body: Record<string, unknown>): void {
    const clientId = form.get('client_id') ?? '';
    const errorCode = Array.isArray(body['error_codes']) && typeof body['error_codes'][0] === 'number' ? body['error_codes'][0] : undefined;
    const clientAuthentication = (form.get('client_assertion') ?? '') !== '' ? 'client_assertion' : (form.get('client_secret') ?? '') !== '' ? 'client_secret' : 'none';
    tokenSeq += 1;
    tokenLog.push({
      seq: tokenSeq,
      time: new Date(realNowMs()).toISOString(),
      // Only values that cannot be a secret pasted into the wrong field.
      tenant: isGuid(tenant) || tenants.find(tenant) !== undefined ? tenant : '[other]',
      ...(isGuid(clientId) ? { clientId } : {}),
      grantType: ENTRA_GRANTS.has(form.get('grant_type') ?? '') ? (form.get('grant_type') ?? '') : '[other]',
      clientAuthentication,
      status,
      ...(errorCode === undefined ? {} : { errorCode }),
    });
  }

  async function handleGraph(method: string, url: URL, headers: Record<string, string | undefined>, bodyText: string, request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = url.pathname.slice('/v1.0'.length);
    const ids = requestIds(headers);
    // Graph has one URL for every tenant: the token's `tid` picks the tenant, whose issuer then verifies
    // the token. A token naming no tenant here is refused by the first tenant's issuer. A request naming
    // another tenant's object finds nothing: it is looked up in the token's tenant only.
    const claimed = claimedTenantId(headers.authorization);
    const store = (claimed === undefined ? undefined : tenants.find(claimed)) ?? tenants.first();
    response.setHeader('Date', store.httpDate());
    const throttler = tenants.throttler(store);
    const faults = tenants.faults(store);
    const decision = faults?.next();
    if (decision && decision.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, decision.latencyMs));
    const entry = { method, path, query: url.search };
    if (decision?.fault === 'reset-before') {
      record(store, { ...entry, status: 0, fault: 'reset' });
      request.socket.destroy();
      return;
    }
    const injected = faultResponse(decision, { ...ids, nowMs: realNowMs() });
    if (injected) {
      record(store, { ...entry, status: injected.status, fault: decision?.fault ?? 'none' });
      sendGraph(response, injected, ids);
      return;
    }
    const verified = tenants.issuer(store).verifyBearer(headers.authorization, realNowMs());
    if (!verified.ok) {
      const reply: GraphResponse = { status: 401, body: errorEnvelope(new GraphError(401, verified.code, verified.message), { ...ids, nowMs: realNowMs() }), headers: { 'WWW-Authenticate': 'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize"' } };
      record(store, { ...entry, status: 401 });
      sendGraph(response, reply, ids);
      return;
    }
    const caller: Caller = { appId: verified.appId, roles: verified.roles };
    const context: PipelineContext = { store, throttler, faults, realNowMs };
    let body: unknown;
    try {
      body = bodyText === '' ? undefined : JSON.parse(bodyText);
    } catch {
      const reply = { status: 400, body: errorEnvelope(new GraphError(400, 'BadRequest', 'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.'), { ...ids, nowMs: realNowMs() }) };
      record(store, { ...entry, status: 400, appId: caller.appId });
      sendGraph(response, reply, ids);
      return;
    }
    let reply: GraphResponse;
    if (path === '/$batch' && method === 'POST') {
      const items: BatchItemLog[] = [];
      try {
        const batch = parseBatch(body);
        const result = executeBatch(batch, caller, context, baseUrl, (item) => items.push(item));
        reply = { status: 200, body: result };
      } catch (error) {
        if (!(error instanceof GraphError)) throw error;
        reply = { status: error.status, body: errorEnvelope(error, { ...ids, nowMs: realNowMs() }) };
      }
      const batchSeq = record(store, { ...entry, status: reply.status, appId: caller.appId, batchItems: items.length });
      for (const item of items) record(store, { method: item.method, path: item.path, query: '', status: item.status, appId: caller.appId, inBatch: batchSeq });
    } else {
      reply = executeGraphRequest({ method, path, query: url.searchParams, headers, body, baseUrl }, caller, context, ids);
      record(store, { ...entry, status: reply.status, appId: caller.appId, ...(decision?.fault === 'reset-after' ? { fault: 'reset' } : {}) });
    }
    if (decision?.fault === 'reset-after') {
      // The change happened; the client never learns it. Idempotent clients survive this.
      request.socket.destroy();
      return;
    }
    sendGraph(response, reply, ids);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  baseUrl = `http://127.0.0.1:${port}`;

  return {
    url: baseUrl,
    port,
    get tenantId() {
      return tenants.first().tenantId;
    },
    tenantIds: () => tenants.list().map((t) => t.tenantId),
    store: (tenant?: string) => {
      if (tenant === undefined) return tenants.first();
      const store = tenants.find(tenant);
      if (store === undefined) throw new Error(`No tenant ${tenant} in this emulator.`);
      return store;
    },
    requests: () => journal(),
    tokenRequests: () => tokenLog.entries(),
    whenIdle: () =>
      new Promise<void>((resolve) => {
        // setImmediate: after the poll phase, so that requests whose bytes are already here are counted.
        const check = (): void => {
          if (inFlight === 0) resolve();
          else idleWaiters.push(() => setImmediate(check));
        };
        setImmediate(check);
      }),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
