/**
 * `--log-level` / `TENANTCTL_LOG` and `--log-format` (docs/cli-reference.md §9, §11): at debug one line
 * per Graph request, `$batch` item and request sent for a token (or the Azure CLI's token) on stderr; retry decisions from info; nothing
 * new at the default (warn); the flag wins over the variable; a variable naming no level is a usage
 * error before anything is read. Durations are not asserted (no timing in tests).
 */
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RunningEmulator } from '../../src/emulator/server.ts';
import { startEmulator } from '../../src/emulator/server.ts';
import { cliEnv, FOUR_CHANGE_POLICY, lastSeq, policyDir, RECONCILER_SECRET, reseed, setFaults } from '../support/apply-e2e.ts';
import { runTenantctl } from '../support/cli.ts';
import { contoso, FIXTURE_NOW, RECONCILER, TENANT_ID } from '../support/emulator.ts';

let emulator: RunningEmulator;
let dir: string;
beforeAll(async () => {
  emulator = await startEmulator({ seed: contoso(), port: 0 });
  dir = policyDir(FOUR_CHANGE_POLICY);
});
afterAll(() => emulator.close());

function plan(args: readonly string[], env: Record<string, string> = {}) {
  return runTenantctl(['plan', dir, ...args], { env: cliEnv(emulator.url, env), now: FIXTURE_NOW });
}

describe('the debug log', () => {
  it('--log-level debug: a line per Graph request, per $batch item and for the token request, with status and request id', async () => {
    const run = await plan(['--log-level', 'debug']);
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stderr.split('\n');
    // The emulator's token endpoint: the one request sent for the token, as sent (host and path, never the body).
    expect(lines.filter((l) => l.startsWith('debug token: '))).toEqual([expect.stringMatching(new RegExp(`^debug token: POST 127\\.0\\.0\\.1:\\d+/${TENANT_ID}/oauth2/v2\\.0/token → 200, \\d+ ms$`, 'u'))]);
    expect(lines).toContainEqual(expect.stringMatching(/^debug graph: GET \/v1\.0\/users\?\$select=\S+&\$top=999 → 200, \d+ ms, request-id [0-9a-f-]{36}$/u));
    expect(lines).toContainEqual(expect.stringMatching(/^debug graph: POST \/v1\.0\/\$batch → 200, \d+ ms, request-id [0-9a-f-]{36}$/u));
    expect(lines).toContainEqual(expect.stringMatching(/^debug graph: \$batch item GET \/users\/[0-9a-f-]{36}\/mailboxSettings\/userPurpose → 200 \(in \$batch [0-9a-f-]{36}\)$/u));
    expect(run.stdout).toContain('tenantctl will make these changes');
    expect(run.stdout).not.toContain('debug');
  });

  it('--log-format json: one JSON object per line with time, level, event, method, path, status, requestId, durationMs', async () => {
    const run = await plan(['--log-level', 'debug', '--log-format', 'json']);
    expect(run.code, run.stderr).toBe(0);
    const entries = run.stderr.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
    const users = entries.find((e) => e.event === 'request' && String(e.path).startsWith('/v1.0/users?'));
    expect(users).toMatchObject({ level: 'debug', method: 'GET', status: 200, requestId: expect.stringMatching(/^[0-9a-f-]{36}$/u), durationMs: expect.any(Number) });
    expect(Number.isNaN(Date.parse(String(users?.time)))).toBe(false);
    expect(entries.filter((e) => e.event === 'token')).toEqual([{ time: expect.any(String), level: 'debug', event: 'token', method: 'POST', host: expect.stringMatching(/^127\.0\.0\.1:\d+$/u), path: `/${TENANT_ID}/oauth2/v2.0/token`, status: 200, durationMs: expect.any(Number) }]);
    expect(entries.some((e) => e.event === 'batch-item' && e.status === 200)).toBe(true);
  });

  it('retry and throttle decisions: retrying after 429 with Retry-After, and after 5xx with backoff (info and debug)', async () => {
    await setFaults(emulator.url, { seed: 3, throttle: 0.3, error5xx: 0.1 });
    try {
      const run = await plan(['--log-level', 'info', '--log-format', 'json']);
      expect(run.code, run.stderr).toBe(0);
      const retries = run.stderr.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(retries.length).toBeGreaterThan(0);
      expect(retries.every((e) => e.level === 'info' && e.event === 'retry')).toBe(true);
      expect(retries.map((e) => e.message)).toContainEqual(expect.stringMatching(/^retrying after 429, Retry-After [\d.]+ s, attempt \d of 7/u));
      expect(retries[0]).toMatchObject({ method: 'GET', status: expect.any(Number), attempt: expect.any(Number), maxAttempts: 7, waitMs: expect.any(Number) });
    } finally {
      await setFaults(emulator.url, {});
      await reseed(emulator.url, contoso());
    }
  });

  it('TENANTCTL_LOG=debug (any case) logs as the flag does; the flag wins over it; the default (warn) adds nothing', async () => {
    const fromEnv = await plan([], { TENANTCTL_LOG: 'DEBUG' });
    expect(fromEnv.stderr).toMatch(/^debug graph: GET \/v1\.0\/users/mu);
    const flagWins = await plan(['--log-level', 'warn'], { TENANTCTL_LOG: 'debug' });
    expect(flagWins.stderr).not.toMatch(/^(debug|info) /mu);
    const flagWinsOverInvalid = await plan(['--log-level', 'error'], { TENANTCTL_LOG: 'verbose' });
    expect(flagWinsOverInvalid.code).toBe(0);
    const byDefault = await plan([]);
    expect(byDefault.code).toBe(0);
    expect(byDefault.stderr).toBe('');
  });

  it('a TENANTCTL_LOG that names no level: exit 1, the choices named, nothing read from Graph', async () => {
    const before = await lastSeq(emulator.url);
    for (const command of [['plan', dir], ['apply', dir, '--auto-approve'], ['export', '--out', dir]]) {
      const run = await runTenantctl(command, { env: cliEnv(emulator.url, { TENANTCTL_LOG: 'verbose' }), now: FIXTURE_NOW });
      expect(run.code).toBe(1);
      expect(run.stderr).toBe('error: TENANTCTL_LOG="verbose" is not a log level; set it to one of error, warn, info, debug (or pass --log-level).\n');
      expect(run.stdout).toBe('');
    }
    expect(await lastSeq(emulator.url)).toBe(before);
  });

  it('an unknown --log-level or --log-format is refused by the option parser, naming the choices', async () => {
    const level = await plan(['--log-level', 'trace']);
    expect(level.code).toBe(1);
    expect(level.stderr).toContain('Allowed choices are error, warn, info, debug');
    const format = await plan(['--log-format', 'yaml']);
    expect(format.code).toBe(1);
    expect(format.stderr).toContain('Allowed choices are text, json');
  });
});

describe('the debug log of a token the Azure CLI gives', () => {
  let bin: string;
  beforeAll(async () => {
    bin = await mkdtemp(join(tmpdir(), 'tenantctl-fake-az-'));
  });
  afterAll(() => rm(bin, { recursive: true, force: true }));
  afterEach(() => vi.unstubAllEnvs());

  it.skipIf(process.platform === 'win32')('says the Azure CLI (az) gave it, and logs no token request: tenantctl sent none', async () => {
    // A fake `az` first on PATH printing a token the emulator accepts, as `az account get-access-token` would.
    const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: RECONCILER, client_secret: RECONCILER_SECRET, scope: 'https://graph.microsoft.com/.default' });
    const answer = (await (await fetch(`${emulator.url}/${TENANT_ID}/oauth2/v2.0/token`, { method: 'POST', body: form })).json()) as { access_token: string };
    const output = JSON.stringify({ accessToken: answer.access_token, expires_on: Math.floor(Date.now() / 1000) + 3599, tenant: TENANT_ID, tokenType: 'Bearer' });
    await writeFile(join(bin, 'az'), `#!/bin/sh\nprintf '%s' '${output}'\n`);
    await chmod(join(bin, 'az'), 0o755);
    vi.stubEnv('PATH', `${bin}${delimiter}${process.env.PATH ?? ''}`);
    // With AZURE_AUTHORITY_HOST set, a loopback Graph is not the emulator's own sign-in: the credential rules apply.
    const env = { TENANTCTL_GRAPH_URL: emulator.url, AZURE_AUTHORITY_HOST: 'https://login.example.test', AZURE_TOKEN_CREDENTIALS: 'AzureCliCredential', AZURE_TENANT_ID: TENANT_ID };
    const run = await runTenantctl(['plan', dir, '--log-level', 'debug'], { env, now: FIXTURE_NOW });
    expect(run.code, run.stderr).toBe(0);
    const tokenLines = run.stderr.split('\n').filter((l) => l.startsWith('debug token'));
    expect(tokenLines).toEqual([expect.stringMatching(/^debug token: from the Azure CLI \(az\), \d+ ms$/u)]);
    expect(run.stderr).toMatch(/^debug graph: GET \/v1\.0\/users/mu);
    expect(run.stderr).not.toContain(answer.access_token);
  });
});
