import { randomUUID } from 'node:crypto';
import { Client, GraphError } from '@microsoft/microsoft-graph-client';
import type { GraphRequest } from '@microsoft/microsoft-graph-client';
import { GraphRequestError, GraphResponseError, graphErrorFromEnvelope } from './errors.ts';
import { BearerTokenMiddleware, FetchMiddleware, RequestTag } from './middleware.ts';
import type { RequestLog } from './request-log.ts';
import type { RetryEnvironment, RetryPolicy } from './retry.ts';
import { DEFAULT_RETRY_POLICY, parseRetryAfterMs, withRetries } from './retry.ts';

/**
 * HTTP to Microsoft Graph v1.0 through the Graph SDK: `Client.initWithMiddleware` with our chain
 * (middleware.ts), the SDK's request builder (`api().select().top().filter()`), its response
 * parsing and its error envelope reading. Around each request: retries (retry.ts) and one typed
 * error (errors.ts). The same code path serves https://graph.microsoft.com, a national cloud and
 * the emulator on http://127.0.0.1.
 */
export const GRAPH_VERSION = 'v1.0';

export interface GraphHttpOptions {
  /** Graph's origin, e.g. `https://graph.microsoft.com` or `http://127.0.0.1:4010`. */
  readonly graphUrl: URL;
  readonly accessToken: () => Promise<string>;
  readonly fetch: typeof fetch;
  readonly retry: RetryEnvironment;
  readonly retryPolicy?: RetryPolicy;
  /** Told one entry per HTTP exchange (request-log.ts); batch.ts and write-batch.ts add their items' through `log`. */
  readonly log?: RequestLog;
}

/** A request without an answer after this long is abandoned (and retried when safe). */
const REQUEST_TIMEOUT_MS = 100_000;

export interface GraphCallOptions {
  /** Adds query options with the SDK's builder, e.g. `(r) => r.select([...]).top(999)`. */
  readonly build?: (request: GraphRequest) => GraphRequest;
  /** Sent on every attempt (and so on every page: `ConsistencyLevel` is not carried in nextLinks, docs/graph-behaviour.md §1). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Safe to send again after a lost connection or a 5xx. Default: true for GET, PATCH, PUT and DELETE, false for POST. */
  readonly idempotent?: boolean;
  /** Told the `request-id` of the answer when the request succeeds (null when it carried none): writes report it. */
  readonly answered?: (requestId: string | null) => void;
  /** Told the `Date` header of the answer when the request succeeds (null when it carried none): the tenant's clock. */
  readonly dated?: (date: string | null) => void;
}

type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

export class GraphHttp {
  readonly origin: string;
  /** The injected request log, for the `$batch` items' entries; undefined when nothing is logged. */
  readonly log: RequestLog | undefined;
  private readonly client: Client;
  private readonly retryEnvironment: RetryEnvironment;
  private readonly retryPolicy: RetryPolicy;

  constructor(options: GraphHttpOptions) {
    this.origin = options.graphUrl.origin;
    this.log = options.log;
    this.retryEnvironment = options.retry;
    this.retryPolicy = options.retryPolicy ?? DEFAULT_RETRY_POLICY;
    this.client = Client.initWithMiddleware({
      baseUrl: `${this.origin}/`,
      defaultVersion: GRAPH_VERSION,
      middleware: [new BearerTokenMiddleware(options.accessToken), new FetchMiddleware(options.fetch, REQUEST_TIMEOUT_MS, options.log)],
    });
  }

  /** GET a path under the version (`/users`) or an `@odata.nextLink` on this Graph origin, as given. */
  get<T>(pathOrLink: string, options: GraphCallOptions = {}): Promise<T> {
    return this.call<T>('GET', pathOrLink, undefined, options);
  }

  /** POST a JSON body, sent as is (the restore body must not go through a typed builder, docs/graph-behaviour.md §2). */
  post<T>(path: string, body: unknown, options: GraphCallOptions = {}): Promise<T> {
    return this.call<T>('POST', path, body, options);
  }

  patch(path: string, body: unknown, options: GraphCallOptions = {}): Promise<void> {
    return this.call<undefined>('PATCH', path, body, options);
  }

  /** PUT a JSON body (a reference: `/users/{id}/manager/$ref`); Graph answers 204. */
  put(path: string, body: unknown, options: GraphCallOptions = {}): Promise<void> {
    return this.call<undefined>('PUT', path, body, options);
  }

  /** DELETE (a reference: `/groups/{id}/members/{userId}/$ref`); Graph answers 204. */
  delete(path: string, options: GraphCallOptions = {}): Promise<void> {
    return this.call<undefined>('DELETE', path, undefined, options);
  }

  private async call<T>(method: Method, pathOrLink: string, body: unknown, options: GraphCallOptions): Promise<T> {
    const path = this.relativePath(pathOrLink);
    const clientRequestId = randomUUID();
    // POST creates or acts; the other methods set a state, so a repeat finds it set.
    const idempotent = options.idempotent ?? method !== 'POST';
    const described = path.split('?')[0] ?? path;
    return withRetries(async () => {
      const tag = new RequestTag({ clientRequestId, idempotent, method, path: described });
      let request = this.client.api(path).middlewareOptions([tag]);
      for (const [name, value] of Object.entries(options.headers ?? {})) request = request.header(name, value);
      if (options.build) request = options.build(request);
      try {
        const answer = (await send(request, method, body)) as T;
        options.answered?.(tag.responseHeaders?.get('request-id') ?? null);
        options.dated?.(tag.responseHeaders?.get('date') ?? null);
        return answer;
      } catch (error) {
        throw this.typedError(error, tag);
      }
    }, this.retryEnvironment, this.retryPolicy);
  }

  /**
   * A nextLink is followed as given, but only on this origin: the token goes nowhere else. The SDK's
   * builder takes absolute URLs only for `https://` (`parsePath`), so it gets the part after the version.
   */
  private relativePath(pathOrLink: string): string {
    if (!/^https?:\/\//iu.test(pathOrLink)) return pathOrLink;
    const url = new URL(pathOrLink);
    if (url.origin !== this.origin) throw new GraphResponseError(`Graph sent a link to ${url.origin}, not ${this.origin}; refusing to send the access token there.`);
    const afterOrigin = pathOrLink.replace(/^https?:\/\/[^/?#]+/iu, '');
    const prefix = `/${GRAPH_VERSION}/`;
    if (!afterOrigin.startsWith(prefix)) throw new GraphResponseError(`Graph sent a link outside ${prefix}: ${url.pathname}`);
    return afterOrigin.slice(prefix.length - 1);
  }

  private typedError(error: unknown, tag: RequestTag): Error {
    if (tag.failure) return tag.failure;
    if (error instanceof GraphError && error.statusCode >= 200 && error.statusCode < 300) {
      // A success the SDK could not read (a body that is not JSON): not Graph refusing the request,
      // and no answer the adapter can use. As a lost answer (status 0): it may have been carried out,
      // and is sent again only when that is safe.
      return new GraphRequestError({
        status: 0,
        code: 'UnreadableResponse',
        message: `Graph answered HTTP ${error.statusCode}, but the answer cannot be read: ${error.message}`,
        method: tag.method,
        path: tag.path,
        idempotent: tag.idempotent,
        requestId: (error.headers ?? tag.responseHeaders)?.get('request-id') ?? null,
        clientRequestId: tag.clientRequestId,
      });
    }
    if (error instanceof GraphError && error.statusCode > 0) {
      const headers = error.headers ?? tag.responseHeaders;
      let body: unknown = error.body;
      if (typeof body === 'string') {
        try {
          body = { error: JSON.parse(body) as unknown };
        } catch {
          // Not JSON (a proxy's page, say): the text becomes the message.
        }
      }
      return graphErrorFromEnvelope(error.statusCode, body, {
        method: tag.method,
        path: tag.path,
        idempotent: tag.idempotent,
        retryAfterMs: parseRetryAfterMs(headers?.get('retry-after'), this.retryEnvironment.nowMs()) ?? null,
        requestId: headers?.get('request-id') ?? null,
        clientRequestId: headers?.get('client-request-id') ?? tag.clientRequestId,
      });
    }
    if (error instanceof GraphRequestError) return error;
    const message = error instanceof Error ? error.message : String(error);
    return new GraphResponseError(`${tag.method} ${tag.path}: unreadable answer from Graph: ${message}`);
  }
}

function send(request: GraphRequest, method: Method, body: unknown): Promise<unknown> {
  switch (method) {
    case 'GET':
      return request.get() as Promise<unknown>;
    case 'POST':
      return request.post(body) as Promise<unknown>;
    case 'PATCH':
      return request.patch(body) as Promise<unknown>;
    case 'PUT':
      return request.put(body) as Promise<unknown>;
    case 'DELETE':
      return request.delete() as Promise<unknown>;
  }
}
