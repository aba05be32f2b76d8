/** "Did you mean": the known name closest to a mistyped or differently spelled one. */

/** The name closest to `wanted` (the same but for case, or at most two edits away), if any. */
export function nearestName(wanted: string, names: Iterable<string>): string | undefined {
  const candidates = [...names].filter((n) => n !== wanted);
  const lower = wanted.toLowerCase();
  const sameCase = candidates.find((n) => n.toLowerCase() === lower);
  if (sameCase) return sameCase;
  let best: { name: string; distance: number } | undefined;
  for (const name of candidates) {
    const distance = editDistance(lower, name.toLowerCase());
    if (distance <= Math.min(2, Math.floor(wanted.length / 2)) && (!best || distance < best.distance)) best = { name, distance };
  }
  return best?.name;
}

/** Levenshtein distance: insertions, deletions and substitutions. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}
