/**
 * A local OpenID Connect issuer that behaves like GitHub Actions' (token.actions.githubusercontent.com),
 * on http://127.0.0.1 so that the Graph emulator may fetch its keys:
 *
 * - `GET /.well-known/openid-configuration`: the discovery document (issuer, `jwks_uri`, …);
 * - `GET /.well-known/jwks`: the public keys, RSA (RS256) and P-256 (ES256), each with a `kid`;
 * - `GET /_apis/idtoken?api-version=2.0&audience=…` with `Authorization: bearer <request token>`: the
 *   Actions runtime's token request, the URL and token a job gets as ACTIONS_ID_TOKEN_REQUEST_URL and
 *   ACTIONS_ID_TOKEN_REQUEST_TOKEN when it has `permissions: id-token: write`. Answers `{"value": jwt}`.
 *
 * Claims follow GitHub's docs (https://docs.github.com/actions/security-for-github-actions/security-hardening-your-deployments/about-security-hardening-with-openid-connect):
 * `sub` is `repo:OWNER/REPO:environment:NAME`, `repo:OWNER/REPO:pull_request` or `repo:OWNER/REPO:ref:REF`;
 * the token carries `repository`, `ref`, `sha`, `workflow`, `event_name`, `jti`, … and is valid for minutes.
 * Keys are made at start with node:crypto; `kid` is the JWK thumbprint (RFC 7638).
 */
import { createHash, generateKeyPairSync, randomUUID, sign } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Entra's audience for federated tokens; what `azure/login` and @azure/identity ask GitHub for. */
export const AZURE_AD_TOKEN_EXCHANGE = 'api://AzureADTokenExchange';
export const REPOSITORY = 'contoso/tenant-config';

/** The workflow run a token describes; `sub` is derived from it as GitHub derives it. */
export interface WorkflowContext {
  readonly repository?: string;
  /** Default `push`. `pull_request` makes the subject `…:pull_request`. */
  readonly eventName?: string;
  /** Default `refs/heads/main`. */
  readonly ref?: string;
  /** A deployment environment: the subject becomes `…:environment:NAME`. */
  readonly environment?: string;
  readonly workflow?: string;
  readonly sha?: string;
}

export interface TokenOptions {
  readonly context?: WorkflowContext;
  /** Overrides the derived subject. */
  readonly subject?: string;
  /** Default `api://AzureADTokenExchange` (or the request's `audience`). */
  readonly audience?: string | readonly string[];
  /** Default this issuer's URL. */
  readonly issuer?: string;
  /** `iat` (default now); GitHub's `nbf` is 5 minutes before and `exp` 5 minutes after (observed range: 10 minutes). */
  readonly issuedAtMs?: number;
  /** A token that expired an hour ago. */
  readonly expired?: boolean;
  /** `issuer` (default) signs with a published key; `unknown-key` with a key the JWKS does not list (under its own kid). */
  readonly signer?: 'issuer' | 'unknown-key';
  readonly alg?: 'RS256' | 'ES256';
  /** Leaves `kid` out of the header. */
  readonly withoutKid?: boolean;
  /** Extra or replaced claims (`undefined` removes one). */
  readonly claims?: Readonly<Record<string, unknown>>;
}

export interface LocalOidcIssuer {
  /** `http://127.0.0.1:PORT`: the `iss` of its tokens and the issuer to trust. */
  readonly url: string;
  /** ACTIONS_ID_TOKEN_REQUEST_URL: ends with a query, so GitHub's `&audience=…` can be appended. */
  readonly requestUrl: string;
  /** ACTIONS_ID_TOKEN_REQUEST_TOKEN. */
  readonly requestToken: string;
  /** Paths requested, in order (discovery, JWKS and token requests). */
  readonly paths: string[];
  /** Every token issued, so that tests can check none is ever printed. */
  readonly issued: string[];
  /** The token request endpoint's answers use these options (audience comes from the request). */
  requestTokenOptions: TokenOptions;
  /** Mints a token without HTTP (for token files and unit tests). */
  issue(options?: TokenOptions): string;
  /** Replaces the RSA key under a new kid, as an issuer's key rotation: old tokens name a kid no longer published. */
  rotateKeys(): void;
  close(): Promise<void>;
}

interface SigningKey {
  readonly kid: string;
  readonly privateKey: KeyObject;
  readonly jwk: Record<string, unknown>;
}

function base64urlJson(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

function makeKey(type: 'rsa' | 'ec', alg: 'RS256' | 'ES256'): SigningKey {
  const { privateKey, publicKey } = type === 'rsa' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = publicKey.export({ format: 'jwk' }) as Record<string, unknown>;
  // RFC 7638: the thumbprint of the required members, in lexicographic order.
  const members = type === 'rsa' ? { e: jwk['e'], kty: jwk['kty'], n: jwk['n'] } : { crv: jwk['crv'], kty: jwk['kty'], x: jwk['x'], y: jwk['y'] };
  const kid = createHash('sha256').update(JSON.stringify(members)).digest('base64url');
  return { kid, privateKey, jwk: { ...jwk, kid, alg, use: 'sig' } };
}

/** GitHub's subject for a run: environment first, then pull_request, else the ref. */
export function githubSubject(context: WorkflowContext = {}): string {
  const repository = context.repository ?? REPOSITORY;
  if (context.environment !== undefined) return `repo:${repository}:environment:${context.environment}`;
  if ((context.eventName ?? 'push') === 'pull_request') return `repo:${repository}:pull_request`;
  return `repo:${repository}:ref:${context.ref ?? 'refs/heads/main'}`;
}

export async function startOidcIssuer(): Promise<LocalOidcIssuer> {
  let rsa = makeKey('rsa', 'RS256');
  const ec = makeKey('ec', 'ES256');
  const stranger = makeKey('rsa', 'RS256');
  const requestToken = `request-token-${randomUUID()}`;
  const paths: string[] = [];
  const issued: string[] = [];
  let url = '';

  function issue(options: TokenOptions = {}): string {
    const alg = options.alg ?? 'RS256';
    const key = options.signer === 'unknown-key' ? stranger : alg === 'ES256' ? ec : rsa;
    const iat = Math.floor((options.issuedAtMs ?? Date.now()) / 1000) - (options.expired ? 3600 : 0);
    const context = options.context ?? {};
    const repository = context.repository ?? REPOSITORY;
    const eventName = context.eventName ?? 'push';
    const ref = context.ref ?? (eventName === 'pull_request' ? 'refs/pull/42/merge' : 'refs/heads/main');
    const claims: Record<string, unknown> = {
      jti: randomUUID(),
      sub: options.subject ?? githubSubject({ ...context, repository, eventName, ref }),
      aud: options.audience ?? AZURE_AD_TOKEN_EXCHANGE,
      ref,
      sha: context.sha ?? 'a3c1f5e2b7d94c08e6f1a2b3c4d5e6f708192a3b',
      repository,
      repository_owner: repository.split('/')[0],
      repository_visibility: 'private',
      run_id: '4711',
      run_number: '12',
      run_attempt: '1',
      runner_environment: 'github-hosted',
      actor: 'octocat',
      workflow: context.workflow ?? 'tenant',
      event_name: eventName,
      ref_type: ref.startsWith('refs/tags/') ? 'tag' : 'branch',
      ...(context.environment === undefined ? {} : { environment: context.environment }),
      job_workflow_ref: `${repository}/.github/workflows/tenant.yml@${ref}`,
      iss: options.issuer ?? url,
      nbf: iat - 300,
      exp: iat + 300,
      iat,
    };
    const payload = Object.fromEntries(Object.entries({ ...claims, ...options.claims }).filter(([, value]) => value !== undefined));
    const header = { typ: 'JWT', alg, ...(options.withoutKid ? {} : { kid: key.kid }) };
    const input = `${base64urlJson(header)}.${base64urlJson(payload)}`;
    const signature = alg === 'ES256' ? sign('sha256', Buffer.from(input), { key: key.privateKey, dsaEncoding: 'ieee-p1363' }) : sign('sha256', Buffer.from(input), key.privateKey);
    const token = `${input}.${signature.toString('base64url')}`;
    issued.push(token);
    return token;
  }

  const issuer: LocalOidcIssuer = {
    get url() {
      return url;
    },
    get requestUrl() {
      return `${url}/_apis/idtoken?api-version=2.0`;
    },
    requestToken,
    paths,
    issued,
    requestTokenOptions: {},
    issue,
    rotateKeys() {
      rsa = makeKey('rsa', 'RS256');
    },
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };

  const server = createServer((request, response) => {
    const path = request.url ?? '/';
    paths.push(path);
    const target = new URL(path, url);
    const json = (status: number, body: unknown): void => {
      response.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8' });
      response.end(JSON.stringify(body));
    };
    if (request.method !== 'GET') return json(405, { message: 'Method Not Allowed' });
    switch (target.pathname) {
      case '/.well-known/openid-configuration':
        // GitHub's document, with this issuer's URLs.
        return json(200, {
          issuer: url,
          jwks_uri: `${url}/.well-known/jwks`,
          subject_types_supported: ['public', 'pairwise'],
          response_types_supported: ['id_token'],
          claims_supported: ['sub', 'aud', 'exp', 'iat', 'iss', 'jti', 'nbf', 'ref', 'sha', 'repository', 'repository_owner', 'workflow', 'event_name', 'environment', 'job_workflow_ref'],
          id_token_signing_alg_values_supported: ['RS256'],
          scopes_supported: ['openid'],
        });
      case '/.well-known/jwks':
        return json(200, { keys: [rsa.jwk, ec.jwk] });
      case '/_apis/idtoken': {
        // The Actions runtime checks the job's request token; GitHub's default audience is the owner's URL.
        if (/^bearer\s+(\S+)$/iu.exec(request.headers.authorization ?? '')?.[1] !== requestToken) return json(401, { message: 'Unauthorized' });
        const audience = target.searchParams.get('audience') ?? `https://github.com/${REPOSITORY.split('/')[0] ?? ''}`;
        return json(200, { value: issue({ audience, ...issuer.requestTokenOptions }) });
      }
      default:
        return json(404, { message: 'Not Found' });
    }
  });
  // Never close an idle keep-alive connection from this side: a client whose event loop was busy
  // (this very process, or a child under CPU load) may send its next request on it just as the
  // server's idle timer fires, and gets ECONNRESET. Clients close idle connections themselves,
  // and close() ends them all.
  server.keepAliveTimeout = 0;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return issuer;
}
