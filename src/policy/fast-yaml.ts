/**
 * A fast reader for the plain YAML that policy files are nearly always written in: one document,
 * block mappings and sequences, single-line flow collections, plain and quoted single-line scalars,
 * and comments. It gives the same value the `yaml` library gives, and remembers where each node
 * starts, an order of magnitude faster and with far less garbage than the library's documents.
 *
 * It answers only for text it reads exactly as the library does, and gives up (returns undefined)
 * on anything else: anchors, aliases, tags, directives, several documents, block scalars,
 * multi-line scalars or flow collections, escapes, tabs, control characters, duplicate keys, keys
 * that are not strings, and anything the library would report as an error or a warning. The caller
 * then reads the file with the library, which reports every problem; so this reader decides
 * nothing about what is valid, and test/policy/fast-yaml.test.ts holds it to the library.
 */
import { FlowReader } from './fast-yaml-flow.ts';
import type { FastCollection, FastDocument } from './fast-yaml-node.ts';
import { INDEX_LIKE, MAP, MAX_KEY_LENGTH, Unsupported, unsupported } from './fast-yaml-node.ts';
import { BLOCK_PLAIN_STOP, COLON, COMMA, DASH, FLOW_PLAIN_STOP, HASH, NEWLINE, quotedEndAt, resolvePlain, SPACE } from './fast-yaml-scalars.ts';

export type { FastCollection, FastDocument, FastNode } from './fast-yaml-node.ts';
export { FLOW, MAP } from './fast-yaml-node.ts';

/** Characters whose presence anywhere sends the file to the full parser. */
const REFUSED_CHARACTERS = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\ufeff\ufffe\uffff]/u; // eslint-disable-line no-control-regex -- finding them is the point
/** Where a plain scalar may end, or holds what this reader must look at: in a flow collection, and on a block line. */
/** Reads `text` as the `yaml` library would (core schema), or returns undefined when it cannot be sure to. */
export function fastParseYaml(text: string): FastDocument | undefined {
  if (REFUSED_CHARACTERS.test(text)) return undefined;
  try {
    return new Reader(text).document();
  } catch (error) {
    if (error instanceof Unsupported) return undefined;
    throw error;
  }
}

class Reader extends FlowReader {
  document(): FastDocument {
    if (!this.nextContentLine() || this.indentAt(this.pos) !== 0) unsupported();
    const first = this.pos;
    if (this.text.startsWith('---', first) || this.text.startsWith('...', first) || this.text.charCodeAt(first) === 0x25 /* % */) unsupported();
    if (!this.isImplicitKeyAt(first)) unsupported();
    const value = this.blockMap(0);
    const root = this.node as FastCollection;
    if (this.nextContentLine()) unsupported();
    return { value, root };
  }

  // ---- lines ---------------------------------------------------------------------------------

  /** Moves `pos` to the first non-space character of the next line holding content (not blank, not a comment); false at the end. */
  private nextContentLine(): boolean {
    const { text } = this;
    let pos = this.pos;
    // `pos` is at the start of a line or after content that was already read on it.
    for (;;) {
      if (pos >= text.length) {
        this.pos = pos;
        return false;
      }
      let p = pos;
      while (text.charCodeAt(p) === SPACE) p++;
      const c = text.charCodeAt(p);
      if (p >= text.length) {
        this.pos = p;
        return false;
      }
      if (c === NEWLINE) {
        pos = p + 1;
        continue;
      }
      if (c === HASH) {
        const end = text.indexOf('\n', p);
        if (end === -1) {
          this.pos = text.length;
          return false;
        }
        pos = end + 1;
        continue;
      }
      this.pos = p;
      return true;
    }
  }

  /** The column of `pos` (the number of spaces before it on its line, when only spaces are). */
  private indentAt(pos: number): number {
    const lineStart = this.text.lastIndexOf('\n', pos - 1) + 1;
    return pos - lineStart;
  }

  /** After a value on a line: only spaces and a comment may follow before the line ends. */
  private endOfLine(): void {
    const { text } = this;
    let p = this.pos;
    while (text.charCodeAt(p) === SPACE) p++;
    if (p >= text.length) {
      this.pos = p;
      return;
    }
    const c = text.charCodeAt(p);
    if (c === HASH && p > this.pos) {
      const end = text.indexOf('\n', p);
      this.pos = end === -1 ? text.length : end + 1;
      return;
    }
    if (c !== NEWLINE) unsupported();
    this.pos = p + 1;
  }

  protected atLineEnd(p: number): boolean {
    return p >= this.text.length || this.text.charCodeAt(p) === NEWLINE;
  }

  // ---- block collections --------------------------------------------------------------------

  /** Whether the line content at `p` is `key:` (a plain or quoted key followed by `:` and a space or the line's end). */
  private isImplicitKeyAt(p: number): boolean {
    const { text } = this;
    const c = text.charCodeAt(p);
    if (c === 0x22 || c === 0x27) {
      const close = this.quotedEnd(p);
      if (close === -1) return false;
      let q = close;
      while (text.charCodeAt(q) === SPACE) q++;
      return text.charCodeAt(q) === COLON && (this.atLineEnd(q + 1) || text.charCodeAt(q + 1) === SPACE);
    }
    if (c === 0x5b || c === 0x7b) return false;
    for (let q = p; q < text.length; q++) {
      const d = text.charCodeAt(q);
      if (d === NEWLINE) return false;
      if (d === HASH && text.charCodeAt(q - 1) === SPACE) return false;
      if (d === COLON && (this.atLineEnd(q + 1) || text.charCodeAt(q + 1) === SPACE)) return true;
    }
    return false;
  }

  /** A block mapping whose keys sit at column `indent`; `pos` is at its first key. */
  private blockMap(indent: number): unknown {
    const { text } = this;
    const value: Record<string, unknown> = {};
    const node: FastCollection = [MAP, this.pos];
    for (;;) {
      const keyStart = this.pos;
      if (!this.isImplicitKeyAt(keyStart)) unsupported();
      const key = this.key();
      if (Object.hasOwn(value, key) || key === '__proto__' || key === '<<' || INDEX_LIKE.test(key)) unsupported();
      // `pos` is just after the colon.
      let p = this.pos;
      while (text.charCodeAt(p) === SPACE) p++;
      let child: unknown;
      if (this.atLineEnd(p) || (text.charCodeAt(p) === HASH && p > this.pos)) {
        const afterColon = p; // the library places an empty value after the spaces that follow the colon
        this.endOfLine();
        const lineAfter = this.pos;
        if (this.nextContentLine()) {
          const childIndent = this.indentAt(this.pos);
          const isDash = this.isSeqEntryAt(this.pos);
          if (childIndent > indent) child = isDash ? this.blockSeq(childIndent) : this.nestedMap(childIndent);
          else if (childIndent === indent && isDash) child = this.blockSeq(childIndent);
          else child = this.empty(afterColon, lineAfter);
        } else {
          child = this.empty(afterColon, lineAfter);
        }
      } else {
        this.pos = p;
        child = this.inlineValue(false);
        this.endOfLine();
      }
      value[key] = child;
      node.push(keyStart, this.node);
      if (!this.nextContentLine()) break;
      const next = this.indentAt(this.pos);
      if (next < indent) break;
      if (next > indent) unsupported();
      if (this.isSeqEntryAt(this.pos)) break; // the caller decides whether a sequence may follow here
    }
    this.node = node;
    return value;
  }

  /** A mapping that starts on a line of its own. */
  private nestedMap(indent: number): unknown {
    if (!this.isImplicitKeyAt(this.pos)) unsupported();
    return this.blockMap(indent);
  }

  /** An empty value (`key:` with nothing after it); `lineAfter` is where reading resumes. */
  private empty(at: number, lineAfter: number): null {
    this.pos = lineAfter;
    this.node = -1 - at;
    return null;
  }

  private isSeqEntryAt(p: number): boolean {
    return this.text.charCodeAt(p) === DASH && (this.atLineEnd(p + 1) || this.text.charCodeAt(p + 1) === SPACE);
  }

  /** A block sequence whose dashes sit at column `indent`; `pos` is at its first dash. */
  private blockSeq(indent: number): unknown {
    const { text } = this;
    const value: unknown[] = [];
    const node: FastCollection = [0, this.pos];
    for (;;) {
      let p = this.pos + 1;
      while (text.charCodeAt(p) === SPACE) p++;
      if (this.atLineEnd(p) || text.charCodeAt(p) === HASH) unsupported(); // an item on the lines below: leave it to the library
      if (this.isSeqEntryAt(p)) unsupported();
      this.pos = p;
      let item: unknown;
      if (this.isImplicitKeyAt(p)) {
        item = this.blockMap(this.indentAt(p));
      } else {
        item = this.inlineValue(false);
        this.endOfLine();
      }
      value.push(item);
      node.push(this.node);
      if (!this.nextContentLine()) break;
      const next = this.indentAt(this.pos);
      if (next < indent) break;
      if (next > indent || !this.isSeqEntryAt(this.pos)) {
        if (next === indent) break; // a key of the mapping that holds this sequence
        unsupported();
      }
    }
    this.node = node;
    return value;
  }

  // ---- keys and scalars ---------------------------------------------------------------------

  /** Reads a key at `pos` and the colon after it; `pos` ends after the colon. */
  private key(): string {
    const { text } = this;
    const start = this.pos;
    const c = text.charCodeAt(start);
    let key: string;
    if (c === 0x22 || c === 0x27) {
      const node = this.quoted();
      key = node.value as string;
    } else {
      let q = start;
      while (!(text.charCodeAt(q) === COLON && (this.atLineEnd(q + 1) || text.charCodeAt(q + 1) === SPACE))) q++;
      let e = q;
      while (text.charCodeAt(e - 1) === SPACE) e--;
      const resolved = this.plainValue(start, e, false);
      if (typeof resolved !== 'string') unsupported();
      key = resolved as string;
      this.pos = q;
    }
    while (text.charCodeAt(this.pos) === SPACE) this.pos++;
    if (text.charCodeAt(this.pos) !== COLON || this.pos - start > MAX_KEY_LENGTH) unsupported();
    this.pos++;
    return key;
  }

  /** A value written on the current line: a flow collection, a quoted or a plain scalar. */
  protected inlineValue(inFlow: boolean): unknown {
    const { text } = this;
    const c = text.charCodeAt(this.pos);
    if (c === 0x5b) return this.flowSeq();
    if (c === 0x7b) return this.flowMap();
    if (c === 0x22 || c === 0x27) {
      this.node = this.pos;
      return this.quoted().value;
    }
    const start = this.pos;
    let p = start;
    if (inFlow) {
      for (;;) {
        FLOW_PLAIN_STOP.lastIndex = p;
        p = FLOW_PLAIN_STOP.exec(text)?.index ?? text.length;
        const d = text.charCodeAt(p);
        if (p >= text.length || d === NEWLINE || d === COLON) unsupported();
        if (d !== HASH) break;
        if (text.charCodeAt(p - 1) === SPACE) unsupported();
        p++;
      }
    } else {
      for (;;) {
        BLOCK_PLAIN_STOP.lastIndex = p;
        p = BLOCK_PLAIN_STOP.exec(text)?.index ?? text.length;
        const d = text.charCodeAt(p);
        if (p >= text.length || d === NEWLINE) break;
        if (d === HASH && text.charCodeAt(p - 1) === SPACE) break;
        if (d === COLON && (this.atLineEnd(p + 1) || text.charCodeAt(p + 1) === SPACE)) unsupported();
        p++;
      }
    }
    let e = p;
    while (text.charCodeAt(e - 1) === SPACE) e--;
    if (e <= start) unsupported();
    const value = this.plainValue(start, e, inFlow);
    this.pos = e;
    this.node = start;
    return value;
  }

  /** A quoted scalar at `pos`, on one line and without escapes; `pos` ends after the closing quote. */
  protected quoted(): { value: string; end: number } {
    const start = this.pos;
    const end = this.quotedEnd(start);
    if (end === -1) unsupported();
    const inner = this.text.slice(start + 1, end - 1);
    this.pos = end;
    const after = this.text.charCodeAt(end);
    // Whatever follows must end the scalar: a space, the line's end, or a flow indicator.
    if (!(this.atLineEnd(end) || after === SPACE || after === COLON || after === COMMA || after === 0x5d || after === 0x7d)) unsupported();
    return { value: this.text.charCodeAt(start) === 0x27 ? inner.replaceAll("''", "'") : inner, end };
  }

  private quotedEnd(p: number): number {
    return quotedEndAt(this.text, p);
  }

  /** A plain scalar's value by the core schema, as the library resolves it. */
  protected plainValue(start: number, end: number, inFlow: boolean): unknown {
    const { text } = this;
    const c = text.charCodeAt(start);
    // Indicators that cannot start a plain scalar, or start one the library reads otherwise.
    if (
      c === 0x3f /* ? */ || c === COLON || c === COMMA || c === 0x5b || c === 0x5d || c === 0x7b || c === 0x7d || c === HASH || c === 0x26 /* & */ ||
      c === 0x2a /* * */ || c === 0x21 /* ! */ || c === 0x7c /* | */ || c === 0x3e /* > */ || c === 0x22 || c === 0x27 || c === 0x25 /* % */ || c === 0x40 /* @ */ || c === 0x60 /* ` */
    ) {
      unsupported();
    }
    if (c === DASH && (end === start + 1 || text.charCodeAt(start + 1) === SPACE || (inFlow && text.charCodeAt(start + 1) === COMMA))) unsupported();
    const source = text.slice(start, end);
    return resolvePlain(source);
  }

  // ---- flow collections ---------------------------------------------------------------------
}
