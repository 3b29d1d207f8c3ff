import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { useBackend, seededRandom } from './helpers.js';
import { buildGramWasm, gramWasmSource, GRAM_WASM_BYTES_PATH } from '../scripts/buildGramWasm.js';
import {
  copyRows,
  gramWasmAvailable,
  minusFirstRowFill,
  wasmCentredRows,
  wasmCentreRows,
  wasmDeltaGram,
  wasmDeltaRows,
  wasmDeltaTimes,
  wasmDeltaTransposeTimes,
  wasmGram,
  wasmProduct,
  wasmProjectionSums,
  wasmResidualWithin,
  wasmAddOuter,
  wasmAllFinite,
  wasmCkaTerms,
  wasmColumnGram,
  wasmHouseholderR,
  wasmInterleaveColumns,
  wasmInverseCholeskyFactor,
  wasmResidentRows,
  wasmRowBlocks,
  wasmRowsTimes,
  wasmTransposed,
  webAssembly,
  type GramFill,
} from '../src/metrics/wasm/gramWasm.js';
import { tiledProduct, tiledProductJs } from '../src/metrics/tiledProduct.js';
import { deltaRowGram, gram, gramJs } from '../src/metrics/gram.js';
import { fromRows, type Matrix } from '../src/metrics/matrix.js';
import { subtractMatrices } from '../src/metrics/subtractMatrices.js';
import { symmetricEigen } from '../src/metrics/symmetricEigen.js';
import { ckaTermsFromGramsJs, linearCkaOfFinite, type CkaRoute } from '../src/metrics/linearCka.js';
import { fallbackFixtureNumbers, fallbackFixtureSets } from './gramWasmFixtures.js';
import { seededGaussian, seededGaussianTransposed } from '../src/metrics/seededGaussian.js';
import { inverseCholeskyFactorJs } from '../src/metrics/choleskyQr.js';
import { householderRJs, singularValues } from '../src/metrics/singularValues.js';
import { projectionSumsJs } from '../src/metrics/pcaRowMetrics.js';

await useBackend();

/** A `GramFill` writing the transpose of row-major rows×cols data (so the kernel forms MᵀM): the reference of `wasmColumnGram`. */
function copyTransposed(data: Float32Array | Float64Array, rows: number, cols: number): GramFill {
  return (dst, stride) => {
    for (let r = 0; r < rows; r++) {
      const base = r * cols;
      for (let c = 0; c < cols; c++) dst[c * stride + r] = data[base + c]!;
    }
  };
}

function randomMatrix(rows: number, cols: number, seed: number, type: 'f32' | 'f64' = 'f64'): Matrix {
  const rand = seededRandom(seed);
  const data = type === 'f32' ? new Float32Array(rows * cols) : new Float64Array(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = rand() - 0.5;
  return { rows, cols, data };
}

/** Largest |a − b| over ‖M‖²_F: the Gram's error relative to its scale. */
function relativeError(a: Float64Array, b: Float64Array, m: Matrix): number {
  assert.equal(a.length, b.length);
  let norm2 = 0;
  for (const x of m.data) norm2 += x * x;
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return norm2 === 0 ? worst : worst / norm2;
}

test('the committed kernel bytes are what scripts/buildGramWasm.ts generates, and they validate and load', () => {
  const bytes = buildGramWasm();
  assert.equal(readFileSync(GRAM_WASM_BYTES_PATH, 'utf8'), gramWasmSource(bytes), 'regenerate: npx tsx scripts/buildGramWasm.ts');
  assert.ok(webAssembly?.validate(bytes), 'WebAssembly.validate accepts the module');
  assert.ok(gramWasmAvailable(), 'Node 20 runs WebAssembly SIMD');
});

test('float64 wasm Gram equals the JS kernel to 1e-12·‖M‖² at shapes off the 3-row tile and 2-lane vector, both sides', () => {
  // (n, d): 1×1, odd widths, rows not multiples of 3, n > d (the `cols` side transposes), one long row set.
  const shapes: [number, number][] = [
    [1, 1],
    [1, 5],
    [2, 3],
    [3, 2],
    [4, 5],
    [5, 7],
    [7, 1],
    [10, 33],
    [17, 64],
    [31, 130],
    [64, 200],
    [50, 7],
    [100, 13],
    [5, 4097],
  ];
  shapes.forEach(([n, d], s) => {
    const m = randomMatrix(n, d, 100 + s);
    const rows = wasmGram(n, d, 'float64', copyRows(m.data, n, d))!;
    const cols = wasmGram(d, n, 'float64', copyTransposed(m.data, n, d))!;
    assert.ok(relativeError(rows, gramJs(m, 'rows'), m) <= 1e-12, `${n}×${d} rows`);
    assert.ok(relativeError(cols, gramJs(m, 'cols'), m) <= 1e-12, `${n}×${d} cols`);
    for (const side of ['rows', 'cols'] as const) assert.ok(relativeError(gram(m, side), gramJs(m, side), m) <= 1e-12, `${n}×${d} gram(${side}) dispatch`);
  });
});

test('a smaller call after a larger one ignores what the larger left in the kernel memory (padding is re-zeroed)', () => {
  const big = randomMatrix(40, 90, 7);
  for (let i = 0; i < big.data.length; i++) big.data[i] = big.data[i]! * 1e6;
  wasmGram(40, 90, 'float64', copyRows(big.data, 40, 90));
  wasmGram(40, 90, 'float32', copyRows(big.data, 40, 90));
  const small = randomMatrix(4, 3, 8);
  assert.ok(relativeError(wasmGram(4, 3, 'float64', copyRows(small.data, 4, 3))!, gramJs(small, 'rows'), small) <= 1e-12);
  assert.ok(relativeError(wasmGram(4, 3, 'float32', copyRows(small.data, 4, 3))!, gramJs(small, 'rows'), small) <= 1e-6);
  assert.deepEqual(wasmGram(0, 3, 'float64', copyRows(new Float64Array(0), 0, 3)), new Float64Array(0));
});

test('float32 wasm Gram: within 2e-6·‖mᵢ‖‖mⱼ‖ of the float64 Gram of the same float32 inputs', () => {
  // Inputs are float32 already, so the only error is float32 accumulation: 16 products per lane and
  // 256-byte block before the float64 sum, ≤ 16·2⁻²⁴·Σ|xy| per block (Higham, Accuracy and Stability
  // of Numerical Algorithms, §3.1), so ≤ 1e-6·‖mᵢ‖‖mⱼ‖ overall by Cauchy–Schwarz.
  for (const [n, d] of [
    [3, 4],
    [8, 130],
    [37, 1000],
    [20, 4099],
  ] as const) {
    const m = randomMatrix(n, d, n + d, 'f32');
    const g32 = wasmGram(n, d, 'float32', copyRows(m.data, n, d))!;
    const ref = gramJs(m, 'rows');
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        const scale = Math.sqrt(ref[i * n + i]! * ref[j * n + j]!);
        assert.ok(Math.abs(g32[i * n + j]! - ref[i * n + j]!) <= 2e-6 * scale, `${n}×${d} [${i},${j}]`);
      }
    }
  }
});

test('float64 wasm product equals the JS kernel to 1e-13 of Σ|aᵢₛbₛⱼ|, row-major and transposed strides, odd shapes, out reused', () => {
  // (m, t, k): 1×1×1, odd rows (the 2-row tile reads one row past A), k off the 8-column chunk, long t.
  const shapes: [number, number, number][] = [
    [1, 1, 1],
    [1, 3, 9],
    [3, 5, 2],
    [5, 1, 7],
    [9, 20, 8],
    [17, 33, 17],
    [64, 300, 16],
    [257, 40, 32],
    [6, 4097, 3],
  ];
  shapes.forEach(([m, t, k], index) => {
    const rand = seededRandom(300 + index);
    const a = Float64Array.from({ length: m * t }, () => rand() - 0.5);
    const b = Float64Array.from({ length: t * k }, () => rand() - 0.5);
    const absA = a.map(Math.abs);
    const absB = b.map(Math.abs);
    for (const [ai, as, label] of [
      [t, 1, 'A row-major'],
      [1, m, 'A column-major (Δᵀ·W)'],
    ] as const) {
      const bound = tiledProductJs(absA, m, t, ai, as, absB, k);
      const expected = tiledProductJs(a, m, t, ai, as, b, k);
      const out = new Float64Array(m * k).fill(Number.NaN); // every cell must be written
      const actual = wasmProduct(a, m, t, ai, as, b, k, out)!;
      assert.equal(actual, out, 'writes into the given buffer');
      for (let i = 0; i < expected.length; i++) {
        assert.ok(Math.abs(actual[i]! - expected[i]!) <= 1e-13 * bound[i]!, `${m}×${t}×${k} ${label} [${i}]: ${actual[i]} vs ${expected[i]}`);
      }
      const viaDispatch = tiledProduct(a, m, t, ai, as, b, k);
      for (let i = 0; i < expected.length; i++)
        assert.ok(Math.abs(viaDispatch[i]! - expected[i]!) <= 1e-13 * bound[i]!, `${m}×${t}×${k} ${label} tiledProduct`);
    }
  });
  // Float32 A (activations) converts on copy; t = 0 gives zeros.
  const a32 = Float32Array.from({ length: 12 }, (_, i) => i / 7);
  assert.deepEqual(
    wasmProduct(
      a32,
      3,
      4,
      4,
      1,
      Float64Array.from({ length: 8 }, (_, i) => i),
      2,
    ),
    tiledProductJs(
      a32,
      3,
      4,
      4,
      1,
      Float64Array.from({ length: 8 }, (_, i) => i),
      2,
    ),
  );
  assert.deepEqual(wasmProduct(new Float64Array(0), 2, 0, 0, 1, new Float64Array(0), 3, new Float64Array(6).fill(5)), new Float64Array(6));
});

interface RefCase {
  name: string;
  trainBefore: number[][];
  trainAfter: number[][];
  evalBefore: number[][];
  evalAfter: number[][];
  trainSingularValues: number[];
  evalSingularValues: number[];
  ckaTrain: number;
  ckaEval: number;
}
const reference = JSON.parse(readFileSync(new URL('./fixtures/metrics_reference.json', import.meta.url), 'utf8')) as { cases: RefCase[] };

test("a resident centred matrix gives the copy route's numbers bit for bit and survives the kernels called while it is held", () => {
  // Widths off the 4-double row step and row counts off the 3-row tile; float64 and float32 input.
  for (const [n, d, type] of [
    [5, 7, 'f64'],
    [7, 13, 'f32'],
    [12, 40, 'f64'],
    [31, 130, 'f32'],
  ] as const) {
    const m = randomMatrix(n, d, n * d, type);
    const copied = wasmCentreRows(m.data, n, d)!;
    const expectedGram = wasmGram(n, d, 'float64', copyRows(copied.centred, n, d))!;
    const w = randomMatrix(n, 3, d).data as Float64Array;
    const expectedProduct = wasmProduct(copied.centred, d, n, 1, d, w, 3)!;
    const resident = wasmCentredRows(m.data, n, d)!;
    try {
      assert.deepEqual(resident.mean, copied.mean);
      assert.deepEqual(resident.rowDotMean, copied.rowDotMean);
      assert.equal(resident.total, copied.total);
      assert.deepEqual(resident.gram(), expectedGram);
      // Kernels run meanwhile (a larger Gram and product, a second resident) leave it intact.
      const other = randomMatrix(40, 90, 1);
      wasmGram(40, 90, 'float64', copyRows(other.data, 40, 90));
      wasmProduct(other.data, 40, 90, 90, 1, randomMatrix(90, 9, 2).data, 9);
      const nested = wasmCentredRows(other.data, 40, 90)!;
      assert.throws(() => resident.release(), /another one is held above it/);
      nested.release();
      assert.deepEqual(resident.transposeTimes(w, 3, new Float64Array(d * 3)), expectedProduct);
      assert.deepEqual(resident.gram(), expectedGram);
    } finally {
      resident.release();
    }
    assert.throws(() => resident.gram(), /released/);
  }
});

test('resident rows: cross64 products A·Bᵀ equal a float64 dot product to 1e-13 of Σ|aᵢbᵢ|; the Gram and row sums equal the copy routes bit for bit', () => {
  // Widths off the 4-value step (5, 130), row counts off the 3-row tile (1, 2, 7, 11), one above the other.
  for (const [m, n, d] of [
    [1, 1, 5],
    [2, 7, 130],
    [11, 7, 64],
    [7, 11, 37],
  ] as const) {
    const a = randomMatrix(m, d, m * 100 + d, 'f32');
    const b = randomMatrix(n, d, n * 100 + d + 1);
    const mu = Float64Array.from(randomMatrix(1, d, d + 7).data);
    const ra = wasmResidentRows(m, d, copyRows(a.data, m, d))!;
    const rb = wasmResidentRows(n, d, copyRows(b.data, n, d))!;
    try {
      const cross = rb.timesTransposeOf(ra); // n×m = B·Aᵀ
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < m; j++) {
          let dot = 0;
          let scale = 0;
          for (let c = 0; c < d; c++) {
            dot += b.data[i * d + c]! * a.data[j * d + c]!;
            scale += Math.abs(b.data[i * d + c]! * a.data[j * d + c]!);
          }
          assert.ok(Math.abs(cross[i * m + j]! - dot) <= 1e-13 * scale, `${m}×${n}×${d} [${i}][${j}]`);
        }
      }
      assert.deepEqual(rb.gram(), wasmGram(n, d, 'float64', copyRows(b.data, n, d)), 'Gram: same kernel, same layout');
      const sums = rb.rowSums(mu);
      const copied = wasmRowsTimes(b.data as Float64Array, n, d, new Float64Array(0), 0, mu)!;
      assert.deepEqual(sums.norm2, copied.norm2);
      assert.deepEqual(sums.dotMean, copied.dotMean);
      assert.deepEqual(sums.centredNorm2, copied.centredNorm2);
      assert.throws(() => ra.timesTransposeOf(rb), /another one is held above it/, 'only the top resident multiplies (its scratch lies above it)');
    } finally {
      rb.release();
      ra.release();
    }
    assert.throws(() => ra.gram(), /released/);
  }
});

test('wasmRowBlocks: products and row sums by blocks of rows equal the whole set held at once, bit for bit', () => {
  // 100 rows of 2100: blocks of 93 rows (≈ 1.5 MB of float64), so two blocks, the second partial.
  const m = 100;
  const d = 2100;
  const rows = randomMatrix(m, d, 5, 'f32');
  const other = randomMatrix(7, d, 6);
  const mu = Float64Array.from(randomMatrix(1, d, 8).data);
  const below = wasmResidentRows(7, d, copyRows(other.data, 7, d))!;
  try {
    const whole = wasmResidentRows(m, d, copyRows(rows.data, m, d))!;
    const expected = whole.timesTransposeOf(below);
    const expectedSums = whole.rowSums(mu);
    whole.release();
    const got = new Float64Array(m * 7);
    const norm2 = new Float64Array(m);
    const firsts: number[] = [];
    assert.ok(
      wasmRowBlocks(rows.data, m, d, (block, r0) => {
        firsts.push(r0);
        got.set(block.timesTransposeOf(below), r0 * 7);
        norm2.set(block.rowSums(mu).norm2, r0);
      }),
    );
    assert.deepEqual(firsts, [0, 93]);
    assert.deepEqual(got, expected);
    assert.deepEqual(norm2, expectedSums.norm2);
  } finally {
    below.release();
  }
});

test('the choleskyInverse kernel gives the JS inverseCholeskyFactor bit for bit, and declines where it declines', () => {
  // k across the 8-column call ranges; Gaussian Grams (well conditioned) and ones with a dependent column (declined).
  for (const [d, k] of [
    [5, 1],
    [9, 7],
    [40, 17],
    [300, 64],
  ] as const) {
    const a = seededGaussian(d, k, k);
    const g = gram({ rows: d, cols: k, data: a }, 'cols');
    const viaKernel = wasmInverseCholeskyFactor(g, k, 1e-2);
    assert.ok(viaKernel, `${d}×${k} accepted`);
    assert.deepEqual(viaKernel, inverseCholeskyFactorJs(g, k, 1e-2), `${d}×${k}`);
    if (k > 1) {
      const dependent = Float64Array.from(a);
      for (let r = 0; r < d; r++) dependent[r * k + k - 1] = dependent[r * k]! * 2 + dependent[r * k + 1]!; // last column in the span of the first two
      const gd = gram({ rows: d, cols: k, data: dependent }, 'cols');
      assert.equal(inverseCholeskyFactorJs(gd, k, 1e-2), null);
      assert.equal(wasmInverseCholeskyFactor(gd, k, 1e-2), null, `${d}×${k} declined`);
    }
  }
});

test('the householderR kernel gives the JS Householder R bit for bit: tall and wide, float32 and float64, zero and dependent columns', () => {
  const cases: Matrix[] = [randomMatrix(4096, 4, 41), randomMatrix(9, 2, 42), randomMatrix(3, 40, 43), randomMatrix(100, 5, 44, 'f32'), randomMatrix(7, 6, 45)];
  // A zero column (its norm is 0: skipped), a dependent one (its norm after the reflections is rounding) and a negative leading entry.
  const odd = randomMatrix(50, 4, 46);
  for (let r = 0; r < 50; r++) {
    odd.data[r * 4 + 1] = 0;
    odd.data[r * 4 + 3] = odd.data[r * 4]! * 3;
  }
  odd.data[0] = -2;
  cases.push(odd);
  for (const m of cases) {
    const tall = m.rows >= m.cols;
    const [len, k] = tall ? [m.rows, m.cols] : [m.cols, m.rows];
    const viaKernel = wasmHouseholderR(m.data, tall ? m.cols : 1, tall ? 1 : m.cols, len, k);
    assert.ok(viaKernel, `${m.rows}×${m.cols}`);
    const js = householderRJs(m);
    assert.deepEqual([js.rows, js.cols], [k, k]);
    assert.deepEqual(viaKernel, js.data, `${m.rows}×${m.cols}`);
  }
  // singularValues takes the kernel's R for a tall matrix: its values are the JS route's (the R's Jacobi).
  const m = cases[0]!;
  assert.deepEqual(singularValues(m), singularValues(householderRJs(m)));
});

test('copy64 transposes and interleaves exactly: the column Gram equals the copyTransposed fill bit for bit; interleaved bases equal a JS copy', () => {
  for (const m of [randomMatrix(4096, 4, 51), randomMatrix(37, 5, 52, 'f32'), randomMatrix(5, 37, 53), randomMatrix(1, 1, 54), randomMatrix(300, 31, 55)]) {
    const viaCopy = wasmGram(m.cols, m.rows, 'float64', copyTransposed(m.data, m.rows, m.cols));
    assert.ok(viaCopy);
    assert.deepEqual(wasmColumnGram(m.data, m.rows, m.cols), viaCopy, `${m.rows}×${m.cols}`);
    if (m.cols * m.cols * m.rows >= 4096) assert.deepEqual(gram(m, 'cols'), viaCopy, 'gram takes the kernel route'); // below: gramJs
  }
  assert.deepEqual(wasmColumnGram(new Float64Array(0), 3, 0), new Float64Array(0));
  for (const widths of [[4, 4], [1, 7, 0, 3], [16]]) {
    const d = 97;
    const bases = widths.map((w, i) => randomMatrix(d, w, 60 + i));
    const width = widths.reduce((a, b) => a + b, 0);
    const expected = new Float64Array(d * width);
    let offset = 0;
    for (const b of bases) {
      for (let c = 0; c < d; c++) for (let j = 0; j < b.cols; j++) expected[c * width + offset + j] = b.data[c * b.cols + j]!;
      offset += b.cols;
    }
    assert.deepEqual(wasmInterleaveColumns(bases, d), expected, widths.join('+'));
  }
});

test("the Gram mirror, product padding and CKA kernels give the JS loops' numbers bit for bit", () => {
  // mirrorLower: wasmGram's result equals the lower triangle of the JS-mirrored kernel sums, i.e. gramJs within rounding, symmetric exactly.
  for (const [n, d] of [
    [1, 5],
    [7, 13],
    [40, 33],
  ] as const) {
    const m = randomMatrix(n, d, 70 + n);
    const g = wasmGram(n, d, 'float64', copyRows(m.data, n, d))!;
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) assert.equal(g[i * n + j], g[j * n + i], `symmetric ${i},${j}`);
    assert.ok(relativeError(g, gramJs(m, 'rows'), m) < 1e-12);
  }
  // product64 with k not a multiple of 8 (padded and unpadded by copy64) equals the JS kernel to rounding and equals itself
  // with k padded to 8 by hand (the same kernel calls on the same bytes).
  for (const k of [1, 4, 11]) {
    const a = randomMatrix(37, 29, 80 + k);
    const b = randomMatrix(29, k, 90 + k);
    const got = wasmProduct(a.data, 37, 29, 29, 1, b.data, k)!;
    const kp = Math.ceil(k / 8) * 8;
    const bp = new Float64Array(29 * kp);
    for (let s = 0; s < 29; s++) for (let j = 0; j < k; j++) bp[s * kp + j] = b.data[s * k + j]!;
    const wide = wasmProduct(a.data, 37, 29, 29, 1, bp, kp)!;
    for (let i = 0; i < 37; i++) for (let j = 0; j < k; j++) assert.equal(got[i * k + j], wide[i * kp + j], `k=${k} (${i},${j})`);
  }
  // CKA terms: double-centring and the three Frobenius products, with Kx given centred or not.
  for (const n of [1, 2, 9, 64]) {
    const x = randomMatrix(n, 50, 100 + n);
    const y = randomMatrix(n, 31, 200 + n);
    const kx = gram(x, 'rows');
    const ky = gram(y, 'rows');
    for (const centred of [false, true]) {
      const viaKernels = wasmCkaTerms(kx, ky, n, centred);
      assert.deepEqual(viaKernels, ckaTermsFromGramsJs(Float64Array.from(kx), Float64Array.from(ky), n, centred), `n=${n} centred=${centred}`);
    }
  }
});

test("transpose, eigen-residual check, projection sums and finiteness kernels give the JS loops' answers bit for bit", () => {
  const m = randomMatrix(13, 37, 300);
  const t = wasmTransposed(m.data, 13, 37)!;
  for (let r = 0; r < 13; r++) for (let c = 0; c < 37; c++) assert.equal(t[c * 13 + r], m.data[r * 37 + c]);
  // residualWithin: |image − values·cols| ≤ limit everywhere; one entry just over, or NaN, fails.
  const n = 11;
  const want = 5;
  const cols = randomMatrix(n, want, 301).data as Float64Array;
  const values = Float64Array.from({ length: want }, (_, j) => 3 - j * 0.7);
  const image = Float64Array.from(cols, (x, i) => values[i % want]! * x + 1e-12 * ((i % 3) - 1));
  const within = (img: Float64Array, limit: number): boolean => {
    for (let r = 0; r < n; r++) for (let j = 0; j < want; j++) if (!(Math.abs(img[r * want + j]! - values[j]! * cols[r * want + j]!) <= limit)) return false;
    return true;
  };
  const bad = Float64Array.from(image);
  bad[n * want - 1] = NaN;
  const answers = new Set<boolean>();
  for (const limit of [1e-13, 0.9e-12, 1e-12, 1.1e-12, 2e-12, 1]) {
    for (const img of [image, bad]) {
      const expected = within(img, limit);
      answers.add(expected);
      assert.equal(wasmResidualWithin(img, cols, values, n, want, limit), expected, `limit ${limit}`);
    }
  }
  assert.equal(answers.size, 2, 'both answers exercised');
  // projectionSums against its JS fallback (the loop pcaRowMetricsOfProjection ran), bit for bit.
  for (const [rows, k] of [
    [1, 1],
    [9, 4],
    [40, 217],
  ] as const) {
    const projected = randomMatrix(rows, k, 400 + k).data as Float64Array;
    const muV = randomMatrix(1, k, 500 + k).data as Float64Array;
    const ev = Array.from({ length: k }, (_, j) => 1 / (j + 1));
    const got = wasmProjectionSums(projected, muV, ev, rows, k)!;
    assert.deepEqual(Array.from(got), Array.from(projectionSumsJs(projected, muV, ev, rows, k)), `${rows}×${k}`);
  }
  assert.equal(wasmProjectionSums(new Float64Array(4), new Float64Array(2), [1], 2, 2), null, 'too few variances: the JS route');
  // addOuter: uncentredGram's ((gc + a_i) + a_j) + c.
  for (const n of [1, 3, 50]) {
    const gc = randomMatrix(n, n, 700 + n).data as Float64Array;
    const a = randomMatrix(1, n, 800 + n).data as Float64Array;
    const expected = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) expected[i * n + j] = gc[i * n + j]! + a[i]! + a[j]! + 0.37;
    assert.deepEqual(wasmAddOuter(gc, a, n, 0.37), expected, `n=${n}`);
  }
  for (const x of [NaN, Infinity, -Infinity]) {
    const data = randomMatrix(50, 30, 600).data;
    assert.equal(wasmAllFinite(data), true);
    data[777] = x;
    assert.equal(wasmAllFinite(data), false, String(x));
  }
});

test('seededGaussian is Box–Muller on seededRandom (Mulberry32) draws; seededGaussianTransposed writes it transposed, bit for bit', () => {
  for (const [d, k] of [
    [5, 3],
    [64, 7],
    [9, 1],
  ] as const) {
    const rowMajor = seededGaussian(d, k, 11);
    const rand = seededRandom(11);
    for (let i = 0; i < d * k; i += 2) {
      const u1 = 1 - rand();
      const u2 = rand();
      const radius = Math.sqrt(-2 * Math.log(u1));
      assert.equal(rowMajor[i], radius * Math.cos(2 * Math.PI * u2), `entry ${i}`);
      if (i + 1 < d * k) assert.equal(rowMajor[i + 1], radius * Math.sin(2 * Math.PI * u2), `entry ${i + 1}`);
    }
    const stride = d + 3;
    const t = new Float64Array(k * stride);
    seededGaussianTransposed(d, k, 11, t, stride);
    for (let r = 0; r < d; r++) for (let j = 0; j < k; j++) assert.equal(t[j * stride + r], rowMajor[r * k + j], `(${r}, ${j})`);
  }
});

test("the streaming kernels (deltas, row sums, rows less the first) give their JS loops' numbers bit for bit", () => {
  // Shapes: one row, row counts across the delta kernel's row blocks (1 MB / 8d rows), odd widths.
  for (const [n, d, type] of [
    [1, 1, 'f32'],
    [3, 5, 'f64'],
    [40, 4000, 'f32'],
    [70, 2049, 'f64'],
  ] as const) {
    const after = randomMatrix(n, d, n + d, type).data;
    const before = randomMatrix(n, d, n * d + 1, type).data;
    const out = new Float64Array(n * d);
    const rows = { before2: new Float64Array(n), after2: new Float64Array(n), dot: new Float64Array(n), delta2: new Float64Array(n) };
    const sums = wasmDeltaRows(after, before, n, d, out, rows)!;
    let deltaNorm2 = 0;
    let beforeNorm2 = 0;
    for (let r = 0; r < n; r++) {
      let bb = 0;
      let aa = 0;
      let ab = 0;
      let dd = 0;
      for (let i = r * d; i < (r + 1) * d; i++) {
        const x = before[i]!;
        const y = after[i]!;
        const diff = y - x;
        assert.equal(out[i], diff);
        deltaNorm2 += diff * diff;
        beforeNorm2 += x * x;
        bb += x * x;
        aa += y * y;
        ab += x * y;
        dd += diff * diff;
      }
      assert.deepEqual([rows.before2[r], rows.after2[r], rows.dot[r], rows.delta2[r]], [bb, aa, ab, dd]);
    }
    assert.deepEqual(sums, { deltaNorm2, beforeNorm2 });

    const mu = randomMatrix(1, d, 7).data as Float64Array;
    const basis = randomMatrix(d, 3, 8).data as Float64Array;
    const fused = wasmRowsTimes(after, n, d, basis, 3, mu)!;
    assert.deepEqual(fused.projected, wasmProduct(after, n, d, d, 1, basis, 3));
    for (let r = 0; r < n; r++) {
      let norm2 = 0;
      let dot = 0;
      let x2 = 0;
      for (let c = 0; c < d; c++) {
        const v = after[r * d + c]!;
        const x = v - mu[c]!;
        norm2 += v * v;
        dot += v * mu[c]!;
        x2 += x * x;
      }
      assert.deepEqual([fused.norm2[r], fused.dotMean[r], fused.centredNorm2[r]], [norm2, dot, x2]);
    }
    assert.equal(wasmRowsTimes(after, n, d, basis, 0, mu)!.projected.length, 0);

    // The kernel route (float32 data into the kernel's float32 memory) against the JS loop (a plain array).
    const viaKernel = wasmGram(n, d, 'float32', minusFirstRowFill(after, n, d))!;
    const expected = new Float32Array(n * d);
    for (let r = 0; r < n; r++) for (let c = 0; c < d; c++) expected[r * d + c] = after[r * d + c]! - after[c]!;
    const jsFill = new Float32Array(n * d);
    minusFirstRowFill(after, n, d)(jsFill, d);
    assert.deepEqual(jsFill, expected);
    assert.deepEqual(viaKernel, wasmGram(n, d, 'float32', copyRows(expected, n, d)));
  }
});

test("a delta given by its two sets (formed in kernel memory) gives the formed delta's PCA rows, Gram and products bit for bit", () => {
  for (const [n, d, type] of [
    [2, 3, 'f32'],
    [7, 13, 'f64'],
    [40, 4000, 'f32'],
  ] as const) {
    const after = randomMatrix(n, d, n + 3 * d, type);
    const before = randomMatrix(n, d, 5 * n + d, type);
    const delta = subtractMatrices(after, before).data as Float64Array;
    const pair = { after: after.data, before: before.data };
    const fromData = wasmCentredRows(delta, n, d)!;
    const expected = { mean: fromData.mean, rowDotMean: fromData.rowDotMean, total: fromData.total, gram: fromData.gram() };
    fromData.release();
    const fromPair = wasmCentredRows(pair, n, d)!;
    try {
      assert.deepEqual({ mean: fromPair.mean, rowDotMean: fromPair.rowDotMean, total: fromPair.total, gram: fromPair.gram() }, expected);
    } finally {
      fromPair.release();
    }
    const w = randomMatrix(n, 5, d).data as Float64Array;
    assert.deepEqual(wasmDeltaTransposeTimes(pair, n, d, w, 5, new Float64Array(d * 5)), wasmProduct(delta, d, n, 1, d, w, 5));
    // The uncentred Gram, Δ·B and the fused row projection (eval deltas are never formed in JS either).
    assert.deepEqual(wasmDeltaGram(pair, n, d), wasmGram(n, d, 'float64', copyRows(delta, n, d)));
    assert.deepEqual(deltaRowGram({ after, before }), gram({ rows: n, cols: d, data: delta }, 'rows'));
    const b = randomMatrix(d, 7, 2 * d + n).data as Float64Array;
    assert.deepEqual(wasmDeltaTimes(pair, n, d, b, 7), wasmProduct(delta, n, d, d, 1, b, 7));
    assert.deepEqual(wasmDeltaTimes(pair, n, d, b, 0), new Float64Array(0));
    const mu = randomMatrix(1, d, 3 * d).data as Float64Array;
    for (const k of [0, 3]) assert.deepEqual(wasmRowsTimes(pair, n, d, b.subarray(0, d * k), k, mu), wasmRowsTimes(delta, n, d, b.subarray(0, d * k), k, mu));
  }
});

test('NumPy fixtures: singular values from the wasm float64 Gram (both sides) match numpy.linalg.svd to 1e-10·σ₁', () => {
  for (const c of reference.cases) {
    for (const [before, after, expected] of [
      [c.trainBefore, c.trainAfter, c.trainSingularValues],
      [c.evalBefore, c.evalAfter, c.evalSingularValues],
    ] as const) {
      const delta = subtractMatrices(fromRows(after), fromRows(before));
      const { rows: n, cols: d, data } = delta;
      const g = n <= d ? wasmGram(n, d, 'float64', copyRows(data, n, d))! : wasmGram(d, n, 'float64', copyTransposed(data, n, d))!;
      const side = Math.min(n, d);
      const sigma = Array.from(symmetricEigen(g, side).values, (v) => Math.sqrt(Math.max(v, 0)));
      // σ from an eigenvalue λ: |Δσ| ≈ |Δλ|/2σ, so small σ carry √(ε)·σ₁ of absolute error; compare σ² instead.
      expected.slice(0, side).forEach((s, i) => {
        assert.ok(Math.abs(sigma[i]! ** 2 - s ** 2) <= 1e-10 * expected[0]! ** 2, `${c.name} σ${i}: ${sigma[i]} vs ${s}`);
      });
    }
  }
});

test('NumPy fixtures and random inputs: CKA routes (float64 JS, wasm float32) agree to 1e-6', () => {
  const routes: CkaRoute[] = ['float64', 'wasm'];
  for (const c of reference.cases) {
    for (const [before, after, expected] of [
      [c.trainBefore, c.trainAfter, c.ckaTrain],
      [c.evalBefore, c.evalAfter, c.ckaEval],
    ] as const) {
      for (const route of routes) {
        const value = linearCkaOfFinite(fromRows(before), fromRows(after), route)!;
        assert.ok(Math.abs(value - expected) <= 1e-6, `${c.name} ${route}: ${value} vs sklearn-style reference ${expected}`);
      }
    }
  }
  const rand = seededRandom(11);
  // Gram form (n ≪ d) and feature form (n ≫ d, the wasm route's [Xc Yc]ᵀ Gram), with a column mean
  // 2 on top of unit-scale spread (centring happens in float64 before the float32 products).
  for (const [n, dx, dy] of [
    [40, 600, 500],
    [300, 20, 31],
    [7, 3, 5],
  ] as const) {
    const X: Matrix = { rows: n, cols: dx, data: Float32Array.from({ length: n * dx }, () => rand() - 0.5 + 2) };
    const Y: Matrix = {
      rows: n,
      cols: dy,
      data: Float32Array.from({ length: n * dy }, (_, i) => (i % dy < dx ? 0.8 * X.data[Math.floor(i / dy) * dx + (i % dy)]! : 0) + 0.5 * (rand() - 0.5)),
    };
    const exact = linearCkaOfFinite(X, Y, 'float64')!;
    assert.ok(exact > 0.05 && exact < 0.99, `a CKA away from the clamps (${exact})`);
    for (const route of routes.slice(1)) {
      for (let repeat = 0; repeat < 2; repeat++) {
        const value = linearCkaOfFinite(X, Y, route)!;
        assert.ok(Math.abs(value - exact) <= 1e-6, `${n}×${dx} vs ${n}×${dy} ${route}: ${value} vs ${exact}`);
      }
    }
  }
  // A common offset 1000× the spread (float32 spacing there: 6e-5): the wasm route's Gram form
  // subtracts the first row before rounding to float32, so the offset costs it no accuracy.
  const offset = (rows: number, cols: number): Matrix => ({ rows, cols, data: Float32Array.from({ length: rows * cols }, () => 1000 + rand() - 0.5) });
  const [P, Q] = [offset(30, 200), offset(30, 150)];
  for (let i = 0; i < Q.data.length; i++) Q.data[i] = Q.data[i]! + 0.5 * (P.data[i]! - 1000);
  const exact = linearCkaOfFinite(P, Q, 'float64')!;
  assert.ok(Math.abs(linearCkaOfFinite(P, Q, 'wasm')! - exact) <= 1e-6, `offset 1000: ${linearCkaOfFinite(P, Q, 'wasm')} vs ${exact}`);
});

test('kernels compiled in the background first (compileGramWasm, as analyze does) give the same numbers in a fresh process', () => {
  const child = fileURLToPath(new URL('./gramWasmCompileChild.ts', import.meta.url));
  const output = JSON.parse(execFileSync(process.execPath, ['--import', 'tsx', child], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })) as {
    available: boolean;
    gram: number[];
  };
  assert.equal(output.available, true);
  const data = Float64Array.from({ length: 7 * 13 }, (_, i) => Math.sin(i) * (i % 5));
  assert.deepEqual(output.gram, Array.from(wasmGram(7, 13, 'float64', copyRows(data, 7, 13))!));
});

test('without WebAssembly (node --jitless) analyzeActivations falls back to the JS kernels, same numbers', () => {
  const child = fileURLToPath(new URL('./gramWasmFallbackChild.ts', import.meta.url));
  const output = execFileSync(process.execPath, ['--jitless', '--import', 'tsx', child], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const fallback = JSON.parse(output) as { available: boolean; numbers: Record<string, number>[] };
  assert.equal(fallback.available, false, 'no kernels under --jitless');
  const here = fallbackFixtureSets().map(fallbackFixtureNumbers);
  here.forEach((numbers, index) => {
    assert.deepEqual(Object.keys(fallback.numbers[index]!).sort(), Object.keys(numbers).sort());
    for (const [key, value] of Object.entries(numbers)) {
      // Float64 metrics differ only in summation order (1e-9); CKA between float32 routes (1e-6); angles in degrees.
      const tolerance = key.startsWith('.cka') ? 1e-6 : key.startsWith('.principalAnglesDeg') ? 1e-6 : 1e-9 * Math.max(1, Math.abs(value));
      assert.ok(
        Math.abs(fallback.numbers[index]![key]! - value) <= tolerance,
        `set ${index} ${key}: fallback ${fallback.numbers[index]![key]} vs wasm ${value}`,
      );
    }
  });
});
