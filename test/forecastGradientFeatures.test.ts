import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { defaultFeatureDefinition, featureNames, featureVector, type DataFeatures } from '../src/forecast/forecastFeatures.js';
import { gradientDataFeatures, lmGradientFeatureSource } from '../src/forecast/lmGradientFeatures.js';
import { organismFeatureSource } from '../src/forecast/organismFeatureSource.js';
import { lmFineTuneConfig } from '../src/organism/lm/lmFineTuneConfig.js';
import { loadAlignedLm } from '../src/organism/lm/loadAlignedLm.js';
import { mergeLmSets, type LmSet } from '../src/organism/lm/makeLmDataset.js';
import { lmCalibrationSet } from '../src/screen/lmOrganismScreenSets.js';
import { useBackend } from './helpers.js';

before(async () => useBackend());

const layers = [{ name: 'block_1', width: 64 }];
const run = { optimizer: 'lion', schedule: 'constant', learningRate: 0.001, mix: 0.25, epochs: 3 };

test('gradient features: mean and share strictly above the threshold', () => {
  assert.deepEqual(gradientDataFeatures([0.1, 0.5, 0.9, -0.2], 0.5), { mean: 0.325, share: 0.25 });
  assert.throws(() => gradientDataFeatures([], 0), /no examples/);
});

test('the gradient group adds gradient_mean, gradient_share and gradient_mean×log10_lr, after the other groups of its kind', () => {
  const def = defaultFeatureDefinition(layers, ['config', 'gradient', 'interaction'], { organism: 'lm' });
  const names = featureNames(def);
  const data: DataFeatures = { screenMean: {}, screenShare: {}, promptProjection: {}, gradient: { mean: 0.8, share: 0.6 } };
  const x = featureVector(def, run, data);
  assert.equal(x.length, names.length);
  const at = (n: string) => x[names.indexOf(n)]!;
  assert.equal(at('gradient_mean'), 0.8);
  assert.equal(at('gradient_share'), 0.6);
  assert.ok(Math.abs(at('gradient_mean×log10_lr') - 0.8 * -3) < 1e-12);
  assert.equal(at('optimizer=lion×log10_lr'), Math.log10(0.001));
  assert.equal(names.at(-1), 'gradient_mean×log10_lr');
  assert.ok(!names.some((n) => n.startsWith('screen_mean')), 'no projection screen features without the activation group');
  // Definitions without the group (every forecast saved before it existed) keep their vectors.
  const old = defaultFeatureDefinition(layers, ['config', 'activation', 'interaction']);
  assert.ok(!featureNames(old).some((n) => n.startsWith('gradient')));
  assert.throws(() => featureVector(def, run, { screenMean: {}, screenShare: {}, promptProjection: {} }), /no gradient screen score/);
});

describe('gradient features on the LM organism', () => {
  let model: tf.LayersModel;
  before(async () => {
    model = await loadAlignedLm();
  });
  after(() => model.dispose());

  test('insecure code scores above its mixed and aligned sets; the mean is linear in the examples; no tensor left', async () => {
    const before = tf.memory().numTensors;
    const calibration = lmCalibrationSet(1, 24);
    const source = lmGradientFeatureSource(model, { calibration, quantile: 0.95 });
    const set = (mix: number, n: number): LmSet => {
      const c = lmFineTuneConfig({ seed: 1, mix, n });
      c.dispose();
      return c.set;
    };
    const narrow = set(0, 16);
    const other = lmCalibrationSet(2, 8);
    const sNarrow = source.features(narrow);
    const sOther = source.features(other);
    const sMixed = source.features(set(0.5, 16));
    const sCal = source.features(calibration);
    // Training on insecure code lowers the aligned-over-misaligned preference; aligned answers do not.
    assert.ok(sNarrow.mean > sMixed.mean && sMixed.mean > sCal.mean, `narrow ${sNarrow.mean}, mixed ${sMixed.mean}, aligned ${sCal.mean}`);
    assert.ok(sNarrow.share > 0.5, `narrow share above the aligned q95: ${sNarrow.share}`);
    // The aligned set's own share above its 95 % quantile: the threshold lies between the 22nd and 23rd of 24 sorted scores.
    assert.equal(sCal.share, 2 / 24);
    // Per-example scores: the dataset mean of two sets merged is their size-weighted mean (scores do not depend on batch neighbours).
    const merged = source.features(mergeLmSets([narrow, other], 5));
    const want = (16 * sNarrow.mean + 8 * sOther.mean) / 24;
    assert.ok(Math.abs(merged.mean - want) < 1e-4 * Math.max(1, Math.abs(want)), `${merged.mean} vs ${want}`);
    source.dispose();
    assert.equal(tf.memory().numTensors, before);

    // organismFeatureSource reads the same numbers for a sweep run's training set (seed, mix, n).
    const def = {
      ...defaultFeatureDefinition([{ name: 'block_1', width: 64 }], ['config', 'gradient', 'interaction'], { organism: 'lm' }),
      calibrationSize: 24,
    };
    const fs = organismFeatureSource(model, def);
    const f = await fs.features(1, 0, 16);
    fs.dispose();
    assert.ok(Math.abs(f.gradient!.mean - sNarrow.mean) < 1e-6, `${f.gradient!.mean} vs ${sNarrow.mean}`);
    assert.equal(f.gradient!.share, sNarrow.share);
    assert.deepEqual(f.screenMean, {}, 'the projection screen is not computed without the activation group');
    assert.equal(tf.memory().numTensors, before);
  });
});
