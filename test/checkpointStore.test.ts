import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CheckpointStore } from '../src/checkpoints/CheckpointStore.js';
import { CheckpointError } from '../src/checkpoints/CheckpointError.js';
import { loadCheckpoint } from '../src/checkpoints/loadCheckpoint.js';
import { fileSystemHandler } from '../src/io/fileSystemHandler.js';
import { AdamW } from '../src/training/AdamW.js';
import { seededRandom, tempDir, useBackend } from './helpers.js';

await useBackend();

function makeModel(optimizer: string | tf.Optimizer = 'adam'): tf.LayersModel {
  const model = tf.sequential({ layers: [tf.layers.dense({ units: 8, inputShape: [4], activation: 'relu' }), tf.layers.dense({ units: 3 })] });
  model.compile({ optimizer, loss: 'meanSquaredError' });
  return model;
}

function data(seed: number): { x: tf.Tensor2D; y: tf.Tensor2D } {
  const r = seededRandom(seed);
  return { x: tf.tensor2d(Array.from({ length: 32 * 4 }, r), [32, 4]), y: tf.tensor2d(Array.from({ length: 32 * 3 }, r), [32, 3]) };
}

async function train(model: tf.LayersModel, seed: number, epochs = 2): Promise<void> {
  const { x, y } = data(seed);
  await model.fit(x, y, { epochs, batchSize: 8, verbose: 0, shuffle: false });
  tf.dispose([x, y]);
}

async function predict(model: tf.LayersModel): Promise<number[]> {
  const { x, y } = data(99);
  const p = model.predict(x) as tf.Tensor;
  const out = Array.from(await p.data());
  tf.dispose([x, y, p]);
  return out;
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof CheckpointError, `expected a CheckpointError, got ${String(e)}`);
    return e.code;
  }
  return 'no error';
}

const meta = (step: number, extra: Partial<{ safe: boolean; loss: number | null; epoch: number }> = {}) => ({
  step,
  epoch: extra.epoch ?? 0,
  metrics: { loss: extra.loss ?? step, 'overlap@dense_1': 0.5 },
  safe: extra.safe ?? true,
  reason: 'periodic',
});

test('round trip: train, checkpoint, mutate, restoreInto -> identical predictions; files in the tfjs format', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const model = makeModel();
    await train(model, 1);
    const store = new CheckpointStore({ runDir: dir });
    const m = await store.save(model, { ...meta(150, { epoch: 2 }) });
    assert.equal(m.id, 'ckpt-000150-e002');
    const expected = await predict(model);
    await train(model, 2);
    assert.notDeepEqual(await predict(model), expected);
    const restored = await store.restoreInto(model, 'latest');
    assert.equal(restored.id, m.id);
    assert.deepEqual(await predict(model), expected);

    const ckdir = join(dir, 'checkpoints', m.id);
    assert.deepEqual(readdirSync(ckdir).sort(), ['manifest.json', 'model.json', 'weights.bin']);
    const json = JSON.parse(readFileSync(join(ckdir, 'model.json'), 'utf8'));
    assert.deepEqual(json.weightsManifest[0].paths, ['./weights.bin']);
    assert.equal(json.trainingConfig.loss, 'mean_squared_error');
    // Any tfjs file:// reader loads it.
    const other = await tf.loadLayersModel(fileSystemHandler(ckdir));
    assert.deepEqual(await predict(other), expected);
    const loaded = await loadCheckpoint(dir, m.id);
    assert.deepEqual(await predict(loaded.model), expected);
    assert.equal(loaded.path, ckdir);
    assert.deepEqual(JSON.parse(readFileSync(join(ckdir, 'manifest.json'), 'utf8')), m);
    assert.equal(m.files['weights.bin']!.bytes, (4 * 8 + 8 + 8 * 3 + 3) * 4);
    assert.equal(m.hasOptimizer, false);
    assert.match(m.created, /^\d{4}-\d\d-\d\dT/);
    for (const m of [model, other, loaded.model]) m.dispose();
  } finally {
    cleanup();
  }
});

test('ids are unique and index order is creation order; non-finite metrics stored as null', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const model = makeModel();
    const store = new CheckpointStore({ runDir: dir, keep: 10 });
    const a = await store.save(model, meta(5));
    const b = await store.save(model, { ...meta(5), metrics: { loss: Number.NaN, acc: Infinity, ok: 1 } });
    const c = await store.save(model, meta(5));
    assert.deepEqual([a.id, b.id, c.id], ['ckpt-000005-e000', 'ckpt-000005-e000-1', 'ckpt-000005-e000-2']);
    assert.deepEqual(b.metrics, { loss: null, acc: null, ok: 1 });
    // A second store on the same run dir continues the index.
    const again = new CheckpointStore({ runDir: dir, keep: 10 });
    const d = await again.save(model, meta(5));
    assert.equal(d.id, 'ckpt-000005-e000-3');
    assert.deepEqual(
      again.list().map((x) => x.id),
      [a.id, b.id, c.id, d.id],
    );
    model.dispose();
  } finally {
    cleanup();
  }
});

test('retention keeps the newest `keep`, the newest safe one and the best by metric; evicted dirs are removed', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const model = makeModel();
    const store = new CheckpointStore({ runDir: dir, keep: 2, keepBest: { metric: 'loss', mode: 'min' } });
    const losses = [5, 1, 4, 3, 6, 7, 8];
    const safe = [true, false, true, false, false, false, false];
    for (const [i, loss] of losses.entries()) await store.save(model, meta(i * 10, { loss, safe: safe[i]! }));
    await store.flush();
    const ids = store.list().map((c) => c.id);
    // best (loss 1, step 10), last safe (step 20), newest two (steps 50, 60).
    assert.deepEqual(ids, ['ckpt-000010-e000', 'ckpt-000020-e000', 'ckpt-000050-e000', 'ckpt-000060-e000']);
    const onDisk = readdirSync(join(dir, 'checkpoints'))
      .filter((f) => f !== 'index.json')
      .sort();
    assert.deepEqual(onDisk, ids);
    assert.equal((await loadCheckpoint(dir, 'best')).manifest.id, 'ckpt-000010-e000');
    assert.equal((await loadCheckpoint(dir, 'last-safe')).manifest.id, 'ckpt-000020-e000');
    assert.equal((await loadCheckpoint(dir, 'latest')).manifest.id, 'ckpt-000060-e000');

    const plain = tempDir();
    const noExtras = new CheckpointStore({ runDir: plain.dir, keep: 1, keepLastSafe: false });
    await noExtras.save(model, meta(1, { safe: true }));
    await noExtras.save(model, meta(2, { safe: false }));
    assert.deepEqual(
      noExtras.list().map((c) => c.id),
      ['ckpt-000002-e000'],
    );
    plain.cleanup();
    model.dispose();
  } finally {
    cleanup();
  }
});

test('best with mode max; ties go to the newest', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const model = makeModel();
    const store = new CheckpointStore({ runDir: dir, keep: 5, keepBest: { metric: 'acc', mode: 'max' } });
    for (const [step, acc] of [
      [1, 0.5],
      [2, 0.9],
      [3, 0.9],
      [4, 0.1],
    ] as const) {
      await store.save(model, { ...meta(step), metrics: { acc } });
    }
    await store.save(model, { ...meta(5), metrics: { acc: null } });
    assert.equal((await loadCheckpoint(dir, 'best')).manifest.step, 3);
    model.dispose();
  } finally {
    cleanup();
  }
});

test('a damaged file is refused with an error naming it; fallback takes the previous checkpoint', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const model = makeModel();
    const store = new CheckpointStore({ runDir: dir, keep: 5 });
    await store.save(model, meta(1));
    const before = await predict(model);
    await train(model, 3, 1);
    const second = await store.save(model, meta(2));
    const weights = join(dir, 'checkpoints', second.id, 'weights.bin');
    const bytes = readFileSync(weights);
    bytes[10] = bytes[10]! ^ 0xff;
    writeFileSync(weights, bytes);

    await assert.rejects(
      loadCheckpoint(dir, 'latest'),
      (e: CheckpointError) => e.code === 'HASH_MISMATCH' && e.file === weights && e.message.includes(weights),
    );
    const fell = await loadCheckpoint(dir, 'latest', { fallback: true });
    assert.equal(fell.manifest.step, 1);
    assert.deepEqual(
      fell.skipped.map((s) => s.code),
      ['HASH_MISMATCH'],
    );
    assert.deepEqual(await predict(fell.model), before);
    assert.equal((await store.restoreInto(model, 'latest', { fallback: true })).step, 1);
    assert.deepEqual(await predict(model), before);

    writeFileSync(weights, bytes.subarray(0, 12));
    assert.equal(await codeOf(loadCheckpoint(dir, second.id)), 'SIZE_MISMATCH');
    const modelJson = join(dir, 'checkpoints', second.id, 'model.json');
    writeFileSync(weights, Buffer.from(bytes.map((b, i) => (i === 10 ? b ^ 0xff : b))));
    writeFileSync(join(dir, 'checkpoints', second.id, 'manifest.json'), '{');
    assert.equal(await codeOf(loadCheckpoint(dir, second.id)), 'CORRUPT_MANIFEST');
    const { rmSync } = await import('node:fs');
    rmSync(modelJson);
    await assert.rejects(loadCheckpoint(dir, second.id), (e: CheckpointError) => e.code === 'MISSING_FILE' && e.file === modelJson);
    // Every candidate damaged: fallback fails too, naming the first bad file.
    rmSync(join(dir, 'checkpoints', 'ckpt-000001-e000', 'weights.bin'));
    await assert.rejects(
      loadCheckpoint(dir, 'latest', { fallback: true }),
      (e: CheckpointError) => e.code === 'MISSING_FILE' && /fallback found no intact checkpoint among 2/.test(e.message),
    );
    for (const m of [model, fell.model]) m.dispose();
  } finally {
    cleanup();
  }
});

test('selector and input errors carry codes', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const model = makeModel();
    assert.equal(await codeOf(loadCheckpoint(dir, 'latest')), 'NO_CHECKPOINTS');
    const store = new CheckpointStore({ runDir: dir });
    assert.equal(await codeOf(store.restoreInto(model, 'latest')), 'NO_CHECKPOINTS');
    await store.save(model, meta(1, { safe: false }));
    assert.equal(await codeOf(loadCheckpoint(dir, 'last-safe')), 'NO_SAFE');
    assert.equal(await codeOf(loadCheckpoint(dir, 'best')), 'NO_BEST_METRIC');
    assert.equal(await codeOf(loadCheckpoint(dir, '../../etc')), 'INVALID_ID');
    assert.equal(await codeOf(loadCheckpoint(dir, 'a/b')), 'INVALID_ID');
    await assert.rejects(loadCheckpoint(dir, 'ckpt-999'), (e: CheckpointError) => e.code === 'UNKNOWN_ID' && e.message.includes('known: ckpt-000001-e000'));
    const withBest = new CheckpointStore({ runDir: dir, keepBest: { metric: 'nope', mode: 'min' } });
    await withBest.save(model, meta(2));
    assert.equal(await codeOf(loadCheckpoint(dir, 'best')), 'NO_BEST');

    const wrong = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [4] })] });
    await assert.rejects(
      store.restoreInto(wrong, 'latest'),
      (e: CheckpointError) => e.code === 'SHAPE_MISMATCH' && /has 4 weight tensors but model .* has 2/.test(e.message),
    );
    const wide = tf.sequential({ layers: [tf.layers.dense({ units: 9, inputShape: [4] }), tf.layers.dense({ units: 3 })] });
    await assert.rejects(
      store.restoreInto(wide, 'latest'),
      (e: CheckpointError) => e.code === 'SHAPE_MISMATCH' && /float32\[4,8\] but model weight .* is float32\[4,9\]/.test(e.message),
    );

    writeFileSync(join(dir, 'checkpoints', 'index.json'), '{"format":');
    assert.equal(await codeOf(loadCheckpoint(dir, 'latest')), 'CORRUPT_INDEX');

    for (const bad of [{ runDir: '' }, { runDir: dir, keep: 0 }, { runDir: dir, keep: 1.5 }, { runDir: dir, keepBest: { metric: 'x', mode: 'up' } }]) {
      assert.throws(
        () => new CheckpointStore(bad as never),
        (e: CheckpointError) => e.code === 'INVALID_ARGUMENT' && /^Expected `/.test(e.message),
      );
    }
    const ok = tempDir();
    const s2 = new CheckpointStore({ runDir: ok.dir });
    for (const m of [
      { ...meta(-1) },
      { ...meta(1.5) },
      { ...meta(1), epoch: -1 },
      { ...meta(1), safe: 'yes' },
      { ...meta(1), reason: 3 },
      { ...meta(1), metrics: null },
    ]) {
      await assert.rejects(s2.save(model, m as never), (e: CheckpointError) => e.code === 'INVALID_ARGUMENT' && /^Expected `/.test(e.message));
    }
    await assert.rejects(
      s2.save(tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [1] })] }), { ...meta(1), includeOptimizer: true }),
      (e: CheckpointError) => e.code === 'NO_OPTIMIZER',
    );
    ok.cleanup();
    for (const m of [model, wrong, wide]) m.dispose();
  } finally {
    cleanup();
  }
});

test('Adam state round trip: restored optimizer continues training exactly like the original', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const model = makeModel(tf.train.adam(0.01));
    await train(model, 4);
    const store = new CheckpointStore({ runDir: dir });
    const m = await store.save(model, { ...meta(8), includeOptimizer: true });
    assert.equal(m.hasOptimizer, true);
    assert.ok(m.files['optimizer.bin'] && m.files['optimizer.json']);
    const optJson = JSON.parse(readFileSync(join(dir, 'checkpoints', m.id, 'optimizer.json'), 'utf8'));
    assert.equal(optJson.className, 'Adam');
    assert.equal(optJson.weightSpecs.length, 1 + 2 * 4);

    // Reference: continue training the original.
    await train(model, 5, 1);
    const reference = await predict(model);

    // Same model object: roll back weights + state, continue identically.
    await store.restoreInto(model, m.id);
    await train(model, 5, 1);
    assert.deepEqual(await predict(model), reference);

    // Weights only: Adam state differs, so the continuation differs.
    await store.restoreInto(model, m.id, { restoreOptimizer: false });
    await train(model, 5, 1);
    assert.notDeepEqual(await predict(model), reference);

    // Fresh instance from disk: compiled from the saved training config, state restored.
    const loaded = await loadCheckpoint(dir, 'latest');
    assert.ok(loaded.model.optimizer);
    await train(loaded.model, 5, 1);
    assert.deepEqual(await predict(loaded.model), reference);

    // A different optimizer class is refused.
    const sgd = makeModel('sgd');
    await assert.rejects(
      store.restoreInto(sgd, m.id, { restoreOptimizer: true }),
      (e: CheckpointError) => e.code === 'OPTIMIZER_MISMATCH' && /Adam state but .* uses SGD/.test(e.message),
    );
    const noState = await store.save(model, meta(9));
    const beforeFailedRestore = await predict(model);
    assert.equal(await codeOf(store.restoreInto(model, noState.id, { restoreOptimizer: true })), 'NO_OPTIMIZER');
    assert.equal(await codeOf(store.restoreInto(model, m.id, { restoreOptimizer: true })), 'no error');
    await train(model, 6, 1);
    const moved = await predict(model);
    assert.notDeepEqual(moved, beforeFailedRestore);
    // A refused restore changes nothing: not the weights, not the optimizer state.
    assert.equal(await codeOf(store.restoreInto(model, noState.id, { restoreOptimizer: true })), 'NO_OPTIMIZER');
    assert.deepEqual(await predict(model), moved);
    assert.equal(await codeOf(store.restoreInto(sgd, m.id, { restoreOptimizer: true })), 'OPTIMIZER_MISMATCH');
    for (const m of [model, loaded.model, sgd]) m.dispose();
  } finally {
    cleanup();
  }
});

test('AdamW (an optimizer whose setWeights disposes its old slots) round-trips without double disposal or leaks', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const model = makeModel(new AdamW({ learningRate: 0.01, weightDecay: 0.1 }));
    await train(model, 7, 1);
    const store = new CheckpointStore({ runDir: dir });
    const m = await store.save(model, { ...meta(1), includeOptimizer: true });
    await train(model, 8, 1);
    const reference = await predict(model);
    await store.restoreInto(model, m.id);
    const start = tf.memory().numTensors;
    await store.restoreInto(model, m.id);
    assert.equal(tf.memory().numTensors, start);
    await train(model, 8, 1);
    assert.deepEqual(await predict(model), reference);
    model.dispose();
  } finally {
    cleanup();
  }
});

test('save and restoreInto leave the tensor count unchanged', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const model = makeModel(tf.train.adam(0.01));
    await train(model, 6, 1);
    const store = new CheckpointStore({ runDir: dir, keep: 2 });
    await store.save(model, { ...meta(1), includeOptimizer: true });
    await store.restoreInto(model, 'latest');
    const start = tf.memory().numTensors;
    for (let i = 2; i < 6; i++) {
      await store.save(model, { ...meta(i), includeOptimizer: true });
      await store.restoreInto(model, 'latest');
      await store.restoreInto(model, 'latest', { restoreOptimizer: false });
    }
    assert.equal(tf.memory().numTensors, start);
    model.dispose();
  } finally {
    cleanup();
  }
});

test('leftovers of a crashed writer are removed on open: temp dirs of dead pids and unlisted checkpoint dirs', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const model = makeModel();
    const store = new CheckpointStore({ runDir: dir });
    const m = await store.save(model, meta(1));
    const cps = join(dir, 'checkpoints');
    mkdirSync(join(cps, '.tmp-ckpt-000002-e000-999999999-0badf00d'));
    mkdirSync(join(cps, `.tmp-ckpt-000003-e000-${process.pid}-0badf00d`)); // a live writer: not ours to remove
    writeFileSync(join(cps, '.index.json.999999999.0badf00d.tmp'), '{');
    mkdirSync(join(cps, 'ckpt-000004-e000'));
    mkdirSync(join(cps, 'notes'));
    new CheckpointStore({ runDir: dir });
    assert.deepEqual(readdirSync(cps).sort(), [`.tmp-ckpt-000003-e000-${process.pid}-0badf00d`, m.id, 'index.json', 'notes'].sort());
    assert.equal(existsSync(join(cps, m.id, 'weights.bin')), true);
    model.dispose();
  } finally {
    cleanup();
  }
});

test('concurrent saves are serialised', async () => {
  const { dir, cleanup } = tempDir();
  try {
    const model = makeModel();
    const store = new CheckpointStore({ runDir: dir, keep: 10 });
    const ids = (await Promise.all([1, 2, 3, 4].map((s) => store.save(model, meta(s))))).map((m) => m.step);
    assert.deepEqual(ids, [1, 2, 3, 4]);
    assert.deepEqual(
      store.list().map((c) => c.step),
      [1, 2, 3, 4],
    );
    model.dispose();
  } finally {
    cleanup();
  }
});
