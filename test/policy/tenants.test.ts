// The many-tenant layout (issue 17): discovering tenants/<name>/ folders, and `requireTenantId`.
import { mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadPolicy } from '../../src/policy/load.ts';
import { discoverTenants, loadTenantPolicy, sharedTenantIds, tenantVariablePrefix } from '../../src/policy/tenants.ts';

const fixture = path.resolve(import.meta.dirname, '../fixtures/many-tenants');

function policy(...lines: readonly string[]): string {
  return ['apiVersion: tenantctl/v1', 'kind: TenantPolicy', ...lines, ''].join('\n');
}

let root = '';

beforeEach(async () => {
  root = await realpath(await mkdtemp(path.join(os.tmpdir(), 'tenantctl-tenants-')));
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function write(files: Record<string, string>): Promise<void> {
  for (const [name, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, name)), { recursive: true });
    await writeFile(path.join(root, name), text);
  }
}

describe('discoverTenants', () => {
  it('finds every tenant folder, sorted by name, with absolute and relative paths', async () => {
    const found = await discoverTenants('tenants', { cwd: fixture });
    expect(found).toEqual({
      tenants: ['acme', 'contoso', 'fabrikam'].map((name) => ({ name, dir: path.join(fixture, 'tenants', name), path: `tenants/${name}`, root: path.join(fixture, 'tenants') })),
      diagnostics: [],
    });
  });

  it('gives paths relative to the working directory with / separators', async () => {
    const found = await discoverTenants('test/fixtures/many-tenants/tenants/', { cwd: path.resolve(fixture, '../../..') });
    expect(found.tenants.map((t) => t.path)).toEqual(['acme', 'contoso', 'fabrikam'].map((n) => `test/fixtures/many-tenants/tenants/${n}`));
  });

  it('keeps only the tenants --only-tenant names, in name order', async () => {
    const found = await discoverTenants('tenants', { cwd: fixture, only: ['fabrikam', 'acme'] });
    expect(found.tenants.map((t) => t.name)).toEqual(['acme', 'fabrikam']);
    expect(found.diagnostics).toEqual([]);
  });

  it('an --only-tenant that names no tenant is an error with a suggestion', async () => {
    const found = await discoverTenants('tenants', { cwd: fixture, only: ['contosso', 'acme'] });
    expect(found.tenants.map((t) => t.name)).toEqual(['acme']);
    expect(found.diagnostics).toEqual([
      { severity: 'error', code: 'unknown-tenant', message: '--only-tenant contosso: no tenant of that name in tenants; did you mean contoso?', location: { file: 'tenants' } },
    ]);
  });

  it('skips folders without policy files and hidden folders; finds policy files in subfolders', async () => {
    await write({
      'tenants/acme/tenant.yaml': policy(),
      'tenants/beta/users/people.yml': policy(),
      'tenants/docs/README.md': '# not a tenant',
      'tenants/.cache/x.yaml': policy(),
      'tenants/loose.yaml': policy(),
    });
    const found = await discoverTenants('tenants', { cwd: root });
    expect(found.tenants.map((t) => t.name)).toEqual(['acme', 'beta']);
    expect(found.diagnostics).toEqual([]);
  });

  it('a folder whose name is not a tenant name is an error, and not a tenant', async () => {
    await write({ 'tenants/acme/tenant.yaml': policy(), 'tenants/my tenant/tenant.yaml': policy(), 'tenants/-x/tenant.yaml': policy() });
    const found = await discoverTenants('tenants', { cwd: root });
    expect(found.tenants.map((t) => t.name)).toEqual(['acme']);
    expect(found.diagnostics.map((d) => [d.code, d.location])).toEqual([
      ['invalid-tenant-name', { file: 'tenants/-x' }],
      ['invalid-tenant-name', { file: 'tenants/my tenant' }],
    ]);
    expect(found.diagnostics[0]?.message).toContain('rename the folder');
  });

  it('a missing folder, or one without tenants, is an error', async () => {
    await write({ 'empty/README.md': '' });
    expect((await discoverTenants('nowhere', { cwd: root })).diagnostics.map((d) => [d.code, d.location])).toEqual([['unreadable-path', { file: 'nowhere' }]]);
    expect((await discoverTenants('empty', { cwd: root })).diagnostics.map((d) => [d.code, d.location])).toEqual([['no-policy-files', { file: 'empty' }]]);
  });
});

describe('requireTenantId', () => {
  it('accepts a policy with tenant.id', async () => {
    const result = await loadPolicy(['tenants/acme'], { cwd: fixture, requireTenantId: true });
    expect(result.desired?.tenantId).toBe('11111111-1111-4111-8111-111111111111');
  });

  it('without tenant.id: missing-tenant-id at the tenant section', async () => {
    // `tenant: {}` on line 3 of b.yaml
    await write({ 'tenants/acme/a.yaml': policy('users: []'), 'tenants/acme/b.yaml': policy('tenant: {}') });
    const result = await loadPolicy(['tenants/acme'], { cwd: root, requireTenantId: true });
    expect(result.diagnostics.map((d) => [d.code, d.location])).toEqual([['missing-tenant-id', { file: 'tenants/acme/b.yaml', line: 3, column: 1 }]]);
    expect(result.desired).toBeUndefined();
  });

  it('without a tenant section: missing-tenant-id at the start of the first file', async () => {
    await write({ 'tenants/acme/a.yaml': policy('users: []'), 'tenants/acme/b.yaml': policy('defaults: {}') });
    const result = await loadPolicy(['tenants/acme'], { cwd: root, requireTenantId: true });
    expect(result.diagnostics.map((d) => [d.severity, d.code, d.location])).toEqual([['error', 'missing-tenant-id', { file: 'tenants/acme/a.yaml', line: 1, column: 1 }]]);
    expect(result.diagnostics[0]?.message).toContain('tenant: {id: <GUID>}');
  });

  it('is not required without the option, and an invalid id is only invalid-guid', async () => {
    await write({ 'a/a.yaml': policy('users: []'), 'b/b.yaml': policy('tenant:', '  id: not-a-guid') });
    expect((await loadPolicy(['a'], { cwd: root })).diagnostics).toEqual([]);
    expect((await loadPolicy(['b'], { cwd: root, requireTenantId: true })).diagnostics.map((d) => d.code)).toEqual(['invalid-guid']);
  });
});

describe('tenants kept apart', () => {
  const ID_A = '11111111-1111-4111-8111-111111111111';
  const ID_B = '22222222-2222-4222-8222-222222222222';

  it('refuses two folders whose credential variables would be the same', async () => {
    await write({ 'tenants/acme-eu/t.yaml': policy(`tenant: {id: ${ID_A}}`), 'tenants/acme.eu/t.yaml': policy(`tenant: {id: ${ID_B}}`) });
    const found = await discoverTenants('tenants', { cwd: root });
    expect(tenantVariablePrefix('acme-eu')).toBe(tenantVariablePrefix('acme.eu'));
    expect(found.tenants.map((t) => t.name)).toEqual(['acme-eu']);
    expect(found.diagnostics).toMatchObject([{ severity: 'error', code: 'invalid-tenant-name', message: expect.stringContaining('would share credentials') }]);
  });

  it('refuses an include that reaches into another tenant\'s folder; a shared file outside tenants/ is fine', async () => {
    await write({
      'common/licenses.yaml': policy('defaults: {usageLocation: NL}'),
      'tenants/beta/lic.yaml': policy('defaults: {usageLocation: DE}'),
      'tenants/acme/t.yaml': policy(`tenant: {id: ${ID_A}}`, 'include: [../beta/lic.yaml, ../../common/licenses.yaml]'),
    });
    const [acme] = (await discoverTenants('tenants', { cwd: root, only: ['acme'] })).tenants;
    if (!acme) throw new Error('acme not found');
    const loaded = await loadTenantPolicy(acme, root);
    expect(loaded.diagnostics.filter((d) => d.code === 'invalid-include').map((d) => d.message)).toEqual([expect.stringContaining("reaches into another tenant's folder")]);
    expect(loaded.desired).toBeUndefined();
  });

  it('names the folders that share one tenant id', () => {
    const shared = sharedTenantIds([{ name: 'a', tenantId: ID_A }, { name: 'b', tenantId: ID_A.toUpperCase() }, { name: 'c', tenantId: ID_B }, { name: 'd', tenantId: undefined }]);
    expect([...shared]).toEqual([['a', ['b']], ['b', ['a']]]);
  });
});
