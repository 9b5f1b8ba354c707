import { isAlias, isMap, isScalar, isSeq, LineCounter, parseAllDocuments } from 'yaml';
import type { Document, Node } from 'yaml';
import type { Diagnostic, SourceLocation } from '../domain/diagnostics.ts';

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
  /** Where a path points: the key of a mapping entry (`part: 'key'`) or its value. */
  locate(path: readonly PathSegment[], part?: 'key' | 'value'): SourceLocation;
  /** The location `offset` characters into the scalar at `path` (for a mistake inside a string). */
  locateInScalar(path: readonly PathSegment[], offset: number): SourceLocation;
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

/** Parses every YAML document in a file. YAML problems become diagnostics; nothing throws. */
export function parsePolicySource(source: PolicySource): ParsedSource {
  const decoded = decodePolicyText(source);
  if ('diagnostic' in decoded) return { documents: [], diagnostics: [decoded.diagnostic] };
  const { text } = decoded;
  const lineCounter = new LineCounter();
  const at = (offset: number): SourceLocation => {
    const { line, col } = lineCounter.linePos(Math.max(0, Math.min(offset, text.length)));
    return { file: source.file, line, column: col };
  };

  const diagnostics: Diagnostic[] = [];
  const documents: PolicyDocument[] = [];
  const parsed = parseAllDocuments(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const yamlDocuments = Array.isArray(parsed) ? parsed : [];

  for (const doc of yamlDocuments) {
    for (const error of doc.errors) {
      const duplicate = error.code === 'DUPLICATE_KEY';
      diagnostics.push({
        severity: 'error',
        code: duplicate ? 'duplicate-key' : 'yaml-syntax',
        message: duplicate
          ? 'this key appears twice in the same mapping; keep one and merge their contents'
          : `YAML syntax error: ${firstLine(error.message)}`,
        location: at(error.pos[0]),
      });
    }
    for (const warning of doc.warnings) {
      diagnostics.push({ severity: 'warning', code: 'yaml-warning', message: firstLine(warning.message), location: at(warning.pos[0]) });
    }
    if (doc.errors.length > 0 || doc.contents === null) continue;
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (error) {
      diagnostics.push({
        severity: 'error',
        code: 'yaml-syntax',
        message: `YAML could not be read: ${firstLine(error instanceof Error ? error.message : String(error))}`,
        location: at(doc.range[0]),
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

function documentWithPositions(
  file: string,
  text: string,
  doc: Document.Parsed,
  value: unknown,
  at: (offset: number) => SourceLocation,
): PolicyDocument {
  const start = doc.contents?.range[0] ?? doc.range[0];
  const find = (path: readonly PathSegment[]): { node: Node | null; key: Node | null } => {
    let node: Node | null = doc.contents;
    let key: Node | null = null;
    for (const segment of path) {
      while (isAlias(node)) node = node.resolve(doc) ?? null;
      if (isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(segment));
        if (!pair) break;
        key = isScalar(pair.key) ? pair.key : null;
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
    return { node, key };
  };
  const offsetOf = (found: { node: Node | null; key: Node | null }, part: 'key' | 'value'): number => {
    const preferred = part === 'key' ? (found.key ?? found.node) : (found.node ?? found.key);
    // A missing value (`key:`) has an empty range after the key; point at the key then.
    const range = preferred?.range ?? found.key?.range;
    return range ? range[0] : start;
  };
  return {
    file,
    value,
    locate: (path, part = 'value') => at(offsetOf(find(path), part)),
    locateInScalar: (path, offset) => {
      const { node } = find(path);
      if (!isScalar(node) || !node.range) return at(offsetOf(find(path), 'value'));
      // Plain and simple quoted scalars map characters one to one (after the opening quote).
      const quote = node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE' ? 1 : 0;
      const plainOrQuoted = node.type === 'PLAIN' || quote === 1;
      const raw = text.slice(node.range[0], node.range[1]);
      const exact = plainOrQuoted && !raw.includes('\\') && !raw.includes("''");
      return at(node.range[0] + (exact ? quote + offset : 0));
    },
  };
}
