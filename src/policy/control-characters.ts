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
  /** The path to the container being read; copied only for a diagnostic. */
  const path: PathSegment[] = [];
  const report = (text: string, key: string | undefined): void => {
    const match = findControlCharacter(text);
    if (!match) return;
    const code = match.code;
    const at = key === undefined ? [...path] : [...path, key];
    const where = key === undefined ? describePath(document, at) : `${describePath(document, path)}: a key`;
    diagnostics.push({
      severity: 'error',
      code: 'invalid-value',
      message: `${where} contains the control character ${codePointName(code)}; policy strings may not hold control characters (U+0000–U+001F, U+007F–U+009F): remove it`,
      location: key === undefined ? document.locateInScalar(at, match.index) : document.locate(at, 'key'),
    });
  };
  /** A list or mapping being read (depth-first, without recursion: a document may nest deeply). */
  interface Frame {
    readonly container: unknown[] | Record<string, unknown>;
    /** The mapping's keys, or undefined for a list. */
    readonly keys: readonly string[] | undefined;
    next: number;
  }
  const frames: Frame[] = [];
  /** Reads a string, or opens a list or mapping; true when a frame was opened. */
  const visit = (value: unknown): boolean => {
    if (typeof value === 'string') {
      report(value, undefined);
    } else if (Array.isArray(value)) {
      if (seen.has(value)) return false;
      seen.add(value);
      frames.push({ container: value, keys: undefined, next: 0 });
      return true;
    } else if (typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype) {
      if (seen.has(value)) return false;
      seen.add(value);
      const keys = Object.keys(value);
      for (const key of keys) report(key, key);
      frames.push({ container: value as Record<string, unknown>, keys, next: 0 });
      return true;
    }
    return false;
  };
  visit(document.value);
  while (frames.length > 0) {
    const frame = frames[frames.length - 1] as Frame;
    const length = frame.keys ? frame.keys.length : (frame.container as unknown[]).length;
    if (frame.next >= length) {
      frames.pop();
      path.pop(); // the segment that led here (none for the document itself: pop on an empty array is harmless)
      continue;
    }
    const index = frame.next++;
    const segment: PathSegment = frame.keys ? (frame.keys[index] as string) : index;
    const child = frame.keys ? (frame.container as Record<string, unknown>)[segment] : (frame.container as unknown[])[index];
    path.push(segment);
    if (!visit(child)) path.pop();
  }
}
