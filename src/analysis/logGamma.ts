// Lanczos approximation (g = 7, n = 9; Numerical Recipes 3rd ed. §6.1 / Godfrey's coefficients),
// about 1e-15 relative accuracy for x > 0; reflection formula below 0.5.
const G = 7;
const COEFFICIENTS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012,
  9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** ln Γ(x) for x > 0: the building block of the beta and gamma functions used by the t and normal laws. */
export function logGamma(x: number): number {
  if (!(x > 0)) throw new RangeError(`logGamma: expected \`x\` > 0, got \`${x}\``);
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let a = COEFFICIENTS[0]!;
  const t = z + G + 0.5;
  for (let i = 1; i < COEFFICIENTS.length; i++) a += COEFFICIENTS[i]! / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}
