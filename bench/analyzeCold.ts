// Cold-start bench: `em-guard analyze` as a user runs it (the built CLI, one fresh process per call)
// on .npy files at d=4096, n=256, beside NumPy's straightforward route (two thin SVDs +
// scipy.linalg.subspace_angles, single-threaded BLAS) in a fresh python process, alternated round by
// round in the same run; then warm figures (repeated calls in one process) for both. Prints figures
// and the two gate lines (issue 12 item 5, issue 16), asserts nothing.
// `npm run build && npx tsx bench/analyzeCold.ts` (or `npm run bench -- cold`); EM_GUARD_BENCH_ROUNDS=n.
// Runs dist/cli/bin.js (package.json `bin`) when built, else src via tsx (slower start: says so).
// Compute = `timingsMs.total` (after the files are read; `cpuTotal` its CPU time); process = spawn
// to exit, CPU from /usr/bin/time when present. Medians over rounds; ratios are per round, then median.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
const ROUNDS = Number(process.env.EM_GUARD_BENCH_ROUNDS ?? 5);
const WARM = 5;

const NUMPY_ROUTE = String.raw`
import os, sys, time, json
t0, c0 = time.perf_counter(), time.process_time()
for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS"):
    os.environ[v] = "1"
import numpy as np
from scipy.linalg import subspace_angles
d = sys.argv[1]; k = int(sys.argv[2]); runs = int(sys.argv[3])
tb, ta, eb, ea = (np.load(os.path.join(d, f)) for f in ("tb.npy", "ta.npy", "eb.npy", "ea.npy"))
ready = ((time.perf_counter() - t0) * 1000, (time.process_time() - c0) * 1000)
out = []
for _ in range(runs + 1):
    w, c = time.perf_counter(), time.process_time()
    dt = ta.astype(np.float64) - tb
    de = ea.astype(np.float64) - eb
    _, _, vt = np.linalg.svd(dt, full_matrices=False)
    _, _, ve = np.linalg.svd(de, full_matrices=False)
    subspace_angles(vt[:k].T, ve[:k].T)
    out.append([(time.perf_counter() - w) * 1000, (time.process_time() - c) * 1000])
print(json.dumps({"ready": ready, "calls": out}))
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
const fmt = (xs: number[]) => (xs.length ? `${median(xs).toFixed(0)} (${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)})` : 'n/a');
const ratio = (xs: number[]) => (xs.length ? `${median(xs).toFixed(2)} (${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)})` : 'n/a');
const load = () =>
  loadavg()
    .map((x) => x.toFixed(1))
    .join(' ');
const TIME = '/usr/bin/time';

/** Runs a command in a fresh process: stdout, wall ms (spawn to exit), CPU ms (user + sys, via /usr/bin/time) or NaN. */
function fresh(cmd: string, args: string[], cwd: string): { out: string; wall: number; cpu: number } {
  const timeFile = join(cwd, 'time.txt');
  const timed = existsSync(TIME);
  const t0 = performance.now();
  const out = timed
    ? execFileSync(TIME, ['-f', '%U %S', '-o', timeFile, cmd, ...args], { cwd, encoding: 'utf8', maxBuffer: 1 << 26 })
    : execFileSync(cmd, args, { cwd, encoding: 'utf8', maxBuffer: 1 << 26 });
  const wall = performance.now() - t0;
  const [user, sys] = timed ? readFileSync(timeFile, 'utf8').trim().split(/\s+/).slice(-2).map(Number) : [NaN, NaN];
  return { out, wall, cpu: (user! + sys!) * 1000 };
}

interface Series {
  compute: number[];
  computeCpu: number[];
  wall: number[];
  cpu: number[];
  last?: Record<string, number>;
  k?: number;
}
const series = (): Series => ({ compute: [], computeCpu: [], wall: [], cpu: [] });

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'em-guard-cold-'));
  try {
    makeFiles(dir);
    const root = new URL('..', import.meta.url).pathname;
    const built = join(root, 'dist/cli/bin.js');
    const cmd = existsSync(built) ? [process.execPath, built] : [process.execPath, '--import', 'tsx', join(root, 'src/cli/bin.ts')];
    const files = ['--train-before', 'tb.npy', '--train-after', 'ta.npy', '--eval-before', 'eb.npy', '--eval-after', 'ea.npy'];
    const variants: [string, string[]][] = [
      ['--rank 16 --json', ['--rank', String(K), '--json']],
      ['--variance-share 0.9 --json', ['--variance-share', '0.9', '--json']],
      ['--variance-share 0.9 --json --per-prompt p.csv', ['--variance-share', '0.9', '--json', '--per-prompt', 'p.csv']],
    ];
    const startLoad = load();
    console.log(
      `\n## cold: em-guard analyze in a fresh process vs NumPy's route, d=${D}, n=${N}, ${ROUNDS} alternating rounds (${existsSync(built) ? 'dist/cli/bin.js' : 'src via tsx: run `npm run build` for the real CLI'}; load avg ${startLoad})`,
    );
    const emg = variants.map(() => series());
    const np = { first: series(), ready: series(), warmWall: [] as number[], warmCpu: [] as number[] };
    const perRound = { wall: [] as number[], cpu: [] as number[], process: [] as number[], processCpu: [] as number[] };
    for (let round = 0; round < ROUNDS; round++) {
      // Alternate which side goes first, so a load change inside a round favours neither.
      const order = round % 2 === 0 ? ['emg', 'numpy'] : ['numpy', 'emg'];
      for (const side of order) {
        if (side === 'emg') {
          variants.forEach(([, extra], v) => {
            const r = fresh(cmd[0]!, [...cmd.slice(1), 'analyze', ...files, ...extra], dir);
            const j = JSON.parse(r.out) as { timingsMs: Record<string, number>; rank: number };
            const s = emg[v]!;
            s.compute.push(j.timingsMs.total!);
            s.computeCpu.push(j.timingsMs.cpuTotal ?? NaN);
            s.wall.push(r.wall);
            s.cpu.push(r.cpu);
            s.last = j.timingsMs;
            s.k = j.rank;
          });
        } else {
          const r = fresh('/usr/bin/python3', ['-c', NUMPY_ROUTE, dir, String(K), String(WARM)], dir);
          const j = JSON.parse(r.out) as { ready: [number, number]; calls: [number, number][] };
          np.first.compute.push(j.calls[0]![0]);
          np.first.computeCpu.push(j.calls[0]![1]);
          np.first.wall.push(r.wall);
          np.first.cpu.push(r.cpu);
          np.ready.compute.push(j.ready[0]);
          np.ready.computeCpu.push(j.ready[1]);
          np.warmWall.push(...j.calls.slice(1).map((c) => c[0]));
          np.warmCpu.push(...j.calls.slice(1).map((c) => c[1]));
        }
      }
      const e = emg[0]!;
      perRound.wall.push(e.compute[round]! / np.first.compute[round]!);
      perRound.cpu.push(e.computeCpu[round]! / np.first.computeCpu[round]!);
      perRound.process.push(e.wall[round]! / np.first.wall[round]!);
      perRound.processCpu.push(e.cpu[round]! / np.first.cpu[round]!);
      console.log(
        `round ${round + 1}: em-guard --rank 16 compute ${e.compute[round]!.toFixed(0)} ms (CPU ${e.computeCpu[round]!.toFixed(0)}), NumPy first call ${np.first.compute[round]!.toFixed(0)} ms (CPU ${np.first.computeCpu[round]!.toFixed(0)}); load ${load()}`,
      );
    }
    variants.forEach(([label], v) => {
      const s = emg[v]!;
      const steps = Object.entries(s.last ?? {})
        .filter(([k]) => k !== 'total' && k !== 'cpuTotal')
        .map(([k, x]) => `${k} ${x.toFixed(0)}`)
        .join(', ');
      console.log(
        `em-guard analyze ${label} (k=${s.k}): compute ${fmt(s.compute)} ms, CPU ${fmt(s.computeCpu)} ms; whole process ${fmt(s.wall)} ms, CPU ${fmt(s.cpu)} ms; last run's steps: ${steps}`,
      );
    });
    console.log(
      `NumPy route, fresh python: first call ${fmt(np.first.compute)} ms, CPU ${fmt(np.first.computeCpu)} ms; imports + np.load before it ${fmt(np.ready.compute)} ms (CPU ${fmt(np.ready.computeCpu)}); whole process ${fmt(np.first.wall)} ms, CPU ${fmt(np.first.cpu)} ms; warm calls ${fmt(np.warmWall)} ms, CPU ${fmt(np.warmCpu)} ms`,
    );
    // Warm figure: the same compute called repeatedly in this process (first call = cold JIT here too).
    const { analyzeActivations } = await import('../src/metrics/analyzeActivations.js');
    const { readNpy } = await import('../src/npy/readNpy.js');
    const [tb, ta, eb, ea] = await Promise.all(['tb', 'ta', 'eb', 'ea'].map((f) => readNpy(join(dir, `${f}.npy`))));
    const sets = { trainBefore: tb!, trainAfter: ta!, evalBefore: eb!, evalAfter: ea! };
    for (const [label, options] of [
      ['--rank 16', {}],
      ['--variance-share 0.9', { varianceShare: 0.9 }],
    ] as const) {
      const calls = Array.from({ length: WARM + 1 }, (_, i) => analyzeActivations(sets, K, i, options).timingsMs);
      console.log(
        `analyzeActivations ${label} in one process: first call ${calls[0]!.total!.toFixed(0)} ms (CPU ${calls[0]!.cpuTotal!.toFixed(0)}), next ${WARM}: ${fmt(calls.slice(1).map((t) => t.total!))} ms (CPU ${fmt(calls.slice(1).map((t) => t.cpuTotal!))})`,
      );
    }
    const share = emg[1]!;
    const perPrompt = emg[2]!;
    console.log(
      `\nGATE issue 12 item 5 — em-guard analyze --rank 16 (fresh process, compute) / NumPy route (fresh process, first call), per round, median (≤ 1 = met):`,
    );
    console.log(`  wall ${ratio(perRound.wall)}, CPU ${ratio(perRound.cpu)}  [em-guard ${fmt(emg[0]!.compute)} ms vs NumPy ${fmt(np.first.compute)} ms]`);
    console.log(`  whole process (start, read, compute, print): wall ${ratio(perRound.process)}, CPU ${ratio(perRound.processCpu)}`);
    console.log(`GATE issue 16 — analyze --variance-share 0.9 --json and with --per-prompt, fresh process, compute "well under a second":`);
    console.log(
      `  --json ${fmt(share.compute)} ms (CPU ${fmt(share.computeCpu)}); --per-prompt ${fmt(perPrompt.compute)} ms (CPU ${fmt(perPrompt.computeCpu)}); whole processes ${fmt(share.wall)} / ${fmt(perPrompt.wall)} ms`,
    );
    console.log(`load avg at start ${startLoad}, at end ${load()} (2 cores: above ≈ 2 every wall figure includes waiting for a core)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await run();
