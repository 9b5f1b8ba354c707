import { timingSafeEqual } from 'node:crypto';
import { claim, CLOCK_SKEW_SECONDS, hs256, numericClaim, parseCompactJws } from './jwt.ts';

/**
 * Graph's check of `Authorization: Bearer …` on every call the emulator serves: the token must be one
 * the emulator's token endpoint (auth.ts) signed, for Graph, of this tenant, still valid, and an app-only
 * token; it answers with Graph's own 401 texts. Returns the app and its roles for the permission check.
 */

/** Microsoft Graph's resource (application ID URI), the `aud` of the tokens issued here. */
export const GRAPH_RESOURCE = 'https://graph.microsoft.com';
/** Microsoft Graph's application (client) ID, the other name of the same resource. */
export const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';

export type BearerVerification =
  | { readonly ok: true; readonly appId: string; readonly roles: ReadonlySet<string>; readonly tenantId: string }
  | { readonly ok: false; readonly code: 'InvalidAuthenticationToken'; readonly message: string };

// ---------------------------------------------------------------------------------------------------
// Graph's 401 texts (code `InvalidAuthenticationToken`, docs/graph-behaviour.md §12 envelope). Graph documents none
// of them; these are the live answers seen in public captures.

/** No bearer token. Observed: microsoftgraph/msgraph-sample-reactspa#54 (full capture). */
export const TOKEN_EMPTY = 'Access token is empty.';
/**
 * Not a compact JWS. Current Graph answers with IdentityModel's IDX14100 for any unparsable token
 * (observed: MaikuB/flutter_appauth#575, RogerSelwyn/MS365-Calendar#77; IdentityModel PR
 * AzureAD/azure-activedirectory-identitymodel-extensions-for-dotnet#2618 explains why it is used for
 * every parsing failure). Older Graph said "CompactToken parsing failed with error code: 80049217".
 */
export const TOKEN_MALFORMED =
  "IDX14100: JWT is not well formed, there are no dots (.).\nThe token needs to be in JWS or JWE Compact Serialization Format. (JWS): 'EncodedHeader.EncodedPayload.EncodedSignature'. (JWE): 'EncodedProtectedHeader.EncodedEncryptedKey.EncodedInitializationVector.EncodedCiphertext.EncodedAuthenticationTag'.";
/** Bad or missing signature, other key, `alg` other than HS256 (`none` included). Observed: wazuh/wazuh-documentation#7620. */
export const TOKEN_BAD_SIGNATURE = 'Signature is invalid.';
/** Observed: s1t5/mail-archiver#267 (Graph SDK ODataError message). Older Graph: "Access token has expired or is not yet valid." */
export const TOKEN_EXPIRED = 'Lifetime validation failed, the token is expired.';
/**
 * Emulator contract (not observed): the expired text is IdentityModel's IDX10223 in Graph's wording, so
 * `nbf` in the future gets IDX10222 ("Lifetime validation failed. The token is not yet valid") the same way.
 */
export const TOKEN_NOT_YET_VALID = 'Lifetime validation failed, the token is not yet valid.';
/** Observed: TheNetworg/oauth2-azure#87, and full captures (with innerError) of graph.microsoft.com answering a non-Graph token. */
export const TOKEN_INVALID_AUDIENCE = 'Access token validation failure. Invalid audience.';
/** Emulator contract (not observed): a token of another tenant or issuer, worded like the audience failure. */
export const TOKEN_INVALID_ISSUER = 'Access token validation failure. Invalid issuer.';
/** Emulator contract: a correctly signed token whose claims are not those of an app-only token. */
export const TOKEN_INVALID_CLAIMS = 'Access token validation failure.';

/** Audiences Graph accepts: its URI with and without the trailing slash, and its app ID. */
const GRAPH_AUDIENCES: ReadonlySet<string> = new Set([GRAPH_RESOURCE, `${GRAPH_RESOURCE}/`, GRAPH_APP_ID]);

/** Whether a resource (a `/.default` scope's, or an `aud`) names Microsoft Graph: the audiences Graph accepts, any case. */
export function isGraphAudience(resource: string): boolean {
  return GRAPH_AUDIENCES.has(resource.toLowerCase());
}

/** What a token must match: the issuer's signing key, its `iss`, and the tenant (lower case). */
export interface BearerIssuer {
  readonly key: Buffer;
  readonly issuer: string;
  readonly tenantId: string;
}

/** `nowMs` is real time: tokens are issued against real time, so moving the directory clock must not expire them. */
export function verifyGraphBearer({ key, issuer, tenantId }: BearerIssuer, authorizationHeader: string | undefined, nowMs: number): BearerVerification {
  const reject = (message: string): BearerVerification => ({ ok: false, code: 'InvalidAuthenticationToken', message });
  // RFC 6750 §2.1 credentials; the scheme is case-insensitive (RFC 9110 §11.1). Anything but a bearer
  // credential carries no access token.
  const match = /^bearer(?:[ \t]+(.*))?$/iu.exec((authorizationHeader ?? '').trim());
  const token = (match?.[1] ?? '').trim();
  if (token === '') return reject(TOKEN_EMPTY);

  const jws = parseCompactJws(token);
  if (jws === undefined) return reject(TOKEN_MALFORMED);
  const { header, claims, signature } = jws;

  // IdentityModel order: signature, then lifetime, audience, issuer.
  if (claim(header, 'alg') !== 'HS256') return reject(TOKEN_BAD_SIGNATURE);
  const expected = hs256(key, jws.signingInput);
  if (signature.length !== expected.length || !timingSafeEqual(signature, expected)) return reject(TOKEN_BAD_SIGNATURE);

  const exp = numericClaim(claims, 'exp');
  const nbf = numericClaim(claims, 'nbf');
  if (exp === undefined || (nbf === undefined && claim(claims, 'nbf') !== undefined)) return reject(TOKEN_INVALID_CLAIMS);
  const now = nowMs / 1000;
  if (now > exp + CLOCK_SKEW_SECONDS) return reject(TOKEN_EXPIRED);
  if (nbf !== undefined && now < nbf - CLOCK_SKEW_SECONDS) return reject(TOKEN_NOT_YET_VALID);

  const aud = claim(claims, 'aud');
  if (typeof aud !== 'string' || !GRAPH_AUDIENCES.has(aud)) return reject(TOKEN_INVALID_AUDIENCE);
  const tid = claim(claims, 'tid');
  if (claim(claims, 'iss') !== issuer || typeof tid !== 'string' || tid.toLowerCase() !== tenantId) return reject(TOKEN_INVALID_ISSUER);

  const appId = claim(claims, 'appid');
  if (typeof appId !== 'string' || appId === '') return reject(TOKEN_INVALID_CLAIMS);
  const rolesClaim = claim(claims, 'roles') ?? [];
  if (!Array.isArray(rolesClaim) || !rolesClaim.every((r): r is string => typeof r === 'string')) return reject(TOKEN_INVALID_CLAIMS);
  return { ok: true, appId, roles: new Set(rolesClaim), tenantId };
}

/**
 * The `tid` a bearer token claims, lower case, before any check: which tenant's issuer is to verify it.
 * Graph has one URL for every tenant, so the token picks the tenant (its `tid`); the picked tenant's
 * issuer then checks the signature, `iss` and `tid` as usual, so a claim is never trusted on its own.
 */
export function claimedTenantId(authorizationHeader: string | undefined): string | undefined {
  const match = /^bearer(?:[ \t]+(.*))?$/iu.exec((authorizationHeader ?? '').trim());
  const jws = parseCompactJws((match?.[1] ?? '').trim());
  const tid = jws === undefined ? undefined : claim(jws.claims, 'tid');
  return typeof tid === 'string' ? tid.toLowerCase() : undefined;
}
