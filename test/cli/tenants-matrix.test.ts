/**
 * `tenantctl tenants [--tenants DIR] [--matrix] [--changed-since REF]` (src/cli/tenants.ts) in a
 * many-tenant repository made for each test: a Git repository in a temporary folder (git init and
 * commit run with execFile, arguments as an array) holding tenants/acme, tenants/contoso, tenants/solo
 * and common/licenses.yaml, which acme and contoso include and solo does not.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { runTenantctl } from '../support/cli.ts';

const run = promisify(execFile);
const HEADER = 'apiVersion: tenantctl/v1\nkind: TenantPolicy\n';
const IDS = { acme: '8f3c1a52-0000-4000-8000-0000000ac3e1', contoso: '3b9e27c4-0000-4000-8000-0000c0de7050', solo: '5d0e27c4-0000-4000-8000-00000000501a' } as const;

/** Git in `dir`, with an identity and no signing of its own, whatever the machine's configuration says. */
async function git(dir: string, ...args: string[]): Promise<string> {
  const { stdout } = await run('git', ['-c', 'user.name=tenantctl tests', '-c', 'user.email=tests@tenantctl.invalid', '-c', 'commit.gpgsign=false', ...args], { cwd: dir });
  return stdout;
}

function write(dir: string, file: string, text: string): void {
  mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
  writeFileSync(path.join(dir, file), text);
}

const tenantFile = (name: keyof typeof IDS, include: boolean): string =>
  `${HEADER}tenant:\n  id: ${IDS[name]}\n${include ? 'include:\n  - ../../common/licenses.yaml\n' : 'licenses:\n  e3:\n    sku: ENTERPRISEPACK\n'}`;
const peopleFile = (domain: string, who: string): string => `${HEADER}users:\n  - userPrincipalName: ${who}@${domain}\n    displayName: ${who}\n    licenses: [e3]\n`;

/** The repository, committed once (the base every test compares with): its folder. */
async function repository(): Promise<string> {
  const dir = mkdtempSync(path.join(tmpdir(), 'tenants-matrix-'));
  write(dir, 'common/licenses.yaml', `${HEADER}licenses:\n  e3:\n    sku: ENTERPRISEPACK\n`);
  write(dir, 'tenants/acme/tenant.yaml', tenantFile('acme', true));
  write(dir, 'tenants/acme/people.yaml', peopleFile('acme.example', 'alice'));
  write(dir, 'tenants/contoso/tenant.yaml', tenantFile('contoso', true));
  write(dir, 'tenants/contoso/people.yaml', peopleFile('contoso.example', 'carol'));
  write(dir, 'tenants/solo/tenant.yaml', tenantFile('solo', false));
  write(dir, 'tenants/solo/people.yaml', peopleFile('solo.example', 'sam'));
  write(dir, 'README.md', 'not a policy\n');
  await git(dir, 'init', '--quiet');
  await git(dir, 'add', '--all');
  await git(dir, 'commit', '--quiet', '-m', 'base');
  await git(dir, 'tag', 'base');
  return dir;
}

const entry = (name: keyof typeof IDS): Record<string, string> => ({ tenant: name, tenantId: IDS[name], path: `tenants/${name}` });

async function matrix(dir: string, ...args: string[]): Promise<{ code: number; include: unknown; stdout: string; stderr: string }> {
  const result = await runTenantctl(['tenants', '--matrix', ...args], { cwd: dir });
  const lines = result.stdout.split('\n');
  expect(lines.at(-1), 'one JSON line').toBe('');
  expect(lines).toHaveLength(2);
  return { code: result.code, include: (JSON.parse(result.stdout) as { include: unknown }).include, stdout: result.stdout, stderr: result.stderr };
}

describe('tenantctl tenants', () => {
  it('lists every tenant as a table (name, tenant id, path), and with --matrix as one JSON line for strategy.matrix', async () => {
    const dir = await repository();
    const table = await runTenantctl(['tenants'], { cwd: dir });
    expect(table).toEqual({
      code: 0,
      stderr: '',
      stdout: [
        'TENANT   TENANT ID                             PATH',
        `acme     ${IDS.acme}  tenants/acme`,
        `contoso  ${IDS.contoso}  tenants/contoso`,
        `solo     ${IDS.solo}  tenants/solo`,
        '',
      ].join('\n'),
    });
    const all = await matrix(dir);
    expect(all).toMatchObject({ code: 0, stderr: '', include: [entry('acme'), entry('contoso'), entry('solo')] });
    expect(all.stdout).toBe(`${JSON.stringify({ include: [entry('acme'), entry('contoso'), entry('solo')] })}\n`);
    rmSync(dir, { recursive: true, force: true });
  });

  it('--tenants names another folder, relative to the working directory', async () => {
    const dir = await repository();
    write(dir, 'customers/acme/tenant.yaml', tenantFile('acme', true));
    await git(dir, 'add', '--all');
    await git(dir, 'commit', '--quiet', '-m', 'customers');
    const other = await runTenantctl(['tenants', '--matrix', '--tenants', 'customers'], { cwd: dir });
    expect(other).toEqual({ code: 0, stderr: '', stdout: `${JSON.stringify({ include: [{ ...entry('acme'), path: 'customers/acme' }] })}\n` });
    write(dir, 'common/licenses.yaml', `${HEADER}licenses:\n  e3:\n    sku: SPE_E3\n`);
    expect((await matrix(dir, '--tenants', 'customers/', '--changed-since', 'HEAD')).include).toEqual([{ ...entry('acme'), path: 'customers/acme' }]);
    const missing = await runTenantctl(['tenants', '--tenants', 'clients'], { cwd: dir });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/clients/u);
    rmSync(dir, { recursive: true, force: true });
  });

  describe('--changed-since REF', () => {
    it('nothing changed: an empty list, {"include":[]}, exit 0', async () => {
      const dir = await repository();
      expect(await matrix(dir, '--changed-since', 'base')).toMatchObject({ code: 0, stdout: '{"include":[]}\n', stderr: '' });
      // A change outside every tenant and every shared file changes no tenant.
      write(dir, 'README.md', 'still not a policy\n');
      expect(await matrix(dir, '--changed-since', 'base')).toMatchObject({ code: 0, include: [] });
      rmSync(dir, { recursive: true, force: true });
    });

    it('only the tenant whose folder changed: committed, in the working tree, a deleted file, a new file Git does not track yet', async () => {
      const dir = await repository();
      write(dir, 'tenants/acme/people.yaml', peopleFile('acme.example', 'bob'));
      await git(dir, 'commit', '--quiet', '--all', '-m', 'acme: bob');
      expect(await matrix(dir, '--changed-since', 'base')).toMatchObject({ code: 0, include: [entry('acme')] });
      expect(await matrix(dir, '--changed-since', 'HEAD')).toMatchObject({ code: 0, include: [] });

      write(dir, 'tenants/contoso/people.yaml', peopleFile('contoso.example', 'dave'));
      expect((await matrix(dir, '--changed-since', 'HEAD')).include).toEqual([entry('contoso')]);
      expect((await matrix(dir, '--changed-since', 'base')).include).toEqual([entry('acme'), entry('contoso')]);
      await git(dir, 'checkout', '--quiet', '--', 'tenants/contoso');

      await git(dir, 'rm', '--quiet', 'tenants/solo/people.yaml');
      expect((await matrix(dir, '--changed-since', 'HEAD')).include).toEqual([entry('solo')]);
      await git(dir, 'reset', '--quiet', '--hard');

      write(dir, 'tenants/solo/mailboxes.yaml', `${HEADER}mailboxes: []\n`);
      expect((await matrix(dir, '--changed-since', 'HEAD')).include).toEqual([entry('solo')]);
      rmSync(dir, { recursive: true, force: true });
    });

    it('a shared file changed: every tenant that includes it, and only those', async () => {
      const dir = await repository();
      write(dir, 'common/licenses.yaml', `${HEADER}licenses:\n  e3:\n    sku: ENTERPRISEPACK\n    disabledPlans: [SWAY]\n`);
      expect(await matrix(dir, '--changed-since', 'base')).toMatchObject({ code: 0, include: [entry('acme'), entry('contoso')] });
      // A tenant that starts including it is changed itself; one that stops is too.
      write(dir, 'tenants/solo/tenant.yaml', tenantFile('solo', true));
      write(dir, 'tenants/contoso/tenant.yaml', `${HEADER}tenant:\n  id: ${IDS.contoso}\nlicenses:\n  e3:\n    sku: ENTERPRISEPACK\n`);
      await git(dir, 'commit', '--quiet', '--all', '-m', 'solo includes the shared licenses, contoso has its own');
      write(dir, 'common/licenses.yaml', `${HEADER}licenses:\n  e3:\n    sku: ENTERPRISEPACK\n    disabledPlans: [YAMMER_ENTERPRISE]\n`);
      expect((await matrix(dir, '--changed-since', 'HEAD')).include).toEqual([entry('acme'), entry('solo')]);
      expect((await matrix(dir, '--changed-since', 'base')).include).toEqual([entry('acme'), entry('contoso'), entry('solo')]);
      rmSync(dir, { recursive: true, force: true });
    });

    it('a revision Git does not know is a clear error, exit 1, with nothing on stdout; so is one that looks like an option, and a folder outside Git', async () => {
      const dir = await repository();
      for (const ref of ['origin/main', 'no-such-branch', '0123456789abcdef0123456789abcdef01234567']) {
        const result = await runTenantctl(['tenants', '--matrix', '--changed-since', ref], { cwd: dir });
        expect(result).toEqual({ code: 1, stdout: '', stderr: `tenantctl: --changed-since: Git does not know the revision '${ref}' (in a shallow clone, fetch it first: git fetch --depth=1 origin <branch>)\n` });
      }
      const option = await runTenantctl(['tenants', '--matrix', '--changed-since=--output=/tmp/x'], { cwd: dir });
      expect(option).toEqual({ code: 1, stdout: '', stderr: "tenantctl: --changed-since takes a Git revision (a branch, tag or commit), not '--output=/tmp/x'\n" });

      const outside = mkdtempSync(path.join(tmpdir(), 'tenants-no-git-'));
      write(outside, 'tenants/acme/tenant.yaml', tenantFile('acme', false));
      const noGit = await runTenantctl(['tenants', '--matrix', '--changed-since', 'HEAD'], { cwd: outside });
      expect(noGit.code).toBe(1);
      expect(noGit.stdout).toBe('');
      expect(noGit.stderr).toMatch(/^tenantctl: --changed-since: /u);
      rmSync(dir, { recursive: true, force: true });
      rmSync(outside, { recursive: true, force: true });
    });
  });

  it('an invalid tenant is listed with "valid": false and no tenant id, never dropped: its errors on stderr, exit 1, the others as they are', async () => {
    const dir = await repository();
    write(dir, 'tenants/contoso/tenant.yaml', `${HEADER}include:\n  - ../../common/licenses.yaml\n`);
    write(dir, 'tenants/solo/people.yaml', `${HEADER}users:\n  - userPrincipalName: sam@solo.example\n    licenses: [e5]\n`);
    const result = await matrix(dir);
    expect(result.code).toBe(1);
    expect(result.include).toEqual([
      entry('acme'),
      { tenant: 'contoso', tenantId: '', path: 'tenants/contoso', valid: false },
      { tenant: 'solo', tenantId: '', path: 'tenants/solo', valid: false },
    ]);
    expect(result.stderr).toContain('tenant contoso (tenants/contoso): the policy is invalid\n');
    expect(result.stderr).toContain('missing-tenant-id');
    expect(result.stderr).toContain('tenant solo (tenants/solo): the policy is invalid\n');
    expect(result.stderr).toMatch(/tenants\/solo\/people\.yaml:\d+:\d+ {2}error/u);
    expect(result.stderr).not.toContain('tenant acme');

    // Filtered by --changed-since, an invalid tenant is still listed, changed or not.
    await git(dir, 'add', '--all');
    await git(dir, 'commit', '--quiet', '-m', 'broken');
    write(dir, 'tenants/acme/people.yaml', peopleFile('acme.example', 'bob'));
    expect((await matrix(dir, '--changed-since', 'HEAD')).include).toEqual([
      entry('acme'),
      { tenant: 'contoso', tenantId: '', path: 'tenants/contoso', valid: false },
      { tenant: 'solo', tenantId: '', path: 'tenants/solo', valid: false },
    ]);

    const table = await runTenantctl(['tenants'], { cwd: dir });
    expect(table.code).toBe(1);
    expect(table.stdout).toContain('contoso  (invalid policy)');
    rmSync(dir, { recursive: true, force: true });
  });

  it('a folder that is no tenant name is refused (exit 1), the tenants are still listed', async () => {
    const dir = await repository();
    write(dir, 'tenants/bad name/tenant.yaml', tenantFile('acme', false));
    const result = await matrix(dir);
    expect(result.code).toBe(1);
    expect(result.include).toEqual([entry('acme'), entry('contoso'), entry('solo')]);
    expect(result.stderr).toContain('invalid-tenant-name');
    rmSync(dir, { recursive: true, force: true });
  });
});
