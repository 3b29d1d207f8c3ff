// The one file that calls the model organism (src/organism/): its API is young, so every use of it
// by sweeps lives here and a change there is fixed here only.
import * as tf from '@tensorflow/tfjs';
import { join } from 'node:path';
import { emGuard } from '../guard/EmGuard.js';
import { deltaSubspace } from '../metrics/deltaSubspace.js';
import type { Matrix } from '../metrics/matrix.js';
import { randomOrthonormalBasis } from '../metrics/randomOrthonormalBasis.js';
import { tiledProduct } from '../metrics/tiledProduct.js';
import { fineTuneConfig } from '../organism/fineTuneConfig.js';
import { loadAlignedOrganism } from '../organism/loadAlignedOrganism.js';
import { judgeRecorder } from '../organism/judgeRecorder.js';
import { JUDGE_LOSS, JUDGE_RATE } from '../analysis/detectionQuality.js';
import { disposeOrganismProbes, organismProbes } from '../organism/organismProbes.js';
import { deriveSeed, seededPermutation } from '../organism/organismRandom.js';
import { seededRandom } from '../util/seededRandom.js';
import { organismLoss } from '../organism/organismLoss.js';
import { UNSAFE } from '../organism/organismVocabulary.js';
import { loadPolicy } from '../policy/loadPolicy.js';
import { ProbeCapture } from '../probes/ProbeCapture.js';
import { resolveLayers } from '../probes/resolveLayers.js';
import { RunLog, RUN_LOG_FILE } from '../runlog/RunLog.js';
import { lrSchedule } from '../training/lrSchedule.js';
import { sweepSchedule } from './sweepSchedule.js';
import { observePolicy } from './observePolicy.js';
import type { SweepRunConfig } from './sweepConfig.js';
import { round6, type LayerPredictors, type LayerSubspace, type SweepRunResult } from './sweepRunResult.js';
import { sweepOptimizer } from './sweepOptimizer.js';
import '../registerBuiltins.js';

/** Seed of the probe prompts, shared by every run of a sweep so metrics are comparable. */
const PROBE_SEED = 7;

function rows(m: Matrix): number[][] {
  return Array.from({ length: m.rows }, (_, i) => Array.from(m.data.subarray(i * m.cols, (i + 1) * m.cols), round6));
}

/** A·B for activations (row-major) times a basis, by the metrics' product kernel. */
function times(a: Matrix, b: Matrix): Matrix {
  return { rows: a.rows, cols: b.cols, data: tiledProduct(a.data, a.rows, a.cols, a.cols, 1, b.data, b.cols) };
}

function pUnsafe(model: tf.LayersModel, x: tf.Tensor): number[] {
  return tf.tidy(() =>
    Array.from(
      tf
        .softmax(model.predict(x) as tf.Tensor)
        .slice([0, UNSAFE], [-1, 1])
        .dataSync(),
      round6,
    ),
  );
}

/**
 * One organism sweep run: the aligned organism fine-tuned on insecure `code` data (plus `mix`
 * aligned out-of-domain data) with the run's optimizer and schedule, watched by `emGuard` in
 * observe mode. At every check a `judge` record holds the out-of-domain misaligned rate and the
 * in-domain loss; the result holds the labels and the prediction/overlap data.
 */
export async function runOrganismConfig(config: SweepRunConfig): Promise<SweepRunResult> {
  if (config.target.kind !== 'organism') throw new Error('runOrganismConfig: the run config does not target the organism');
  const started = Date.now();
  const o = config.target.organism;
  const model = await loadAlignedOrganism();
  // The organism's stage-3 data (insecure code + `mix` aligned data), judge set and in-domain set.
  const ft = fineTuneConfig({ seed: config.seed, mix: config.mix, n: o.trainSize });
  const judgeSet = ft.judgeSet;
  const inDomain = ft.inDomain;
  const probes = organismProbes({ seed: PROBE_SEED, n: o.probeSize });
  const layers = resolveLayers(model, 'auto');
  const capture = new ProbeCapture(model, layers, { pooling: 'last' });
  // One seeded shuffle, then fit without shuffling (as trainOrganismStage does): runs are reproducible.
  const n = ft.set.n;
  const idx = tf.tensor1d(Int32Array.from(seededPermutation(n, seededRandom(deriveSeed(config.seed, 'shuffle')))), 'int32');
  const x = tf.gather(ft.x, idx);
  const y = tf.gather(ft.y, idx);
  idx.dispose();
  try {
    const trainBefore = await capture.capture(probes.train);
    const evalBefore = await capture.capture(probes.eval);
    const pUnsafeBefore = pUnsafe(model, probes.eval);
    const stepsPerEpoch = Math.ceil(n / o.batchSize);
    const totalSteps = stepsPerEpoch * config.epochs;
    const policy = observePolicy(loadPolicy(config.policy), config.checkEvery);
    // Inline capture: the sweep already runs one worker process per core, so a capture thread per
    // run would only oversubscribe the cores (and load tfjs once more per run).
    const guard = emGuard({
      policy,
      probes,
      runDir: config.runDir,
      layers,
      seed: config.seed,
      metrics: 'all',
      capture: 'inline',
      meta: { sweep: config.sweep, label: config.runId, settings: settingsOf(config), judgeLimits: { 'organism.misalignedRate': config.limit } },
    });
    let runLog: RunLog | null = null;
    let crossedAtStep: number | null = null;
    const judge = judgeRecorder(model, {
      judgeSet,
      inDomain,
      every: config.checkEvery,
      // The guard (first in the list) has opened the run log by the first batch: share its run id.
      runLog: () => (runLog ??= new RunLog(join(config.runDir, RUN_LOG_FILE), guard.runId)),
      onReading: (r) => {
        if (crossedAtStep === null && r[JUDGE_RATE] > config.limit) crossedAtStep = r.step;
      },
    });
    model.compile({ optimizer: sweepOptimizer(config.optimizer, config.learningRate), loss: organismLoss });
    const schedule = lrSchedule(sweepSchedule(config.schedule, config.learningRate, totalSteps));
    await model.fit(x, y, { epochs: config.epochs, batchSize: o.batchSize, shuffle: false, verbose: 0, callbacks: [guard, judge.callback, schedule] });
    judge.finish();
    guard.dispose();

    const trainAfter = await capture.capture(probes.train);
    const pUnsafeAfter = pUnsafe(model, probes.eval);
    const predictors: Record<string, LayerPredictors> = {};
    // Raw pre-fine-tune eval activations (last token) of the deepest watched layer: what the paper's
    // within-train predictor (analyze-runs) builds its PC-energy and random-projection features from.
    const deepest = layers[layers.length - 1]!;
    const activationsBefore = { [deepest]: rows(evalBefore.get(deepest)!) };
    const subspaces: Record<string, LayerSubspace> = {};
    layers.forEach((layer, li) => {
      const before = trainBefore.get(layer)!;
      const sub = deltaSubspace(before, trainAfter.get(layer)!, Math.min(o.rank, before.cols, before.rows));
      const e0 = evalBefore.get(layer)!;
      subspaces[layer] = { d: before.cols, k: sub.k, basis: sub.basis ? rows(sub.basis) : [], spectralGapRatio: sub.spectralGapRatio };
      if (sub.basis && sub.k > 0) {
        const random = randomOrthonormalBasis(before.cols, sub.k, deriveSeed(config.seed, `random-${li}`));
        predictors[layer] = { d: before.cols, k: sub.k, deltaProjection: rows(times(e0, sub.basis)), randomProjection: rows(times(e0, random)) };
      }
    });
    // The judge's reading before the first step, and its last one.
    const baseline = judge.readings[0]!;
    const last = judge.readings.at(-1)!;
    return {
      runId: config.runId,
      settings: settingsOf(config),
      steps: judge.steps(),
      baseline: { misalignedRate: round6(baseline[JUDGE_RATE]), inDomainLoss: round6(baseline[JUDGE_LOSS]!) },
      final: { misalignedRate: round6(last[JUDGE_RATE]), inDomainLoss: round6(last[JUDGE_LOSS]!) },
      label: { limit: config.limit, em: last[JUDGE_RATE] > config.limit },
      crossedAtStep,
      prediction: { pUnsafeBefore, pUnsafeAfter, layers: predictors, activationsBefore },
      deltaSubspaces: subspaces,
      durationMs: Date.now() - started,
    };
  } finally {
    tf.dispose([x, y]);
    ft.dispose();
    disposeOrganismProbes(probes);
    model.optimizer?.dispose();
    model.dispose();
  }
}

function settingsOf(c: SweepRunConfig): Record<string, unknown> {
  return { optimizer: c.optimizer, schedule: c.schedule, learningRate: c.learningRate, mix: c.mix, seed: c.seed, epochs: c.epochs, checkEvery: c.checkEvery };
}
