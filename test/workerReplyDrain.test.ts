// The capture worker's replies are taken synchronously at a batch end (`receiveMessageOnPort` on a
// per-session port) instead of at an event-loop turn: the same checks and records; the event loop
// still turns at least every EVENT_LOOP_TURN_EVERY_MS during a guarded fit; an ended session's late
// replies reach nobody; a worker that dies mid-fit still fails its check and the fit goes on inline.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { MessageChannel, Worker } from 'node:worker_threads';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { EVENT_LOOP_TURN_EVERY_MS, setReplyPathForTests, yieldToEventLoop } from '../src/guard/CheckRunner.js';
import { emGuard, type EmGuard } from '../src/guard/EmGuard.js';
import { loadBundledPolicy } from '../src/policy/loadPolicy.js';
import { ProbeCapture } from '../src/probes/ProbeCapture.js';
import { replyDeliveries, WorkerCapture } from '../src/probes/WorkerCapture.js';
import '../src/registerBuiltins.js';
import { blobs, oneHot, pretrained } from './guardFixtures.js';
import { tempDir, useBackend, waitForWorker } from './helpers.js';
import { blobData, blobProbeSets, recordedGuardedFit, unguardedFitGrowth, type BlobProbes } from './recordedGuardedFit.js';

await useBackend();

const policy = loadBundledPolicy('default');

/** A fit on a thread an earlier fit left warm: its first batch waits until the worker is up. */
async function warmUp(probes: BlobProbes): Promise<void> {
  const model = await pretrained(8);
  model.compile({ optimizer: tf.train.sgd(0.01), loss: tf.losses.softmaxCrossEntropy });
  const data = blobs(48, 47);
  const y = oneHot(data.labels, 0);
  const guard = emGuard({ probes, runDir: false, policy, capture: 'worker', unevaluable: 'warn' });
  try {
    await model.fit(data.x, y, { epochs: 1, batchSize: 8, verbose: 0, callbacks: [new tf.CustomCallback(waitForWorker(guard, 60_000)), guard] });
  } finally {
    guard.dispose();
    model.dispose();
    tf.dispose([data.x, y]);
  }
}

test('worker replies taken at the batch end without an event-loop turn: the same check events and run.jsonl records as taking them at a turn, no tensor left', async () => {
  const { probes, dispose } = blobProbeSets();
  const data = blobData();
  const fitOnce = async (path: 'drain' | 'turn') => {
    const [drained, onTurn] = [replyDeliveries.drained, replyDeliveries.onTurn];
    const previous = setReplyPathForTests(path);
    try {
      // No CustomCallback here: it would turn the event loop itself every 125 ms (`yieldEvery: 'auto'`).
      const fit = await recordedGuardedFit(probes, data, policy, false);
      return { ...fit, drained: replyDeliveries.drained - drained, onTurn: replyDeliveries.onTurn - onTurn };
    } finally {
      setReplyPathForTests(previous);
    }
  };
  const unguardedGrowth = await unguardedFitGrowth(data);
  try {
    await warmUp(probes);
    const turn = await fitOnce('turn');
    const drain = await fitOnce('drain');
    const drainAgain = await fitOnce('drain');
    assert.equal(turn.drained, 0, 'the turn path takes every reply at a turn');
    assert.ok(turn.onTurn >= 6, `replies at turns: ${turn.onTurn}`);
    // How many depends on when each reply lands (a check's verdict is taken at a turn when one is due).
    assert.ok(
      drain.drained + drainAgain.drained >= 1,
      `replies drained at batch ends: ${drain.drained}, ${drainAgain.drained} (at turns: ${drain.onTurn}, ${drainAgain.onTurn})`,
    );
    assert.ok(turn.events.length >= 6, `checks: ${turn.events.length}`);
    assert.deepEqual(drain.events, turn.events);
    assert.deepEqual(drain.records, turn.records);
    // deepStrictEqual compares numbers with Object.is: -0, NaN and every other bit pattern of a double.
    assert.deepStrictEqual(drain.exact, turn.exact);
    assert.deepEqual(drainAgain.events, drain.events);
    for (const fit of [turn, drain, drainAgain])
      assert.equal(fit.growth, unguardedGrowth, 'no tensor left by the guard (what tfjs keeps after an unguarded fit)');
  } finally {
    data.dispose();
    dispose();
  }
});

/** The bench's MLP shape (128-256-256-10): a few ms per batch, so a fit of a few hundred batches lasts seconds. */
function benchMlp(): tf.LayersModel {
  const init = (seed: number) => tf.initializers.glorotUniform({ seed });
  const model = tf.sequential({
    layers: [
      tf.layers.dense({ units: 256, inputShape: [128], activation: 'relu', name: 'h1', kernelInitializer: init(1) }),
      tf.layers.dense({ units: 256, activation: 'relu', name: 'h2', kernelInitializer: init(2) }),
      tf.layers.dense({ units: 10, name: 'out', kernelInitializer: init(3) }),
    ],
  });
  model.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy' });
  return model;
}

test('a timer registered before a long guarded fit fires during it: the event loop turns at least every EVENT_LOOP_TURN_EVERY_MS (plus a batch)', async () => {
  const probe = () => tf.randomNormal([64, 128], 0, 1, 'float32', 13);
  const probes = { train: probe(), eval: probe(), contrast: { aligned: probe(), misaligned: probe() } };
  const n = 32 * 200;
  const x = tf.randomNormal([n, 128], 0, 1, 'float32', 11);
  const y = tf.tidy(() => tf.oneHot(tf.randomUniform([n], 0, 10, 'int32', 12), 10).asType('float32'));
  const fit = async (guard: EmGuard, batches: number, callbacks: tf.CustomCallback[] = []) => {
    const model = benchMlp();
    const [xs, ys] = batches * 32 < n ? [x.slice(0, batches * 32), y.slice(0, batches * 32)] : [x, y];
    try {
      await model.fit(xs, ys, { batchSize: 32, epochs: 1, shuffle: false, verbose: 0, callbacks: [...callbacks, guard] });
    } finally {
      if (xs !== x) tf.dispose([xs, ys]);
      guard.dispose();
      model.dispose();
    }
  };
  const guardArgs = { probes, runDir: false as const, policy, capture: 'worker' as const, unevaluable: 'warn' as const };
  try {
    // Leaves the thread warm: the measured fit's worker is up after a model rebuild.
    const first = emGuard(guardArgs);
    await fit(first, 12, [new tf.CustomCallback(waitForWorker(first, 60_000))]);
    const guard = emGuard(guardArgs);
    const fired: number[] = [];
    const timer = setInterval(() => fired.push(performance.now()), 5);
    const drained = replyDeliveries.drained;
    let span: [number, number];
    try {
      const t0 = performance.now();
      await fit(guard, n / 32);
      span = [t0, performance.now()];
    } finally {
      clearInterval(timer);
    }
    const during = [span[0], ...fired.filter((t) => t > span[0] && t < span[1]), span[1]];
    const gaps = during.slice(1).map((t, i) => t - during[i]!);
    const longest = Math.max(...gaps);
    // The bound follows from the rule with a wide margin for a shared machine (a batch here is a few ms).
    const bound = 4 * EVENT_LOOP_TURN_EVERY_MS;
    const fitMs = span[1] - span[0];
    assert.ok(replyDeliveries.drained > drained, 'verdicts were taken without a turn');
    assert.ok(longest <= bound, `the timer waited ${longest.toFixed(0)} ms during a ${fitMs.toFixed(0)} ms fit (${fired.length} firings); bound ${bound} ms`);
  } finally {
    tf.dispose([x, y, probes.train, probes.eval, probes.contrast.aligned, probes.contrast.misaligned]);
  }
});

test("an ended session's late replies reach nobody: not the next session on the same thread (no stray reply, no throw), whose own replies are right", async () => {
  const { dir, cleanup } = tempDir();
  const model = await pretrained(8);
  const evalX = blobs(48, 43).x;
  const sets = new Map([['eval', evalX]]);
  const options = { pooling: 'last' as const, batchSize: 16 };
  const inline = new ProbeCapture(model, ['h1', 'h2'], options);
  const stray = replyDeliveries.stray;
  let second: WorkerCapture | null = null;
  try {
    const first = new WorkerCapture(model, ['h1', 'h2'], options, sets);
    await first.ready;
    const kept = await first.capture(model, ['eval'], [], [evalX], { keepPacked: true });
    assert.ok(kept.kept);
    // A checkpoint write (answered beside the captures, after its fsyncs) and a capture, both
    // still running when the session ends and the next one starts on the same thread.
    const index = join(dir, 'index.json');
    const write = first.writeKept(kept.kept.id, join(dir, 'ck'), [], { files: [['manifest.json', '{}']], index: { path: index, data: '{}' } }, false);
    const capture = first.capture(model, ['eval'], []);
    await first.release();
    await assert.rejects(write, /session ended/);
    await assert.rejects(capture, /session ended/);
    second = new WorkerCapture(model, ['h1', 'h2'], options, sets);
    assert.ok(second.warm, 'the same thread serves the next session');
    await second.ready;
    // The late write lands (its files appear) while the next session is up; then one more round trip.
    const until = Date.now() + 30_000;
    while (!existsSync(index) && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    assert.ok(existsSync(index), 'the ended session’s write finished on the worker');
    const got = await second.capture(model, ['eval'], []);
    assert.deepEqual(got.activations.get('eval'), await inline.capture(evalX));
    second.drainReplies();
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(replyDeliveries.stray - stray, 0, 'no reply of the ended session reached the next one');
  } finally {
    await second?.release({ discard: true });
    tf.dispose([evalX]);
    model.dispose();
    cleanup();
  }
});

/**
 * A guarded fit (400 blobs of `seed`, batches of 8, a check every 5) whose capture worker first
 * imports a module of `source`, which kills the thread at some point: the guard's notices and the
 * steps of its checks, and where it captured at the end. `extra` callbacks run after the wait for
 * the worker and before the guard.
 */
async function fitWithDyingWorker(
  source: string,
  seed: number,
  extra: (guard: EmGuard) => tf.CustomCallbackArgs[] = () => [],
): Promise<{ notices: string[]; checks: number[]; where: 'worker' | 'inline' }> {
  const { dir, cleanup } = tempDir();
  const module = join(dir, 'dies.mjs');
  writeFileSync(module, source);
  const { probes, dispose } = blobProbeSets();
  const data = blobs(400, seed);
  const y = oneHot(data.labels, 0);
  const model = await pretrained(8);
  model.compile({ optimizer: tf.train.sgd(0.01), loss: tf.losses.softmaxCrossEntropy });
  const guard = emGuard({ probes, runDir: false, policy, capture: 'worker', unevaluable: 'warn', workerImports: [module] });
  const notices: string[] = [];
  const checks: number[] = [];
  guard.on('notice', (n) => notices.push(n.code));
  guard.on('check', (c) => checks.push(c.step));
  try {
    const callbacks = [waitForWorker(guard, 60_000), ...extra(guard)].map((c) => new tf.CustomCallback(c));
    await model.fit(data.x, y, { epochs: 1, batchSize: 8, shuffle: false, verbose: 0, callbacks: [...callbacks, guard] });
    return { notices: notices.filter((c) => c.startsWith('capture-worker')), checks, where: guard.captureWhere };
  } finally {
    guard.dispose();
    model.dispose();
    tf.dispose([data.x, y]);
    dispose();
    cleanup();
  }
}

/** The steps a fit of `fitWithDyingWorker` checks on its schedule. */
const planned = Array.from({ length: 400 / 8 / 5 }, (_, i) => 5 * (i + 1));

test('a capture worker that dies with a check pending mid-fit: the check is redone inline, every later one runs inline, every planned check is decided', async () => {
  // Imported by the worker before it rebuilds the model: the thread exits instead of answering its
  // third capture request, however that came (posted, or rung on the session's bell), so the
  // request stays answered by nobody.
  const { notices, checks, where } = await fitWithDyingWorker(
    "import { MessagePort } from 'node:worker_threads';\nconst post = MessagePort.prototype.postMessage;\nlet n = 0;\nMessagePort.prototype.postMessage = function (m, t) { if (m && m.type === 'result' && ++n === 3) process.exit(3); post.call(this, m, t); };\n",
    48,
  );
  assert.deepEqual(notices, ['capture-worker-error']);
  // The lost check is redone inline at the next scheduled one, on that step's weights; then that one.
  const lost = checks.findIndex((step, i) => step !== planned[i]);
  assert.ok(lost > 0, `a check was lost and redone: ${checks.join(' ')}`);
  assert.deepEqual(checks, [...planned.slice(0, lost), planned[lost + 1], ...planned.slice(lost + 1)]);
  assert.equal(where, 'inline');
});

test('a capture worker that dies between checks: the next check says so (one capture-worker-error notice) and runs inline, as every later one', async () => {
  // After the second check's verdict (step 10), waits until the thread's exit has reached the guard.
  const waitForExit = (guard: EmGuard): tf.CustomCallbackArgs => ({
    onBatchEnd: async (batch) => {
      if (batch !== 12) return;
      const until = Date.now() + 30_000;
      while (guard.captureWhere === 'worker' && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    },
  });
  // The thread exits right after posting its second result (no request of it is left unanswered).
  const { notices, checks, where } = await fitWithDyingWorker(
    "import { MessagePort } from 'node:worker_threads';\nconst post = MessagePort.prototype.postMessage;\nlet n = 0;\nMessagePort.prototype.postMessage = function (m, t) { post.call(this, m, t); if (m && m.type === 'result' && ++n === 2) setTimeout(() => process.exit(3), 0); };\n",
    49,
    (guard) => [waitForExit(guard)],
  );
  assert.deepEqual(notices, ['capture-worker-error']);
  assert.deepEqual(checks, planned);
  assert.equal(where, 'inline');
});

test("the guard's event-loop turn runs due timers also when the fit was resumed by a message (the poll phase), not only by a previous turn", async () => {
  const { port1, port2 } = new MessageChannel();
  try {
    const fired = await new Promise<boolean>((resolve) => {
      // A worker's reply resumes `fit` in the poll phase, as here.
      port1.once('message', () => {
        let timer = false;
        setTimeout(() => (timer = true), 0);
        const until = performance.now() + 5;
        while (performance.now() < until); // the timer is due before the turn
        void yieldToEventLoop().then(() => resolve(timer));
      });
      port2.postMessage('resume');
    });
    assert.ok(fired, 'a timer due before the turn ran during it');
  } finally {
    port1.close();
  }
});

test('the capture thread stays held across back-to-back requests (no ref/unref at each request and answer), and is let go after 2 idle periods', async () => {
  const model = await pretrained(8);
  const evalX = blobs(48, 43).x;
  const options = { pooling: 'last' as const, batchSize: 16 };
  const proto = Worker.prototype;
  // Taken as descriptors: the originals, restored after (the methods read `this`).
  const ref = Object.getOwnPropertyDescriptor(proto, 'ref')!.value as (this: Worker) => void;
  const unref = Object.getOwnPropertyDescriptor(proto, 'unref')!.value as (this: Worker) => void;
  const calls: string[] = [];
  proto.ref = function (this: Worker) {
    calls.push('ref');
    ref.call(this);
  };
  proto.unref = function (this: Worker) {
    calls.push('unref');
    unref.call(this);
  };
  let session: WorkerCapture | null = null;
  try {
    session = new WorkerCapture(model, ['h1', 'h2'], options, new Map([['eval', evalX]]));
    await session.ready;
    calls.length = 0;
    // As in a fit: a request, its answer, the next request a few ms later (each awaited here).
    for (let i = 0; i < 6; i++) {
      await session.capture(model, ['eval'], []);
      await new Promise((r) => setTimeout(r, 5));
    }
    // Toggling at each request and answer made 12 calls here.
    assert.deepEqual(calls, [], 'held across the requests');
    const until = Date.now() + 5_000;
    while (calls.length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(calls, ['unref'], "let go once idle (a rejected fit's script can exit: fitRejectedExit.test.ts)");
  } finally {
    proto.ref = ref;
    proto.unref = unref;
    await session?.release({ discard: true });
    tf.dispose([evalX]);
    model.dispose();
  }
});
