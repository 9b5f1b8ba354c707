import { setTimeout as delay } from 'node:timers/promises';
import type { TenantReader, TenantWriter } from '../port.ts';
import { GRAPH_VERSION, GraphHttp } from './client.ts';
import type { GraphEndpoint } from './clouds.ts';
import { resolveGraphEndpoint } from './clouds.ts';
import type { CredentialChoice, Environment } from './credentials.ts';
import { chooseCredential, describeCredential } from './credentials.ts';
import { createGraphReader } from './reader.ts';
import type { RetryEnvironment, RetryPolicy } from './retry.ts';
import type { AccessTokenSource } from './tokens.ts';
import { createTokenSource } from './tokens.ts';
import { createGraphWriter } from './writer.ts';
import { createWriteBatcher, singleRequestWrites } from './write-batch.ts';
import { DEFAULT_RETRY_POLICY } from './retry.ts';

/**
 * The Graph adapter of the tenant port: reader and writer over one HTTP client. `createGraphTenant`
 * takes every side effect as a parameter; `connectGraphTenant` is the edge that picks the real ones
 * (global fetch, timers, Math.random, Date.now) and the credential from the environment.
 */
export type GraphTenant = TenantReader & TenantWriter;

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
}

export function createGraphTenant(options: GraphTenantOptions): GraphTenant {
  const http = new GraphHttp({
    graphUrl: options.endpoint.graphUrl,
    accessToken: () => options.tokens.getAccessToken(),
    fetch: options.fetch,
    retry: options.retry,
    ...(options.retryPolicy === undefined ? {} : { retryPolicy: options.retryPolicy }),
  });
  const batch = { retry: options.retry, ...(options.retryPolicy === undefined ? {} : { retryPolicy: options.retryPolicy }) };
  const reader = createGraphReader({ http, tokens: options.tokens, batch, ...(options.tenantId === undefined ? {} : { tenantId: options.tenantId }) });
  const writes = options.batchWrites === false ? singleRequestWrites(http) : createWriteBatcher(http, options.retry, options.retryPolicy ?? DEFAULT_RETRY_POLICY);
  return { ...reader, ...createGraphWriter(writes, { graphBase: `${options.endpoint.cloud.graphUrl}/${GRAPH_VERSION}` }) };
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
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const retry: RetryEnvironment = { sleep: (ms) => delay(ms), random: Math.random, nowMs: Date.now, ...options.retry };
  const tokens = createTokenSource(choice, { fetch: fetchImpl, nowMs: retry.nowMs, retry, ...(options.retryPolicy === undefined ? {} : { retryPolicy: options.retryPolicy }) });
  const tenantId = 'tenantId' in choice ? choice.tenantId : undefined;
  const tenant = createGraphTenant({
    endpoint, tokens, fetch: fetchImpl, retry,
    ...(options.retryPolicy === undefined ? {} : { retryPolicy: options.retryPolicy }),
    ...(tenantId === undefined ? {} : { tenantId }),
    ...(options.batchWrites === undefined ? {} : { batchWrites: options.batchWrites }),
  });
  return { tenant, endpoint, credential: choice.kind, description: `${describeCredential(choice)} → ${endpoint.graphUrl.origin}` };
}

export { GraphRequestError, CredentialConfigurationError, AuthenticationError, GraphResponseError } from './errors.ts';
export { ConnectionConfigurationError } from './clouds.ts';
