import type { Context, Middleware, MiddlewareOptions } from '@microsoft/microsoft-graph-client';
import { GraphRequestError } from './errors.ts';
import type { RequestLog } from './request-log.ts';
import { elapsedMs, reasonOf } from './request-log.ts';

/**
 * The Graph SDK's middleware chain, ours instead of the SDK's defaults:
 *
 * - `BearerTokenMiddleware` instead of `AuthenticationHandler`: the SDK's handler attaches the token
 *   only to `https://` URLs of known Graph hosts and *deletes* an Authorization header otherwise
 *   (`isValidEndpoint` in `GraphRequestUtil`), which breaks the emulator on `http://127.0.0.1`.
 *   Ours always authorises: the client only ever calls the one Graph origin it was given.
 * - `FetchMiddleware` instead of `HTTPMessageHandler`: fetch is injected (docs/architecture.md
 *   principle 6) and a lost connection becomes a typed error.
 * - No `RetryHandler`: retries live in retry.ts around whole requests (see client.ts).
 */

/**
 * Per-request state shared between the chain and the caller, passed through the SDK's own
 * `middlewareOptions` mechanism. The SDK wraps anything a middleware throws into its GraphError
 * (keeping only the message), so a middleware leaves its typed error here for the caller.
 */
export class RequestTag implements MiddlewareOptions {
  failure: Error | undefined;
  /** The last HTTP answer's headers, also for error bodies the SDK cannot parse. */
  responseHeaders: Headers | undefined;
  readonly clientRequestId: string;
  readonly idempotent: boolean;
  readonly method: string;
  readonly path: string;

  constructor(init: { clientRequestId: string; idempotent: boolean; method: string; path: string }) {
    this.clientRequestId = init.clientRequestId;
    this.idempotent = init.idempotent;
    this.method = init.method;
    this.path = init.path;
  }
}

function tagOf(context: Context): RequestTag | undefined {
  return context.middlewareControl?.getMiddlewareOptions(RequestTag) as RequestTag | undefined;
}

abstract class ChainLink implements Middleware {
  private nextLink: Middleware | undefined;

  abstract execute(context: Context): Promise<void>;

  setNext(next: Middleware): void {
    this.nextLink = next;
  }

  protected async next(context: Context): Promise<void> {
    if (!this.nextLink) throw new Error(`${this.constructor.name} needs a next middleware (a bug in the Graph client setup).`);
    await this.nextLink.execute(context);
  }
}

/** Sets `Authorization: Bearer …` and the `client-request-id` that Graph echoes in errors (docs/graph-behaviour.md §12). */
export class BearerTokenMiddleware extends ChainLink {
  private readonly accessToken: () => Promise<string>;

  constructor(accessToken: () => Promise<string>) {
    super();
    this.accessToken = accessToken;
  }

  async execute(context: Context): Promise<void> {
    const tag = tagOf(context);
    let token: string;
    try {
      token = await this.accessToken();
    } catch (error) {
      if (tag) tag.failure = error instanceof Error ? error : new Error(String(error));
      throw error;
    }
    const options = context.options ?? {};
    const headers = new Headers(options.headers as ConstructorParameters<typeof Headers>[0]);
    headers.set('Authorization', `Bearer ${token}`);
    if (tag && !headers.has('client-request-id')) headers.set('client-request-id', tag.clientRequestId);
    context.options = { ...options, headers };
    await this.next(context);
  }
}

/**
 * The end of the chain: the injected fetch, with a time limit; a lost connection becomes a `network` error.
 * Each exchange is one `request` entry of the injected log (request-log.ts): method, path and query,
 * status, Graph's request id, duration.
 */
export class FetchMiddleware implements Middleware {
  private readonly fetchImpl: typeof fetch;
  private readonly timeoutMs: number;
  private readonly log: RequestLog | undefined;

  constructor(fetchImpl: typeof fetch, timeoutMs: number, log?: RequestLog) {
    this.fetchImpl = fetchImpl;
    this.timeoutMs = timeoutMs;
    this.log = log;
  }

  async execute(context: Context): Promise<void> {
    const tag = tagOf(context);
    const log = this.log;
    const start = log?.clock() ?? 0;
    const method = (context.options?.method ?? tag?.method ?? 'GET').toUpperCase();
    try {
      const init = { ...(context.options as RequestInit | undefined), signal: AbortSignal.timeout(this.timeoutMs) };
      context.response = await this.fetchImpl(context.request, init);
      if (tag) tag.responseHeaders = context.response.headers;
      log?.write({ event: 'request', method, path: pathOf(context.request), status: context.response.status, requestId: context.response.headers.get('request-id'), durationMs: elapsedMs(log, start) });
    } catch (error) {
      log?.write({ event: 'request', method, path: pathOf(context.request), status: 0, requestId: null, durationMs: elapsedMs(log, start), error: networkReason(error) });
      const failure = new GraphRequestError({
        status: 0,
        code: 'NetworkError',
        message: `No answer from Graph: ${describeNetworkError(error)}`,
        clientRequestId: tag?.clientRequestId ?? null,
        ...(tag ? { method: tag.method, path: tag.path, idempotent: tag.idempotent } : {}),
      });
      if (tag) tag.failure = failure;
      throw failure;
    }
  }
}

/** The path and query of a request (never the origin): `/v1.0/users?$top=999`. */
function pathOf(request: Context['request']): string {
  const href = typeof request === 'string' ? request : request.url;
  try {
    const url = new URL(href);
    return `${url.pathname}${url.search}`;
  } catch {
    return href;
  }
}

/** The innermost code of a lost connection (`UND_ERR_SOCKET`, `ECONNRESET`), or the error's name. */
function networkReason(error: unknown): string {
  let current: unknown = error;
  let reason = reasonOf(error);
  for (let depth = 0; depth < 4 && current instanceof Error; depth++) {
    reason = reasonOf(current);
    current = (current as { cause?: unknown }).cause;
  }
  return reason;
}

/** `fetch failed: other side closed (UND_ERR_SOCKET)`: the message and its causes, for people. */
function describeNetworkError(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current instanceof Error; depth++) {
    const code = (current as { code?: unknown }).code;
    parts.push(typeof code === 'string' ? `${current.message} (${code})` : current.message);
    current = (current as { cause?: unknown }).cause;
  }
  return parts.length > 0 ? parts.join(': ') : String(error);
}
