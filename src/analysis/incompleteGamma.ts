import { logGamma } from './logGamma.js';

const EPS = 1e-16;
const FPMIN = 1e-300;
const MAX_ITERATIONS = 100_000;

/**
 * Regularized upper incomplete gamma Q(a, x) = Γ(a, x)/Γ(a); with a = 1/2 it is erfc(√x), which
 * gives the normal tail to full relative precision. Series for x < a + 1, Lentz continued fraction
 * otherwise (Numerical Recipes 3rd ed. §6.2).
 */
export function regularizedUpperGamma(a: number, x: number): number {
  if (!(a > 0)) throw new RangeError(`regularizedUpperGamma: expected a > 0, got ${a}`);
  if (!(x >= 0)) throw new RangeError(`regularizedUpperGamma: expected x >= 0, got ${x}`);
  if (x === 0) return 1;
  const logFront = -x + a * Math.log(x) - logGamma(a);
  if (x < a + 1) {
    let ap = a;
    let del = 1 / a;
    let sum = del;
    for (let i = 0; i < MAX_ITERATIONS; i++) {
      ap += 1;
      del *= x / ap;
      sum += del;
      if (Math.abs(del) < Math.abs(sum) * EPS) break;
    }
    return 1 - sum * Math.exp(logFront);
  }
  let b = x + 1 - a;
  let c = 1 / FPMIN;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i <= MAX_ITERATIONS; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < FPMIN) d = FPMIN;
    c = b + an / c;
    if (Math.abs(c) < FPMIN) c = FPMIN;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) <= EPS) break;
  }
  return Math.exp(logFront) * h;
}
