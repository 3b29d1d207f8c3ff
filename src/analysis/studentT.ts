import { regularizedIncompleteBeta } from './incompleteBeta.js';
import { logGamma } from './logGamma.js';
import { normalQuantile } from './normal.js';

function assertDf(where: string, df: number): void {
  if (!(df > 0) || !Number.isFinite(df)) throw new RangeError(`${where}: expected \`df\` to be a finite number > 0, got \`${df}\``);
}

/**
 * Two-sided tail probability P(|T| ≥ |t|) for Student's t with `df` degrees of freedom:
 * I_{df/(df+t²)}(df/2, ½) (Abramowitz & Stegun 26.7.1 via 26.5.27), with 1 − x passed exactly.
 */
export function studentTTwoSidedP(t: number, df: number): number {
  assertDf('studentTTwoSidedP', df);
  if (Number.isNaN(t)) throw new RangeError('studentTTwoSidedP: expected `t` to be a number, got NaN');
  if (!Number.isFinite(t)) return 0;
  const t2 = t * t;
  return Math.min(1, regularizedIncompleteBeta(df / (df + t2), df / 2, 0.5, t2 / (df + t2)));
}

/** Student-t CDF P(T ≤ t). */
export function studentTCdf(t: number, df: number): number {
  const half = studentTTwoSidedP(t, df) / 2;
  return t < 0 ? half : 1 - half;
}

/** Student-t density. */
export function studentTPdf(t: number, df: number): number {
  assertDf('studentTPdf', df);
  return Math.exp(logGamma((df + 1) / 2) - logGamma(df / 2) - 0.5 * Math.log(df * Math.PI) - ((df + 1) / 2) * Math.log1p((t * t) / df));
}

/**
 * Student-t quantile: Cornish–Fisher start from the normal quantile (A&S 26.7.5), then
 * bracketed Newton iterations on the upper-tail probability (bisection when Newton leaves the
 * bracket), to about 1e-14 relative.
 */
export function studentTQuantile(p: number, df: number): number {
  assertDf('studentTQuantile', df);
  if (!(p > 0 && p < 1)) {
    if (p === 0) return -Infinity;
    if (p === 1) return Infinity;
    throw new RangeError(`studentTQuantile: expected \`p\` in [0, 1], got \`${p}\``);
  }
  if (p === 0.5) return 0;
  const q = p < 0.5 ? p : 1 - p; // upper-tail target for t > 0
  const upper = (t: number): number => studentTTwoSidedP(t, df) / 2;
  const z = -normalQuantile(q);
  let t = z + (z ** 3 + z) / (4 * df) + (5 * z ** 5 + 16 * z ** 3 + 3 * z) / (96 * df * df);
  if (!(t > 0) || !Number.isFinite(t)) t = z;
  let lo = 0;
  let hi = Math.max(2 * t, 1);
  while (upper(hi) > q) {
    lo = hi;
    hi *= 2;
  }
  if (!(t > lo && t < hi)) t = (lo + hi) / 2;
  for (let i = 0; i < 200; i++) {
    const f = upper(t) - q; // decreasing in t
    if (f > 0) lo = t;
    else hi = t;
    let next = t + f / studentTPdf(t, df);
    if (!(next > lo && next < hi)) next = (lo + hi) / 2;
    const step = Math.abs(next - t);
    t = next;
    if (step <= 1e-15 * Math.max(1, t) || hi - lo <= 1e-15 * Math.max(1, t)) break;
  }
  return p < 0.5 ? -t : t;
}
