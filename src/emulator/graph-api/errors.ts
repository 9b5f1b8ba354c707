import { randomUUID } from 'node:crypto';
import { INSUFFICIENT_PRIVILEGES } from './permissions.ts';

/**
 * Graph's error envelope (docs/graph-behaviour.md §12): `{"error":{code, message, details?, innerError}}`,
 * where innerError carries the date (UTC, no fraction, no zone), a fresh request id and the
 * client's client-request-id.
 */
export interface GraphErrorDetail {
  readonly code: string;
  readonly message: string;
  readonly target?: string;
}

/** A Graph error a handler raises; the server turns it into the envelope. */
export class GraphError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: readonly GraphErrorDetail[] | undefined;
  readonly headers: Readonly<Record<string, string>>;

  constructor(status: number, code: string, message: string, options: { details?: readonly GraphErrorDetail[]; headers?: Record<string, string> } = {}) {
    super(message);
    this.name = 'GraphError';
    this.status = status;
    this.code = code;
    this.details = options.details;
    this.headers = options.headers ?? {};
  }
}

/** `2026-11-22T10:15:00`: the innerError date format. */
export function innerErrorDate(nowMs: number): string {
  return new Date(nowMs).toISOString().slice(0, 19);
}

export function newRequestId(): string {
  return randomUUID();
}

export function errorEnvelope(error: GraphError, ids: { requestId: string; clientRequestId: string; nowMs: number }): Record<string, unknown> {
  return {
    error: {
      code: error.code,
      message: error.message,
      ...(error.details ? { details: error.details } : {}),
      innerError: { date: innerErrorDate(ids.nowMs), 'request-id': ids.requestId, 'client-request-id': ids.clientRequestId },
    },
  };
}

// The errors the emulator raises in more than one place, with Graph's texts.

export function resourceNotFound(id: string): GraphError {
  return new GraphError(404, 'Request_ResourceNotFound', `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`);
}

export function badRequest(message: string, details?: readonly GraphErrorDetail[]): GraphError {
  return new GraphError(400, 'Request_BadRequest', message, details ? { details } : {});
}

export function unsupportedQuery(message: string): GraphError {
  return new GraphError(400, 'Request_UnsupportedQuery', message);
}

/** The directory's uniqueness conflict (docs/graph-behaviour.md §2, §5). */
export function objectConflict(property: 'userPrincipalName' | 'proxyAddresses' | 'mailNickname'): GraphError {
  const message = `Another object with the same value for property ${property} already exists.`;
  const details: GraphErrorDetail[] = [{ code: 'ObjectConflict', message, target: property }];
  if (property === 'proxyAddresses') details.push({ code: 'ConflictingObjects', message });
  return badRequest(message, details);
}

export function insufficientPrivileges(): GraphError {
  return new GraphError(403, 'Authorization_RequestDenied', INSUFFICIENT_PRIVILEGES);
}
