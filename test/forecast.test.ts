import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { main } from '../src/cli/main.js';
import { memoryIo } from '../src/cli/cliIo.js';
import { applyForecast } from '../src/forecast/applyForecast.js';
import { fitForecast } from '../src/forecast/fitForecast.js';
import { readForecastModel, signatureMismatch } from '../src/forecast/forecastModel.js';
import { lassoFit } from '../src/analysis/lassoFit.js';
import { clip01, nestedCv } from '../src/forecast/nestedCv.js';
import { organismDataFeatures } from '../src/forecast/organismDataFeatures.js';
import { recommendConfigs } from '../src/forecast/recommendConfigs.js';
import { fileSystemHandler } from '../src/io/fileSystemHandler.js';
import { buildOrganismModel } from '../src/organism/buildOrganismModel.js';
import { loadAlignedOrganism } from '../src/organism/loadAlignedOrganism.js';
import { organismCalibrationSet, organismContrast, organismFineTuneSet, organismScorer } from '../src/screen/organismScreenSets.js';
import { seededRandom, tempDir, useBackend, writeSyntheticSweepRun } from './helpers.js';

before(async () => useBackend());

describe('lassoFit', () => {
  test('orthogonal design: soft-thresholded least squares (closed form, 1e-9)', () => {
    // Columns of a Hadamard matrix without its constant column: centred, orthogonal, xᵀx/n = 1.
    const H = [
      [1, 1, 1, 1],
      [1, -1, 1, -1],
      [1, 1, -1, -1],
      [1, -1, -1, 1],
    ];
    const X = [...H, ...H].map((r) => r.slice(1));
    const y = [3, -1, 2, 0.5, 2.5, -1.5, 2, 1];
    const ym = y.reduce((a, b) => a + b) / y.length;
    for (const alpha of [0, 0.1, 0.4, 2]) {
      const m = lassoFit(X, y, alpha);
      X[0]!.forEach((_, j) => {
        const ols = X.reduce((s, r, i) => s + r[j]! * (y[i]! - ym), 0) / X.length;
        const expected = Math.sign(ols) * Math.max(Math.abs(ols) - alpha, 0);
        assert.ok(Math.abs(m.coefficients[j]! - expected) < 1e-9, `alpha ${alpha} w${j}: ${m.coefficients[j]} vs ${expected}`);
      });
      assert.ok(Math.abs(m.intercept - ym) < 1e-9);
    }
  });
});

describe('nestedCv', () => {
  test('recovers a linear signal and is deterministic', () => {
    const rand = seededRandom(3);
    const X = Array.from({ length: 40 }, () => [rand(), rand(), rand()]);
    const y = X.map((r) => clip01(0.1 + 0.5 * r[0]! - 0.2 * r[1]! + 0.02 * (rand() - 0.5)));
    const a = nestedCv(X, y, { seed: 5 });
    const b = nestedCv(X, y, { seed: 5 });
    assert.ok(a.r2 > 0.95, `R² ${a.r2}`);
    assert.deepEqual(a.predictions, b.predictions);
    assert.equal(a.selected.length, 5);
  });
});

/** A synthetic organism sweep directory: real configs and training sets, outcomes from a known rule. */
function syntheticSweep(dir: string): void {
  const optimizers = ['sgd', 'adam', 'adamw', 'lion'];
  for (const optimizer of optimizers)
    for (const learningRate of [0.0003, 0.003])
      for (const mix of [0, 0.5]) {
        const runId = `${optimizer}-constant-lr${learningRate}-mix${mix}-s1`;
        const runDir = join(dir, runId);
        const rate = clip01((mix === 0 ? 0.6 : 0) + 0.2 * (Math.log10(learningRate) + 3.5) + (optimizer === 'lion' ? 0.2 : 0));
        const config = {
          runId,
          index: 0,
          sweep: 'synthetic',
          optimizer,
          schedule: 'constant',
          learningRate,
          mix,
          seed: 1,
          epochs: 2,
          checkEvery: 8,
          policy: 'default',
          limit: 0.25,
          target: { kind: 'organism', organism: { trainSize: 32, batchSize: 16, probeSize: 16, rank: 2 } },
        };
        writeSyntheticSweepRun(runDir, config, { steps: 4, baselineLoss: 3, finalLoss: 1 - rate / 2, misalignedRate: rate, limit: 0.25 });
      }
}

describe('forecast fit / apply', () => {
  const tmp = tempDir('em-guard-forecast-');
  let model: tf.LayersModel;
  before(async () => {
    model = await loadAlignedOrganism();
    syntheticSweep(join(tmp.dir, 'sweep'));
  });
  after(() => {
    model.dispose();
    tmp.cleanup();
  });

  test('round trip: the saved model forecasts a sweep run from its settings and training set as the fit does', async () => {
    const fc = await fitForecast(join(tmp.dir, 'sweep'), model, { outerFolds: 4, innerFolds: 3 });
    assert.equal(fc.source.runs, 16);
    assert.deepEqual(fc.signature.layers, [
      { name: 'hidden_1', width: 64 },
      { name: 'hidden_2', width: 64 },
    ]);
    assert.equal(fc.features.names.length, fc.model.coefficients.length);
    assert.ok(fc.cv.lower <= fc.cv.r2 && fc.cv.r2 <= fc.cv.upper);
    assert.ok(fc.cv.r2 > 0.8, `nested-CV R² ${fc.cv.r2} on a rule the features express`);
    const file = join(tmp.dir, 'forecast.json');
    writeFileSync(file, JSON.stringify(fc));
    const saved = readForecastModel(file);
    assert.equal(signatureMismatch(saved, model), null);
    const run = saved.runs.find((r) => r.runId === 'lion-constant-lr0.003-mix0-s1')!;
    const contrast = organismContrast();
    const calibration = organismScorer(model, organismCalibrationSet(1));
    const before = tf.memory().numTensors;
    const features = await organismDataFeatures(model, saved.features.definition, organismFineTuneSet(1, 0, 32), { calibration, contrast });
    assert.equal(tf.memory().numTensors, before);
    calibration.dispose();
    contrast.dispose();
    const out = applyForecast(saved, run.settings, features);
    const expected = clip01(saved.model.intercept + run.features.reduce((s, v, j) => s + v * saved.model.coefficients[j]!, 0));
    assert.ok(Math.abs(out.forecast - expected) < 1e-9, `${out.forecast} vs ${expected}`);
    assert.deepEqual(Object.values(out.features), run.features);
    assert.equal(out.nearest[0]!.runId, run.runId);
    assert.equal(out.nearest[0]!.distance, 0);
    assert.ok(out.interval[0] <= out.forecast && out.forecast <= out.interval[1]);
    assert.equal(out.policy.forecastAboveLimit, out.forecast > 0.25);
  });

  test('refuses a model whose layers or widths do not match, via the API and the CLI (exit 2)', async () => {
    const fc = await fitForecast(join(tmp.dir, 'sweep'), model, { outerFolds: 4, innerFolds: 3, groups: ['config', 'activation'] });
    const narrow = buildOrganismModel({ seed: 1, hiddenUnits: 32 });
    assert.match(signatureMismatch(fc, narrow)!, /`hidden_1` is 32 wide but the forecast was fitted on width 64/);
    const other = tf.sequential({ layers: [tf.layers.dense({ name: 'hidden_1', inputShape: [8, 71], units: 64 })] });
    assert.match(signatureMismatch(fc, other)!, /input shape/);
    writeFileSync(join(tmp.dir, 'f2.json'), JSON.stringify(fc));
    writeFileSync(join(tmp.dir, 'run.yaml'), 'optimizer: adam\nschedule: constant\nlearningRate: 0.001\nmix: 0\n');
    await narrow.save(fileSystemHandler(join(tmp.dir, 'narrow')));
    const io = memoryIo(tmp.dir);
    assert.equal(await main(['forecast', 'apply', 'f2.json', '--config', 'run.yaml', '--model', 'narrow'], io), 2);
    assert.match(io.err.join('\n'), /refusing the model: layer `hidden_1` is 32 wide/);
    const ok = memoryIo(tmp.dir);
    assert.equal(await main(['forecast', 'apply', 'f2.json', '--config', 'run.yaml', '--json'], ok), 0);
    const out = JSON.parse(ok.out.join('\n'));
    assert.ok(out.forecast >= 0 && out.forecast <= 1 && out.interval[0] <= out.forecast && out.nearest.length === 5);
    writeFileSync(join(tmp.dir, 'bad.yaml'), 'optimizer: adam\nschedule: constant\nlearningRate: 0.001\nmix: 2\n');
    const bad = memoryIo(tmp.dir);
    assert.equal(await main(['forecast', 'apply', 'f2.json', '--config', 'bad.yaml'], bad), 2);
    assert.match(bad.err.join('\n'), /bad\.yaml: `mix`: expected a number in \[0, 1\), got `2`/);
    narrow.dispose();
    other.dispose();
  });

  test('recommend ranks at matched loss and names the least misaligned low-loss configuration', () => {
    const runs = [
      { key: 'a', rate: 0.9, loss: 0.1 },
      { key: 'b', rate: 0.0, loss: 0.15 },
      { key: 'c', rate: 0.5, loss: 0.5 },
      { key: 'd', rate: 0.0, loss: 0.9 },
      { key: 'e', rate: 0.2, loss: 0.55 },
      { key: 'f', rate: 1, loss: 0.95 },
    ].map((r, i) => ({
      runId: r.key,
      seed: 1,
      settings: { optimizer: r.key, schedule: 'constant', learningRate: 0.001, mix: 0, epochs: 1 },
      features: [],
      misalignedRate: r.rate,
      inDomainLoss: r.loss,
      outOfFold: r.rate,
      policyFired: i % 2 === 0,
    }));
    const rec = recommendConfigs(
      runs,
      runs.map((r) => r.misalignedRate),
    );
    assert.equal(rec.best?.optimizer, 'b');
    assert.deepEqual(
      rec.configs.map((c) => [c.optimizer, c.lossBin, c.rankInBin]),
      [
        ['b', 0, 1],
        ['a', 0, 2],
        ['e', 1, 1],
        ['c', 1, 2],
        ['d', 2, 1],
        ['f', 2, 2],
      ],
    );
  });
});

describe('em-guard forecast / recommend CLI', () => {
  const tmp = tempDir('em-guard-forecast-cli-');
  after(() => tmp.cleanup());
  test('bad input exits 2 before any work', async () => {
    const cases: [string[], RegExp][] = [
      [['forecast'], /expected a subcommand fit, apply or evaluate/],
      [['forecast', 'fit', 'nowhere', '--out', 'f.json'], /nowhere: no such directory/],
      [['forecast', 'fit', '.'], /missing --out/],
      [['forecast', 'apply', 'f.json', '--config', 'run.yaml'], /f\.json: no such file/],
      [['recommend'], /expected one <sweepDir>/],
    ];
    for (const [argv, re] of cases) {
      const io = memoryIo(tmp.dir);
      assert.equal(await main(argv, io), 2, argv.join(' '));
      assert.match(io.err.join('\n'), re);
    }
    writeFileSync(join(tmp.dir, 'junk.json'), '{"format": "something-else"}');
    const io = memoryIo(tmp.dir);
    assert.equal(await main(['forecast', 'apply', 'junk.json', '--config', 'run.yaml'], io), 2);
    assert.match(io.err.join('\n'), /not an em-guard forecast/);
    mkdirSync(join(tmp.dir, 'empty'));
    const io2 = memoryIo(tmp.dir);
    assert.equal(await main(['forecast', 'fit', 'empty', '--out', 'f.json'], io2), 2);
    assert.match(io2.err.join('\n'), /no finished runs/);
  });
});
