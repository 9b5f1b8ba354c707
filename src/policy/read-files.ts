import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Diagnostic, SourceLocation } from '../domain/diagnostics.ts';
import type { PolicySource } from './source.ts';

/** The file-system calls the loader makes; tests may pass their own. */
export interface PolicyFileSystem {
  stat(file: string): Promise<{ isFile(): boolean; isDirectory(): boolean; size: number }>;
  readdir(dir: string): Promise<string[]>;
  readFile(file: string): Promise<Uint8Array>;
  realpath(file: string): Promise<string>;
}

export const nodeFileSystem: PolicyFileSystem = {
  stat: (file) => stat(file),
  readdir: (dir) => readdir(dir),
  readFile: (file) => readFile(file),
  realpath: (file) => realpath(file),
};

export interface ReadPolicyFilesOptions {
  readonly fs?: PolicyFileSystem;
  /** Directory that file names in diagnostics are relative to. */
  readonly cwd?: string;
  /** At most this many policy files are read (default {@link MAX_POLICY_FILES}). */
  readonly maxFiles?: number;
  /** At most this many bytes in all policy files together (default {@link MAX_POLICY_TOTAL_BYTES}). */
  readonly maxTotalBytes?: number;
  /** At most this many bytes in one policy file (default {@link MAX_POLICY_FILE_BYTES}). */
  readonly maxFileBytes?: number;
  /**
   * A many-tenant repository: an include must not reach into another tenant's folder (`root`, the folder that holds
   * one folder per tenant) from this tenant's (`own`); shared files live outside `root`.
   */
  readonly tenantFolders?: { readonly root: string; readonly own: string };
}

/** A policy this large is a mistake (a log or an archive in the folder), not 50,000 users. */
export const MAX_POLICY_FILE_BYTES = 16 * 1024 * 1024;
/** All policy files together. */
export const MAX_POLICY_TOTAL_BYTES = 64 * 1024 * 1024;
/** Policy files in one run. */
export const MAX_POLICY_FILES = 10_000;
/** Policy files' extensions, and folders never read: one list for reading, includes and tenant discovery. */
export const POLICY_EXTENSIONS: ReadonlySet<string> = new Set(['.yaml', '.yml']);
/** Folders a recursive search never enters. */
export const SKIPPED_DIRECTORIES: ReadonlySet<string> = new Set(['node_modules', '.git']);

/**
 * Reads the policy files named by `paths`: files as given, directories recursively (their
 * `*.yaml` and `*.yml` files, sorted by name). Problems become diagnostics; nothing throws.
 *
 * A symbolic link to a directory is followed only when its real path is inside one of the
 * directories given; one that leads elsewhere is refused (an error naming it) and not walked.
 * Sizes are checked (stat) before anything is read: a file over `maxFileBytes`, the file that
 * takes the total over `maxTotalBytes` and the file after the first `maxFiles` are errors
 * (`input-too-large`), and reading stops at the first total or count bound.
 */
export async function readPolicyFiles(paths: readonly string[], options: ReadPolicyFilesOptions = {}): Promise<ReadPolicyFilesResult> {
  const fs = options.fs ?? nodeFileSystem;
  const cwd = options.cwd ?? process.cwd();
  const maxFiles = options.maxFiles ?? MAX_POLICY_FILES;
  const maxTotalBytes = options.maxTotalBytes ?? MAX_POLICY_TOTAL_BYTES;
  const maxFileBytes = options.maxFileBytes ?? MAX_POLICY_FILE_BYTES;
  const display = (file: string): string => {
    const relative = path.relative(cwd, file);
    return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : file;
  };
  const sources: PolicySource[] = [];
  const diagnostics: Diagnostic[] = [];
  const seenFiles = new Set<string>();
  let totalBytes = 0;
  /** Set once a total bound is reached: nothing more is read or walked. */
  let stopped = false;
  /** Real paths of the directories given: a walk never leaves them through a link. */
  const roots: string[] = [];
  const insideRoots = (real: string): boolean => roots.some((root) => real === root || real.startsWith(root.endsWith(path.sep) ? root : root + path.sep));
  /** The include that brought the file being read, if any: named in its diagnostics' `related`. */
  let cause: SourceLocation | undefined;
  const problem = (file: string, message: string, code: Diagnostic['code'] = 'unreadable-path'): void => {
    diagnostics.push({ severity: 'error', code, message, location: { file: display(file) }, ...(cause ? { related: [cause] } : {}) });
  };

  /**
   * Reads one file; a failure is reported against that file and the others are still read.
   * Returns the source read, `'seen'` for a file read before, or undefined when it was not read.
   */
  const readOne = async (file: string): Promise<PolicySource | 'seen' | undefined> => {
    try {
      if (stopped) return undefined;
      const real = await fs.realpath(file);
      if (seenFiles.has(real)) return 'seen';
      seenFiles.add(real);
      if (seenFiles.size > maxFiles) {
        stopped = true;
        problem(file, `more than ${maxFiles} policy files (the bound on policy files per run); this file and any after it were not read. Point tenantctl at the policies folder only`, 'input-too-large');
        return undefined;
      }
      const info = await fs.stat(file);
      const tooBig = (size: number): boolean => {
        if (size <= maxFileBytes) return false;
        problem(file, `the file is ${size} bytes, more than the ${maxFileBytes} bytes a policy file may have (the bound on one file); is it really a policy?`, 'input-too-large');
        return true;
      };
      if (tooBig(info.size)) return undefined;
      if (totalBytes + info.size > maxTotalBytes) {
        stopped = true;
        problem(file, `reading this file (${info.size} bytes) would take the policy over ${maxTotalBytes} bytes in all (the bound on all policy files together); it and any after it were not read`, 'input-too-large');
        return undefined;
      }
      const bytes = await fs.readFile(file);
      // The file may have grown since stat: hold the bounds on what was read.
      if (tooBig(bytes.length)) return undefined;
      totalBytes += bytes.length;
      if (totalBytes > maxTotalBytes) {
        stopped = true;
        problem(file, `the policy files hold more than ${maxTotalBytes} bytes in all (the bound on all policy files together); this file and any after it were not read`, 'input-too-large');
        return undefined;
      }
      const source = { file: display(file), bytes };
      sources.push(source);
      return source;
    } catch (error) {
      problem(file, describeFileError(error));
      return undefined;
    }
  };

  /** Walks a directory; returns how many policy files it found, readable or not. */
  const walk = async (dir: string, visited: Set<string>): Promise<number> => {
    let names: string[];
    if (stopped) return 0;
    try {
      const real = await fs.realpath(dir);
      if (visited.has(real)) return 0;
      if (!insideRoots(real)) {
        problem(dir, `is a symbolic link to ${real}, outside the policy paths given; tenantctl does not follow it. Give that directory as a policy path too, or remove the link`);
        return 0;
      }
      visited.add(real);
      names = (await fs.readdir(dir)).sort();
    } catch (error) {
      problem(dir, describeFileError(error));
      return 0;
    }
    let found = 0;
    for (const name of names) {
      if (stopped) break;
      const child = path.join(dir, name);
      const info = await fs.stat(child).catch(() => undefined);
      if (info === undefined) continue; // a dangling link: not a policy file
      if (info.isDirectory()) {
        if (!SKIPPED_DIRECTORIES.has(name)) found += await walk(child, visited);
      } else if (info.isFile() && POLICY_EXTENSIONS.has(path.extname(name).toLowerCase())) {
        await readOne(child);
        found++;
      }
    }
    return found;
  };

  for (const given of paths) {
    const absolute = path.resolve(cwd, given);
    const info = await fs.stat(absolute).catch(() => undefined);
    if (info?.isDirectory() === true) {
      const real = await fs.realpath(absolute).catch(() => undefined);
      if (real !== undefined) roots.push(real);
    }
  }

  for (const given of paths) {
    if (stopped) break;
    const absolute = path.resolve(cwd, given);
    try {
      const info = await fs.stat(absolute);
      if (info.isDirectory()) {
        const before = diagnostics.length;
        const found = await walk(absolute, new Set());
        if (found === 0 && diagnostics.length === before) problem(absolute, 'the directory holds no *.yaml or *.yml files; point tenantctl at your policies folder', 'no-policy-files');
      } else if (info.isFile()) {
        await readOne(absolute);
      } else {
        problem(absolute, 'not a file or a directory');
      }
    } catch (error) {
      problem(absolute, describeFileError(error));
    }
  }
  const readMore = async (file: string, includedAt: SourceLocation): Promise<PolicySource | 'seen' | undefined> => {
    cause = includedAt;
    try {
      return await readOne(file);
    } finally {
      cause = undefined;
    }
  };
  return { sources, diagnostics, readMore, display };
}

export interface ReadPolicyFilesResult {
  readonly sources: PolicySource[];
  readonly diagnostics: Diagnostic[];
  /**
   * Reads one more file (an include) under the same bounds as the files already read, sharing their
   * counts, and appends its problems to `diagnostics` with `includedAt` as their related place.
   * Returns its source, `'seen'` when that file (by real path) was read already, or undefined.
   */
  readonly readMore: (file: string, includedAt: SourceLocation) => Promise<PolicySource | 'seen' | undefined>;
  /** A file's name as diagnostics show it: relative to the working directory when inside it. */
  readonly display: (file: string) => string;
}

function describeFileError(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  switch (code) {
    case 'ENOENT':
      return 'no such file or directory; check the path (the default is policies/ in the working directory)';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied; tenantctl needs read access to the policy files';
    case 'ENOTDIR':
      return 'a part of the path is not a directory';
    case 'ELOOP':
      return 'too many symbolic links (a loop?)';
    case 'EISDIR':
      return 'is a directory where a file was expected';
    default:
      return `cannot be read: ${error instanceof Error ? error.message : String(error)}`;
  }
}
