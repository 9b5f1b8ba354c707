/**
 * Where plan --out and export --out write (src/cli/output-path.ts, issue 12): a path that cannot be
 * written is refused before the tenant is read (exit 1, the path and the reason named, no Graph
 * request in the emulator's log); a failure at write time is a plain error, never "internal error";
 * export writes atomically and never through a symbolic link in its output directory.
 */
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { describeFailure } from '../../src/cli/failures.ts';
import { checkOutputDirectory, checkOutputFile, OutputPathError } from '../../src/cli/output-path.ts';
import type { RunningEmulator } from '../../src/emulator/server.ts';
import { startEmulator } from '../../src/emulator/server.ts';
import { lastSeq, reseed, requestsSince } from '../support/apply-e2e.ts';
import type { CliRun } from '../support/cli.ts';
import { runTenantctl } from '../support/cli.ts';
import { contoso, FIXTURE_NOW, RECONCILER, TENANT_ID } from '../support/emulator.ts';

let emulator: RunningEmulator;
beforeAll(async () => {
  emulator = await startEmulator({ seed: contoso(), port: 0 });
});
afterAll(() => emulator.close());
beforeEach(() => reseed(emulator.url, contoso()));

const env = (): Record<string, string> => ({ TENANTCTL_GRAPH_URL: emulator.url, AZURE_TENANT_ID: TENANT_ID, AZURE_CLIENT_ID: RECONCILER, AZURE_CLIENT_SECRET: 'emulator-secret-reconciler' });

/** A fresh working directory holding a valid policy in policies/. */
function workspace(): string {
  const cwd = mkdtempSync(path.join(tmpdir(), 'tenantctl-out-'));
  mkdirSync(path.join(cwd, 'policies'));
  writeFileSync(
    path.join(cwd, 'policies', 'policy.yaml'),
    'apiVersion: tenantctl/v1\nkind: TenantPolicy\nlicenses:\n  e3: {sku: ENTERPRISEPACK}\nusers:\n  - {userPrincipalName: carol@contoso.com, displayName: Carol, licenses: [e3]}\n',
  );
  return cwd;
}

/** Runs tenantctl and returns the run with the Graph requests it made. */
async function run(args: readonly string[], cwd: string): Promise<CliRun & { requests: number }> {
  const since = await lastSeq(emulator.url);
  const result = await runTenantctl(args, { env: env(), cwd, now: FIXTURE_NOW });
  return { ...result, requests: (await requestsSince(emulator.url, since)).length };
}

/** A refusal before the tenant is read: exit 1, a plain sentence naming `named`, no request. */
function expectRefusedUpFront(result: CliRun & { requests: number }, named: string, reason: RegExp): void {
  expect(result.code, result.stderr).toBe(1);
  expect(result.stderr).toContain(named);
  expect(result.stderr).toMatch(reason);
  expect(result.stderr).not.toContain('internal error');
  expect(result.stdout).toBe('');
  expect(result.requests).toBe(0);
}

describe('plan --out', () => {
  it('a directory that does not exist: refused before the tenant is read', async () => {
    const cwd = workspace();
    const out = path.join(cwd, 'nonexistent-dir', 'p.json');
    const result = await run(['plan', '--out', out], cwd);
    expectRefusedUpFront(result, out, /the directory .*nonexistent-dir does not exist/u);
    expect(existsSync(path.join(cwd, 'nonexistent-dir'))).toBe(false);
  });

  it('a directory as --out: refused before the tenant is read', async () => {
    const cwd = workspace();
    mkdirSync(path.join(cwd, 'plans'));
    const result = await run(['plan', '--out', 'plans'], cwd);
    expectRefusedUpFront(result, 'plans', /plans: it is a directory/u);
  });

  it('a file where a directory is expected: refused before the tenant is read', async () => {
    const cwd = workspace();
    writeFileSync(path.join(cwd, 'notes'), 'a file\n');
    const result = await run(['plan', '--out', 'notes/p.json'], cwd);
    expectRefusedUpFront(result, 'notes/p.json', /notes is not a directory/u);
    expect(readFileSync(path.join(cwd, 'notes'), 'utf8')).toBe('a file\n');
  });

  it('a failure at write time is a plain error naming the path, not an internal error', async () => {
    const cwd = workspace();
    // A link to a file in a directory that does not exist passes the check (the link's directory
    // exists) and fails only when written.
    symlinkSync(path.join(cwd, 'gone', 'p.json'), path.join(cwd, 'p.json'));
    const result = await runTenantctl(['plan', '--out', 'p.json'], { env: env(), cwd, now: FIXTURE_NOW });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('tenantctl: cannot write p.json: no such file or directory');
    expect(result.stderr).not.toContain('internal error');
    expect(existsSync(path.join(cwd, 'gone'))).toBe(false);
  });

  it('a writable path still saves the plan', async () => {
    const cwd = workspace();
    const result = await run(['plan', '--out', 'p.json'], cwd);
    expect(result.stderr).not.toContain('internal error');
    expect(result.stderr).toContain('Saved the plan to p.json');
    expect(JSON.parse(readFileSync(path.join(cwd, 'p.json'), 'utf8'))).toMatchObject({ formatVersion: 2, tenantId: TENANT_ID });
    expect(result.requests).toBeGreaterThan(0);
  });
});

describe('export --out', () => {
  it('a file where the output directory is expected: refused before the tenant is read', async () => {
    const cwd = workspace();
    writeFileSync(path.join(cwd, 'hostname'), 'host\n');
    const result = await run(['export', '--out', 'hostname'], cwd);
    expectRefusedUpFront(result, 'hostname', /hostname: it is not a directory/u);
    expect(readFileSync(path.join(cwd, 'hostname'), 'utf8')).toBe('host\n');
  });

  it('/etc/hostname (a file) as --out: refused before the tenant is read', async () => {
    if (!existsSync('/etc/hostname') || lstatSync('/etc/hostname').isDirectory()) return;
    const cwd = workspace();
    const result = await run(['export', '--out', '/etc/hostname'], cwd);
    expectRefusedUpFront(result, '/etc/hostname', /it is not a directory/u);
  });

  it('a directory below a file: refused before the tenant is read', async () => {
    const cwd = workspace();
    writeFileSync(path.join(cwd, 'notes'), 'a file\n');
    const result = await run(['export', '--out', 'notes/adopted'], cwd);
    expectRefusedUpFront(result, 'notes/adopted', /notes is not a directory/u);
  });

  it('a dangling symbolic link in the output directory pointing outside: refused, nothing created outside', async () => {
    const cwd = workspace();
    const out = path.join(cwd, 'adopted');
    const outside = path.join(cwd, 'outside');
    mkdirSync(out);
    mkdirSync(outside);
    symlinkSync(path.join(outside, 'stolen.yaml'), path.join(out, 'people.yaml'));
    const result = await run(['export', '--out', 'adopted'], cwd);
    expectRefusedUpFront(result, path.join('adopted', 'people.yaml'), /symbolic link/u);
    expect(readdirSync(outside)).toEqual([]);
    // --force does not make it follow the link either.
    const forced = await run(['export', '--out', 'adopted', '--force'], cwd);
    expectRefusedUpFront(forced, path.join('adopted', 'people.yaml'), /symbolic link/u);
    expect(readdirSync(outside)).toEqual([]);
    expect(readdirSync(out).sort()).toEqual(['people.yaml']);
    expect(lstatSync(path.join(out, 'people.yaml')).isSymbolicLink()).toBe(true);
  });

  it('a link to an existing file outside, with --force: refused, the file outside unchanged', async () => {
    const cwd = workspace();
    const out = path.join(cwd, 'adopted');
    mkdirSync(out);
    writeFileSync(path.join(cwd, 'precious.yaml'), 'keep me\n');
    symlinkSync(path.join(cwd, 'precious.yaml'), path.join(out, '00-tenant.yaml'));
    const result = await run(['export', '--out', 'adopted', '--force'], cwd);
    expectRefusedUpFront(result, path.join('adopted', '00-tenant.yaml'), /symbolic link/u);
    expect(readFileSync(path.join(cwd, 'precious.yaml'), 'utf8')).toBe('keep me\n');
  });

  it('writes atomically: no temporary file is left, and --force replaces the files', async () => {
    const cwd = workspace();
    const first = await run(['export', '--out', 'adopted'], cwd);
    expect(first.code, first.stderr).toBe(0);
    writeFileSync(path.join(cwd, 'adopted', 'people.yaml'), '# edited\n');
    const forced = await run(['export', '--out', 'adopted', '--force'], cwd);
    expect(forced.code, forced.stderr).toBe(0);
    expect(readdirSync(path.join(cwd, 'adopted')).sort()).toEqual(['00-tenant.yaml', 'people.yaml']);
    expect(readFileSync(path.join(cwd, 'adopted', 'people.yaml'), 'utf8')).toContain('bob@contoso.com');
  });
});

describe('the output path checks on their own', () => {
  it('checkOutputFile: undefined for a writable path, a sentence naming the path otherwise', async () => {
    const cwd = mkdtempSync(path.join(tmpdir(), 'tenantctl-out-'));
    writeFileSync(path.join(cwd, 'existing.json'), '{}');
    expect(await checkOutputFile('new.json', cwd)).toBeUndefined();
    expect(await checkOutputFile('existing.json', cwd)).toBeUndefined();
    expect(await checkOutputFile('.', cwd)).toBe('cannot write .: it is a directory');
    expect(await checkOutputFile('missing/new.json', cwd)).toBe(`cannot write missing/new.json: the directory ${path.join(cwd, 'missing')} does not exist`);
    expect(await checkOutputFile('existing.json/new.json', cwd)).toBe(`cannot write existing.json/new.json: ${path.join(cwd, 'existing.json')} is not a directory`);
  });

  it('checkOutputDirectory: a directory to be created, an existing one, a file, a link or directory where a file goes', async () => {
    const cwd = mkdtempSync(path.join(tmpdir(), 'tenantctl-out-'));
    writeFileSync(path.join(cwd, 'file'), '');
    mkdirSync(path.join(cwd, 'out', 'a.yaml'), { recursive: true });
    symlinkSync('/nowhere', path.join(cwd, 'out', 'b.yaml'));
    expect(await checkOutputDirectory('new/deeper', cwd, ['a.yaml'])).toBeUndefined();
    expect(await checkOutputDirectory('out', cwd, ['c.yaml'])).toBeUndefined();
    expect(await checkOutputDirectory('file', cwd)).toBe('cannot write into file: it is not a directory');
    expect(await checkOutputDirectory('file/sub', cwd)).toBe(`cannot create file/sub: ${path.join(cwd, 'file')} is not a directory`);
    expect(await checkOutputDirectory('out', cwd, ['a.yaml'])).toBe(`cannot write ${path.join('out', 'a.yaml')}: it is a directory`);
    expect(await checkOutputDirectory('out', cwd, ['b.yaml'])).toMatch(/^cannot write out\/b\.yaml: it is a symbolic link/u);
  });

  it('an OutputPathError is a plain failure', () => {
    expect(describeFailure(new OutputPathError('cannot write p.json: no space left on the device'))).toBe('cannot write p.json: no space left on the device');
  });
});
