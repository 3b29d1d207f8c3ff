// Child of test/fitRejectedExit.test.ts: a guarded fit (capture worker up, checks running) whose
// other callback throws at batch `argv[2]`; tfjs then rejects `fit` without calling the guard's
// `onTrainEnd`, and the guard is not disposed. The process must still exit by itself.
import * as tf from '@tensorflow/tfjs';
import { emGuard } from '../src/guard/EmGuard.js';
import { loadBundledPolicy } from '../src/policy/loadPolicy.js';
import '../src/registerBuiltins.js';
import { useBackend, waitForWorker } from './helpers.js';

await useBackend();
const failAt = Number(process.argv[2]);
const model = tf.sequential({ layers: [tf.layers.dense({ units: 16, inputShape: [8], activation: 'relu' }), tf.layers.dense({ units: 4 })] });
model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
const x = tf.randomNormal([8 * 200, 8], 0, 1, 'float32', 1);
const y = tf.randomNormal([8 * 200, 4], 0, 1, 'float32', 2);
const probe = (seed: number) => tf.randomNormal([32, 8], 0, 1, 'float32', seed);
const guard = emGuard({
  probes: { train: probe(3), eval: probe(4) },
  runDir: false,
  policy: loadBundledPolicy('default'),
  capture: 'worker',
  unevaluable: 'ignore',
});
let batch = 0;
const failing = new tf.CustomCallback({
  onBatchEnd: () => {
    if (++batch === failAt) throw new Error('a user callback failed');
  },
});
try {
  await model.fit(x, y, { batchSize: 8, epochs: 1, verbose: 0, callbacks: [new tf.CustomCallback(waitForWorker(guard, 60_000)), failing, guard] });
  console.log('fit resolved');
} catch (e) {
  console.log(`fit rejected: ${(e as Error).message}; capture ${guard.captureWhere}; checks ${guard.timings.checks}`);
}
