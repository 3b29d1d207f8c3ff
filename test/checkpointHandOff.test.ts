// The training thread's share of a checkpoint written during a fit: what is built once per fit
// (the topology), what is never asked of the disk (ids), and how evicted directories are removed.
// Each test pins the files to the ones the plain path writes, and counts the work it saves.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import { syncBuiltinESMExports } from 'node:module';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { diskCheckpointTarget } from '../src/checkpoints/checkpointTarget.js';
import { CheckpointStore, type CapturedModelState } from '../src/checkpoints/CheckpointStore.js';
import { packTensors, planPackedState } from '../src/checkpoints/packedModelState.js';
import { checkpointTestModel, assertSameCheckpointFiles, tempDir, useBackend } from './helpers.js';
import { fittedModelWithWorker, inlineCheckpoint } from './checkpointWorkerFixture.js';

/** Replaces `obj[name]` (a built-in module's export, seen by the modules that imported it) while `body` runs; counts the calls. */
async function counting<T extends object, K extends keyof T>(obj: T, name: K, body: (calls: unknown[][]) => Promise<void>): Promise<void> {
  const original = obj[name] as (...a: unknown[]) => unknown;
  const calls: unknown[][] = [];
  (obj as Record<K, unknown>)[name] = function (this: unknown, ...a: unknown[]) {
    calls.push(a);
    return original.apply(this, a);
  };
  syncBuiltinESMExports();
  try {
    await body(calls);
  } finally {
    (obj as Record<K, unknown>)[name] = original;
    syncBuiltinESMExports();
  }
}

async function trainOneBatch(model: tf.LayersModel, seed: number): Promise<void> {
  const x = tf.randomNormal([8, 4], 0, 1, 'float32', seed);
  const y = tf.randomNormal([8, 3], 0, 1, 'float32', seed + 1);
  await model.fit(x, y, { batchSize: 8, epochs: 1, verbose: 0 });
  tf.dispose([x, y]);
}

test("a fit's packed checkpoints build the model's topology once, and their files equal a fresh copy's, also after a layer's trainable flag changed", async () => {
  await useBackend();
  const { dir, cleanup } = tempDir();
  const model = checkpointTestModel();
  try {
    const target = diskCheckpointTarget(new CheckpointStore({ runDir: join(dir, 'fit'), keep: 10 }), true);
    const toJSON = model.toJSON.bind(model);
    let built = 0;
    model.toJSON = (...a: Parameters<typeof toJSON>) => {
      built += 1;
      return toJSON(...a);
    };
    const checkpoints: { id: string; step: number }[] = [];
    for (let step = 1; step <= 4; step++) {
      await trainOneBatch(model, 10 * step);
      // The layer's flag changes the topology and the order of `model.weights`: the next checkpoint must show it.
      if (step === 4) model.getLayer('h').trainable = false;
      const before = built;
      const packed = (await target.packedCopy(model))!;
      const copy = packed.finish({ weights: packTensors(model.weights.map((w) => w.read())), extra: packTensors(packed.extra) });
      packed.dispose();
      if (step > 1 && step < 4) assert.equal(built, before, `step ${step}: topology taken from the fit's first checkpoint`);
      const meta = { step, epoch: 0, metrics: { loss: step }, safe: true, reason: 'test' };
      checkpoints.push({ id: await target.keep(copy, meta), step });
      // The reference: the plain path (`model.save`) at the same step, in a store of its own.
      const fresh = await inlineCheckpoint(join(dir, `fresh-${step}`), model, { ...meta, includeOptimizer: true });
      const store = new CheckpointStore({ runDir: join(dir, 'fit'), keep: 10 });
      const kept = store.list().find((c) => c.id === checkpoints.at(-1)!.id)!;
      assert.deepEqual(kept.files, fresh.files, `step ${step}: same hashes and sizes`);
      assertSameCheckpointFiles(fresh, { ...kept, dir: store.dir }, `step ${step}`);
    }
    // One topology for steps 1-3, one more after the flag changed (and one per fresh reference).
    assert.equal(built, 2 + 4);
  } finally {
    model.dispose();
    cleanup();
  }
});

test("a nested model's layer changing its trainable flag reaches the next packed checkpoint", async () => {
  await useBackend();
  const { dir, cleanup } = tempDir();
  const inner = tf.sequential({ layers: [tf.layers.dense({ units: 8, inputShape: [4], activation: 'relu', name: 'h' })], name: 'inner' });
  const model = tf.sequential({ layers: [inner, tf.layers.dense({ units: 3, name: 'out' })] });
  model.compile({ optimizer: tf.train.adam(0.01), loss: 'meanSquaredError' });
  try {
    const target = diskCheckpointTarget(new CheckpointStore({ runDir: join(dir, 'fit'), keep: 10 }), true);
    for (let step = 1; step <= 2; step++) {
      await trainOneBatch(model, 10 * step);
      if (step === 2) inner.getLayer('h').trainable = false;
      const packed = (await target.packedCopy(model))!;
      const copy = packed.finish({ weights: packTensors(model.weights.map((w) => w.read())), extra: packTensors(packed.extra) });
      packed.dispose();
      const meta = { step, epoch: 0, metrics: {}, safe: true, reason: 'test' };
      const id = await target.keep(copy, meta);
      const fresh = await inlineCheckpoint(join(dir, `fresh-${step}`), model, { ...meta, includeOptimizer: true });
      const store = new CheckpointStore({ runDir: join(dir, 'fit'), keep: 10 });
      assertSameCheckpointFiles(fresh, { ...store.list().find((c) => c.id === id)!, dir: store.dir }, `step ${step}`);
    }
  } finally {
    model.dispose();
    cleanup();
  }
});

test('checkpoint ids are not probed on disk; an id whose write failed after its directory appeared is not reused', async () => {
  await useBackend();
  const { dir, cleanup } = tempDir();
  const model = checkpointTestModel();
  try {
    const store = new CheckpointStore({ runDir: dir, keep: 5 });
    const state = await store.captureState(model, false);
    const meta = { step: 7, epoch: 0, metrics: {}, safe: true, reason: 'test' };
    // A write that leaves the checkpoint's directory under its final name and then fails (as a
    // crash between its rename and the index would): that name stays taken.
    const failing: CapturedModelState = {
      ...state,
      remote: {
        files: {},
        write: async (target) => {
          fs.mkdirSync(target);
          throw new Error('disk full');
        },
        drop: () => undefined,
      },
    };
    await assert.rejects(store.saveCaptured(failing, meta).written, /disk full/);
    assert.ok(fs.existsSync(join(store.dir, 'ckpt-000007-e000')));
    await counting(fs, 'statSync', async (calls) => {
      const a = await store.saveCaptured(state, meta).written;
      const b = await store.saveCaptured(state, meta).written;
      assert.deepEqual([a.id, b.id], ['ckpt-000007-e000-1', 'ckpt-000007-e000-2']);
      assert.equal(calls.length, 0, 'no id probed with stat');
    });
  } finally {
    model.dispose();
    cleanup();
  }
});

test("evicted checkpoints are removed by their files' names, without a recursive rm; a directory with a foreign file still goes", async () => {
  await useBackend();
  const { dir, cleanup } = tempDir();
  const model = checkpointTestModel();
  try {
    const store = new CheckpointStore({ runDir: dir, keep: 1, keepLastSafe: false });
    await counting(fsp, 'rm', async (calls) => {
      for (let step = 1; step <= 3; step++) await store.save(model, { step, epoch: 0, metrics: {}, safe: true, reason: 'test', includeOptimizer: step !== 2 });
      await store.flush();
      assert.deepEqual(fs.readdirSync(store.dir).sort(), ['ckpt-000003-e000', 'index.json']);
      assert.equal(calls.length, 0, 'no recursive rm for directories holding only the store files');
      fs.writeFileSync(join(store.dir, 'ckpt-000003-e000', 'notes.txt'), 'mine');
      await store.save(model, { step: 4, epoch: 0, metrics: {}, safe: true, reason: 'test' });
      await store.flush();
      assert.deepEqual(fs.readdirSync(store.dir).sort(), ['ckpt-000004-e000', 'index.json']);
      assert.equal(calls.length, 1, 'the directory with a foreign file: removed by the recursive rm');
    });
  } finally {
    model.dispose();
    cleanup();
  }
});

test("a store hashes a fit's unchanged model.json and optimizer.json once; the manifests' hashes match the files", async () => {
  await useBackend();
  const { dir, cleanup } = tempDir();
  const model = checkpointTestModel();
  try {
    const store = new CheckpointStore({ runDir: dir, keep: 5 });
    await counting(crypto, 'createHash', async (calls) => {
      for (let step = 1; step <= 3; step++) {
        await trainOneBatch(model, step);
        await store.save(model, { step, epoch: 0, metrics: {}, safe: true, reason: 'test', includeOptimizer: true });
      }
      // weights.bin and optimizer.bin at every checkpoint, the two JSON files at the first only.
      assert.equal(calls.length, 3 * 2 + 2);
    });
    for (const c of store.list())
      for (const [name, info] of Object.entries(c.files))
        assert.equal(
          info.sha256,
          crypto
            .createHash('sha256')
            .update(fs.readFileSync(join(store.dir, c.id, name)))
            .digest('hex'),
          `${c.id}/${name}`,
        );
  } finally {
    model.dispose();
    cleanup();
  }
});

test('checkpoints the capture worker writes are evicted by the worker: no file-system call for them on this thread', async () => {
  await useBackend();
  const { model, worker, dispose } = await fittedModelWithWorker();
  const { dir, cleanup } = tempDir();
  try {
    const store = new CheckpointStore({ runDir: dir, keep: 1, keepLastSafe: false });
    const kept = async () => {
      const plan = await planPackedState(model, true);
      const r = await worker.capture(model, ['eval'], [], plan.extra, { keepPacked: true });
      plan.dispose();
      const id = r.kept!.id;
      return plan.finishRemote(r.kept!, {
        write: (d, files, tail, optimizerBin) => worker.writeKept(id, d, files, tail, optimizerBin),
        drop: () => worker.dropKept(id),
      });
    };
    const onDisk = () =>
      fs
        .readdirSync(store.dir)
        .filter((n) => n !== 'index.json')
        .sort();
    await counting(fsp, 'unlink', async (unlinks) => {
      await counting(fsp, 'rm', async (rms) => {
        for (let step = 1; step <= 3; step++) {
          const m = await store.saveCaptured(await kept(), { step, epoch: 0, metrics: {}, safe: true, reason: 'test', includeOptimizer: true }).written;
          // The worker removes the evicted directory after replying: wait for it (bounded).
          for (let i = 0; i < 200 && onDisk().length > 1; i++) await new Promise((resolve) => setTimeout(resolve, 10));
          assert.deepEqual(onDisk(), [m.id], `step ${step}`);
        }
        await store.flush();
        assert.equal(unlinks.length + rms.length, 0, 'nothing removed from this thread');
      });
    });
    assert.deepEqual(
      store.list().map((c) => c.id),
      ['ckpt-000003-e000'],
    );
  } finally {
    await dispose();
    cleanup();
  }
});
