/**
 * The Graph adapter's request log (src/tenant/graph/request-log.ts), with injected fetch, waits and
 * clock: one entry per exchange, the retry decisions of retry.ts in words, and every string redacted
 * (secret-looking query values, the credential's own secrets) before the logger sees it. Token lines
 * are the requests really sent for a token (MSAL's discovery and token POST, IMDS's and App Service's
 * GET, GitHub's OIDC GET), a `token-command` entry for the Azure CLI, and nothing for a cached token.
 */
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { createHttpHeaders, createPipelineRequest } from '@azure/core-rest-pipeline';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { GraphHttp } from '../../src/tenant/graph/client.ts';
import type { IdentityHttpClient } from '../../src/tenant/graph/proxy.ts';
import { identityTransport } from '../../src/tenant/graph/proxy.ts';
import type { RequestLog, RequestLogEntry } from '../../src/tenant/graph/request-log.ts';
import { redactingLog } from '../../src/tenant/graph/request-log.ts';
import { createTokenSource, loggingHttpClient } from '../../src/tenant/graph/tokens.ts';

const SECRET = 'plain-secret-without-shape-42';

function harness(answers: (() => Response)[]): { http: GraphHttp; entries: RequestLogEntry[] } {
  const entries: RequestLogEntry[] = [];
  let tick = 0;
  const log: RequestLog = redactingLog({ write: (entry) => entries.push(entry), clock: () => (tick += 5) }, [SECRET]);
  let call = 0;
  const fetchImpl = (async () => (answers[Math.min(call++, answers.length - 1)] as () => Response)()) as typeof fetch;
  const retry = { sleep: async () => undefined, random: () => 0, nowMs: () => 0, log };
  const http = new GraphHttp({ graphUrl: new URL('https://graph.example.test'), accessToken: async () => 'eyJhbGciOiJub25lIn0.eyJ0aWQiOiJ4In0.sig', fetch: fetchImpl, retry, log });
  return { http, entries };
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}): (() => Response) => () => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json', ...headers } });

describe('the request log of the Graph adapter', () => {
  it('one entry per exchange: method, path with query, status, request id, a duration; secrets in the query redacted', async () => {
    const { http, entries } = harness([json(200, { value: [] }, { 'request-id': 'r-1' })]);
    await http.get(`/users?$filter=x&client_secret=abc123&note=${SECRET}`);
    expect(entries).toEqual([{ event: 'request', method: 'GET', path: expect.stringMatching(/^\/v1\.0\/users\?\$filter=x&client_secret=\[redacted\]&note=\[redacted\]$/u), status: 200, requestId: 'r-1', durationMs: expect.any(Number) }]);
  });

  it('retry decisions in words: a throttled wait spends no attempt; 5xx without Retry-After backs off until the last attempt, then gives up', async () => {
    const { http, entries } = harness([json(429, { error: { code: 'TooManyRequests', message: 'slow down' } }, { 'Retry-After': '2' }), json(503, { error: { code: 'ServiceUnavailable', message: 'x' } })]);
    await expect(http.get('/users')).rejects.toThrow();
    const decisions = entries.filter((e) => e.event === 'retry' || e.event === 'give-up').map((e) => ('message' in e ? e.message : ''));
    expect(decisions[0]).toBe('retrying after 429, Retry-After 2 s, attempt 1 of 7 (a wait Graph asks for spends no attempt)');
    expect(decisions[1]).toMatch(/^retrying after 503, backoff [\d.]+ s, attempt 2 of 7$/u);
    expect(decisions.at(-1)).toBe('giving up after 503: attempt 7 of 7 was the last');
    expect(entries.filter((e) => e.event === 'request')).toHaveLength(8);
  });

  it('a refusal that is not retried is one request entry and no decision', async () => {
    const { http, entries } = harness([json(403, { error: { code: 'Authorization_RequestDenied', message: `denied ${SECRET}` } })]);
    await expect(http.get('/users')).rejects.toThrow();
    expect(entries.map((e) => [e.event, 'status' in e ? e.status : null])).toEqual([['request', 403]]);
    expect(JSON.stringify(entries)).not.toContain(SECRET);
  });
});

// ---- token lines: what really went over the network to get a token ---------------------------------

const TENANT = '8f3c1a52-0000-4000-8000-0000000000aa';
const CLIENT = '0c0c0c0c-0000-4000-8000-0000000000bb';
const AUTHORITY = 'https://login.example.test';
const SCOPE = 'https://graph.microsoft.com/.default';
/** An access token as an identity endpoint returns it (a JWT: redact.ts finds it by shape). */
const ACCESS_TOKEN = `eyJhbGciOiJub25lIn0.${Buffer.from(JSON.stringify({ tid: TENANT, roles: ['User.ReadWrite.All'] })).toString('base64url')}.c2ln`;

/** A log that keeps its entries, redacting with the credential's secrets as connectGraphTenant's does. */
function tokenLog(secrets: readonly string[]): { log: RequestLog; entries: RequestLogEntry[] } {
  const entries: RequestLogEntry[] = [];
  let tick = 0;
  return { log: redactingLog({ write: (entry) => entries.push(entry), clock: () => (tick += 5) }, secrets), entries };
}

/** A fake network for @azure/identity's requests (through the identity transport, as with a proxy): the answers by method and path, and what was sent. */
function identityNetwork(answer: (method: string, url: URL) => Response): { transport: ReturnType<typeof identityTransport>; sent: string[] } {
  const sent: string[] = [];
  const fetchImpl = (async (input: Parameters<typeof fetch>[0], init?: RequestInit) => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    const method = init?.method ?? 'GET';
    sent.push(`${method} ${url.host}${url.pathname}`);
    return answer(method, url);
  }) as typeof fetch;
  return { transport: identityTransport(fetchImpl), sent };
}

/** MSAL's discovery document and token answer for a tenant at AUTHORITY (not a Microsoft host: no instance discovery). */
function entraAnswers(method: string, url: URL): Response {
  if (method === 'GET' && url.pathname === `/${TENANT}/v2.0/.well-known/openid-configuration`) {
    return Response.json({
      token_endpoint: `${AUTHORITY}/${TENANT}/oauth2/v2.0/token`,
      authorization_endpoint: `${AUTHORITY}/${TENANT}/oauth2/v2.0/authorize`,
      end_session_endpoint: `${AUTHORITY}/${TENANT}/oauth2/v2.0/logout`,
      issuer: `${AUTHORITY}/${TENANT}/v2.0`,
      jwks_uri: `${AUTHORITY}/${TENANT}/discovery/v2.0/keys`,
    });
  }
  if (method === 'POST' && url.pathname === `/${TENANT}/oauth2/v2.0/token`) return Response.json({ token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: ACCESS_TOKEN });
  return Response.json({ error: 'not_found' }, { status: 404 });
}

const tokenEntries = (entries: readonly RequestLogEntry[]): RequestLogEntry[] => entries.filter((e) => e.event === 'token' || e.event === 'token-command');

describe('token lines: each request sent for a token, with its real method, host, path and status', () => {
  afterEach(() => vi.unstubAllEnvs());

  it('a client secret (MSAL): discovery GET and token POST, each one entry as sent; no body, query or secret; a cached token adds none', async () => {
    const secret = 'plain-client-secret-value-1234';
    const { log, entries } = tokenLog([secret]);
    const network = identityNetwork(entraAnswers);
    let now = 0;
    const source = createTokenSource(
      { kind: 'client-secret', tenantId: TENANT, clientId: CLIENT, clientSecret: secret, scope: SCOPE, authorityHost: AUTHORITY },
      { fetch: globalThis.fetch, nowMs: () => now, identityTransport: network.transport, log },
    );
    expect(await source.getAccessToken()).toBe(ACCESS_TOKEN);
    expect(network.sent).toEqual([`GET login.example.test/${TENANT}/v2.0/.well-known/openid-configuration`, `POST login.example.test/${TENANT}/oauth2/v2.0/token`]);
    expect(tokenEntries(entries)).toEqual([
      { event: 'token', method: 'GET', host: 'login.example.test', path: `/${TENANT}/v2.0/.well-known/openid-configuration`, status: 200, durationMs: 5 },
      { event: 'token', method: 'POST', host: 'login.example.test', path: `/${TENANT}/oauth2/v2.0/token`, status: 200, durationMs: 5 },
    ]);
    // tenantctl's own cache answers: the credential is not asked, nothing is sent or logged.
    await source.getAccessToken();
    // Past tenantctl's refresh point (its clock only), the credential is asked, and MSAL answers from its own cache: nothing sent, nothing logged.
    now = Date.now() + 10 * 24 * 3600 * 1000;
    expect(await source.getAccessToken()).toBe(ACCESS_TOKEN);
    expect(network.sent).toHaveLength(2);
    expect(tokenEntries(entries)).toHaveLength(2);
    const text = JSON.stringify(entries);
    for (const leak of [secret, ACCESS_TOKEN, 'client_secret', 'client-request-id', '?']) expect(text).not.toContain(leak);
  });

  it('a refused token request is its real status; a request that got no answer is status 0 with the failure code', async () => {
    const { log, entries } = tokenLog([]);
    const refusing = identityNetwork((method, url) => (method === 'POST' ? Response.json({ error: 'invalid_client', error_description: 'AADSTS7000215: Invalid client secret provided.' }, { status: 401 }) : entraAnswers(method, url)));
    const choice = { kind: 'client-secret', tenantId: TENANT, clientId: CLIENT, clientSecret: 'wrong-secret-value', scope: SCOPE, authorityHost: AUTHORITY } as const;
    await expect(createTokenSource(choice, { fetch: globalThis.fetch, nowMs: () => 0, identityTransport: refusing.transport, log }).getAccessToken()).rejects.toThrow(/Invalid client secret/u);
    expect(tokenEntries(entries).map((e) => (e.event === 'token' ? `${e.method} ${e.status}` : e.event))).toEqual(['GET 200', 'POST 401']);

    const lost = tokenLog([]);
    const unreachable = identityNetwork(() => {
      throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    });
    await expect(createTokenSource(choice, { fetch: globalThis.fetch, nowMs: () => 0, identityTransport: unreachable.transport, log: lost.log }).getAccessToken()).rejects.toThrow();
    expect(lost.entries.length).toBeGreaterThan(0);
    expect(lost.entries.every((e) => e.event === 'token' && e.method === 'GET' && e.status === 0 && e.error !== undefined)).toBe(true);
  });

  it('a managed identity on a VM: its GET to IMDS (169.254.169.254) is logged as sent, by host and path: never the query, a header or the body', async () => {
    const { log, entries } = tokenLog([]);
    const sent: string[] = [];
    const inner: IdentityHttpClient = {
      sendRequest: async (request) => {
        sent.push(`${request.method} ${request.url}`);
        return { request, status: 200, headers: createHttpHeaders(), bodyAsText: JSON.stringify({ access_token: ACCESS_TOKEN }) };
      },
    };
    const client = loggingHttpClient(inner, log);
    const url = 'http://169.254.169.254/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https%3A%2F%2Fgraph.microsoft.com&client_secret=abc';
    await client.sendRequest(createPipelineRequest({ url, method: 'GET', headers: createHttpHeaders({ Metadata: 'true' }) }));
    expect(sent).toEqual([`GET ${url}`]);
    expect(entries).toEqual([{ event: 'token', method: 'GET', host: '169.254.169.254', path: '/metadata/identity/oauth2/token', status: 200, durationMs: 5 }]);
  });

  it('a managed identity in App Service, over @azure/identity’s own HTTP client (no proxy): a GET to IDENTITY_ENDPOINT; its header secret nowhere', async () => {
    const identityHeader = 'app-service-identity-header-secret';
    const seen: { method: string; url: string; header: string | undefined }[] = [];
    const server = createServer((request, response) => {
      seen.push({ method: request.method ?? '', url: request.url ?? '', header: request.headers['x-identity-header'] as string | undefined });
      response.writeHead(200, { 'Content-Type': 'application/json' });
      response.end(JSON.stringify({ access_token: ACCESS_TOKEN, expires_on: String(Math.floor(Date.now() / 1000) + 3599), resource: 'https://graph.microsoft.com', token_type: 'Bearer' }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      for (const name of ['IDENTITY_SERVER_THUMBPRINT', 'IMDS_ENDPOINT', 'MSI_ENDPOINT', 'MSI_SECRET']) vi.stubEnv(name, undefined);
      vi.stubEnv('IDENTITY_ENDPOINT', `http://127.0.0.1:${port}/msi/token`);
      vi.stubEnv('IDENTITY_HEADER', identityHeader);
      const { log, entries } = tokenLog([]);
      // MSAL picks the managed identity source (and its HTTP client) once per process and caches its
      // tokens for the process: this must stay the only test of the suite to get a managed identity token.
      const source = createTokenSource({ kind: 'managed-identity', scope: SCOPE, authorityHost: 'https://login.microsoftonline.com' }, { fetch: globalThis.fetch, nowMs: () => 0, log });
      expect(await source.getAccessToken()).toBe(ACCESS_TOKEN);
      expect(seen).toEqual([{ method: 'GET', url: expect.stringMatching(/^\/msi\/token\?/u) as string, header: identityHeader }]);
      expect(tokenEntries(entries)).toEqual([{ event: 'token', method: 'GET', host: `127.0.0.1:${port}`, path: '/msi/token', status: 200, durationMs: 5 }]);
      expect(JSON.stringify(entries)).not.toContain(identityHeader);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('GitHub Actions OIDC: the GET for GitHub’s token (path only: no query, no request token), then MSAL’s; the assertion nowhere', async () => {
    const requestToken = 'github-request-token-value-5678';
    const assertion = `eyJhbGciOiJSUzI1NiJ9.${Buffer.from(JSON.stringify({ sub: 'repo:contoso/tenant:ref:refs/heads/main' })).toString('base64url')}.c2ln`;
    const github = vi.fn<typeof fetch>(async () => Response.json({ value: assertion }));
    const { log, entries } = tokenLog([requestToken]);
    const network = identityNetwork(entraAnswers);
    const source = createTokenSource(
      { kind: 'github-oidc', tenantId: TENANT, clientId: CLIENT, requestUrl: 'https://pipelines.actions.example.test/abc/idtoken?api-version=2.0', requestToken, scope: SCOPE, authorityHost: AUTHORITY },
      { fetch: github, nowMs: () => 0, identityTransport: network.transport, log },
    );
    expect(await source.getAccessToken()).toBe(ACCESS_TOKEN);
    // Every request sent is one entry, and no entry is one not sent: MSAL asks for the assertion twice.
    const lines = tokenEntries(entries).map((e) => (e.event === 'token' ? `${e.method} ${e.host}${e.path} ${e.status}` : e.event));
    expect(lines.filter((l) => l.startsWith('GET pipelines.'))).toEqual(github.mock.calls.map(() => 'GET pipelines.actions.example.test/abc/idtoken 200'));
    expect(lines.filter((l) => l.includes('login.example.test'))).toEqual([`GET login.example.test/${TENANT}/v2.0/.well-known/openid-configuration 200`, `POST login.example.test/${TENANT}/oauth2/v2.0/token 200`]);
    expect(lines).toHaveLength(github.mock.calls.length + network.sent.length);
    const text = JSON.stringify(entries);
    for (const leak of [requestToken, assertion, ACCESS_TOKEN, 'audience', 'api-version']) expect(text).not.toContain(leak);
  });
});

describe('token lines: the Azure CLI sends no request of ours', () => {
  let bin: string;
  beforeAll(async () => {
    bin = await mkdtemp(join(tmpdir(), 'tenantctl-fake-az-'));
  });
  afterAll(() => rm(bin, { recursive: true, force: true }));
  afterEach(() => vi.unstubAllEnvs());

  /** A fake `az` first on PATH: prints `stdout` and exits with `code`. */
  async function fakeAz(stdout: string, code: number): Promise<void> {
    await writeFile(join(bin, 'az'), `#!/bin/sh\nprintf '%s' '${stdout}'\n${code === 0 ? '' : "echo 'ERROR: Please run az login to setup account.' >&2\n"}exit ${code}\n`);
    await chmod(join(bin, 'az'), 0o755);
    vi.stubEnv('PATH', `${bin}${delimiter}${process.env.PATH ?? ''}`);
  }

  it.skipIf(process.platform === 'win32')('one `token-command` entry naming the Azure CLI, no token request; a failed az is that entry with the failure', async () => {
    const network = identityNetwork(() => {
      throw new Error('the Azure CLI credential sent a request');
    });
    await fakeAz(JSON.stringify({ accessToken: ACCESS_TOKEN, expires_on: Math.floor(Date.now() / 1000) + 3599, tenant: TENANT, tokenType: 'Bearer' }), 0);
    const { log, entries } = tokenLog([]);
    const choice = { kind: 'azure-cli', tenantId: TENANT, scope: SCOPE, authorityHost: 'https://login.microsoftonline.com' } as const;
    expect(await createTokenSource(choice, { fetch: globalThis.fetch, nowMs: () => 0, identityTransport: network.transport, log }).getAccessToken()).toBe(ACCESS_TOKEN);
    expect(network.sent).toEqual([]);
    expect(entries).toEqual([{ event: 'token-command', from: 'the Azure CLI (az)', durationMs: 5 }]);
    expect(JSON.stringify(entries)).not.toContain(ACCESS_TOKEN);

    await fakeAz('', 1);
    const failed = tokenLog([]);
    await expect(createTokenSource(choice, { fetch: globalThis.fetch, nowMs: () => 0, log: failed.log }).getAccessToken()).rejects.toThrow();
    expect(failed.entries).toEqual([{ event: 'token-command', from: 'the Azure CLI (az)', durationMs: 5, error: expect.any(String) as string }]);
  });
});
