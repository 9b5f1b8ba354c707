// `tenantctl validate` end to end: the real bin/tenantctl.js in a child process, run by the
// Node 24 from devDependencies, with the repository root as working directory. Each command line
// runs once, in the first test that reads it (later tests reuse its output), and asynchronously:
// each test waits for its own child process only, so no hook's or test's time grows with the number
// of command lines, and the worker's event loop keeps running meanwhile (no spawnSync).
import { execFile } from 'node:child_process';
import type { ExecFileException } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repo = path.resolve(import.meta.dirname, '../..');
const node = path.join(repo, 'node_modules', '.bin', 'node');

interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Every command line's run, by its arguments: each is spawned once. */
const runs = new Map<string, Promise<Run>>();

function spawnTenantctl(args: readonly string[]): Promise<Run> {
  // Output as users see it by default: no forced colour, no debug stack traces.
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !['NO_COLOR', 'FORCE_COLOR', 'TENANTCTL_DEBUG'].includes(name)));
  // No deadline of its own: the test that waits for it has vitest's.
  return new Promise((resolve, reject) => {
    execFile(node, ['bin/tenantctl.js', ...args], { cwd: repo, encoding: 'utf8', env }, (error: ExecFileException | null, stdout, stderr) => {
      // A non-zero exit is a result here (error.code is the exit status); failing to start is not.
      if (error && typeof error.code !== 'number' && error.signal === undefined) reject(error);
      else resolve({ status: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr });
    });
  });
}

function tenantctl(...args: string[]): Promise<Run> {
  const key = JSON.stringify(args);
  let run = runs.get(key);
  if (!run) {
    run = spawnTenantctl(args);
    runs.set(key, run);
  }
  return run;
}

/** `file:line:col  severity  code  message`, with exactly two spaces between the fields. */
const DIAGNOSTIC_LINE = /^(\S+):(\d+):(\d+) {2}(error|warning|info) {2}([a-z]+(?:-[a-z]+)*) {2}(\S.*)$/u;

// One file, five different mistakes, on lines 4, 8, 12, 13 and 18.
const FIVE_MISTAKES = [
  'apiVersion: tenantctl/v1',
  'kind: TenantPolicy',
  'defaults:',
  '  usageLocaton: NL',
  'licenses:',
  '  e3:',
  '    sku: ENTERPRISEPACK',
  '    disabledPlans: [YAMMER_ENTERPRSE]',
  'users:',
  '  - userPrincipalName: alice@contoso.com',
  '    displayName: Alice',
  '    licenses: [e5]',
  '  - userPrincipalName: bob@@contoso.com',
  '    displayName: Bob',
  '  - userPrincipalName: carol@contoso.com',
  '    displayName: Carol',
  '    licenses: [e3]',
  '    usageLocation: UK',
  '',
].join('\n');

let dir = '';
let policyFile = '';

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'tenantctl-cli-'));
  policyFile = path.join(dir, 'tenant.yaml');
  await writeFile(policyFile, FIVE_MISTAKES);
});

// The command lines the tests read.
const validRun = (): Promise<Run> => tenantctl('validate', 'policies/');
const defaultPathRun = (): Promise<Run> => tenantctl('validate');
const invalidTextRun = (): Promise<Run> => tenantctl('validate', dir);
const invalidJsonRun = (): Promise<Run> => tenantctl('validate', '--format', 'json', dir);
const badFormatRun = (): Promise<Run> => tenantctl('validate', '--format', 'yaml', 'policies/');
const unknownCommandRun = (): Promise<Run> => tenantctl('frobnicate');
const helpRun = (): Promise<Run> => tenantctl('--help');
const ALL = [validRun, defaultPathRun, invalidTextRun, invalidJsonRun, badFormatRun, unknownCommandRun, helpRun];

afterAll(async () => {
  if (dir !== '') await rm(dir, { recursive: true, force: true });
});

describe('tenantctl validate', () => {
  it('exits 0 on the example policies/ and prints a Valid: summary', async () => {
    const valid = await validRun();
    expect(valid.stderr).toBe('');
    expect(valid.status).toBe(0);
    expect(valid.stdout).toMatch(/^Valid: 2 files, \d+ users, \d+ mailboxes, \d+ license sets\.\n$/u);
  });

  it('uses policies/ when no path is given', async () => {
    const defaultPath = await defaultPathRun();
    expect(defaultPath.status).toBe(0);
    expect(defaultPath.stdout).toBe((await validRun()).stdout);
  });

  it('exits 1 on five mistakes and prints one line for each, then an Invalid: summary', async () => {
    const invalidText = await invalidTextRun();
    expect(invalidText.status).toBe(1);
    expect(invalidText.stderr).toBe('');
    const lines = invalidText.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(6);
    const parsed = lines.slice(0, 5).map((line) => {
      const match = DIAGNOSTIC_LINE.exec(line);
      expect(match, line).not.toBeNull();
      return { file: match?.[1], line: Number(match?.[2]), column: Number(match?.[3]), severity: match?.[4], code: match?.[5] };
    });
    expect(parsed).toEqual([
      { file: policyFile, line: 4, column: 3, severity: 'error', code: 'unknown-key' },
      { file: policyFile, line: 8, column: 21, severity: 'error', code: 'unknown-service-plan' },
      { file: policyFile, line: 12, column: 16, severity: 'error', code: 'unknown-license-set' },
      { file: policyFile, line: 13, column: 24, severity: 'error', code: 'invalid-upn' },
      { file: policyFile, line: 18, column: 20, severity: 'error', code: 'invalid-country-code' },
    ]);
    expect(lines[5]).toBe('Invalid: 5 errors in 1 file.');
  });

  it('prints versioned JSON with --format json', async () => {
    const invalidJson = await invalidJsonRun();
    expect(invalidJson.status).toBe(1);
    expect(invalidJson.stderr).toBe('');
    const report = JSON.parse(invalidJson.stdout) as Record<string, unknown>;
    expect(report).toMatchObject({ formatVersion: 1, valid: false, files: [policyFile], summary: { errors: 5, warnings: 0, infos: 0 } });
    const diagnostics = report.diagnostics as Record<string, unknown>[];
    expect(diagnostics).toHaveLength(5);
    for (const d of diagnostics) {
      expect(d).toEqual(
        expect.objectContaining({
          severity: 'error',
          code: expect.any(String),
          message: expect.any(String),
          file: policyFile,
          line: expect.any(Number),
          column: expect.any(Number),
        }),
      );
    }
    expect(diagnostics.map((d) => `${String(d.line)}:${String(d.column)} ${String(d.code)}`)).toEqual([
      '4:3 unknown-key',
      '8:21 unknown-service-plan',
      '12:16 unknown-license-set',
      '13:24 invalid-upn',
      '18:20 invalid-country-code',
    ]);
  });

  it('refuses --format yaml with a usage error on stderr and exit 1', async () => {
    const badFormat = await badFormatRun();
    expect(badFormat.status).toBe(1);
    expect(badFormat.stdout).toBe('');
    expect(badFormat.stderr).toMatch(/--format/u);
    expect(badFormat.stderr).toMatch(/yaml/u);
    expect(badFormat.stderr).toMatch(/text, json/u);
  });
});

describe('tenantctl', () => {
  it('exits 1 on an unknown command, saying so on stderr', async () => {
    const unknownCommand = await unknownCommandRun();
    expect(unknownCommand.status).toBe(1);
    expect(unknownCommand.stdout).toBe('');
    expect(unknownCommand.stderr).toMatch(/unknown command 'frobnicate'/u);
  });

  it('exits 0 on --help and lists validate', async () => {
    const help = await helpRun();
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^Usage: tenantctl/u);
    expect(help.stdout).toMatch(/\n {2}validate /u);
  });

  it('never prints a stack trace', async () => {
    // Every command line above (already run, unless this test runs alone).
    const all = await Promise.all(ALL.map((run) => run()));
    expect(runs.size).toBe(7);
    for (const run of all) {
      expect(run.stdout).not.toContain('    at ');
      expect(run.stderr).not.toContain('    at ');
    }
  });
});
