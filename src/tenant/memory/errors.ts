import { randomUUID } from 'node:crypto';
import type { TenantErrorDetail } from '../errors.ts';
import { TenantError } from '../errors.ts';

/**
 * The failures the in-memory tenant raises: the port's `TenantError`, made from the status, code,
 * message and details Graph (and the emulator) answer with (docs/graph-behaviour.md §2, §5, §6, §12),
 * so that `kind`, `retryable` and `mayHaveTakenEffect` come out as they do for the Graph adapter.
 * A write that fails here has changed nothing.
 */
function tenantError(status: number, code: string, message: string, details: readonly TenantErrorDetail[] = []): TenantError {
  return new TenantError({ status, code, message, details, requestId: randomUUID() });
}

export function resourceNotFound(key: string): TenantError {
  return tenantError(404, 'Request_ResourceNotFound', `Resource '${key}' does not exist or one of its queried reference-property objects are not present.`);
}

export function badRequest(message: string, details: readonly TenantErrorDetail[] = []): TenantError {
  return tenantError(400, 'Request_BadRequest', message, details);
}

export function objectConflict(property: 'userPrincipalName' | 'proxyAddresses'): TenantError {
  const message = `Another object with the same value for property ${property} already exists.`;
  const details: TenantErrorDetail[] = [{ code: 'ObjectConflict', message, target: property }];
  if (property === 'proxyAddresses') details.push({ code: 'ConflictingObjects', message, target: null });
  return badRequest(message, details);
}

export function invalidValue(property: string): TenantError {
  const message = `Invalid value specified for property '${property}' of resource 'User'.`;
  return badRequest(message, [{ code: 'InvalidValue', message, target: property }]);
}

export function invalidUserPrincipalName(): TenantError {
  const message = 'Property userPrincipalName is invalid.';
  return badRequest(message, [{ code: 'InvalidCharacter', message, target: 'userPrincipalName' }]);
}

export function unverifiedDomain(): TenantError {
  const message = 'The domain portion of the userPrincipalName property is invalid. You must use one of the verified domain names in your organization.';
  return badRequest(message, [{ code: 'InvalidValue', message, target: 'userPrincipalName' }]);
}

export function notAGuid(): TenantError {
  return badRequest("Cannot convert a primitive value to the expected type 'Edm.Guid'. See the inner exception for more details");
}

/** A delta link the tenant no longer knows (expired after seven days, or not its own): Graph's answer (docs/graph-behaviour.md §21). */
export function syncStateNotFound(): TenantError {
  return tenantError(400, 'syncStateNotFound', 'The sync state generation is not found. The delta token is expired and data must be synchronized again.');
}
