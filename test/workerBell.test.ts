// A check that repeats the session's previous plain capture request is rung on the session's bell
// (a shared Int32Array the worker waits on with Atomics.waitAsync) instead of posted: the same
// check events and run.jsonl records, bit for bit, as posting every request; no tensor left.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { planPackedState } from '../src/checkpoints/packedModelState.js';
import { loadBundledPolicy } from '../src/policy/loadPolicy.js';
import { requestDeliveries, setBellForTests } from '../src/probes/WorkerCapture.js';
import '../src/registerBuiltins.js';
import { fittedModelWithWorker } from './checkpointWorkerFixture.js';
import { useBackend } from './helpers.js';
import { blobData, blobProbeSets, recordedGuardedFit, unguardedFitGrowth, type BlobProbes, type RecordedFit } from './recordedGuardedFit.js';

await useBackend();

const policy = loadBundledPolicy('default');

async function fitWithBell(on: boolean, probes: BlobProbes, data: ReturnType<typeof blobData>): Promise<RecordedFit & { rung: number; posted: number }> {
  const [rung, posted] = [requestDeliveries.rung, requestDeliveries.posted];
  const previous = setBellForTests(on);
  try {
    const fit = await recordedGuardedFit(probes, data, policy, true);
    return { ...fit, rung: requestDeliveries.rung - rung, posted: requestDeliveries.posted - posted };
  } finally {
    setBellForTests(previous);
  }
}

test('checks rung on the bell: the same check events and run.jsonl records as posting each request, on a thread a previous session rang too; no tensor left', async () => {
  const { probes, dispose } = blobProbeSets();
  const data = blobData();
  const unguardedGrowth = await unguardedFitGrowth(data);
  try {
    const first = await fitWithBell(true, probes, data); // a cold thread: the baseline is captured here
    const posted = await fitWithBell(false, probes, data);
    const rung = await fitWithBell(true, probes, data); // on the thread the previous sessions used
    assert.equal(posted.rung, 0);
    assert.ok(posted.events.length >= 6, `checks: ${posted.events.length}`);
    assert.equal(rung.rung + rung.posted, posted.posted, 'one request per capture either way (both on a warm thread)');
    for (const fit of [first, rung]) {
      // Posted: the baseline, the first check on the worker (the template), the one that sends the
      // reference, the periodic checkpoint checks and the last (one output computed here); the rest rung.
      assert.ok(fit.rung >= 2, `rung ${fit.rung}, posted ${fit.posted} of ${posted.events.length} checks`);
      assert.deepEqual(fit.events, posted.events);
      assert.deepEqual(fit.records, posted.records);
      assert.deepStrictEqual(fit.exact, posted.exact);
    }
    for (const fit of [first, posted, rung]) assert.equal(fit.growth, unguardedGrowth, 'no tensor left by the guard');
  } finally {
    data.dispose();
    dispose();
  }
});

test('a checkpoint check rung on the bell packs the weights and optimizer state of its own step: the bytes and hashes of the same request posted', async () => {
  const { model, worker, dispose } = await fittedModelWithWorker();
  const sets = ['eval'];
  const outputs: string[] = [];
  const options = { summarize: [] };
  const x = tf.randomNormal([8, 4], 0, 1, 'float32', 5);
  const y = tf.randomNormal([8, 3], 0, 1, 'float32', 6);
  const packedNow = async () => {
    const plan = await planPackedState(model, true);
    const before = { ...requestDeliveries };
    const r = await worker.capture(model, sets, outputs, plan.extra, options);
    plan.dispose();
    assert.ok(r.packed);
    return { rung: requestDeliveries.rung - before.rung, weights: r.packed.weights, extra: r.packed.extra, eval: r.activations.get('eval') };
  };
  try {
    const first = await packedNow(); // posted: the template
    assert.equal(first.rung, 0);
    for (let step = 0; step < 2; step++) {
      await model.fit(x, y, { batchSize: 8, epochs: 1, verbose: 0 }); // new weights and optimizer state
      const rung = await packedNow();
      const previous = setBellForTests(false);
      const posted = await packedNow().finally(() => setBellForTests(previous));
      assert.equal(rung.rung, 1, 'rung on the bell');
      assert.equal(posted.rung, 0);
      assert.notEqual(rung.weights.sha256, first.weights.sha256, 'the values of this step, not the template’s');
      assert.notEqual(rung.extra.sha256, first.extra.sha256);
      assert.equal(rung.weights.sha256, posted.weights.sha256);
      assert.equal(rung.extra.sha256, posted.extra.sha256);
      assert.deepEqual(rung.weights.data, posted.weights.data);
      assert.deepEqual(rung.extra.data, posted.extra.data);
      assert.deepEqual(rung.eval, posted.eval);
    }
  } finally {
    tf.dispose([x, y]);
    await dispose();
  }
});
