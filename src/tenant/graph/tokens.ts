import { readFile } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
import type { TokenCredential } from '@azure/identity';
import { CLOUDS } from './clouds.ts';
import type { CredentialChoice, EmulatorCredentialChoice, FederatedTokenSource } from './credentials.ts';
import { AuthenticationError, GraphRequestError } from './errors.ts';
import type { IdentityHttpClient, IdentityTransport } from './proxy.ts';
import type { RequestLog } from './request-log.ts';
import { elapsedMs, reasonOf } from './request-log.ts';
import type { RetryEnvironment, RetryPolicy } from './retry.ts';
import { DEFAULT_RETRY_POLICY, withRetries } from './retry.ts';

/**
 * Access tokens for Graph: from @azure/identity for every real credential, and with plain fetch
 * from the emulator's token endpoint. Tokens are cached until five minutes before they expire and
 * never leave this module except as the Authorization header and decoded claims.
 */
export interface AccessTokenSource {
  getAccessToken(): Promise<string>;
  /** The access token's claims (payload, not verified: the client only reads its own token). */
  getClaims(): Promise<Readonly<Record<string, unknown>>>;
}

export interface TokenDependencies {
  readonly fetch: typeof fetch;
  readonly nowMs: () => number;
  /** Reads a federated token file (UTF-8); default node:fs. */
  readonly readFile?: (path: string) => Promise<string>;
  /** Waiting and jitter between tries of the emulator's token request (retry.ts); default real timers and Math.random. */
  readonly retry?: Pick<RetryEnvironment, 'sleep' | 'random'>;
  /** How often that request is tried; default `DEFAULT_RETRY_POLICY`, as for Graph's requests. */
  readonly retryPolicy?: RetryPolicy;
  /**
   * Told what really happened to get a token: one `token` entry per HTTP request sent (method, host,
   * path, status, duration; never a body, header or query), whoever sends it (tenantctl, or
   * @azure/identity through its HTTP client), and the emulator's retries; a `token-command` entry when
   * the Azure CLI gave it. A token answered from a cache sent nothing and is told nothing.
   */
  readonly log?: RequestLog;
  /** @azure/identity's HTTP client; default its own (node:http). Set to go through the proxy (proxy.ts). */
  readonly identityTransport?: IdentityTransport;
}

const REFRESH_BEFORE_EXPIRY_MS = 5 * 60 * 1000;
const KNOWN_AUTHORITY_HOSTS = new Set(Object.values(CLOUDS).map((c) => c.authorityHost));

/** The payload of a JWT, or `{}` when the token is not one. */
export function decodeJwtClaims(token: string): Record<string, unknown> {
  const payload = token.split('.')[1];
  if (payload === undefined) return {};
  try {
    const claims: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    return typeof claims === 'object' && claims !== null && !Array.isArray(claims) ? (claims as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** The `roles` claim: the application permissions granted to the app (docs/permissions.md). */
export function rolesOf(claims: Readonly<Record<string, unknown>>): string[] {
  const roles = claims.roles;
  return Array.isArray(roles) ? roles.filter((r): r is string => typeof r === 'string') : [];
}

/**
 * The @azure/identity credential for a choice (not for the emulator's plain token endpoint). The
 * library is loaded here, on first use: it takes a quarter of a second to load, and the emulator's
 * credential never needs it.
 */
export async function createIdentityCredential(choice: Exclude<CredentialChoice, { kind: 'emulator' }>, dependencies: Pick<TokenDependencies, 'fetch' | 'identityTransport' | 'log'>): Promise<TokenCredential> {
  const { AzureCliCredential, ClientAssertionCredential, ClientCertificateCredential, ClientSecretCredential, ManagedIdentityCredential, WorkloadIdentityCredential } = await import('@azure/identity');
  const httpClient = await identityHttpClient(dependencies);
  const transport = httpClient === undefined ? {} : { httpClient };
  // Instance discovery asks login.microsoftonline.com whether the authority is Microsoft's; for any
  // other authority host (Azure Stack, a test double) it must be off.
  const authority = { authorityHost: choice.authorityHost, disableInstanceDiscovery: !KNOWN_AUTHORITY_HOSTS.has(choice.authorityHost), ...transport };
  switch (choice.kind) {
    case 'client-secret':
      return new ClientSecretCredential(choice.tenantId, choice.clientId, choice.clientSecret, authority);
    case 'client-certificate':
      return new ClientCertificateCredential(
        choice.tenantId,
        choice.clientId,
        { certificatePath: choice.certificatePath, ...(choice.certificatePassword === undefined ? {} : { certificatePassword: choice.certificatePassword }) },
        { ...authority, sendCertificateChain: choice.sendCertificateChain },
      );
    case 'workload-identity':
      return new WorkloadIdentityCredential({ tenantId: choice.tenantId, clientId: choice.clientId, tokenFilePath: choice.tokenFilePath, ...authority });
    case 'github-oidc':
      return new ClientAssertionCredential(choice.tenantId, choice.clientId, () => readGitHubOidcToken(choice.requestUrl, choice.requestToken, dependencies.fetch, dependencies.log), authority);
    case 'managed-identity':
      return choice.clientId === undefined ? new ManagedIdentityCredential(transport) : new ManagedIdentityCredential({ clientId: choice.clientId, ...transport });
    case 'azure-cli':
      // The az CLI makes its own requests, and reads HTTPS_PROXY and NO_PROXY itself.
      return new AzureCliCredential(choice.tenantId === undefined ? {} : { tenantId: choice.tenantId });
  }
}

/**
 * The HTTP client @azure/identity's credentials send every request with (its `httpClient` option,
 * which ManagedIdentityCredential passes on to MSAL too, unlike `additionalPolicies`): the proxy's
 * when one is set, else the library's default; with a log, wrapped so that each request it really
 * sends is one `token` entry. Undefined leaves the library's own default (no log, no proxy).
 */
async function identityHttpClient(dependencies: Pick<TokenDependencies, 'identityTransport' | 'log'>): Promise<IdentityHttpClient | undefined> {
  const given = dependencies.identityTransport?.httpClient;
  if (dependencies.log === undefined) return given;
  const inner = given ?? (await import('@azure/core-rest-pipeline')).createDefaultHttpClient();
  return loggingHttpClient(inner, dependencies.log);
}

/**
 * An HTTP client that tells the log one `token` entry per request `inner` sends: its real method,
 * host and path (never the query, a header or the body: an assertion or secret travels only there),
 * the status (0 when no answer came, with the failure's code) and the duration. Discovery, the token
 * endpoint, IMDS or App Service's identity endpoint alike; MSAL's retries are each an entry.
 */
export function loggingHttpClient(inner: IdentityHttpClient, log: RequestLog): IdentityHttpClient {
  return {
    async sendRequest(request) {
      const { host, pathname: path } = new URL(request.url);
      const start = log.clock();
      try {
        const response = await inner.sendRequest(request);
        log.write({ event: 'token', method: request.method, host, path, status: response.status, durationMs: elapsedMs(log, start) });
        return response;
      } catch (error) {
        log.write({ event: 'token', method: request.method, host, path, status: 0, durationMs: elapsedMs(log, start), error: reasonOf(error) });
        throw error;
      }
    },
  };
}

/**
 * GitHub's OIDC token for Entra federation (https://docs.github.com/actions/security-for-github-actions/security-hardening-your-deployments/configuring-openid-connect-in-azure):
 * `GET $ACTIONS_ID_TOKEN_REQUEST_URL&audience=api://AzureADTokenExchange` with the request token as bearer;
 * the answer is `{"value": "<jwt>"}`. The request is one `token` entry of `log` (host and path, not its query).
 */
export async function readGitHubOidcToken(requestUrl: string, requestToken: string, fetchImpl: typeof fetch, log?: RequestLog): Promise<string> {
  const fail = (problem: string): AuthenticationError => new AuthenticationError('GitHub Actions OIDC', problem, [requestToken]);
  if (!URL.canParse(requestUrl)) throw fail('ACTIONS_ID_TOKEN_REQUEST_URL is not a URL');
  const url = new URL(requestUrl);
  url.searchParams.set('audience', 'api://AzureADTokenExchange');
  const entry = { event: 'token', method: 'GET', host: url.host, path: url.pathname } as const;
  const start = log?.clock() ?? 0;
  let response: Response;
  try {
    response = await fetchImpl(url, { headers: { Authorization: `bearer ${requestToken}`, Accept: 'application/json' } });
    if (log) log.write({ ...entry, status: response.status, durationMs: elapsedMs(log, start) });
  } catch (error) {
    if (log) log.write({ ...entry, status: 0, durationMs: elapsedMs(log, start), error: reasonOf(error) });
    throw fail(`no answer from the OIDC token request (ACTIONS_ID_TOKEN_REQUEST_URL): ${error instanceof Error ? error.message : String(error)}`);
  }
  const body = (await response.json().catch(() => ({}))) as { value?: unknown };
  if (!response.ok || typeof body.value !== 'string' || body.value === '') throw fail(`the OIDC token request answered HTTP ${response.status}; does the workflow have "permissions: id-token: write"?`);
  return body.value;
}

/** A federated token for the emulator: the file's contents (read each time: it is rotated), or GitHub's OIDC token. */
async function readFederatedToken(source: FederatedTokenSource, dependencies: TokenDependencies): Promise<string> {
  if (source.from === 'github-actions') return readGitHubOidcToken(source.requestUrl, source.requestToken, dependencies.fetch, dependencies.log);
  let text: string;
  try {
    text = await (dependencies.readFile ?? ((path: string) => readFile(path, 'utf8')))(source.path);
  } catch (error) {
    const reason = error instanceof Error && 'code' in error ? String(error.code) : error instanceof Error ? error.message : String(error);
    throw new AuthenticationError('emulator', `cannot read the federated token file ${source.path} (AZURE_FEDERATED_TOKEN_FILE): ${reason}`);
  }
  const token = text.trim();
  if (token === '') throw new AuthenticationError('emulator', `the federated token file ${source.path} (AZURE_FEDERATED_TOKEN_FILE) is empty`);
  return token;
}

interface CachedToken {
  readonly token: string;
  readonly expiresOnMs: number;
}

/** A token source over a function that fetches a fresh token: caches it and shares one request in flight. */
function cachingSource(fetchToken: () => Promise<CachedToken>, nowMs: () => number): AccessTokenSource {
  let cached: CachedToken | undefined;
  let inFlight: Promise<CachedToken> | undefined;
  const getAccessToken = async (): Promise<string> => {
    if (cached && cached.expiresOnMs - nowMs() > REFRESH_BEFORE_EXPIRY_MS) return cached.token;
    inFlight ??= fetchToken().finally(() => {
      inFlight = undefined;
    });
    cached = await inFlight;
    return cached.token;
  };
  return { getAccessToken, getClaims: async () => decodeJwtClaims(await getAccessToken()) };
}

/** What a `token-command` entry names for the Azure CLI credential, which runs `az account get-access-token` and sends no request of ours. */
const AZURE_CLI = 'the Azure CLI (az)';

/**
 * Tokens from an @azure/identity credential for the choice's scope, made on the first token request.
 * The log hears of each request the credential sends from its HTTP client (identityHttpClient), so
 * nothing here for them: a token MSAL answers from its cache sent nothing and logs nothing. The Azure
 * CLI credential sends none (az does, itself): its token is one `token-command` entry.
 */
function identityTokenSource(choice: Exclude<CredentialChoice, { kind: 'emulator' }>, dependencies: TokenDependencies): AccessTokenSource {
  const secrets = choice.kind === 'client-secret' ? [choice.clientSecret] : [];
  let credential: Promise<TokenCredential> | undefined;
  return cachingSource(async () => {
    // One credential for the source's life (MSAL caches inside it). A constructor's own error is not a sign-in failure.
    credential ??= createIdentityCredential(choice, dependencies);
    const identity = await credential;
    const log = choice.kind === 'azure-cli' ? dependencies.log : undefined;
    const start = log?.clock() ?? 0;
    try {
      const token = await identity.getToken(choice.scope);
      if (!token) throw new Error('the credential returned no token');
      if (log) log.write({ event: 'token-command', from: AZURE_CLI, durationMs: elapsedMs(log, start) });
      return { token: token.token, expiresOnMs: token.expiresOnTimestamp };
    } catch (error) {
      if (log) log.write({ event: 'token-command', from: AZURE_CLI, durationMs: elapsedMs(log, start), error: reasonOf(error) });
      // A proxy's refusal, which MSAL may report only as a failed discovery, is the reason to give.
      const reason = dependencies.identityTransport?.lastProxyFailure() ?? (error instanceof Error ? error.message : String(error));
      throw new AuthenticationError(choice.kind, reason, secrets);
    }
  }, dependencies.nowMs);
}

/**
 * How the app proves itself to the emulator: its client secret, or a federated token as client assertion
 * (RFC 7521 §4.2, RFC 7523 §2.2; what Entra takes for workload identity federation), and what must never be printed.
 */
async function emulatorClientAuthentication(choice: EmulatorCredentialChoice, dependencies: TokenDependencies): Promise<{ fields: Record<string, string>; secrets: string[] }> {
  if (choice.federatedToken === undefined) return { fields: { client_secret: choice.clientSecret }, secrets: [choice.clientSecret] };
  const assertion = await readFederatedToken(choice.federatedToken, dependencies);
  const requestToken = choice.federatedToken.from === 'github-actions' ? [choice.federatedToken.requestToken] : [];
  return { fields: { client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: assertion }, secrets: [assertion, ...requestToken] };
}

/** Tokens from the emulator's token endpoint: client credentials, form-encoded (RFC 6749 §4.4). */
export function emulatorTokenSource(choice: EmulatorCredentialChoice, dependencies: TokenDependencies): AccessTokenSource {
  return cachingSource(async () => {
    const { fields, secrets } = await emulatorClientAuthentication(choice, dependencies);
    const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: choice.clientId, ...fields, scope: choice.scope });
    // One try; no answer at all (a network failure, such as the kept-alive connection lost under it)
    // is a status-0 failure of a request that is safe to repeat (a client-credentials request is), so
    // the one retry loop sends it again as it would a Graph read. An answer, even a refusal, is final.
    const { log } = dependencies;
    const { host, pathname: path } = new URL(choice.tokenUrl);
    const send = async (): Promise<Response> => {
      const start = log?.clock() ?? 0;
      try {
        const response = await dependencies.fetch(choice.tokenUrl, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: form });
        log?.write({ event: 'token', method: 'POST', host, path, status: response.status, durationMs: elapsedMs(log, start) });
        return response;
      } catch (error) {
        log?.write({ event: 'token', method: 'POST', host, path, status: 0, durationMs: elapsedMs(log, start), error: reasonOf(error) });
        throw new GraphRequestError({ status: 0, code: 'NetworkError', message: error instanceof Error ? error.message : String(error), method: 'POST', idempotent: true });
      }
    };
    const retry: RetryEnvironment = { sleep: (ms) => delay(ms), random: Math.random, ...dependencies.retry, nowMs: dependencies.nowMs, ...(log === undefined ? {} : { log }) };
    let response: Response;
    try {
      response = await withRetries(send, retry, dependencies.retryPolicy ?? DEFAULT_RETRY_POLICY);
    } catch (error) {
      throw new AuthenticationError('emulator', `no answer from ${choice.tokenUrl}: ${error instanceof Error ? error.message : String(error)}`, secrets);
    }
    const body = (await response.json().catch(() => ({}))) as { access_token?: unknown; expires_in?: unknown; error?: unknown; error_description?: unknown };
    if (!response.ok || typeof body.access_token !== 'string') {
      const description = typeof body.error_description === 'string' ? body.error_description.split(/\r?\n/u)[0] : `HTTP ${response.status}`;
      throw new AuthenticationError('emulator', `${typeof body.error === 'string' ? `${body.error}: ` : ''}${description ?? ''}`, secrets);
    }
    const expiresIn = typeof body.expires_in === 'number' ? body.expires_in : Number(body.expires_in ?? 3599);
    return { token: body.access_token, expiresOnMs: dependencies.nowMs() + (Number.isFinite(expiresIn) ? expiresIn : 3599) * 1000 };
  }, dependencies.nowMs);
}

/** The token source for a credential choice. */
export function createTokenSource(choice: CredentialChoice, dependencies: TokenDependencies): AccessTokenSource {
  if (choice.kind === 'emulator') return emulatorTokenSource(choice, dependencies);
  return identityTokenSource(choice, dependencies);
}
