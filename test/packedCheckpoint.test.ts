import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { CheckpointStore } from '../src/checkpoints/CheckpointStore.js';
import { planPackedState } from '../src/checkpoints/packedModelState.js';
import { sha256 } from '../src/checkpoints/verifyCheckpoint.js';
import { WorkerCapture } from '../src/probes/WorkerCapture.js';
import { assertSameCheckpointFiles, checkpointTestModel, tempDir, useBackend } from './helpers.js';

test('a checkpoint packed and hashed on the capture worker has the same files, bytes and hashes as one copied on the training thread', async () => {
  await useBackend();
  const model = checkpointTestModel();
  const x = tf.randomNormal([16, 4], 0, 1, 'float32', 1);
  const y = tf.randomNormal([16, 3], 0, 1, 'float32', 2);
  await model.fit(x, y, { batchSize: 8, epochs: 1, verbose: 0 }); // Adam moments and iterations exist
  const probes = tf.randomNormal([4, 4], 0, 1, 'float32', 3);
  const worker = new WorkerCapture(model, ['h'], { pooling: 'last', batchSize: 4 }, new Map([['eval', probes]]));
  const { dir, cleanup } = tempDir();
  try {
    await worker.ready;
    for (const includeOptimizer of [true, false]) {
      const meta = { step: 2, epoch: 0, metrics: { loss: 0.5 }, safe: true, reason: 'test', includeOptimizer };
      const inline = new CheckpointStore({ runDir: join(dir, `inline-${includeOptimizer}`) });
      const a = await inline.saveCaptured(await inline.captureState(model, includeOptimizer), meta).written;

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
      assertSameCheckpointFiles({ ...a, dir: inline.dir }, { ...b, dir: packed.dir }, `includeOptimizer ${includeOptimizer}`);
      if (includeOptimizer) assert.ok(readFileSync(join(packed.dir, b.id, 'optimizer.bin')).length > 0);
    }
  } finally {
    await worker.release({ discard: true });
    cleanup();
    tf.dispose([x, y, probes]);
    model.dispose();
  }
});
