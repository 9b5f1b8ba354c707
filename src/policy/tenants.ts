import { readdir } from 'node:fs/promises';
import type { Dirent } from 'node:fs';
import path from 'node:path';
import type { Diagnostic } from '../domain/diagnostics.ts';
import { closestMatches } from '../domain/suggest.ts';
import { clip } from './clip.ts';
import type { PolicyResult } from './load.ts';
import { loadPolicy } from './load.ts';
import { POLICY_EXTENSIONS, SKIPPED_DIRECTORIES } from './read-files.ts';

/** One tenant of a `--tenants` layout: a folder of `tenants/` holding its policy. */
export interface TenantFolder {
  /** The folder's name, which is the tenant's name. */
  readonly name: string;
  /** Absolute. */
  readonly dir: string;
  /** Relative to the working directory, with `/` separators. */
  readonly path: string;
  /** The folder holding every tenant's folder (absolute): an include may not reach into another tenant's. */
  readonly root: string;
}

export interface DiscoverTenantsOptions {
  /** Directory that `tenantsDir` and the paths returned are relative to. */
  readonly cwd: string;
  /** Only these tenants (`--only-tenant`); a name that is no tenant is an error. */
  readonly only?: readonly string[];
}

/** A tenant's name, which is its folder's name: used in environment variable names and job names. */
export const TENANT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/u;
/** How deep a tenant folder is searched for a first policy file. */
const MAX_DEPTH = 8;

/**
 * The tenants under `tenantsDir`: every subfolder holding a `.yaml` or `.yml` file (at any depth), sorted by name.
 * Hidden folders (`.something`) are skipped; a folder with another name that is not a tenant name is an
 * `invalid-tenant-name` error (and not a tenant); an `only` name that names no tenant is an `unknown-tenant` error
 * with the closest names. Nothing throws.
 */
export async function discoverTenants(tenantsDir: string, options: DiscoverTenantsOptions): Promise<{ tenants: TenantFolder[]; diagnostics: Diagnostic[] }> {
  const cwd = path.resolve(options.cwd);
  const root = path.resolve(cwd, tenantsDir);
  const shown = (dir: string): string => {
    const relative = path.relative(cwd, dir);
    return relative === '' ? '.' : relative.startsWith('..') || path.isAbsolute(relative) ? dir : relative.split(path.sep).join('/');
  };
  const diagnostics: Diagnostic[] = [];
  let entries: Dirent[];
  try {
    entries = await readdir(root, { withFileTypes: true });
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    const why = code === 'ENOENT' ? 'no such directory' : code === 'ENOTDIR' ? 'not a directory' : 'cannot be read';
    diagnostics.push({ severity: 'error', code: 'unreadable-path', message: `${why}; --tenants names the folder that holds one folder per tenant (for example tenants/)`, location: { file: shown(root) } });
    return { tenants: [], diagnostics };
  }

  const all: TenantFolder[] = [];
  for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const dir = path.join(root, entry.name);
    if (entry.name.startsWith('.') || SKIPPED_DIRECTORIES.has(entry.name)) continue;
    if (!entry.isDirectory() && !(entry.isSymbolicLink() && (await isDirectory(dir)))) continue;
    if (!(await holdsPolicy(dir, 0))) continue;
    if (!TENANT_NAME.test(entry.name)) {
      diagnostics.push({
        severity: 'error',
        code: 'invalid-tenant-name',
        message: `"${clip(entry.name)}" is not a tenant name: a tenant folder's name starts with a letter or digit and holds only letters, digits, '.', '_' and '-' (it names the tenant's environment variables and CI jobs); rename the folder`,
        location: { file: shown(dir) },
      });
      continue;
    }
    // Two folders whose environment variable names would be the same would share credentials: refuse both.
    const twin = all.find((t) => tenantVariablePrefix(t.name) === tenantVariablePrefix(entry.name));
    if (twin !== undefined) {
      diagnostics.push({
        severity: 'error',
        code: 'invalid-tenant-name',
        message: `"${clip(entry.name)}" and "${twin.name}" both name the variables ${tenantVariablePrefix(entry.name)}…, so they would share credentials; rename one folder`,
        location: { file: shown(dir) },
      });
      continue;
    }
    all.push({ name: entry.name, dir, path: shown(dir), root });
  }
  if (all.length === 0 && diagnostics.length === 0) {
    diagnostics.push({ severity: 'error', code: 'no-policy-files', message: 'holds no tenant folder (a folder with *.yaml or *.yml files); put each tenant\'s policy in a folder of its own, e.g. tenants/acme/tenant.yaml', location: { file: shown(root) } });
  }

  if (options.only === undefined || options.only.length === 0) return { tenants: all, diagnostics };
  const names = all.map((tenant) => tenant.name);
  for (const name of new Set(options.only)) {
    if (names.includes(name)) continue;
    const suggestion = closestMatches(name, names, 1)[0];
    diagnostics.push({
      severity: 'error',
      code: 'unknown-tenant',
      message: `--only-tenant ${clip(name)}: no tenant of that name in ${shown(root)}${suggestion ? `; did you mean ${suggestion}?` : names.length > 0 ? `; tenants: ${names.slice(0, 20).join(', ')}${names.length > 20 ? ', …' : ''}` : ''}`,
      location: { file: shown(root) },
    });
  }
  return { tenants: all.filter((tenant) => options.only?.includes(tenant.name) === true), diagnostics };
}

async function isDirectory(dir: string): Promise<boolean> {
  try {
    await readdir(dir);
    return true;
  } catch {
    return false;
  }
}

/** Whether a folder holds a policy file, itself or in a folder below it. */
async function holdsPolicy(dir: string, depth: number): Promise<boolean> {
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return false;
  }
  if (entries.some((entry) => !entry.isDirectory() && POLICY_EXTENSIONS.has(path.extname(entry.name).toLowerCase()))) return true;
  if (depth >= MAX_DEPTH) return false;
  for (const entry of entries) {
    if (entry.isDirectory() && !SKIPPED_DIRECTORIES.has(entry.name) && (await holdsPolicy(path.join(dir, entry.name), depth + 1))) return true;
  }
  return false;
}

/**
 * The prefix of a tenant's own environment variables (docs/many-tenants.md §2): `TENANTCTL_TENANT_<NAME>_`, the
 * name upper-cased and every character but letters and digits made `_`. Two tenant names with one prefix are refused
 * by discoverTenants.
 */
export function tenantVariablePrefix(name: string): string {
  return `TENANTCTL_TENANT_${name.toUpperCase().replace(/[^A-Z0-9]/gu, '_')}_`;
}

/** A tenant's policy: its tenant id required, its includes kept out of other tenants' folders. */
export function loadTenantPolicy(folder: TenantFolder, cwd: string): Promise<PolicyResult> {
  return loadPolicy([folder.dir], { cwd, requireTenantId: true, tenantFolders: { root: folder.root, own: folder.dir } });
}

/**
 * Tenants whose policies name the same tenant id: each would plan the other's principals as undeclared. By name,
 * the names of the others sharing its id.
 */
export function sharedTenantIds(loaded: readonly { readonly name: string; readonly tenantId: string | undefined }[]): Map<string, string[]> {
  const byId = new Map<string, string[]>();
  for (const { name, tenantId } of loaded) if (tenantId !== undefined) byId.set(tenantId.toLowerCase(), [...(byId.get(tenantId.toLowerCase()) ?? []), name]);
  const shared = new Map<string, string[]>();
  for (const names of byId.values()) if (names.length > 1) for (const name of names) shared.set(name, names.filter((n) => n !== name));
  return shared;
}
