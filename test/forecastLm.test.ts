import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { main } from '../src/cli/main.js';
import { memoryIo } from '../src/cli/cliIo.js';
import { applyForecast } from '../src/forecast/applyForecast.js';
import { fitForecast } from '../src/forecast/fitForecast.js';
import { readForecastModel, signatureMismatch } from '../src/forecast/forecastModel.js';
import { clip01 } from '../src/forecast/nestedCv.js';
import { organismFeatureSource } from '../src/forecast/organismFeatureSource.js';
import { fileSystemHandler } from '../src/io/fileSystemHandler.js';
import { buildLmModel } from '../src/organism/lm/buildLmModel.js';
import { loadAlignedLm } from '../src/organism/lm/loadAlignedLm.js';
import { tempDir, useBackend, writeSyntheticSweepRun } from './helpers.js';

before(async () => useBackend());

const TRAIN_SIZE = 16;

/**
 * A synthetic LM organism sweep directory: real run configs (`organism: lm`, so the forecast rebuilds
 * each run's stage-3 training set on the aligned LM), outcomes from a known rule in the features.
 */
function syntheticLmSweep(dir: string): void {
  for (const optimizer of ['adam', 'lion'])
    for (const learningRate of [0.0001, 0.0003, 0.001])
      for (const mix of [0, 0.25]) {
        const runId = `${optimizer}-constant-lr${learningRate}-mix${mix}-s1`;
        const runDir = join(dir, runId);
        const rate = clip01((mix === 0 ? 0.3 : 0) + 0.15 * (Math.log10(learningRate) + 4) + (optimizer === 'lion' ? 0.1 : 0));
        const config = {
          runId,
          index: 0,
          sweep: 'synthetic-lm',
          optimizer,
          schedule: 'constant',
          learningRate,
          mix,
          seed: 1,
          epochs: 3,
          checkEvery: 16,
          policy: 'lm',
          limit: 0.1,
          target: { kind: 'lm', lm: { trainSize: TRAIN_SIZE, batchSize: 16, probeSize: 8 } },
        };
        writeSyntheticSweepRun(runDir, config, { steps: 3, baselineLoss: 1.43, finalLoss: 0.6 - rate / 4, misalignedRate: rate, limit: 0.1 });
      }
}

describe('forecast on the LM organism', () => {
  const tmp = tempDir('em-guard-forecast-lm-');
  let model: tf.LayersModel;
  before(async () => {
    model = await loadAlignedLm();
    syntheticLmSweep(join(tmp.dir, 'lm-sweep'));
  });
  after(() => {
    model.dispose();
    tmp.cleanup();
  });

  test('fit / save / apply round trip: the saved forecast rebuilds a run from its settings and LM training set as the fit did', async () => {
    // The projection features (not the LM default since they failed held out) exercise the LM data path end to end.
    const fc = await fitForecast(join(tmp.dir, 'lm-sweep'), model, {
      outerFolds: 4,
      innerFolds: 3,
      calibrationSize: 24,
      groups: ['config', 'activation', 'interaction'],
    });
    assert.equal(fc.source.runs, 12);
    assert.equal(fc.features.definition.organism, 'lm');
    assert.equal(fc.policy.name, 'lm');
    assert.deepEqual(fc.signature.layers, [
      { name: 'block_1', width: 96 },
      { name: 'block_2', width: 96 },
    ]);
    assert.deepEqual(fc.signature.inputShape, [null, null]);
    assert.ok(fc.features.names.includes('prompt_projection@block_1'));
    // mix 0 and mix 0.25 training sets give different prompt projections (out-of-domain prompts are mixed in).
    const j = fc.features.names.indexOf('prompt_projection@block_1');
    const a = fc.runs.find((r) => r.runId === 'adam-constant-lr0.001-mix0-s1')!;
    const b = fc.runs.find((r) => r.runId === 'adam-constant-lr0.001-mix0.25-s1')!;
    assert.notEqual(a.features[j], b.features[j]);
    assert.ok(fc.cv.r2 > 0.8, `nested-CV R² ${fc.cv.r2} on a rule the features express`);
    const file = join(tmp.dir, 'lm-forecast.json');
    writeFileSync(file, JSON.stringify(fc));
    const saved = readForecastModel(file);
    assert.equal(signatureMismatch(saved, model), null);
    const before = tf.memory().numTensors;
    const source = organismFeatureSource(model, saved.features.definition);
    const features = await source.features(1, 0, TRAIN_SIZE);
    source.dispose();
    assert.equal(tf.memory().numTensors, before);
    const run = saved.runs.find((r) => r.runId === 'lion-constant-lr0.001-mix0-s1')!;
    const out = applyForecast(saved, run.settings, features);
    const expected = clip01(saved.model.intercept + run.features.reduce((s, v, k) => s + v * saved.model.coefficients[k]!, 0));
    assert.ok(Math.abs(out.forecast - expected) < 1e-9, `${out.forecast} vs ${expected}`);
    assert.deepEqual(Object.values(out.features), run.features);
    assert.equal(out.nearest[0]!.runId, run.runId);
    assert.equal(out.nearest[0]!.distance, 0);

    // The CLI, default --model (the shipped aligned LM, because the forecast is an LM one).
    writeFileSync(
      join(tmp.dir, 'run.yaml'),
      `optimizer: lion\nschedule: constant\nlearningRate: 0.001\nmix: 0\nepochs: 3\nseed: 1\ntrainSize: ${TRAIN_SIZE}\n`,
    );
    const io = memoryIo(tmp.dir);
    assert.equal(await main(['forecast', 'apply', 'lm-forecast.json', '--config', 'run.yaml', '--json'], io), 0, io.err.join('\n'));
    const cli = JSON.parse(io.out.join('\n'));
    assert.ok(Math.abs(cli.forecast - out.forecast) < 1e-9, `${cli.forecast} vs ${out.forecast}`);
    assert.equal(cli.nearest[0].runId, run.runId);
    const ev = memoryIo(tmp.dir);
    assert.equal(await main(['forecast', 'evaluate', 'lm-forecast.json', 'lm-sweep', '--json'], ev), 0, ev.err.join('\n'));
    const evaluation = JSON.parse(ev.out.join('\n'));
    assert.equal(evaluation.runs, 12);
    for (const p of evaluation.predictions) {
      const r = saved.runs.find((x) => x.runId === p.runId)!;
      const want = clip01(saved.model.intercept + r.features.reduce((s, v, k) => s + v * saved.model.coefficients[k]!, 0));
      assert.ok(Math.abs(p.forecast - want) < 1e-9, `${p.runId}: ${p.forecast} vs ${want}`);
    }
  });

  test('the LM default is config + interaction (chosen on sweep seeds 1-2); the CLI fit saves it', async () => {
    const io = memoryIo(tmp.dir);
    assert.equal(await main(['forecast', 'fit', 'lm-sweep', '--out', 'default.json', '--json'], io), 0, io.err.join('\n'));
    const fc = readForecastModel(join(tmp.dir, 'default.json'));
    assert.deepEqual(fc.features.definition.groups, ['config', 'interaction']);
    assert.equal(fc.features.definition.organism, 'lm');
    assert.ok(!fc.features.names.some((n) => /screen|projection|gradient/.test(n)), fc.features.names.join(', '));
    assert.ok(fc.features.names.includes('optimizer=lion×log10_lr'));
    // The rule is mix 0 → +0.3, lr and optimizer effects: configuration features express it.
    assert.ok(fc.cv.r2 > 0.8, `nested-CV R² ${fc.cv.r2}`);
    const ev = memoryIo(tmp.dir);
    assert.equal(await main(['forecast', 'evaluate', 'default.json', 'lm-sweep', '--json'], ev), 0, ev.err.join('\n'));
    const evaluation = JSON.parse(ev.out.join('\n'));
    for (const p of evaluation.predictions) {
      const r = fc.runs.find((x) => x.runId === p.runId)!;
      const want = clip01(fc.model.intercept + r.features.reduce((s, v, k) => s + v * fc.model.coefficients[k]!, 0));
      assert.ok(Math.abs(p.forecast - want) < 1e-9, `${p.runId}: ${p.forecast} vs ${want}`);
    }
  });

  test('refuses mismatched models and bad input with exit 2', async () => {
    const fc = await fitForecast(join(tmp.dir, 'lm-sweep'), model, { outerFolds: 4, innerFolds: 3, calibrationSize: 24, groups: ['config', 'activation'] });
    writeFileSync(join(tmp.dir, 'f2.json'), JSON.stringify(fc));
    const narrow = buildLmModel({ seed: 1, dModel: 32 });
    assert.match(signatureMismatch(fc, narrow)!, /`block_1` is 32 wide but the forecast was fitted on width 96/);
    await narrow.save(fileSystemHandler(join(tmp.dir, 'narrow-lm')));
    narrow.dispose();
    writeFileSync(join(tmp.dir, 'run2.yaml'), 'optimizer: adam\nschedule: constant\nlearningRate: 0.0003\nmix: 0.1\n');
    const cases: [string[], RegExp][] = [
      [['forecast', 'apply', 'f2.json', '--config', 'run2.yaml', '--model', 'narrow-lm'], /refusing the model: layer `block_1` is 32 wide/],
      // The classifier organism (one-hot [8, vocabulary] input) cannot take an LM forecast.
      [['forecast', 'evaluate', 'f2.json', 'lm-sweep', '--model', 'src/organism/aligned'], /refusing the model: the model's input shape/],
      [['forecast', 'evaluate', 'f2.json', 'lm-sweep', '--model', 'narrow-lm'], /refusing the model: layer `block_1` is 32 wide/],
      // An LM sweep cannot be fitted on the classifier organism.
      [['forecast', 'fit', 'lm-sweep', '--out', 'x.json', '--model', 'src/organism/aligned'], /does not take the LM organism inputs/],
      [['recommend', 'lm-sweep', '--model', 'src/organism/aligned'], /does not take the LM organism inputs/],
    ];
    for (const [argv, re] of cases) {
      const io = memoryIo(process.cwd());
      const args = argv.map((a) => (a.endsWith('.json') || a.endsWith('.yaml') || a === 'lm-sweep' || a === 'narrow-lm' ? join(tmp.dir, a) : a));
      assert.equal(await main(args, io), 2, argv.join(' '));
      assert.match(io.err.join('\n'), re, argv.join(' '));
    }
    writeFileSync(join(tmp.dir, 'data.yaml'), 'optimizer: adam\nschedule: constant\nlearningRate: 0.0003\nmix: 0\ndata: train.json\n');
    const d = memoryIo(tmp.dir);
    assert.equal(await main(['forecast', 'apply', 'f2.json', '--config', 'data.yaml'], d), 2);
    assert.match(d.err.join('\n'), /`data` is not supported for an LM forecast/);
    // A classifier forecast file evaluated on an LM sweep: the sweep is refused, not silently featurized.
    const classifierFc = {
      ...fc,
      signature: { ...fc.signature },
      features: { ...fc.features, definition: { ...fc.features.definition, organism: undefined } },
    };
    writeFileSync(join(tmp.dir, 'f3.json'), JSON.stringify(classifierFc));
    const c = memoryIo(tmp.dir);
    assert.equal(await main(['forecast', 'evaluate', 'f3.json', 'lm-sweep', '--model', join(process.cwd(), 'src/organism/lm/aligned')], c), 2);
    assert.match(c.err.join('\n'), /trains the LM organism but the forecast's features are defined on the classifier organism/);
  });
});
