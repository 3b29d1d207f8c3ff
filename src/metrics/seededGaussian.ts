import { seededRandom } from '../util/seededRandom.js';

/**
 * d×k standard normal entries, row-major float64, from Mulberry32 + Box–Muller (two normals per pair
 * of uniforms in (0, 1]): the matrix whose column span is em-guard's seeded random subspace
 * (`randomOrthonormalBasis`, `randomProjectionFractions`). The fixtures port this generator to Python.
 * The result may be shared with the next call of the same shape and seed: do not write to it.
 */
export function seededGaussian(d: number, k: number, seed: number): Float64Array {
  // `analyze` asks for the same matrix twice (the prompt PCA's random control and the energy
  // baseline at the same k): the last one is kept. Callers only read it.
  if (last && last.d === d && last.k === k && Object.is(last.seed, seed)) return last.data;
  const data = generate(d, k, seed);
  last = { d, k, seed, data };
  return data;
}

let last: { d: number; k: number; seed: number; data: Float64Array } | undefined;

function generate(d: number, k: number, seed: number): Float64Array {
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
