// "Did you mean …?" helpers and the comparison of names: pure, no I/O. Used for SKUs and service plans
// (sku-catalog.ts), policy keys and names, and meant to be reused for any other misspelt name.

/**
 * Levenshtein distance between `a` and `b`: the fewest single-character insertions, deletions and
 * substitutions that turn one into the other. Case-sensitive (lower-case both sides first for a
 * case-insensitive distance). Compares Unicode code points, not UTF-16 code units.
 */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  const s = Array.from(a);
  const t = Array.from(b);
  if (s.length === 0) return t.length;
  if (t.length === 0) return s.length;
  // Two rows of the dynamic-programming table; `prev[j]` = distance(s[0..i), t[0..j)).
  let prev: number[] = Array.from({ length: t.length + 1 }, (_, j) => j);
  let curr: number[] = new Array<number>(t.length + 1).fill(0);
  for (let i = 1; i <= s.length; i++) {
    curr[0] = i;
    for (let j = 1; j <= t.length; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      curr[j] = Math.min(
        (prev[j] ?? 0) + 1, // deletion
        (curr[j - 1] ?? 0) + 1, // insertion
        (prev[j - 1] ?? 0) + cost, // substitution (or match)
      );
    }
    [prev, curr] = [curr, prev];
  }
  return prev[t.length] ?? 0;
}

/** The largest edit distance `closestMatches` accepts for a reference of this many characters. */
export function suggestionThreshold(ref: string): number {
  return Math.max(2, Math.floor(Array.from(ref).length / 4));
}

/**
 * Up to `max` candidates closest to `ref` by case-insensitive edit distance, keeping only those within
 * `suggestionThreshold(ref)` (max(2, floor(length / 4))). Closest first; ties keep the candidates' order.
 * Duplicate candidates are returned once. A candidate equal to `ref` except for case (distance 0) is
 * included, first: it is the best suggestion when names are matched case-sensitively.
 * An empty (or all-whitespace) `ref`, or `max` below 1, gives [].
 */
export function closestMatches(ref: string, candidates: Iterable<string>, max = 3): string[] {
  const limit = Math.floor(max);
  if (!(limit >= 1) || ref.trim() === '') return [];
  const needle = ref.toLowerCase();
  const needleLength = Array.from(needle).length;
  const threshold = suggestionThreshold(ref);
  const seen = new Set<string>();
  const scored: { readonly candidate: string; readonly distance: number; readonly order: number }[] = [];
  for (const candidate of candidates) {
    if (seen.has(candidate)) continue;
    seen.add(candidate);
    const lower = candidate.toLowerCase();
    // The length difference is a lower bound on the distance: skip the full computation when it is too big.
    if (Math.abs(Array.from(lower).length - needleLength) > threshold) continue;
    const distance = editDistance(needle, lower);
    if (distance <= threshold) scored.push({ candidate, distance, order: scored.length });
  }
  scored.sort((x, y) => x.distance - y.distance || x.order - y.order);
  return scored.slice(0, limit).map((s) => s.candidate);
}

/** How names are compared as names: case-insensitive, surrounding whitespace removed, inner runs of whitespace as one space. */
export function nameKey(name: string): string {
  return name.trim().replace(/\s+/gu, ' ').toLowerCase();
}

/** The words of a name, lower case: runs of letters and digits ("YAMMER_ENTERPRISE" → yammer, enterprise). */
export function wordsOf(name: string): string[] {
  return name.toLowerCase().split(/[^\p{L}\p{N}]+/u).filter((w) => w !== '');
}

/** A thing that can be suggested, under every name it is known by (a part number and a product name, say). */
export interface NamedCandidate<T> {
  readonly value: T;
  readonly names: readonly string[];
  /** Ranked before the others that are not exact matches (the tenant's own SKUs, say). */
  readonly preferred?: boolean;
}

/**
 * Up to `max` candidates for a misspelt or partial `ref`, best first. A candidate qualifies by any of its
 * names: equal as a name (nameKey), within `suggestionThreshold(ref)` edits (case-insensitive), or holding
 * every word of `ref` as a word ("Yammer" → YAMMER_ENTERPRISE). Ranking: equal names first, then preferred
 * candidates, then fewer edits, word matches last; ties keep the candidates' order. Values are returned once.
 */
export function rankCandidates<T>(ref: string, candidates: Iterable<NamedCandidate<T>>, max = 3): T[] {
  const limit = Math.floor(max);
  if (!(limit >= 1) || ref.trim() === '') return [];
  const key = nameKey(ref);
  const needle = ref.toLowerCase();
  const needleLength = Array.from(needle).length;
  const threshold = suggestionThreshold(ref);
  const words = wordsOf(ref);
  const distanceTo = (name: string): number | undefined => {
    if (nameKey(name) === key) return -1;
    const lower = name.toLowerCase();
    if (Math.abs(Array.from(lower).length - needleLength) <= threshold) {
      const distance = editDistance(needle, lower);
      if (distance <= threshold) return distance;
    }
    if (words.length === 0) return undefined;
    const theirs = new Set(wordsOf(name));
    return words.every((w) => theirs.has(w)) ? threshold + 1 : undefined;
  };
  const seen = new Set<T>();
  const scored: { readonly value: T; readonly distance: number; readonly preferred: boolean; readonly order: number }[] = [];
  for (const candidate of candidates) {
    if (seen.has(candidate.value)) continue;
    let best: number | undefined;
    for (const name of candidate.names) {
      const distance = distanceTo(name);
      if (distance !== undefined && (best === undefined || distance < best)) best = distance;
    }
    if (best === undefined) continue;
    seen.add(candidate.value);
    scored.push({ value: candidate.value, distance: best, preferred: candidate.preferred === true, order: scored.length });
  }
  const exact = (s: { readonly distance: number }): number => (s.distance < 0 ? 0 : 1);
  scored.sort((x, y) => exact(x) - exact(y) || Number(y.preferred) - Number(x.preferred) || x.distance - y.distance || x.order - y.order);
  return scored.slice(0, limit).map((s) => s.value);
}
