/**
 * How the emulated directory refuses a change: Graph's error as the directory service decides it
 * (status, code, message, details; docs/graph-behaviour.md §12), with Graph's texts. The directory
 * sits below graph-api (docs/emulator.md), so the error is defined here; graph-api re-exports it
 * (graph-api/errors.ts), raises it too, and turns it into Graph's envelope with the request's ids.
 */
export interface GraphErrorDetail {
  readonly code: string;
  readonly message: string;
  readonly target?: string;
}

/** A Graph error the directory or a handler raises; the server turns it into the envelope. */
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

// The refusals the directory raises, which graph-api's handlers raise too, with Graph's texts.

export function resourceNotFound(id: string): GraphError {
  return new GraphError(404, 'Request_ResourceNotFound', `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`);
}

export function badRequest(message: string, details?: readonly GraphErrorDetail[]): GraphError {
  return new GraphError(400, 'Request_BadRequest', message, details ? { details } : {});
}

/** The directory's uniqueness conflict (docs/graph-behaviour.md §2, §5). */
export function objectConflict(property: 'userPrincipalName' | 'proxyAddresses' | 'mailNickname'): GraphError {
  const message = `Another object with the same value for property ${property} already exists.`;
  const details: GraphErrorDetail[] = [{ code: 'ObjectConflict', message, target: property }];
  if (property === 'proxyAddresses') details.push({ code: 'ConflictingObjects', message });
  return badRequest(message, details);
}
