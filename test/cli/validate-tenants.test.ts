// `tenantctl validate --tenants DIR [--only-tenant NAME]...` (issue 17), run in-process: a section per tenant,
// a shared file's problem under each tenant that includes it, a summary line, JSON, and exit codes.
import { cp, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTenantctl } from '../support/cli.ts';

const fixture = path.resolve(import.meta.dirname, '../fixtures/many-tenants');

/** A copy of the fixture whose shared file has a typo (line 9: `  usageLocaton: NL`) and whose fabrikam has no tenant.id. */
let broken = '';

beforeAll(async () => {
  broken = await realpath(await mkdtemp(path.join(os.tmpdir(), 'tenantctl-validate-tenants-')));
  await cp(fixture, broken, { recursive: true });
  await writeFile(
    path.join(broken, 'common/licenses.yaml'),
    ['apiVersion: tenantctl/v1', 'kind: TenantPolicy', 'licenses:', '  e3:', '    sku: ENTERPRISEPACK', '  e5:', '    sku: SPE_E5', 'defaults:', '  usageLocaton: NL', ''].join('\n'),
  );
  await writeFile(path.join(broken, 'tenants/fabrikam/tenant.yaml'), ['apiVersion: tenantctl/v1', 'kind: TenantPolicy', 'include: [../../common/licenses.yaml]', ''].join('\n'));
});

afterAll(async () => {
  await rm(broken, { recursive: true, force: true });
});

describe('validate --tenants', () => {
  it('validates every tenant: a section each and a summary; exit 0', async () => {
    const run = await runTenantctl(['validate', '--tenants', 'tenants'], { cwd: fixture });
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe(
      [
        '== acme (tenants/acme) ==',
        'Valid: 3 files, 2 users, 0 mailboxes, 2 license sets.',
        '',
        '== contoso (tenants/contoso) ==',
        'Valid: 3 files, 2 users, 0 mailboxes, 2 license sets.',
        '',
        '== fabrikam (tenants/fabrikam) ==',
        'Valid: 3 files, 2 users, 0 mailboxes, 2 license sets.',
        '',
        'All 3 tenants valid.',
        '',
      ].join('\n'),
    );
    expect(run.code).toBe(0);
  });

  it('shows a shared file\'s problem under each tenant that includes it, at its own file:line:col; exit 1', async () => {
    const run = await runTenantctl(['validate', '--tenants', 'tenants'], { cwd: broken });
    const sections = run.stdout.split(/^== /mu).slice(1);
    expect(sections.map((s) => s.split('\n', 1)[0])).toEqual(['acme (tenants/acme) ==', 'contoso (tenants/contoso) ==', 'fabrikam (tenants/fabrikam) ==']);
    for (const section of sections) expect(section).toContain('common/licenses.yaml:9:3  error  unknown-key  defaults: unknown key `usageLocaton`; did you mean `usageLocation`?');
    expect(sections[2]).toContain('tenants/fabrikam/people.yaml:1:1  error  missing-tenant-id  ');
    expect(sections[0]).not.toContain('missing-tenant-id');
    expect(run.stdout.trimEnd().split('\n').at(-1)).toBe('Invalid: 3 tenants, 0 valid, 3 invalid (acme, contoso, fabrikam).');
    expect(run.code).toBe(1);
  });

  it('--format json: one object with each tenant\'s report', async () => {
    const run = await runTenantctl(['validate', '--tenants', 'tenants', '--only-tenant', 'fabrikam', '--only-tenant', 'acme', '--format', 'json'], { cwd: broken });
    const json = JSON.parse(run.stdout) as { valid: boolean; diagnostics: unknown[]; tenants: { name: string; path: string; tenantId: string | null; valid: boolean; diagnostics: { code: string; file: string; line: number; column: number }[] }[] };
    expect(json.valid).toBe(false);
    expect(json.diagnostics).toEqual([]);
    expect(json.tenants.map(({ name, path: p, tenantId, valid }) => ({ name, path: p, tenantId, valid }))).toEqual([
      { name: 'acme', path: 'tenants/acme', tenantId: null, valid: false },
      { name: 'fabrikam', path: 'tenants/fabrikam', tenantId: null, valid: false },
    ]);
    expect(json.tenants[1]?.diagnostics.map((d) => `${d.file}:${d.line}:${d.column} ${d.code}`)).toEqual(['common/licenses.yaml:9:3 unknown-key', 'tenants/fabrikam/people.yaml:1:1 missing-tenant-id']);
    expect(run.code).toBe(1);
  });

  it('a valid tenant in JSON carries its tenant id', async () => {
    const run = await runTenantctl(['validate', '--tenants', 'tenants', '--only-tenant', 'contoso', '--format', 'json'], { cwd: fixture });
    const json = JSON.parse(run.stdout) as { valid: boolean; tenants: { tenantId: string; valid: boolean }[] };
    expect(json).toMatchObject({ valid: true, tenants: [{ name: 'contoso', tenantId: '22222222-2222-4222-8222-222222222222', valid: true }] });
    expect(run.code).toBe(0);
  });

  it('an --only-tenant that names no tenant is an error with a suggestion; the others are still validated', async () => {
    const run = await runTenantctl(['validate', '--tenants', 'tenants', '--only-tenant', 'contosso', '--only-tenant', 'acme'], { cwd: fixture });
    expect(run.stdout.split('\n')[0]).toBe('tenants  error  unknown-tenant  --only-tenant contosso: no tenant of that name in tenants; did you mean contoso?');
    expect(run.stdout).toContain('== acme (tenants/acme) ==\nValid: 3 files');
    expect(run.stdout.trimEnd().split('\n').at(-1)).toBe('Invalid: 1 tenant, 1 valid, 0 invalid; 1 error in the layout.');
    expect(run.code).toBe(1);
  });

  it('refuses policy paths together with --tenants, and --only-tenant without it (usage, exit 1)', async () => {
    const both = await runTenantctl(['validate', 'tenants/acme', '--tenants', 'tenants'], { cwd: fixture });
    expect(both).toEqual({ code: 1, stdout: '', stderr: 'tenantctl validate: give either policy paths or --tenants DIR, not both\n' });
    const alone = await runTenantctl(['validate', '--only-tenant', 'acme'], { cwd: fixture });
    expect(alone).toEqual({ code: 1, stdout: '', stderr: 'tenantctl validate: --only-tenant needs --tenants DIR\n' });
  });
});
