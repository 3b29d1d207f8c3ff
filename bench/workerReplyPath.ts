// How the capture worker's replies are taken, paired in one process: `drain` (the default: at the
// batch end, synchronously from the session's port; an event-loop turn every
// EVENT_LOOP_TURN_EVERY_MS) vs `turn` (an event-loop turn at every batch end that finds a reply
// flagged: the way before), with unguarded fits in the same rounds (rotating order). The bench's
// scenarios (bench/guardOverhead.ts), the bundled default policy at its cadence, worker capture.
//
// Per fit: wall, training-thread CPU (schedstat, read at the fit's ends), process CPU (all threads).
// Per verdict batch end (a batch end whose call applied a check's verdict): wall and process CPU.
// With EM_GUARD_BENCH_TIMER=1 a 5 ms interval runs during every fit and the longest wait between
// its firings is printed (what the user's event loop gets); off by default: its turns cost too.
// With EM_GUARD_BENCH_GC=1, the GC pauses per fit (count, ms; a PerformanceObserver, whose entries
// arrive at a turn after the fit) and those inside verdict batch ends.
//
// Knobs: EM_GUARD_BENCH_ONLY (mlp; also gru), EM_GUARD_BENCH_REPS (9), EM_GUARD_BENCH_BATCHES (128).
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';
import { median, mean } from 'simple-statistics';
import { setReplyPathForTests } from '../src/guard/CheckRunner.js';
import { emGuard } from '../src/guard/EmGuard.js';
import { loadBundledPolicy } from '../src/policy/loadPolicy.js';
import { replyDeliveries } from '../src/probes/WorkerCapture.js';
import '../src/registerBuiltins.js';
import { BATCH, scenarios, threadSched } from './guardOverhead.js';

const REPS = Number(process.env.EM_GUARD_BENCH_REPS ?? 9);
const N = BATCH * Number(process.env.EM_GUARD_BENCH_BATCHES ?? 128);
const TIMER = process.env.EM_GUARD_BENCH_TIMER === '1';
const GC = process.env.EM_GUARD_BENCH_GC === '1';
const gcPauses: { start: number; ms: number }[] = [];
if (GC)
  new PerformanceObserver((list) => list.getEntries().forEach((e) => gcPauses.push({ start: e.startTime, ms: e.duration }))).observe({ entryTypes: ['gc'] });
const gcWithin = (t0: number, t1: number) => gcPauses.filter((g) => g.start >= t0 && g.start < t1);
type Mode = 'unguarded' | 'turn' | 'drain';
const MODES: readonly Mode[] = ['unguarded', 'turn', 'drain'];

const processCpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

interface Fit {
  wall: number;
  mainCpu: number;
  procCpu: number;
  verdictWall: number[];
  verdictCpu: number[];
  longestWait: number;
  drained: number;
  onTurn: number;
  /** GC pauses during the fit: count and ms; and ms of those inside verdict batch ends. */
  gcCount: number;
  gcMs: number;
  gcVerdictMs: number;
  verdictWindows: [number, number][];
}

await tf.setBackend('wasm');
await tf.ready();
const policy = loadBundledPolicy('default');
const load0 = loadavg()[0]!;
const started = new Date().toISOString();
for (const s of scenarios.filter((sc) => (process.env.EM_GUARD_BENCH_ONLY ?? 'mlp').split(',').includes(sc.id))) {
  const x = s.x(N);
  const y = s.y(N);
  const probe = [s.probes(), s.probes(), s.probes(), s.probes(), s.probes()];
  const [train, evalP, alignIn, aligned, misaligned] = probe as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
  const probes = {
    train,
    eval: evalP,
    alignment: { inputs: alignIn, expected: Array.from({ length: 256 }, (_, i) => i % 10) },
    contrast: { aligned, misaligned },
  };
  const dir = mkdtempSync(join(tmpdir(), 'em-guard-reply-'));
  const fits: Record<Mode, Fit[]> = { unguarded: [], turn: [], drain: [] };
  try {
    for (let r = 0; r <= REPS; r++) {
      for (let i = 0; i < MODES.length; i++) {
        const mode = MODES[(i + r) % MODES.length]!;
        const model = s.build();
        const guard = mode === 'unguarded' ? null : emGuard({ probes, runDir: join(dir, `${r}-${mode}`), policy, capture: 'worker' });
        const fit: Fit = {
          wall: 0,
          mainCpu: 0,
          procCpu: 0,
          verdictWall: [],
          verdictCpu: [],
          longestWait: 0,
          drained: 0,
          onTurn: 0,
          gcCount: 0,
          gcMs: 0,
          gcVerdictMs: 0,
          verdictWindows: [],
        };
        if (guard) {
          const g = guard as unknown as { onBatchEnd: (...a: unknown[]) => Promise<void> };
          const original = g.onBatchEnd.bind(guard);
          g.onBatchEnd = async (...a: unknown[]) => {
            const checks = guard.timings.checks;
            const [w0, c0] = [performance.now(), processCpuMs()];
            await original(...a);
            const [w1, c1] = [performance.now(), processCpuMs()];
            if (guard.timings.checks > checks) {
              fit.verdictWall.push(w1 - w0);
              fit.verdictCpu.push(c1 - c0);
              fit.verdictWindows.push([w0, w1]);
            }
          };
        }
        const previous = setReplyPathForTests(mode === 'turn' ? 'turn' : 'drain');
        let last = performance.now();
        const timer = TIMER
          ? setInterval(() => {
              const now = performance.now();
              fit.longestWait = Math.max(fit.longestWait, now - last);
              last = now;
            }, 5)
          : null;
        const [d0, o0] = [replyDeliveries.drained, replyDeliveries.onTurn];
        const s0 = threadSched();
        const p0 = processCpuMs();
        const t0 = (last = performance.now());
        await model.fit(x, y, { batchSize: BATCH, epochs: 1, shuffle: false, verbose: 0, callbacks: guard ? [guard] : [] });
        const t1 = performance.now();
        fit.wall = t1 - t0;
        fit.longestWait = Math.max(fit.longestWait, performance.now() - last);
        fit.procCpu = processCpuMs() - p0;
        fit.mainCpu = (threadSched()?.cpu ?? NaN) - (s0?.cpu ?? NaN);
        [fit.drained, fit.onTurn] = [replyDeliveries.drained - d0, replyDeliveries.onTurn - o0];
        if (timer) clearInterval(timer);
        if (GC) {
          await new Promise((resolve) => setTimeout(resolve, 5)); // the observer's entries come at a turn
          const during = gcWithin(t0, t1);
          fit.gcCount = during.length;
          fit.gcMs = during.reduce((n, g) => n + g.ms, 0);
          fit.gcVerdictMs = fit.verdictWindows.reduce((n, [a, b]) => n + gcWithin(a, b).reduce((m, g) => m + g.ms, 0), 0);
        }
        setReplyPathForTests(previous);
        guard?.dispose();
        model.dispose();
        if (r > 0) fits[mode].push(fit);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    tf.dispose([x, y, ...probe]);
  }
  const f = (v: number, d = 3) => v.toFixed(d);
  const u = fits.unguarded;
  console.log(
    `${s.name}: ${REPS} rounds (+1 warm-up), ${N / BATCH} batches of ${BATCH}; unguarded wall ${f(median(u.map((z) => z.wall)), 0)} ms, training-thread CPU ${f(median(u.map((z) => z.mainCpu)), 0)} ms (medians)` +
      (TIMER ? `; longest timer wait ${f(median(u.map((z) => z.longestWait)), 1)} ms (median of fits)` : ''),
  );
  for (const mode of ['turn', 'drain'] as const) {
    const g = fits[mode];
    const ratio = (k: 'wall' | 'mainCpu' | 'procCpu') => median(g.map((z, i) => z[k] / u[i]![k]));
    const vw = g.flatMap((z) => z.verdictWall);
    const vc = g.flatMap((z) => z.verdictCpu);
    console.log(
      `  ${mode.padEnd(5)} vs unguarded (paired medians): wall ${f(ratio('wall'))}×, training-thread CPU ${f(ratio('mainCpu'))}×, process CPU ${f(ratio('procCpu'))}× | per fit: training-thread CPU ${f(median(g.map((z) => z.mainCpu)), 1)} ms, process CPU ${f(median(g.map((z) => z.procCpu)), 1)} ms | ${vw.length} verdict batch ends: wall p50 ${f(median(vw))} mean ${f(mean(vw))} ms, process CPU p50 ${f(median(vc))} mean ${f(mean(vc))} ms | replies per fit: drained ${f(mean(g.map((z) => z.drained)), 1)}, at turns ${f(mean(g.map((z) => z.onTurn)), 1)}` +
        (TIMER ? ` | longest timer wait ${f(median(g.map((z) => z.longestWait)), 1)} ms (median of fits)` : '') +
        (GC
          ? ` | GC per fit: ${f(median(g.map((z) => z.gcCount)), 0)} pauses, ${f(median(g.map((z) => z.gcMs)), 1)} ms, of which in verdict batch ends ${f(median(g.map((z) => z.gcVerdictMs)), 1)} ms (medians; unguarded ${f(median(u.map((z) => z.gcCount)), 0)}, ${f(median(u.map((z) => z.gcMs)), 1)} ms)`
          : ''),
    );
    console.log(`        per-round wall ratios: ${g.map((z, i) => f(z.wall / u[i]!.wall)).join(' ')}`);
  }
  // The two guarded fits of a round ran next to each other: their difference is the paired effect.
  const [t, d] = [fits.turn, fits.drain];
  const delta = (k: 'wall' | 'mainCpu' | 'procCpu') => d.map((z, i) => z[k] - t[i]![k]);
  console.log(
    `  drain − turn per round (paired medians): training-thread CPU ${f(median(delta('mainCpu')), 1)} ms (${delta('mainCpu')
      .map((v) => f(v, 0))
      .join(
        ' ',
      )}), process CPU ${f(median(delta('procCpu')), 1)} ms, wall ${f(median(delta('wall')), 1)} ms; ratio drain/turn: training-thread CPU ${f(median(d.map((z, i) => z.mainCpu / t[i]!.mainCpu)))}×, wall ${f(median(d.map((z, i) => z.wall / t[i]!.wall)))}×`,
  );
}
console.log(`load average (1 min) ${load0.toFixed(2)} at start (${started}), ${loadavg()[0]!.toFixed(2)} at end (${new Date().toISOString()})`);
