import type { SeedFederatedIdentityCredential } from '../directory/model.ts';
import type { FederationKeys } from './federation.ts';
import { FEDERATED_ALGORITHMS, isLoopbackUrl, verifyFederatedSignature } from './federation.ts';
import { claim, CLOCK_SKEW_SECONDS, numericClaim, parseCompactJws } from './jwt.ts';
import type { Echo, StsFailure } from './sts-failure.ts';
import { failure } from './sts-failure.ts';

/**
 * A client assertion checked the way Entra checks a federated (workload identity) token
 * (https://learn.microsoft.com/entra/workload-id/workload-identity-federation): the app's federated identity
 * credential whose issuer, subject and audience equal the token's `iss`, `sub` and `aud` exactly
 * (case-sensitive since 2024: https://learn.microsoft.com/entra/identity-platform/reference-breaking-changes,
 * "Federated identity credentials now use case-sensitive matching"), then the issuer's key by `kid`, the
 * signature, and the token's lifetime against real time. Order: what needs no network first.
 *
 * Texts are Entra's, from public captures (each cited below). No text quotes the assertion; the claims it
 * echoes (`iss`, `sub`, `aud`, `kid`) go through `echo`, as every echoed request value does.
 */

/** RFC 7523 §2.2; the only `client_assertion_type` Entra accepts. */
export const JWT_BEARER_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

export interface AssertionApp {
  readonly clientId: string;
  readonly federatedIdentityCredentials: readonly SeedFederatedIdentityCredential[];
}

export interface AssertionCheck {
  readonly app: AssertionApp;
  readonly keys: FederationKeys;
  /** Real time (`Date.now()`), never the directory clock. */
  readonly nowMs: number;
  readonly echo: Echo;
}

/** Observed: AzureAD/microsoft-authentication-library-for-dotnet tests/…/Mocks/MockHelpers.cs (2023 capture, `invalid_request`); also panva/openid-client#348. */
const MALFORMED = failure(400, 'invalid_request', 50027, 'JWT token is invalid or malformed.');
/**
 * Reference ("AADSTS700027 Client assertion failed signature validation."); same text in Microsoft's own
 * troubleshooting (MicrosoftDocs/azure-stack-docs azure-stack/hci/deploy/troubleshoot-hci-registration.md).
 * The reference also lists "External ID token from issuer failed signature verification" under AADSTS50027;
 * captures of federated flows show AADSTS700027's family (invalid_client), which the emulator follows.
 */
const BAD_SIGNATURE = failure(401, 'invalid_client', 700027, 'Client assertion failed signature validation.');
/**
 * Observed without `error_uri`: Azure/azure-workload-identity#642 (and #605 as AADSTS90061, same text):
 * Entra could not read the issuer's discovery document or keys.
 */
const OIDC_ENDPOINT_FAILED = 'Request to External OIDC endpoint failed.';

/** `2024-10-02T22:05:03.6755165Z`: .NET's round-trip format, as AADSTS700024 prints times. */
function stsInstant(ms: number): string {
  // Clamped to what a Date can hold (ECMA-262 §21.4.1.1), so that an absurd claim cannot make toISOString throw.
  const limit = 8.64e15;
  return new Date(Math.min(Math.max(ms, -limit), limit)).toISOString().replace(/\.(\d{3})Z$/u, '.$10000Z');
}

function audiencesOf(claims: Record<string, unknown>): readonly string[] | undefined {
  const aud = claim(claims, 'aud');
  if (typeof aud === 'string' && aud !== '') return [aud];
  // RFC 7519 §4.1.3: an array of audiences; the token is meant for the app when one of them matches.
  if (Array.isArray(aud) && aud.length > 0 && aud.every((a): a is string => typeof a === 'string' && a !== '')) return aud;
  return undefined;
}

/** Undefined when the assertion is a federated token the app trusts, valid now; else Entra's failure. */
export async function checkClientAssertion(assertion: string, check: AssertionCheck): Promise<StsFailure | undefined> {
  const { app, echo } = check;
  const jws = parseCompactJws(assertion);
  if (jws === undefined) return MALFORMED;
  const { header, claims } = jws;
  const iss = claim(claims, 'iss');
  const sub = claim(claims, 'sub');
  const audiences = audiencesOf(claims);
  const exp = numericClaim(claims, 'exp');
  const badTime = (name: string): boolean => claim(claims, name) !== undefined && numericClaim(claims, name) === undefined;
  if (typeof iss !== 'string' || iss === '' || typeof sub !== 'string' || sub === '' || audiences === undefined || exp === undefined || badTime('nbf') || badTime('iat')) {
    return MALFORMED;
  }

  if (iss === sub && iss.toLowerCase() === app.clientId.toLowerCase()) {
    // RFC 7523 §3 / https://learn.microsoft.com/entra/identity-platform/certificate-credentials: `iss` and `sub`
    // are the client id in a certificate credential's assertion. An emulator limitation, not an Entra answer.
    return failure(
      400,
      'invalid_request',
      90023,
      'Certificate credentials (a client assertion whose iss and sub are the client id) are not supported by the tenantctl Graph emulator. Authenticate with client_secret, or with a federated identity credential (workload identity federation).',
      false,
    );
  }

  const credential = app.federatedIdentityCredentials.find((c) => c.issuer === iss && c.subject === sub && c.audiences.some((a) => audiences.includes(a)));
  if (credential === undefined) {
    // Observed, 401 invalid_client with full capture: external-secrets/external-secrets#2783 (2023); 400
    // invalid_request in 2022 captures (Azure/azure-workload-identity#340, #616). Newer Entra splits this into
    // AADSTS700211 (issuer), 700212 (audience) and 700213 (subject); the combined text says more at once.
    return failure(
      401,
      'invalid_client',
      70021,
      `No matching federated identity record found for presented assertion. Assertion Issuer: '${echo(iss)}'. Assertion Subject: '${echo(sub)}'. Assertion Audience: '${echo(audiences.join(','))}'. https://docs.microsoft.com/en-us/azure/active-directory/develop/workload-identity-federation`,
    );
  }

  if (!isLoopbackUrl(iss)) {
    // Entra would fetch the issuer's metadata here; the emulator fetches nothing off this machine.
    return failure(
      400,
      'invalid_request',
      50166,
      `${OIDC_ENDPOINT_FAILED} The tenantctl Graph emulator fetches OpenID Connect metadata only from loopback issuers (http or https on 127.0.0.1, localhost or [::1]); issuer '${echo(iss)}' is not one. Run a local issuer for tests, and trust it in the seed's federatedIdentityCredentials.`,
      false,
    );
  }

  const alg = claim(header, 'alg');
  if (typeof alg !== 'string' || !FEDERATED_ALGORITHMS.has(alg)) return BAD_SIGNATURE;
  const kid = claim(header, 'kid');
  const lookup = await check.keys.keyFor(iss, typeof kid === 'string' ? kid : undefined);
  if (lookup.status === 'unreachable') return failure(400, 'invalid_request', 50166, OIDC_ENDPOINT_FAILED, false);
  if (lookup.status === 'unknown-kid') {
    // Observed, 401 invalid_client: Azure/azure-workload-identity#1232 and #616 (the latter with an empty
    // identifier: a token without `kid`).
    return failure(
      401,
      'invalid_client',
      7000272,
      `The certificate with identifier ${typeof kid === 'string' ? echo(kid) : ''} used to sign the federated credential could not be found in the metadata of identity provider ${echo(iss)}. Please validate that your Identity Provider's metadata exposes the key used to sign the incoming token.`,
    );
  }
  if (!verifyFederatedSignature(alg, lookup, jws)) return BAD_SIGNATURE;

  const now = check.nowMs / 1000;
  const nbf = numericClaim(claims, 'nbf');
  const iat = numericClaim(claims, 'iat');
  const early = (t: number | undefined): boolean => t !== undefined && now < t - CLOCK_SKEW_SECONDS;
  if (now > exp + CLOCK_SKEW_SECONDS || early(nbf) || early(iat)) {
    // Observed, 401 invalid_client, for federated tokens: Azure/azure-sdk-for-rust#1739, risingwavelabs/risingwave#16262;
    // "valid from" is `nbf`, the epoch when the token has none (AzureAD/microsoft-authentication-library-for-java#984).
    return failure(
      401,
      'invalid_client',
      700024,
      `Client assertion is not within its valid time range. Current time: ${stsInstant(check.nowMs)}, assertion valid from ${stsInstant((nbf ?? 0) * 1000)}, expiry time of assertion ${stsInstant(exp * 1000)}. Review the documentation at https://learn.microsoft.com/entra/identity-platform/certificate-credentials .`,
    );
  }
  return undefined;
}
