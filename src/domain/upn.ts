/**
 * User principal names. Entra allows A-Z a-z 0-9 ' . - _ ! # ^ ~ before the @
 * (https://learn.microsoft.com/graph/api/user-post-users), at most 64 characters
 * there and 113 in all. The schema's `userPrincipalName` pattern is this one
 * (a test keeps the two equal).
 */
export const UPN_PATTERN =
  "^(?=[^@]{1,64}@)[A-Za-z0-9'_!#^~-]+(\\.[A-Za-z0-9'_!#^~-]+)*@[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$";
export const UPN_MAX_LENGTH = 113;

const UPN_REGEX = new RegExp(UPN_PATTERN, 'u');

export function isValidUserPrincipalName(upn: string): boolean {
  return upn.length <= UPN_MAX_LENGTH && UPN_REGEX.test(upn);
}

/** Matching is case-insensitive; the canonical form is lower case. */
export function normaliseUserPrincipalName(upn: string): string {
  return upn.toLowerCase();
}

export function splitUserPrincipalName(upn: string): { readonly localPart: string; readonly domain: string } {
  const at = upn.lastIndexOf('@');
  return at < 0 ? { localPart: upn, domain: '' } : { localPart: upn.slice(0, at), domain: upn.slice(at + 1) };
}
