import { regularizedUpperGamma } from './incompleteGamma.js';

/** Standard normal CDF Φ(z) = ½·erfc(−z/√2), with erfc(u) = Q(½, u²): accurate in both tails. */
export function normalCdf(z: number): number {
  if (Number.isNaN(z)) throw new RangeError('normalCdf: expected a number, got NaN');
  if (z === Infinity) return 1;
  if (z === -Infinity) return 0;
  const tail = 0.5 * regularizedUpperGamma(0.5, (z * z) / 2);
  return z < 0 ? tail : 1 - tail;
}

/** Standard normal density φ(z). */
export function normalPdf(z: number): number {
  return Math.exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI);
}

/**
 * Standard normal quantile Φ⁻¹(p): Abramowitz & Stegun 26.2.23 start (error < 4.5e-4), refined by
 * Newton steps on the tail probability until it changes by less than 1e-15 relative.
 */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) {
    if (p === 0) return -Infinity;
    if (p === 1) return Infinity;
    throw new RangeError(`normalQuantile: expected \`p\` in [0, 1], got \`${p}\``);
  }
  if (p === 0.5) return 0;
  // Work in the lower tail q = min(p, 1 − p), where Φ is relatively accurate.
  const q = p < 0.5 ? p : 1 - p;
  const t = Math.sqrt(-2 * Math.log(q));
  let z = -(t - (2.515517 + 0.802853 * t + 0.010328 * t * t) / (1 + 1.432788 * t + 0.189269 * t * t + 0.001308 * t * t * t));
  for (let i = 0; i < 50; i++) {
    const step = (normalCdf(z) - q) / normalPdf(z);
    z -= step;
    if (Math.abs(step) <= 1e-15 * Math.max(1, Math.abs(z))) break;
  }
  return p < 0.5 ? z : -z;
}
