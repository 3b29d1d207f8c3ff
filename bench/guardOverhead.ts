// Guarded vs unguarded `fit`, side by side in one process, in rounds whose order rotates so drift
// in machine load hits every mode. By default it measures the issue-11 gate: the bundled default
// policy at its own cadence (every 5 batches), 128-batch fits of a GRU (~1.5 s idle) and an MLP,
// 11 rounds after a warm-up round (the gate asks for ≥ 7; on this host single paired rounds scatter
// by ±10 %, so more rounds steady the median). Besides wall time it prints CPU time (training
// thread, whole process) so that a ratio can be judged on a machine other sessions load too, and
// beside each gate row the per-round wall ratios and the guard-free floors (spin, fwd, noop) of the
// same rounds. `fwd` is the realistic floor of a worker capture: on this 2-vCPU VM the second
// core is not free for SIMD work (session 26: the MLP's two 256-row probe forward passes on
// another thread every 5 batches cost an unguarded fit 3.0 %, an integer spin of the same length
// nothing), so `spin` understates what any concurrent capture costs here.
//
// Knobs: EM_GUARD_BENCH_BATCHES (128), EM_GUARD_BENCH_EVERY (the policy's own; comma list to
// sweep), EM_GUARD_BENCH_REPS (11), EM_GUARD_BENCH_ONLY (gru,mlp; also mlp5, gru64),
// EM_GUARD_BENCH_MODES (unguarded,worker,inline,spin,fwd,noop), EM_GUARD_BENCH_BACKEND (wasm),
// EM_GUARD_BENCH_GC (unset; 1: also the training thread's GC pauses per fit and inside the guard's
// hooks, from a PerformanceObserver, which itself runs at event-loop turns: off for the gate).
//
// Reading the per-hook wall figures: a hook that turns the event loop (a batch end that receives
// the worker's verdict) also runs what V8 has queued for such a turn, mostly a scavenge it would
// otherwise run inside the next tfjs op (measured: a bare setImmediate turn every 5 batches of an
// unguarded GRU fit took 0.1 ms at p50 but 1.2–1.7 ms on average, GC included; the fit's GC count
// did not change). So GC moves into those hooks from "outside the hooks" without being added.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { PerformanceObserver } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { median } from 'simple-statistics';
import { emGuard } from '../src/guard/EmGuard.js';
import type { EmGuard, GuardTimings } from '../src/guard/EmGuard.js';
import { loadBundledPolicy } from '../src/policy/loadPolicy.js';
import type { Policy } from '../src/policy/types.js';
import '../src/registerBuiltins.js';

export interface Scenario {
  /** Short id for EM_GUARD_BENCH_ONLY. */
  id: string;
  name: string;
  build: () => tf.LayersModel;
  x: (n: number) => tf.Tensor;
  y: (n: number) => tf.Tensor;
  probes: () => tf.Tensor;
  /** Epochs of N rows; >1 shows how the one-off costs (baseline, last checkpoint) amortise. */
  epochs?: number;
}

export const BATCH = 32;
const BATCHES = Number(process.env.EM_GUARD_BENCH_BATCHES ?? 128);
const N = BATCH * BATCHES;

function mlp(): tf.LayersModel {
  const m = tf.sequential({
    layers: [
      tf.layers.dense({ units: 256, inputShape: [128], activation: 'relu', name: 'h1', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }),
      tf.layers.dense({ units: 256, activation: 'relu', name: 'h2', kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }),
      tf.layers.dense({ units: 10, name: 'out', kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }) }),
    ],
  });
  m.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy' });
  return m;
}

function gru(units: number, steps: number, features: number): () => tf.LayersModel {
  return () => {
    const m = tf.sequential({
      layers: [
        // tfjs-wasm has no UnsortedSegmentSum kernel, so an Embedding cannot train there: float inputs.
        tf.layers.dense({ units: 32, inputShape: [steps, features], name: 'proj' }),
        tf.layers.gru({
          units,
          name: 'gru',
          kernelInitializer: tf.initializers.glorotUniform({ seed: 4 }),
          recurrentInitializer: tf.initializers.orthogonal({ seed: 5 }),
        }),
        tf.layers.dense({ units: 10, name: 'out' }),
      ],
    });
    m.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy' });
    return m;
  };
}

const labels = (seed: number) => (n: number) => tf.oneHot(tf.randomUniform([n], 0, 10, 'int32', seed), 10).asType('float32');

export const scenarios: Scenario[] = [
  {
    id: 'gru',
    name: 'GRU(32) over 6 steps of 16 features',
    build: gru(32, 6, 16),
    x: (n) => tf.randomNormal([n, 6, 16], 0, 1, 'float32', 21),
    y: labels(22),
    probes: () => tf.randomNormal([256, 6, 16], 0, 1, 'float32', 23),
  },
  {
    id: 'mlp',
    name: '3-layer MLP 128-256-256-10',
    build: mlp,
    x: (n) => tf.randomNormal([n, 128], 0, 1, 'float32', 11),
    y: labels(12),
    probes: () => tf.randomNormal([256, 128], 0, 1, 'float32', 13),
  },
  {
    id: 'mlp5',
    name: '3-layer MLP 128-256-256-10, 5 epochs',
    build: mlp,
    x: (n) => tf.randomNormal([n, 128], 0, 1, 'float32', 11),
    y: labels(12),
    probes: () => tf.randomNormal([256, 128], 0, 1, 'float32', 13),
    epochs: 5,
  },
  {
    id: 'gru64',
    name: 'GRU(64) over 20 steps of 16 features (the earlier bench model, ~4x slower)',
    build: gru(64, 20, 16),
    x: (n) => tf.randomNormal([n, 20, 16], 0, 1, 'float32', 21),
    y: labels(22),
    probes: () => tf.randomNormal([256, 20, 16], 0, 1, 'float32', 23),
  },
];

/** The bundled default policy, at its own cadence or checking every `batches` batches. */
function defaultPolicy(batches: number | null): Policy {
  const p = loadBundledPolicy('default');
  return batches === null ? p : { ...p, source: `${p.source} (every ${batches} batches)`, check: { ...p.check, every: { batches } } };
}

/**
 * CPU time of the calling (training) thread and the time it waited on a run queue (runnable, no
 * core free: preempted, or woken while both cores were busy), in ms, from Linux's per-thread
 * schedstat (ns); null elsewhere.
 */
export function threadSched(): { cpu: number; wait: number } | null {
  try {
    const [cpu, wait] = readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ');
    return { cpu: Number(cpu) / 1e6, wait: Number(wait) / 1e6 };
  } catch {
    return null;
  }
}

/** GC pauses on this thread (start, duration; ms), recorded while `EM_GUARD_BENCH_GC=1`. */
const gcPauses: { start: number; ms: number }[] = [];
if (process.env.EM_GUARD_BENCH_GC === '1')
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gcPauses.push({ start: e.startTime, ms: e.duration });
  }).observe({ entryTypes: ['gc'] });
/**
 * Fills each hook kind's GC time from its calls' windows. The observer's entries arrive at a later
 * event-loop turn than the pauses: call after one (`settleGcEntries`).
 */
function fillHookGc(times: HookTimes): void {
  for (const kind of HOOK_KINDS) times[kind].gc = times[kind].windows.reduce((n, [t0, t1]) => n + gcWithin(t0, t1), 0);
}

/** Lets the GC observer receive the entries of pauses so far (delivered at an event-loop turn). */
async function settleGcEntries(): Promise<void> {
  if (process.env.EM_GUARD_BENCH_GC === '1') await new Promise((resolve) => setTimeout(resolve, 5));
}

/** GC pause time that started within [t0, t1) (performance.now ms). */
const gcWithin = (t0: number, t1: number): number => gcPauses.reduce((n, g) => (g.start >= t0 && g.start < t1 ? n + g.ms : n), 0);

/** CPU time of the whole process (every thread: training, capture worker, GC, libuv pool), ms. */
function processCpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** Where the guard's training-thread time goes, per kind of hook call: wall time (ms) and calls. */
type HookKind = 'begin' | 'check' | 'verdict' | 'batch' | 'end';
/**
 * `gc`: GC pause time within the calls (`windows`), filled in after the fit (`fillHookGc`).
 * `calls`: each call's wall time, for the per-call median: a fit's sum also holds the rare long call
 * (the host preempting the VM, an event-loop turn that runs V8's queued GC work) that would
 * otherwise have landed outside the hooks.
 */
type HookTimes = Record<HookKind, { wall: number; n: number; gc: number; windows: [number, number][]; calls: number[] }>;
const HOOK_KINDS: readonly HookKind[] = ['begin', 'check', 'verdict', 'batch', 'end'];
const HOOK_LABEL: Record<HookKind, string> = {
  begin: 'onTrainBegin (baseline, worker start-up, baseline checkpoint)',
  check: 'batch ends that start a check (weights to the worker, periodic checkpoint copy)',
  verdict: "other batch ends that apply a check's verdict (metrics, policy, run log, checkpoint write hand-off)",
  batch: 'the remaining batch ends (loss read; an event-loop turn when the worker flagged a reply)',
  end: 'onTrainEnd (last verdict, waiting for checkpoints and the run log fsync)',
};

/**
 * Times each hook call of `guard` (wall, performance.now). Not CPU: schedstat is refreshed only at
 * scheduler ticks and switches, so a hook that yields to the event loop would be charged the
 * training time since the last refresh (measured: ≈ 1 ms per such batch end under load, where
 * `perf` found ≈ 0.03 ms); the fit's whole CPU time is read at its ends and is not skewed.
 */
function timeHooks(guard: EmGuard, every: number): HookTimes {
  const times = Object.fromEntries(HOOK_KINDS.map((k) => [k, { wall: 0, n: 0, gc: 0, windows: [] as [number, number][], calls: [] as number[] }])) as HookTimes;
  const g = guard as unknown as Record<'onTrainBegin' | 'onBatchEnd' | 'onTrainEnd', (...a: unknown[]) => Promise<void>>;
  let batches = 0;
  for (const hook of ['onTrainBegin', 'onBatchEnd', 'onTrainEnd'] as const) {
    const original = g[hook].bind(guard);
    g[hook] = async (...a: unknown[]) => {
      const checks = guard.timings.checks;
      const t0 = performance.now();
      await original(...a);
      const t1 = performance.now();
      const wall = t1 - t0;
      const kind: HookKind =
        hook === 'onTrainBegin'
          ? 'begin'
          : hook === 'onTrainEnd'
            ? 'end'
            : ++batches % every === 0
              ? 'check'
              : guard.timings.checks > checks
                ? 'verdict'
                : 'batch';
      times[kind].wall += wall;
      times[kind].n += 1;
      times[kind].calls.push(wall);
      if (process.env.EM_GUARD_BENCH_GC === '1') times[kind].windows.push([t0, t1]);
    };
  }
  return times;
}

/**
 * A thread that only burns CPU: `spin` mode posts it, at each check of the cadence, as many ms of
 * CPU as the guarded worker run spent off the training thread per check (capture worker, pool,
 * GC: process CPU minus training-thread CPU, over the unguarded run's), without any guard. What
 * that costs the training thread is contention for the cores, not em-guard's code: the floor of
 * a worker capture. The thread counts its own CPU time (Linux schedstat), else wall time.
 */
function spinThread(): Worker {
  const w = new Worker(
    `const { parentPort } = require('node:worker_threads');
     const { readFileSync } = require('node:fs');
     const own = () => { try { return Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]) / 1e6; } catch { return performance.now(); } };
     parentPort.on('message', (ms) => { const end = own() + ms; while (own() < end) for (let i = 0; i < 1e5; i++); });`,
    { eval: true },
  );
  w.unref();
  return w;
}

/**
 * The `fwd` floor's thread (bench/forwardPassFloorWorker.mjs): `model`'s topology rebuilt there with
 * `sets` (the eval and alignment probes); each message runs them through it, as a capture worker's
 * check does, with no guard. Resolves once the thread is ready.
 */
async function forwardPassThread(model: tf.LayersModel, sets: readonly tf.Tensor[], batchSize: number): Promise<Worker> {
  const w = new Worker(new URL('./forwardPassFloorWorker.mjs', import.meta.url), {
    workerData: {
      backend: tf.getBackend(),
      topology: model.toJSON(null, false),
      sets: sets.map((t) => ({ data: t.dataSync().slice(), shape: t.shape })),
      batchSize,
    },
  });
  w.unref();
  await new Promise<void>((resolve, reject) => {
    w.once('message', () => resolve());
    w.once('error', reject);
  });
  return w;
}

/** The mean ms the `fwd` thread spent per request since the last call. */
async function forwardPassMs(w: Worker): Promise<number> {
  const reply = new Promise<{ msPerRequest: number }>((resolve) => w.once('message', resolve));
  w.postMessage('stats');
  return (await reply).msPerRequest;
}

type Mode = 'unguarded' | 'inline' | 'worker' | 'spin' | 'fwd' | 'noop';
type Guarded = Exclude<Mode, 'unguarded'>;

interface Run {
  wall: number;
  mainCpu: number | null;
  /** Training thread's time waiting for a core (schedstat run-queue wait), ms. */
  mainWait: number | null;
  procCpu: number;
  /** GC pause time on the training thread during the fit (with EM_GUARD_BENCH_GC=1), ms. */
  gc: number;
  /** Guard's own time on the training thread (wall, ms). */
  own: number;
  /** Capture worker's time per check (wall in the worker, ms). */
  workerMs: number;
  timings: GuardTimings | null;
  hooks: HookTimes | null;
}

export async function run(reps = Number(process.env.EM_GUARD_BENCH_REPS ?? 11)): Promise<void> {
  await tf.setBackend(process.env.EM_GUARD_BENCH_BACKEND ?? 'wasm');
  await tf.ready();
  const cadences = process.env.EM_GUARD_BENCH_EVERY ? process.env.EM_GUARD_BENCH_EVERY.split(',').map(Number) : [null];
  const modes = (process.env.EM_GUARD_BENCH_MODES ?? 'unguarded,worker,inline,spin,fwd,noop').split(',') as Mode[];
  if (!modes.includes('unguarded')) modes.unshift('unguarded');
  const only = (process.env.EM_GUARD_BENCH_ONLY ?? 'gru,mlp').split(',').filter(Boolean);
  const gate: string[] = [];
  const load0 = loadavg();
  for (const everyArg of cadences) {
    const policy = defaultPolicy(everyArg);
    const every = 'batches' in policy.check.every ? policy.check.every.batches : NaN;
    console.log(
      `\n## guard overhead: backend ${tf.getBackend()}, ${BATCHES} batches of ${BATCH}, policy ${policy.source}, checks every ${every} batches, ${reps} rounds + 1 warm-up; 256 eval + 256 alignment + 2×256 contrast (+ 256 train) probes`,
    );
    console.log(
      "modes: worker = forward passes on the capture worker thread (the default, `capture: auto`); inline = on the training thread; spin = no guard, a thread burning the worker's CPU per check (integer loop, with a no-op callback); fwd = no guard, a thread running the eval and alignment probes through the same model per check (the capture's forward passes alone: the floor of any concurrent capture); noop = no guard, only a no-op `onBatchEnd` callback (what any callback costs)",
    );
    for (const s of scenarios.filter((x) => only.includes(x.id))) {
      const x = s.x(N);
      const y = s.y(N);
      const train = s.probes();
      const evalP = s.probes();
      const alignIn = s.probes();
      const expected = Array.from({ length: 256 }, (_, i) => i % 10);
      const aligned = s.probes();
      const misaligned = s.probes();
      const runs: Record<Mode, Run[]> = { unguarded: [], inline: [], worker: [], spin: [], fwd: [], noop: [] };
      type Paired = { wall: number[]; mainCpu: number[]; procCpu: number[]; own: number[]; outsideWall: number[] };
      const none = (): Paired => ({ wall: [], mainCpu: [], procCpu: [], own: [], outsideWall: [] });
      const paired: Record<Guarded, Paired> = { inline: none(), worker: none(), spin: none(), fwd: none(), noop: none() };
      const dir = mkdtempSync(join(tmpdir(), 'em-guard-bench-'));
      const spinner = modes.includes('spin') ? spinThread() : null;
      let forward: Worker | null = null;
      if (modes.includes('fwd')) {
        const m = s.build();
        forward = await forwardPassThread(m, [evalP, alignIn], defaultPolicy(null).check.batchSize);
        m.dispose();
      }
      let forwardMs = 0;
      let spinMs = 0;
      try {
        // Round 0 warms kernels (and starts the worker thread the later rounds reuse, as a
        // long-lived process would); each round then runs the modes in a rotating order.
        for (let r = 0; r <= reps; r++) {
          const round: Partial<Record<Mode, Run>> = {};
          for (let i = 0; i < modes.length; i++) {
            const mode = modes[(i + r) % modes.length]!;
            const model = s.build();
            let workerMs = 0;
            let workerChecks = 0;
            const guard =
              mode === 'unguarded' || mode === 'spin' || mode === 'fwd' || mode === 'noop'
                ? null
                : emGuard({
                    probes: { train, eval: evalP, alignment: { inputs: alignIn, expected }, contrast: { aligned, misaligned } },
                    runDir: join(dir, `run-${r}-${mode}`),
                    policy,
                    capture: mode,
                  }).on('check', (e) => {
                    if (e.timingsMs.workerCapture === undefined) return;
                    workerMs += e.timingsMs.workerCapture;
                    workerChecks += 1;
                  });
            const hooks = guard ? timeHooks(guard, every) : null;
            const callbacks: tf.CustomCallback[] = guard ? [guard] : [];
            if (mode === 'spin') {
              let batch = 0;
              callbacks.push(new tf.CustomCallback({ onBatchEnd: () => void (++batch % every === 0 && spinner!.postMessage(spinMs)) }, 'never'));
            }
            if (mode === 'fwd') {
              let batch = 0;
              callbacks.push(new tf.CustomCallback({ onBatchEnd: () => void (++batch % every === 0 && forward!.postMessage('run')) }, 'never'));
            }
            // The same kind of callback without the spinning: tfjs then reads the logs' scalars for it at every batch.
            if (mode === 'noop') callbacks.push(new tf.CustomCallback({ onBatchEnd: () => undefined }, 'never'));
            const c0 = threadSched();
            const p0 = processCpuMs();
            const t0 = performance.now();
            await model.fit(x, y, { batchSize: BATCH, epochs: s.epochs ?? 1, shuffle: false, verbose: 0, callbacks });
            const t1 = performance.now();
            const wall = t1 - t0;
            const c1 = threadSched();
            await settleGcEntries();
            if (hooks) fillHookGc(hooks);
            const result: Run = {
              wall,
              mainCpu: c0 === null || c1 === null ? null : c1.cpu - c0.cpu,
              mainWait: c0 === null || c1 === null ? null : c1.wait - c0.wait,
              procCpu: processCpuMs() - p0,
              gc: gcWithin(t0, t1),
              own: guard?.timings.total ?? 0,
              workerMs: workerChecks > 0 ? workerMs / workerChecks : 0,
              timings: guard ? { ...guard.timings } : null,
              hooks,
            };
            if (mode === 'worker' && guard && result.mainCpu !== null && round.unguarded?.mainCpu != null) {
              const off = result.procCpu - result.mainCpu - (round.unguarded.procCpu - round.unguarded.mainCpu);
              spinMs = Math.max(0, off / Math.max(1, guard.timings.checks));
            }
            if (mode === 'fwd' && r > 0) forwardMs = await forwardPassMs(forward!);
            guard?.dispose();
            model.dispose();
            round[mode] = result;
            if (r > 0) runs[mode].push(result);
          }
          if (r === 0) continue;
          const base = round.unguarded!;
          for (const m of ['worker', 'inline', 'spin', 'fwd', 'noop'] as const) {
            const g = round[m];
            if (!g) continue;
            paired[m].wall.push(g.wall / base.wall);
            if (g.mainCpu !== null && base.mainCpu !== null) paired[m].mainCpu.push(g.mainCpu / base.mainCpu);
            paired[m].procCpu.push(g.procCpu / base.procCpu);
            paired[m].own.push(g.own / base.wall);
            if (g.hooks) {
              // What the guarded fit cost beyond the paired unguarded one, outside the guard's hooks:
              // training itself slowed (GC, caches and the second core shared with the capture worker).
              paired[m].outsideWall.push(g.wall - base.wall - HOOK_KINDS.reduce((n, kind) => n + g.hooks![kind].wall, 0));
            }
          }
        }
      } finally {
        await spinner?.terminate();
        await forward?.terminate();
        rmSync(dir, { recursive: true, force: true });
        tf.dispose([x, y, train, evalP, alignIn, aligned, misaligned]);
      }
      const u = runs.unguarded;
      const uMain = median(u.map((r) => r.mainCpu ?? NaN));
      const gcOn = process.env.EM_GUARD_BENCH_GC === '1';
      // Off-CPU time of the training thread: waiting for a core (preempted, or woken with both busy).
      const waitOf = (rs: Run[]) => `${median(rs.map((r) => r.mainWait ?? NaN)).toFixed(1)} ms waiting for a core`;
      const gcOf = (rs: Run[]) => (gcOn ? `, ${median(rs.map((r) => r.gc)).toFixed(1)} ms in GC` : '');
      console.log(
        `${s.name}: unguarded fit ${median(u.map((r) => r.wall)).toFixed(0)} ms wall, training thread ${uMain.toFixed(0)} ms CPU (${waitOf(u)}${gcOf(u)}), process ${median(u.map((r) => r.procCpu)).toFixed(0)} ms CPU (medians of ${reps})`,
      );
      for (const m of ['worker', 'inline', 'spin', 'fwd', 'noop'] as const) {
        if (!modes.includes(m)) continue;
        const p = paired[m];
        const last = runs[m].at(-1)!;
        const f = (xs: number[]) => `${median(xs).toFixed(3)}×`;
        console.log(
          `  ${m.padEnd(6)} wall ${f(p.wall)} (rounds ${p.wall.map((v) => v.toFixed(3)).join(' ')}); training-thread CPU ${f(p.mainCpu)}; process CPU ${f(p.procCpu)}` +
            (m === 'noop'
              ? ''
              : m === 'spin'
                ? `; spun ${spinMs.toFixed(1)} ms CPU per check`
                : m === 'fwd'
                  ? `; forward passes ${forwardMs.toFixed(1)} ms wall per check (last round)`
                  : `; guard's own wall time on the training thread ${(100 * median(p.own)).toFixed(1)} % of the unguarded fit` +
                    (m === 'worker' ? `; capture worker ${median(runs[m].map((r) => r.workerMs)).toFixed(1)} ms wall per check` : '')) +
            `; training thread ${waitOf(runs[m])}${gcOf(runs[m])} per fit`,
        );
        const b = last.timings;
        if (b)
          console.log(
            `         breakdown (last round): ${b.checks} checks, capture ${b.capture.toFixed(1)} ms, metrics ${b.metrics.toFixed(1)} ms, policy ${b.policy.toFixed(2)} ms, io ${b.io.toFixed(1)} ms (incl. the end-of-fit wait), total ${b.total.toFixed(1)} ms`,
          );
        const hookRuns = runs[m].filter((r) => r.hooks);
        if (hookRuns.length > 0) {
          const med = (kind: HookKind, k: 'wall' | 'n' | 'gc') => median(hookRuns.map((r) => r.hooks![kind][k]));
          // Every round's calls of a kind together: the typical call, rare long ones aside.
          const perCall = (kind: HookKind) => median(hookRuns.flatMap((r) => r.hooks![kind].calls));
          console.log(
            `         training thread per fit, wall (medians of ${hookRuns.length}; p50 of a single call in brackets): ` +
              HOOK_KINDS.map(
                (kind) =>
                  `${HOOK_LABEL[kind]} ×${med(kind, 'n')}: ${med(kind, 'wall').toFixed(1)} ms [${(1000 * perCall(kind)).toFixed(0)} µs]${gcOn ? ` (GC ${med(kind, 'gc').toFixed(1)})` : ''}`,
              ).join('; ') +
              `; calls × their p50s: ${HOOK_KINDS.reduce((n, kind) => n + med(kind, 'n') * perCall(kind), 0).toFixed(1)} ms` +
              `; outside the hooks, beyond the paired unguarded fit: ${median(p.outsideWall).toFixed(1)} ms`,
          );
        }
        // The guard-free floors of the same rounds: what the host's scatter and a busy second core alone give.
        const floor = (['spin', 'fwd', 'noop'] as const)
          .filter((fm) => modes.includes(fm) && paired[fm].wall.length > 0)
          .map((fm) => `${fm} ${f(paired[fm].wall)}`)
          .join(', ');
        gate.push(
          `| ${s.id} | ${m} | ${every} | ${BATCHES * (s.epochs ?? 1)} | ${reps} | ${median(u.map((r) => r.wall)).toFixed(0)} | ${f(p.wall)} | ${p.wall.map((v) => v.toFixed(3)).join(' ')} | ${m === 'spin' || m === 'fwd' || m === 'noop' ? '—' : floor || '—'} | ${f(p.mainCpu)} | ${f(p.procCpu)} |`,
        );
      }
    }
  }
  const load1 = loadavg();
  console.log(
    `\n## gate (issue 11 item 6: ≤ 1.05× wall at the default policy's cadence; spin = an integer-loop thread, no guard; fwd = the capture's forward passes on a thread, no guard (the floor of a concurrent capture); noop = a no-op callback, no guard)`,
  );
  console.log(
    `load average ${load0.map((l) => l.toFixed(2)).join(' ')} at start, ${load1.map((l) => l.toFixed(2)).join(' ')} at end; ${new Date().toISOString()}`,
  );
  console.log(
    '| model | capture | every (batches) | batches | rounds | unguarded ms | wall ratio (paired median) | wall ratio per round (in run order) | floors of the same rounds (wall) | training-thread CPU ratio | process CPU ratio |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|---|');
  for (const line of gate) console.log(line);
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
