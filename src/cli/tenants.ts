/**
 * `tenantctl tenants [--tenants DIR] [--matrix] [--changed-since REF]`: the tenants of a many-tenant
 * repository (tenants/<name>/, docs/github-actions.md "Many tenants"), as a table or as the JSON of a
 * GitHub Actions `strategy.matrix`. Offline: it reads the policy folders and, with --changed-since,
 * asks Git which files changed; never the tenants themselves.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import type { Diagnostic } from '../domain/diagnostics.ts';
import { hasErrors } from '../domain/diagnostics.ts';
import { discoverTenants, loadTenantPolicy } from '../policy/tenants.ts';
import { renderValidationText } from '../render/diagnostics.ts';
import type { Outcome } from './exit-codes.ts';
import type { CliIo } from './io.ts';

export interface TenantsCommandOptions {
  /** The folder holding one folder per tenant (default tenants/). */
  readonly tenants?: string;
  /** One JSON line for `strategy.matrix` instead of the table. */
  readonly matrix?: boolean;
  /** Only the tenants whose files changed between this Git revision and the working tree. */
  readonly changedSince?: string;
}

export const DEFAULT_TENANTS_DIR = 'tenants/';

/**
 * One entry of the matrix's `include` list. `tenantId` is the policy's tenant.id ('' when the policy
 * is invalid); `valid: false` appears only on a tenant whose policy has errors, which is listed, never
 * dropped: the listing itself exits 1 naming its errors (the reusable workflows skip a job without a tenant id).
 */
export interface MatrixEntry {
  readonly tenant: string;
  readonly tenantId: string;
  readonly path: string;
  readonly valid?: false;
}

interface TenantFacts {
  readonly entry: MatrixEntry;
  /** The files its policy is made of (its folder's and the files it includes), relative to cwd, '/' separators. */
  readonly files: readonly string[];
  readonly diagnostics: readonly Diagnostic[];
}

/** A failure that ends the command with exit 1 and this one line on stderr (never Git's output verbatim beyond its first line). */
class TenantsFailure extends Error {}

const toPosix = (file: string): string => file.split(path.sep).join('/');

/** Runs git with arguments as an array (no shell) in `cwd`; its stdout, or a TenantsFailure naming what went wrong. */
function git(args: readonly string[], cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('git', [...args], { cwd, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, windowsHide: true }, (error, stdout, stderr) => {
      if (error === null) {
        resolve(stdout);
        return;
      }
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') reject(new TenantsFailure('--changed-since needs Git, and no `git` was found on PATH'));
      else reject(new TenantsFailure(stderr.trim().split('\n')[0] ?? error.message));
    });
  });
}

/**
 * The files, relative to `cwd` with '/' separators, that differ between `ref` and the working tree:
 * `git diff --name-only --no-renames REF` (a rename is its old and its new path) and the files Git does
 * not track yet (not ignored). A ref Git does not know is a TenantsFailure.
 */
async function changedFiles(ref: string, cwd: string): Promise<Set<string>> {
  if (ref === '' || ref.startsWith('-')) throw new TenantsFailure(`--changed-since takes a Git revision (a branch, tag or commit), not '${ref}'`);
  try {
    await git(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], cwd);
  } catch (error) {
    if (error instanceof TenantsFailure && /not a git repository/iu.test(error.message)) throw new TenantsFailure(`--changed-since: ${cwd} is not in a Git repository`);
    if (error instanceof TenantsFailure && /no `git`/u.test(error.message)) throw error;
    throw new TenantsFailure(`--changed-since: Git does not know the revision '${ref}' (in a shallow clone, fetch it first: git fetch --depth=1 origin <branch>)`);
  }
  const [diff, untracked] = await Promise.all([
    git(['diff', '--name-only', '--no-renames', '--relative', '-z', ref, '--'], cwd),
    git(['ls-files', '--others', '--exclude-standard', '-z'], cwd),
  ]);
  return new Set([...diff.split('\0'), ...untracked.split('\0')].filter((f) => f !== ''));
}

/** Each tenant's name, id, path and files, from its own policy (tenant.id required). */
async function readTenants(tenantsDir: string, cwd: string): Promise<{ tenants: TenantFacts[]; diagnostics: Diagnostic[] }> {
  const found = await discoverTenants(tenantsDir, { cwd });
  const tenants: TenantFacts[] = [];
  for (const folder of found.tenants) {
    const result = await loadTenantPolicy(folder, cwd);
    const valid = !hasErrors(result.diagnostics) && result.desired !== undefined;
    const tenantId = valid ? (result.desired?.tenantId ?? '') : '';
    tenants.push({
      entry: { tenant: folder.name, tenantId, path: folder.path, ...(valid ? {} : { valid: false as const }) },
      files: result.files.map(toPosix),
      diagnostics: result.diagnostics,
    });
  }
  return { tenants, diagnostics: found.diagnostics };
}

/**
 * Whether a tenant is affected by `changed`: a file under its folder changed (added, edited, deleted),
 * or a file its policy includes did. An invalid tenant always is: what it includes cannot be trusted
 * to be known, and a broken tenant is never hidden by a filter.
 */
function isAffected(tenant: TenantFacts, changed: ReadonlySet<string>): boolean {
  if (tenant.entry.valid === false) return true;
  const prefix = tenant.entry.path.endsWith('/') ? tenant.entry.path : `${tenant.entry.path}/`;
  for (const file of changed) if (file.startsWith(prefix)) return true;
  return tenant.files.some((file) => changed.has(file));
}

/** The table: one line per tenant, columns aligned. Names and ids are checked shapes (folder names, GUIDs); paths are the user's own folders. */
function renderTable(entries: readonly MatrixEntry[]): string {
  const rows = [['TENANT', 'TENANT ID', 'PATH'], ...entries.map((e) => [e.tenant, e.valid === false ? '(invalid policy)' : e.tenantId, e.path])];
  const widths = [0, 1].map((column) => Math.max(...rows.map((row) => row[column]?.length ?? 0)));
  return rows.map((row) => row.map((cell, column) => (column < 2 ? cell.padEnd((widths[column] ?? 0) + 2) : cell)).join('')).join('\n') + '\n';
}

/**
 * `tenantctl tenants`: exit 0 when every tenant listed is valid; 1 when discovery found a problem, a
 * listed tenant's policy has errors (still listed, its diagnostics on stderr), or --changed-since failed.
 * The output is complete in every case but the last, so a workflow can read it and then fail.
 */
export async function runTenantsCommand(options: TenantsCommandOptions, io: CliIo): Promise<Outcome> {
  const tenantsDir = options.tenants ?? DEFAULT_TENANTS_DIR;
  try {
    const changed = options.changedSince === undefined ? undefined : await changedFiles(options.changedSince, io.cwd);
    const { tenants, diagnostics } = await readTenants(tenantsDir, io.cwd);
    const listed = changed === undefined ? tenants : tenants.filter((t) => isAffected(t, changed));
    const entries = listed.map((t) => t.entry);
    io.stdout.write(options.matrix === true ? `${JSON.stringify({ include: entries })}\n` : renderTable(entries));
    // Why a tenant is invalid (validate tells the rest: warnings and notes), and what discovery refused.
    if (diagnostics.length > 0) io.stderr.write(renderValidationText({ diagnostics, files: [] }, { color: false }));
    const invalid = listed.filter((t) => t.entry.valid === false);
    for (const tenant of invalid) {
      io.stderr.write(`tenant ${tenant.entry.tenant} (${tenant.entry.path}): the policy is invalid\n`);
      io.stderr.write(renderValidationText({ diagnostics: tenant.diagnostics, files: tenant.files }, { color: false }));
    }
    return hasErrors(diagnostics) || invalid.length > 0 ? { kind: 'invalid-input' } : { kind: 'success' };
  } catch (error) {
    if (!(error instanceof TenantsFailure)) throw error;
    io.stderr.write(`tenantctl: ${error.message}\n`);
    return { kind: 'invalid-input' };
  }
}
