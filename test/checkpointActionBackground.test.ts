import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { rmSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { emGuard } from '../src/guard/EmGuard.js';
import { loadCheckpoint } from '../src/checkpoints/loadCheckpoint.js';
import { readIndex } from '../src/checkpoints/checkpointIndex.js';
import { parsePolicy } from '../src/policy/parsePolicy.js';
import { readRunLog } from '../src/runlog/RunLog.js';
import { join } from 'node:path';
import { blobs, oneHot, pretrained } from './guardFixtures.js';
import { inlineCheckpoint } from './checkpointWorkerFixture.js';
import { assertSameCheckpointFiles, tempDir, useBackend, waitForWorker } from './helpers.js';
import { WorkerCapture } from '../src/probes/WorkerCapture.js';

await useBackend();

const probeSet = blobs(64, 10);

/** A pretrained model compiled with Adam and `rows` blob rows to fine-tune it on; `dispose` frees all three. */
async function fineTuneSetup(rows = 480) {
  const model = await pretrained();
  model.compile({ optimizer: tf.train.adam(0.01), loss: tf.losses.softmaxCrossEntropy });
  const data = blobs(rows, 4);
  const y = oneHot(data.labels, 1);
  return { model, x: data.x, y, dispose: () => (tf.dispose([data.x, y]), model.dispose()) };
}

/** One epoch in batches of 8, in order, silent. */
const fitOnce = (model: tf.LayersModel, x: tf.Tensor, y: tf.Tensor, callbacks: tf.CustomCallback[]) =>
  model.fit(x, y, { epochs: 1, batchSize: 8, shuffle: false, verbose: 0, callbacks });

/** Records the directory of every checkpoint `write` request sent to a worker thread until `restore`. */
function spyWorkerWrites(): { written: string[]; restore: () => void } {
  const written: string[] = [];
  const proto = Worker.prototype as unknown as { postMessage: (this: Worker, msg: unknown, transfer?: readonly ArrayBuffer[]) => void };
  const post = proto.postMessage;
  proto.postMessage = function (this: Worker, msg: unknown, transfer?: readonly ArrayBuffer[]) {
    const m = msg as { type?: string; dir?: string };
    if (m?.type === 'write' && m.dir) written.push(m.dir);
    post.call(this, msg, transfer);
  };
  return { written, restore: () => void (proto.postMessage = post) };
}

/** The run log's record types in order, checkpoints with their reason (`checkpoint:rule x`). */
const recordTypes = (dir: string) =>
  readRunLog(join(dir, 'run.jsonl')).map((r) => `${r.type}${r.type === 'checkpoint' ? `:${(r as { reason: string }).reason}` : ''}`);

/** A warning rule that fires at every check (any finite loss), keeping the live weights, and an optional abort rule. */
const policy = (abortAt: number | null) =>
  parsePolicy(`
version: 1
check:
  every: { batches: 4 }
  layers: [h1]
rules:
  - name: keep-for-analysis
    metric: loss
    op: ">"
    threshold: -1
    for: 1
    severity: warning
    actions: [checkpoint]
${
  abortAt === null
    ? ''
    : `  - name: stop-late
    metric: loss
    op: ">"
    threshold: -1
    for: ${abortAt}
    severity: critical
    actions: [checkpoint, abort]
`
}`);

test("the `checkpoint` action of a rule that does not stop training: written by the capture worker in the background, the live weights of the verdict's batch, recorded once durable", async () => {
  const { dir, cleanup } = tempDir();
  // What tfjs itself keeps after such a fit (the optimizer's state), measured on the same fit unguarded.
  const tfjsGrowth = await (async () => {
    const plain = await fineTuneSetup();
    const before = tf.memory().numTensors;
    await fitOnce(plain.model, plain.x, plain.y, []);
    const growth = tf.memory().numTensors - before;
    plain.dispose();
    return growth;
  })();
  const { model, x, y, dispose } = await fineTuneSetup();
  const guard = emGuard({ probes: { train: probeSet.x, eval: probeSet.x }, runDir: dir, policy: policy(null), capture: 'worker' });
  const tensorsBefore = tf.memory().numTensors;
  // The weights at every batch end, read after the guard's hook (no training step in between).
  const weightsAt = new Map<number, Float32Array[]>();
  let batch = 0;
  const recorder = new tf.CustomCallback({
    onBatchEnd: async () => {
      batch += 1;
      weightsAt.set(
        batch,
        model.getWeights().map((w) => w.dataSync() as Float32Array),
      );
    },
  });
  const { written, restore } = spyWorkerWrites();
  const events: { id: string; step: number; reason: string }[] = [];
  guard.on('checkpoint', (c) => events.push({ id: c.id, step: c.step, reason: c.reason }));
  try {
    await fitOnce(model, x, y, [new tf.CustomCallback(waitForWorker(guard, 60_000)), guard, recorder]);
    guard.dispose();
    assert.equal(tf.memory().numTensors - tensorsBefore, tfjsGrowth, 'the guard leaves no tensor behind');
    const actions = events.filter((e) => e.reason === 'rule keep-for-analysis');
    // The rule fires from the first check on, once per episode: one checkpoint, applied on the worker's verdict.
    assert.equal(actions.length, 1, JSON.stringify(events));
    const action = actions[0]!;
    assert.ok(
      written.some((d) => d.endsWith(action.id)),
      `the capture worker wrote ${action.id} (worker writes: ${written.join(', ')})`,
    );
    // Its weights are the live ones of the batch whose verdict fired the rule, bit for bit.
    const loaded = await loadCheckpoint(dir, action.id, { restoreOptimizer: false });
    try {
      const expected = weightsAt.get(action.step)!;
      const got = loaded.model.getWeights().map((w) => w.dataSync());
      assert.equal(got.length, expected.length);
      got.forEach((g, i) => assert.deepEqual(Array.from(g), Array.from(expected[i]!), `weight ${i} at step ${action.step}`));
      // And not those of the next batch (the copy is taken when the action runs, not when written).
      const next = weightsAt.get(action.step + 1)!;
      assert.notDeepEqual(Array.from(got[0]!), Array.from(next[0]!));
    } finally {
      loaded.model.dispose();
    }
    // In the run log once durable, with the decision that fired it before it.
    const types = recordTypes(dir);
    assert.ok(types.indexOf('decision') < types.indexOf('checkpoint:rule keep-for-analysis'), types.join(' '));
    assert.equal(types.at(-1), 'end');
  } finally {
    restore();
    guard.dispose();
    dispose();
    cleanup();
  }
});

test('the `checkpoint` action of a check that also aborts is awaited: its record comes before the abort', async () => {
  const { dir, cleanup } = tempDir();
  const { model, x, y, dispose } = await fineTuneSetup();
  const guard = emGuard({ probes: { train: probeSet.x, eval: probeSet.x }, runDir: dir, policy: policy(3), capture: 'worker' });
  try {
    await fitOnce(model, x, y, [new tf.CustomCallback(waitForWorker(guard, 60_000)), guard]);
    assert.equal(guard.stopReason?.rule, 'stop-late');
    const types = recordTypes(dir);
    assert.ok(types.includes('checkpoint:rule stop-late'), types.join(' '));
    assert.ok(types.indexOf('checkpoint:rule stop-late') < types.indexOf('abort'), types.join(' '));
  } finally {
    guard.dispose();
    dispose();
    cleanup();
  }
});

test("a background checkpoint action keeps the order of checkpoints: the same verdict's periodic checkpoint is written and indexed after it", async () => {
  const { dir, cleanup } = tempDir();
  const { model, x, y, dispose } = await fineTuneSetup();
  // An info rule does not stop periodic safe checkpoints: its verdict keeps both.
  const infoPolicy = parsePolicy(`
version: 1
check:
  every: { batches: 4 }
  layers: [h1]
checkpoint:
  every: { checks: 1 }
  keep: 50
rules:
  - name: note-it
    metric: loss
    op: ">"
    threshold: -1
    severity: info
    actions: [checkpoint]
`);
  const guard = emGuard({ probes: { train: probeSet.x, eval: probeSet.x }, runDir: dir, policy: infoPolicy, capture: 'worker' });
  try {
    await fitOnce(model, x, y, [new tf.CustomCallback(waitForWorker(guard, 60_000)), guard]);
    const log = readRunLog(join(dir, 'run.jsonl')).filter((r) => r.type === 'checkpoint') as { reason: string; step: number; id: string }[];
    const action = log.findIndex((r) => r.reason === 'rule note-it');
    assert.ok(action > 0, log.map((r) => r.reason).join(', '));
    // The verdict that ran the action also kept its check's periodic checkpoint (an earlier step): after the action's.
    const next = log[action + 1]!;
    assert.match(next.reason, /^periodic/);
    assert.ok(next.step < log[action]!.step, `periodic of step ${next.step}, action at step ${log[action]!.step}`);
    // The index lists them in the same order.
    const ids = readIndex(dir)!.checkpoints.map((c) => c.id);
    assert.ok(ids.indexOf(log[action]!.id) < ids.indexOf(next.id), ids.join(' '));
  } finally {
    guard.dispose();
    dispose();
    cleanup();
  }
});

/**
 * A guarded fit on a warm capture thread (an earlier fit started it), after a reference checkpoint
 * of the model at step 0 written on this thread; `breakPack` makes the worker's pack-only request
 * fail (as when the worker died or could not rebuild the model). Returns the baseline checkpoint
 * next to the reference, and whether the worker wrote it.
 */
async function baselineOnWarmThread(breakPack: boolean) {
  const { dir, cleanup } = tempDir();
  const { model, x, y, dispose } = await fineTuneSetup(160);
  const quiet = parsePolicy(`
version: 1
check:
  every: { batches: 4 }
  layers: [h1]
checkpoint:
  every: { checks: 2 }
rules:
  - name: never
    metric: loss
    op: "<"
    threshold: -1
    severity: info
    actions: [warn]
`);
  const guard = () => emGuard({ probes: { train: probeSet.x, eval: probeSet.x }, runDir: join(dir, 'run'), policy: quiet, capture: 'worker' });
  let writes: ReturnType<typeof spyWorkerWrites> | null = null;
  const workerProto = WorkerCapture.prototype as unknown as {
    capture: (this: WorkerCapture, ...a: Parameters<WorkerCapture['capture']>) => ReturnType<WorkerCapture['capture']>;
  };
  const capture = workerProto.capture;
  try {
    // The first fit starts the thread (and gives Adam its moments); it stays for the next fit.
    const first = guard();
    await fitOnce(model, x, y, [new tf.CustomCallback(waitForWorker(first, 60_000)), first]);
    first.dispose();
    rmSync(join(dir, 'run'), { recursive: true, force: true });
    // `Sequential.fit` runs its inner functional model's `fit`: that is the model callbacks get, and checkpoint.
    const seen = (model as unknown as { model: tf.LayersModel }).model;
    const reference = await inlineCheckpoint(join(dir, 'reference'), seen, {
      step: 0,
      epoch: 0,
      metrics: {},
      safe: true,
      reason: 'baseline',
      includeOptimizer: true,
    });
    writes = spyWorkerWrites();
    if (breakPack)
      workerProto.capture = function (this: WorkerCapture, ...a: Parameters<WorkerCapture['capture']>) {
        if (a[1].length === 0) return Object.assign(Promise.reject(new Error('capture worker exited (code 1)')), { id: 0 });
        return capture.apply(this, a);
      };
    const second = guard();
    const tensorsBefore = tf.memory().numTensors;
    await fitOnce(model, x, y, [second]);
    second.dispose();
    const growth = tf.memory().numTensors - tensorsBefore;
    const baseline = readIndex(join(dir, 'run'))!.checkpoints.find((c) => c.reason === 'baseline')!;
    assert.ok(baseline, 'a baseline checkpoint');
    assertSameCheckpointFiles(reference, { ...baseline, dir: join(dir, 'run', 'checkpoints') }, `baseline, pack ${breakPack ? 'failed' : 'on the worker'}`);
    return { byWorker: writes.written.some((d) => d.endsWith(baseline.id)), growth };
  } finally {
    writes?.restore();
    workerProto.capture = capture;
    dispose();
    cleanup();
  }
}

test('on a warm capture thread the baseline checkpoint is packed and written by the worker: the same files as one written here at step 0', async () => {
  const { byWorker, growth } = await baselineOnWarmThread(false);
  assert.ok(byWorker, 'the capture worker wrote the baseline checkpoint');
  assert.equal(growth, 0, 'no tensor left behind');
});

test('when the worker fails before packing it, the baseline checkpoint is packed here from the values of step 0: the same files', async () => {
  const { byWorker, growth } = await baselineOnWarmThread(true);
  assert.ok(!byWorker, 'written on this thread');
  assert.equal(growth, 0, 'no tensor left behind (the held step-0 values are freed)');
});
