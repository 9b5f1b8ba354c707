import { createHash } from 'node:crypto';
import type { DesiredState } from '../domain/desired.ts';

/**
 * The policy's digest: sha256 over what the policy means (principals, licenses, defaults, tenant),
 * not how it is written, so a comment or a moved file does not make a saved plan stale. The text
 * hashed is `canonicalJson({defaults, principals, tenantId})`, principals sorted by UPN.
 */
export function digestPolicy(desired: DesiredState): string {
  const hash = createHash('sha256');
  for (const piece of meaningPieces(desired)) hash.update(piece);
  return `sha256:${hash.digest('hex')}`;
}

/**
 * The same digest, giving the event loop a turn every `chunk` principals: hashing 50,000 principals
 * takes most of a second, and the tenant's pages in flight are read in the meantime.
 */
export async function digestPolicyYielding(desired: DesiredState, chunk = 2000): Promise<string> {
  const hash = createHash('sha256');
  let count = 0;
  for (const piece of meaningPieces(desired)) {
    hash.update(piece);
    if (++count % chunk === 0) await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return `sha256:${hash.digest('hex')}`;
}

/** canonicalJson of the policy's meaning, in pieces: the head, one piece per principal, the tail. */
function* meaningPieces(desired: DesiredState): Generator<string> {
  const defaults = { ...desired.defaults, renameTemplate: undefined, restore: { ...desired.defaults.restore, renameTemplate: undefined } };
  // Keys in canonical order: defaults, principals, tenantId.
  yield `{"defaults":${canonicalJson(defaults)},"principals":[`;
  const principals = [...desired.principals].sort((a, b) => (a.userPrincipalName < b.userPrincipalName ? -1 : 1));
  for (let i = 0; i < principals.length; i++) {
    const { source: _source, ...rest } = principals[i] as DesiredState['principals'][number];
    yield `${i === 0 ? '' : ','}${canonicalJson(rest)}`;
  }
  yield `],"tenantId":${canonicalJson(desired.tenantId ?? null)}}`;
}

/** JSON with object keys sorted (by UTF-16 code units), undefined dropped: equal meaning, equal text. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += `${i === 0 ? '' : ','}${canonicalJson(value[i])}`;
    return `${out}]`;
  }
  const record = value as Record<string, unknown>;
  let out = '{';
  let first = true;
  for (const key of Object.keys(record).sort()) {
    const item = record[key];
    if (item === undefined) continue;
    out += `${first ? '' : ','}${JSON.stringify(key)}:${canonicalJson(item)}`;
    first = false;
  }
  return `${out}}`;
}
