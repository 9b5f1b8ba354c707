/**
 * HTTPS_PROXY / HTTP_PROXY / NO_PROXY (src/tenant/graph/proxy.ts), through a forwarding proxy written
 * here: a node:http server on 127.0.0.1 that forwards absolute-form requests (plain http: the
 * emulator) and opens CONNECT tunnels (https: the emulator behind test/support/https-front.ts), and
 * records what it was asked and every byte it carried. It proves that Graph's requests and the token
 * requests (tenantctl's own for the emulator, MSAL's through @azure/identity) go through the proxy,
 * that NO_PROXY sends them past it, that a refusing or absent proxy gives a clear error, and that
 * inside a tunnel the proxy sees no secret or token.
 */
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, request as httpRequest } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import { connect as netConnect } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Seed } from '../../src/emulator/directory/model.ts';
import { startEmulator } from '../../src/emulator/server.ts';
import type { RunningEmulator } from '../../src/emulator/server.ts';
import { connectGraphTenant } from '../../src/tenant/graph/index.ts';
import { describeProxy, proxyFor, proxySettingsFrom } from '../../src/tenant/graph/proxy.ts';
import { cliEnv, policyDir, RECONCILER_SECRET } from '../support/apply-e2e.ts';
import { runTenantctl } from '../support/cli.ts';
import { contoso } from '../support/emulator.ts';
import type { HttpsFront } from '../support/https-front.ts';
import { startHttpsFront } from '../support/https-front.ts';

const run = promisify(execFile);

// ---- the forwarding proxy -----------------------------------------------------------------------

interface Seen {
  /** `GET http://127.0.0.1:4010/v1.0/users?…` (forwarded) or `CONNECT 127.0.0.1:4443` (tunnelled). */
  readonly line: string;
  readonly headers: IncomingHttpHeaders;
}

interface ForwardingProxy {
  readonly url: string;
  readonly seen: Seen[];
  /** Everything that went through, both ways, headers and bodies and tunnelled bytes alike. */
  carried(): string;
  close(): Promise<void>;
}

/** `refuse`: answer every request and CONNECT with this status instead of forwarding it. */
async function startForwardingProxy(options: { refuse?: number } = {}): Promise<ForwardingProxy> {
  const seen: Seen[] = [];
  const chunks: Buffer[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((request, response) => {
    seen.push({ line: `${request.method} ${request.url}`, headers: request.headers });
    chunks.push(Buffer.from(JSON.stringify(request.headers)));
    if (options.refuse !== undefined) {
      response.writeHead(options.refuse, { 'Content-Type': 'text/plain' });
      response.end('refused by the test proxy');
      return;
    }
    const target = new URL(request.url ?? '/');
    const upstream = httpRequest({ host: target.hostname, port: target.port, method: request.method, path: `${target.pathname}${target.search}`, headers: request.headers }, (answer) => {
      response.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.on('data', (chunk: Buffer) => chunks.push(chunk));
      answer.pipe(response);
    });
    upstream.on('error', () => response.destroy());
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.pipe(upstream);
  });
  server.on('connect', (request, client: Socket, head: Buffer) => {
    seen.push({ line: `CONNECT ${request.url}`, headers: request.headers });
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    if (options.refuse !== undefined) {
      client.end(`HTTP/1.1 ${options.refuse} Refused\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    const [host, port] = (request.url ?? '').split(':');
    const upstream = netConnect(Number(port), host ?? '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      client.on('data', (chunk: Buffer) => chunks.push(chunk));
      upstream.on('data', (chunk: Buffer) => chunks.push(chunk));
      client.pipe(upstream).pipe(client);
    });
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  server.keepAliveTimeout = 0;
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    carried: () => Buffer.concat(chunks).toString('latin1'),
    close: () => new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/** A port nothing listens on: a proxy that is down. */
async function closedPort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const noWait = { sleep: () => Promise.resolve(), random: () => 0 };

// ---- settings -----------------------------------------------------------------------------------

describe('proxy settings from the environment', () => {
  it('reads the lower-case variable first, as curl and undici do, and ignores blank ones', () => {
    const settings = proxySettingsFrom({ https_proxy: 'http://lower:1', HTTPS_PROXY: 'http://upper:2', http_proxy: ' ', HTTP_PROXY: 'http://plain:3', NO_PROXY: 'a.example' });
    expect(settings?.httpsProxy?.url.host).toBe('lower:1');
    expect(settings?.httpsProxy?.variable).toBe('https_proxy');
    expect(settings?.httpProxy?.url.host).toBe('plain:3');
    expect(settings?.noProxy).toBe('a.example');
  });

  it('is off without a proxy variable, NO_PROXY alone included', () => {
    expect(proxySettingsFrom({})).toBeUndefined();
    expect(proxySettingsFrom({ NO_PROXY: '*', HTTPS_PROXY: '' })).toBeUndefined();
  });

  it('takes host:port as http://host:port and refuses what is not an http(s) proxy URL, naming the variable', () => {
    expect(proxySettingsFrom({ HTTPS_PROXY: 'proxy.example.com:3128' })?.httpsProxy?.url.href).toBe('http://proxy.example.com:3128/');
    expect(() => proxySettingsFrom({ HTTPS_PROXY: 'socks5://proxy:1080' })).toThrow(/HTTPS_PROXY must be an http:\/\/ or https:\/\/ proxy URL/u);
    expect(() => proxySettingsFrom({ http_proxy: 'http://[bad' })).toThrow(/http_proxy is not a proxy URL/u);
    expect(() => connectGraphTenant({ env: { HTTPS_PROXY: 'ftp://proxy' } })).toThrow(/HTTPS_PROXY/u);
  });

  it('never shows the proxy user or password', () => {
    const settings = proxySettingsFrom({ HTTPS_PROXY: 'http://alice:s3cret-pw@proxy.example.com:8080' });
    const proxy = settings?.httpsProxy;
    if (proxy === undefined) throw new Error('a proxy');
    expect(describeProxy(proxy)).toBe('http://proxy.example.com:8080 (HTTPS_PROXY)');
  });

  it('uses HTTPS_PROXY for https, HTTP_PROXY for http and for https when HTTPS_PROXY is unset (undici EnvHttpProxyAgent)', () => {
    const both = proxySettingsFrom({ HTTPS_PROXY: 'http://s:1', HTTP_PROXY: 'http://p:2' });
    const plainOnly = proxySettingsFrom({ HTTP_PROXY: 'http://p:2' });
    const secureOnly = proxySettingsFrom({ HTTPS_PROXY: 'http://s:1' });
    if (!both || !plainOnly || !secureOnly) throw new Error('settings');
    expect(proxyFor(both, new URL('https://graph.microsoft.com'))?.variable).toBe('HTTPS_PROXY');
    expect(proxyFor(both, new URL('http://127.0.0.1:4010'))?.variable).toBe('HTTP_PROXY');
    expect(proxyFor(plainOnly, new URL('https://graph.microsoft.com'))?.variable).toBe('HTTP_PROXY');
    expect(proxyFor(secureOnly, new URL('http://127.0.0.1:4010'))).toBeUndefined();
  });

  it('matches NO_PROXY entries: host, domain and its subdomains, .domain, host:port, * alone', () => {
    const routed = (noProxy: string, url: string): boolean => proxyFor({ httpsProxy: { url: new URL('http://p:1'), variable: 'HTTPS_PROXY' }, noProxy }, new URL(url)) !== undefined;
    expect(routed('microsoft.com', 'https://graph.microsoft.com')).toBe(false);
    expect(routed('.microsoft.com', 'https://graph.microsoft.com')).toBe(false);
    expect(routed('*.microsoft.com', 'https://login.microsoft.com')).toBe(false);
    expect(routed('graph.microsoft.com:443', 'https://graph.microsoft.com')).toBe(false);
    expect(routed('graph.microsoft.com:8443', 'https://graph.microsoft.com')).toBe(true);
    expect(routed('soft.com', 'https://graph.microsoft.com')).toBe(true);
    expect(routed('*', 'https://graph.microsoft.com')).toBe(false);
    expect(routed('localhost, 127.0.0.1', 'https://graph.microsoft.com')).toBe(true);
    expect(routed('[::1]', 'https://[::1]:8443')).toBe(false);
  });
});

// ---- plain http: the emulator through a forwarding proxy ----------------------------------------

describe('Graph and the emulator token endpoint through HTTP_PROXY (plain http, forwarded)', () => {
  let emulator: RunningEmulator;
  let proxy: ForwardingProxy;

  beforeAll(async () => {
    emulator = await startEmulator({ seed: contoso(), port: 0 });
    proxy = await startForwardingProxy();
  });

  afterAll(async () => {
    await proxy.close();
    await emulator.close();
  });

  const emulatorPort = (): string => new URL(emulator.url).port;

  it('sends the token request and every Graph request through the proxy, and says so', async () => {
    const before = proxy.seen.length;
    const connection = connectGraphTenant({ env: cliEnv(emulator.url, { HTTP_PROXY: proxy.url }), retry: noWait });
    const observed = await connection.tenant.readTenant({ mailboxUserPrincipalNames: [] });
    expect(observed.users.length).toBeGreaterThan(0);
    const lines = proxy.seen.slice(before).map((s) => s.line);
    expect(lines[0]).toMatch(new RegExp(`^POST ${emulator.url}/[^/]+/oauth2/v2\\.0/token$`, 'u'));
    expect(lines.some((l) => l.startsWith(`GET ${emulator.url}/v1.0/users?`))).toBe(true);
    expect(lines.every((l) => l.startsWith(`POST ${emulator.url}/`) || l.startsWith(`GET ${emulator.url}/`))).toBe(true);
    expect(connection.description).toContain(`via proxy ${proxy.url} (HTTP_PROXY)`);
  });

  it('honours lower-case http_proxy (curl reads only that one for http)', async () => {
    const before = proxy.seen.length;
    const { tenant } = connectGraphTenant({ env: cliEnv(emulator.url, { http_proxy: proxy.url }), retry: noWait });
    await tenant.readGrantedRoles();
    expect(proxy.seen.length).toBeGreaterThan(before);
  });

  it('does not use HTTPS_PROXY for plain http', async () => {
    const before = proxy.seen.length;
    const connection = connectGraphTenant({ env: cliEnv(emulator.url, { HTTPS_PROXY: proxy.url }), retry: noWait });
    await connection.tenant.readGrantedRoles();
    expect(proxy.seen.length).toBe(before);
    expect(connection.description).not.toContain('via proxy');
  });

  it.each([
    ['127.0.0.1', false],
    ['127.0.0.1:PORT', false],
    ['127.0.0.1:1', true],
    ['*', false],
    ['localhost', true],
    ['example.com, .0.0.1', false],
  ])('NO_PROXY=%s: proxied %s, as proxyFor says', async (entry, proxied) => {
    const noProxy = entry.replace('PORT', emulatorPort());
    const before = proxy.seen.length;
    const env = cliEnv(emulator.url, { HTTP_PROXY: proxy.url, NO_PROXY: noProxy });
    const connection = connectGraphTenant({ env, retry: noWait });
    await connection.tenant.readGrantedRoles();
    expect(proxy.seen.length > before).toBe(proxied);
    const settings = proxySettingsFrom(env);
    if (!settings) throw new Error('settings');
    expect(proxyFor(settings, new URL(emulator.url)) !== undefined).toBe(proxied);
    expect(connection.description.includes('via proxy')).toBe(proxied);
  });

  it('lets the proxy see the emulator request whole, Authorization included: plain http has no tunnel (docs/cli-reference.md §9)', () => {
    const graphRequest = proxy.seen.find((s) => s.line.startsWith('GET '));
    expect(graphRequest?.headers.authorization).toMatch(/^Bearer /u);
    expect(proxy.carried()).toContain(RECONCILER_SECRET);
  });

  it('a proxy that asks for a password: a clear sign-in error naming the variable, not retried', async () => {
    const demanding = await startForwardingProxy({ refuse: 407 });
    try {
      const { tenant } = connectGraphTenant({ env: cliEnv(emulator.url, { HTTP_PROXY: demanding.url }), retry: noWait });
      await expect(tenant.readGrantedRoles()).rejects.toThrow(`emulator: The proxy ${demanding.url} (HTTP_PROXY) refused to connect to ${new URL(emulator.url).host} (HTTP 407): it wants a user and password; put them in HTTP_PROXY as http://user:password@host:port.`);
      expect(demanding.seen).toHaveLength(1);
    } finally {
      await demanding.close();
    }
  });

  it('a proxy that is down: the network error names the proxy', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const { tenant } = connectGraphTenant({ env: cliEnv(emulator.url, { HTTP_PROXY: url }), retry: noWait, retryPolicy: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 1, maxRetryAfterMs: 0, maxThrottledWaitMs: 0 } });
    await expect(tenant.readGrantedRoles()).rejects.toThrow(`through the proxy ${url} (HTTP_PROXY) to ${new URL(emulator.url).host}`);
  });

  it('the CLI: a refusing proxy is one plain line on stderr (no stack), exit 1, and the secret nowhere', async () => {
    const demanding = await startForwardingProxy({ refuse: 407 });
    try {
      const dir = policyDir('users: []\n');
      const result = await runTenantctl(['plan', dir], { env: cliEnv(emulator.url, { HTTP_PROXY: demanding.url }) });
      expect(result.code, result.stderr).toBe(1);
      expect(result.stderr).toContain(`cannot sign in: emulator: The proxy ${demanding.url} (HTTP_PROXY) refused to connect`);
      expect(result.stderr).not.toMatch(/^\s+at /mu);
      expect(result.stdout + result.stderr).not.toContain(RECONCILER_SECRET);
    } finally {
      await demanding.close();
    }
  });
});

// ---- https: @azure/identity (MSAL) and Graph through CONNECT tunnels --------------------------

describe('Graph and @azure/identity sign-in through HTTPS_PROXY (CONNECT)', () => {
  const seed: Seed = contoso();
  const app = seed.apps[0] as Seed['apps'][number];
  let emulator: RunningEmulator;
  let front: HttpsFront;
  let proxy: ForwardingProxy;
  let directory: string;
  // One front (one self-signed CA: NODE_EXTRA_CA_CERTS cannot hold two certificates of the same
  // name), reached by two names, so the proxy's CONNECT lines tell sign-in from Graph: MSAL's
  // discovery and token requests go to 127.0.0.1 (the authority host, and the token endpoint its
  // discovery document names), Graph's to localhost.
  const login = (): URL => new URL(front.url);
  const graph = (): URL => new URL(`https://localhost:${login().port}`);

  beforeAll(async () => {
    emulator = await startEmulator({ seed, port: 0 });
    front = await startHttpsFront(emulator.url);
    proxy = await startForwardingProxy();
    directory = await mkdtemp(join(tmpdir(), 'tenantctl-proxy-'));
    await writeFile(join(directory, 'ca.pem'), front.caPem);
  });

  afterAll(async () => {
    await proxy.close();
    await front.close();
    await emulator.close();
    await rm(directory, { recursive: true, force: true });
  });

  const secret = (): string => {
    if (app.clientSecret === undefined) throw new Error('the fixture’s first app has a secret');
    return app.clientSecret;
  };

  const signInEnv = (): Record<string, string> => ({
    TENANTCTL_GRAPH_URL: graph().origin,
    AZURE_AUTHORITY_HOST: login().origin,
    AZURE_TENANT_ID: seed.tenantId,
    AZURE_CLIENT_ID: app.clientId,
    AZURE_CLIENT_SECRET: secret(),
  });

  /** identity-child.ts (ClientSecretCredential, then reads and a write) configured by environment alone; its result line. */
  const child = async (env: Record<string, string>, signal: AbortSignal): Promise<{ result: Record<string, unknown>; output: string }> => {
    const { stdout, stderr } = await run(process.execPath, [fileURLToPath(new URL('../support/identity-child.ts', import.meta.url))], {
      env: { PATH: process.env.PATH ?? '', NODE_EXTRA_CA_CERTS: join(directory, 'ca.pem'), ...signInEnv(), ...env },
      signal,
      killSignal: 'SIGKILL',
    });
    return { result: JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as Record<string, unknown>, output: stdout + stderr };
  };

  const connects = (since: number): Set<string> => new Set(proxy.seen.slice(since).map((s) => s.line));

  it('tunnels MSAL’s discovery and token requests and Graph’s; inside the tunnels the proxy sees no secret or token', async ({ signal }) => {
    const before = proxy.seen.length;
    const paths = front.paths.length;
    const { result, output } = await child({ HTTPS_PROXY: proxy.url }, signal);
    expect(result, output).toMatchObject({ credential: 'client-secret', users: expect.arrayContaining([['support@contoso.com', true]]) as unknown });
    expect(String(result.description)).toContain(`via proxy ${proxy.url} (HTTPS_PROXY)`);
    expect(connects(before)).toEqual(new Set([`CONNECT ${login().host}`, `CONNECT ${graph().host}`]));
    expect(front.paths.slice(paths).some((p) => p.startsWith(`/${seed.tenantId}/oauth2/v2.0/token`))).toBe(true);
    const carried = proxy.carried();
    expect(carried).not.toContain(secret());
    expect(carried).not.toMatch(/Bearer /u);
    expect(carried).not.toContain('client_secret');
    expect(output).not.toContain(secret());
  });

  it('NO_PROXY sends sign-in past the proxy while Graph still goes through it', async ({ signal }) => {
    const before = proxy.seen.length;
    const { result, output } = await child({ HTTPS_PROXY: proxy.url, NO_PROXY: '127.0.0.1' }, signal);
    expect(result, output).toMatchObject({ credential: 'client-secret' });
    expect(connects(before)).toEqual(new Set([`CONNECT ${graph().host}`]));
  });

  it('no_proxy for Graph’s host:port: only sign-in goes through the proxy (lower-case variables)', async ({ signal }) => {
    const before = proxy.seen.length;
    const { result, output } = await child({ https_proxy: proxy.url, no_proxy: graph().host }, signal);
    expect(result, output).toMatchObject({ credential: 'client-secret' });
    expect(String(result.description)).not.toContain('via proxy');
    expect(connects(before)).toEqual(new Set([`CONNECT ${login().host}`]));
  });

  it('the CLI: a proxy that refuses the tunnel to the authority is one plain sign-in error, exit 1, no stack, no secret', async () => {
    const refusing = await startForwardingProxy({ refuse: 403 });
    try {
      const dir = policyDir('users: []\n');
      const result = await runTenantctl(['plan', dir], { env: { ...signInEnv(), HTTPS_PROXY: refusing.url } });
      expect(result.code, result.stderr).toBe(1);
      // The whole reason, its first word included (errors.ts redacts the message, not the `client-secret:` label).
      expect(result.stderr).toContain(`cannot sign in: client-secret: The proxy ${refusing.url} (HTTPS_PROXY) refused to connect to ${login().host} (HTTP 403): allow that host on the proxy, or list it in NO_PROXY`);
      expect(result.stderr).not.toMatch(/^\s+at /mu);
      expect(result.stdout + result.stderr).not.toContain(secret());
      expect(refusing.seen.map((s) => s.line)).toContain(`CONNECT ${login().host}`);
    } finally {
      await refusing.close();
    }
  });
});
