import { isGuid } from '../../domain/guid.ts';
import type { TenantStore } from '../directory/store.ts';
import type { UserRecord } from '../directory/user-record.ts';
import { badRequest, resourceNotFound } from './errors.ts';

/**
 * The body of a `$ref` write (`PUT /users/{id}/manager/$ref`, `POST /groups/{id}/members/$ref`):
 * `{"@odata.id": "<read URL of the object>"}`, Graph's own URL being
 * `https://graph.microsoft.com/v1.0/directoryObjects/{id}` or `…/users/{id}`
 * (https://learn.microsoft.com/graph/api/user-post-manager, https://learn.microsoft.com/graph/api/group-post-members).
 * The emulator takes any host (its own, Graph's) and any version, and reads the last two path segments.
 */
export interface ObjectReference {
  /** `users` (the id may then be a UPN) or `directoryObjects`. */
  readonly collection: 'users' | 'directoryObjects';
  readonly key: string;
}

const REFERENCE_PATH = /\/(users|directoryObjects)(?:\('([^']+)'\)|\/([^/?#]+))\/?$/iu;

export function parseReference(body: unknown): ObjectReference {
  const value = typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>)['@odata.id'] : undefined;
  if (typeof value !== 'string' || value.trim() === '') {
    throw badRequest('Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.');
  }
  let path = value.trim();
  if (URL.canParse(path)) path = new URL(path).pathname;
  const match = REFERENCE_PATH.exec(path);
  if (!match) throw badRequest(`Invalid object identifier '${value}'.`);
  const collection = (match[1] ?? '').toLowerCase() === 'users' ? 'users' : 'directoryObjects';
  let key = match[2] ?? match[3] ?? '';
  try {
    key = decodeURIComponent(key);
  } catch {
    throw badRequest(`Invalid object identifier '${value}'.`);
  }
  return { collection, key };
}

/**
 * The active user a `$ref` body names: a directory object by its id, a user by its id or UPN. A
 * malformed directory-object id is a 400; an object that is not an active user (unknown, or
 * soft-deleted) is a 404, as Graph answers.
 */
export function referencedUser(body: unknown, store: TenantStore): UserRecord {
  const reference = parseReference(body);
  if (reference.collection === 'directoryObjects' && !isGuid(reference.key)) throw badRequest(`Invalid object identifier '${reference.key}'.`);
  const user = store.findActive(reference.key);
  if (!user) throw resourceNotFound(reference.key);
  return user;
}
