import type { FastCollection, FastNode } from './fast-yaml-node.ts';
import { FLOW, INDEX_LIKE, MAP, MAX_KEY_LENGTH, unsupported } from './fast-yaml-node.ts';
import { COLON, COMMA, HASH, NEWLINE, SPACE } from './fast-yaml-scalars.ts';

const CLOSE_SEQ = 0x5d;
const CLOSE_MAP = 0x7d;

/**
 * The fast YAML reader's single-line flow collections, `[a, b]` and `{k: v}` (fast-yaml.ts): the block reader
 * extends it and gives the scalars and the values inside them.
 */
export abstract class FlowReader {
  protected pos = 0;
  protected readonly text: string;
  /** The node of the value read last. */
  protected node: FastNode = 0;

  constructor(text: string) {
    this.text = text;
  }

  protected abstract atLineEnd(p: number): boolean;
  protected abstract inlineValue(inFlow: boolean): unknown;
  protected abstract quoted(): { value: string; end: number };
  protected abstract plainValue(start: number, end: number, inFlow: boolean): unknown;

  protected skipFlowSpaces(): void {
    while (this.text.charCodeAt(this.pos) === SPACE) this.pos++;
    if (this.atLineEnd(this.pos)) unsupported();
  }

  /**
   * The items of a flow collection opened at `pos`, up to `close`, separated by `, ` (none empty, none trailing);
   * `item` reads one. Ends after the closing bracket.
   */
  private flowItems(close: number, item: () => void): void {
    const { text } = this;
    this.pos++;
    this.skipFlowSpaces();
    if (text.charCodeAt(this.pos) !== close) {
      for (;;) {
        item();
        this.skipFlowSpaces();
        const d = text.charCodeAt(this.pos);
        if (d === close) break;
        if (d !== COMMA) unsupported();
        this.pos++;
        this.skipFlowSpaces();
        if (text.charCodeAt(this.pos) === close || text.charCodeAt(this.pos) === COMMA) unsupported();
      }
    }
    this.pos++;
    this.flowEnd();
  }

  protected flowSeq(): unknown {
    const value: unknown[] = [];
    const node: FastCollection = [FLOW, this.pos];
    this.flowItems(CLOSE_SEQ, () => {
      value.push(this.inlineValue(true));
      node.push(this.node);
    });
    this.node = node;
    return value;
  }

  protected flowMap(): unknown {
    const { text } = this;
    const value: Record<string, unknown> = {};
    const node: FastCollection = [MAP | FLOW, this.pos];
    this.flowItems(CLOSE_MAP, () => {
      const keyStart = this.pos;
      const key = this.inlineFlowKey();
      if (typeof key !== 'string' || Object.hasOwn(value, key) || key === '__proto__' || key === '<<' || INDEX_LIKE.test(key)) unsupported();
      if (text.charCodeAt(this.pos) !== COLON || text.charCodeAt(this.pos + 1) !== SPACE) unsupported();
      this.pos++;
      this.skipFlowSpaces();
      const d = text.charCodeAt(this.pos);
      if (d === COMMA || d === CLOSE_MAP) unsupported();
      value[key as string] = this.inlineValue(true);
      node.push(keyStart, this.node);
    });
    this.node = node;
    return value;
  }

  /** A key inside a flow mapping: a quoted scalar or a plain one ending at `: `; `pos` ends at the colon. */
  protected inlineFlowKey(): unknown {
    const { text } = this;
    const c = text.charCodeAt(this.pos);
    if (c === 0x22 || c === 0x27) {
      const { value } = this.quoted();
      return value;
    }
    if (c === 0x5b || c === 0x7b) unsupported();
    const start = this.pos;
    let p = start;
    for (;;) {
      const d = text.charCodeAt(p);
      if (p >= text.length || d === NEWLINE || d === COMMA || d === 0x5b || d === 0x5d || d === 0x7b || d === 0x7d || d === HASH) unsupported();
      if (d === COLON) {
        if (text.charCodeAt(p + 1) !== SPACE) unsupported();
        break;
      }
      p++;
    }
    let e = p;
    while (text.charCodeAt(e - 1) === SPACE) e--;
    if (e <= start || p - start > MAX_KEY_LENGTH) unsupported();
    this.pos = p;
    return this.plainValue(start, e, true);
  }

  /** A flow collection must not be a key: `[a]: b` and `{a: b}: c` are left to the library. */
  protected flowEnd(): void {
    let p = this.pos;
    while (this.text.charCodeAt(p) === SPACE) p++;
    if (this.text.charCodeAt(p) === COLON) unsupported();
  }
}
