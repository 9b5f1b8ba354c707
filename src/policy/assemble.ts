import { compareDiagnostics, hasErrors } from '../domain/diagnostics.ts';
import type { Diagnostic } from '../domain/diagnostics.ts';
import type { DesiredDefaults, DesiredLicense, DesiredState, OnUpnConflict, WhenPurged } from '../domain/desired.ts';
import { DEFAULT_RENAME_TEMPLATE } from '../domain/desired.ts';
import { parseRenameTemplate } from '../domain/rename-template.ts';
import { collectLicenseSets } from './licenses.ts';
import { checkCountryCode, collectPrincipals } from './principals.ts';
import { checkPolicySchema } from './schema-check.ts';
import type { Settings } from './settings.ts';
import { checkRenameTemplate, collectSettings } from './settings.ts';
import type { PolicyDocument, PolicySource } from './source.ts';
import { parsePolicySource } from './source.ts';

export interface PolicyResult {
  /** Present only when there is no error (warnings and infos allowed). */
  readonly desired?: DesiredState;
  /** Every problem found, in a deterministic order. */
  readonly diagnostics: readonly Diagnostic[];
  readonly files: readonly string[];
}

/**
 * Parses, validates and merges policy files. Pure apart from its input: never throws on any
 * bytes, and reports every problem it can find in one pass.
 */
export function assemblePolicy(sources: readonly PolicySource[], readDiagnostics: readonly Diagnostic[] = []): PolicyResult {
  const diagnostics: Diagnostic[] = [...readDiagnostics];
  const documents: PolicyDocument[] = [];
  for (const source of sources) {
    const parsed = parsePolicySource(source);
    diagnostics.push(...parsed.diagnostics);
    for (const document of parsed.documents) {
      diagnostics.push(...checkPolicySchema(document));
      documents.push(document);
    }
  }

  const settings = collectSettings(documents, diagnostics);
  checkRenameTemplate(documents, diagnostics);
  const usageLocation = settings.get('defaults.usageLocation');
  if (typeof usageLocation?.value === 'string') checkCountryCode(usageLocation.value, () => usageLocation.location, diagnostics);
  const licenseSets = collectLicenseSets(documents, diagnostics);
  const principals = collectPrincipals(documents, licenseSets, diagnostics);
  for (const set of licenseSets.values()) {
    if (set.used) continue;
    diagnostics.push({ severity: 'info', code: 'unused-license-set', message: `license set "${set.name}" is not used by any user or mailbox`, location: set.location });
  }

  const files = sources.map((s) => s.file);
  const sorted = diagnostics.sort(compareDiagnostics);
  if (hasErrors(sorted)) return { diagnostics: sorted, files };

  const tenantId = settings.get('tenant.id')?.value;
  const desired: DesiredState = {
    ...(typeof tenantId === 'string' ? { tenantId: tenantId.toLowerCase() } : {}),
    defaults: defaultsFrom(settings),
    principals: [...principals.filter((p) => p.kind === 'user'), ...principals.filter((p) => p.kind === 'mailbox')],
    licenseSets: new Map<string, DesiredLicense>([...licenseSets.values()].flatMap((set) => (set.license ? [[set.name, set.license] as const] : []))),
    files,
  };
  return { desired, diagnostics: sorted, files };
}

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
    whenPurged: get<WhenPurged>('defaults.whenPurged', 'report'),
    pruneLicenses: get('defaults.pruneLicenses', false),
  };
}
