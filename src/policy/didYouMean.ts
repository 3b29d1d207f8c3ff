/**
 * Levenshtein edit distance extended with adjacent transpositions (optimal string alignment
 * distance, Damerau 1964): insert, delete, substitute and swap of neighbours each cost 1, so the
 * common typo `abrot` is 1 away from `abort`.
 */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  const at = (i: number, j: number): number => d[i]?.[j] ?? 0;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, at(i - 2, j - 2) + 1);
      d[i]![j] = v;
    }
  }
  return at(a.length, b.length);
}

const sortedChars = (s: string): string => [...s].sort().join('');

/**
 * The closest candidate to a misspelt name, or undefined when nothing is plausibly meant
 * (distance above a third of the longer name, at least 1; ties go to the earlier candidate).
 * Case differences count as edits, but an exact case-insensitive match always wins; among equally
 * close candidates an anagram of the input wins (`=<` suggests `<=`, not `<`).
 */
export function didYouMean(input: string, candidates: Iterable<string>): string | undefined {
  if (input.trim() === '') return undefined;
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    if (c.toLowerCase() === input.toLowerCase()) return c;
    const d = editDistance(input, c);
    if (d > Math.max(1, Math.floor(Math.max(input.length, c.length) / 3))) continue;
    if (d < bestDistance || (d === bestDistance && best !== undefined && sortedChars(c) === sortedChars(input) && sortedChars(best) !== sortedChars(input))) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}
