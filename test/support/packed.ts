/**
 * tenantctl as a user gets it: `npm pack` of this repository (prepack builds dist/), installed into a
 * tenant repository of its own, run by the Node versions users have (22 and 24, from the `node` and
 * test/package/node22 workspace: nothing is downloaded).
 *
 * The install is a real `npm install` of the tarball, with this repository's package-lock.json as
 * the starting point so that the dependencies are the versions tenantctl is tested with and come
 * from npm's cache (the `npm ci` before the tests filled it): no registry is needed, and a missing
 * `dependencies` entry still fails, since the tenant repository has only what tenantctl declares.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const REPO = fileURLToPath(new URL('../..', import.meta.url));

/** The Node versions an installed tenantctl is tested on: its binary, by major version. */
export const NODES: Readonly<Record<'22' | '24', string>> = {
  '22': path.join(REPO, 'test', 'package', 'node22', 'node_modules', 'node', 'bin', 'node'),
  '24': path.join(REPO, 'node_modules', 'node', 'bin', 'node'),
};

export interface PackedFile {
  readonly path: string;
  readonly size: number;
}

export interface Packed {
  readonly tarball: string;
  readonly files: readonly PackedFile[];
  /** Bytes of the .tgz, and of its contents. */
  readonly size: number;
  readonly unpackedSize: number;
}

/** `npm pack` (which runs prepack: the build) into `destination`. */
export async function packTenantctl(destination: string): Promise<Packed> {
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', destination], { cwd: REPO, maxBuffer: 64 * 1024 * 1024 });
  // prepack's own output comes first; the JSON report is the last thing npm prints.
  const report = JSON.parse(stdout.slice(stdout.lastIndexOf('\n[') + 1)) as { filename: string; files: PackedFile[]; size: number; unpackedSize: number }[];
  const [packed] = report;
  if (!packed) throw new Error(`npm pack reported nothing: ${stdout}`);
  return { tarball: path.join(destination, packed.filename), files: packed.files.map((f) => ({ path: f.path, size: f.size })), size: packed.size, unpackedSize: packed.unpackedSize };
}

export interface TenantRepoOptions {
  readonly tarball: string;
  /** The repository's package.json beyond its dependencies (main, type, …). */
  readonly packageJson?: Record<string, unknown>;
  /** Dependencies besides tenantctl, at the versions this repository locks (e.g. @pulumi/pulumi for a Pulumi program). */
  readonly alsoInstall?: readonly string[];
  /** Files to copy in: destination (relative) → source (absolute file or directory). */
  readonly copy?: Readonly<Record<string, string>>;
}

/** A fresh tenant repository with the tarball installed in it; returns its directory. */
export async function tenantRepo(options: TenantRepoOptions): Promise<string> {
  const dir = mkdtempSync(path.join(tmpdir(), 'tenantctl-tenant-repo-'));
  const ours = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { devDependencies: Record<string, string>; allowScripts?: Record<string, boolean> };
  const also = Object.fromEntries((options.alsoInstall ?? []).map((name) => {
    const range = ours.devDependencies[name];
    if (range === undefined) throw new Error(`${name} is not a devDependency of tenantctl, so its tested version is unknown`);
    return [name, range];
  }));
  const packageJson = {
    name: 'contoso-tenant',
    private: true,
    ...options.packageJson,
    dependencies: { tenantctl: `file:${options.tarball}`, ...also },
    // Scripts tenantctl's own install does not run either (protobufjs, under @pulumi/pulumi).
    allowScripts: ours.allowScripts ?? {},
  };
  writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify(packageJson, null, 2)}\n`);
  copyFileSync(path.join(REPO, 'package-lock.json'), path.join(dir, 'package-lock.json'));
  await run('npm', ['install', '--offline', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: dir, maxBuffer: 64 * 1024 * 1024 });
  for (const [to, from] of Object.entries(options.copy ?? {})) {
    mkdirSync(path.dirname(path.join(dir, to)), { recursive: true });
    cpSync(from, path.join(dir, to), { recursive: true });
  }
  return dir;
}
