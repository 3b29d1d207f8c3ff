// Child process of checkpointCrash.test.ts: writes checkpoints in a loop until it is SIGKILLed.
// argv: runDir seed. Prints `begin <step>` before and `end <step> <ms>` after every save. The last
// layer's bias is filled with the step number, so the parent can tell which save's bytes it loaded.
import * as tf from '@tensorflow/tfjs';
import { CheckpointStore } from '../src/checkpoints/CheckpointStore.js';
// Not from ./helpers.js: that also loads the wasm backend and every built-in plugin, a second of CPU per child.
import { seededRandom } from '../src/util/seededRandom.js';

const [runDir, seedArg] = process.argv.slice(2);
if (!runDir || !seedArg) throw new Error('usage: checkpointCrashChild.ts <runDir> <seed>');
await tf.setBackend('cpu');
const random = seededRandom(Number(seedArg));
const model = tf.sequential({
  layers: [
    tf.layers.dense({ units: 256, inputShape: [256], activation: 'relu' }),
    tf.layers.dense({ units: 256, activation: 'relu' }),
    tf.layers.dense({ units: 8 }),
  ],
});
model.compile({ optimizer: tf.train.adam(0.001), loss: 'meanSquaredError' });
const x = tf.randomNormal([4, 256]);
const y = tf.randomNormal([4, 8]);
await model.fit(x, y, { epochs: 1, verbose: 0 }); // Adam now has state to save
const store = new CheckpointStore({ runDir, keep: 2, keepBest: { metric: 'loss', mode: 'min' } });
const last = model.layers[model.layers.length - 1]!;
let step = store.list().reduce((m, c) => Math.max(m, c.step), 0);
process.stdout.write('ready\n');
for (;;) {
  step += 1;
  const [kernel, bias] = last.getWeights();
  const marker = tf.fill(bias!.shape, step);
  last.setWeights([kernel!, marker]);
  marker.dispose();
  process.stdout.write(`begin ${step}\n`);
  const t0 = performance.now();
  await store.save(model, {
    step,
    epoch: Math.floor(step / 10),
    metrics: { loss: random() },
    safe: random() < 0.3,
    reason: 'crash-test',
    includeOptimizer: step % 2 === 0,
  });
  process.stdout.write(`end ${step} ${(performance.now() - t0).toFixed(1)}\n`);
}
