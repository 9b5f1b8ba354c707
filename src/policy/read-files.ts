import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Diagnostic } from '../domain/diagnostics.ts';
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
}

/** A policy this large is a mistake (a log or an archive in the folder), not 50,000 users. */
export const MAX_POLICY_FILE_BYTES = 64 * 1024 * 1024;
const POLICY_EXTENSIONS = new Set(['.yaml', '.yml']);
/** Folders a recursive search never enters. */
const SKIPPED_DIRECTORIES = new Set(['node_modules', '.git']);

/**
 * Reads the policy files named by `paths`: files as given, directories recursively (their
 * `*.yaml` and `*.yml` files, sorted by name). Problems become diagnostics; nothing throws.
 */
export async function readPolicyFiles(paths: readonly string[], options: ReadPolicyFilesOptions = {}): Promise<{ sources: PolicySource[]; diagnostics: Diagnostic[] }> {
  const fs = options.fs ?? nodeFileSystem;
  const cwd = options.cwd ?? process.cwd();
  const display = (file: string): string => {
    const relative = path.relative(cwd, file);
    return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : file;
  };
  const sources: PolicySource[] = [];
  const diagnostics: Diagnostic[] = [];
  const seenFiles = new Set<string>();
  const problem = (file: string, message: string, code: Diagnostic['code'] = 'unreadable-path'): void => {
    diagnostics.push({ severity: 'error', code, message, location: { file: display(file) } });
  };

  /** Reads one file; a failure is reported against that file and the others are still read. */
  const readOne = async (file: string): Promise<void> => {
    try {
      const real = await fs.realpath(file);
      if (seenFiles.has(real)) return;
      seenFiles.add(real);
      const info = await fs.stat(file);
      if (info.size > MAX_POLICY_FILE_BYTES) {
        problem(file, `the file is ${info.size} bytes, more than the ${MAX_POLICY_FILE_BYTES} a policy file may have; is it really a policy?`);
        return;
      }
      sources.push({ file: display(file), bytes: await fs.readFile(file) });
    } catch (error) {
      problem(file, describeFileError(error));
    }
  };

  /** Walks a directory; returns how many policy files it found, readable or not. */
  const walk = async (dir: string, visited: Set<string>): Promise<number> => {
    let names: string[];
    try {
      const real = await fs.realpath(dir);
      if (visited.has(real)) return 0;
      visited.add(real);
      names = (await fs.readdir(dir)).sort();
    } catch (error) {
      problem(dir, describeFileError(error));
      return 0;
    }
    let found = 0;
    for (const name of names) {
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
  return { sources, diagnostics };
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
