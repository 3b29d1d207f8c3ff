import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { emGuard } from '../src/guard/EmGuard.js';
import { WorkerCapture } from '../src/probes/WorkerCapture.js';
import { loadBundledPolicy } from '../src/policy/loadPolicy.js';
import { readRunLog } from '../src/runlog/RunLog.js';
import '../src/registerBuiltins.js';
import { blobs, oneHot, pretrained } from './guardFixtures.js';
import { tempDir, useBackend, waitForWorker } from './helpers.js';

await useBackend();

type Post = (this: Worker, msg: unknown, transfer?: readonly ArrayBuffer[]) => void;

/**
 * Until `restore`: counts the capture worker's results that carry core metrics (and the ones that
 * do not), and with `strip` removes `core` from every capture request, so the worker never
 * computes them and the training thread does, as before.
 */
function spyCore(strip: boolean): { withCore: number; without: number; restore: () => void } {
  const proto = Worker.prototype as unknown as { postMessage: Post };
  const sessions = WorkerCapture.prototype as unknown as { capture: WorkerCapture['capture'] };
  const [post, capture] = [proto.postMessage, sessions.capture];
  const seen = { withCore: 0, without: 0, restore: () => ((proto.postMessage = post), (sessions.capture = capture)) };
  proto.postMessage = function (msg, transfer) {
    const m = msg as { type?: string; core?: unknown };
    post.call(this, strip && m?.type === 'capture' && m.core ? { ...m, core: undefined } : msg, transfer);
  };
  sessions.capture = function (this: WorkerCapture, ...a: Parameters<WorkerCapture['capture']>) {
    const ticket = capture.apply(this, a);
    ticket.then(
      (r) => {
        if (r.summaries.size === 0) return;
        if (r.core) seen.withCore += 1;
        else seen.without += 1;
      },
      () => undefined,
    );
    return ticket;
  };
  return seen;
}

test('core metrics computed on the capture worker: every check and baseline value, reason and record identical bit for bit to the training thread computing them, no tensor left', async () => {
  const policy = loadBundledPolicy('default');
  const align = blobs(64, 41);
  const probes = {
    train: blobs(32, 42).x,
    eval: blobs(48, 43).x,
    alignment: { inputs: align.x, expected: align.labels },
    contrast: { aligned: blobs(32, 44).x, misaligned: blobs(32, 45).x },
  };
  const data = blobs(240, 46);
  const y = oneHot(data.labels, 0);
  type Fit = { events: string[]; exactValues: unknown[]; records: string[]; growth: number; withCore: number; without: number };
  const fitOnce = async (how: 'warm-up' | 'worker' | 'here'): Promise<Fit> => {
    const model = await pretrained(8);
    model.compile({ optimizer: tf.train.sgd(0.01), loss: tf.losses.softmaxCrossEntropy });
    const { dir, cleanup } = tempDir();
    const guard = emGuard({ probes, runDir: dir, policy, capture: 'worker', unevaluable: 'warn' });
    // Values, reasons and key order as numbers' exact text (JSON keeps -0 as 0: Object.is below too).
    const events: string[] = [];
    const exact: unknown[] = [];
    guard.on('check', (c) => {
      events.push(JSON.stringify({ step: c.step, values: c.values, reasons: c.reasons }));
      exact.push(c.values);
    });
    const spy = spyCore(how === 'here');
    const before = tf.memory().numTensors;
    try {
      await model.fit(data.x, y, {
        epochs: 1,
        batchSize: 8,
        shuffle: false,
        verbose: 0,
        callbacks: [new tf.CustomCallback(waitForWorker(guard, 60_000)), guard],
      });
      guard.dispose();
      const growth = tf.memory().numTensors - before;
      const records = readRunLog(join(dir, 'run.jsonl'))
        .filter((r) => r.type === 'check' || r.type === 'baseline')
        .map((r) => JSON.stringify({ ...r, time: undefined, runId: undefined, timingsMs: undefined }));
      return { events, exactValues: exact, records, growth, withCore: spy.withCore, without: spy.without };
    } finally {
      spy.restore();
      model.dispose();
      cleanup();
    }
  };
  // What tfjs itself keeps after such a fit (the optimizer's state), unguarded.
  const unguarded = await (async () => {
    const model = await pretrained(8);
    model.compile({ optimizer: tf.train.sgd(0.01), loss: tf.losses.softmaxCrossEntropy });
    const before = tf.memory().numTensors;
    await model.fit(data.x, y, { epochs: 1, batchSize: 8, shuffle: false, verbose: 0 });
    const growth = tf.memory().numTensors - before;
    model.dispose();
    return growth;
  })();
  try {
    // The first fit starts the thread; the next two find it warm, so their baselines are captured there too.
    await fitOnce('warm-up');
    const here = await fitOnce('here');
    const worker = await fitOnce('worker');
    assert.equal(here.withCore, 0, 'stripped: the worker computed no core metrics');
    assert.ok(here.without >= 5, `the checks were summarized on the worker (${here.without})`);
    assert.equal(worker.without, 0, 'every summarized capture came with its core metrics');
    assert.ok(worker.withCore >= 5, `baseline and checks computed on the worker (${worker.withCore})`);
    assert.ok(here.events.length >= 5, `checks: ${here.events.length}`);
    assert.ok(here.events.every((e) => e.includes('"drift.eval":') && e.includes('"drift.eval@')));
    assert.deepEqual(worker.events, here.events);
    assert.deepEqual(worker.records, here.records);
    // deepStrictEqual compares numbers with Object.is: -0, NaN and every other bit pattern of a double.
    assert.deepStrictEqual(worker.exactValues, here.exactValues);
    assert.equal(worker.growth, here.growth, 'the same tensors left as computing them here');
    assert.equal(worker.growth, unguarded, 'no tensor left by the guard (tfjs keeps what it keeps after an unguarded fit)');
  } finally {
    tf.dispose([data.x, y, align.x, probes.train, probes.eval, probes.contrast.aligned, probes.contrast.misaligned]);
  }
});
