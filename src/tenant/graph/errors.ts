import { redact } from './redact.ts';

/**
 * Errors at the tenant edge, classified once (docs/architecture.md principle 7). Both adapters throw
 * `GraphRequestError` with Graph's status, code, message and details, so the engine handles the
 * Graph adapter and the in-memory adapter alike by `kind` and `retryable`.
 */

/** What the engine can do something about. Decided by `classifyGraphError`, nowhere else. */
export type GraphErrorKind =
  /** Restore or create: an active object holds the userPrincipalName (docs/graph-behaviour.md §2, §5). */
  | 'upn-conflict'
  /** Restore or create: an object holds one of the proxy addresses (docs/graph-behaviour.md §2, §5). */
  | 'proxy-conflict'
  /** The userPrincipalName has bad characters or an unverified domain (docs/graph-behaviour.md §5). */
  | 'invalid-upn'
  /** assignLicense: the tenant has no such SKU (docs/graph-behaviour.md §6). */
  | 'unknown-sku'
  /** assignLicense without a usage location, or an invalid usage location. */
  | 'invalid-usage-location'
  /** assignLicense: no free seats of a newly added SKU. */
  | 'no-seats'
  | 'mutually-exclusive'
  /** assignLicense: removing a license that comes from a group. */
  | 'group-inherited'
  /** mailboxSettings: no (REST-enabled) mailbox (docs/graph-behaviour.md §9). */
  | 'no-mailbox'
  | 'not-found'
  | 'unauthenticated'
  | 'forbidden'
  | 'throttled'
  | 'unavailable'
  /** No HTTP answer: connection reset, refused, timed out. */
  | 'network'
  | 'other';

export interface GraphErrorDetail {
  readonly code: string | null;
  readonly message: string | null;
  readonly target: string | null;
}

export interface GraphRequestErrorInit {
  /** HTTP status; 0 when no answer came (network). */
  readonly status: number;
  readonly code: string;
  readonly message: string;
  readonly method?: string;
  /** The Graph path (after the version), for people; never a full URL with credentials. */
  readonly path?: string;
  readonly requestId?: string | null;
  readonly clientRequestId?: string | null;
  readonly retryAfterMs?: number | null;
  readonly details?: readonly GraphErrorDetail[];
  /** Whether sending the same request again is safe (reads, PATCH, assignLicense, a $batch of reads). */
  readonly idempotent?: boolean;
}

export class GraphRequestError extends Error {
  override readonly name = 'GraphRequestError';
  readonly status: number;
  readonly code: string;
  readonly kind: GraphErrorKind;
  readonly retryable: boolean;
  readonly method: string | null;
  readonly path: string | null;
  readonly requestId: string | null;
  readonly clientRequestId: string | null;
  readonly retryAfterMs: number | null;
  readonly details: readonly GraphErrorDetail[];

  constructor(init: GraphRequestErrorInit) {
    super(redact(init.message));
    this.status = init.status;
    this.code = redact(init.code);
    this.method = init.method ?? null;
    this.path = init.path === undefined ? null : redact(init.path);
    this.requestId = init.requestId ?? null;
    this.clientRequestId = init.clientRequestId ?? null;
    this.retryAfterMs = init.retryAfterMs ?? null;
    this.details = (init.details ?? []).map((d) => ({ code: d.code, message: d.message === null ? null : redact(d.message), target: d.target }));
    this.kind = classifyGraphError({ status: init.status, code: init.code, message: init.message, details: this.details });
    this.retryable = isRetryable(this.status, this.kind, init.idempotent ?? false);
  }

  override toString(): string {
    const where = this.method !== null && this.path !== null ? ` (${this.method} ${this.path})` : '';
    const ids = this.requestId === null ? '' : ` [request-id ${this.requestId}${this.clientRequestId === null ? '' : `, client-request-id ${this.clientRequestId}`}]`;
    return `${this.name}: ${this.status} ${this.code}: ${this.message}${where}${ids}`;
  }

  toJSON(): Record<string, unknown> {
    return {
      name: this.name, status: this.status, code: this.code, kind: this.kind, retryable: this.retryable, message: this.message,
      method: this.method, path: this.path, requestId: this.requestId, clientRequestId: this.clientRequestId, retryAfterMs: this.retryAfterMs, details: this.details,
    };
  }
}

const NO_MAILBOX_CODES = new Set(['mailboxnotenabledforrestapi', 'mailboxnotsupportedforrestapi']);
/** Both texts seen for "no mailbox" (docs/graph-behaviour.md §9). */
const NO_MAILBOX_MESSAGES = [/inactive, soft-deleted, or is hosted on-premise/iu, /REST API is not yet supported for this mailbox/iu];
const CONFLICT_MESSAGE = /same value for property (\w+) already exists/iu;

/** The kind of a Graph error from its status, code, message and details (docs/graph-behaviour.md §2, §5, §6, §9, §12). */
export function classifyGraphError(error: { status: number; code: string; message: string; details: readonly GraphErrorDetail[] }): GraphErrorKind {
  const { status, code, message, details } = error;
  if (status === 0) return 'network';
  if (status === 429) return 'throttled';
  if (status >= 500) return 'unavailable';
  if (status === 401) return 'unauthenticated';
  if (status === 403) return 'forbidden';
  if (status === 404) {
    if (NO_MAILBOX_CODES.has(code.toLowerCase()) || NO_MAILBOX_MESSAGES.some((p) => p.test(message))) return 'no-mailbox';
    return 'not-found';
  }
  if (status !== 400 && status !== 409) return 'other';
  // Directory conflicts can only be told apart by details[].target, then the message (§2, §12).
  const conflictTargets = details.filter((d) => d.code === 'ObjectConflict' || CONFLICT_MESSAGE.test(d.message ?? '')).map((d) => (d.target ?? '').toLowerCase());
  const messageTarget = CONFLICT_MESSAGE.exec(message)?.[1]?.toLowerCase();
  if (messageTarget !== undefined) conflictTargets.push(messageTarget);
  if (conflictTargets.includes('userprincipalname')) return 'upn-conflict';
  if (conflictTargets.includes('proxyaddresses') || conflictTargets.includes('mailnickname')) return 'proxy-conflict';
  // assignLicense cases: stable message fragments (§6, "Client").
  if (/does not correspond to a valid company License/iu.test(message)) return 'unknown-sku';
  if (/invalid usage location/iu.test(message) || details.some((d) => (d.target ?? '').toLowerCase() === 'usagelocation')) return 'invalid-usage-location';
  if (/does not have any available licenses/iu.test(message)) return 'no-seats';
  if (/mutually exclusive/iu.test(message)) return 'mutually-exclusive';
  if (/inherited from a group/iu.test(message)) return 'group-inherited';
  if (details.some((d) => (d.target ?? '').toLowerCase() === 'userprincipalname')) return 'invalid-upn';
  return 'other';
}

/**
 * Whether to send the request again. 429 and 503 say "not now" (Graph did not do it), so any
 * request is repeated after `Retry-After`. Other 5xx and lost connections may mean it was done:
 * only requests that are safe to repeat are (docs/graph-behaviour.md §10, §11; https://learn.microsoft.com/graph/errors).
 */
export function isRetryable(status: number, kind: GraphErrorKind, idempotent: boolean): boolean {
  if (status === 429 || status === 503) return true;
  // 424: a $batch (or an item) failed because another request did, e.g. a throttled one (§10).
  if (kind === 'network' || status >= 500 || status === 424) return idempotent;
  return false;
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
    super(redact(`${credential}: ${message}`, secrets));
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
