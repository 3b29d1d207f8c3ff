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
  const data = new Float64Array(d * k);
  generate(d, k, seed, data, k, 1);
  last = { d, k, seed, data };
  return data;
}

/**
 * The same d×k matrix as `seededGaussian` (same draws, same values), written transposed into `dst`:
 * entry (r, j) at dst[j·stride + r]. For a kernel that wants the columns as rows (its Gram AᵀA and
 * products with A), with no d×k array in between.
 */
export function seededGaussianTransposed(d: number, k: number, seed: number, dst: Float64Array | Float32Array, stride: number): void {
  generate(d, k, seed, dst, 1, stride);
}

let last: { d: number; k: number; seed: number; data: Float64Array } | undefined;

/** Entry i = r·k + j of the row-major d×k draw goes to data[r·rowStep + j·colStep]. */
function generate(d: number, k: number, seed: number, data: Float64Array | Float32Array, rowStep: number, colStep: number): void {
  const length = d * k;
  let r = 0;
  let j = 0;
  // `seededRandom`'s Mulberry32 step, inlined (same state, same numbers: the tests compare with it):
  // 890 K draws at k ≈ 217, where the closure call was ≈ 40 % of a cold draw.
  let a = seed >>> 0;
  for (let i = 0; i < length; i += 2) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const u1 = 1 - ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    a = (a + 0x6d2b79f5) >>> 0;
    t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const u2 = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    const radius = Math.sqrt(-2 * Math.log(u1));
    data[r * rowStep + j * colStep] = radius * Math.cos(2 * Math.PI * u2);
    if (++j === k) {
      j = 0;
      r++;
    }
    if (i + 1 < length) {
      data[r * rowStep + j * colStep] = radius * Math.sin(2 * Math.PI * u2);
      if (++j === k) {
        j = 0;
        r++;
      }
    }
  }
}
