// fitTotalSteps: the number of batches a fit runs, from the params tfjs hands its callbacks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { fitTotalSteps } from '../src/guard/fitTotalSteps.js';
import { useBackend } from './helpers.js';

await useBackend();

test('fitTotalSteps: samples / batch size per epoch, steps per epoch, initial epoch, null when unknown', () => {
  assert.equal(fitTotalSteps({ epochs: 5, initialEpoch: 0, samples: 256, steps: null, batchSize: 16 }), 80);
  assert.equal(fitTotalSteps({ epochs: 2, samples: 10, batchSize: 4 }), 6); // a last short batch counts
  assert.equal(fitTotalSteps({ epochs: 3, initialEpoch: 1, samples: 8, batchSize: 4 }), 4);
  assert.equal(fitTotalSteps({ epochs: 4, initialEpoch: null, samples: null, steps: 7, batchSize: null }), 28); // fitDataset with batchesPerEpoch
  assert.equal(fitTotalSteps({ epochs: 4, samples: null, steps: null, batchSize: null }), null); // fitDataset without it
  assert.equal(fitTotalSteps({ epochs: 2, initialEpoch: 2, samples: 8, batchSize: 4 }), null);
  assert.equal(fitTotalSteps(undefined), null);
});

test('fitTotalSteps on what model.fit really passes: equals the batches the fit runs', async () => {
  const model = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [2] })] });
  model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
  const x = tf.zeros([10, 2]);
  const y = tf.zeros([10, 1]);
  let predicted: number | null = -1;
  let batches = 0;
  try {
    await model.fit(x, y, {
      epochs: 3,
      initialEpoch: 1,
      batchSize: 4,
      verbose: 0,
      callbacks: [
        new (class extends tf.Callback {
          override async onTrainBegin() {
            predicted = fitTotalSteps(this.params);
          }
          override async onBatchEnd() {
            batches++;
          }
        })(),
      ],
    });
  } finally {
    tf.dispose([x, y]);
    model.dispose();
  }
  assert.equal(batches, 6);
  assert.equal(predicted, batches);
});
