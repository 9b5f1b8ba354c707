import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { isGuid } from '../../domain/guid.ts';
import type { SeedApp, SeedFederatedIdentityCredential } from '../directory/model.ts';
import type { BearerVerification } from './bearer.ts';
import { GRAPH_RESOURCE, isGraphAudience, verifyGraphBearer } from './bearer.ts';
import { checkClientAssertion, JWT_BEARER_ASSERTION_TYPE } from './client-assertion.ts';
import type { FederationKeys } from './federation.ts';
import { createFederationKeys } from './federation.ts';
import { base64url, hs256 } from './jwt.ts';
import type { Echo, StsFailure } from './sts-failure.ts';
import { failure } from './sts-failure.ts';

/**
 * The emulator's Microsoft Entra token endpoint (client credentials only), and the issuer's side of Graph's
 * bearer-token check (the check itself, with Graph's 401 texts, is bearer.ts). The server maps
 * `POST /{tenant}/oauth2/v2.0/token` to `issueToken` and the `Authorization` header of every Graph call to
 * `verifyBearer`, which checks the token against this issuer's key. An app authenticates with its client secret, or with a client assertion
 * that is a federated token its `federatedIdentityCredentials` trust (workload identity federation,
 * src/emulator/identity/client-assertion.ts); the only network access is fetching such an issuer's keys, from
 * loopback issuers only (src/emulator/identity/federation.ts).
 *
 * Flow and response shapes: https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow
 * (`MicrosoftDocs/entra-docs` `docs/identity-platform/v2-oauth2-client-creds-grant-flow.md`).
 * AADSTS codes: https://learn.microsoft.com/entra/identity-platform/reference-error-codes.
 * Access-token claims: https://learn.microsoft.com/entra/identity-platform/access-token-claims-reference.
 *
 * Secrets never leave this module: no error body, message or thrown error contains a client secret,
 * a client assertion, an access token or the signing key. Request values that are echoed (as Entra does)
 * are replaced by `[redacted]` when they contain any of those.
 */

/** `exp - iat` of an issued token. */
export const ACCESS_TOKEN_LIFETIME_SECONDS = 3600;
/** `expires_in` / `ext_expires_in` of the token response, as Entra answers (one second less than the lifetime). */
export const EXPIRES_IN_SECONDS = 3599;

export interface TokenIssuerOptions {
  readonly tenantId: string;
  /** The seed's verified domains: each is also a valid `{tenant}` segment, case-insensitively. */
  readonly domains: readonly string[];
  readonly apps: readonly SeedApp[];
  /** HS256 key, at least 32 bytes. Defaults to 32 random bytes, so each emulator run has its own. */
  readonly signingKey?: Uint8Array;
  /** The emulated login host, e.g. `http://127.0.0.1:4010`; Entra's `error_uri` points there. */
  readonly issuerBaseUrl: string;
  /**
   * External issuers' keys for federated credentials. The server passes one for its whole life, so that
   * reseeding keeps the cache; by default a new one over the global fetch.
   */
  readonly federationKeys?: FederationKeys;
}

/** The token endpoint's answer: JSON body and HTTP status. */
export interface TokenEndpointResponse {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

export interface TokenIssuer {
  /**
   * `POST /{tenantSegment}/oauth2/v2.0/token` with a form body, client credentials grant with a client
   * secret or a federated client assertion. `nowMs` is real time (`Date.now()`), never the emulator's directory clock. `correlationId`
   * is the request's `client-request-id` header, echoed as `correlation_id` when it is a GUID (as Entra
   * does); otherwise a fresh one is made.
   */
  issueToken(tenantSegment: string, form: URLSearchParams, nowMs: number, correlationId?: string): Promise<TokenEndpointResponse>;
  /**
   * Graph's check of `Authorization: Bearer …`. `nowMs` is real time: tokens are issued against real
   * time, so moving the directory clock (tests jump 30 days) must not expire them.
   */
  verifyBearer(authorizationHeader: string | undefined, nowMs: number): BearerVerification;
}

const JWT_HEADER = { alg: 'HS256', typ: 'JWT' } as const;

// ---------------------------------------------------------------------------------------------------
// Small helpers.

/** Compares two secrets in time independent of where they differ (digests make the lengths equal). */
function secretsEqual(a: string, b: string): boolean {
  const da = createHash('sha256').update(a, 'utf8').digest();
  const db = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(da, db);
}

/**
 * A stable service-principal object id for an app: a name-based (SHA-1, version 5) UUID of the lower-case
 * client id in a namespace of the emulator's own (RFC 9562 §5.5). The same app always gets the same `oid`.
 */
export function servicePrincipalObjectId(clientId: string): string {
  const namespace = Buffer.from('30debf18faec4e81a4bfffac98115510', 'hex');
  const hash = createHash('sha1').update(namespace).update(clientId.toLowerCase(), 'utf8').digest();
  const bytes = hash.subarray(0, 16);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x50;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Entra's `timestamp` format: `2023-05-06 06:03:00Z`. */
function stsTimestamp(nowMs: number): string {
  const iso = new Date(nowMs).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}Z`;
}

// ---------------------------------------------------------------------------------------------------
// Token endpoint errors are in Entra's shape (src/emulator/identity/sts-failure.ts; shape: the reference-error-codes
// page and captures such as OfficeDev/microsoft-365-agents-toolkit#8621).

/**
 * OAuth grants Entra implements. The emulator implements `client_credentials` and answers the others with a
 * pointer to it; the server's token log names these and nothing else (anything else could be a pasted secret).
 */
export const ENTRA_GRANTS: ReadonlySet<string> = new Set([
  'client_credentials',
  'authorization_code',
  'refresh_token',
  'password',
  'urn:ietf:params:oauth:grant-type:device_code',
  'urn:ietf:params:oauth:grant-type:jwt-bearer',
  'urn:ietf:params:oauth:grant-type:saml1_1-bearer',
  'urn:ietf:params:oauth:grant-type:saml2-bearer',
]);

/** `{tenant}` values that name no single tenant. */
const MULTI_TENANT_SEGMENTS: ReadonlySet<string> = new Set(['common', 'organizations', 'consumers']);

interface RegisteredApp {
  readonly clientId: string;
  readonly clientSecret: string | undefined;
  readonly federatedIdentityCredentials: readonly SeedFederatedIdentityCredential[];
  readonly roles: readonly string[];
  readonly displayName: string | undefined;
  readonly objectId: string;
}

// ---------------------------------------------------------------------------------------------------

export function createTokenIssuer(options: TokenIssuerOptions): TokenIssuer {
  const tenantId = options.tenantId.toLowerCase();
  if (!isGuid(tenantId)) throw new Error('createTokenIssuer: tenantId must be a GUID.');
  // RFC 7518 §3.2: an HS256 key must be at least as long as the hash output (256 bits).
  const key = options.signingKey === undefined ? randomBytes(32) : Buffer.from(options.signingKey);
  if (key.length < 32) throw new Error('createTokenIssuer: the signing key must be at least 32 bytes (RFC 7518 §3.2).');
  const loginBase = options.issuerBaseUrl.replace(/\/+$/u, '');
  if (!URL.canParse(loginBase)) throw new Error('createTokenIssuer: issuerBaseUrl must be an absolute URL.');

  const domains = new Set(options.domains.map((d) => d.toLowerCase()));
  const apps = new Map<string, RegisteredApp>();
  for (const app of options.apps) {
    const id = app.clientId.toLowerCase();
    if (apps.has(id)) throw new Error(`createTokenIssuer: two apps have client id '${app.clientId}'.`);
    if (app.clientSecret === '') throw new Error(`createTokenIssuer: app '${app.clientId}' has an empty client secret.`);
    const federatedIdentityCredentials = app.federatedIdentityCredentials ?? [];
    if (app.clientSecret === undefined && federatedIdentityCredentials.length === 0) {
      throw new Error(`createTokenIssuer: app '${app.clientId}' has neither a client secret nor a federated identity credential.`);
    }
    apps.set(id, {
      clientId: app.clientId,
      clientSecret: app.clientSecret,
      federatedIdentityCredentials,
      roles: [...new Set(app.roles)],
      displayName: app.displayName,
      objectId: servicePrincipalObjectId(app.clientId),
    });
  }
  const knownSecrets = [...apps.values()].flatMap((a) => (a.clientSecret === undefined ? [] : [a.clientSecret]));
  const federationKeys = options.federationKeys ?? createFederationKeys({ fetch: globalThis.fetch });
  // v1.0 access tokens (Graph's) name the tenant's STS as issuer.
  const issuer = `https://sts.windows.net/${tenantId}/`;

  function sign(claims: Record<string, unknown>): string {
    const signingInput = `${base64url(JSON.stringify(JWT_HEADER))}.${base64url(JSON.stringify(claims))}`;
    return `${signingInput}.${base64url(hs256(key, signingInput))}`;
  }

  function errorBody(f: StsFailure, nowMs: number, correlationId: string | undefined): TokenEndpointResponse {
    const timestamp = stsTimestamp(nowMs);
    const traceId = randomUUID();
    const correlation = correlationId !== undefined && isGuid(correlationId) ? correlationId.toLowerCase() : randomUUID();
    return {
      status: f.status,
      body: {
        error: f.error,
        error_description: `AADSTS${f.code}: ${f.text}\r\nTrace ID: ${traceId}\r\nCorrelation ID: ${correlation}\r\nTimestamp: ${timestamp}`,
        error_codes: [f.code],
        timestamp,
        trace_id: traceId,
        correlation_id: correlation,
        ...(f.lookup ? { error_uri: `${loginBase}/error?code=${f.code}` } : {}),
      },
    };
  }

  /** Resolves the `{tenant}` path segment (tenant id or verified domain), or says why not. */
  function checkTenant(segment: string, echo: Echo): StsFailure | undefined {
    const s = segment.toLowerCase();
    if (s === tenantId || domains.has(s)) return undefined;
    if (MULTI_TENANT_SEGMENTS.has(s)) {
      // The client credentials grant acts in one tenant: the docs make `{tenant}` "Required … in GUID or
      // domain-name format" and Entra's stance is that client credentials never use /common or
      // /organizations (AzureAD/microsoft-authentication-library-for-dotnet#1384; MSAL.js refuses it,
      // AzureAD/microsoft-authentication-library-for-js#5805). Observed answer for /common:
      // MicrosoftDocs/azure-docs#24064. Stricter than Entra, which may guess the app's home tenant.
      return failure(400, 'invalid_request', 50059, 'No tenant-identifying information found in either the request or implied by any provided credentials.');
    }
    if (!isGuid(s) && !s.includes('.')) {
      // Observed: microsoft/Analysis-Services#194 (segment 'authorize').
      return failure(400, 'invalid_request', 900023, `Specified tenant identifier '${echo(segment)}' is neither a valid DNS name, nor a valid external domain.`);
    }
    // Observed (error `invalid_tenant` in current captures, `invalid_request` before ~2021):
    // microsoftgraph/windowsupdates-webapplication-sample#6, Azure/azure-cli#22145.
    return failure(
      400,
      'invalid_tenant',
      90002,
      `Tenant '${echo(segment)}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`,
    );
  }

  /**
   * The `scope` of a client credentials request: `{resource}/.default`, one resource (docs: "All scopes
   * included must be for a single resource"). Graph's resource may be named by its URI, its URI with a
   * trailing slash (`https://graph.microsoft.com//.default`, the scopes doc's form for resources whose ID
   * URI ends in '/') or its app ID. The emulator's own URL is not a resource Entra knows: a client that
   * derives the scope from the Graph base URL it is pointed at would fail against Entra, so the emulator
   * refuses it too (AADSTS500011).
   */
  function checkScope(scope: string | null, echo: Echo): StsFailure | undefined {
    const scopes = (scope ?? '').split(/\s+/u).filter((s) => s !== '');
    if (scopes.length === 0) {
      // Observed for a client credentials request without scope: ctron/oidc-cli#7; code per the
      // reference ("AADSTS90014 MissingRequiredField … an expected field isn't present in the credential").
      return failure(400, 'invalid_request', 90014, "The required field 'scope' is missing from the credential. Ensure that you have all the necessary parameters for the login request.");
    }
    const resources = new Set<string>();
    for (const s of scopes) {
      if (!s.toLowerCase().endsWith('/.default')) {
        // Observed: microsoftgraph/msgraph-sdk-python#181, databricks/databricks-sql-nodejs#226.
        return failure(
          400,
          'invalid_scope',
          1002012,
          `The provided value for scope ${echo(s)} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
        );
      }
      resources.add(s.slice(0, -'/.default'.length));
    }
    const canonical = new Set([...resources].map((r) => (isGraphAudience(r) ? GRAPH_RESOURCE : r.toLowerCase())));
    if (canonical.size > 1) {
      // Reference: "AADSTS700022 InvalidMultipleResourcesScope".
      return failure(400, 'invalid_scope', 700022, 'The provided value for the input parameter scope is not valid because it contains more than one resource.');
    }
    const [resource] = resources;
    if (resource !== undefined && !isGraphAudience(resource)) {
      // Observed: rootinc/laravel-azure-middleware#51 (full capture), Azure/azure-cli#29113.
      return failure(
        400,
        'invalid_resource',
        500011,
        `The resource principal named ${echo(resource)} was not found in the tenant named ${tenantId}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.`,
      );
    }
    return undefined;
  }

  async function issueToken(tenantSegment: string, form: URLSearchParams, nowMs: number, correlationId?: string): Promise<TokenEndpointResponse> {
    const submittedSecret = form.get('client_secret') ?? '';
    const submittedAssertion = form.get('client_assertion') ?? '';
    const sensitive = [submittedSecret, submittedAssertion, ...knownSecrets].filter((s) => s !== '');
    // Entra echoes request values in its texts; the emulator does too, unless one carries a secret
    // (say, a secret pasted into the wrong field).
    const echo = (value: string): string => {
      if (sensitive.some((s) => value.includes(s))) return '[redacted]';
      const printable = Array.from(value, (c) => ((c.codePointAt(0) ?? 0) < 0x20 || c === '\u007f' ? '?' : c)).join('');
      return printable.length > 200 ? `${printable.slice(0, 200)}…` : printable;
    };
    const fail = (f: StsFailure): TokenEndpointResponse => errorBody(f, nowMs, correlationId);

    const tenantFailure = checkTenant(tenantSegment, echo);
    if (tenantFailure) return fail(tenantFailure);

    // Observed, with full captures: MicrosoftDocs/azure-docs#43780 ('grant_type'), fredgis/FabricAtlas#3 ('client_id').
    const missing = (name: string): StsFailure => failure(400, 'invalid_request', 900144, `The request body must contain the following parameter: '${name}'.`);
    const grantType = form.get('grant_type') ?? '';
    if (grantType === '') return fail(missing('grant_type'));
    if (grantType !== 'client_credentials') {
      // Observed: AzureAD/microsoft-authentication-library-for-dotnet#3023.
      const hint = ENTRA_GRANTS.has(grantType) ? ' The tenantctl Graph emulator implements only the client_credentials grant.' : '';
      return fail(failure(400, 'unsupported_grant_type', 70003, `The app requested an unsupported grant type '${echo(grantType)}'.${hint}`));
    }
    const clientId = form.get('client_id') ?? '';
    if (clientId === '') return fail(missing('client_id'));

    const assertionType = form.get('client_assertion_type');
    if (submittedSecret !== '' && (submittedAssertion !== '' || assertionType !== null)) {
      // RFC 6749 §2.3: "The client MUST NOT use more than one authentication method in each request."
      // The emulator's own text under Entra's generic "AADSTS90023 InvalidRequest".
      return fail(failure(400, 'invalid_request', 90023, 'The request carries both client_secret and client_assertion: send one client credential (RFC 6749 §2.3).', false));
    }
    if (submittedSecret === '' && submittedAssertion === '') {
      // Reference: "AADSTS7000218 The request body must contain the following parameter: 'client_assertion' or 'client_secret'."
      return fail(failure(401, 'invalid_client', 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'."));
    }
    if (submittedAssertion !== '') {
      if (assertionType === null || assertionType === '') return fail(missing('client_assertion_type'));
      if (assertionType !== JWT_BEARER_ASSERTION_TYPE) {
        // Observed: AzureAD/azure-activedirectory-library-for-ruby#53 (`invalid_request`).
        return fail(failure(400, 'invalid_request', 90011, 'Unexpected client assertion type.'));
      }
    }

    const scopeFailure = checkScope(form.get('scope'), echo);
    if (scopeFailure) return fail(scopeFailure);

    const app = apps.get(clientId.toLowerCase());
    if (app === undefined) {
      // Observed: Azure/azure-sdk-for-python#8314 (error `unauthorized_client`), many texts.
      return fail(
        failure(
          400,
          'unauthorized_client',
          700016,
          `Application with identifier '${echo(clientId)}' was not found in the directory '${tenantId}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
        ),
      );
    }
    if (submittedAssertion !== '') {
      const assertionFailure = await checkClientAssertion(submittedAssertion, { app, keys: federationKeys, nowMs, echo });
      if (assertionFailure) return fail(assertionFailure);
    } else if (app.clientSecret === undefined || !secretsEqual(submittedSecret, app.clientSecret)) {
      // Observed, 401 with full capture: OfficeDev/microsoft-365-agents-toolkit#8621, Azure/sap-automation#418.
      // An app with federated credentials only has no secret to match: the same answer.
      return fail(
        failure(
          401,
          'invalid_client',
          7000215,
          `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${app.clientId}'.`,
        ),
      );
    }

    const iat = Math.floor(nowMs / 1000);
    const claims: Record<string, unknown> = {
      aud: GRAPH_RESOURCE,
      iss: issuer,
      iat,
      nbf: iat,
      exp: iat + ACCESS_TOKEN_LIFETIME_SECONDS,
      ...(app.displayName !== undefined ? { app_displayname: app.displayName } : {}),
      // v1.0 tokens carry `appid`/`appidacr` ("1": client secret, "2": client assertion, federated tokens included);
      // `azp`/`azpacr` are their v2.0 names, so absent.
      appid: app.clientId,
      appidacr: submittedAssertion === '' ? '1' : '2',
      idp: issuer,
      idtyp: 'app',
      oid: app.objectId,
      // Entra leaves `roles` out when the app holds no application permission.
      ...(app.roles.length > 0 ? { roles: app.roles } : {}),
      sub: app.objectId,
      tid: tenantId,
      // Unique token identifier, as in Entra's tokens; also makes two tokens of the same second differ.
      uti: base64url(randomBytes(16)),
      ver: '1.0',
    };
    return {
      status: 200,
      body: { token_type: 'Bearer', expires_in: EXPIRES_IN_SECONDS, ext_expires_in: EXPIRES_IN_SECONDS, access_token: sign(claims) },
    };
  }

  function verifyBearer(authorizationHeader: string | undefined, nowMs: number): BearerVerification {
    return verifyGraphBearer({ key, issuer, tenantId }, authorizationHeader, nowMs);
  }

  return { issueToken, verifyBearer };
}
