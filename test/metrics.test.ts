import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { useBackend, seededRandom } from './helpers.js';
import { fromRows, type Matrix } from '../src/metrics/matrix.js';
import { subtractMatrices } from '../src/metrics/subtractMatrices.js';
import { deltaSubspace, deltaSubspaceOf } from '../src/metrics/deltaSubspace.js';
import { principalAngles } from '../src/metrics/principalAngles.js';
import { subspaceOverlap } from '../src/metrics/subspaceOverlap.js';
import { energyFraction, randomEnergyFraction } from '../src/metrics/energyFraction.js';
import { randomOrthonormalBasis } from '../src/metrics/randomOrthonormalBasis.js';
import { meanDeltaCosine } from '../src/metrics/meanDeltaCosine.js';
import { linearCka } from '../src/metrics/linearCka.js';
import { relativeDrift } from '../src/metrics/relativeDrift.js';
import { analyzeActivations } from '../src/metrics/analyzeActivations.js';
import { topSymmetricEigen } from '../src/metrics/topSymmetricEigen.js';
import { symmetricEigen, symmetricEigenTop } from '../src/metrics/symmetricEigen.js';

await useBackend();

/** |actual − expected| ≤ rel·|expected| + abs. */
function close(actual: number | null | undefined, expected: number, rel = 1e-5, abs = 1e-12, what = ''): void {
  assert.ok(typeof actual === 'number' && Number.isFinite(actual), `${what}: expected a finite number, got ${actual}`);
  assert.ok(Math.abs(actual - expected) <= rel * Math.abs(expected) + abs, `${what}: ${actual} vs expected ${expected} (rel ${rel}, abs ${abs})`);
}

function unit(d: number, i: number): number[] {
  const v = new Array<number>(d).fill(0);
  v[i] = 1;
  return v;
}

/** d×k matrix whose columns are the given vectors. */
function columns(...vs: number[][]): Matrix {
  const d = vs[0]!.length;
  return fromRows(Array.from({ length: d }, (_, r) => vs.map((v) => v[r]!)));
}

function mix(a: number[], b: number[], angle: number): number[] {
  return a.map((x, i) => Math.cos(angle) * x + Math.sin(angle) * b[i]!);
}

/** Δ = A diag(σ) Bᵀ with orthonormal A (n×r) and B (d×r): an exactly known SVD. */
function knownDelta(n: number, d: number, sigma: number[], seed: number): { delta: Matrix; right: Matrix } {
  const a = randomOrthonormalBasis(n, sigma.length, seed);
  const b = randomOrthonormalBasis(d, sigma.length, seed + 1);
  const r = sigma.length;
  const data = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) {
      let s = 0;
      for (let t = 0; t < r; t++) s += a.data[i * r + t]! * sigma[t]! * b.data[j * r + t]!;
      data[i * d + j] = s;
    }
  }
  return { delta: { rows: n, cols: d, data }, right: b };
}

function hasNaN(x: unknown): boolean {
  return JSON.stringify(x, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? '__NaN__' : v)).includes('__NaN__');
}

test('principal angles: identical, orthogonal and rotated subspaces with known angles (incl. a 1e-6 rad angle)', () => {
  // d = 6 runs Jacobi on the d×k residual directly, d = 50 goes through its Householder R first.
  for (const d of [6, 50]) checkKnownAngles(d);
});

function checkKnownAngles(d: number): void {
  const e = (i: number) => unit(d, i);
  const U = columns(e(0), e(1), e(2));
  assert.deepEqual(
    principalAngles(U, U).map((a) => Math.abs(a) < 1e-12),
    [true, true, true],
  );
  close(subspaceOverlap(U, U), 1, 1e-12, 0, 'overlap identical');
  const W = columns(e(3), e(4), e(5));
  for (const a of principalAngles(U, W)) close(a, Math.PI / 2, 1e-12, 0, 'orthogonal angle');
  close(subspaceOverlap(U, W), 0, 0, 1e-15, 'overlap orthogonal');
  const small = 1e-6;
  const big = 0.7;
  // Columns scaled and out of order: both functions orthonormalise, angles come back ascending.
  const V = columns(
    mix(e(1), e(4), big).map((x) => 3 * x),
    e(2),
    mix(e(0), e(3), small),
  );
  const angles = principalAngles(U, V);
  close(angles[0], 0, 0, 1e-12, 'angle 0');
  close(angles[1], small, 1e-5, 0, 'small angle (sine formula)');
  close(angles[2], big, 1e-5, 0, 'angle 0.7');
  close(subspaceOverlap(U, V), (1 + Math.cos(small) ** 2 + Math.cos(big) ** 2) / 3, 1e-12, 0, 'overlap rotated');
  // The symmetric call gives the same angles.
  principalAngles(V, U).forEach((a, i) => close(a, angles[i]!, 1e-9, 1e-12, `symmetric ${i}`));
}

test('principal angles between subspaces of different dimension, and empty bases', () => {
  const d = 5;
  const U = columns(unit(d, 0), unit(d, 1), unit(d, 2));
  const v = columns(mix(unit(d, 0), unit(d, 3), 0.3));
  const angles = principalAngles(U, v);
  assert.equal(angles.length, 1);
  close(angles[0], 0.3, 1e-9, 0, 'one angle');
  close(principalAngles(v, U)[0], 0.3, 1e-9, 0, 'one angle (swapped)');
  close(subspaceOverlap(U, v), Math.cos(0.3) ** 2, 1e-12, 0, 'overlap min(kU,kV)');
  const empty: Matrix = { rows: d, cols: 0, data: new Float64Array(0) };
  assert.deepEqual(principalAngles(U, empty), []);
  assert.equal(subspaceOverlap(empty, U), 0);
  assert.throws(() => principalAngles(U, columns(unit(4, 0))), /shape mismatch: first basis is 5×3, second is 4×1/);
});

test('deltaSubspace recovers a known SVD on both Gram sides (n<d and n>d), with rank reduction', () => {
  for (const [n, d] of [
    [12, 40],
    [40, 12],
  ] as const) {
    const sigma = [5, 3, 1];
    const { delta, right } = knownDelta(n, d, sigma, 7);
    const s = deltaSubspaceOf(delta, 2);
    assert.equal(s.k, 2);
    assert.equal(s.singularValues.length, Math.min(n, d));
    sigma.forEach((x, i) => close(s.singularValues[i], x, 1e-10, 0, `σ${i} (${n}×${d})`));
    close(s.spectralGapRatio, 1 / 3, 1e-10, 0, 'gap ratio');
    close(s.explainedEnergy, (25 + 9) / 35, 1e-12, 0, 'explained energy');
    close(s.energyShare[1], 9 / 35, 1e-12, 0, 'energy share 2');
    // Effective rank = participation ratio (Σσ²)²/Σσ⁴.
    close(s.effectiveRank, 35 ** 2 / (625 + 81 + 1), 1e-9, 0, 'effective rank');
    const firstTwo: Matrix = { rows: d, cols: 2, data: Float64Array.from({ length: d * 2 }, (_, i) => right.data[Math.floor(i / 2) * 3 + (i % 2)]!) };
    for (const a of principalAngles(s.basis!, firstTwo)) assert.ok(a < 1e-7, `basis angle ${a}`);
    // Orthonormal basis columns.
    const b = s.basis!;
    for (let i = 0; i < 2; i++) {
      for (let j = 0; j < 2; j++) {
        let dot = 0;
        for (let r = 0; r < d; r++) dot += b.data[r * 2 + i]! * b.data[r * 2 + j]!;
        close(dot, i === j ? 1 : 0, 0, 1e-12, `UᵀU[${i}${j}]`);
      }
    }
    const over = deltaSubspaceOf(delta, 5);
    assert.equal(over.k, 3);
    assert.equal(over.requestedK, 5);
    assert.match(over.reason ?? '', /numerical rank 3 < requested k=5/);
    assert.equal(over.spectralGapRatio, 0, 'σ beyond the numerical rank is reported as 0');
    assert.equal(hasNaN(over), false);
  }
});

test('steep spectrum: a dominant common shift does not hide the small directions (float64 Gram)', () => {
  // The EM signature: every probe moves along one direction m (σ₁ huge), plus two small directions
  // (σ/σ₁ ≈ 1e-4, 1e-5). A float32 Gram loses anything below σ/σ₁ ≈ 4e-3 (DESIGN.md).
  // n = 128: dense eigen-solver; n = 320 > 256: the block Krylov path.
  for (const n of [128, 320]) checkSteep(n, 512);
});

function checkSteep(n: number, d: number): void {
  const rand = seededRandom(11);
  const dirs = randomOrthonormalBasis(d, 3, 5);
  const col = (t: number) => Array.from({ length: d }, (_, j) => dirs.data[j * 3 + t]!);
  const [m, u2, u3] = [col(0), col(1), col(2)];
  const build = (scale: number[]) => {
    const data = new Float32Array(n * d);
    const before = new Float32Array(n * d);
    for (let i = 0; i < n; i++) {
      const c2 = rand() - 0.5;
      const c3 = rand() - 0.5;
      for (let j = 0; j < d; j++) {
        before[i * d + j] = rand() * 4 - 2;
        data[i * d + j] = before[i * d + j]! + scale[0]! * m[j]! + scale[1]! * c2 * u2[j]! + scale[2]! * c3 * u3[j]!;
      }
    }
    return { before: { rows: n, cols: d, data: before }, after: { rows: n, cols: d, data } };
  };
  // float32 storage of `after` adds ≈ 1e-7·|after| noise per entry; keep the small directions above it.
  const train = build([300, 0.5, 0.05]);
  const evalSet = build([250, 0.4, 0.06]);
  const U = deltaSubspace(train.before, train.after, 3);
  const V = deltaSubspace(evalSet.before, evalSet.after, 3);
  assert.equal(U.k, 3);
  assert.ok(U.singularValues[2]! / U.singularValues[0]! < 1e-4, 'the fixture is steep');
  const expected = columns(m, u2, u3);
  for (const a of principalAngles(U.basis!, expected)) assert.ok(a < 1e-3, `train basis angle ${a}`);
  close(subspaceOverlap(U.basis!, V.basis!), 1, 1e-5, 0, `overlap of two steep subspaces sharing directions (n=${n})`);
}

type RefCase = {
  name: string;
  k: number;
  trainBefore: number[][];
  trainAfter: number[][];
  evalBefore: number[][];
  evalAfter: number[][];
  trainSingularValues: number[];
  evalSingularValues: number[];
  principalAngles: number[];
  overlap: number;
  evalEnergyFraction: number;
  trainExplainedEnergy: number;
  trainSpectralGapRatio: number;
  meanDeltaCosine: Record<'mean' | 'median' | 'q10' | 'q25' | 'q75' | 'q90', number>;
  ckaTrain: number;
  ckaEval: number;
  driftTrain: number;
  driftEval: number;
};
const reference = JSON.parse(readFileSync(new URL('./fixtures/metrics_reference.json', import.meta.url), 'utf8')) as { cases: RefCase[] };

test('agrees with NumPy/SciPy (svd, subspace_angles, CKA formula) on the reference fixture', () => {
  assert.equal(reference.cases.length, 3);
  for (const c of reference.cases) {
    const f32 = (rows: number[][]) => {
      const m = fromRows(rows);
      return { ...m, data: Float32Array.from(m.data) };
    };
    const sets = { trainBefore: f32(c.trainBefore), trainAfter: f32(c.trainAfter), evalBefore: f32(c.evalBefore), evalAfter: f32(c.evalAfter) };
    const U = deltaSubspace(sets.trainBefore, sets.trainAfter, c.k);
    // Same float64 deltas on both sides, so singular values agree far below 1e-5.
    c.trainSingularValues.forEach((s, i) => close(U.singularValues[i], s, 1e-8, 1e-10 * c.trainSingularValues[0]!, `${c.name} σ${i}`));
    close(U.spectralGapRatio, c.trainSpectralGapRatio, 1e-8, 0, `${c.name} gap`);
    close(U.explainedEnergy, c.trainExplainedEnergy, 1e-10, 0, `${c.name} explained`);
    const r = analyzeActivations(sets, c.k, 3);
    assert.equal(r.principalAnglesDeg.length, c.k);
    c.principalAngles.forEach((a, i) => close((r.principalAnglesDeg[i]! * Math.PI) / 180, a, 1e-5, 1e-9, `${c.name} angle ${i}`));
    close(r.overlap, c.overlap, 1e-5, 0, `${c.name} overlap`);
    close(r.evalEnergyFraction, c.evalEnergyFraction, 1e-5, 0, `${c.name} energy fraction`);
    for (const q of ['mean', 'median', 'q10', 'q25', 'q75', 'q90'] as const)
      close(r.meanDeltaCosine?.[q], c.meanDeltaCosine[q], 1e-5, 1e-9, `${c.name} cosine ${q}`);
    // CKA runs float32 tfjs products: 1e-5 relative.
    close(r.ckaTrain, c.ckaTrain, 1e-5, 0, `${c.name} CKA train`);
    close(r.ckaEval, c.ckaEval, 1e-5, 0, `${c.name} CKA eval`);
    close(r.driftTrain, c.driftTrain, 1e-10, 0, `${c.name} drift train`);
    close(r.driftEval, c.driftEval, 1e-10, 0, `${c.name} drift eval`);
    close(r.timingsMs.total, r.timingsMs.total!, 0, 0, 'timing present');
  }
});

test('zero, rank-deficient and tiny inputs give defined values or null with a reason, never NaN', () => {
  const z = fromRows([
    [1, 2, 3],
    [4, 5, 6],
  ]);
  const s = deltaSubspace(z, z, 2);
  assert.equal(s.basis, null);
  assert.equal(s.k, 0);
  assert.match(s.reason ?? '', /delta is zero/);
  assert.deepEqual(s.singularValues, [0, 0]);
  assert.equal(s.spectralGapRatio, null);
  assert.equal(hasNaN(s), false);
  const zero = subtractMatrices(z, z);
  assert.equal(energyFraction(zero, columns(unit(3, 0))), null);
  assert.equal(randomEnergyFraction(zero, 2, 1), null);
  assert.equal(meanDeltaCosine(zero, zero), null);
  assert.equal(relativeDrift(subtractMatrices(z, z), z), null, 'before all zero');
  close(relativeDrift(z, z), 0, 0, 0, 'no drift');
  assert.equal(linearCka(fromRows([[1, 2]]), fromRows([[3, 4]])), null, 'one probe: no variance');
  assert.equal(
    linearCka(
      fromRows([
        [1, 2],
        [1, 2],
      ]),
      z.rows === 2
        ? fromRows([
            [0, 1],
            [2, 3],
          ])
        : z,
    ),
    null,
    'constant columns',
  );
  // 1×1: k=1 is fine, k=3 is capped at min(n, d) = 1 with a reason.
  const one = deltaSubspace(fromRows([[1]]), fromRows([[3]]), 3);
  assert.equal(one.k, 1);
  assert.match(one.reason ?? '', /at most 1 directions/);
  assert.equal(one.spectralGapRatio, null);
  close(one.singularValues[0], 2, 1e-15, 0, '1×1 σ');
  // Zero rows in the eval delta are excluded from the cosine, not counted as 0.
  const train = fromRows([
    [1, 0, 0],
    [1, 0, 0],
  ]);
  const ev = fromRows([
    [2, 0, 0],
    [0, 5, 0],
    [3, 3, 0],
    [0, 0, 0],
  ]);
  const mdc = meanDeltaCosine(ev, train)!;
  assert.deepEqual(mdc.excludedRows, [3]);
  mdc.values.forEach((v, i) => close(v, [1, 0, Math.SQRT1_2][i]!, 1e-12, 1e-15, `cos ${i}`));
  close(mdc.median, Math.SQRT1_2, 1e-12, 0, 'median');
  close(mdc.q10, 0.2 * Math.SQRT1_2, 1e-12, 0, 'q10 (linear interpolation)');
  close(mdc.mean, (1 + Math.SQRT1_2) / 3, 1e-12, 0, 'mean');
  assert.equal(meanDeltaCosine(fromRows([[0, 0, 0]]), train), null, 'no eval row moved');
});

test('energy fraction: closed form, orthonormalises its basis, random baseline ≈ k/d', () => {
  const delta = fromRows([
    [1, 1, 0, 0],
    [2, -2, 0, 0],
  ]);
  close(energyFraction(delta, columns([2, 0, 0, 0])), 0.5, 1e-12, 0, 'half the energy on e1');
  close(energyFraction(delta, columns(unit(4, 0), [3, 4, 0, 0])), 1, 1e-12, 0, 'span{e1,e2} holds it all');
  assert.throws(() => energyFraction(delta, columns(unit(3, 0))), /shape mismatch: delta is 2×4, basis is 3×1/);
  // Isotropic delta: a random k-subspace holds ≈ k/d of the energy.
  const d = 100;
  const rand = seededRandom(3);
  const iso: Matrix = { rows: 200, cols: d, data: Float64Array.from({ length: 200 * d }, () => rand() - 0.5) };
  let sum = 0;
  for (let seed = 0; seed < 20; seed++) sum += randomEnergyFraction(iso, 5, seed)!;
  close(sum / 20, 5 / d, 0.2, 0, 'random baseline mean');
  const b1 = randomOrthonormalBasis(50, 4, 9);
  assert.deepEqual(b1, randomOrthonormalBasis(50, 4, 9), 'same seed, same basis');
  assert.notDeepEqual(b1, randomOrthonormalBasis(50, 4, 10));
  for (let i = 0; i < 4; i++) {
    for (let j = 0; j < 4; j++) {
      let dot = 0;
      for (let r = 0; r < 50; r++) dot += b1.data[r * 4 + i]! * b1.data[r * 4 + j]!;
      close(dot, i === j ? 1 : 0, 0, 1e-12, 'orthonormal');
    }
  }
  assert.throws(() => randomOrthonormalBasis(3, 4, 1), /Expected `k` to be an integer in \[1, 3\], got `4`/);
});

test('linear CKA: 1 under rotation and scaling, handles different widths', () => {
  const rand = seededRandom(21);
  const n = 30;
  const X: Matrix = { rows: n, cols: 8, data: Float64Array.from({ length: n * 8 }, () => rand() - 0.5) };
  const R = randomOrthonormalBasis(8, 8, 4);
  const Y = { rows: n, cols: 8, data: new Float64Array(n * 8) };
  for (let i = 0; i < n; i++)
    for (let j = 0; j < 8; j++) {
      let s = 0;
      for (let t = 0; t < 8; t++) s += X.data[i * 8 + t]! * R.data[t * 8 + j]!;
      Y.data[i * 8 + j] = 3 * s + 5; // rotation, scale and a shift (removed by centering)
    }
  close(linearCka(X, Y), 1, 1e-5, 0, 'CKA invariant');
  const Z: Matrix = { rows: n, cols: 3, data: Float64Array.from({ length: n * 3 }, () => rand()) };
  const v = linearCka(X, Z)!;
  assert.ok(v > 0 && v < 1, `CKA of unrelated data in (0,1): ${v}`);
  assert.throws(() => linearCka(X, fromRows([[1]])), /shape mismatch: X is 30×8, Y is 1×1/);
});

test('bad input: shape mismatches name both shapes, NaN and Infinity name the cell, k is validated', () => {
  const a: Matrix = { rows: 4, cols: 8, data: new Float32Array(32) };
  const b: Matrix = { rows: 4, cols: 9, data: new Float32Array(36) };
  assert.throws(() => subtractMatrices(a, b), { message: /^shape mismatch: after is 4×8, before is 4×9/ });
  assert.throws(() => deltaSubspace(b, a, 2), /shape mismatch: after is 4×8, before is 4×9/);
  const bad = { rows: 4, cols: 8, data: new Float32Array(32) };
  bad.data[3 * 8 + 7] = Number.NaN;
  assert.throws(() => deltaSubspace(a, bad, 2), /non-finite value at row 3, col 7/);
  bad.data[3 * 8 + 7] = Number.POSITIVE_INFINITY;
  assert.throws(() => linearCka(a, bad), /non-finite value at row 3, col 7/);
  assert.throws(() => relativeDrift(bad, a), /non-finite value at row 3, col 7/);
  assert.throws(() => meanDeltaCosine(bad, a), /non-finite value at row 3, col 7/);
  assert.throws(() => deltaSubspace(a, a, 0), { message: 'Expected `k` to be an integer >= 1, got `0` (number)' });
  assert.throws(() => deltaSubspace(a, a, 1.5), /Expected `k` to be an integer >= 1, got `1.5`/);
});

test('no tfjs tensor leaks across repeated metric calls', () => {
  const rand = seededRandom(5);
  const mk = (n: number, d: number): Matrix => ({ rows: n, cols: d, data: Float32Array.from({ length: n * d }, () => rand()) });
  const sets = { trainBefore: mk(20, 64), trainAfter: mk(20, 64), evalBefore: mk(16, 64), evalAfter: mk(16, 64) };
  analyzeActivations(sets, 4); // warm-up: backend kernels may allocate once
  const before = tf.memory().numTensors;
  for (let i = 0; i < 3; i++) {
    analyzeActivations(sets, 4, i);
    linearCka(sets.trainBefore, sets.trainAfter);
    linearCka(mk(100, 5), mk(100, 7)); // feature-form branch
  }
  assert.equal(tf.memory().numTensors, before);
});

test('block Krylov top eigenpairs match the dense solver: decaying, repeated, rank-deficient and flat spectra', () => {
  const m = 300; // > 256: below that topSymmetricEigen solves densely
  const q = randomOrthonormalBasis(m, m, 17); // random eigenvectors
  const build = (lambda: number[]) => {
    const a = new Float64Array(m * m);
    for (let i = 0; i < m; i++)
      for (let j = 0; j <= i; j++) {
        let s = 0;
        for (let t = 0; t < m; t++) s += q.data[i * m + t]! * lambda[t]! * q.data[j * m + t]!;
        a[i * m + j] = s;
        a[j * m + i] = s;
      }
    return a;
  };
  const spectra: [string, number[], boolean][] = [
    ['decaying', Array.from({ length: m }, (_, t) => 100 * 0.6 ** t), false],
    ['top eigenvalue of multiplicity 3', Array.from({ length: m }, (_, t) => (t < 3 ? 50 : 10 * 0.5 ** t)), false],
    ['rank 5', Array.from({ length: m }, (_, t) => (t < 5 ? 5 - t : 0)), false],
    ['flat (no gap: dense fallback)', Array.from({ length: m }, (_, t) => 1 + 1e-3 * Math.sin(t)), true],
  ];
  for (const [name, lambda, complete] of spectra) {
    const a = build(lambda);
    const top = topSymmetricEigen(a, m, 9);
    assert.equal(top.complete, complete, `${name}: complete`);
    const dense = symmetricEigen(a, m);
    for (let i = 0; i < 9; i++) close(top.values[i], dense.values[i]!, 1e-9, 1e-12 * dense.values[0]!, `${name} λ${i}`);
    // Eigenvectors: compare the projectors onto the top eigenspaces where the gap allows.
    if (!complete) {
      const cut = name.startsWith('rank') ? 5 : 8;
      const asBasis = (vecs: Float64Array): Matrix => ({
        rows: m,
        cols: cut,
        data: Float64Array.from({ length: m * cut }, (_, idx) => vecs[(idx % cut) * m + Math.floor(idx / cut)]!),
      });
      close(subspaceOverlap(asBasis(top.vectors), asBasis(dense.vectors)), 1, 1e-9, 0, `${name}: top-${cut} eigenspace`);
    }
  }
  // A gap after 8 eigenvalues, then a flat tail: the 9th pair converges only as a value, which is all
  // deltaSubspace reads of σ_{k+1}; without `valueOnly` the solver has to fall back to dense.
  const tail = build(Array.from({ length: m }, (_, t) => (t < 8 ? 100 * 0.5 ** t : 0.1 * (1 + 1e-3 * Math.sin(t)))));
  const dense = symmetricEigen(tail, m);
  const relaxed = topSymmetricEigen(tail, m, 9, 1e-11, 1);
  assert.equal(relaxed.complete, false);
  close(relaxed.values[8], dense.values[8]!, 0, 1e-7 * dense.values[0]!, 'λ9 from the flat tail (value error ≲ residual²/gap, relative to λ₁)');
  assert.equal(topSymmetricEigen(tail, m, 9).complete, true);
});

test('deltaSubspace through the Krylov path: known SVD with a repeated top singular value', () => {
  const sigma = [5, 5, 5, 2, 1];
  const { delta, right } = knownDelta(300, 400, sigma, 23); // Gram 300×300: the Krylov path
  const s = deltaSubspaceOf(delta, 3);
  sigma.slice(0, 4).forEach((x, i) => close(s.singularValues[i], x, 1e-9, 0, `σ${i}`));
  close(s.spectralGapRatio, 2 / 5, 1e-9, 0, 'gap');
  const top3: Matrix = { rows: 400, cols: 3, data: Float64Array.from({ length: 1200 }, (_, i) => right.data[Math.floor(i / 3) * 5 + (i % 3)]!) };
  close(subspaceOverlap(s.basis!, top3), 1, 1e-10, 0, 'recovers the 3-dim top subspace');
});

test('dense top-k eigenvectors (QL values + inverse iteration) match the full solver, incl. clusters and a zero matrix', () => {
  const m = 120;
  const rand = seededRandom(31);
  const q = randomOrthonormalBasis(m, m, 41);
  const withSpectrum = (lambda: number[]) => {
    const a = new Float64Array(m * m);
    for (let i = 0; i < m; i++)
      for (let j = 0; j <= i; j++) {
        let s = 0;
        for (let t = 0; t < m; t++) s += q.data[i * m + t]! * lambda[t]! * q.data[j * m + t]!;
        a[i * m + j] = s;
        a[j * m + i] = s;
      }
    return a;
  };
  const randomSym = new Float64Array(m * m);
  for (let i = 0; i < m; i++) for (let j = 0; j <= i; j++) randomSym[i * m + j] = randomSym[j * m + i] = rand() - 0.5;
  const cases: [string, Float64Array, number][] = [
    ['random symmetric', randomSym, 6],
    ['top eigenvalue of multiplicity 4', withSpectrum(Array.from({ length: m }, (_, t) => (t < 4 ? 9 : 3 * 0.9 ** t))), 4],
    ['rank 3 (a cluster at 0 inside the wanted set)', withSpectrum(Array.from({ length: m }, (_, t) => (t < 3 ? 3 - t : 0))), 3],
  ];
  for (const [name, a, cut] of cases) {
    const full = symmetricEigen(a, m);
    const top = symmetricEigenTop(a, m, 6);
    assert.equal(top.vectors.length, 6 * m, `${name}: the inverse-iteration path ran (no dense fallback)`);
    full.values.forEach((v, i) => close(top.values[i], v, 1e-10, 1e-12 * Math.abs(full.values[0]!), `${name} λ${i}`));
    const rows = (vecs: Float64Array): Matrix => ({
      rows: m,
      cols: cut,
      data: Float64Array.from({ length: m * cut }, (_, idx) => vecs[(idx % cut) * m + Math.floor(idx / cut)]!),
    });
    close(subspaceOverlap(rows(top.vectors), rows(full.vectors)), 1, 1e-9, 0, `${name}: top-${cut} eigenspace`);
    // Each returned vector is a unit eigenvector (also inside the degenerate clusters).
    for (let j = 0; j < 6; j++) {
      const u = top.vectors.subarray(j * m, j * m + m);
      let res = 0;
      let len = 0;
      for (let r = 0; r < m; r++) {
        let s = 0;
        for (let c = 0; c < m; c++) s += a[r * m + c]! * u[c]!;
        res = Math.max(res, Math.abs(s - top.values[j]! * u[r]!));
        len += u[r]! * u[r]!;
      }
      close(len, 1, 1e-12, 0, `${name} |u${j}|`);
      assert.ok(res <= 1e-10 * Math.abs(top.values[0]!), `${name} residual ${j}: ${res}`);
    }
  }
  const zero = symmetricEigenTop(new Float64Array(m * m), m, 3);
  assert.deepEqual(Array.from(zero.values.slice(0, 3)), [0, 0, 0]);
});

test('linear CKA: the float32 path (large inputs: wasm kernel, tfjs without it) agrees with a float64 reference to 1e-5, both forms, no leaks', () => {
  const rand = seededRandom(61);
  // Float64 reference straight from the feature-form definition ‖XcᵀYc‖²_F / (‖XcᵀXc‖_F ‖YcᵀYc‖_F).
  const reference = (X: Matrix, Y: Matrix): number => {
    const center = (m: Matrix) => {
      const out = Float64Array.from(m.data);
      for (let c = 0; c < m.cols; c++) {
        let mean = 0;
        for (let r = 0; r < m.rows; r++) mean += out[r * m.cols + c]!;
        mean /= m.rows;
        for (let r = 0; r < m.rows; r++) out[r * m.cols + c] = out[r * m.cols + c]! - mean;
      }
      return out;
    };
    const cross = (a: Float64Array, da: number, b: Float64Array, db: number, n: number) => {
      let s = 0;
      for (let i = 0; i < da; i++)
        for (let j = 0; j < db; j++) {
          let dot = 0;
          for (let r = 0; r < n; r++) dot += a[r * da + i]! * b[r * db + j]!;
          s += dot * dot;
        }
      return s;
    };
    const xc = center(X);
    const yc = center(Y);
    const n = X.rows;
    return cross(xc, X.cols, yc, Y.cols, n) / Math.sqrt(cross(xc, X.cols, xc, X.cols, n) * cross(yc, Y.cols, yc, Y.cols, n));
  };
  // 40×600 (n×n Gram form, 1.9e6 multiply-adds) and 300×20 vs 300×30 (feature form, 5.7e5): both
  // above the float64-JS size limit (1e5), so the float32 route runs (test/gramWasm.test.ts compares
  // its wasm and tfjs variants); 12×40 (1.2e4) runs in JS.
  for (const [n, dx, dy] of [
    [40, 600, 600],
    [300, 20, 30],
    [12, 40, 40],
  ] as const) {
    const X: Matrix = { rows: n, cols: dx, data: Float32Array.from({ length: n * dx }, () => rand() - 0.5 + 2) };
    const Y: Matrix = {
      rows: n,
      cols: dy,
      data: Float32Array.from({ length: n * dy }, (_, i) => (i % dy < dx ? 0.8 * X.data[Math.floor(i / dy) * dx + (i % dy)]! : 0) + 0.5 * (rand() - 0.5)),
    };
    const before = tf.memory().numTensors;
    close(linearCka(X, Y), reference(X, Y), 1e-5, 0, `CKA ${n}×${dx} vs ${n}×${dy}`);
    assert.equal(tf.memory().numTensors, before, `no tensors left (${n}×${dx})`);
  }
});
