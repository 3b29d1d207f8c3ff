// Guard overhead on a transformer: the LM organism's narrow fine-tune (stage 3), unguarded vs
// guarded with the bundled `lm` policy at its own cadence, capture on the worker thread with
// `workerImports` (the organism's custom layers) and, for comparison, inline. Round 0 warms
// kernels and starts the worker; each later round runs the modes in a rotating order and the ratio
// is the median of per-round guarded/unguarded ratios. Prints `uptime`'s load: a shared machine's
// load moves these figures.
// Usage: npx tsx bench/lmGuardOverhead.ts   (EM_GUARD_BENCH_REPS=3, EM_GUARD_BENCH_EPOCHS=8)
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { loadavg } from 'node:os';
import { emGuard } from '../src/guard/EmGuard.js';
import { buildLmModel } from '../src/organism/lm/buildLmModel.js';
import { lmFineTuneConfig } from '../src/organism/lm/lmFineTuneConfig.js';
import { lmLoss } from '../src/organism/lm/lmLoss.js';
import { disposeLmProbes, lmProbes } from '../src/organism/lm/lmProbes.js';
import { disposePreferenceProbes, lmPreferenceProbes } from '../src/organism/lm/lmPreferenceProbes.js';
import { LM_RECIPE } from '../src/organism/lm/lmRecipe.js';

type Mode = 'unguarded' | 'worker' | 'inline';
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

export async function run(reps = Number(process.env.EM_GUARD_BENCH_REPS ?? 3)): Promise<void> {
  await tf.setBackend('wasm');
  await tf.ready();
  const epochs = Number(process.env.EM_GUARD_BENCH_EPOCHS ?? LM_RECIPE.stage3.epochs);
  const data = lmFineTuneConfig({ seed: 2 });
  const probes = lmProbes({ seed: 2, n: 64 });
  const preference = lmPreferenceProbes(probes);
  const modes: Mode[] = (process.env.EM_GUARD_BENCH_MODES ?? 'unguarded,worker,inline').split(',') as Mode[];
  const times: Record<Mode, number[]> = { unguarded: [], worker: [], inline: [] };
  const ratios: Record<'worker' | 'inline', number[]> = { worker: [], inline: [] };
  const where: string[] = [];
  console.log(
    `## LM organism guard overhead (wasm, ${data.x.shape[0]} examples × ${epochs} epochs, batch ${LM_RECIPE.stage3.batchSize}, policy lm; probes 64 train + 64 eval + 2×64 preference); load at start ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  try {
    for (let r = 0; r <= reps; r++) {
      const round: Partial<Record<Mode, number>> = {};
      for (let i = 0; i < modes.length; i++) {
        const mode = modes[(i + r) % modes.length]!;
        const model = buildLmModel({ seed: 1, ...LM_RECIPE.model });
        model.compile({ optimizer: tf.train.adam(LM_RECIPE.stage3.learningRate), loss: lmLoss });
        const guard =
          mode === 'unguarded'
            ? null
            : emGuard({
                policy: 'lm',
                probes: { train: probes.train, eval: probes.eval, preference },
                runDir: false,
                capture: mode,
                workerImports: ['src/organism/lm/lmLayers.ts'],
              });
        let checks = 0;
        let onWorker = 0;
        guard?.on('check', (c) => {
          checks++;
          if ('workerCapture' in (c.timingsMs ?? {})) onWorker++;
        });
        const t0 = performance.now();
        await model.fit(data.x, data.y, { epochs, batchSize: LM_RECIPE.stage3.batchSize, shuffle: false, verbose: 0, callbacks: guard ? [guard] : [] });
        const ms = performance.now() - t0;
        if (guard)
          where.push(`round ${r} ${mode}: ${checks} checks, ${onWorker} on the worker${guard.stopReason ? `, stopped at ${guard.stopReason.step}` : ''}`);
        guard?.dispose();
        model.optimizer.dispose();
        model.dispose();
        round[mode] = ms;
        if (r > 0) times[mode].push(ms);
      }
      if (r > 0)
        for (const m of ['worker', 'inline'] as const) if (round[m] !== undefined && round.unguarded !== undefined) ratios[m].push(round[m]! / round.unguarded);
      console.log(
        `round ${r}${r === 0 ? ' (warm-up)' : ''}: ${modes.map((m) => `${m} ${round[m]!.toFixed(0)} ms`).join(', ')}; load ${loadavg()[0]!.toFixed(1)}`,
      );
    }
  } finally {
    disposePreferenceProbes(preference);
    disposeLmProbes(probes);
    data.dispose();
  }
  for (const line of where) console.log(`  ${line}`);
  for (const m of ['worker', 'inline'] as const) {
    if (ratios[m].length)
      console.log(
        `guarded (${m}) ÷ unguarded: median of rounds ${median(ratios[m]).toFixed(3)} (rounds ${ratios[m].map((x) => x.toFixed(3)).join(' ')}); medians ${median(times[m]).toFixed(0)} vs ${median(times.unguarded).toFixed(0)} ms`,
      );
  }
  console.log(
    `load at end ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
