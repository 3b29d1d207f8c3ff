// Metrics bench: the whole `em-guard analyze` compute (analyzeActivations: two delta subspaces,
// principal angles, energy fraction + random baseline, mean-delta cosine, two CKAs, drift) at
// d ∈ {256, 1024, 4096}, n ∈ {256, 1024}, k = 16, against ml-matrix's SVD of the d×n delta.
// Prints figures, asserts nothing. `npx tsx bench/metrics.ts` or via `npm run bench -- metrics`.
// The NumPy side is bench/metrics_numpy.py (run it separately with /usr/bin/python3).
import { loadavg } from 'node:os';
import { pathToFileURL } from 'node:url';
import { SingularValueDecomposition, Matrix as MlMatrix } from 'ml-matrix';
import { selectBackend } from '../src/backend/selectBackend.js';
import { analyzeActivations, type ActivationSets } from '../src/metrics/analyzeActivations.js';
import type { Matrix } from '../src/metrics/matrix.js';
import { seededRandom } from '../src/util/seededRandom.js';
import { quantileSorted } from '../src/analysis/quantile.js';

const K = 16;
const SIZES: [number, number][] = [
  [256, 256],
  [256, 1024],
  [1024, 256],
  [1024, 1024],
  [4096, 256],
  [4096, 1024],
];
/** ml-matrix SVD cost grows as d·n·min(d,n); 4096×256 took ≈ 7.5 s here, so skip what would exceed ≈ 15 s. */
const ML_MATRIX_BUDGET = 4096 * 256 * 256 * 2;

/** Activations whose deltas share a decaying-spectrum subspace (as fine-tuning deltas do) plus noise. */
function makeSets(d: number, n: number, seed: number): ActivationSets {
  const r = seededRandom(seed);
  const dirs = 24;
  const basis = Float32Array.from({ length: dirs * d }, () => r() - 0.5);
  const one = (shared: number): [Matrix, Matrix] => {
    const before = Float32Array.from({ length: n * d }, () => r() * 2 - 1);
    const after = new Float32Array(n * d);
    for (let i = 0; i < n; i++) {
      const coeff = Array.from({ length: dirs }, (_, t) => (r() - 0.5) * 4 * Math.pow(0.7, t) * (t === dirs - 1 ? shared : 1));
      for (let j = 0; j < d; j++) {
        let s = before[i * d + j]! + 0.01 * (r() - 0.5);
        for (let t = 0; t < dirs; t++) s += coeff[t]! * basis[t * d + j]!;
        after[i * d + j] = s;
      }
    }
    return [
      { rows: n, cols: d, data: before },
      { rows: n, cols: d, data: after },
    ];
  };
  const [trainBefore, trainAfter] = one(1);
  const [evalBefore, evalAfter] = one(0.5);
  return { trainBefore, trainAfter, evalBefore, evalAfter };
}

function median(xs: number[]): number {
  return quantileSorted(
    [...xs].sort((a, b) => a - b),
    0.5,
  );
}

/** Runs the scenario and prints one table row per size. */
export async function run(): Promise<void> {
  const choice = await selectBackend();
  console.log(
    `\n## metrics: analyze compute vs ml-matrix SVD (k=${K}, backend ${choice.backend}, load avg ${loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')})`,
  );
  console.log('Wall ms = median wall clock of analyzeActivations (timingsMs.total); CPU ms = process CPU time of the same call');
  console.log('(CPU time is the fairer figure on a shared, loaded machine). "subspace" = deltas + two delta subspaces + principal');
  console.log("angles, the part NumPy's route (two thin SVDs + subspace_angles, bench/metrics_numpy.py) computes.");
  console.log(
    'd     n     wall ms  CPU ms  subspace ms  breakdown (wall ms)                                                    ml-matrix SVD ms        analyze speed-up',
  );
  for (const [d, n] of SIZES) {
    const sets = makeSets(d, n, d + n);
    analyzeActivations(sets, K, 1); // warm-up: JIT and backend kernels
    const runs = d * n >= 4096 * 1024 ? 3 : 5;
    const walls: number[] = [];
    const cpus: number[] = [];
    const subspace: number[] = [];
    let last: Record<string, number> = {};
    for (let i = 0; i < runs; i++) {
      const c0 = process.cpuUsage();
      const r = analyzeActivations(sets, K, i);
      const c = process.cpuUsage(c0);
      cpus.push((c.user + c.system) / 1000);
      walls.push(r.timingsMs.total!);
      const t = r.timingsMs;
      subspace.push(t.deltas! + t.trainSubspace! + t.evalSubspace! + t.angles!);
      last = t;
    }
    const breakdown = Object.entries(last)
      .filter(([k]) => k !== 'total')
      .map(([k, v]) => `${k} ${v.toFixed(0)}`)
      .join(', ');
    let svd = 'skipped (est. > 15 s)';
    let ratio = '';
    if (d * n * Math.min(d, n) <= ML_MATRIX_BUDGET) {
      const delta = new MlMatrix(d, n);
      for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) delta.set(j, i, sets.trainAfter.data[i * d + j]! - sets.trainBefore.data[i * d + j]!);
      const t = performance.now();
      const c0 = process.cpuUsage();
      new SingularValueDecomposition(delta, { autoTranspose: true });
      const c = process.cpuUsage(c0);
      const ms = performance.now() - t;
      const cpuMs = (c.user + c.system) / 1000;
      svd = `${ms.toFixed(0)} (CPU ${cpuMs.toFixed(0)})`;
      ratio = `${(ms / median(walls)).toFixed(1)}x wall, ${(cpuMs / median(cpus)).toFixed(1)}x CPU`;
    }
    const cols = [
      String(d).padEnd(5),
      String(n).padEnd(5),
      median(walls).toFixed(0).padStart(7),
      median(cpus).toFixed(0).padStart(7),
      median(subspace).toFixed(0).padStart(12),
    ];
    console.log(`${cols.join(' ')}  ${breakdown.padEnd(86)} ${svd.padStart(22)}  ${ratio}`);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await run();
