// `include:` (issue 17): shared fragments merged into a tenant's policy, read relative to the including file,
// bounded inside the working directory, holding only licenses/defaults/watch, each diagnostic at its own
// file:line:col. Each test builds a small repository in a temporary directory and loads one tenant of it.
import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Diagnostic } from '../../src/domain/diagnostics.ts';
import { formatLocation } from '../../src/domain/diagnostics.ts';
import { loadPolicy } from '../../src/policy/load.ts';
import type { LoadPolicyOptions } from '../../src/policy/load.ts';

const fixture = path.resolve(import.meta.dirname, '../fixtures/many-tenants');

/** A policy file's text: the header on lines 1 and 2, then `lines` from line 3. */
function policy(...lines: readonly string[]): string {
  return ['apiVersion: tenantctl/v1', 'kind: TenantPolicy', ...lines, ''].join('\n');
}

const TENANT_ID = '11111111-1111-4111-8111-111111111111';
const ALICE = ['users:', '  - userPrincipalName: alice@acme.example', '    displayName: Alice', '    licenses: [e3]'];
const E3 = ['licenses:', '  e3:', '    sku: ENTERPRISEPACK'];

let root = '';
let outside = '';

beforeEach(async () => {
  // Real paths: macOS's /tmp is a link, and the include checks compare real paths.
  root = await realpath(await mkdtemp(path.join(os.tmpdir(), 'tenantctl-includes-')));
  outside = await realpath(await mkdtemp(path.join(os.tmpdir(), 'tenantctl-outside-')));
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
  await rm(outside, { recursive: true, force: true });
});

async function write(files: Record<string, string>): Promise<void> {
  for (const [name, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, name)), { recursive: true });
    await writeFile(path.join(root, name), text);
  }
}

async function load(paths: readonly string[] = ['tenants/acme'], options: LoadPolicyOptions = {}) {
  return loadPolicy(paths, { cwd: root, ...options });
}

/** `file:line:col code` of each diagnostic: what the user sees. */
function where(diagnostics: readonly Diagnostic[]): string[] {
  return diagnostics.map((d) => `${d.location ? formatLocation(d.location) : '-'} ${d.code}`);
}

describe('the many-tenant fixture', () => {
  it.each(['acme', 'contoso', 'fabrikam'])('%s merges the shared license sets and is valid', async (name) => {
    const result = await loadPolicy([`tenants/${name}`], { cwd: fixture, requireTenantId: true });
    expect(result.diagnostics).toEqual([]);
    expect(result.files).toEqual([`tenants/${name}/people.yaml`, `tenants/${name}/tenant.yaml`, 'common/licenses.yaml']);
    expect([...(result.desired?.licenseSets.keys() ?? [])].sort()).toEqual(['e3', 'e5']);
    expect(result.desired?.defaults.usageLocation).toBe('NL');
    expect(result.desired?.principals.map((p) => p.userPrincipalName)).toEqual([`alice@${name}.example`, `bob@${name}.example`]);
  });
});

describe('resolving an include', () => {
  it('is relative to the including file, and its diagnostics point into the included file', async () => {
    await write({
      // `include: [../../common/licenses.yaml]`: the item is at line 3, column 11
      'tenants/acme/tenant.yaml': policy('include: [../../common/licenses.yaml]', 'tenant:', `  id: ${TENANT_ID}`, ...ALICE),
      // line 4: `  usageLocaton: NL` (a typo); line 8: `    disabledPlans: [YAMMER_ENTERPRSE]`, the plan at column 21
      'common/licenses.yaml': policy('defaults:', '  usageLocaton: NL', ...E3, '    disabledPlans: [YAMMER_ENTERPRSE]'),
    });
    const result = await load();
    expect(where(result.diagnostics)).toEqual(['common/licenses.yaml:4:3 unknown-key', 'common/licenses.yaml:8:21 unknown-service-plan']);
    expect(result.files).toEqual(['tenants/acme/tenant.yaml', 'common/licenses.yaml']);
  });

  it('reads the included settings as if written in the tenant, conflicts named at both places', async () => {
    await write({
      'tenants/acme/tenant.yaml': policy('include:', '  - ../../common/defaults.yaml', 'defaults:', '  whenMissing: report'),
      'common/defaults.yaml': policy('defaults:', '  whenMissing: create'),
    });
    const result = await load();
    const conflict = result.diagnostics.find((d) => d.code === 'conflicting-setting');
    // The tenant's own file is read first: the included value is the second, reported where it is written.
    expect(conflict?.location).toEqual({ file: 'common/defaults.yaml', line: 4, column: 16 });
    expect(conflict?.message).toContain('tenants/acme/tenant.yaml:6:16');
  });

  it('reads a file included twice (by two files, or that is part of the policy already) once', async () => {
    await write({
      'tenants/acme/tenant.yaml': policy('include: [../../common/licenses.yaml, ./people.yaml]', 'tenant:', `  id: ${TENANT_ID}`),
      'tenants/acme/people.yaml': policy('include: [../../common/licenses.yaml]', ...ALICE),
      'common/licenses.yaml': policy(...E3),
    });
    const result = await load(['tenants/acme'], { requireTenantId: true });
    expect(result.diagnostics).toEqual([]);
    expect(result.files).toEqual(['tenants/acme/people.yaml', 'tenants/acme/tenant.yaml', 'common/licenses.yaml']);
  });

  it('refuses the same path listed twice in one include (the repeat)', async () => {
    await write({
      // `include: [` is 10 characters and each item 19 plus `, `: the second item starts at column 32
      'tenants/acme/tenant.yaml': policy('include: [../../common/a.yaml, ../../common/a.yaml]', ...ALICE),
      'common/a.yaml': policy(...E3),
    });
    expect(where((await load()).diagnostics)).toEqual(['tenants/acme/tenant.yaml:3:32 invalid-value']);
  });

  it('refuses an absolute path, with the fix', async () => {
    await write({ 'tenants/acme/tenant.yaml': policy(`include: [${path.join(root, 'common/licenses.yaml')}]`, ...ALICE), 'common/licenses.yaml': policy(...E3) });
    const result = await load();
    expect(where(result.diagnostics.filter((d) => d.code === 'invalid-include'))).toEqual(['tenants/acme/tenant.yaml:3:11 invalid-include']);
    expect(result.diagnostics[0]?.message).toContain('relative to the file that names it');
    expect(result.desired).toBeUndefined();
  });

  it('refuses a path that leaves the working directory', async () => {
    await writeFile(path.join(outside, 'licenses.yaml'), policy(...E3));
    const escape = path.relative(path.join(root, 'tenants/acme'), path.join(outside, 'licenses.yaml'));
    await write({ 'tenants/acme/tenant.yaml': policy('include:', `  - ${escape}`, ...ALICE) });
    const result = await load();
    const [d] = result.diagnostics.filter((x) => x.code === 'invalid-include');
    expect(d?.location).toEqual({ file: 'tenants/acme/tenant.yaml', line: 4, column: 5 });
    expect(d?.message).toContain('outside the working directory');
    expect(result.files).toEqual(['tenants/acme/tenant.yaml']);
  });

  it('refuses a symbolic link that leads out of the working directory', async () => {
    await writeFile(path.join(outside, 'licenses.yaml'), policy(...E3));
    await write({ 'tenants/acme/tenant.yaml': policy('include: [../../common/licenses.yaml]', ...ALICE) });
    await mkdir(path.join(root, 'common'));
    await symlink(path.join(outside, 'licenses.yaml'), path.join(root, 'common/licenses.yaml'));
    const result = await load();
    const [d] = result.diagnostics.filter((x) => x.code === 'invalid-include');
    expect(d?.location).toEqual({ file: 'tenants/acme/tenant.yaml', line: 3, column: 11 });
    expect(d?.message).toContain('symbolic link');
    expect(result.files).toEqual(['tenants/acme/tenant.yaml']);
  });

  it('reports a missing file at the include, naming the path it resolved to', async () => {
    await write({ 'tenants/acme/tenant.yaml': policy('include: [../../common/licences.yaml]', ...ALICE) });
    const result = await load();
    expect(where(result.diagnostics)).toContain('tenants/acme/tenant.yaml:3:11 unreadable-path');
    expect(result.diagnostics.find((d) => d.code === 'unreadable-path')?.message).toContain('common/licences.yaml');
  });

  it('refuses a file that is not YAML, and a directory', async () => {
    await write({ 'tenants/acme/tenant.yaml': policy('include: [../../common/notes.txt, ../../common.yaml]', ...E3, ...ALICE), 'common/notes.txt': 'x', 'common.yaml/a.yaml': policy() });
    expect(where((await load()).diagnostics)).toEqual(['tenants/acme/tenant.yaml:3:11 invalid-include', 'tenants/acme/tenant.yaml:3:35 invalid-include']);
  });
});

describe('an included file holds shared fragments only', () => {
  it('refuses tenant, users and mailboxes at their keys, and merges none of them', async () => {
    await write({
      'tenants/acme/tenant.yaml': policy('include: [../../common/all.yaml]', 'tenant:', `  id: ${TENANT_ID}`, ...ALICE),
      // tenant on line 6, users on line 8 (alice again: not a duplicate, because it is not merged), mailboxes on line 12
      'common/all.yaml': policy(
        ...E3,
        'tenant:',
        '  id: 22222222-2222-4222-8222-222222222222',
        'users:',
        '  - userPrincipalName: alice@acme.example',
        '    displayName: Alice',
        '    licenses: [e3]',
        'mailboxes: []',
      ),
    });
    const result = await load();
    expect(where(result.diagnostics)).toEqual(['common/all.yaml:6:1 include-not-shared', 'common/all.yaml:8:1 include-not-shared', 'common/all.yaml:12:1 include-not-shared']);
    const [d] = result.diagnostics;
    expect(d?.message).toContain('may hold only licenses, defaults and watch');
    expect(d?.related).toEqual([{ file: 'tenants/acme/tenant.yaml', line: 3, column: 11 }]);
  });

  it('refuses an include in an included file (no chains), and does not read it', async () => {
    await write({
      'tenants/acme/tenant.yaml': policy('include: [../../common/a.yaml]', ...ALICE),
      'common/a.yaml': policy('include: [b.yaml]', ...E3),
      'common/b.yaml': policy('licenses:', '  e5:', '    sku: SPE_E5'),
    });
    const result = await load();
    expect(where(result.diagnostics)).toEqual(['common/a.yaml:3:1 include-not-shared']);
    expect(result.diagnostics[0]?.message).toContain('cannot include other files');
    expect(result.files).toEqual(['tenants/acme/tenant.yaml', 'common/a.yaml']);
  });

  it('leaves an unknown key to the schema, with its suggestion', async () => {
    await write({ 'tenants/acme/tenant.yaml': policy('include: [../../common/a.yaml]', ...ALICE), 'common/a.yaml': policy(...E3, 'wacth: {}') });
    const result = await load();
    expect(where(result.diagnostics)).toEqual(['common/a.yaml:6:1 unknown-key']);
    expect(result.diagnostics[0]?.message).toContain('did you mean `watch`?');
  });
});

describe('bounds hold across the policy and its includes', () => {
  it('an included file over the size bound is input-too-large, naming the include', async () => {
    await write({ 'tenants/acme/tenant.yaml': policy('include: [../../common/big.yaml]', ...E3, ...ALICE), 'common/big.yaml': policy('#'.repeat(400)) });
    const result = await load(['tenants/acme'], { maxFileBytes: 300 });
    expect(result.diagnostics.map((d) => [d.code, d.location, d.related])).toEqual([['input-too-large', { file: 'common/big.yaml' }, [{ file: 'tenants/acme/tenant.yaml', line: 3, column: 11 }]]]);
  });

  it('included files count towards the number of files', async () => {
    await write({
      'tenants/acme/a.yaml': policy('include: [../../common/x.yaml]', ...ALICE),
      'tenants/acme/b.yaml': policy(...E3),
      'common/x.yaml': policy('defaults:', '  usageLocation: NL'),
    });
    const result = await load(['tenants/acme'], { maxFiles: 2 });
    expect(where(result.diagnostics)).toEqual(['common/x.yaml input-too-large']);
  });
});
