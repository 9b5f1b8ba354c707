import { randomUUID } from 'node:crypto';
import { GraphError } from '../directory/errors.ts';
import { INSUFFICIENT_PRIVILEGES } from './permissions.ts';

// GraphError, with the refusals the directory raises, is defined in directory/errors.ts (the directory
// sits below graph-api); it is re-exported here with the envelope and the errors only Graph's API raises.
export { badRequest, GraphError, objectConflict, resourceNotFound } from '../directory/errors.ts';
export type { GraphErrorDetail } from '../directory/errors.ts';

/** `2026-11-22T10:15:00`: the innerError date format. */
export function innerErrorDate(nowMs: number): string {
  return new Date(nowMs).toISOString().slice(0, 19);
}

export function newRequestId(): string {
  return randomUUID();
}

/**
 * Graph's error envelope (docs/graph-behaviour.md §12): `{"error":{code, message, details?, innerError}}`,
 * where innerError carries the date (UTC, no fraction, no zone), a fresh request id and the
 * client's client-request-id.
 */
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

// The errors only Graph's API raises, with Graph's texts.

export function unsupportedQuery(message: string): GraphError {
  return new GraphError(400, 'Request_UnsupportedQuery', message);
}

export function insufficientPrivileges(): GraphError {
  return new GraphError(403, 'Authorization_RequestDenied', INSUFFICIENT_PRIVILEGES);
}
