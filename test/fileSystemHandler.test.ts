import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileSystemHandler } from '../src/io/fileSystemHandler.js';
import { tempDir, useBackend } from './helpers.js';

test('save + load round trip in the tfjs file format, predictions identical', async () => {
  await useBackend();
  const { dir, cleanup } = tempDir();
  try {
    const model = tf.sequential({ layers: [tf.layers.dense({ units: 4, inputShape: [3], activation: 'relu' }), tf.layers.dense({ units: 2 })] });
    model.compile({ optimizer: 'adam', loss: 'meanSquaredError' });
    await model.save(fileSystemHandler(dir));
    const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    assert.deepEqual(json.weightsManifest[0].paths, ['./weights.bin']);
    assert.equal(json.format, 'layers-model');
    assert.ok(json.modelTopology);
    assert.equal(readFileSync(join(dir, 'weights.bin')).byteLength, (3 * 4 + 4 + 4 * 2 + 2) * 4);
    assert.deepEqual(
      readdirSync(dir).filter((f) => f.endsWith('.tmp')),
      [],
    );
    const loaded = await tf.loadLayersModel(fileSystemHandler(dir));
    const x = tf.tensor2d([
      [1, 2, 3],
      [-1, 0.5, 2],
    ]);
    const a = model.predict(x) as tf.Tensor;
    const b = loaded.predict(x) as tf.Tensor;
    assert.deepEqual(Array.from(await a.data()), Array.from(await b.data()));
    tf.dispose([x, a, b]);
    model.dispose();
    loaded.dispose();
  } finally {
    cleanup();
  }
});

test('load names the missing file', async () => {
  const { dir, cleanup } = tempDir();
  try {
    await assert.rejects(tf.loadLayersModel(fileSystemHandler(join(dir, 'nope'))), /cannot read .*model\.json/);
    assert.equal(existsSync(join(dir, 'nope')), false);
  } finally {
    cleanup();
  }
});
