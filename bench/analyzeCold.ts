// Cold-start bench: `em-guard analyze` as a user runs it, one fresh process per call, on .npy files
// at d=4096, n=256, k=16, beside NumPy's straightforward route (two thin SVDs +
// scipy.linalg.subspace_angles, single-threaded BLAS) on the same files in the same run. Prints
// figures, asserts nothing. `npx tsx bench/analyzeCold.ts` or `npm run bench -- cold`.
// Runs the built CLI (dist/cli/bin.js, `npm run build` first) when present, else src via tsx; the
// compared figure is `timingsMs.total` (compute after the files are read), plus the process wall time.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Matrix } from '../src/metrics/matrix.js';
import { seededRandom } from '../src/util/seededRandom.js';
import { writeNpy } from '../src/npy/writeNpy.js';
import { quantileSorted } from '../src/analysis/quantile.js';

const D = 4096;
const N = 256;
const K = 16;
const RUNS = 5;

const NUMPY_ROUTE = String.raw`
import os, sys, time, json
for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS"):
    os.environ[v] = "1"
import numpy as np
from scipy.linalg import subspace_angles
d = sys.argv[1]; k = int(sys.argv[2]); runs = int(sys.argv[3])
tb, ta, eb, ea = (np.load(os.path.join(d, f)) for f in ("tb.npy", "ta.npy", "eb.npy", "ea.npy"))
out = []
for _ in range(runs + 1):
    t0 = time.perf_counter()
    dt = ta.astype(np.float64) - tb
    de = ea.astype(np.float64) - eb
    _, _, vt = np.linalg.svd(dt, full_matrices=False)
    _, _, ve = np.linalg.svd(de, full_matrices=False)
    subspace_angles(vt[:k].T, ve[:k].T)
    out.append((time.perf_counter() - t0) * 1000)
print(json.dumps(out))
`;

function makeFiles(dir: string): void {
  const r = seededRandom(D + N);
  const dirs = 24;
  const basis = Float32Array.from({ length: dirs * D }, () => r() - 0.5);
  const one = (shared: number): [Matrix, Matrix] => {
    const before = Float32Array.from({ length: N * D }, () => r() * 2 - 1);
    const after = new Float32Array(N * D);
    for (let i = 0; i < N; i++) {
      const coeff = Array.from({ length: dirs }, (_, t) => (r() - 0.5) * 4 * Math.pow(0.7, t) * (t === dirs - 1 ? shared : 1));
      for (let j = 0; j < D; j++) {
        let s = before[i * D + j]! + 0.01 * (r() - 0.5);
        for (let t = 0; t < dirs; t++) s += coeff[t]! * basis[t * D + j]!;
        after[i * D + j] = s;
      }
    }
    return [
      { rows: N, cols: D, data: before },
      { rows: N, cols: D, data: after },
    ];
  };
  const [tb, ta] = one(1);
  const [eb, ea] = one(0.5);
  for (const [name, m] of [
    ['tb', tb],
    ['ta', ta],
    ['eb', eb],
    ['ea', ea],
  ] as const)
    writeFileSync(join(dir, `${name}.npy`), writeNpy(m, '<f4'));
}

const median = (xs: number[]) =>
  quantileSorted(
    [...xs].sort((a, b) => a - b),
    0.5,
  );
const fmt = (xs: number[]) => `${median(xs).toFixed(0)} (${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)})`;

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'em-guard-cold-'));
  try {
    makeFiles(dir);
    const root = new URL('..', import.meta.url).pathname;
    const built = join(root, 'dist/cli/bin.js');
    const cmd = existsSync(built) ? [process.execPath, built] : [process.execPath, '--import', 'tsx', join(root, 'src/cli/bin.ts')];
    const files = ['--train-before', 'tb.npy', '--train-after', 'ta.npy', '--eval-before', 'eb.npy', '--eval-after', 'ea.npy'];
    const variants: [string, string[]][] = [
      ['--rank 16', ['--rank', String(K)]],
      ['--variance-share 0.9', ['--variance-share', '0.9']],
    ];
    console.log(
      `\n## cold: em-guard analyze in a fresh process, d=${D}, n=${N} (${existsSync(built) ? 'dist/cli/bin.js' : 'src via tsx'}; load avg ${loadavg()
        .map((x) => x.toFixed(1))
        .join(' ')})`,
    );
    for (const [label, extra] of variants) {
      const totals: number[] = [];
      const walls: number[] = [];
      let steps: Record<string, number> = {};
      let k = 0;
      for (let i = 0; i < RUNS; i++) {
        const t0 = performance.now();
        const out = execFileSync(cmd[0]!, [...cmd.slice(1), 'analyze', ...files, ...extra, '--json'], { cwd: dir, encoding: 'utf8', maxBuffer: 1 << 24 });
        walls.push(performance.now() - t0);
        const r = JSON.parse(out) as { timingsMs: Record<string, number>; rank: number };
        totals.push(r.timingsMs.total!);
        steps = r.timingsMs;
        k = r.rank;
      }
      const breakdown = Object.entries(steps)
        .filter(([s]) => s !== 'total')
        .map(([s, v]) => `${s} ${v.toFixed(0)}`)
        .join(', ');
      console.log(`em-guard analyze ${label} (k=${k}): compute ms ${fmt(totals)}, process wall ms ${fmt(walls)}; last: ${breakdown}`);
    }
    // Warm figure: the same compute called repeatedly in this process.
    const { analyzeActivations } = await import('../src/metrics/analyzeActivations.js');
    const { readNpy } = await import('../src/npy/readNpy.js');
    const [tb, ta, eb, ea] = await Promise.all(['tb', 'ta', 'eb', 'ea'].map((f) => readNpy(join(dir, `${f}.npy`))));
    const sets = { trainBefore: tb!, trainAfter: ta!, evalBefore: eb!, evalAfter: ea! };
    const inProcess = Array.from({ length: RUNS + 1 }, (_, i) => analyzeActivations(sets, K, i).timingsMs.total!);
    console.log(`analyzeActivations in one process (k=${K}): first call ${inProcess[0]!.toFixed(0)} ms, next ${RUNS}: ${fmt(inProcess.slice(1))} ms`);
    try {
      const numpy = JSON.parse(execFileSync('/usr/bin/python3', ['-c', NUMPY_ROUTE, dir, String(K), String(RUNS)], { encoding: 'utf8' })) as number[];
      console.log(`NumPy route (2 thin SVDs + subspace_angles, 1 BLAS thread): first ${numpy[0]!.toFixed(0)} ms, next ${RUNS}: ${fmt(numpy.slice(1))} ms`);
    } catch (e) {
      console.log(`NumPy route: not run (${(e instanceof Error ? e.message : String(e)).split('\n')[0]})`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await run();
