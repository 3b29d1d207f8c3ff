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
// Usage: npx tsx bench/lmGuardOverhead.ts   (EM_GUARD_BENCH_REPS=7, EM_GUARD_BENCH_MODES=unguarded,worker,
//        EM_GUARD_BENCH_MIX=0.5, EM_GUARD_BENCH_EPOCHS=LM_RECIPE's)
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { emGuard, type GuardTimings } from '../src/guard/EmGuard.js';
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

/** CPU time (ms) of every thread of this process by thread id, from /proc (Linux; 10 ms ticks); empty elsewhere. */
function threadCpu(): Map<number, number> {
  const out = new Map<number, number>();
  try {
    for (const tid of readdirSync('/proc/self/task')) {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(Number(tid), (Number(f[11]) + Number(f[12])) * 10); // utime + stime, clock ticks of 10 ms
    }
  } catch {
    // not Linux: only the all-threads figure is printed
  }
  return out;
}

/** Training-thread (this, the main thread) and other threads' CPU ms between two `threadCpu` readings. */
function threadSplit(before: Map<number, number>, after: Map<number, number>): { main: number; others: number; top: number } {
  let others = 0;
  let top = 0;
  for (const [tid, ms] of after) {
    if (tid === process.pid) continue;
    const d = ms - (before.get(tid) ?? 0);
    others += d;
    top = Math.max(top, d);
  }
  return { main: (after.get(process.pid) ?? 0) - (before.get(process.pid) ?? 0), others, top };
}

// Between fits: a full GC and a pause, so that one fit's garbage and background work (GC helper
// threads, the previous fit's worker or checkpoint writes) is not paid by the next, whichever mode it is.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
async function settle(): Promise<void> {
  gc();
  await new Promise((r) => setTimeout(r, 1000));
}

export async function run(reps = Number(process.env.EM_GUARD_BENCH_REPS ?? 7)): Promise<void> {
  await tf.setBackend('wasm');
  await tf.ready();
  const mix = Number(process.env.EM_GUARD_BENCH_MIX ?? 0.5);
  const data = lmFineTuneConfig({ seed: 2, mix });
  if (process.env.EM_GUARD_BENCH_EPOCHS) data.training.epochs = Number(process.env.EM_GUARD_BENCH_EPOCHS);
  const probes = lmProbes({ seed: 2, n: 64 });
  const preference = lmPreferenceProbes(probes);
  const modes = (process.env.EM_GUARD_BENCH_MODES ?? 'unguarded,worker').split(',') as Mode[];
  const guarded = modes.filter((m): m is Guarded => m !== 'unguarded');
  const settleBetween = process.env.EM_GUARD_BENCH_SETTLE !== '0';
  type Fit = { wall: number; cpu: number; main: number; others: number; top: number; own: number; end: number; workerMs: number; timings: GuardTimings | null };
  const fits: Record<Mode, Fit[]> = { unguarded: [], worker: [], inline: [] };
  const notes: string[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'em-guard-lm-bench-'));
  const every = loadPolicy('lm').check.every;
  const cadence = 'batches' in every ? every.batches : `${every.epochs} epoch(s) of`;
  const steps = Math.ceil(data.x.shape[0] / (data.training.batchSize ?? 32)) * data.training.epochs;
  console.log(
    `## LM organism guard overhead: aligned checkpoint, stage-3 fine-tune mix ${mix} (seed 2), ${data.x.shape[0]} examples × ${data.training.epochs} epochs, batch ${data.training.batchSize} = ${steps} steps; policy lm (check every ${cadence} batches); probes 64 train + 64 eval + 64 preference pairs; wasm; ${settleBetween ? 'full GC + 1 s pause before each fit' : 'no pause between fits'}; load at start ${load()}`,
  );
  try {
    for (let r = 0; r <= reps; r++) {
      const round: Partial<Record<Mode, Fit>> = {};
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
        let workerMs = 0;
        guard?.on('check', (c) => {
          checks++;
          const w = (c.timingsMs ?? {}).workerCapture;
          if (w !== undefined) {
            onWorker++;
            workerMs += w;
          }
        });
        // Runs before the guard's onTrainEnd: what follows it until `fit` resolves is the end of the fit's wait.
        let trainEnd = 0;
        const marker = new tf.CustomCallback({ onTrainEnd: async () => void (trainEnd = performance.now()) });
        if (settleBetween) await settle();
        const th0 = threadCpu();
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        await trainLmStage(model, data, { ...data.training, callbacks: guard ? [marker, guard] : [marker] });
        const t1 = performance.now();
        const c = process.cpuUsage(c0);
        const split = threadSplit(th0, threadCpu());
        round[mode] = {
          wall: t1 - t0,
          cpu: (c.user + c.system) / 1000,
          ...split,
          own: guard?.timings.total ?? 0,
          end: t1 - trainEnd,
          workerMs,
          timings: guard ? { ...guard.timings } : null,
        };
        if (guard) {
          const stop = guard.stopReason;
          notes.push(`round ${r} ${mode}: ${checks} checks, ${onWorker} on the worker${stop ? `; STOPPED at step ${stop.step} by ${stop.rule}` : ''}`);
          guard.dispose();
        }
        model.optimizer?.dispose();
        model.dispose();
      }
      if (r > 0) for (const m of modes) fits[m].push(round[m]!);
      const s = (ms: number) => (ms / 1000).toFixed(1);
      console.log(
        `round ${r}${r === 0 ? ' (warm-up, not counted)' : ''}: ${modes
          .map((m) => {
            const f = round[m]!;
            const t = f.timings;
            const guardPart = t
              ? `; guard on the training thread ${s(f.own)} s (capture ${s(t.capture)}, metrics ${s(t.metrics)}, io ${s(t.io)}; fit end ${s(f.end)}), worker ${s(f.workerMs)} s`
              : '';
            return `${m} ${s(f.wall)} s wall / ${s(f.cpu)} s CPU (training thread ${s(f.main)}, other threads ${s(f.others)}, busiest other ${s(f.top)})${guardPart}`;
          })
          .join(' | ')}; load ${load()}`,
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
  const ratios = (m: Guarded, of: (f: Fit) => number) => fits[m].map((f, i) => of(f) / of(fits.unguarded[i]!));
  for (const m of guarded) {
    const cpuAll = ratios(m, (f) => f.cpu);
    const cpuMain = ratios(m, (f) => f.main);
    const own = fits[m].map((f, i) => f.own / fits.unguarded[i]!.wall);
    console.log(
      `guarded (${m}) ÷ unguarded, medians of paired rounds: CPU time all threads ${median(cpuAll).toFixed(3)} (rounds ${fmt(cpuAll)}); training thread ${median(cpuMain).toFixed(3)} (rounds ${fmt(cpuMain)}); guard's own time on the training thread ${(100 * median(own)).toFixed(1)} % of the unguarded wall time; medians ${(median(fits[m].map((f) => f.wall)) / 1000).toFixed(1)} vs ${(median(fits.unguarded.map((f) => f.wall)) / 1000).toFixed(1)} s wall`,
    );
  }
  console.log(`load at end ${load()}`);
  for (const m of guarded) {
    // The issue's gate: wall-time ratio with worker capture, median of rounds, one run (≤ 1.05).
    const wallRatio = ratios(m, (f) => f.wall);
    console.log(
      `GATE ${m === 'worker' ? '' : '(inline, for comparison) '}guarded (capture ${m}) ÷ unguarded wall time, median of ${wallRatio.length} rounds: ${median(wallRatio).toFixed(3)} (rounds ${fmt(wallRatio)}; target ≤ 1.05)`,
    );
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
