// The capture worker thread runs WORKER_NICER_BY nice steps below the thread that started it (Linux:
// per-thread nice values in /proc/self/task/<tid>/stat), so on a busy machine it takes what
// training leaves instead of half of it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { WorkerCapture } from '../src/probes/WorkerCapture.js';
import { WORKER_NICER_BY } from '../src/probes/captureWorkerProtocol.js';
import { useBackend } from './helpers.js';

await useBackend();

/** Nice value per thread id of this process (field 19 of /proc/<pid>/task/<tid>/stat). */
function threadNice(): Map<number, number> {
  const out = new Map<number, number>();
  for (const tid of readdirSync('/proc/self/task')) {
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    out.set(Number(tid), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]));
  }
  return out;
}

test('the capture worker thread runs below the training thread in priority (nice + WORKER_NICER_BY)', async () => {
  const model = tf.sequential({ layers: [tf.layers.dense({ units: 3, inputShape: [4], name: 'h' })] });
  const x = tf.ones([5, 4]);
  const before = threadNice();
  const worker = new WorkerCapture(model, ['h'], { pooling: 'last', batchSize: 8 }, new Map([['eval', x]]));
  try {
    await worker.ready;
    // The worker still works at its priority.
    const r = await worker.capture(model, ['eval'], []);
    assert.deepEqual([r.activations.get('eval')!.get('h')!.rows, r.activations.get('eval')!.get('h')!.cols], [5, 3]);
    const main = threadNice().get(process.pid)!;
    const started = [...threadNice()].filter(([tid]) => !before.has(tid)).map(([, nice]) => nice);
    assert.ok(
      started.includes(Math.min(19, main + WORKER_NICER_BY)),
      `threads started with the worker have nice ${started.join(', ')}; the training thread ${main}`,
    );
  } finally {
    await worker.release({ discard: true });
    tf.dispose([x]);
    model.dispose();
  }
});
