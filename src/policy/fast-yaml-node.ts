/** The fast YAML reader's document model and the pieces its block and flow readers share (fast-yaml.ts). */

/**
 * A mapping or sequence of the document, kept as one array to keep a large document light:
 * `[flags, start, ...]` where flags are {@link MAP} and {@link FLOW} and start is the offset where
 * it is written; then a sequence's items, or for each key of a mapping the offset of the key and
 * the value's node (in the order of `Object.keys` of the mapping's value: integer-like keys, which
 * JavaScript would list first, are left to the library). A scalar is only a number: the offset where
 * it starts, or for an empty value (`key:` and nothing after it) -1 minus the offset where the
 * library places it; its kind and end are read again from the text when needed ({@link scalarAt}).
 */
export type FastCollection = FastNode[];
/** Flags of a {@link FastCollection}: a mapping (else a sequence); written in flow style (`[...]`, `{...}`). */
export const MAP = 1;
export const FLOW = 2;
export type FastNode = FastCollection | number;

export interface FastDocument {
  readonly value: unknown;
  readonly root: FastCollection;
}

/** Thrown inside the reader when the text leaves the subset it reads; never escapes it. */
export class Unsupported extends Error {}
export const unsupported = (): never => {
  throw new Unsupported();
};

/** The library refuses implicit keys longer than 1024 characters. */
export const MAX_KEY_LENGTH = 1000;

/** Keys JavaScript lists before all others (array indices), whatever their place in the text. */
export const INDEX_LIKE = /^(?:0|[1-9][0-9]*)$/u;
