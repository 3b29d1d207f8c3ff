import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { WorkerCapture } from '../src/probes/WorkerCapture.js';
import { loadBundledPolicy } from '../src/policy/loadPolicy.js';
import { useBackend } from './helpers.js';
import { blobData, blobProbeSets, recordedGuardedFit, unguardedFitGrowth } from './recordedGuardedFit.js';

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
  const { probes, dispose } = blobProbeSets();
  const data = blobData();
  const fitOnce = async (how: 'warm-up' | 'worker' | 'here') => {
    const spy = spyCore(how === 'here');
    try {
      const fit = await recordedGuardedFit(probes, data, policy, true);
      return { ...fit, withCore: spy.withCore, without: spy.without };
    } finally {
      spy.restore();
    }
  };
  const unguarded = await unguardedFitGrowth(data);
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
    assert.deepStrictEqual(worker.exact, here.exact);
    assert.equal(worker.growth, here.growth, 'the same tensors left as computing them here');
    assert.equal(worker.growth, unguarded, 'no tensor left by the guard (tfjs keeps what it keeps after an unguarded fit)');
  } finally {
    data.dispose();
    dispose();
  }
});
