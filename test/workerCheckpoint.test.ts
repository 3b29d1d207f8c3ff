import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { CheckpointStore } from '../src/checkpoints/CheckpointStore.js';
import { readIndex } from '../src/checkpoints/checkpointIndex.js';
import { loadCheckpoint } from '../src/checkpoints/loadCheckpoint.js';
import { planPackedState } from '../src/checkpoints/packedModelState.js';
import { WorkerCapture } from '../src/probes/WorkerCapture.js';
import { fittedModelWithWorker, inlineCheckpoint } from './checkpointWorkerFixture.js';
import { assertSameCheckpointFiles, checkpointTestModel, seededRandom, tempDir, useBackend } from './helpers.js';

/** A checkpoint of `model` whose bytes the worker packs and keeps, to be written there. */
async function keptCopy(worker: WorkerCapture, model: tf.LayersModel, includeOptimizer: boolean) {
  const plan = await planPackedState(model, includeOptimizer);
  const result = worker.capture(model, ['eval'], [], plan.extra, { keepPacked: true });
  plan.dispose();
  const r = await result;
  assert.ok(r.kept && !r.packed, 'the bytes stayed on the worker');
  const id = r.kept.id;
  return plan.finishRemote(r.kept, {
    write: (dir, files, tail, optimizerBin) => worker.writeKept(id, dir, files, tail, optimizerBin),
    drop: () => worker.dropKept(id),
  });
}

test('a checkpoint written by the capture worker from the bytes it packed has the files, bytes and hashes of one written on the training thread', async () => {
  await useBackend();
  const { model, worker, dispose } = await fittedModelWithWorker();
  const { dir, cleanup } = tempDir();
  try {
    for (const includeOptimizer of [true, false]) {
      const meta = { step: 2, epoch: 0, metrics: { loss: 0.5 }, safe: true, reason: 'test', includeOptimizer };
      const a = await inlineCheckpoint(join(dir, `inline-${includeOptimizer}`), model, meta);
      const remote = new CheckpointStore({ runDir: join(dir, `remote-${includeOptimizer}`) });
      const b = await remote.saveCaptured(await keptCopy(worker, model, includeOptimizer), meta).written;
      assert.deepEqual(b.files, a.files);
      assert.equal(b.hasOptimizer, includeOptimizer);
      assertSameCheckpointFiles(a, { ...b, dir: remote.dir }, `includeOptimizer ${includeOptimizer}`);
      assert.deepEqual(readIndex(remote.runDir)!.checkpoints, [b]);
      assert.deepEqual(
        readdirSync(remote.dir).filter((n) => n.startsWith('.')),
        [],
        'no temp dir or staged index left',
      );
      const loaded = await loadCheckpoint(remote.runDir, 'latest');
      assert.equal(loaded.manifest.id, b.id);
      loaded.model.dispose();
    }
    // A dropped copy is not written; a write naming it then fails and leaves the index as it was.
    const store = new CheckpointStore({ runDir: join(dir, 'dropped') });
    const first = await store.saveCaptured(await keptCopy(worker, model, true), { step: 1, epoch: 0, metrics: {}, safe: true, reason: 't' }).written;
    const dropped = await keptCopy(worker, model, true);
    dropped.remote!.drop();
    await assert.rejects(store.saveCaptured(dropped, { step: 5, epoch: 0, metrics: {}, safe: true, reason: 't' }).written, /no checkpoint bytes kept/);
    assert.deepEqual(readIndex(store.runDir)!.checkpoints, [first]);
    assert.equal((await loadCheckpoint(store.runDir, 'latest')).manifest.id, first.id);
  } finally {
    await dispose();
    cleanup();
  }
});

test('the capture worker killed at random moments of its checkpoint writes: the index always lists complete checkpoints and the latest loads hash-verified', async () => {
  await useBackend();
  const model = checkpointTestModel();
  const probes = tf.randomNormal([4, 4], 0, 1, 'float32', 3);
  const random = seededRandom(11);
  const { dir, cleanup } = tempDir();
  const runDir = join(dir, 'run');
  let completed = 0;
  let interrupted = 0;
  try {
    for (let round = 0; round < 8; round++) {
      const worker = new WorkerCapture(model, ['h'], { pooling: 'last', batchSize: 4 }, new Map([['eval', probes]]));
      await worker.ready;
      const store = new CheckpointStore({ runDir, keep: 2 });
      // One write allowed to finish (so there is something to fall back to), then one killed at a random moment.
      for (const kill of [false, true]) {
        const written = store.saveCaptured(await keptCopy(worker, model, true), {
          step: round * 2 + (kill ? 1 : 0),
          epoch: 0,
          metrics: {},
          safe: true,
          reason: 't',
        }).written;
        if (!kill) {
          await written;
          completed += 1;
          continue;
        }
        await new Promise((r) => setTimeout(r, Math.floor(random() * 12)));
        await worker.release({ discard: true }); // terminates the thread, whatever it was doing
        const outcome = await written.then(
          () => 'done',
          () => 'killed',
        );
        if (outcome === 'done') completed += 1;
        else interrupted += 1;
      }
      // Whatever the kill hit: index.json parses and lists only checkpoints that load hash-verified.
      const index = readIndex(runDir)!;
      assert.ok(index.checkpoints.length >= 1);
      for (const c of index.checkpoints) {
        const loaded = await loadCheckpoint(runDir, c.id);
        loaded.model.dispose();
      }
      const latest = await loadCheckpoint(runDir, 'latest');
      assert.equal(latest.manifest.id, index.checkpoints.at(-1)!.id);
      latest.model.dispose();
    }
    assert.ok(completed >= 8, `${completed} writes completed`);
  } finally {
    cleanup();
    tf.dispose(probes);
    model.dispose();
  }
  assert.ok(interrupted + completed === 16, `${interrupted} interrupted, ${completed} completed`);
  if (process.env.EM_GUARD_TEST_VERBOSE) console.log(`# ${interrupted} writes interrupted, ${completed} completed`);
});

test("the worker's packed-bytes arrays, reused once written or dropped, hold each later checkpoint's own bytes: files and hashes equal the training thread's, earlier files unchanged", async () => {
  await useBackend();
  const { model, worker, dispose } = await fittedModelWithWorker();
  const { dir, cleanup } = tempDir();
  const x = tf.randomNormal([16, 4], 0, 1, 'float32', 5);
  const y = tf.randomNormal([16, 3], 0, 1, 'float32', 6);
  try {
    const written: { inline: Awaited<ReturnType<typeof inlineCheckpoint>>; remote: { dir: string; id: string; files: Record<string, unknown> } }[] = [];
    for (let round = 0; round < 4; round++) {
      // New weights and Adam state each round; an odd round first packs a copy that is dropped (its arrays freed unwritten).
      await model.fit(x, y, { batchSize: 8, epochs: 1, verbose: 0 });
      if (round % 2 === 1) (await keptCopy(worker, model, true)).remote!.drop();
      const meta = { step: round + 3, epoch: 0, metrics: { loss: 0.5 }, safe: true, reason: 'test', includeOptimizer: true };
      const inline = await inlineCheckpoint(join(dir, `inline-${round}`), model, meta);
      const store = new CheckpointStore({ runDir: join(dir, `remote-${round}`) });
      const b = await store.saveCaptured(await keptCopy(worker, model, true), meta).written;
      written.push({ inline, remote: { ...b, dir: store.dir } });
      assertSameCheckpointFiles(inline, written[round]!.remote, `round ${round}`);
      if (round > 0) assert.notDeepEqual(inline.files['weights.bin'], written[round - 1]!.inline.files['weights.bin'], 'the rounds differ');
    }
    // What an earlier write put on disk stays as it was after its arrays served later copies.
    for (const [round, w] of written.entries()) assertSameCheckpointFiles(w.inline, w.remote, `round ${round}, at the end`);
  } finally {
    tf.dispose([x, y]);
    await dispose();
    cleanup();
  }
});
