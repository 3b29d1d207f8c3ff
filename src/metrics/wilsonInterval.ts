/**
 * Wilson score interval for a binomial proportion k/n (Wilson 1927, JASA 22:209; Newcombe 1998,
 * Stat Med 17:857, method 3). Default z = 1.959964 (two-sided 95 %).
 */
export function wilsonInterval(k: number, n: number, z = 1.959964): [number, number] {
  if (!Number.isInteger(n) || n < 1) throw new Error(`Expected \`n\` to be an integer >= 1, got \`${String(n)}\``);
  if (!Number.isInteger(k) || k < 0 || k > n) throw new Error(`Expected \`k\` to be an integer in [0, ${n}], got \`${String(k)}\``);
  const p = k / n;
  const centre = (p + (z * z) / (2 * n)) / (1 + (z * z) / n);
  const half = (z / (1 + (z * z) / n)) * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n));
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}
