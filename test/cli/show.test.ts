/**
 * `tenantctl show PLAN.json [--format text|markdown|json]` (issue 14): a saved plan printed with the
 * renderers `plan` uses, offline (no tenant read, no credentials), refusing what `apply` refuses.
 * Exit 0 whenever the plan is shown, whatever it holds (as `terraform show`); 1 when it cannot be.
 */
import { mkdirSync, mkdtempSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_SAVED_PLAN_BYTES } from '../../src/domain/plan-format.ts';
import type { RunningEmulator } from '../../src/emulator/server.ts';
import { startEmulator } from '../../src/emulator/server.ts';
import { cliEnv, lastSeq, policyDir, requestsSince, tenantctl } from '../support/apply-e2e.ts';
import { runTenantctl } from '../support/cli.ts';
import { contoso } from '../support/emulator.ts';

const repo = new URL('../../', import.meta.url).pathname;
const golden = (name: string): string => readFileSync(path.join(repo, 'test/fixtures/golden', name), 'utf8');

/** `tenantctl show ARGS` in the repository, with no environment at all: no Graph URL, no credentials. */
const show = (args: readonly string[], cwd = repo): ReturnType<typeof runTenantctl> => runTenantctl(['show', ...args], { cwd, env: {} });

function tempDir(): string {
  return mkdtempSync(path.join(tmpdir(), 'tenantctl-show-'));
}

describe('tenantctl show: a saved plan, as plan printed it', () => {
  it.each([
    ['text (the default)', [], 'txt'],
    ['text', ['--format', 'text'], 'txt'],
    ['markdown', ['--format', 'markdown'], 'md'],
    ['json: the saved plan\'s own bytes', ['--format', 'json'], 'json'],
  ] as const)('prints %s, with no credentials, and exits 0 though the plan holds errors', async (_name, format, extension) => {
    const run = await show(['test/fixtures/golden/plan-every-action.json', ...format]);
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe(golden(`plan-every-action.${extension}`));
    expect(run.code).toBe(0);
  });

  it.each(['converged', 'tenant-mismatch'])('prints the %s plan as its golden text', async (name) => {
    const run = await show([`test/fixtures/golden/plan-${name}.json`]);
    expect([run.code, run.stdout]).toEqual([0, golden(`plan-${name}.txt`)]);
  });

  it('shows a formatVersion 1 plan, as the version 2 plan it reads as', async () => {
    const dir = tempDir();
    const v1 = golden('plan-converged.json').replace('"formatVersion": 2', '"formatVersion": 1');
    writeFileSync(path.join(dir, 'old.json'), v1);
    const run = await show(['old.json', '--format', 'json'], dir);
    expect([run.code, run.stdout]).toEqual([0, golden('plan-converged.json')]);
  });
});

describe('tenantctl show: a plan saved against the emulator', () => {
  let emulator: RunningEmulator;
  beforeAll(async () => {
    emulator = await startEmulator({ seed: contoso(), port: 0 });
  });
  afterAll(() => emulator.close());

  it('prints what plan printed, in every format, and sends no request to Graph', async () => {
    const dir = policyDir('users:\n  - {userPrincipalName: dave@contoso.com, displayName: Dave, licenses: [e3]}\n  - {userPrincipalName: carol@contoso.com, displayName: Carol, licenses: [e3-no-yammer]}\n');
    const file = path.join(dir, 'plan.json');
    const planned = { text: await tenantctl(emulator.url, ['plan', dir, '--out', file]), markdown: await tenantctl(emulator.url, ['plan', dir, '--format', 'markdown']) };
    expect(planned.text.stdout).toContain('will be restored');
    const since = await lastSeq(emulator.url);
    // The emulator's URL and credentials are in the environment: show must not use them.
    const shown = {
      text: await runTenantctl(['show', file], { env: cliEnv(emulator.url) }),
      markdown: await runTenantctl(['show', file, '--format', 'markdown'], { env: cliEnv(emulator.url) }),
      json: await runTenantctl(['show', file, '--format', 'json'], { env: cliEnv(emulator.url) }),
    };
    expect(shown.text.stdout).toBe(planned.text.stdout);
    expect(shown.markdown.stdout).toBe(planned.markdown.stdout);
    expect(shown.json.stdout).toBe(readFileSync(file, 'utf8'));
    expect([shown.text.code, shown.markdown.code, shown.json.code]).toEqual([0, 0, 0]);
    expect(await requestsSince(emulator.url, since)).toEqual([]);
  });
});

describe('tenantctl show: what it refuses (exit 1, the reason named, nothing on stdout)', () => {
  const dir = tempDir();
  const write = (name: string, text: string): string => {
    writeFileSync(path.join(dir, name), text);
    return name;
  };
  const plan = JSON.parse(golden('plan-every-action.json')) as { changes: { details: Record<string, unknown> }[] };

  it.each<[string, () => string, string | RegExp]>([
    ['a missing file', () => 'no/such/plan.json', 'tenantctl show: cannot read no/such/plan.json: no such file or directory\n'],
    ['a directory', () => {
      mkdirSync(path.join(dir, 'plans.json'), { recursive: true });
      return 'plans.json';
    }, 'tenantctl show: cannot read plans.json: it is a directory\n'],
    ['a file that is not JSON', () => write('notes.json', 'not json'), /^tenantctl show: notes\.json is not JSON; save a plan with: tenantctl plan --out notes\.json\n$/u],
    ['a plan of an unknown formatVersion', () => write('future.json', golden('plan-converged.json').replace('"formatVersion": 2', '"formatVersion": 3')), /future\.json has formatVersion 3; this tenantctl reads 1 and 2\. Make the plan again/u],
    ['a plan edited by hand, naming the field', () => {
      const edited = structuredClone(plan);
      const first = edited.changes[0];
      if (first) first.details.daysLeft = 'many';
      return write('edited.json', JSON.stringify(edited));
    }, /edited\.json is not a plan tenantctl wrote: changes\[0\]\.details\.daysLeft must be a number, not "many"/u],
    ['a plan whose summary was edited', () => write('summary.json', golden('plan-converged.json').replace('"summary": {}', '"summary": {"restore-user": 1}')), /summary\.json is not a plan tenantctl wrote: summary\.restore-user is 1, but the plan has 0/u],
    ['a file over the saved-plan bound, by its size, unread', () => {
      writeFileSync(path.join(dir, 'huge.json'), '');
      truncateSync(path.join(dir, 'huge.json'), MAX_SAVED_PLAN_BYTES + 1);
      return 'huge.json';
    }, /huge\.json is 50 MiB; a saved plan is at most 50 MiB\. Nothing was read from it/u],
  ])('%s', async (_name, make, message) => {
    const run = await show([make()], dir);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    if (typeof message === 'string') expect(run.stderr).toBe(message);
    else expect(run.stderr).toMatch(message);
    expect(run.stderr).not.toMatch(/\n\s+at |internal error|ENOENT|EISDIR/u);
  });

  it.each([
    ['no plan file', [], /missing required argument 'plan'/u],
    ['an unknown format', ['x.json', '--format', 'yaml'], /argument 'yaml' is invalid\. Allowed choices are text, markdown, json/u],
    ['two plan files', ['a.json', 'b.json'], /too many arguments/u],
  ] as const)('refuses %s as a usage error', async (_name, args, message) => {
    const run = await show(args);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(message);
  });
});
