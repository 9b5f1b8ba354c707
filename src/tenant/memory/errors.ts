import { randomUUID } from 'node:crypto';
import type { GraphErrorDetail } from '../graph/errors.ts';
import { GraphRequestError } from '../graph/errors.ts';

/**
 * The Graph errors the in-memory tenant raises, with the texts Graph (and the emulator) use
 * (docs/graph-behaviour.md §2, §5, §6, §12), so that `kind` comes out as it does for the Graph adapter.
 */
function graphError(status: number, code: string, message: string, details: readonly GraphErrorDetail[] = [], context: { method: string; path: string }): GraphRequestError {
  return new GraphRequestError({ status, code, message, details, requestId: randomUUID(), clientRequestId: randomUUID(), ...context });
}

export interface Where {
  readonly method: string;
  readonly path: string;
}

export function resourceNotFound(key: string, where: Where): GraphRequestError {
  return graphError(404, 'Request_ResourceNotFound', `Resource '${key}' does not exist or one of its queried reference-property objects are not present.`, [], where);
}

export function badRequest(message: string, where: Where, details: readonly GraphErrorDetail[] = []): GraphRequestError {
  return graphError(400, 'Request_BadRequest', message, details, where);
}

export function objectConflict(property: 'userPrincipalName' | 'proxyAddresses', where: Where): GraphRequestError {
  const message = `Another object with the same value for property ${property} already exists.`;
  const details: GraphErrorDetail[] = [{ code: 'ObjectConflict', message, target: property }];
  if (property === 'proxyAddresses') details.push({ code: 'ConflictingObjects', message, target: null });
  return badRequest(message, where, details);
}

export function invalidValue(property: string, where: Where): GraphRequestError {
  const message = `Invalid value specified for property '${property}' of resource 'User'.`;
  return badRequest(message, where, [{ code: 'InvalidValue', message, target: property }]);
}

export function invalidUserPrincipalName(where: Where): GraphRequestError {
  const message = 'Property userPrincipalName is invalid.';
  return badRequest(message, where, [{ code: 'InvalidCharacter', message, target: 'userPrincipalName' }]);
}

export function unverifiedDomain(where: Where): GraphRequestError {
  const message = 'The domain portion of the userPrincipalName property is invalid. You must use one of the verified domain names in your organization.';
  return badRequest(message, where, [{ code: 'InvalidValue', message, target: 'userPrincipalName' }]);
}

export function notAGuid(where: Where): GraphRequestError {
  return badRequest("Cannot convert a primitive value to the expected type 'Edm.Guid'. See the inner exception for more details", where);
}
