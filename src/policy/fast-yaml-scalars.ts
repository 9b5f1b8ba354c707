/**
 * The scalars of fast-yaml.ts: where a quoted or plain scalar ends, and how the YAML 1.2 core schema reads
 * a plain one, exactly as the `yaml` library does (test/policy/fast-yaml.test.ts holds them to it).
 */

export const FLOW_PLAIN_STOP = /[\n,[\]{}:#]/gu;
export const BLOCK_PLAIN_STOP = /[\n:#]/gu;

export const SPACE = 0x20;
export const NEWLINE = 0x0a;
export const HASH = 0x23;
export const COLON = 0x3a;
export const DASH = 0x2d;
export const COMMA = 0x2c;

/** A scalar node's kind and extent: `end` is where its text ends (quotes included). */
export function scalarAt(text: string, node: number, inFlow: boolean): { kind: 'empty' | 'plain' | 'single' | 'double'; start: number; end: number } {
  if (node < 0) return { kind: 'empty', start: -1 - node, end: -1 - node };
  const c = text.charCodeAt(node);
  if (c === 0x22 || c === 0x27) return { kind: c === 0x22 ? 'double' : 'single', start: node, end: quotedEndAt(text, node) };
  return { kind: 'plain', start: node, end: plainEndAt(text, node, inFlow) };
}

/** The offset after the closing quote of the quoted scalar at `p`, or -1 when it is not one the reader takes. */
export function quotedEndAt(text: string, p: number): number {
  const quote = text.charCodeAt(p);
  for (let q = p + 1; q < text.length; q++) {
    const d = text.charCodeAt(q);
    if (d === NEWLINE) return -1;
    if (quote === 0x22 && d === 0x5c /* backslash */) return -1;
    if (d === quote) {
      if (quote === 0x27 && text.charCodeAt(q + 1) === 0x27) {
        q++;
        continue;
      }
      return q + 1;
    }
  }
  return -1;
}

/** Where a plain scalar the reader took ends (its trailing spaces left out): as `inlineValue` found it. */
export function plainEndAt(text: string, start: number, inFlow: boolean): number {
  let p = start;
  for (;;) {
    const stop = inFlow ? FLOW_PLAIN_STOP : BLOCK_PLAIN_STOP;
    stop.lastIndex = p;
    p = stop.exec(text)?.index ?? text.length;
    const d = text.charCodeAt(p);
    if (p >= text.length || d === NEWLINE || (d === HASH && text.charCodeAt(p - 1) === SPACE) || (inFlow && d !== HASH && d !== COLON)) break;
    p++;
  }
  while (text.charCodeAt(p - 1) === SPACE) p--;
  return p;
}

const NULL = /^(?:~|[Nn]ull|NULL)?$/u;
const BOOL = /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/u;
const INT_OCT = /^0o[0-7]+$/u;
const INT = /^[-+]?[0-9]+$/u;
const INT_HEX = /^0x[0-9a-fA-F]+$/u;
const FLOAT_NAN = /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/u;
const FLOAT_EXP = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/u;
const FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/u;

/** The YAML 1.2 core schema's reading of a plain scalar, in the library's order and with its conversions. */
export function resolvePlain(source: string): unknown {
  const c = source.charCodeAt(0);
  const maybeSpecial = c === 0x7e || c === 0x6e || c === 0x4e || c === 0x74 || c === 0x54 || c === 0x66 || c === 0x46 || c === 0x2b || c === DASH || c === 0x2e || (c >= 0x30 && c <= 0x39);
  if (!maybeSpecial) return source;
  if (NULL.test(source)) return null;
  if (BOOL.test(source)) return c === 0x74 || c === 0x54;
  if (INT_OCT.test(source)) return parseInt(source.substring(2), 8);
  if (INT.test(source)) return parseInt(source, 10);
  if (INT_HEX.test(source)) return parseInt(source.substring(2), 16);
  if (FLOAT_NAN.test(source)) return source.slice(-3).toLowerCase() === 'nan' ? Number.NaN : source[0] === '-' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  if (FLOAT_EXP.test(source) || FLOAT.test(source)) return parseFloat(source);
  return source;
}
