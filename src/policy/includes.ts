import path from 'node:path';
import type { Diagnostic, SourceLocation } from '../domain/diagnostics.ts';
import { formatLocation } from '../domain/diagnostics.ts';
import type { ParsedPolicySource } from './assemble.ts';
import { parseSource } from './assemble.ts';
import { clip } from './clip.ts';
import type { ReadPolicyFilesOptions } from './read-files.ts';
import { nodeFileSystem, POLICY_EXTENSIONS, readPolicyFiles } from './read-files.ts';
import { isRecord } from './shape.ts';
import type { PolicyDocument, PolicySource } from './source.ts';

/**
 * Known top-level keys an included file may not hold: it holds shared fragments only (licenses, defaults, watch),
 * never a tenant's identity or principals. Unknown keys are the schema's `unknown-key`.
 */
const NOT_SHARED_KEYS: readonly string[] = ['tenant', 'users', 'mailboxes', 'include'];

export interface PolicySources {
  /** Every file read, the policy's own first, then the included ones (each once). */
  readonly sources: readonly PolicySource[];
  /** The same files parsed; included files without the keys they may not hold (each reported). */
  readonly parsed: readonly ParsedPolicySource[];
  readonly diagnostics: readonly Diagnostic[];
}

/**
 * Reads the policy files under `paths` and the files their `include:` lists name, under one set of
 * bounds (read-files.ts). An include is a path relative to the including file that must stay inside
 * the working directory (no absolute path, no `..` out of it, no symbolic link out of it) and name a
 * `.yaml`/`.yml` file. Included files may hold only `licenses`, `defaults` and `watch`; they cannot
 * include further files (no chains, so no cycles). A file included twice, or already part of the
 * policy, is read once. Problems become diagnostics at the include that names the file; nothing throws.
 */
export async function readPolicySources(paths: readonly string[], options: ReadPolicyFilesOptions = {}): Promise<PolicySources> {
  const fs = options.fs ?? nodeFileSystem;
  const cwd = path.resolve(options.cwd ?? process.cwd());
  const read = await readPolicyFiles(paths, { ...options, cwd });
  const own = read.sources.map(parseSource);
  const parsed: ParsedPolicySource[] = [...own];
  const diagnostics: Diagnostic[] = [];
  const realCwd = await fs.realpath(cwd).catch(() => cwd);
  const error = (code: Diagnostic['code'], message: string, location: SourceLocation): void => {
    diagnostics.push({ severity: 'error', code, message, location });
  };

  for (const file of own) {
    for (const document of file.documents) {
      const list = isRecord(document.value) ? document.value.include : undefined;
      if (!Array.isArray(list)) continue; // not a list: the schema says so
      for (const [index, entry] of list.entries()) {
        if (typeof entry !== 'string' || entry === '') continue; // the schema says so
        const at = document.locate(['include', index]);
        const target = await resolveInclude(entry, file.file, at);
        if (target === undefined) continue;
        const source = await read.readMore(target, at);
        if (source === undefined || source === 'seen') continue;
        const included = parseSource(source);
        parsed.push({ ...included, documents: included.documents.map((d) => sharedOnly(d, source.file, at, diagnostics)) });
      }
    }
  }

  /** The absolute path an include names, or undefined after reporting why it cannot be read. */
  async function resolveInclude(entry: string, includingFile: string, at: SourceLocation): Promise<string | undefined> {
    const shown = clip(entry);
    if (path.isAbsolute(entry) || path.win32.isAbsolute(entry)) {
      error('invalid-include', `include "${shown}" is an absolute path; an include is relative to the file that names it (for example ../../common/licenses.yaml), so that the repository reads the same on every machine`, at);
      return undefined;
    }
    const target = path.resolve(path.dirname(path.resolve(cwd, includingFile)), entry);
    if (!inside(cwd, target)) {
      error('invalid-include', `include "${shown}" resolves to ${target}, outside the working directory ${cwd}; shared files must be inside the repository: move the file into it, or run tenantctl from the repository's root`, at);
      return undefined;
    }
    const folders = options.tenantFolders;
    if (folders !== undefined && inside(path.resolve(cwd, folders.root), target) && !inside(path.resolve(cwd, folders.own), target)) {
      error('invalid-include', `include "${shown}" reaches into another tenant's folder; a tenant includes only shared files, kept outside ${read.display(path.resolve(cwd, folders.root))} (for example common/licenses.yaml)`, at);
      return undefined;
    }
    if (!POLICY_EXTENSIONS.has(path.extname(target).toLowerCase())) {
      error('invalid-include', `include "${shown}" is not a .yaml or .yml file; include policy files only`, at);
      return undefined;
    }
    const shownTarget = read.display(target);
    let real: string;
    try {
      real = await fs.realpath(target);
    } catch {
      error('unreadable-path', `include "${shown}": ${shownTarget} does not exist or cannot be read; the path is relative to ${includingFile}`, at);
      return undefined;
    }
    if (!inside(realCwd, real)) {
      error('invalid-include', `include "${shown}": ${shownTarget} is a symbolic link to ${real}, outside the working directory; tenantctl does not follow it. Copy the file into the repository instead`, at);
      return undefined;
    }
    const info = await fs.stat(real).catch(() => undefined);
    if (info?.isFile() !== true) {
      error('invalid-include', `include "${shown}": ${shownTarget} is not a file; include each policy file by name`, at);
      return undefined;
    }
    return target;
  }

  return { sources: read.sources, parsed, diagnostics: [...read.diagnostics, ...diagnostics] };
}

/** Whether `file` is `dir` or inside it (both absolute). */
function inside(dir: string, file: string): boolean {
  const relative = path.relative(dir, file);
  return relative !== '' && relative !== '..' && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative);
}

/**
 * An included file's document with only what a shared file may hold: each key it may not hold is an
 * `include-not-shared` error at that key, and is left out, so that nothing of it reaches the policy.
 */
function sharedOnly(document: PolicyDocument, file: string, includedAt: SourceLocation, diagnostics: Diagnostic[]): PolicyDocument {
  const value = document.value;
  if (!isRecord(value)) return document;
  const refused = NOT_SHARED_KEYS.filter((key) => key in value);
  if (refused.length === 0) return document;
  for (const key of refused) {
    const why =
      key === 'include'
        ? `an included file cannot include other files (tenantctl reads one level of includes); list these files in the include of the tenant that needs them`
        : `an included file is shared between tenants and may hold only licenses, defaults and watch, so that no tenant's identity or principals reach another tenant; move \`${key}\` into the tenant's own folder`;
    diagnostics.push({
      severity: 'error',
      code: 'include-not-shared',
      message: `\`${key}\` in ${file}, which is included at ${formatLocation(includedAt)}: ${why}`,
      location: document.locate([key], 'key'),
      related: [includedAt],
    });
  }
  const kept = Object.fromEntries(Object.entries(value).filter(([key]) => !NOT_SHARED_KEYS.includes(key)));
  return { ...document, value: kept };
}
