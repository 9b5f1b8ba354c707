import { isAlias, isCollection, isMap, isPair, isScalar, isSeq, LineCounter, parseAllDocuments, visit } from 'yaml';
import type { Document, Node, YAMLError } from 'yaml';
import type { Diagnostic, SourceLocation } from '../domain/diagnostics.ts';
import { formatLocation } from '../domain/diagnostics.ts';
import type { FastCollection, FastNode } from './fast-yaml.ts';
import { FLOW, fastParseYaml, MAP } from './fast-yaml.ts';
import { scalarAt } from './fast-yaml-scalars.ts';

/** One policy file's bytes, named as the user should see it (relative to the working directory). */
export interface PolicySource {
  readonly file: string;
  readonly bytes: Uint8Array;
}

export type PathSegment = string | number;

/** One YAML document of a policy file, its plain value, and a way back to positions. */
export interface PolicyDocument {
  readonly file: string;
  readonly value: unknown;
  /**
   * Where a path points: the key of a mapping entry (`part: 'key'`) or its value. A path that
   * passes through an alias points at the alias, where the user wrote it.
   */
  locate(path: readonly PathSegment[], part?: 'key' | 'value'): SourceLocation;
  /** The location `offset` characters into the scalar at `path` (for a mistake inside a string). */
  locateInScalar(path: readonly PathSegment[], offset: number): SourceLocation;
  /** The source text of the scalar at `path` as the user wrote it, or undefined when it is not a scalar. */
  written(path: readonly PathSegment[]): string | undefined;
}

export interface ParsedSource {
  readonly documents: readonly PolicyDocument[];
  readonly diagnostics: readonly Diagnostic[];
}

/** Aliases expand on conversion; bound them so a hostile file cannot exhaust memory. */
const MAX_ALIAS_COUNT = 100;

/** Decodes UTF-8 text; binary files and invalid UTF-8 are refused, not guessed at. */
export function decodePolicyText(source: PolicySource): { text: string } | { diagnostic: Diagnostic } {
  const notText = (why: string): { diagnostic: Diagnostic } => ({
    diagnostic: {
      severity: 'error',
      code: 'not-text',
      message: `${why}; a policy file must be UTF-8 YAML text. Remove it from the policy path or restore its contents.`,
      location: { file: source.file },
    },
  });
  if (source.bytes.includes(0)) return notText('the file is binary (it contains NUL bytes)');
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(source.bytes) };
  } catch {
    return notText('the file is not valid UTF-8');
  }
}

type At = (offset: number) => SourceLocation;

/** Parses every YAML document in a file. YAML problems become diagnostics; nothing throws. */
export function parsePolicySource(source: PolicySource): ParsedSource {
  const decoded = decodePolicyText(source);
  if ('diagnostic' in decoded) return { documents: [], diagnostics: [decoded.diagnostic] };
  const { text } = decoded;
  // Most policy files are plain YAML that the fast reader takes: the same value and the same
  // positions, without the library's documents. Anything else is read by the library below.
  const fast = fastParseYaml(text);
  if (fast) return { documents: [fastDocument(source.file, text, fast.root, fast.value)], diagnostics: [] };
  return parseWithLibrary(source.file, text);
}

/** Parses every YAML document of a file's text with the `yaml` library, which reports every problem. */
export function parseWithLibrary(file: string, text: string): ParsedSource {
  const source = { file };
  const lineCounter = new LineCounter();
  const at: At = (offset) => {
    const { line, col } = lineCounter.linePos(Math.max(0, Math.min(offset, text.length)));
    return { file: source.file, line, column: col };
  };

  const diagnostics: Diagnostic[] = [];
  const documents: PolicyDocument[] = [];
  // Duplicate keys are found below, with both places named; logLevel 'error' keeps the
  // library from printing process warnings.
  const parsed = parseAllDocuments(text, { lineCounter, prettyErrors: false, uniqueKeys: false, logLevel: 'error' });
  const yamlDocuments = Array.isArray(parsed) ? parsed : [];

  for (const doc of yamlDocuments) {
    for (const error of doc.errors) diagnostics.push(syntaxDiagnostic(doc, error, at));
    for (const warning of doc.warnings) {
      diagnostics.push({ severity: 'warning', code: 'yaml-warning', message: firstLine(warning.message), location: at(warning.pos[0]) });
    }
    const structural = structuralProblems(doc, at);
    diagnostics.push(...structural.diagnostics);
    if (doc.errors.length > 0 || structural.unreadable || doc.contents === null) continue;
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (error) {
      const firstAlias = structural.firstAlias ?? doc.range[0];
      diagnostics.push({
        severity: 'error',
        code: 'yaml-syntax',
        message: `YAML could not be read: ${firstLine(error instanceof Error ? error.message : String(error))}; use fewer aliases`,
        location: at(firstAlias),
      });
      continue;
    }
    documents.push(documentWithPositions(source.file, text, doc, value, at));
  }

  if (documents.length === 0 && diagnostics.length === 0) {
    diagnostics.push({
      severity: 'warning',
      code: 'empty-file',
      message: 'the file declares nothing; add `apiVersion: tenantctl/v1` and `kind: TenantPolicy`, or delete it',
      location: { file: source.file, line: 1, column: 1 },
    });
  }
  return { documents, diagnostics };
}

function firstLine(message: string): string {
  return message.split('\n', 1)[0]?.trim() ?? message;
}

/**
 * The parser reports an unclosed `[`, `{` or quote where the input ends; point at where it was
 * opened instead: the innermost flow collection or quoted scalar that ends where the error is.
 */
function syntaxDiagnostic(doc: Document.Parsed, error: YAMLError, at: At): Diagnostic {
  let opened: Node | undefined;
  if (/end with|closing/iu.test(error.message)) {
    visit(doc, {
      Node(_key, node) {
        const flow = (isCollection(node) && node.flow === true) || (isScalar(node) && (node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE'));
        if (flow && node.range?.[1] === error.pos[0] && (!opened?.range || node.range[0] > opened.range[0])) opened = node;
      },
    });
  }
  const message = `YAML syntax error: ${firstLine(error.message)}`;
  return {
    severity: 'error',
    code: 'yaml-syntax',
    message: opened ? `${message} (opened here, never closed)` : message,
    location: at(opened?.range ? opened.range[0] : error.pos[0]),
  };
}

/**
 * What YAML allows but a policy cannot use: a key written twice in one mapping (named with
 * its first place), keys that are lists or mappings, and aliases to no anchor.
 */
function structuralProblems(doc: Document.Parsed, at: At): { diagnostics: Diagnostic[]; unreadable: boolean; firstAlias?: number } {
  const diagnostics: Diagnostic[] = [];
  let unreadable = false;
  let firstAlias: number | undefined;
  visit(doc, {
    Map(_key, map) {
      const seen = new Map<string, SourceLocation>();
      for (const pair of map.items) {
        if (!isScalar(pair.key)) continue;
        const name = String(pair.key.value);
        const location = at(pair.key.range?.[0] ?? 0);
        const first = seen.get(name);
        if (first) {
          diagnostics.push({
            severity: 'error',
            code: 'duplicate-key',
            message: `key \`${name}\` appears twice in this mapping (first at ${formatLocation(first)}); keep one and merge their contents`,
            location,
            related: [first],
          });
        } else {
          seen.set(name, location);
        }
      }
    },
    Pair(_key, pair) {
      if (pair.key !== null && !isScalar(pair.key) && !isAlias(pair.key)) {
        unreadable = true;
        const range = (pair.key as Node).range;
        diagnostics.push({ severity: 'error', code: 'invalid-type', message: 'a key must be a plain name, not a list or a mapping', location: at(range?.[0] ?? 0) });
      }
    },
    Alias(_key, alias) {
      firstAlias ??= alias.range?.[0];
      if (alias.resolve(doc) === undefined) {
        unreadable = true;
        diagnostics.push({ severity: 'error', code: 'yaml-syntax', message: `alias *${alias.source} refers to no anchor &${alias.source} defined before it`, location: at(alias.range?.[0] ?? 0) });
      }
    },
  });
  return { diagnostics, unreadable, ...(firstAlias === undefined ? {} : { firstAlias }) };
}

interface Found {
  readonly node: Node | null;
  readonly key: Node | null;
  /** The first alias the path went through: what the user wrote at that place. */
  readonly via: Node | null;
}

function documentWithPositions(file: string, text: string, doc: Document.Parsed, value: unknown, at: At): PolicyDocument {
  const start = doc.contents?.range[0] ?? doc.range[0];
  const find = (path: readonly PathSegment[]): Found => {
    let node: Node | null = doc.contents;
    let key: Node | null = null;
    let via: Node | null = null;
    for (const segment of path) {
      while (isAlias(node)) {
        via ??= node;
        node = node.resolve(doc) ?? null;
      }
      if (isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(segment));
        if (!pair) break;
        key = pair.key as Node;
        node = (pair.value as Node | null) ?? null;
      } else if (isSeq(node) && typeof segment === 'number') {
        const item = node.items[segment] as Node | undefined;
        if (!item) break;
        key = null;
        node = item;
      } else {
        break;
      }
    }
    return { node, key, via };
  };
  /** `key:` with nothing after it has an empty value placed after the colon: point at the key. */
  const isMissingValue = (node: Node | null): boolean =>
    isScalar(node) && node.value === null && node.range !== undefined && node.range !== null && text.slice(node.range[0], node.range[1]).trim() === '';
  const offsetOf = (found: Found, part: 'key' | 'value'): number => {
    if (found.via?.range) return found.via.range[0];
    const useKey = part === 'key' || isMissingValue(found.node) || found.node === null;
    const preferred = useKey ? (found.key ?? found.node) : found.node;
    return preferred?.range ? preferred.range[0] : start;
  };
  return {
    file,
    value,
    locate: (path, part = 'value') => at(offsetOf(find(path), part)),
    locateInScalar: (path, offset) => {
      const found = find(path);
      const { node } = found;
      if (found.via || !isScalar(node) || !node.range) return at(offsetOf(found, 'value'));
      // Plain and simple quoted scalars map characters one to one (after the opening quote).
      const quote = node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE' ? 1 : 0;
      const raw = text.slice(node.range[0], node.range[1]);
      const exact = (node.type === 'PLAIN' || quote === 1) && !raw.includes('\\') && !raw.includes("''");
      return at(node.range[0] + (exact ? quote + offset : 0));
    },
    written: (path) => {
      let { node } = find(path);
      while (isAlias(node)) node = node.resolve(doc) ?? null;
      if (!isScalar(node) || !node.range) return undefined;
      return text.slice(node.range[0], node.range[1]).trim();
    },
  };
}

/** Line and column of an offset, as the library's LineCounter gives them; the line starts are found on first use. */
function lineColumnOf(file: string, text: string): At {
  let lineStarts: number[] | undefined;
  return (offset) => {
    if (!lineStarts) {
      lineStarts = [0];
      for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) lineStarts.push(i + 1);
    }
    const clamped = Math.max(0, Math.min(offset, text.length));
    let low = 0;
    let high = lineStarts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if ((lineStarts[mid] as number) <= clamped) low = mid;
      else high = mid - 1;
    }
    return { file, line: low + 1, column: clamped - (lineStarts[low] as number) + 1 };
  };
}

/** A document the fast reader read: {@link documentWithPositions}'s answers, from the fast reader's nodes. */
function fastDocument(file: string, text: string, root: FastCollection, value: unknown): PolicyDocument {
  const at = lineColumnOf(file, text);
  interface FastFound {
    readonly node: FastNode;
    readonly keyStart: number | undefined;
    /** Whether the node is inside a flow collection. */
    readonly inFlow: boolean;
  }
  const find = (path: readonly PathSegment[]): FastFound => {
    let node: FastNode = root;
    let at: unknown = value;
    let keyStart: number | undefined;
    let inFlow = false;
    for (const segment of path) {
      if (typeof node === 'number') break;
      const flags = node[0] as number;
      if ((flags & MAP) !== 0) {
        const index = Object.keys(at as object).indexOf(String(segment));
        if (index === -1) break;
        keyStart = node[2 + 2 * index] as number;
        node = node[3 + 2 * index] as FastNode;
        at = (at as Record<string, unknown>)[String(segment)];
      } else if (typeof segment === 'number' && Number.isInteger(segment) && segment >= 0 && segment < node.length - 2) {
        keyStart = undefined;
        node = node[2 + segment] as FastNode;
        at = (at as unknown[])[segment];
      } else {
        break;
      }
      inFlow = (flags & FLOW) !== 0;
    }
    return { node, keyStart, inFlow };
  };
  const offsetOf = ({ node, keyStart }: FastFound, part: 'key' | 'value'): number => {
    const empty = typeof node === 'number' && node < 0;
    if ((part === 'key' || empty) && keyStart !== undefined) return keyStart;
    return typeof node === 'number' ? (empty ? -1 - node : node) : (node[1] as number);
  };
  return {
    file,
    value,
    locate: (path, part = 'value') => at(offsetOf(find(path), part)),
    locateInScalar: (path, offset) => {
      const { node, inFlow } = find(path);
      if (typeof node !== 'number') return at(node[1] as number);
      const scalar = scalarAt(text, node, inFlow);
      const quote = scalar.kind === 'single' || scalar.kind === 'double' ? 1 : 0;
      const raw = text.slice(scalar.start, scalar.end);
      const exact = !raw.includes('\\') && !raw.includes("''");
      return at(scalar.start + (exact ? quote + offset : 0));
    },
    written: (path) => {
      const { node, inFlow } = find(path);
      if (typeof node !== 'number') return undefined;
      const scalar = scalarAt(text, node, inFlow);
      return text.slice(scalar.start, scalar.end).trim();
    },
  };
}
