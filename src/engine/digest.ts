import { createHash } from 'node:crypto';
import type { DesiredState } from '../domain/desired.ts';

/**
 * The policy's digest: sha256 over what the policy means (principals, licenses, defaults, tenant),
 * not how it is written, so a comment or a moved file does not make a saved plan stale.
 */
export function digestPolicy(desired: DesiredState): string {
  const meaning = {
    tenantId: desired.tenantId ?? null,
    defaults: { ...desired.defaults, renameTemplate: undefined, restore: { ...desired.defaults.restore, renameTemplate: undefined } },
    principals: [...desired.principals]
      .map(({ source: _source, ...rest }) => rest)
      .sort((a, b) => (a.userPrincipalName < b.userPrincipalName ? -1 : 1)),
  };
  return `sha256:${createHash('sha256').update(canonicalJson(meaning)).digest('hex')}`;
}

/** JSON with object keys sorted, undefined dropped: equal meaning, equal text. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}
