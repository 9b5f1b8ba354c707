import { createHmac } from 'node:crypto';

/**
 * Compact JWS (RFC 7515 §7.1) parsing shared by the emulator's own access tokens and the client
 * assertions it verifies, and the HS256 signature of its own tokens. No claim meaning here.
 */

/** HMAC-SHA256 of a JWS signing input: the signature of the emulator's own access tokens (signed in auth.ts, checked in bearer.ts). */
export function hs256(key: Buffer, signingInput: string): Buffer {
  return createHmac('sha256', key).update(signingInput, 'ascii').digest();
}

/**
 * Tolerance for `exp`, `nbf` and `iat`: IdentityModel's default `TokenValidationParameters.ClockSkew` (5 minutes),
 * which Graph's token validation and Entra's are built on.
 */
export const CLOCK_SKEW_SECONDS = 300;

const BASE64URL = /^[A-Za-z0-9_-]+$/u;
const BASE64URL_OR_EMPTY = /^[A-Za-z0-9_-]*$/u;

/** A compact JWS split into its parts; `signingInput` is what the signature covers. */
export interface CompactJws {
  readonly header: Record<string, unknown>;
  readonly claims: Record<string, unknown>;
  readonly signingInput: string;
  readonly signature: Buffer;
}

export function base64url(data: string | Buffer): string {
  return (typeof data === 'string' ? Buffer.from(data, 'utf8') : data).toString('base64url');
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function decodeJsonSegment(segment: string): Record<string, unknown> | undefined {
  if (!BASE64URL.test(segment)) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return isPlainObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/**
 * `header.payload.signature` with a JSON-object header and payload and a base64url (possibly empty)
 * signature; undefined for anything else (JWE's five parts included).
 */
export function parseCompactJws(token: string): CompactJws | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
  const header = decodeJsonSegment(headerPart);
  const claims = decodeJsonSegment(payloadPart);
  if (header === undefined || claims === undefined || !BASE64URL_OR_EMPTY.test(signaturePart)) return undefined;
  return { header, claims, signingInput: `${headerPart}.${payloadPart}`, signature: Buffer.from(signaturePart, 'base64url') };
}

/** A claim or header parameter, own properties only (a JSON `__proto__` key is just data). */
export function claim(claims: Record<string, unknown>, name: string): unknown {
  return Object.hasOwn(claims, name) ? claims[name] : undefined;
}

/** A finite number claim (NumericDate, RFC 7519 §2), or undefined. */
export function numericClaim(claims: Record<string, unknown>, name: string): number | undefined {
  const value = claim(claims, name);
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}
