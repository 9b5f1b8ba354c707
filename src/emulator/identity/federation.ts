import { createPublicKey, verify } from 'node:crypto';
import type { JsonWebKey, KeyObject } from 'node:crypto';
import type { CompactJws } from './jwt.ts';
import { isPlainObject } from './jwt.ts';

/**
 * The signing keys of external OpenID Connect issuers, for workload identity federation: Entra reads the
 * issuer's discovery document (`{issuer}/.well-known/openid-configuration`, OpenID Connect Discovery 1.0 §4)
 * and then its `jwks_uri` (RFC 7517), and verifies the federated token by its `kid`
 * (https://learn.microsoft.com/entra/workload-id/workload-identity-federation: "Microsoft identity platform
 * validates the token against the issuer's OpenID Connect (OIDC) metadata").
 *
 * The emulator never fetches a non-loopback URL: issuer, discovery and `jwks_uri` must all be
 * `http(s)://127.0.0.1`, `localhost` or `[::1]` (plain http is allowed there only; Entra itself requires
 * https issuers). Keys are cached per issuer for the life of the cache (the emulator's), and fetched again
 * when a token names a `kid` the cache does not hold (the issuer rotated its keys). A failed fetch is not cached.
 */

/** Loopback hosts the emulator fetches from; URL.hostname keeps IPv6 brackets. */
const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(['127.0.0.1', 'localhost', '[::1]']);
/** How long one discovery or JWKS request may take. */
export const FEDERATION_FETCH_TIMEOUT_MS = 5000;
/** Larger answers are not metadata. */
const MAX_METADATA_BYTES = 1024 * 1024;

/** The signature algorithms accepted for federated tokens: RS256 (GitHub, Kubernetes) and ES256. */
export type FederatedAlgorithm = 'RS256' | 'ES256';
export const FEDERATED_ALGORITHMS: ReadonlySet<string> = new Set<FederatedAlgorithm>(['RS256', 'ES256']);

export type KeyLookup =
  | { readonly status: 'found'; readonly key: KeyObject; readonly alg: string | undefined }
  /** No key with that `kid` (or the token named none), even after fetching the keys again. */
  | { readonly status: 'unknown-kid' }
  /** Discovery or JWKS could not be fetched or read; `reason` is for tests and debugging, never put in an answer. */
  | { readonly status: 'unreachable'; readonly reason: string };

export interface FederationKeys {
  /** The issuer's key named `kid`. Never fetches unless `issuer` is a loopback URL. */
  keyFor(issuer: string, kid: string | undefined): Promise<KeyLookup>;
}

export interface FederationKeysOptions {
  readonly fetch: typeof fetch;
  readonly timeoutMs?: number;
}

/** Whether `text` is an absolute http(s) URL on 127.0.0.1, localhost or [::1], without credentials. */
export function isLoopbackUrl(text: string): boolean {
  if (!URL.canParse(text)) return false;
  const url = new URL(text);
  return (url.protocol === 'http:' || url.protocol === 'https:') && LOOPBACK_HOSTS.has(url.hostname.toLowerCase()) && url.username === '' && url.password === '';
}

interface SigningKey {
  readonly key: KeyObject;
  readonly alg: string | undefined;
}

class MetadataError extends Error {}

export function createFederationKeys(options: FederationKeysOptions): FederationKeys {
  const timeoutMs = options.timeoutMs ?? FEDERATION_FETCH_TIMEOUT_MS;
  const cache = new Map<string, Promise<ReadonlyMap<string, SigningKey>>>();

  async function fetchJson(url: string): Promise<Record<string, unknown>> {
    // Checked here as well as by the caller: whatever a discovery document says, nothing else is fetched.
    if (!isLoopbackUrl(url)) throw new MetadataError(`refusing to fetch ${url}: not a loopback URL`);
    const response = await options.fetch(url, { headers: { Accept: 'application/json' }, redirect: 'error', signal: AbortSignal.timeout(timeoutMs) });
    const text = await response.text();
    if (!response.ok) throw new MetadataError(`${url} answered HTTP ${response.status}`);
    if (text.length > MAX_METADATA_BYTES) throw new MetadataError(`${url} answered more than ${MAX_METADATA_BYTES} bytes`);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new MetadataError(`${url} did not answer JSON`);
    }
    if (!isPlainObject(body)) throw new MetadataError(`${url} did not answer a JSON object`);
    return body;
  }

  async function load(issuer: string): Promise<ReadonlyMap<string, SigningKey>> {
    const discovery = await fetchJson(`${issuer.replace(/\/+$/u, '')}/.well-known/openid-configuration`);
    // OpenID Connect Discovery 1.0 §4.3: the document's issuer must be the issuer it was fetched for.
    if (discovery['issuer'] !== issuer) throw new MetadataError(`the discovery document names issuer ${JSON.stringify(discovery['issuer'])}`);
    const jwksUri = discovery['jwks_uri'];
    if (typeof jwksUri !== 'string') throw new MetadataError('the discovery document has no jwks_uri');
    const jwks = await fetchJson(jwksUri);
    const keys = new Map<string, SigningKey>();
    for (const jwk of Array.isArray(jwks['keys']) ? jwks['keys'] : []) {
      if (!isPlainObject(jwk) || typeof jwk['kid'] !== 'string' || (jwk['use'] !== undefined && jwk['use'] !== 'sig')) continue;
      try {
        keys.set(jwk['kid'], { key: createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' }), alg: typeof jwk['alg'] === 'string' ? jwk['alg'] : undefined });
      } catch {
        // A key Node cannot import is one no token can be verified with: skip it, as IdentityModel does.
      }
    }
    return keys;
  }

  function reload(issuer: string): Promise<ReadonlyMap<string, SigningKey>> {
    const loading = load(issuer);
    cache.set(issuer, loading);
    loading.catch(() => {
      if (cache.get(issuer) === loading) cache.delete(issuer);
    });
    return loading;
  }

  async function keyFor(issuer: string, kid: string | undefined): Promise<KeyLookup> {
    if (!isLoopbackUrl(issuer)) return { status: 'unreachable', reason: `${issuer} is not a loopback URL` };
    const cached = cache.get(issuer);
    try {
      let keys = await (cached ?? reload(issuer));
      if (kid === undefined) return { status: 'unknown-kid' };
      if (!keys.has(kid) && cached !== undefined) keys = await reload(issuer);
      const found = keys.get(kid);
      return found === undefined ? { status: 'unknown-kid' } : { status: 'found', ...found };
    } catch (error) {
      return { status: 'unreachable', reason: error instanceof Error ? error.message : String(error) };
    }
  }

  return { keyFor };
}

/**
 * RS256 (RSASSA-PKCS1-v1_5 with SHA-256) or ES256 (ECDSA P-256 with SHA-256, signature as R || S), RFC 7518 §3.3
 * and §3.4. A key of another type, or whose JWK `alg` names another algorithm, verifies nothing.
 */
export function verifyFederatedSignature(alg: string, signingKey: { readonly key: KeyObject; readonly alg: string | undefined }, jws: CompactJws): boolean {
  const { key } = signingKey;
  if (signingKey.alg !== undefined && signingKey.alg !== alg) return false;
  const input = Buffer.from(jws.signingInput, 'ascii');
  if (alg === 'RS256') return key.asymmetricKeyType === 'rsa' && verify('sha256', input, key, jws.signature);
  if (alg === 'ES256') {
    return key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1' && jws.signature.length === 64 && verify('sha256', input, { key, dsaEncoding: 'ieee-p1363' }, jws.signature);
  }
  return false;
}
