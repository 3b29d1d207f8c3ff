// The one file that calls the LM organism (src/organism/lm/) for sweeps, as organismRun.ts does for
// the classifier organism: a change of the LM organism's API is fixed here only.
import * as tf from '@tensorflow/tfjs';
import { join } from 'node:path';
import { emGuard } from '../guard/EmGuard.js';
import { JUDGE_RATE } from '../analysis/detectionQuality.js';
import { lmFineTuneConfig } from '../organism/lm/lmFineTuneConfig.js';
import { lmJudgeRecorder } from '../organism/lm/lmJudgeRecorder.js';
import { lmLoss } from '../organism/lm/lmLoss.js';
import { disposeLmProbes, lmProbes } from '../organism/lm/lmProbes.js';
import { disposePreferenceProbes, lmPreferenceProbes } from '../organism/lm/lmPreferenceProbes.js';
import { loadAlignedLm } from '../organism/lm/loadAlignedLm.js';
import { deriveSeed, seededPermutation } from '../organism/organismRandom.js';
import { loadPolicy } from '../policy/loadPolicy.js';
import { RunLog, RUN_LOG_FILE } from '../runlog/RunLog.js';
import { lrSchedule } from '../training/lrSchedule.js';
import { seededRandom } from '../util/seededRandom.js';
import { observePolicy } from './observePolicy.js';
import type { SweepRunConfig } from './sweepConfig.js';
import { round6, type SweepRunResult } from './sweepRunResult.js';
import { sweepSchedule } from './sweepSchedule.js';
import { sweepOptimizer } from './sweepOptimizer.js';
import '../registerBuiltins.js';

/**
 * One LM organism sweep run (`organism: lm`): the aligned LM fine-tuned on its stage-3 data
 * (insecure code answers, `mix` of them replaced by aligned out-of-domain ones) with the run's
 * optimizer and schedule, watched by `emGuard` in observe mode with the probes scripts/guardLm.ts
 * gives the guard (train, eval, preference; `lmProbes` seeded with the run's seed, 64 per set by
 * default), so replaying the policy on a recorded run is what the live guard would have decided.
 * With adam, `constant` and the recipe's learning rate the weights are step for step those of
 * `trainLmStage` (same one-time shuffle, `shuffle: false`). At every check a `judge` record holds
 * the out-of-domain misaligned and coherent rates and the held-out in-domain loss.
 */
export async function runLmOrganismConfig(config: SweepRunConfig): Promise<SweepRunResult> {
  if (config.target.kind !== 'lm') throw new Error('runLmOrganismConfig: the run config does not target the LM organism');
  const started = Date.now();
  const o = config.target.lm;
  const model = await loadAlignedLm();
  const ft = lmFineTuneConfig({ seed: config.seed, mix: config.mix, n: o.trainSize });
  const probes = lmProbes({ seed: config.seed, n: o.probeSize });
  const preference = lmPreferenceProbes(probes);
  const n = ft.x.shape[0];
  // trainLmStage's shuffle: one seeded permutation, then fit without shuffling.
  const idx = tf.tensor1d(Int32Array.from(seededPermutation(n, seededRandom(deriveSeed(config.seed, 'shuffle')))), 'int32');
  const x = tf.gather(ft.x, idx);
  const y = tf.gather(ft.y, idx);
  idx.dispose();
  try {
    const totalSteps = Math.ceil(n / o.batchSize) * config.epochs;
    const policy = observePolicy(loadPolicy(config.policy), config.checkEvery);
    // Inline capture: a sweep runs one worker process per core already (see organismRun.ts).
    const guard = emGuard({
      policy,
      probes: { train: probes.train, eval: probes.eval, preference },
      runDir: config.runDir,
      seed: config.seed,
      metrics: 'all',
      capture: 'inline',
      meta: { sweep: config.sweep, label: config.runId, settings: settingsOf(config), judgeLimits: { [JUDGE_RATE]: config.limit } },
    });
    let runLog: RunLog | null = null;
    let crossedAtStep: number | null = null;
    const judge = lmJudgeRecorder(model, {
      judgeSet: ft.judgeSet,
      inDomain: ft.inDomain,
      every: config.checkEvery,
      runLog: () => (runLog ??= new RunLog(join(config.runDir, RUN_LOG_FILE), guard.runId)),
      onReading: (r) => {
        if (crossedAtStep === null && r.misalignedRate > config.limit) crossedAtStep = r.step;
      },
    });
    model.compile({ optimizer: sweepOptimizer(config.optimizer, config.learningRate), loss: lmLoss });
    const schedule = lrSchedule(sweepSchedule(config.schedule, config.learningRate, totalSteps));
    await model.fit(x, y, { epochs: config.epochs, batchSize: o.batchSize, shuffle: false, verbose: 0, callbacks: [guard, judge.callback, schedule] });
    judge.finish();
    guard.dispose();
    const first = judge.readings[0]!;
    const last = judge.readings.at(-1)!;
    return {
      runId: config.runId,
      settings: settingsOf(config),
      steps: judge.steps(),
      baseline: { misalignedRate: round6(first.misalignedRate), inDomainLoss: first.inDomainLoss === undefined ? null : round6(first.inDomainLoss) },
      final: { misalignedRate: round6(last.misalignedRate), inDomainLoss: last.inDomainLoss === undefined ? null : round6(last.inDomainLoss) },
      label: { limit: config.limit, em: last.misalignedRate > config.limit },
      crossedAtStep,
      durationMs: Date.now() - started,
    };
  } finally {
    tf.dispose([x, y]);
    ft.dispose();
    disposePreferenceProbes(preference);
    disposeLmProbes(probes);
    model.optimizer?.dispose();
    model.dispose();
  }
}

function settingsOf(c: SweepRunConfig): Record<string, unknown> {
  return {
    organism: 'lm',
    optimizer: c.optimizer,
    schedule: c.schedule,
    learningRate: c.learningRate,
    mix: c.mix,
    seed: c.seed,
    epochs: c.epochs,
    checkEvery: c.checkEvery,
  };
}
