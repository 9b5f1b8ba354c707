import { describe, expect, it } from 'vitest';
import { parseRenameTemplate, renderRenameTemplate } from '../../src/domain/rename-template.ts';

describe('renameTo templates', () => {
  it.each([
    ['the default', '{localPart}.restored@{domain}', 'alice.restored@contoso.com'],
    ['with the object id', '{localPart}.{objectId}@{domain}', 'alice.00000000000000000000000000000abc@contoso.com'],
    ['a fixed domain', 'restored-{localPart}@contoso.onmicrosoft.com', 'restored-alice@contoso.onmicrosoft.com'],
  ])('renders %s', (_name, template, expected) => {
    const parsed = parseRenameTemplate(template);
    expect(parsed.ok).toBe(true);
    if (parsed.ok) expect(renderRenameTemplate(parsed.parts, 'alice@contoso.com', '00000000000000000000000000000abc')).toBe(expected);
  });

  it.each([
    ['an unknown placeholder', '{local}.x@{domain}', [{ kind: 'unknown-placeholder', name: 'local', offset: 0 }]],
    ['two unknown placeholders', '{localPart}.{date}@{dom}', [{ kind: 'unknown-placeholder', name: 'date', offset: 12 }, { kind: 'unknown-placeholder', name: 'dom', offset: 19 }]],
    ['a stray brace', '{localPart}}@{domain}', [{ kind: 'unbalanced-brace', offset: 11 }]],
    ['no unique part', 'restored@{domain}', [{ kind: 'not-unique', offset: 0 }]],
    ['an invalid result', '{localPart} restored@{domain}', [{ kind: 'invalid-result', example: 'alice restored@contoso.com', offset: 0 }]],
    ['no domain', '{localPart}.restored', [{ kind: 'invalid-result', example: 'alice.restored', offset: 0 }]],
  ])('rejects %s', (_name, template, problems) => {
    expect(parseRenameTemplate(template)).toEqual({ ok: false, problems });
  });
});
