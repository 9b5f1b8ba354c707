// Bounds on policy loading (issue 12, finding 6): symlinks out of the given directories, the
// number and size of files, the number of diagnostics, and the length of values quoted in
// messages. Every case uses small bounds through the options, so no test writes a large file.
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { countDiagnostics, hasErrors } from '../../src/domain/diagnostics.ts';
import { assemblePolicy, MAX_DIAGNOSTICS } from '../../src/policy/assemble.ts';
import { clip } from '../../src/policy/clip.ts';
import { loadPolicy } from '../../src/policy/load.ts';
import type { PolicyFileSystem } from '../../src/policy/read-files.ts';
import { MAX_POLICY_FILE_BYTES, MAX_POLICY_FILES, MAX_POLICY_TOTAL_BYTES, nodeFileSystem, readPolicyFiles } from '../../src/policy/read-files.ts';

const POLICY = 'apiVersion: tenantctl/v1\nkind: TenantPolicy\n';
const encoder = new TextEncoder();

let root = '';

beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'tenantctl-bounds-'));
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function files(tree: Readonly<Record<string, string>>): Promise<void> {
  for (const [name, content] of Object.entries(tree)) {
    const full = path.join(root, name);
    await mkdir(path.dirname(full), { recursive: true });
    await writeFile(full, content);
  }
}

/**
 * The real file system, recording every directory listed and every file read (relative to the
 * root), and refusing to list more than 10 directories: a walk that followed a link to / would
 * otherwise go on through the whole disk.
 */
function recordingFileSystem(): { fs: PolicyFileSystem; listed: string[]; read: string[] } {
  const listed: string[] = [];
  const read: string[] = [];
  const fs: PolicyFileSystem = {
    ...nodeFileSystem,
    readdir: async (dir) => {
      listed.push(path.relative(root, dir));
      if (listed.length > 10) throw new Error(`listed more than 10 directories: ${listed.slice(0, 10).join(', ')}, …`);
      return nodeFileSystem.readdir(dir);
    },
    readFile: async (file) => {
      read.push(path.relative(root, file));
      return nodeFileSystem.readFile(file);
    },
  };
  return { fs, listed, read };
}

describe('symbolic links out of the given directories', () => {
  it('refuses a link to a directory outside every given path: an error naming it, and the target is not walked', async () => {
    await files({ 'policies/a.yaml': POLICY, 'elsewhere/secret.yaml': POLICY, 'elsewhere/deeper/more.yaml': POLICY });
    await symlink(path.join(root, 'elsewhere'), path.join(root, 'policies', 'out'));
    const { fs, listed, read } = recordingFileSystem();
    const { sources, diagnostics } = await readPolicyFiles(['policies'], { cwd: root, fs });
    expect(sources.map((s) => s.file)).toEqual([path.join('policies', 'a.yaml')]);
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatchObject({ severity: 'error', code: 'unreadable-path', location: { file: path.join('policies', 'out') } });
    expect(diagnostics[0]?.message).toContain('outside the policy paths given');
    expect(listed).toEqual(['policies']);
    expect(read).toEqual([path.join('policies', 'a.yaml')]);
  });

  it('refuses a link to / without listing it', async () => {
    await files({ 'policies/a.yaml': POLICY });
    await symlink('/', path.join(root, 'policies', 'root'));
    const { fs, listed } = recordingFileSystem();
    const { diagnostics } = await readPolicyFiles(['policies'], { cwd: root, fs });
    expect(diagnostics.map((d) => [d.code, d.location?.file])).toEqual([['unreadable-path', path.join('policies', 'root')]]);
    expect(listed).toEqual(['policies']);
  });

  it('follows a link into another directory that is itself given', async () => {
    await files({ 'policies/a.yaml': POLICY, 'shared/b.yaml': POLICY });
    await symlink(path.join(root, 'shared'), path.join(root, 'policies', 'shared'));
    const { sources, diagnostics } = await readPolicyFiles(['policies', 'shared'], { cwd: root });
    expect(diagnostics).toEqual([]);
    // b.yaml is read once, through the link (reached first); `shared` given again adds nothing.
    expect(sources.map((s) => path.basename(s.file)).sort()).toEqual(['a.yaml', 'b.yaml']);
  });

  it('loadPolicy fails (an error) when a link leads out', async () => {
    await files({ 'policies/a.yaml': POLICY, 'elsewhere/b.yaml': POLICY });
    await symlink(path.join(root, 'elsewhere'), path.join(root, 'policies', 'out'));
    const result = await loadPolicy(['policies'], { cwd: root });
    expect(result.desired).toBeUndefined();
    expect(result.diagnostics.map((d) => d.code)).toEqual(['unreadable-path']);
  });
});

describe('bounds on the input', () => {
  it('has the documented defaults', () => {
    expect(MAX_POLICY_FILES).toBe(10_000);
    expect(MAX_POLICY_TOTAL_BYTES).toBe(64 * 1024 * 1024);
    expect(MAX_POLICY_FILE_BYTES).toBe(16 * 1024 * 1024);
    expect(MAX_DIAGNOSTICS).toBe(200);
  });

  it('refuses a file over maxFileBytes without reading it, and still reads the others', async () => {
    await files({ 'policies/a.yaml': POLICY, 'policies/b.yaml': `${POLICY}# ${'x'.repeat(200)}\n`, 'policies/c.yaml': POLICY });
    const { fs, read } = recordingFileSystem();
    const { sources, diagnostics } = await readPolicyFiles(['policies'], { cwd: root, fs, maxFileBytes: 100 });
    expect(sources.map((s) => path.basename(s.file))).toEqual(['a.yaml', 'c.yaml']);
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatchObject({ severity: 'error', code: 'input-too-large', location: { file: path.join('policies', 'b.yaml') } });
    expect(diagnostics[0]?.message).toContain('100 bytes');
    expect(read).not.toContain(path.join('policies', 'b.yaml'));
  });

  it('stops at maxTotalBytes: an error naming the bound and the file that would pass it; nothing after it is read', async () => {
    await files({ 'policies/a.yaml': POLICY, 'policies/b.yaml': POLICY, 'policies/c.yaml': POLICY, 'policies/d.yaml': POLICY });
    const { fs, read } = recordingFileSystem();
    const { sources, diagnostics } = await readPolicyFiles(['policies'], { cwd: root, fs, maxTotalBytes: POLICY.length * 2 + 10 });
    expect(sources.map((s) => path.basename(s.file))).toEqual(['a.yaml', 'b.yaml']);
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatchObject({ severity: 'error', code: 'input-too-large', location: { file: path.join('policies', 'c.yaml') } });
    expect(diagnostics[0]?.message).toContain(`${POLICY.length * 2 + 10} bytes`);
    expect(read).toEqual([path.join('policies', 'a.yaml'), path.join('policies', 'b.yaml')]);
  });

  it('stops after maxFiles files: an error naming the bound and the first file over it; nothing more is listed', async () => {
    await files({ 'policies/a/1.yaml': POLICY, 'policies/a/2.yaml': POLICY, 'policies/a/3.yaml': POLICY, 'policies/b/4.yaml': POLICY });
    const { fs, listed, read } = recordingFileSystem();
    const { sources, diagnostics } = await readPolicyFiles(['policies'], { cwd: root, fs, maxFiles: 2 });
    expect(sources).toHaveLength(2);
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatchObject({ severity: 'error', code: 'input-too-large', location: { file: path.join('policies', 'a', '3.yaml') } });
    expect(diagnostics[0]?.message).toContain('more than 2 policy files');
    expect(read).toHaveLength(2);
    expect(listed).not.toContain(path.join('policies', 'b'));
  });

  it('loadPolicy passes the bounds on and fails with input-too-large', async () => {
    await files({ 'policies/a.yaml': `${POLICY}# ${'x'.repeat(200)}\n` });
    const result = await loadPolicy(['policies'], { cwd: root, maxFileBytes: 100 });
    expect(result.desired).toBeUndefined();
    expect(result.diagnostics.map((d) => d.code)).toEqual(['input-too-large']);
  });
});

describe('a cap on the number of diagnostics', () => {
  const quotes = { file: 'quotes.yaml', bytes: encoder.encode('"'.repeat(100_000)) };

  it('100 KB of quotes gives at most 200 diagnostics and one saying how many more there were', () => {
    const result = assemblePolicy([quotes]);
    expect(result.diagnostics).toHaveLength(MAX_DIAGNOSTICS + 1);
    const last = result.diagnostics.at(-1);
    expect(last).toMatchObject({ severity: 'error', code: 'too-many-diagnostics' });
    expect(last?.message).toMatch(/^49799 more diagnostics \(49799 errors\) left out/u);
    expect(result.diagnostics.reduce((n, d) => n + d.message.length, 0)).toBeLessThan(100_000);
  });

  it('keeps errors before warnings and notes, so a capped result still fails', () => {
    // 3 unused license sets (notes) come first in the file; then 3 unknown keys (errors).
    const text = [POLICY.trimEnd(), 'licenses:', '  a:', '    sku: ENTERPRISEPACK', '  b:', '    sku: ENTERPRISEPACK', '  c:', '    sku: ENTERPRISEPACK', 'x: 1', 'y: 1', 'z: 1', ''].join('\n');
    const result = assemblePolicy([{ file: 'p.yaml', bytes: encoder.encode(text) }], [], { maxDiagnostics: 2 });
    expect(result.diagnostics.map((d) => `${d.severity} ${d.code}`)).toEqual(['error unknown-key', 'error unknown-key', 'error too-many-diagnostics']);
    expect(result.diagnostics.at(-1)?.message).toContain('4 more diagnostics (1 error, 3 notes)');
    expect(hasErrors(result.diagnostics)).toBe(true);
    expect(result.desired).toBeUndefined();
  });

  it('adds nothing at or under the cap', () => {
    const text = [POLICY.trimEnd(), 'x: 1', 'y: 1', ''].join('\n');
    const result = assemblePolicy([{ file: 'p.yaml', bytes: encoder.encode(text) }], [], { maxDiagnostics: 2 });
    expect(result.diagnostics.map((d) => d.code)).toEqual(['unknown-key', 'unknown-key']);
  });

  it('a capped list of notes only is a note, and the desired state is kept', () => {
    const text = [POLICY.trimEnd(), 'licenses:', '  a:', '    sku: ENTERPRISEPACK', '  b:', '    sku: ENTERPRISEPACK', ''].join('\n');
    const result = assemblePolicy([{ file: 'p.yaml', bytes: encoder.encode(text) }], [], { maxDiagnostics: 1 });
    expect(countDiagnostics(result.diagnostics)).toEqual({ errors: 0, warnings: 0, infos: 2 });
    expect(result.diagnostics.at(-1)?.code).toBe('too-many-diagnostics');
    expect(result.desired).toBeDefined();
  });
});

describe('long values quoted in messages', () => {
  it('clip keeps short values and cuts long ones to 100 characters with their length', () => {
    expect(clip('Alice')).toBe('Alice');
    expect(clip('x'.repeat(100))).toBe('x'.repeat(100));
    expect(clip('x'.repeat(1_000_000))).toBe(`${'x'.repeat(100)}… (1000000 characters)`);
  });

  it('a 1 MB userPrincipalName is not echoed whole in the messages about its fields', () => {
    const big = 'x'.repeat(1_000_000);
    const text = [POLICY.trimEnd(), 'users:', `  - userPrincipalName: ${big}@contoso.com`, `    displayName: ${big}`, `    licenses: [${big}]`, ''].join('\n');
    const result = assemblePolicy([{ file: 'big.yaml', bytes: encoder.encode(text) }]);
    expect(result.diagnostics.length).toBeGreaterThan(0);
    for (const d of result.diagnostics) expect(d.message.length, `${d.code}: ${d.message.slice(0, 80)}`).toBeLessThan(1000);
    const displayName = result.diagnostics.find((d) => d.message.startsWith('users[0].displayName'));
    expect(displayName?.message).toContain(`(${'x'.repeat(100)}… (1000012 characters))`);
  });

  it('an unknown SKU and an undeclared license set of 1 MB are quoted clipped', () => {
    const big = 'y'.repeat(1_000_000);
    const text = [POLICY.trimEnd(), 'users:', '  - userPrincipalName: alice@contoso.com', '    displayName: Alice', `    licenses: [${big}, {sku: ${big}}]`, ''].join('\n');
    const result = assemblePolicy([{ file: 'big.yaml', bytes: encoder.encode(text) }]);
    const codes = result.diagnostics.map((d) => d.code);
    expect(codes).toContain('unknown-license-set');
    expect(codes).toContain('unknown-sku');
    for (const d of result.diagnostics) expect(d.message.length, `${d.code}: ${d.message.slice(0, 80)}`).toBeLessThan(1000);
  });
});
