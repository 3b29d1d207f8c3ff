import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { CheckpointStore } from '../src/checkpoints/CheckpointStore.js';
import { planPackedState } from '../src/checkpoints/packedModelState.js';
import { sha256 } from '../src/checkpoints/verifyCheckpoint.js';
import { fittedModelWithWorker, inlineCheckpoint } from './checkpointWorkerFixture.js';
import { assertSameCheckpointFiles, tempDir, useBackend } from './helpers.js';

test('a checkpoint packed and hashed on the capture worker has the same files, bytes and hashes as one copied on the training thread', async () => {
  await useBackend();
  const { model, worker, dispose } = await fittedModelWithWorker();
  const { dir, cleanup } = tempDir();
  try {
    for (const includeOptimizer of [true, false]) {
      const meta = { step: 2, epoch: 0, metrics: { loss: 0.5 }, safe: true, reason: 'test', includeOptimizer };
      const a = await inlineCheckpoint(join(dir, `inline-${includeOptimizer}`), model, meta);

      const before = tf.memory().numTensors;
      const plan = await planPackedState(model, includeOptimizer);
      const result = worker.capture(model, ['eval'], [], plan.extra);
      plan.dispose();
      assert.equal(tf.memory().numTensors, before, 'the plan leaves no tensor behind');
      const r = await result;
      assert.ok(r.packed, 'the worker packed the bytes');
      assert.equal(r.packed.weights.sha256, sha256(r.packed.weights.data));
      const packed = new CheckpointStore({ runDir: join(dir, `packed-${includeOptimizer}`) });
      const b = await packed.saveCaptured(plan.finish(r.packed), meta).written;

      assert.deepEqual(b.files, a.files);
      assert.equal(b.hasOptimizer, includeOptimizer);
      assertSameCheckpointFiles(a, { ...b, dir: packed.dir }, `includeOptimizer ${includeOptimizer}`);
      if (includeOptimizer) assert.ok(readFileSync(join(packed.dir, b.id, 'optimizer.bin')).length > 0);
    }
  } finally {
    await dispose();
    cleanup();
  }
});
