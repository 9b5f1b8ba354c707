// Reading policy files from a real file system: every test works in its own temporary
// directory under os.tmpdir(), removed afterwards.
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Diagnostic } from '../../src/domain/diagnostics.ts';
import { loadPolicy } from '../../src/policy/load.ts';
import type { PolicyFileSystem } from '../../src/policy/read-files.ts';
import { nodeFileSystem, readPolicyFiles } from '../../src/policy/read-files.ts';

const POLICY = 'apiVersion: tenantctl/v1\nkind: TenantPolicy\n';
/** Root can read a chmod 000 file, so the permission cases only mean something for other users. */
const isRoot = process.getuid?.() === 0;

let root = '';

beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'tenantctl-read-files-'));
});

afterEach(async () => {
  // Give back any permission a test took away, so that the directory can be removed.
  await chmod(root, 0o700).catch(() => undefined);
  await rm(root, { recursive: true, force: true });
});

/** Writes files (and their directories) under the temporary root. */
async function files(tree: Readonly<Record<string, string | Uint8Array>>): Promise<void> {
  for (const [name, content] of Object.entries(tree)) {
    const full = path.join(root, name);
    await mkdir(path.dirname(full), { recursive: true });
    await writeFile(full, content);
  }
}

/**
 * The real file system, recording the directories listed (relative to the root), and refusing to
 * list more than 10: a walk that followed a symlink loop would otherwise go on until the kernel's
 * ELOOP (and a stat that fails with it is read as a dangling link, so the result would not show it).
 */
function listingFileSystem(): { fs: PolicyFileSystem; listed: string[] } {
  const listed: string[] = [];
  const fs: PolicyFileSystem = {
    ...nodeFileSystem,
    readdir: async (dir) => {
      listed.push(path.relative(root, dir));
      if (listed.length > 10) throw new Error(`listed more than 10 directories: ${listed.join(', ')}`);
      return nodeFileSystem.readdir(dir);
    },
  };
  return { fs, listed };
}

function brief(d: Diagnostic): { code: string; file: string | undefined } {
  return { code: d.code, file: d.location?.file };
}

describe('readPolicyFiles', () => {
  it('reports a missing path as unreadable-path, saying there is no such file', async () => {
    const { sources, diagnostics } = await readPolicyFiles(['nothere/'], { cwd: root });
    expect(sources).toEqual([]);
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatchObject({ severity: 'error', code: 'unreadable-path', location: { file: 'nothere' } });
    expect(diagnostics[0]?.message).toMatch(/no such file/u);
    expect(diagnostics[0]?.location?.line).toBeUndefined();
  });

  it('reports an empty directory as no-policy-files', async () => {
    await mkdir(path.join(root, 'policies'));
    const { sources, diagnostics } = await readPolicyFiles(['policies'], { cwd: root });
    expect(sources).toEqual([]);
    expect(diagnostics.map(brief)).toEqual([{ code: 'no-policy-files', file: 'policies' }]);
    expect(diagnostics[0]?.severity).toBe('error');
  });

  it('reports a directory holding only a README.md as no-policy-files', async () => {
    await files({ 'policies/README.md': '# Policies\n\nPut *.yaml here.\n' });
    const { sources, diagnostics } = await readPolicyFiles(['policies/'], { cwd: root });
    expect(sources).toEqual([]);
    expect(diagnostics.map(brief)).toEqual([{ code: 'no-policy-files', file: 'policies' }]);
    expect(diagnostics[0]?.message).toContain('*.yaml');
  });

  it('reads nested directories recursively, in sorted order, .yaml and .yml alike, nothing else', async () => {
    await files({
      'policies/30-mailboxes.yml': POLICY,
      'policies/10-tenant.yaml': POLICY,
      'policies/20-people/b-sales.yml': POLICY,
      'policies/20-people/a-engineering.yaml': POLICY,
      'policies/20-people/deep/er/x.yaml': POLICY,
      'policies/README.md': '# read me\n',
      'policies/notes.txt': 'apiVersion: not a policy\n',
      'policies/export.json': '{}\n',
      'policies/old.yaml.bak': POLICY,
      'policies/20-people/draft.yamlx': POLICY,
      'policies/node_modules/some-package/config.yaml': 'not: ours\n',
    });
    const { sources, diagnostics } = await readPolicyFiles(['policies'], { cwd: root });
    expect(diagnostics).toEqual([]);
    expect(sources.map((s) => s.file)).toEqual([
      path.join('policies', '10-tenant.yaml'),
      path.join('policies', '20-people', 'a-engineering.yaml'),
      path.join('policies', '20-people', 'b-sales.yml'),
      path.join('policies', '20-people', 'deep', 'er', 'x.yaml'),
      path.join('policies', '30-mailboxes.yml'),
    ]);
    expect(new TextDecoder().decode(sources[0]?.bytes)).toBe(POLICY);
  });

  it('reads a file given twice (directly, through its directory, by an absolute path) once', async () => {
    await files({ 'policies/a.yaml': POLICY, 'policies/b.yaml': POLICY });
    const { sources, diagnostics } = await readPolicyFiles(
      ['policies/a.yaml', 'policies', path.join(root, 'policies', 'a.yaml'), './policies/b.yaml', 'policies/'],
      { cwd: root },
    );
    expect(diagnostics).toEqual([]);
    expect(sources.map((s) => s.file)).toEqual([path.join('policies', 'a.yaml'), path.join('policies', 'b.yaml')]);
  });

  it('walks a symlink loop between directories once: each real directory listed once', async () => {
    await files({ 'policies/x/a.yaml': POLICY, 'policies/y/b.yaml': POLICY });
    await symlink(path.join(root, 'policies', 'y'), path.join(root, 'policies', 'x', 'to-y'));
    await symlink(path.join(root, 'policies', 'x'), path.join(root, 'policies', 'y', 'to-x'));
    const { fs, listed } = listingFileSystem();
    const { sources, diagnostics } = await readPolicyFiles(['policies'], { cwd: root, fs });
    expect(diagnostics).toEqual([]);
    // policies, x and y (reached first through x/to-y); never x again through y/to-x.
    expect(listed).toEqual(['policies', path.join('policies', 'x'), path.join('policies', 'x', 'to-y')]);
    // Each real file once, whichever way the walk reached it first.
    expect(sources).toHaveLength(2);
    expect(sources.map((s) => path.basename(s.file)).sort()).toEqual(['a.yaml', 'b.yaml']);
  });

  it('skips a dangling symlink', async () => {
    await files({ 'policies/a.yaml': POLICY });
    await symlink(path.join(root, 'gone.yaml'), path.join(root, 'policies', 'b.yaml'));
    const { sources, diagnostics } = await readPolicyFiles(['policies'], { cwd: root });
    expect(diagnostics).toEqual([]);
    expect(sources.map((s) => s.file)).toEqual([path.join('policies', 'a.yaml')]);
  });

  it.skipIf(isRoot)('reports a file it may not read, named as given, with permission denied', async () => {
    await files({ 'policies/secret.yaml': POLICY });
    await chmod(path.join(root, 'policies', 'secret.yaml'), 0o000);
    const { sources, diagnostics } = await readPolicyFiles(['policies/secret.yaml'], { cwd: root });
    expect(sources).toEqual([]);
    expect(diagnostics.map(brief)).toEqual([{ code: 'unreadable-path', file: path.join('policies', 'secret.yaml') }]);
    expect(diagnostics[0]?.message).toMatch(/permission denied/u);
  });

  // Known bug (reported): an unreadable file inside a directory is reported against the
  // directory, and the walk stops there, so the files after it are never read.

  (isRoot ? it.skip : it)('reports an unreadable file inside a directory by its own name, and reads the others (chmod 000)', async () => {
    await files({ 'policies/a.yaml': POLICY, 'policies/b-secret.yaml': POLICY, 'policies/c.yaml': POLICY });
    await chmod(path.join(root, 'policies', 'b-secret.yaml'), 0o000);
    const { sources, diagnostics } = await readPolicyFiles(['policies'], { cwd: root });
    expect(diagnostics.map(brief)).toEqual([{ code: 'unreadable-path', file: path.join('policies', 'b-secret.yaml') }]);
    expect(sources.map((s) => s.file)).toEqual([path.join('policies', 'a.yaml'), path.join('policies', 'c.yaml')]);
  });

  it('reports an unreadable file inside a directory by its own name, and reads the others (EACCES from the file system)', async () => {
    // Works as root too: the real directory, with a file system that refuses one file.
    await files({ 'policies/a.yaml': POLICY, 'policies/b-secret.yaml': POLICY, 'policies/c.yaml': POLICY });
    const refusing: PolicyFileSystem = {
      ...nodeFileSystem,
      readFile: async (file) => {
        if (path.basename(file) === 'b-secret.yaml') throw Object.assign(new Error(`EACCES: permission denied, open '${file}'`), { code: 'EACCES' });
        return nodeFileSystem.readFile(file);
      },
    };
    const { sources, diagnostics } = await readPolicyFiles(['policies'], { cwd: root, fs: refusing });
    expect(diagnostics.map(brief)).toEqual([{ code: 'unreadable-path', file: path.join('policies', 'b-secret.yaml') }]);
    expect(diagnostics[0]?.message).toMatch(/permission denied/u);
    expect(sources.map((s) => s.file)).toEqual([path.join('policies', 'a.yaml'), path.join('policies', 'c.yaml')]);
  });

  it('reads binary garbage as it is; the loader then reports not-text', async () => {
    const garbage = randomBytes(4096);
    garbage[100] = 0; // at least one NUL, wherever the random bytes fall
    await files({ 'policies/blob.yaml': garbage });
    const { sources, diagnostics } = await readPolicyFiles(['policies'], { cwd: root });
    expect(diagnostics).toEqual([]);
    expect(sources.map((s) => s.file)).toEqual([path.join('policies', 'blob.yaml')]);

    const result = await loadPolicy(['policies'], { cwd: root });
    expect(result.diagnostics.map(brief)).toEqual([{ code: 'not-text', file: path.join('policies', 'blob.yaml') }]);
    expect(result.desired).toBeUndefined();
  });

  it('names files relative to cwd, and keeps paths outside cwd absolute', async () => {
    await files({ 'work/policies/a.yaml': POLICY, 'elsewhere/b.yaml': POLICY });
    const cwd = path.join(root, 'work');
    const { sources, diagnostics } = await readPolicyFiles(
      ['policies', path.join(root, 'work', 'policies', 'a.yaml'), path.join(root, 'elsewhere'), '../missing'],
      { cwd },
    );
    expect(sources.map((s) => s.file)).toEqual([path.join('policies', 'a.yaml'), path.join(root, 'elsewhere', 'b.yaml')]);
    expect(diagnostics.map(brief)).toEqual([{ code: 'unreadable-path', file: path.join(root, 'missing') }]);
  });
});

describe('loadPolicy over a messy file system', () => {
  it('never throws, and reports every problem', async () => {
    await files({
      'policies/10-tenant.yaml': `${POLICY}defaults:\n  usageLocaton: NL\n`,
      'policies/20-blob.yaml': Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x0d, 0x0a]),
      'policies/30-empty.yml': '',
      'docs/README.md': '# nothing to see\n',
    });
    await mkdir(path.join(root, 'empty'));
    await mkdir(path.join(root, 'loop'));
    await symlink(path.join(root, 'loop'), path.join(root, 'loop', 'self'));

    const { fs, listed } = listingFileSystem();
    const result = await loadPolicy(['policies', 'empty', 'docs', 'loop', 'missing.yaml'], { cwd: root, fs });
    // Each directory listed once: the loop's `self` leads back to `loop`, which is not listed again.
    expect(listed).toEqual(['policies', 'empty', 'docs', 'loop']);
    expect(result.diagnostics.map((d) => ({ ...brief(d), line: d.location?.line, column: d.location?.column }))).toEqual([
      { code: 'no-policy-files', file: 'docs', line: undefined, column: undefined },
      { code: 'no-policy-files', file: 'empty', line: undefined, column: undefined },
      { code: 'no-policy-files', file: 'loop', line: undefined, column: undefined },
      { code: 'unreadable-path', file: 'missing.yaml', line: undefined, column: undefined },
      { code: 'unknown-key', file: path.join('policies', '10-tenant.yaml'), line: 4, column: 3 },
      { code: 'not-text', file: path.join('policies', '20-blob.yaml'), line: undefined, column: undefined },
      { code: 'empty-file', file: path.join('policies', '30-empty.yml'), line: 1, column: 1 },
    ]);
    expect(result.desired).toBeUndefined();
    expect(result.files).toEqual(['10-tenant.yaml', '20-blob.yaml', '30-empty.yml'].map((f) => path.join('policies', f)));
  });

  it('defaults to policies/ in cwd, and resolves instead of rejecting when it is missing', async () => {
    const missing = await loadPolicy([], { cwd: root });
    expect(missing.diagnostics.map(brief)).toEqual([{ code: 'unreadable-path', file: 'policies' }]);
    expect(missing.desired).toBeUndefined();

    await files({ 'policies/a.yaml': `${POLICY}users:\n  - userPrincipalName: alice@contoso.com\n    displayName: Alice\n` });
    const found = await loadPolicy([], { cwd: root });
    expect(found.diagnostics).toEqual([]);
    expect(found.desired?.principals.map((p) => p.userPrincipalName)).toEqual(['alice@contoso.com']);
  });
});
