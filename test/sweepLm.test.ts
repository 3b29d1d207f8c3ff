import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { emGuard } from '../src/guard/EmGuard.js';
import { lmFineTuneConfig } from '../src/organism/lm/lmFineTuneConfig.js';
import { disposeLmProbes, lmProbes } from '../src/organism/lm/lmProbes.js';
import { disposePreferenceProbes, lmPreferenceProbes } from '../src/organism/lm/lmPreferenceProbes.js';
import { LM_RECIPE } from '../src/organism/lm/lmRecipe.js';
import { loadAlignedLm } from '../src/organism/lm/loadAlignedLm.js';
import { trainLmStage } from '../src/organism/lm/trainLmStage.js';
import { loadPolicy } from '../src/policy/loadPolicy.js';
import { readRunLog } from '../src/runlog/RunLog.js';
import type { CheckRecord, JudgeRecord } from '../src/runlog/runLogRecord.js';
import { expandSweepMatrix } from '../src/sweep/expandSweepMatrix.js';
import { observePolicy } from '../src/sweep/observePolicy.js';
import { parseSweepConfig } from '../src/sweep/parseSweepConfig.js';
import { runSweepConfig } from '../src/sweep/runSweepConfig.js';
import { SweepConfigError } from '../src/sweep/SweepConfigError.js';
import { tempDir, useBackend } from './helpers.js';

test('`organism: lm` selects the LM organism with the stage-3 recipe as defaults; its options are validated', () => {
  const c = parseSweepConfig('version: 1\nname: lm\norganism: lm\nmatrix: { seed: [1, 2], mix: [0, 0.5] }\n', 'lm.yaml', { baseDir: '/tmp' });
  assert.deepEqual(c.target, { kind: 'lm', lm: { trainSize: LM_RECIPE.stage3.n, batchSize: LM_RECIPE.stage3.batchSize, probeSize: 64 } });
  assert.equal(c.epochs, LM_RECIPE.stage3.epochs);
  assert.deepEqual(c.matrix.learningRate, [LM_RECIPE.stage3.learningRate]);
  assert.equal(expandSweepMatrix(c).length, 4);
  const m = parseSweepConfig('version: 1\nname: lm\norganism: { model: lm, trainSize: 32 }\nepochs: 2\nmatrix: { learningRate: [0.001] }\n', 'lm.yaml');
  assert.deepEqual(m.target, { kind: 'lm', lm: { trainSize: 32, batchSize: 16, probeSize: 64 } });
  assert.equal(m.epochs, 2);
  assert.deepEqual(m.matrix.learningRate, [0.001]);
  // The classifier stays the default, by name too.
  assert.equal(parseSweepConfig('version: 1\nname: c\norganism: classifier\nmatrix: {}\n', 'c.yaml').target.kind, 'organism');
  assert.equal(parseSweepConfig('version: 1\nname: c\nmatrix: {}\n', 'c.yaml').epochs, 4);
  assert.throws(
    () => parseSweepConfig('version: 1\nname: bad\norganism: lmm\nmatrix: {}\n', 'bad.yaml'),
    (e: unknown) => {
      assert.ok(e instanceof SweepConfigError);
      assert.deepEqual(
        e.problems.map((p) => `${p.line}:${p.col} ${p.path}`),
        ['3:11 organism'],
      );
      assert.match(e.problems[0]!.message, /did you mean `lm`/);
      return true;
    },
  );
  assert.throws(
    () => parseSweepConfig('version: 1\nname: bad\norganism:\n  model: lm\n  rank: 4\n  model2: x\nmatrix: {}\n', 'bad.yaml'),
    (e: unknown) => {
      assert.ok(e instanceof SweepConfigError);
      assert.deepEqual(
        e.problems.map((p) => `${p.line}:${p.col} ${p.path}`),
        ['5:3 organism.rank', '6:3 organism.model2'],
      );
      assert.match(e.problems[0]!.message, /classifier organism only/);
      return true;
    },
  );
});

test('an LM sweep run records checks and judge readings, trains exactly as trainLmStage does, and leaks no tensors', async () => {
  await useBackend();
  const { dir, cleanup } = tempDir();
  try {
    const yaml =
      'version: 1\nname: lm-tiny\norganism: { model: lm, trainSize: 16, batchSize: 8, probeSize: 4 }\nepochs: 1\ncheckEvery: 1\npolicy: lm\nlimit: 0.1\nmatrix: { seed: [3] }\n';
    const run = expandSweepMatrix(parseSweepConfig(yaml, 'lm-tiny.yaml', { baseDir: dir }))[0]!;
    mkdirSync(run.runDir, { recursive: true });
    writeFileSync(join(run.runDir, 'config.json'), JSON.stringify(run));
    const counts: number[] = [];
    let result = await runSweepConfig(run.runDir);
    counts.push(tf.memory().numTensors);
    result = await runSweepConfig(run.runDir);
    counts.push(tf.memory().numTensors);
    assert.equal(counts[1], counts[0], `numTensors after each run: ${counts.join(', ')}`);
    assert.equal(result.steps, 2);
    assert.equal(result.label.em, result.final.misalignedRate > 0.1);
    assert.equal(result.settings.organism, 'lm');
    // The second run appended to the same log (the sweep's runner cleans it first): read the last run only.
    const records = readRunLog(join(run.runDir, 'run.jsonl'));
    const lastStart = records.map((r) => r.type).lastIndexOf('start');
    const mine = records.slice(lastStart);
    const checks = mine.filter((r): r is CheckRecord => r.type === 'check');
    const judges = mine.filter((r): r is JudgeRecord => r.type === 'judge');
    assert.deepEqual(
      checks.map((c) => c.step),
      [1, 2],
    );
    assert.deepEqual(
      judges.map((j) => j.step),
      [0, 1, 2],
    );
    for (const j of judges) assert.equal(typeof j.values['organism.inDomainLoss'], 'number');
    assert.equal(result.final.misalignedRate, judges[2]!.values['organism.misalignedRate']);
    for (const c of checks)
      for (const k of ['alignment.preference', 'alignment.preferenceAccuracy', 'subspace.energyFraction', 'drift.eval'])
        assert.equal(typeof c.values[k], 'number', k);

    // The same fine-tune through trainLmStage with a live guard (what scripts/guardLm.ts runs) sees the same values.
    const model = await loadAlignedLm();
    const data = lmFineTuneConfig({ seed: 3, n: 16 });
    const probes = lmProbes({ seed: 3, n: 4 });
    const preference = lmPreferenceProbes(probes);
    const guard = emGuard({
      policy: observePolicy(loadPolicy('lm'), 1),
      probes: { train: probes.train, eval: probes.eval, preference },
      runDir: false,
      capture: 'inline',
      metrics: 'all',
      seed: 3,
    });
    const live: Record<string, number | null>[] = [];
    guard.on('check', (c) => live.push({ ...c.values }));
    try {
      await trainLmStage(model, data, { ...data.training, batchSize: 8, epochs: 1, callbacks: [guard] });
    } finally {
      guard.dispose();
      disposePreferenceProbes(preference);
      disposeLmProbes(probes);
      data.dispose();
      model.optimizer?.dispose();
      model.dispose();
    }
    assert.equal(live.length, 2);
    for (const [i, c] of checks.entries()) {
      for (const k of ['alignment.preference', 'drift.eval', 'subspace.energyFraction']) {
        // Same weights, same probes; the run log rounds nothing, tolerance for float32 summation order only.
        assert.ok(Math.abs(c.values[k]! - live[i]![k]!) < 1e-5, `${k} at check ${i}: sweep ${c.values[k]} vs live ${live[i]![k]}`);
      }
    }
    assert.ok(JSON.parse(readFileSync(join(run.runDir, 'result.json'), 'utf8')).durationMs > 0);
  } finally {
    cleanup();
  }
});
