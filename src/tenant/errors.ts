/**
 * The tenant port's error (docs/architecture.md §4 and principle 7): what a failed tenant operation
 * tells the engine, in domain words, the same from every adapter. A tenant answers a failure in
 * Microsoft Graph's terms (HTTP status, error code, message, `details[].target`); the in-memory
 * tenant imitates those answers. Which failure it was (`kind`), whether the same request may be sent
 * again (`retryable`) and whether it may have been carried out although no success came back
 * (`mayHaveTakenEffect`) are read from them here, once, when the error is made: no adapter and no
 * caller decides them again.
 */

/** What happened, in domain words. Decided by `classifyGraphError`, nowhere else. */
export type TenantErrorKind =
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
  /** Delta query: the tenant no longer knows the link (expired or unknown token); read everything again. */
  | 'delta-expired'
  | 'unauthenticated'
  | 'forbidden'
  | 'throttled'
  | 'unavailable'
  /** No HTTP answer: connection reset, refused, timed out. */
  | 'network'
  | 'other';

/** One entry of the answer's `details` (docs/graph-behaviour.md §12): conflicts are told apart by `target`. */
export interface TenantErrorDetail {
  readonly code: string | null;
  readonly message: string | null;
  readonly target: string | null;
}

/** A failure as the tenant answered it, and whether the request that failed is safe to send again. */
export interface TenantErrorInit {
  /** HTTP status; 0 when no answer came (network). */
  readonly status: number;
  readonly code: string;
  readonly message: string;
  /** Read to classify the failure (conflicts differ only here); kept by adapters that report them. */
  readonly details?: readonly TenantErrorDetail[];
  readonly requestId?: string | null;
  /** Whether sending the same request again is safe (reads, PATCH, assignLicense, a $batch of reads). Default false. */
  readonly idempotent?: boolean;
}

export class TenantError extends Error {
  override readonly name: string = 'TenantError';
  readonly kind: TenantErrorKind;
  /** Whether the same request may be sent again as it is (`isRetryable`). */
  readonly retryable: boolean;
  /**
   * The request may have been carried out although no success answer came: no answer at all (a lost
   * connection, a lost response) or a server error. Check the tenant before doing it again.
   */
  readonly mayHaveTakenEffect: boolean;
  /** HTTP status; 0 when no answer came. */
  readonly status: number;
  readonly code: string;
  readonly requestId: string | null;

  constructor(init: TenantErrorInit) {
    super(init.message);
    this.status = init.status;
    this.code = init.code;
    this.requestId = init.requestId ?? null;
    this.kind = classifyGraphError({ status: init.status, code: init.code, message: init.message, details: init.details ?? [] });
    this.retryable = isRetryable(init.status, this.kind, init.idempotent ?? false);
    this.mayHaveTakenEffect = mayHaveTakenEffect(init.status);
  }

  override toString(): string {
    return `${this.name}: ${this.status} ${this.code}: ${this.message}`;
  }

  toJSON(): Record<string, unknown> {
    return {
      name: this.name, status: this.status, code: this.code, kind: this.kind, retryable: this.retryable, mayHaveTakenEffect: this.mayHaveTakenEffect,
      message: this.message, requestId: this.requestId,
    };
  }
}

const NO_MAILBOX_CODES = new Set(['mailboxnotenabledforrestapi', 'mailboxnotsupportedforrestapi']);
/** Both texts seen for "no mailbox" (docs/graph-behaviour.md §9). */
const NO_MAILBOX_MESSAGES = [/inactive, soft-deleted, or is hosted on-premise/iu, /REST API is not yet supported for this mailbox/iu];
/** Delta tokens Graph no longer knows (https://devblogs.microsoft.com/microsoft365dev/duration-of-change-tracking-tokens-for-identity-and-education-resources/). */
const DELTA_EXPIRED_CODES = new Set(['syncstatenotfound', 'resyncrequired']);
const CONFLICT_MESSAGE = /same value for property (\w+) already exists/iu;

/** The kind of a failure from Graph's status, code, message and details (docs/graph-behaviour.md §2, §5, §6, §9, §12). */
export function classifyGraphError(error: { status: number; code: string; message: string; details: readonly TenantErrorDetail[] }): TenantErrorKind {
  const { status, code, message, details } = error;
  if (status === 0) return 'network';
  if (status === 429) return 'throttled';
  if (status >= 500) return 'unavailable';
  if (status === 401) return 'unauthenticated';
  if (status === 403) return 'forbidden';
  // Delta query: the link expired (seven days) or is unknown, 400 syncStateNotFound; or Graph asks for a
  // synchronization reset, 410 Gone (https://learn.microsoft.com/graph/delta-query-overview#synchronization-reset).
  if (status === 410 || (status >= 400 && status < 500 && DELTA_EXPIRED_CODES.has(code.toLowerCase()))) return 'delta-expired';
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
export function isRetryable(status: number, kind: TenantErrorKind, idempotent: boolean): boolean {
  if (status === 429 || status === 503) return true;
  // 424: a $batch (or an item) failed because another request did, e.g. a throttled one (§10).
  if (kind === 'network' || status >= 500 || status === 424) return idempotent;
  return false;
}

/**
 * No answer (status 0: the request may have arrived and the response been lost) or a server error
 * (https://learn.microsoft.com/graph/errors: 5xx, the outcome unknown). Any other answer says the
 * request was refused. Apply asks the tenant whether a restore or create that failed so happened
 * (docs/reconciliation.md §9).
 */
function mayHaveTakenEffect(status: number): boolean {
  return status === 0 || status >= 500;
}
