import type { Diagnostic, SourceLocation } from '../domain/diagnostics.ts';
import { formatLocation } from '../domain/diagnostics.ts';
import type { ChangeAction } from '../domain/plan.ts';
import { ACTION_ORDER } from '../domain/plan.ts';
import { parseRenameTemplate, RENAME_PLACEHOLDERS } from '../domain/rename-template.ts';
import { isValidUserPrincipalName, normaliseUserPrincipalName } from '../domain/upn.ts';
import type { PathSegment, PolicyDocument } from './source.ts';
import { isRecord } from './shape.ts';
import { clip } from './clip.ts';

/** A setting that may be written in any one file, or in several with the same value. */
export interface Setting {
  readonly value: unknown;
  readonly location: SourceLocation;
}

/**
 * The settings' leaf paths: `tenant.id`, every key under `defaults` and under `watch`. `defaults.protected`
 * is a list, compared as a set of UPNs: files that repeat it must list the same accounts (in any order,
 * any case); two different lists are a conflict, so that no file quietly extends or shortens it.
 * `watch.heal` likewise, as a set of actions: no file widens what heals without a person.
 */
const SETTING_PATHS: readonly (readonly string[])[] = [
  ['tenant', 'id'],
  ['defaults', 'usageLocation'],
  ['defaults', 'restore', 'autoReconcileProxyConflict'],
  ['defaults', 'restore', 'onUpnConflict'],
  ['defaults', 'restore', 'renameTo'],
  ['defaults', 'whenMissing'],
  ['defaults', 'whenPurged'],
  ['defaults', 'pruneLicenses'],
  ['defaults', 'protected'],
  ['watch', 'heal'],
  ['watch', 'maxChangesPerHour'],
];

export type Settings = ReadonlyMap<string, Setting>;

function valueAt(root: unknown, path: readonly PathSegment[]): unknown {
  let value = root;
  for (const segment of path) value = isRecord(value) ? value[segment] : undefined;
  return value;
}

/** Collects settings across documents; the same setting with two values is an error naming both. */
export function collectSettings(documents: readonly PolicyDocument[], diagnostics: Diagnostic[]): Settings {
  const settings = new Map<string, Setting>();
  for (const document of documents) {
    for (const path of SETTING_PATHS) {
      const value = valueAt(document.value, path);
      if (value === undefined) continue;
      const key = path.join('.');
      const location = document.locate(path);
      const first = settings.get(key);
      if (!first) {
        settings.set(key, { value, location });
      } else if (!sameSetting(key, first.value, value)) {
        diagnostics.push({
          severity: 'error',
          code: 'conflicting-setting',
          message: `${key} is ${clip(JSON.stringify(value))} here but ${clip(JSON.stringify(first.value))} at ${formatLocation(first.location)}; set it in one file only`,
          location,
          related: [first.location],
        });
      }
    }
  }
  return settings;
}

function sameSetting(key: string, a: unknown, b: unknown): boolean {
  if (key === 'tenant.id' && typeof a === 'string' && typeof b === 'string') return a.toLowerCase() === b.toLowerCase();
  if (key === 'defaults.protected' && Array.isArray(a) && Array.isArray(b)) {
    const left = protectedUpns(a);
    const right = protectedUpns(b);
    return left.length === right.length && left.every((upn, i) => upn === right[i]);
  }
  if (key === 'watch.heal' && Array.isArray(a) && Array.isArray(b)) {
    const left = healActions(a);
    const right = healActions(b);
    return left.length === right.length && left.every((action, i) => action === right[i]);
  }
  return a === b;
}

/** The known plan actions of a `watch.heal` list, each once, in ACTION_ORDER (the schema reports the unknown ones). */
export function healActions(list: unknown): ChangeAction[] {
  if (!Array.isArray(list)) return [];
  return ACTION_ORDER.filter((action) => list.includes(action));
}

/** The valid UPNs of a `defaults.protected` list: lower case, each once, sorted (the schema reports the invalid ones). */
export function protectedUpns(list: unknown): string[] {
  if (!Array.isArray(list)) return [];
  const upns = list.filter((upn): upn is string => typeof upn === 'string' && isValidUserPrincipalName(upn)).map(normaliseUserPrincipalName);
  return [...new Set(upns)].sort();
}

/**
 * Settings that were renamed: the old key is still read, as the new one, with a warning at each
 * place it is written; the old and the new key set to different values is an error naming both.
 */
const RENAMED_SETTINGS: readonly { readonly old: readonly string[]; readonly now: readonly string[]; readonly values: string }[] = [
  { old: ['defaults', 'whenPurged'], now: ['defaults', 'whenMissing'], values: 'create or report' },
];

export function checkRenamedSettings(documents: readonly PolicyDocument[], settings: Settings, diagnostics: Diagnostic[]): void {
  for (const { old, now, values } of RENAMED_SETTINGS) {
    const oldKey = old.join('.');
    const newKey = now.join('.');
    for (const document of documents) {
      if (valueAt(document.value, old) === undefined) continue;
      diagnostics.push({
        severity: 'warning',
        code: 'deprecated-setting',
        message: `${oldKey} is deprecated: write ${newKey} (same values: ${values})`,
        location: document.locate(old, 'key'),
      });
    }
    const before = settings.get(oldKey);
    const after = settings.get(newKey);
    if (before && after && before.value !== after.value) {
      diagnostics.push({
        severity: 'error',
        code: 'conflicting-setting',
        message: `${oldKey} is ${clip(JSON.stringify(before.value))} here but ${newKey} is ${clip(JSON.stringify(after.value))} at ${formatLocation(after.location)}; ${oldKey} is the old name of ${newKey}: delete ${oldKey} and keep the value you want in ${newKey}`,
        location: before.location,
        related: [after.location],
      });
    }
  }
}

/** A renamed setting's value: the new key's, else the old key's (read as the new one). */
export function renamedSetting(settings: Settings, key: string): Setting | undefined {
  const renamed = RENAMED_SETTINGS.find((r) => r.now.join('.') === key);
  return settings.get(key) ?? (renamed ? settings.get(renamed.old.join('.')) : undefined);
}

/** The rename template's placeholders and result, checked where the template is written. */
export function checkRenameTemplate(documents: readonly PolicyDocument[], diagnostics: Diagnostic[]): void {
  const path = ['defaults', 'restore', 'renameTo'];
  for (const document of documents) {
    const template = valueAt(document.value, path);
    if (typeof template !== 'string' || template === '') continue;
    const parsed = parseRenameTemplate(template);
    if (parsed.ok) continue;
    for (const problem of parsed.problems) {
      const location = document.locateInScalar(path, problem.offset);
      const known = RENAME_PLACEHOLDERS.map((p) => `{${p}}`).join(', ');
      if (problem.kind === 'unknown-placeholder') {
        diagnostics.push({ severity: 'error', code: 'unknown-placeholder', message: `renameTo has an unknown placeholder {${problem.name}}; known placeholders: ${known}`, location });
      } else {
        const why =
          problem.kind === 'unbalanced-brace'
            ? 'has a { or } that does not belong to a placeholder'
            : problem.kind === 'not-unique'
              ? 'must contain {localPart} or {objectId}, or every renamed user would get the same UPN'
              : `does not make a valid UPN (for alice@contoso.com it gives "${problem.example}")`;
        diagnostics.push({ severity: 'error', code: 'invalid-rename-template', message: `renameTo ${why}; for example "{localPart}.restored@{domain}"`, location });
      }
    }
  }
}
