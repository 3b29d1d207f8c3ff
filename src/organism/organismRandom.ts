/**
 * Fisher–Yates permutation of `0..n-1` driven by `rand` (so shuffles are seeded, not `Math.random`).
 * Fed with `seededRandom(deriveSeed(seed, purpose))` (src/util/seededRandom.ts), every random choice of the organism follows its seed.
 */
export function seededPermutation(n: number, rand: () => number): Uint32Array {
  const p = new Uint32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = p[i]!;
    p[i] = p[j]!;
    p[j] = t;
  }
  return p;
}

/** A derived seed for a named purpose, so one user seed feeds independent streams. */
export function deriveSeed(seed: number, purpose: string): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  for (let i = 0; i < purpose.length; i++) {
    h = Math.imul(h ^ purpose.charCodeAt(i), 0x85ebca6b) >>> 0;
    h ^= h >>> 13;
  }
  return h >>> 0;
}
