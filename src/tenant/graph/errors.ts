import type { TenantErrorDetail, TenantErrorInit } from '../errors.ts';
import { TenantError } from '../errors.ts';
import { redact } from './redact.ts';

/**
 * Errors at the Graph edge (docs/architecture.md principle 7). A failed Graph call becomes a
 * `GraphRequestError`: the port's `TenantError` (kind, retryable, mayHaveTakenEffect, classified
 * once in src/tenant/errors.ts) with what only Graph has: the request, the client request id,
 * `Retry-After` and the error's details. Every text is redacted.
 */

export interface GraphRequestErrorInit extends TenantErrorInit {
  readonly method?: string;
  /** The Graph path (after the version), for people; never a full URL with credentials. */
  readonly path?: string;
  readonly clientRequestId?: string | null;
  readonly retryAfterMs?: number | null;
}

export class GraphRequestError extends TenantError {
  override readonly name = 'GraphRequestError';
  readonly method: string | null;
  readonly path: string | null;
  readonly clientRequestId: string | null;
  readonly retryAfterMs: number | null;
  readonly details: readonly TenantErrorDetail[];

  constructor(init: GraphRequestErrorInit) {
    const details = (init.details ?? []).map((d) => ({ code: d.code, message: d.message === null ? null : redact(d.message), target: d.target }));
    super({ status: init.status, code: redact(init.code), message: redact(init.message), details, requestId: init.requestId ?? null, idempotent: init.idempotent ?? false });
    this.method = init.method ?? null;
    this.path = init.path === undefined ? null : redact(init.path);
    this.clientRequestId = init.clientRequestId ?? null;
    this.retryAfterMs = init.retryAfterMs ?? null;
    this.details = details;
  }

  /** The same failure, judged for another request that shared its fate (a write in a `$batch` that got no answer). */
  forRequest(request: { readonly idempotent: boolean }): GraphRequestError {
    return new GraphRequestError({
      status: this.status, code: this.code, message: this.message, requestId: this.requestId, clientRequestId: this.clientRequestId,
      retryAfterMs: this.retryAfterMs, details: this.details, idempotent: request.idempotent,
      ...(this.method === null ? {} : { method: this.method }),
      ...(this.path === null ? {} : { path: this.path }),
    });
  }

  override toString(): string {
    const where = this.method !== null && this.path !== null ? ` (${this.method} ${this.path})` : '';
    const ids = this.requestId === null ? '' : ` [request-id ${this.requestId}${this.clientRequestId === null ? '' : `, client-request-id ${this.clientRequestId}`}]`;
    return `${this.name}: ${this.status} ${this.code}: ${this.message}${where}${ids}`;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), method: this.method, path: this.path, clientRequestId: this.clientRequestId, retryAfterMs: this.retryAfterMs, details: this.details };
  }
}

/** Reads Graph's error envelope (`{"error":{code,message,details,innerError|innererror}}`) into an error. */
export function graphErrorFromEnvelope(
  status: number,
  body: unknown,
  context: { method?: string; path?: string; retryAfterMs?: number | null; requestId?: string | null; clientRequestId?: string | null; idempotent?: boolean },
): GraphRequestError {
  const envelope = isObject(body) ? body : {};
  const error = isObject(envelope.error) ? envelope.error : envelope;
  const inner = isObject(error.innerError) ? error.innerError : isObject(error.innererror) ? error.innererror : {};
  const details = Array.isArray(error.details) ? error.details.filter(isObject).map((d) => ({ code: text(d.code), message: text(d.message), target: text(d.target) })) : [];
  return new GraphRequestError({
    status,
    code: text(error.code) ?? `HTTP${status}`,
    message: text(error.message) ?? (typeof body === 'string' && body !== '' ? body.slice(0, 500) : `Graph answered HTTP ${status}.`),
    details,
    requestId: text(inner['request-id']) ?? context.requestId ?? null,
    clientRequestId: text(inner['client-request-id']) ?? context.clientRequestId ?? null,
    retryAfterMs: context.retryAfterMs ?? null,
    ...(context.method === undefined ? {} : { method: context.method }),
    ...(context.path === undefined ? {} : { path: context.path }),
    ...(context.idempotent === undefined ? {} : { idempotent: context.idempotent }),
  });
}

/** The credentials cannot be configured from what was given; names exactly what to set. */
export class CredentialConfigurationError extends Error {
  override readonly name = 'CredentialConfigurationError';
  /** The environment variables to set (any one of them when there are several). */
  readonly variables: readonly string[];
  constructor(variables: readonly string[], message: string) {
    super(message);
    this.variables = variables;
  }
}

/** Getting an access token failed (wrong secret, unknown app, unreachable login host, …). */
export class AuthenticationError extends Error {
  override readonly name = 'AuthenticationError';
  readonly credential: string;
  constructor(credential: string, message: string, secrets: readonly string[] = []) {
    // The label is ours, never a secret; redacted with the message, `client-secret: The …` would lose
    // its first word to the `secret: value` pattern.
    super(`${credential}: ${redact(message, secrets)}`);
    this.credential = credential;
  }

  override toString(): string {
    return `${this.name}: ${this.message}`;
  }
}

/** Graph answered with something the adapter cannot read (a bug or a proxy in the way). */
export class GraphResponseError extends Error {
  override readonly name = 'GraphResponseError';
  constructor(message: string) {
    super(redact(message));
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}
