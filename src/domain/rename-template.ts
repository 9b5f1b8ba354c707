import { isValidUserPrincipalName, splitUserPrincipalName } from './upn.ts';

/**
 * The `defaults.restore.renameTo` template: the UPN a restored user gets when an
 * active user now holds its old one. Placeholders are replaced by the declared
 * UPN's parts and the deleted object's id.
 */
export const RENAME_PLACEHOLDERS = ['localPart', 'domain', 'objectId'] as const;
export type RenamePlaceholder = (typeof RENAME_PLACEHOLDERS)[number];

export type RenameTemplatePart =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'placeholder'; readonly name: RenamePlaceholder };

export type RenameTemplateProblem =
  | { readonly kind: 'unknown-placeholder'; readonly name: string; readonly offset: number }
  | { readonly kind: 'unbalanced-brace'; readonly offset: number }
  | { readonly kind: 'not-unique'; readonly offset: number }
  | { readonly kind: 'invalid-result'; readonly example: string; readonly offset: number };

export type ParsedRenameTemplate =
  | { readonly ok: true; readonly parts: readonly RenameTemplatePart[] }
  | { readonly ok: false; readonly problems: readonly RenameTemplateProblem[] };

function isPlaceholder(name: string): name is RenamePlaceholder {
  return (RENAME_PLACEHOLDERS as readonly string[]).includes(name);
}

const PLACEHOLDER = /\{([^{}]*)\}|[{}]/gu;

/** Parses and checks a template; every problem is reported with its offset in the string. */
export function parseRenameTemplate(template: string): ParsedRenameTemplate {
  const parts: RenameTemplatePart[] = [];
  const problems: RenameTemplateProblem[] = [];
  let last = 0;
  for (const match of template.matchAll(PLACEHOLDER)) {
    const offset = match.index;
    if (offset > last) parts.push({ kind: 'text', text: template.slice(last, offset) });
    last = offset + match[0].length;
    const name = match[1];
    if (name === undefined) problems.push({ kind: 'unbalanced-brace', offset });
    else if (isPlaceholder(name)) parts.push({ kind: 'placeholder', name });
    else problems.push({ kind: 'unknown-placeholder', name, offset });
  }
  if (last < template.length) parts.push({ kind: 'text', text: template.slice(last) });
  if (problems.length > 0) return { ok: false, problems };

  const names = new Set(parts.flatMap((p) => (p.kind === 'placeholder' ? [p.name] : [])));
  if (!names.has('localPart') && !names.has('objectId')) return { ok: false, problems: [{ kind: 'not-unique', offset: 0 }] };

  const example = renderRenameTemplate(parts, 'alice@contoso.com', '0f3c1a5200004000800000000000000a');
  if (!isValidUserPrincipalName(example)) return { ok: false, problems: [{ kind: 'invalid-result', example, offset: 0 }] };
  return { ok: true, parts };
}

/** The new UPN for a declared UPN and the deleted object's id (32 hex digits). */
export function renderRenameTemplate(parts: readonly RenameTemplatePart[], userPrincipalName: string, objectId: string): string {
  const { localPart, domain } = splitUserPrincipalName(userPrincipalName);
  const values: Readonly<Record<RenamePlaceholder, string>> = { localPart, domain, objectId };
  return parts.map((p) => (p.kind === 'text' ? p.text : values[p.name])).join('');
}
