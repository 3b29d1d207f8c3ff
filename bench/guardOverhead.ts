// Guarded vs unguarded `fit` wall time, side by side in one process, alternating the order so
// drift in machine load hits both. Prints medians, the ratio, and the guard's own breakdown.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { median } from 'simple-statistics';
import { emGuard } from '../src/guard/EmGuard.js';
import type { GuardTimings } from '../src/guard/EmGuard.js';
import { loadBundledPolicy } from '../src/policy/loadPolicy.js';
import type { Policy } from '../src/policy/types.js';
import '../src/registerBuiltins.js';

interface Scenario {
  /** Short id for EM_GUARD_BENCH_ONLY. */
  id: string;
  name: string;
  build: () => tf.LayersModel;
  x: () => tf.Tensor;
  y: () => tf.Tensor;
  probes: () => tf.Tensor;
  /** Epochs of N rows; >1 shows how the one-off costs (baseline, last checkpoint) amortise. */
  epochs?: number;
}

const BATCH = 32;
// Batches per epoch (default 200: 8 checks at every 25 batches); issue 11 measures 128 at every 5.
const N = BATCH * Number(process.env.EM_GUARD_BENCH_BATCHES ?? 200);

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

function gru(): tf.LayersModel {
  const m = tf.sequential({
    layers: [
      // tfjs-wasm has no UnsortedSegmentSum kernel, so an Embedding cannot train there: float inputs.
      tf.layers.dense({ units: 32, inputShape: [20, 16], name: 'proj' }),
      tf.layers.gru({
        units: 64,
        name: 'gru',
        kernelInitializer: tf.initializers.glorotUniform({ seed: 4 }),
        recurrentInitializer: tf.initializers.orthogonal({ seed: 5 }),
      }),
      tf.layers.dense({ units: 10, name: 'out' }),
    ],
  });
  m.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy' });
  return m;
}

const scenarios: Scenario[] = [
  {
    id: 'mlp',
    name: '3-layer MLP 128-256-256-10',
    build: mlp,
    x: () => tf.randomNormal([N, 128], 0, 1, 'float32', 11),
    y: () => tf.oneHot(tf.randomUniform([N], 0, 10, 'int32', 12), 10).asType('float32'),
    probes: () => tf.randomNormal([256, 128], 0, 1, 'float32', 13),
  },
  {
    id: 'mlp5',
    name: '3-layer MLP 128-256-256-10, 5 epochs (1000 batches, 40 checks)',
    build: mlp,
    x: () => tf.randomNormal([N, 128], 0, 1, 'float32', 11),
    y: () => tf.oneHot(tf.randomUniform([N], 0, 10, 'int32', 12), 10).asType('float32'),
    probes: () => tf.randomNormal([256, 128], 0, 1, 'float32', 13),
    epochs: 5,
  },
  {
    id: 'gru',
    name: 'GRU(64) over 20 steps of 16 features',
    build: gru,
    x: () => tf.randomNormal([N, 20, 16], 0, 1, 'float32', 21),
    y: () => tf.oneHot(tf.randomUniform([N], 0, 10, 'int32', 22), 10).asType('float32'),
    probes: () => tf.randomNormal([256, 20, 16], 0, 1, 'float32', 23),
  },
];

/** The bundled default policy, checking every `batches` batches. */
function defaultEvery(batches: number): Policy {
  const p = loadBundledPolicy('default');
  return { ...p, source: `${p.source} (every ${batches} batches)`, check: { ...p.check, every: { batches } } };
}

type Mode = 'unguarded' | 'inline' | 'worker';

export async function run(reps = Number(process.env.EM_GUARD_BENCH_REPS ?? 5)): Promise<void> {
  await tf.setBackend(process.env.EM_GUARD_BENCH_BACKEND ?? 'wasm');
  await tf.ready();
  // Check cadences to measure (batches); the figure is every 25.
  const cadences = (process.env.EM_GUARD_BENCH_EVERY ?? '25').split(',').map(Number);
  for (const every of cadences) {
    const policy = defaultEvery(every);
    console.log(
      `\n## guard overhead (backend ${tf.getBackend()}, ${N / BATCH} batches of ${BATCH}, ${policy.source}, 256 train + 256 eval + 256 alignment + 2×256 contrast probes)`,
    );
    console.log('capture inline = forward passes on the training thread; worker = on the capture worker thread (the default, `capture: auto`)');
    // EM_GUARD_BENCH_ONLY=gru,mlp: only these scenario ids (mlp, mlp5, gru).
    const only = (process.env.EM_GUARD_BENCH_ONLY ?? '').split(',').filter(Boolean);
    for (const s of scenarios.filter((x) => only.length === 0 || only.includes(x.id))) {
      const x = s.x();
      const y = s.y();
      const train = s.probes();
      const evalP = s.probes();
      const alignIn = s.probes();
      const expected = Array.from({ length: 256 }, (_, i) => i % 10);
      const aligned = s.probes();
      const misaligned = s.probes();
      const times: Record<Mode, number[]> = { unguarded: [], inline: [], worker: [] };
      // Per round, guarded / unguarded of the same round: pairs share the machine's load of the
      // moment, so their ratio is steadier than a ratio of medians on a shared machine.
      const pairRatios: Record<'inline' | 'worker', number[]> = { inline: [], worker: [] };
      const guardShare: Record<'inline' | 'worker', number[]> = { inline: [], worker: [] };
      const breakdowns: Partial<Record<Mode, GuardTimings>> = {};
      const dir = mkdtempSync(join(tmpdir(), 'em-guard-bench-'));
      const modes: Mode[] = ['unguarded', 'inline', 'worker'];
      try {
        // Round 0 warms kernels (and starts the worker thread the later rounds reuse, as a
        // long-lived process would); each round then runs the three modes in a rotating order so
        // drift in machine load hits all of them.
        for (let r = 0; r <= reps; r++) {
          const round: Partial<Record<Mode, number>> = {};
          const own: Partial<Record<Mode, number>> = {};
          for (let i = 0; i < modes.length; i++) {
            const mode = modes[(i + r) % modes.length]!;
            const model = s.build();
            const guard =
              mode === 'unguarded'
                ? null
                : emGuard({
                    probes: { train, eval: evalP, alignment: { inputs: alignIn, expected }, contrast: { aligned, misaligned } },
                    runDir: join(dir, `run-${r}-${mode}`),
                    policy,
                    capture: mode,
                  });
            const t0 = performance.now();
            await model.fit(x, y, { batchSize: BATCH, epochs: s.epochs ?? 1, shuffle: false, verbose: 0, callbacks: guard ? [guard] : [] });
            const ms = performance.now() - t0;
            if (r > 0) times[mode].push(ms);
            round[mode] = ms;
            if (guard) {
              breakdowns[mode] = guard.timings;
              own[mode] = guard.timings.total;
              guard.dispose();
            }
            model.dispose();
          }
          if (r > 0) {
            for (const m of ['inline', 'worker'] as const) {
              pairRatios[m].push(round[m]! / round.unguarded!);
              guardShare[m].push(own[m]! / round.unguarded!);
            }
          }
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
        tf.dispose([x, y, train, evalP, alignIn, aligned, misaligned]);
      }
      const p = median(times.unguarded);
      const line = (mode: 'inline' | 'worker') => {
        const g = median(times[mode]);
        const b = breakdowns[mode]!;
        return `  guarded, capture ${mode}: ${g.toFixed(0)} ms; ratio: paired median ${median(pairRatios[mode]).toFixed(3)} (rounds ${pairRatios[mode].map((x) => x.toFixed(3)).join(' ')}), of medians ${(g / p).toFixed(3)}; guard's own time on the training thread ${(100 * median(guardShare[mode])).toFixed(1)} % of the unguarded fit\n    breakdown (last run): ${b.checks} checks, capture ${b.capture.toFixed(1)} ms, metrics ${b.metrics.toFixed(1)} ms, policy ${b.policy.toFixed(2)} ms, io ${b.io.toFixed(1)} ms (incl. waiting at the end for the last check and checkpoint), total ${b.total.toFixed(1)} ms`;
      };
      console.log(`${s.name}: unguarded ${p.toFixed(0)} ms (medians of ${reps})`);
      console.log(line('worker'));
      console.log(line('inline'));
    }
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
