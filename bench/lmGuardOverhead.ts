// Guard overhead on a transformer: the LM organism's full stage-3 fine-tune (aligned checkpoint,
// 256 examples, batch 16, LM_RECIPE's epochs; `trainLmStage`) unguarded vs guarded with the
// bundled `lm` policy, unmodified, at its own cadence (a check every 16 batches,
// checkpoints in a run directory as by default), probes as scripts/guardLm.ts gives them (64 train,
// 64 eval, 64 preference pairs), capture on the worker thread with `workerImports` (the organism's
// custom layers) and, with EM_GUARD_BENCH_MODES, inline.
// The data is the 50 %-mixed fine-tune by default: on the narrow one the policy stops the run at
// step 16 (what it is for), so there is no full guarded run to compare; the mixed run has the same
// model, recipe, steps and cadence and the policy does not stop it (EM_GUARD_BENCH_MIX=0: narrow).
// Round 0 warms kernels and the worker; each later round runs the modes in a rotating order, and
// the gate figure is the median over rounds of guarded ÷ unguarded wall time of the same round.
// The machine is shared, so it also prints CPU time (process.cpuUsage: every thread of this
// process, i.e. training + the capture worker) and the guard's own time on the training thread.
// Usage: npx tsx bench/lmGuardOverhead.ts   (EM_GUARD_BENCH_REPS=3, EM_GUARD_BENCH_MODES=unguarded,worker,
//        EM_GUARD_BENCH_MIX=0.5, EM_GUARD_BENCH_EPOCHS=LM_RECIPE's)
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { emGuard } from '../src/guard/EmGuard.js';
import { loadPolicy } from '../src/policy/loadPolicy.js';
import { lmFineTuneConfig } from '../src/organism/lm/lmFineTuneConfig.js';
import { disposeLmProbes, lmProbes } from '../src/organism/lm/lmProbes.js';
import { disposePreferenceProbes, lmPreferenceProbes } from '../src/organism/lm/lmPreferenceProbes.js';
import { loadAlignedLm } from '../src/organism/lm/loadAlignedLm.js';
import { trainLmStage } from '../src/organism/lm/trainLmStage.js';
import '../src/registerBuiltins.js';

type Mode = 'unguarded' | 'worker' | 'inline';
type Guarded = Exclude<Mode, 'unguarded'>;
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const load = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');

export async function run(reps = Number(process.env.EM_GUARD_BENCH_REPS ?? 3)): Promise<void> {
  await tf.setBackend('wasm');
  await tf.ready();
  const mix = Number(process.env.EM_GUARD_BENCH_MIX ?? 0.5);
  const data = lmFineTuneConfig({ seed: 2, mix });
  if (process.env.EM_GUARD_BENCH_EPOCHS) data.training.epochs = Number(process.env.EM_GUARD_BENCH_EPOCHS);
  const probes = lmProbes({ seed: 2, n: 64 });
  const preference = lmPreferenceProbes(probes);
  const modes = (process.env.EM_GUARD_BENCH_MODES ?? 'unguarded,worker').split(',') as Mode[];
  const guarded = modes.filter((m): m is Guarded => m !== 'unguarded');
  const wall: Record<Mode, number[]> = { unguarded: [], worker: [], inline: [] };
  const cpu: Record<Mode, number[]> = { unguarded: [], worker: [], inline: [] };
  const wallRatio: Record<Guarded, number[]> = { worker: [], inline: [] };
  const cpuRatio: Record<Guarded, number[]> = { worker: [], inline: [] };
  const ownShare: Record<Guarded, number[]> = { worker: [], inline: [] };
  const notes: string[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'em-guard-lm-bench-'));
  const every = loadPolicy('lm').check.every;
  const cadence = 'batches' in every ? every.batches : `${every.epochs} epoch(s) of`;
  const steps = Math.ceil(data.x.shape[0] / (data.training.batchSize ?? 32)) * data.training.epochs;
  console.log(
    `## LM organism guard overhead: aligned checkpoint, stage-3 fine-tune mix ${mix} (seed 2), ${data.x.shape[0]} examples × ${data.training.epochs} epochs, batch ${data.training.batchSize} = ${steps} steps; policy lm (check every ${cadence} batches); probes 64 train + 64 eval + 64 preference pairs; wasm; load at start ${load()}`,
  );
  try {
    for (let r = 0; r <= reps; r++) {
      const round: Partial<Record<Mode, { wall: number; cpu: number; own: number }>> = {};
      for (let i = 0; i < modes.length; i++) {
        const mode = modes[(i + r) % modes.length]!;
        const model = await loadAlignedLm();
        const guard =
          mode === 'unguarded'
            ? null
            : emGuard({
                policy: 'lm',
                probes: { train: probes.train, eval: probes.eval, preference },
                runDir: join(dir, `round-${r}-${mode}`),
                capture: mode,
                workerImports: ['src/organism/lm/lmLayers.ts'],
              });
        let checks = 0;
        let onWorker = 0;
        guard?.on('check', (c) => {
          checks++;
          if ('workerCapture' in (c.timingsMs ?? {})) onWorker++;
        });
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        await trainLmStage(model, data, { ...data.training, callbacks: guard ? [guard] : [] });
        const ms = performance.now() - t0;
        const c = process.cpuUsage(c0);
        round[mode] = { wall: ms, cpu: (c.user + c.system) / 1000, own: guard?.timings.total ?? 0 };
        if (guard) {
          const stop = guard.stopReason;
          notes.push(`round ${r} ${mode}: ${checks} checks, ${onWorker} on the worker${stop ? `; STOPPED at step ${stop.step} by ${stop.rule}` : ''}`);
          guard.dispose();
        }
        model.optimizer?.dispose();
        model.dispose();
      }
      if (r > 0) {
        for (const m of modes) {
          wall[m].push(round[m]!.wall);
          cpu[m].push(round[m]!.cpu);
        }
        for (const m of guarded) {
          wallRatio[m].push(round[m]!.wall / round.unguarded!.wall);
          cpuRatio[m].push(round[m]!.cpu / round.unguarded!.cpu);
          ownShare[m].push(round[m]!.own / round.unguarded!.wall);
        }
      }
      console.log(
        `round ${r}${r === 0 ? ' (warm-up, not counted)' : ''}: ${modes
          .map((m) => `${m} ${(round[m]!.wall / 1000).toFixed(1)} s wall / ${(round[m]!.cpu / 1000).toFixed(1)} s CPU`)
          .join(', ')}; load ${load()}`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    disposePreferenceProbes(preference);
    disposeLmProbes(probes);
    data.dispose();
  }
  for (const line of notes) console.log(`  ${line}`);
  const fmt = (xs: number[]) => xs.map((x) => x.toFixed(3)).join(' ');
  for (const m of guarded) {
    console.log(
      `guarded (${m}) ÷ unguarded: CPU time (all threads) median ${median(cpuRatio[m]).toFixed(3)} (rounds ${fmt(cpuRatio[m])}); guard's own time on the training thread ${(100 * median(ownShare[m])).toFixed(1)} % of the unguarded wall time; medians ${(median(wall[m]) / 1000).toFixed(1)} vs ${(median(wall.unguarded) / 1000).toFixed(1)} s wall`,
    );
  }
  console.log(`load at end ${load()}`);
  for (const m of guarded) {
    // The issue's gate: wall-time ratio with worker capture, median of rounds, one run (≤ 1.05).
    console.log(
      `GATE ${m === 'worker' ? '' : '(inline, for comparison) '}guarded (capture ${m}) ÷ unguarded wall time, median of ${wallRatio[m].length} rounds: ${median(wallRatio[m]).toFixed(3)} (rounds ${fmt(wallRatio[m])}; target ≤ 1.05)`,
    );
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
