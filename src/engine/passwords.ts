import { randomBytes } from 'node:crypto';

/**
 * The initial password of a user tenantctl creates (when nothing can be restored and whenMissing is create): 144 random bits, plus one
 * character of each class Entra's complexity rule asks for. Nobody is told it and it is never logged:
 * the user gets in through the administrator's usual reset or passwordless sign-in.
 */
export function newUserPassword(): string {
  return `${randomBytes(18).toString('base64url')}!aA1`;
}
