import { findControlCharacter } from '../domain/control-characters.ts';
import type { Diagnostic } from '../domain/diagnostics.ts';
import { describePath } from './schema-check.ts';
import type { PathSegment, PolicyDocument } from './source.ts';

const NAMES: Readonly<Record<number, string>> = {
  0x00: 'NUL',
  0x07: 'bell',
  0x08: 'backspace',
  0x09: 'tab',
  0x0a: 'line feed',
  0x0d: 'carriage return',
  0x1b: 'escape, which starts terminal escape sequences',
  0x7f: 'delete',
  0x9b: 'CSI, which starts terminal escape sequences',
};

function codePointName(code: number): string {
  const hex = `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  const name = NAMES[code] ?? (code >= 0x80 ? 'a C1 control character' : 'a control character');
  return `${hex} (${name})`;
}

/**
 * Every string of a policy document, keys included, must be free of control characters: they
 * have no place in a name, and would reach terminals and logs that print the name.
 */
export function checkControlCharacters(document: PolicyDocument, diagnostics: Diagnostic[]): void {
  const seen = new Set<object>();
  const stack: { value: unknown; path: PathSegment[] }[] = [{ value: document.value, path: [] }];
  const report = (text: string, path: readonly PathSegment[], isKey: boolean): void => {
    const match = findControlCharacter(text);
    if (!match) return;
    const code = match.code;
    const where = isKey ? `${describePath(document, path.slice(0, -1))}: a key` : describePath(document, path);
    diagnostics.push({
      severity: 'error',
      code: 'invalid-value',
      message: `${where} contains the control character ${codePointName(code)}; policy strings may not hold control characters (U+0000–U+001F, U+007F–U+009F): remove it`,
      location: isKey ? document.locate(path, 'key') : document.locateInScalar(path, match.index),
    });
  };
  while (stack.length > 0) {
    const { value, path } = stack.pop() as { value: unknown; path: PathSegment[] };
    if (typeof value === 'string') {
      report(value, path, false);
    } else if (Array.isArray(value)) {
      if (seen.has(value)) continue;
      seen.add(value);
      for (let index = value.length - 1; index >= 0; index--) stack.push({ value: value[index], path: [...path, index] });
    } else if (typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype) {
      if (seen.has(value)) continue;
      seen.add(value);
      const items = Object.entries(value);
      for (const [key] of items) report(key, [...path, key], true);
      for (let index = items.length - 1; index >= 0; index--) {
        const [key, child] = items[index] as [string, unknown];
        stack.push({ value: child, path: [...path, key] });
      }
    }
  }
}
