import type { TokenCredentialOptions } from '@azure/identity';
import { ConnectionConfigurationError } from './clouds.ts';
import type { Environment } from './credentials.ts';

/**
 * An outbound HTTP(S) proxy from the environment, for Graph's requests and for sign-in alike: the
 * variables curl and Node read (`HTTPS_PROXY`, `HTTP_PROXY`, `NO_PROXY`, lower-case first), carried
 * out by undici's `EnvHttpProxyAgent` (https://undici.nodejs.org/#/docs/api/EnvHttpProxyAgent), so
 * one rule decides for every request:
 *
 * - an `https://` URL goes through `HTTPS_PROXY` (else `HTTP_PROXY`) in a CONNECT tunnel: the proxy
 *   sees the host and port, not the request;
 * - an `http://` URL (only the emulator on this machine: clouds.ts refuses plain http elsewhere) goes
 *   through `HTTP_PROXY` as an absolute-form request, as curl sends it: the proxy sees the whole
 *   request, its Authorization header included;
 * - `NO_PROXY` lists hosts reached directly: `host`, `.domain` or `domain` (and its subdomains),
 *   `host:port`, or `*` for all. Loopback is not exempt unless listed there (as with curl).
 *
 * Nothing here reads `process.env`: the environment is the caller's. Without a proxy variable no
 * proxy code is loaded and the plain global fetch is used.
 */
export interface ProxySettings {
  /** For `http://` URLs (and `https://` ones when `httpsProxy` is unset). */
  readonly httpProxy?: ProxyUrl;
  readonly httpsProxy?: ProxyUrl;
  /** As given (comma- or space-separated); empty for none. */
  readonly noProxy: string;
}

export interface ProxyUrl {
  readonly url: URL;
  /** The variable it came from, for messages. */
  readonly variable: string;
}

/** The first of the (lower-case, upper-case) pair that is set and not blank. */
function variable(env: Environment, name: string): { name: string; value: string } | undefined {
  for (const candidate of [name.toLowerCase(), name]) {
    const value = env[candidate]?.trim();
    if (value !== undefined && value !== '') return { name: candidate, value };
  }
  return undefined;
}

function proxyUrl(env: Environment, name: string): ProxyUrl | undefined {
  const found = variable(env, name);
  if (found === undefined) return undefined;
  // curl takes a bare host:port as http://host:port.
  const text = /^[a-z][a-z0-9+.-]*:\/\//iu.test(found.value) ? found.value : `http://${found.value}`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ConnectionConfigurationError(`${found.name} is not a proxy URL: give e.g. http://proxy.example.com:8080 (or http://user:password@proxy.example.com:8080).`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConnectionConfigurationError(`${found.name} must be an http:// or https:// proxy URL, not ${url.protocol}// (e.g. http://proxy.example.com:8080).`);
  }
  return { url, variable: found.name };
}

/** The proxy settings of an environment, or undefined when no proxy is set (then `NO_PROXY` alone changes nothing). */
export function proxySettingsFrom(env: Environment): ProxySettings | undefined {
  const httpProxy = proxyUrl(env, 'HTTP_PROXY');
  const httpsProxy = proxyUrl(env, 'HTTPS_PROXY');
  if (httpProxy === undefined && httpsProxy === undefined) return undefined;
  return { ...(httpProxy ? { httpProxy } : {}), ...(httpsProxy ? { httpsProxy } : {}), noProxy: variable(env, 'NO_PROXY')?.value ?? '' };
}

/** A proxy URL for people and logs: scheme, host and port, never its user or password. */
export function describeProxy(proxy: ProxyUrl): string {
  return `${proxy.url.protocol}//${proxy.url.host} (${proxy.variable})`;
}

/** The proxy a URL goes through under these settings, or undefined when it goes directly: the same answer undici's agent gives. */
export function proxyFor(settings: ProxySettings, target: URL): ProxyUrl | undefined {
  const proxy = target.protocol === 'https:' ? (settings.httpsProxy ?? settings.httpProxy) : settings.httpProxy;
  if (proxy === undefined) return undefined;
  return bypassed(settings.noProxy, target) ? undefined : proxy;
}

/**
 * undici's NO_PROXY matching (EnvHttpProxyAgent#shouldProxy; package.json pins undici to 7.30.x so the two
 * cannot drift apart unseen), for naming the proxy in a message or
 * description; undici itself decides each request, and test/tenant/graph-proxy.test.ts checks both
 * agree. IPv6 hosts keep their brackets (`[::1]`); `*` counts only as the whole value.
 */
function bypassed(noProxy: string, target: URL): boolean {
  const port = Number.parseInt(target.port, 10) || (target.protocol === 'https:' ? 443 : 80);
  const host = target.host.replace(/:\d*$/u, '').toLowerCase();
  const entries = noProxy.split(/[,\s]/u).filter((entry) => entry !== '');
  if (entries.length === 0) return false;
  if (noProxy === '*') return true;
  return entries.some((entry) => {
    const parsed = /^(.+):(\d+)$/u.exec(entry);
    const entryHost = (parsed ? parsed[1] ?? '' : entry).replace(/^\*?\./u, '').toLowerCase();
    const entryPort = parsed ? Number.parseInt(parsed[2] ?? '', 10) : 0;
    return (entryPort === 0 || entryPort === port) && (host === entryHost || host.endsWith(`.${entryHost}`));
  });
}

/** The status in undici's "Proxy response (403) !== 200 when HTTP Tunneling", or "(407)" of a forwarding proxy's authentication demand. */
function proxyRefusalStatus(error: unknown): number | undefined {
  for (let current = error, depth = 0; current instanceof Error && depth < 4; current = (current as { cause?: unknown }).cause, depth++) {
    const match = /^Proxy response \((\d{3})\) !== 200 when HTTP Tunneling$|^Proxy Authentication Required \((407)\)$/u.exec(current.message);
    if (match) return Number(match[1] ?? match[2]);
  }
  return undefined;
}

/** What a refusal means and how to act on it; never the proxy's user or password. */
function refusalMessage(status: number, proxy: ProxyUrl, target: URL): string {
  const what = `The proxy ${describeProxy(proxy)} refused to connect to ${target.host} (HTTP ${status})`;
  if (status === 407) return `${what}: it wants a user and password; put them in ${proxy.variable} as http://user:password@host:port.`;
  return `${what}: allow that host on the proxy, or list it in NO_PROXY if it is reachable directly.`;
}

/**
 * The proxy's refusal as its answer, as a forwarding proxy's refusal of a plain-http request is (and
 * as https-proxy-agent, under @azure/identity's own HTTP stack, reports a refused CONNECT): the
 * status is the proxy's, so it is final, not retried like a lost connection. The body serves both
 * readers: a Graph error envelope and an OAuth error (RFC 6749 §5.2).
 */
function refusalAnswer(status: number, message: string): Response {
  const response = new Response(JSON.stringify({ error: { code: 'ProxyRefused', message }, error_description: message }), {
    status,
    headers: { 'Content-Type': 'application/json' },
  });
  refusals.set(response, message);
  return response;
}

/** The answers refusalAnswer made, with their message. */
const refusals = new WeakMap<Response, string>();

/** A network failure reaching or through the proxy, naming it (the cause stays attached for the message chain). */
class ProxyConnectionError extends Error {
  override readonly name = 'ProxyConnectionError';

  /** With the innermost cause (`connect ECONNREFUSED 127.0.0.1:3128`), for a reader that does not walk the chain. */
  describe(): string {
    let cause: unknown = this.cause;
    while (cause instanceof Error && cause.cause instanceof Error) cause = cause.cause;
    return `no connection ${this.message}${cause instanceof Error ? `: ${cause.message}` : ''}`;
  }
}

/**
 * fetch through the environment's proxy: undici's own fetch with an `EnvHttpProxyAgent` dispatcher
 * (one agent, so connections are pooled as global fetch's are). undici is loaded on the first request.
 */
export function proxiedFetch(settings: ProxySettings): typeof fetch {
  let ready: Promise<typeof fetch> | undefined;
  const load = async (): Promise<typeof fetch> => {
    const { EnvHttpProxyAgent, fetch: undiciFetch } = await import('undici');
    // Explicit values, so undici reads nothing from process.env ('' means none). proxyTunnel false:
    // plain http goes to an http proxy as an absolute-form request, as curl and Node send it.
    const dispatcher = new EnvHttpProxyAgent({
      httpProxy: settings.httpProxy?.url.href ?? '',
      httpsProxy: settings.httpsProxy?.url.href ?? '',
      noProxy: settings.noProxy,
      proxyTunnel: false,
    });
    return ((input: Parameters<typeof fetch>[0], init?: RequestInit) => undiciFetch(input as never, { ...(init as object), dispatcher } as never)) as unknown as typeof fetch;
  };
  return async (input, init) => {
    const f = await (ready ??= load());
    const target = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    try {
      return await f(input, init);
    } catch (error) {
      const proxy = proxyFor(settings, target);
      if (proxy === undefined) throw error;
      const status = proxyRefusalStatus(error);
      if (status !== undefined) return refusalAnswer(status, refusalMessage(status, proxy, target));
      if (error instanceof Error && error.name === 'AbortError') throw error;
      throw new ProxyConnectionError(`through the proxy ${describeProxy(proxy)} to ${target.host}`, { cause: error });
    }
  };
}

/** @azure/identity's pluggable HTTP client (its `httpClient` option): what MSAL's token requests go through. */
export type IdentityHttpClient = NonNullable<TokenCredentialOptions['httpClient']>;
type PipelineRequest = Parameters<IdentityHttpClient['sendRequest']>[0];
type PipelineResponse = Awaited<ReturnType<IdentityHttpClient['sendRequest']>>;
type HttpHeaders = PipelineResponse['headers'];

/** core-rest-pipeline's `HttpHeaders` over a fetch `Headers`. */
function pipelineHeaders(from: Headers): HttpHeaders {
  const headers = new Headers(from);
  return {
    get: (name) => headers.get(name) ?? undefined,
    has: (name) => headers.has(name),
    set: (name, value) => headers.set(name, String(value)),
    delete: (name) => headers.delete(name),
    toJSON: () => Object.fromEntries(headers.entries()),
    [Symbol.iterator]: () => headers.entries(),
  };
}

/** The request body as fetch takes it: the token requests MSAL sends are form-encoded strings. */
function fetchBody(body: PipelineRequest['body']): RequestInit['body'] {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string' || body instanceof ArrayBuffer || body instanceof Blob || body instanceof URLSearchParams) return body;
  if (ArrayBuffer.isView(body)) return new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
  throw new Error('a request body of this kind cannot be sent through the proxy client');
}

/** @azure/identity's HTTP client through the proxy, and what it last failed with there. */
export interface IdentityTransport {
  readonly httpClient: IdentityHttpClient;
  /**
   * The proxy's refusal or the lost connection to it, when the last request met one: MSAL reports a
   * failed discovery request only as `endpoints_resolution_error`, without its cause.
   */
  lastProxyFailure(): string | undefined;
}

/**
 * The same fetch (and so the same proxy decision) for @azure/identity's requests, in place of its
 * node:http client, whose proxy policy reads `process.env` and matches `NO_PROXY` differently
 * (exact host or `.domain` only). Used only when a proxy is set.
 */
export function identityTransport(fetchImpl: typeof fetch): IdentityTransport {
  let failure: string | undefined;
  const httpClient: IdentityHttpClient = {
    async sendRequest(request: PipelineRequest): Promise<PipelineResponse> {
      const headers = new Headers();
      for (const [name, value] of request.headers) headers.set(name, value);
      const signals = [request.abortSignal, request.timeout > 0 ? AbortSignal.timeout(request.timeout) : undefined].filter((s): s is AbortSignal => s !== undefined);
      const body = fetchBody(request.body);
      let response: Response;
      try {
        response = await fetchImpl(request.url, {
          method: request.method,
          headers,
          ...(body === undefined ? {} : { body }),
          ...(signals.length === 0 ? {} : { signal: AbortSignal.any(signals) }),
        });
      } catch (error) {
        failure = error instanceof ProxyConnectionError ? error.describe() : undefined;
        throw error;
      }
      failure = refusals.get(response);
      return { request, status: response.status, headers: pipelineHeaders(response.headers), bodyAsText: await response.text() };
    },
  };
  return { httpClient, lastProxyFailure: () => failure };
}
