import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import type { Stats } from 'node:fs';
import { access, lstat, mkdir, open, rename, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * Where a command writes (plan --out, export --out, apply --audit-log): checked before the tenant is
 * read, so that a path that cannot be written costs no Graph request and says plainly what is wrong,
 * and written so that a failure at write time is a plain error too (`OutputPathError`, classified in
 * failures.ts), never an internal one.
 *
 * The checks answer "can this be written?" as far as the file system tells without writing; they
 * cannot rule out a disk that fills or a path that changes afterwards (the writers below throw
 * `OutputPathError` then).
 */

/** A path the command was asked to write that cannot be written. Its message names the path. */
export class OutputPathError extends Error {
  override readonly name = 'OutputPathError';
}

/**
 * Whether `file` (relative to `cwd`) can be created or overwritten as a regular file: undefined when
 * it can, else a sentence naming the path and what is wrong. A symbolic link to a file is followed
 * (the caller decides whether it writes through links).
 */
export async function checkOutputFile(file: string, cwd: string): Promise<string | undefined> {
  const target = path.resolve(cwd, file);
  const existing = await statOrError(target);
  if (existing instanceof Error) {
    if (codeOf(existing) !== 'ENOENT' && codeOf(existing) !== 'ENOTDIR') return `cannot write ${file}: ${reasonOf(existing)}`;
    // Not there (or a dangling link): its directory must exist and take new files.
    const parentProblem = await checkDirectoryExists(path.dirname(target));
    return parentProblem === undefined ? undefined : `cannot write ${file}: ${parentProblem}`;
  }
  if (existing.isDirectory()) return `cannot write ${file}: it is a directory`;
  if (!(await writable(target))) return `cannot write ${file}: permission denied`;
  return undefined;
}

/**
 * Whether `directory` (relative to `cwd`) can hold the files `names`: undefined when it can (it may
 * not exist yet: its nearest existing ancestor must then be a directory that takes new entries),
 * else a sentence naming the path and what is wrong. Inside the directory no file to be written may
 * be a symbolic link (a link would send the write elsewhere, possibly outside the directory), a
 * directory, or anything but a regular file.
 */
export async function checkOutputDirectory(directory: string, cwd: string, names: readonly string[] = []): Promise<string | undefined> {
  const target = path.resolve(cwd, directory);
  const existing = await statOrError(target);
  if (existing instanceof Error) {
    if (codeOf(existing) !== 'ENOENT' && codeOf(existing) !== 'ENOTDIR') return `cannot write into ${directory}: ${reasonOf(existing)}`;
    const ancestorProblem = await checkCreatable(target);
    return ancestorProblem === undefined ? undefined : `cannot create ${directory}: ${ancestorProblem}`;
  }
  if (!existing.isDirectory()) return `cannot write into ${directory}: it is not a directory`;
  if (!(await writable(target))) return `cannot write into ${directory}: permission denied`;
  for (const name of names) {
    const problem = await checkEntry(path.join(target, name));
    if (problem !== undefined) return `cannot write ${path.join(directory, name)}: ${problem}`;
  }
  return undefined;
}

/**
 * Writes `text` to `file` (relative to `cwd`) in place, following a link at `file` (plan --out may be
 * /dev/stdout or a link the user made). A file-system failure is an `OutputPathError` naming the path.
 */
export async function writeOutputFile(file: string, cwd: string, text: string): Promise<void> {
  try {
    await writeFile(path.resolve(cwd, file), text, 'utf8');
  } catch (error) {
    throw new OutputPathError(`cannot write ${file}: ${reasonOf(error)}`);
  }
}

/**
 * Writes each file into `directory` (relative to `cwd`; created if needed) atomically: to a new
 * temporary file beside it (opened exclusively, so never through a link), then renamed over the name.
 * A reader sees the old file or the new one, never half of one, and a link at the name is refused,
 * never followed. A file-system failure is an `OutputPathError` naming the path.
 */
export async function writeFilesAtomically(directory: string, cwd: string, files: readonly { readonly name: string; readonly text: string }[]): Promise<void> {
  const target = path.resolve(cwd, directory);
  try {
    await mkdir(target, { recursive: true });
  } catch (error) {
    throw new OutputPathError(`cannot create ${directory}: ${reasonOf(error)}`);
  }
  for (const file of files) {
    const shown = path.join(directory, file.name);
    const destination = path.join(target, file.name);
    const temporary = path.join(target, `.${file.name}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      const handle = await open(temporary, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o666);
      try {
        await handle.writeFile(file.text, 'utf8');
        await handle.sync();
      } finally {
        await handle.close();
      }
      // Checked again just before the rename: a link made since the first check is refused too.
      const problem = await checkEntry(destination);
      if (problem !== undefined) throw new OutputPathError(`cannot write ${shown}: ${problem}`);
      await rename(temporary, destination);
    } catch (error) {
      await unlink(temporary).catch(() => undefined);
      throw error instanceof OutputPathError ? error : new OutputPathError(`cannot write ${shown}: ${reasonOf(error)}`);
    }
  }
}

/** What is wrong with an entry to be replaced by a regular file, or undefined (absent, or a regular file). */
async function checkEntry(entry: string): Promise<string | undefined> {
  let found: Stats;
  try {
    found = await lstat(entry);
  } catch (error) {
    return codeOf(error) === 'ENOENT' ? undefined : reasonOf(error);
  }
  if (found.isSymbolicLink()) return 'it is a symbolic link; refusing to write through it (remove the link, or choose another --out)';
  if (found.isDirectory()) return 'it is a directory';
  if (!found.isFile()) return 'it is not a regular file';
  return undefined;
}

/** An existing directory that takes new entries: undefined, else what is wrong with it. */
async function checkDirectoryExists(directory: string): Promise<string | undefined> {
  const found = await statOrError(directory);
  if (found instanceof Error) {
    if (codeOf(found) === 'ENOENT') return `the directory ${directory} does not exist`;
    if (codeOf(found) === 'ENOTDIR') return `${await firstNonDirectory(directory)} is not a directory`;
    return `${directory}: ${reasonOf(found)}`;
  }
  if (!found.isDirectory()) return `${directory} is not a directory`;
  if (!(await writable(directory))) return `permission denied in ${directory}`;
  return undefined;
}

/** Whether mkdir -p could create `directory`: its nearest existing ancestor must be a writable directory. */
async function checkCreatable(directory: string): Promise<string | undefined> {
  let ancestor = path.dirname(directory);
  for (;;) {
    const found = await statOrError(ancestor);
    if (!(found instanceof Error)) {
      if (!found.isDirectory()) return `${ancestor} is not a directory`;
      return (await writable(ancestor)) ? undefined : `permission denied in ${ancestor}`;
    }
    if (codeOf(found) !== 'ENOENT' && codeOf(found) !== 'ENOTDIR') return `${ancestor}: ${reasonOf(found)}`;
    const parent = path.dirname(ancestor);
    if (parent === ancestor) return `${ancestor} does not exist`;
    ancestor = parent;
  }
}

/** The first component of `file` that exists and is not a directory (for ENOTDIR). */
async function firstNonDirectory(file: string): Promise<string> {
  let current = file;
  const chain: string[] = [];
  while (path.dirname(current) !== current) {
    chain.unshift(current);
    current = path.dirname(current);
  }
  for (const component of chain) {
    const found = await statOrError(component);
    if (!(found instanceof Error) && !found.isDirectory()) return component;
  }
  return file;
}

async function statOrError(file: string): Promise<Stats | Error> {
  try {
    return await stat(file);
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
}

async function writable(file: string): Promise<boolean> {
  try {
    await access(file, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

function codeOf(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string' ? error.code : undefined;
}

const REASONS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file or directory',
  ENOTDIR: 'a part of the path is not a directory',
  EISDIR: 'it is a directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'the file system is read-only',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'the disk quota is exhausted',
  EEXIST: 'it already exists',
  ELOOP: 'too many symbolic links',
  ENAMETOOLONG: 'the name is too long',
};

/** A file-system error said plainly: the reason without Node's "ENOENT: …, open '…'" wrapping. */
export function reasonOf(error: unknown): string {
  const code = codeOf(error);
  if (code !== undefined && REASONS[code] !== undefined) return REASONS[code];
  return error instanceof Error ? error.message : String(error);
}
