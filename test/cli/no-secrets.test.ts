/**
 * Issue 14's "done when": no token, secret, password or client assertion in anything tenantctl
 * writes. Every command runs at --log-level debug, as text and as JSON lines, with a known client
 * secret, a client assertion (a federated token, the emulator's workload identity) and the access
 * tokens the emulator issues, and fails in every way the suite can provoke: a wrong secret, an
 * assertion the app does not trust, 401 and 403 from Graph, 429 and 503 storms that outlast the wait
 * limit, and the emulator's own throttling, 5xx answers and connection resets on the way to success.
 * A created user's password is known (the password module is replaced). Then stdout, stderr and every
 * file the runs wrote (saved plans, audit logs, exported policies) are searched for all of them.
 */
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RunningEmulator } from '../../src/emulator/server.ts';
import { startEmulator } from '../../src/emulator/server.ts';
import type { Seed } from '../../src/emulator/directory/model.ts';
import { FOUR_CHANGE_POLICY, reseed, setFaults, tempDir, writePolicy } from '../support/apply-e2e.ts';
import type { CliRun } from '../support/cli.ts';
import { runTenantctl } from '../support/cli.ts';
import { contoso, FIXTURE_NOW, TENANT_ID, withFederatedApp } from '../support/emulator.ts';
import type { LocalOidcIssuer } from '../support/oidc-issuer.ts';
import { startOidcIssuer } from '../support/oidc-issuer.ts';

const KNOWN_PASSWORD = 'Known-Password-4b1d9e7c!aA1';
vi.mock('../../src/engine/passwords.ts', () => ({ newUserPassword: () => KNOWN_PASSWORD }));

/** Secrets of no recognisable shape: only verbatim redaction can keep them out. */
const SECRET_APP = '5e1c0000-0000-4000-8000-00000000b001';
const KNOWN_SECRET = 'known-client-secret-c0ffee-51a7';
const WRONG_SECRET = 'wrong-client-secret-deadbeef-77';
const NO_ROLES_APP = '5e1c0000-0000-4000-8000-00000000b002';
const NO_ROLES_SECRET = 'no-roles-secret-0a1b2c3d4e5f';
const FEDERATED_APP = '5e1c0000-0000-4000-8000-00000000b003';
const REPO = new URL('../../', import.meta.url).pathname;
const SUBJECT = 'system:serviceaccount:tenant:tenantctl';
const JWT = /eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/u;

/** Creates hana (a password), restores dave, licenses carol, blocks the shared mailbox. */
const POLICY = FOUR_CHANGE_POLICY.replace('mailboxes:\n', '  - {userPrincipalName: hana@contoso.com, displayName: Hana Smit, licenses: [e3]}\nmailboxes:\n');

let oidc: LocalOidcIssuer;
let emulator: RunningEmulator;
let seed: Seed;
let work: string;
/** Every access token and assertion seen on the wire, and every output and file, for the final search. */
const tokens = new Set<string>();
const assertions = new Set<string>();
const outputs: { readonly what: string; readonly text: string }[] = [];
/** What the fetch spy does to Graph's requests (not the token endpoint's). */
let graphFault: 'none' | 'bad-token' | 'storm-429' | 'storm-503' = 'none';

const realFetch = globalThis.fetch;

beforeAll(async () => {
  oidc = await startOidcIssuer();
  seed = contoso((draft) => {
    const reconciler = draft.apps[0];
    if (reconciler === undefined) throw new Error('the fixture has no reconciler');
    draft.apps.push({ clientId: SECRET_APP, clientSecret: KNOWN_SECRET, roles: [...reconciler.roles], displayName: 'known secret' });
    draft.apps.push({ clientId: NO_ROLES_APP, clientSecret: NO_ROLES_SECRET, roles: [], displayName: 'no roles' });
    withFederatedApp(draft, FEDERATED_APP, [{ issuer: oidc.url, subject: SUBJECT }]);
  });
  emulator = await startEmulator({ seed, port: 0 });
  work = tempDir('tenantctl-no-secrets-');
  // Every request the CLI makes goes through the global fetch it picks up when it connects.
  vi.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const isToken = url.includes('/oauth2/v2.0/token');
    if (isToken && typeof init?.body === 'object' && init.body instanceof URLSearchParams) {
      const assertion = init.body.get('client_assertion');
      if (assertion) assertions.add(assertion);
    }
    if (!isToken && url.startsWith(emulator.url) && !url.includes('/_emulator/')) {
      if (graphFault === 'storm-429' || graphFault === 'storm-503') {
        const status = graphFault === 'storm-429' ? 429 : 503;
        // Longer than the client waits (retry.ts maxRetryAfterMs): given up at once.
        return new Response(JSON.stringify({ error: { code: status === 429 ? 'TooManyRequests' : 'ServiceUnavailable', message: `storm; Authorization: Bearer ${[...tokens][0] ?? 'x'}` } }), { status, headers: { 'Content-Type': 'application/json', 'Retry-After': '400', 'request-id': 'storm' } });
      }
      if (graphFault === 'bad-token') {
        const headers = new Headers(init?.headers);
        const token = (headers.get('Authorization') ?? '').replace(/^Bearer /u, '');
        const tampered = `${token.slice(0, -6)}AAAAAA`;
        tokens.add(tampered);
        headers.set('Authorization', `Bearer ${tampered}`);
        return realFetch(input, { ...init, headers });
      }
    }
    const response = await realFetch(input, init);
    if (isToken && response.ok) {
      const body = (await response.clone().json()) as { access_token?: unknown };
      if (typeof body.access_token === 'string') tokens.add(body.access_token);
    }
    return response;
  });
});
afterEach(async () => {
  graphFault = 'none';
  await setFaults(emulator.url, {});
});
afterAll(async () => {
  vi.restoreAllMocks();
  await emulator.close();
  await oidc.close();
});

type Credential = 'secret' | 'wrong-secret' | 'assertion' | 'untrusted-assertion' | 'no-roles';

/** The environment of a run: the emulator, the credential, debug logs. */
function environment(credential: Credential): Record<string, string> {
  const base = { TENANTCTL_GRAPH_URL: emulator.url, TENANTCTL_NOW: FIXTURE_NOW, AZURE_TENANT_ID: TENANT_ID, TENANTCTL_LOG: 'debug' };
  switch (credential) {
    case 'secret':
      return { ...base, AZURE_CLIENT_ID: SECRET_APP, AZURE_CLIENT_SECRET: KNOWN_SECRET };
    case 'wrong-secret':
      return { ...base, AZURE_CLIENT_ID: SECRET_APP, AZURE_CLIENT_SECRET: WRONG_SECRET };
    case 'no-roles':
      return { ...base, AZURE_CLIENT_ID: NO_ROLES_APP, AZURE_CLIENT_SECRET: NO_ROLES_SECRET };
    case 'assertion':
    case 'untrusted-assertion': {
      const file = path.join(work, `federated-${credential}.jwt`);
      const assertion = oidc.issue(credential === 'assertion' ? { subject: SUBJECT } : { subject: SUBJECT, signer: 'unknown-key' });
      assertions.add(assertion);
      writeFileSync(file, assertion);
      return { ...base, AZURE_CLIENT_ID: FEDERATED_APP, AZURE_FEDERATED_TOKEN_FILE: file };
    }
  }
}

async function run(what: string, args: readonly string[], env: Record<string, string>, cwd = work): Promise<CliRun> {
  const result = await runTenantctl(args, { env, cwd, now: FIXTURE_NOW });
  outputs.push({ what, text: `${result.stdout}\n${result.stderr}` });
  return result;
}

/** Every file under `dir`, as text. */
function filesUnder(dir: string): { readonly what: string; readonly text: string }[] {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    return statSync(file).isDirectory() ? filesUnder(file) : [{ what: file, text: readFileSync(file, 'utf8') }];
  });
}

const FORMATS = ['text', 'json'] as const;
const CREDENTIALS: readonly Credential[] = ['secret', 'assertion', 'wrong-secret', 'untrusted-assertion', 'no-roles'];
const GRAPH_FAULTS = ['bad-token', 'storm-429', 'storm-503'] as const;
/** The emulator's own faults, on the way to success: throttling, 5xx answers, connection resets. */
const EMULATOR_FAULTS = { seed: 14, throttle: 0.15, error5xx: 0.1, reset: 0.1 };

describe('no token, secret, password or assertion in any output, log, plan, audit line or exported file', () => {
  it.each(FORMATS)('every command, failing every way, at --log-level debug (%s)', async (format) => {
    const dir = path.join(work, format);
    mkdirSync(dir, { recursive: true });
    const policy = path.join(dir, 'policies');
    mkdirSync(policy, { recursive: true });
    writePolicy(policy, POLICY);
    const log = ['--log-level', 'debug', '--log-format', format];
    const planFile = path.join(dir, 'plan.json');
    const commands = (tag: string): [string, string[]][] => [
      [`plan ${tag}`, ['plan', policy, '--out', planFile, ...log]],
      [`apply saved ${tag}`, ['apply', planFile, '--policy', policy, '--auto-approve', '--audit-log', path.join(dir, `audit-${tag}.jsonl`), ...log]],
      [`apply paths ${tag}`, ['apply', policy, '--auto-approve', '--audit-log', path.join(dir, `audit-paths-${tag}.jsonl`), ...log]],
      [`export ${tag}`, ['export', '--out', path.join(dir, `export-${tag}`), '--force', ...log]],
    ];

    // Each credential, with the emulator's faults on the way (the good ones succeed despite them).
    for (const credential of CREDENTIALS) {
      await emulatorReseed();
      await setFaults(emulator.url, EMULATOR_FAULTS);
      for (const [what, args] of commands(credential)) await run(what, args, environment(credential));
      await setFaults(emulator.url, {});
    }
    // Graph refusing the token (401), and storms that outlast the wait limit (429, 503).
    for (const fault of GRAPH_FAULTS) {
      await emulatorReseed();
      graphFault = 'none';
      await run(`plan for ${fault}`, ['plan', policy, '--out', planFile, ...log], environment('secret'));
      graphFault = fault;
      for (const [what, args] of commands(fault)) {
        const result = await run(what, args, environment('assertion'));
        expect(result.code, `${what}: ${result.stderr}`).toBe(1);
      }
      graphFault = 'none';
    }
    // The commands that talk to no tenant, with the secrets in their environment.
    const env = environment('secret');
    await run('validate', ['validate', policy], env);
    await run('show', ['show', planFile], env);
    const seedFile = path.join(dir, 'seed.json');
    writeFileSync(seedFile, JSON.stringify(seed));
    await run('emulator', ['emulator', '--seed', seedFile, '--port', '0'], env);

    const logged = outputs.map((o) => o.text).join('\n');
    // The runs did what they are here for: debug lines, retries, failures of each kind, a created user.
    expect(logged).toMatch(format === 'json' ? /"event":"request"/u : /debug graph: GET \/v1\.0\/users/u);
    expect(logged).toMatch(format === 'json' ? /"event":"token"/u : /debug token: POST 127\.0\.0\.1/u);
    expect(logged).toMatch(/retrying after/u);
    expect(logged).toMatch(/giving up after 429/u);
    expect(logged).toMatch(/giving up after 503/u);
    expect(logged).toMatch(/→ 401|"status":401/u);
    expect(logged).toMatch(/→ 403|"status":403/u);
    expect(logged).toContain('cannot sign in');
    expect(logged).toContain('created');
    expect(filesUnder(dir).some((f) => f.what.includes('audit-secret'))).toBe(true);
  }, 240_000);

  it('the demo, at TENANTCTL_LOG=debug', async () => {
    const demo = await run('demo', ['demo'], { TENANTCTL_LOG: 'debug' }, REPO);
    expect(demo.code, demo.stderr).toBe(0);
  }, 120_000);

  it('holds none of them, anywhere', () => {
    const secrets = [KNOWN_SECRET, WRONG_SECRET, NO_ROLES_SECRET, KNOWN_PASSWORD, ...tokens, ...assertions];
    expect(tokens.size).toBeGreaterThan(1);
    expect(assertions.size).toBeGreaterThan(1);
    const everything = [...outputs, ...filesUnder(work).filter((f) => !f.what.endsWith('.jwt') && !f.what.endsWith('seed.json'))];
    expect(everything.length).toBeGreaterThan(50);
    for (const { what, text } of everything) {
      for (const secret of secrets) expect(text.includes(secret), `${what} holds ${secret.slice(0, 12)}…`).toBe(false);
      expect(text, what).not.toMatch(JWT);
      expect(text, what).not.toMatch(/Bearer\s+(?!\[redacted\])/iu);
    }
  });
});

function emulatorReseed(): Promise<void> {
  return reseed(emulator.url, seed);
}
