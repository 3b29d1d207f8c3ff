import * as tf from '@tensorflow/tfjs';
import { CheckpointStore, type CheckpointSaveMeta } from '../src/checkpoints/CheckpointStore.js';
import { WorkerCapture } from '../src/probes/WorkerCapture.js';
import { checkpointTestModel } from './helpers.js';

/**
 * `checkpointTestModel()` fitted one epoch (so Adam's moments and iterations exist) and a ready capture
 * worker on its layer `h`: the set-up of the tests that compare worker-made checkpoints with inline ones.
 */
export async function fittedModelWithWorker(): Promise<{ model: tf.LayersModel; worker: WorkerCapture; dispose: () => Promise<void> }> {
  const model = checkpointTestModel();
  const x = tf.randomNormal([16, 4], 0, 1, 'float32', 1);
  const y = tf.randomNormal([16, 3], 0, 1, 'float32', 2);
  await model.fit(x, y, { batchSize: 8, epochs: 1, verbose: 0 });
  tf.dispose([x, y]);
  const probes = tf.randomNormal([4, 4], 0, 1, 'float32', 3);
  const worker = new WorkerCapture(model, ['h'], { pooling: 'last', batchSize: 4 }, new Map([['eval', probes]]));
  const dispose = async () => {
    await worker.release({ discard: true });
    probes.dispose();
    model.dispose();
  };
  try {
    await worker.ready;
  } catch (e) {
    await dispose();
    throw e;
  }
  return { model, worker, dispose };
}

/** The checkpoint the training thread writes of `model` in `runDir`: the reference a worker-made one must equal. */
export async function inlineCheckpoint(runDir: string, model: tf.LayersModel, meta: CheckpointSaveMeta & { includeOptimizer: boolean }) {
  const store = new CheckpointStore({ runDir });
  const written = await store.saveCaptured(await store.captureState(model, meta.includeOptimizer), meta).written;
  return { ...written, dir: store.dir };
}
