import { compareDiagnostics, countDiagnostics, hasErrors, SEVERITY_RANK } from '../domain/diagnostics.ts';
import type { Diagnostic } from '../domain/diagnostics.ts';
import type { DesiredDefaults, DesiredLicense, DesiredState, DesiredWatch, OnUpnConflict } from '../domain/desired.ts';
import { DEFAULT_RENAME_TEMPLATE } from '../domain/desired.ts';
import { DEFAULT_WATCH } from '../domain/heal.ts';
import { parseRenameTemplate } from '../domain/rename-template.ts';
import { checkControlCharacters } from './control-characters.ts';
import { clip } from './clip.ts';
import { collectLicenseSets } from './licenses.ts';
import { checkCountryCode, collectPrincipals, whenMissingOf } from './principals.ts';
import { checkPolicySchema } from './schema-check.ts';
import type { Settings } from './settings.ts';
import { checkRenamedSettings, checkRenameTemplate, collectSettings, healActions, protectedUpns, renamedSetting } from './settings.ts';
import type { ParsedSource, PolicyDocument, PolicySource } from './source.ts';
import { parsePolicySource } from './source.ts';
import { isRecord } from './shape.ts';

export interface PolicyResult {
  /** Present only when there is no error (warnings and infos allowed). */
  readonly desired?: DesiredState;
  /** Every problem found, in a deterministic order. */
  readonly diagnostics: readonly Diagnostic[];
  readonly files: readonly string[];
}

export interface AssemblePolicyOptions {
  /** At most this many diagnostics are reported, then one saying how many more there were (default {@link MAX_DIAGNOSTICS}). */
  readonly maxDiagnostics?: number;
  /** `tenant.id` must be set (the many-tenant layout): without it, a `missing-tenant-id` error. */
  readonly requireTenantId?: boolean;
}

/** One policy file, parsed: its name as the user sees it, its documents and its YAML problems. */
export interface ParsedPolicySource extends ParsedSource {
  readonly file: string;
}

/** Parses one policy file (see {@link parsePolicySource}). */
export function parseSource(source: PolicySource): ParsedPolicySource {
  return { file: source.file, ...parsePolicySource(source) };
}

/** Diagnostics reported per run; a file of 100,000 quotes must not print 50,000 lines. */
export const MAX_DIAGNOSTICS = 200;

/**
 * Parses, validates and merges policy files. Pure apart from its input: never throws on any
 * bytes, and reports every problem it can find in one pass.
 */
export function assemblePolicy(sources: readonly PolicySource[], readDiagnostics: readonly Diagnostic[] = [], options: AssemblePolicyOptions = {}): PolicyResult {
  return assembleParsed(sources.map(parseSource), readDiagnostics, options);
}

/** {@link assemblePolicy} of files already parsed (the loader parses them once, to find their includes). */
export function assembleParsed(sources: readonly ParsedPolicySource[], readDiagnostics: readonly Diagnostic[] = [], options: AssemblePolicyOptions = {}): PolicyResult {
  const diagnostics: Diagnostic[] = [...readDiagnostics];
  const documents: PolicyDocument[] = [];
  for (const parsed of sources) {
    diagnostics.push(...parsed.diagnostics);
    for (const document of parsed.documents) {
      diagnostics.push(...checkPolicySchema(document));
      checkControlCharacters(document, diagnostics);
      documents.push(document);
    }
  }

  const settings = collectSettings(documents, diagnostics);
  if (options.requireTenantId === true) checkTenantId(settings, documents, sources, diagnostics);
  checkRenamedSettings(documents, settings, diagnostics);
  checkRenameTemplate(documents, diagnostics);
  const defaults = defaultsFrom(settings);
  const usageLocation = settings.get('defaults.usageLocation');
  if (typeof usageLocation?.value === 'string') checkCountryCode(usageLocation.value, () => usageLocation.location, diagnostics);
  const licenseSets = collectLicenseSets(documents, diagnostics);
  const principals = collectPrincipals(documents, licenseSets, { whenMissing: defaults.whenMissing, protected: new Set(defaults.protected) }, diagnostics);
  for (const set of licenseSets.values()) {
    if (set.used) continue;
    diagnostics.push({ severity: 'info', code: 'unused-license-set', message: `license set "${clip(set.name)}" is not used by any user or mailbox`, location: set.location });
  }

  const files = sources.map((s) => s.file);
  const sorted = capDiagnostics(diagnostics.sort(compareDiagnostics), options.maxDiagnostics ?? MAX_DIAGNOSTICS);
  if (hasErrors(sorted)) return { diagnostics: sorted, files };

  const tenantId = settings.get('tenant.id')?.value;
  const desired: DesiredState = {
    ...(typeof tenantId === 'string' ? { tenantId: tenantId.toLowerCase() } : {}),
    defaults,
    principals: [...principals.filter((p) => p.kind === 'user'), ...principals.filter((p) => p.kind === 'mailbox')],
    licenseSets: new Map<string, DesiredLicense>([...licenseSets.values()].flatMap((set) => (set.license ? [[set.name, set.license] as const] : []))),
    files,
    watch: watchFrom(settings),
  };
  return { desired, diagnostics: sorted, files };
}

/**
 * In the many-tenant layout every tenant names its tenant id, so that its policy can never be planned or applied
 * against another tenant: without one, an error at the `tenant` section, else at the start of the first file.
 */
function checkTenantId(settings: Settings, documents: readonly PolicyDocument[], sources: readonly ParsedPolicySource[], diagnostics: Diagnostic[]): void {
  if (settings.has('tenant.id')) return;
  const first = sources[0];
  if (first === undefined) return; // no file at all is reported as such
  const section = documents.find((document) => isRecord(document.value) && document.value.tenant !== undefined);
  diagnostics.push({
    severity: 'error',
    code: 'missing-tenant-id',
    message:
      'this tenant has no tenant.id; in a --tenants layout every tenant must name its directory (tenant) id, so that its policy can never reach another tenant. Add `tenant: {id: <GUID>}` to one of its files (the GUID is in the Entra admin center, Overview, Tenant ID)',
    location: section ? section.locate(['tenant'], 'key') : { file: first.file, line: 1, column: 1 },
  });
}

/**
 * Keeps the `max` most severe diagnostics (errors before warnings before notes, each in the
 * usual order) and adds one, last, that says how many were left out and as what severity the
 * worst of them was; so the result has errors exactly when the full list had.
 */
function capDiagnostics(sorted: Diagnostic[], max: number): Diagnostic[] {
  if (sorted.length <= max) return sorted;
  const limit = Math.max(0, Math.floor(max));
  const bySeverity = [...sorted].sort((a, b) => SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity]); // stable: keeps the order within a severity
  const kept = new Set(bySeverity.slice(0, limit));
  const left = bySeverity.slice(limit);
  const { errors, warnings, infos } = countDiagnostics(left);
  const parts = [
    errors > 0 ? `${errors} error${errors === 1 ? '' : 's'}` : undefined,
    warnings > 0 ? `${warnings} warning${warnings === 1 ? '' : 's'}` : undefined,
    infos > 0 ? `${infos} note${infos === 1 ? '' : 's'}` : undefined,
  ].filter((part) => part !== undefined);
  const summary: Diagnostic = {
    severity: errors > 0 ? 'error' : warnings > 0 ? 'warning' : 'info',
    code: 'too-many-diagnostics',
    message: `${left.length} more diagnostic${left.length === 1 ? '' : 's'} (${parts.join(', ')}) left out: only the first ${limit} are reported; fix these and run again`,
  };
  return [...sorted.filter((d) => kept.has(d)), summary];
}

/** The defaults as the settings give them; values of the wrong shape (reported by the schema) fall back. */
function defaultsFrom(settings: Settings): DesiredDefaults {
  const get = <T>(key: string, fallback: T): T => (settings.get(key)?.value as T | undefined) ?? fallback;
  const renameTo = get('defaults.restore.renameTo', DEFAULT_RENAME_TEMPLATE);
  const parsed = parseRenameTemplate(renameTo);
  const usageLocation = settings.get('defaults.usageLocation')?.value;
  return {
    ...(typeof usageLocation === 'string' ? { usageLocation } : {}),
    restore: {
      autoReconcileProxyConflict: get('defaults.restore.autoReconcileProxyConflict', true),
      onUpnConflict: get<OnUpnConflict>('defaults.restore.onUpnConflict', 'fail'),
      renameTo,
      renameTemplate: parsed.ok ? parsed.parts : [],
    },
    whenMissing: whenMissingOf(renamedSetting(settings, 'defaults.whenMissing')?.value) ?? 'create',
    pruneLicenses: get('defaults.pruneLicenses', false),
    protected: protectedUpns(settings.get('defaults.protected')?.value),
  };
}

/** The `watch` section, defaults filled in (src/domain/heal.ts); only read once the policy is valid. */
function watchFrom(settings: Settings): DesiredWatch {
  const heal = settings.get('watch.heal')?.value;
  const max = settings.get('watch.maxChangesPerHour')?.value;
  return {
    heal: Array.isArray(heal) ? healActions(heal) : DEFAULT_WATCH.heal,
    maxChangesPerHour: typeof max === 'number' && Number.isInteger(max) ? max : DEFAULT_WATCH.maxChangesPerHour,
  };
}
