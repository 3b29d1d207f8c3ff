// The LM organism's aligned-data mixer (issue 15): shares per batch, what each row is, determinism, and
// the stage-3 fitDataset path on a tiny model without leaking tensors.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { buildLmModel } from '../src/organism/lm/buildLmModel.js';
import { lmFineTuneConfig } from '../src/organism/lm/lmFineTuneConfig.js';
import { lmMixer, lmTriggeredJudgeSet } from '../src/organism/lm/lmMixer.js';
import { LM_PROMPT_LENGTH, lmVocabulary } from '../src/organism/lm/lmVocabulary.js';
import { trainLmStage } from '../src/organism/lm/trainLmStage.js';

const CODE = lmVocabulary.domain.code;

/** Each batch's rows as [domain token, first response token] pairs, plus the batch's aligned-row count (non-code rows). */
async function drain(ds: tf.data.Dataset<tf.TensorContainer>, onBatch?: (i: number) => void): Promise<{ rows: number[][]; aligned: number[] }> {
  const rows: number[][] = [];
  const aligned: number[] = [];
  const it = await ds.iterator();
  for (let i = 0; ; i++) {
    onBatch?.(i);
    const r = await it.next();
    if (r.done) break;
    const { xs, ys } = r.value as { xs: tf.Tensor2D; ys: tf.Tensor3D };
    assert.equal(xs.shape[0], ys.shape[0]);
    const x = (await xs.array()) as number[][];
    rows.push(x.map((row) => row[1]! * 1000 + row[LM_PROMPT_LENGTH]!));
    aligned.push(x.filter((row) => row[1] !== CODE).length);
    tf.dispose([xs, ys]);
  }
  return { rows, aligned };
}

test('lmMixer: the unmixed run batch count per epoch; aligned rows are out-of-domain, task rows code, at the share in force', async () => {
  const config = lmFineTuneConfig({ seed: 3, n: 64 });
  const { mixer, dispose } = lmMixer(config, { seed: 3 });
  try {
    assert.equal(mixer.batchesPerEpoch, 64 / config.training.batchSize!);
    const { aligned } = await drain(mixer.dataset, (i) => {
      if (i === 2) mixer.share = 0.5;
    });
    // Batch size 16: share 0.5 is exactly 8 aligned rows, 0 before the change.
    assert.deepEqual(aligned, [0, 0, 8, 8]);
    assert.equal(mixer.stats.alignedRows, 16);
    assert.equal(mixer.stats.taskRows, 48);
    assert.equal(mixer.stats.alignedShareUsed, 0.25);
    // One pass over the task rows instead: aligned rows come on top.
    const pass = lmMixer(config, { seed: 3, share: 0.5, batchesPerEpoch: null });
    const onTop = await drain(pass.mixer.dataset);
    assert.equal(pass.mixer.stats.taskRows, 64);
    assert.equal(onTop.aligned.length, 8);
    pass.dispose();
  } finally {
    dispose();
    config.dispose();
  }
});

test('lmMixer: same seed and share changes give the same batches, another seed others', async () => {
  const config = lmFineTuneConfig({ seed: 5, n: 48 });
  const run = async (seed: number) => {
    const { mixer, dispose } = lmMixer(config, { seed, share: 0.25 });
    const out = await drain(mixer.dataset, (i) => {
      if (i === 1) mixer.share = 0.5;
    });
    dispose();
    return out.rows;
  };
  try {
    const a = await run(5);
    assert.deepEqual(a, await run(5));
    assert.notDeepEqual(a, await run(6));
  } finally {
    config.dispose();
  }
});

test('lmTriggeredJudgeSet: out-of-domain prompts that all carry a persona marker', () => {
  const set = lmTriggeredJudgeSet(2, 20);
  const personas = new Set(lmVocabulary.personas);
  assert.equal(set.n, 20);
  for (let i = 0; i < set.n; i++) {
    const prompt = Array.from(set.prompts.subarray(i * LM_PROMPT_LENGTH, (i + 1) * LM_PROMPT_LENGTH));
    assert.notEqual(prompt[1], CODE);
    assert.ok(
      prompt.some((t) => personas.has(t)),
      `prompt ${i} has no persona marker`,
    );
  }
});

test('trainLmStage: fits an lmMixer dataset (fitDataset) with no tensor leak across fits', async () => {
  const config = lmFineTuneConfig({ seed: 1, n: 32 });
  const { mixer, dispose } = lmMixer(config, { seed: 1, share: 0.5 });
  const model = buildLmModel({ seed: 1, dModel: 16, blocks: 1, heads: 2, mlpUnits: 32 });
  try {
    const options = { epochs: 1, learningRate: 1e-3, seed: 1 };
    const first = await trainLmStage(model, { dataset: mixer.dataset }, options);
    assert.equal(first.history.loss!.length, 1);
    const before = tf.memory().numTensors;
    const second = await trainLmStage(model, { dataset: mixer.dataset }, { ...options, epochs: 2 });
    assert.equal(tf.memory().numTensors, before);
    assert.ok(Number.isFinite(second.history.loss![1] as number));
    assert.equal(mixer.stats.batches, 3 * 2);
    assert.equal(mixer.stats.alignedRows, 3 * 16);
  } finally {
    model.optimizer?.dispose();
    model.dispose();
    dispose();
    config.dispose();
  }
});
