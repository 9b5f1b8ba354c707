// "Did you mean …?" helpers: pure, no I/O. Used for SKU part numbers and service plan names
// (sku-catalog.ts), and meant to be reused for any other misspelt name.

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
