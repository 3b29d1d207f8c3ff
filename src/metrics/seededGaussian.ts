import { seededRandom } from '../util/seededRandom.js';

/**
 * d×k standard normal entries, row-major float64, from Mulberry32 + Box–Muller (two normals per pair
 * of uniforms in (0, 1]): the matrix whose column span is em-guard's seeded random subspace
 * (`randomOrthonormalBasis`, `randomProjectionFractions`). The fixtures port this generator to Python.
 */
export function seededGaussian(d: number, k: number, seed: number): Float64Array {
  const rand = seededRandom(seed);
  const data = new Float64Array(d * k);
  for (let i = 0; i < data.length; i += 2) {
    const u1 = 1 - rand();
    const u2 = rand();
    const r = Math.sqrt(-2 * Math.log(u1));
    data[i] = r * Math.cos(2 * Math.PI * u2);
    if (i + 1 < data.length) data[i + 1] = r * Math.sin(2 * Math.PI * u2);
  }
  return data;
}
