import { setTimeout as delay } from 'node:timers/promises';
import type { TenantDeltaReader, TenantReader, TenantWriter } from '../port.ts';
import { GRAPH_VERSION, GraphHttp } from './client.ts';
import type { GraphEndpoint } from './clouds.ts';
import { resolveGraphEndpoint } from './clouds.ts';
import type { CredentialChoice, Environment } from './credentials.ts';
import { chooseCredential, describeCredential } from './credentials.ts';
import { describeProxy, identityTransport, proxiedFetch, proxyFor, proxySettingsFrom } from './proxy.ts';
import { createGraphDeltaReader } from './delta.ts';
import { createGraphReader } from './reader.ts';
import type { RequestLog } from './request-log.ts';
import { redactingLog } from './request-log.ts';
import type { RetryEnvironment, RetryPolicy } from './retry.ts';
import type { AccessTokenSource } from './tokens.ts';
import { createTokenSource } from './tokens.ts';
import { createGraphWriter } from './writer.ts';
import { createWriteBatcher, singleRequestWrites } from './write-batch.ts';
import { DEFAULT_RETRY_POLICY } from './retry.ts';

/**
 * The Graph adapter of the tenant port: reader, delta reader (delta.ts) and writer over one HTTP client. `createGraphTenant`
 * takes every side effect as a parameter; `connectGraphTenant` is the edge that picks the real ones
 * (global fetch, timers, Math.random, Date.now) and the credential from the environment.
 */
export type GraphTenant = TenantReader & TenantWriter & TenantDeltaReader;

export interface GraphTenantOptions {
  readonly endpoint: GraphEndpoint;
  readonly tokens: AccessTokenSource;
  readonly fetch: typeof fetch;
  readonly retry: RetryEnvironment;
  readonly retryPolicy?: RetryPolicy;
  /** Tenant id to report when the token has no `tid` claim. */
  readonly tenantId?: string;
  /** Group writes into `$batch` requests of up to 20 (default); false sends one request per write. */
  readonly batchWrites?: boolean;
  /** Told one entry per request, `$batch` item and retry decision (request-log.ts); nothing is logged without it. Entries are not redacted here: connectGraphTenant's are. */
  readonly log?: RequestLog;
}

export function createGraphTenant(options: GraphTenantOptions): GraphTenant {
  const retry: RetryEnvironment = options.log === undefined ? options.retry : { ...options.retry, log: options.log };
  const http = new GraphHttp({
    graphUrl: options.endpoint.graphUrl,
    accessToken: () => options.tokens.getAccessToken(),
    fetch: options.fetch,
    retry,
    ...(options.retryPolicy === undefined ? {} : { retryPolicy: options.retryPolicy }),
    ...(options.log === undefined ? {} : { log: options.log }),
  });
  const batch = { retry, ...(options.retryPolicy === undefined ? {} : { retryPolicy: options.retryPolicy }) };
  const reader = createGraphReader({ http, tokens: options.tokens, batch, ...(options.tenantId === undefined ? {} : { tenantId: options.tenantId }) });
  const writes = options.batchWrites === false ? singleRequestWrites(http) : createWriteBatcher(http, retry, options.retryPolicy ?? DEFAULT_RETRY_POLICY);
  return { ...reader, ...createGraphDeltaReader({ http, batch }), ...createGraphWriter(writes, { graphBase: `${options.endpoint.cloud.graphUrl}/${GRAPH_VERSION}` }) };
}

export interface ConnectOptions {
  /** `--cloud`; default the environment's `TENANTCTL_CLOUD`, else global (or the cloud whose Graph the URL names). */
  readonly cloud?: string;
  /** `--graph-url`; default the environment's `TENANTCTL_GRAPH_URL`, else the cloud's Graph. */
  readonly graphUrl?: string;
  readonly env: Environment;
  readonly fetch?: typeof fetch;
  readonly retry?: Partial<RetryEnvironment>;
  readonly retryPolicy?: RetryPolicy;
  readonly batchWrites?: boolean;
  /**
   * The request log (request-log.ts: Graph's requests, `$batch` items, token requests, retry decisions),
   * for a front end to format and write; the adapter itself writes to no stream. Every string it is
   * told has been redacted, the credential's own secrets included.
   */
  readonly log?: RequestLog;
}

export interface GraphConnection {
  readonly tenant: GraphTenant;
  readonly endpoint: GraphEndpoint;
  readonly credential: CredentialChoice['kind'];
  /** Which credential and app, for a progress line; never a secret. */
  readonly description: string;
}

/** Resolves the endpoint and credential from options and environment, and builds the adapter with real side effects. */
export function connectGraphTenant(options: ConnectOptions): GraphConnection {
  const endpoint = resolveGraphEndpoint({ cloud: options.cloud ?? options.env.TENANTCTL_CLOUD, graphUrl: options.graphUrl ?? options.env.TENANTCTL_GRAPH_URL });
  const choice = chooseCredential(options.env, endpoint);
  // HTTPS_PROXY / HTTP_PROXY / NO_PROXY of `env` (proxy.ts): Graph, the emulator's token endpoint and @azure/identity alike.
  const proxy = proxySettingsFrom(options.env);
  const fetchImpl = options.fetch ?? (proxy === undefined ? globalThis.fetch : proxiedFetch(proxy));
  const log = options.log === undefined ? undefined : redactingLog(options.log, secretsOf(choice));
  const retry: RetryEnvironment = { sleep: (ms) => delay(ms), random: Math.random, nowMs: Date.now, ...options.retry };
  const tokens = createTokenSource(choice, {
    fetch: fetchImpl, nowMs: retry.nowMs, retry,
    ...(proxy === undefined ? {} : { identityTransport: identityTransport(fetchImpl) }),
    ...(options.retryPolicy === undefined ? {} : { retryPolicy: options.retryPolicy }),
    ...(log === undefined ? {} : { log }),
  });
  const tenantId = 'tenantId' in choice ? choice.tenantId : undefined;
  const tenant = createGraphTenant({
    endpoint, tokens, fetch: fetchImpl, retry,
    ...(options.retryPolicy === undefined ? {} : { retryPolicy: options.retryPolicy }),
    ...(tenantId === undefined ? {} : { tenantId }),
    ...(options.batchWrites === undefined ? {} : { batchWrites: options.batchWrites }),
    ...(log === undefined ? {} : { log }),
  });
  const graphProxy = proxy === undefined ? undefined : proxyFor(proxy, endpoint.graphUrl);
  const via = graphProxy === undefined ? '' : ` via proxy ${describeProxy(graphProxy)}`;
  return { tenant, endpoint, credential: choice.kind, description: `${describeCredential(choice)} → ${endpoint.graphUrl.origin}${via}` };
}

/** The secrets a credential choice holds, removed verbatim from every log entry (tokens and assertions are JWTs, which redact.ts finds by shape). */
function secretsOf(choice: CredentialChoice): string[] {
  switch (choice.kind) {
    case 'emulator':
      return [choice.clientSecret, choice.federatedToken?.from === 'github-actions' ? choice.federatedToken.requestToken : undefined].filter((s): s is string => s !== undefined);
    case 'client-secret':
      return [choice.clientSecret];
    case 'client-certificate':
      return choice.certificatePassword === undefined ? [] : [choice.certificatePassword];
    case 'github-oidc':
      return [choice.requestToken];
    default:
      return [];
  }
}

export type { RequestLog, RequestLogEntry } from './request-log.ts';
export { GraphRequestError, CredentialConfigurationError, AuthenticationError, GraphResponseError } from './errors.ts';
export { ConnectionConfigurationError } from './clouds.ts';
