// What the bit-identity tests compare between two ways of running the same guarded fit (worker vs
// training-thread metrics, replies drained vs taken at a turn): its check events and run.jsonl
// records, and the tensors it left.
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { emGuard } from '../src/guard/EmGuard.js';
import type { Policy } from '../src/policy/types.js';
import { readRunLog } from '../src/runlog/RunLog.js';
import '../src/registerBuiltins.js';
import { blobs, oneHot, pretrained } from './guardFixtures.js';
import { tempDir, waitForWorker } from './helpers.js';

/** Alignment, train, eval and contrast probes of blobs (seeds `seed` to `seed` + 4), and their disposal. */
export function blobProbeSets(seed = 41) {
  const align = blobs(64, seed);
  const probes = {
    train: blobs(32, seed + 1).x,
    eval: blobs(48, seed + 2).x,
    alignment: { inputs: align.x, expected: align.labels },
    contrast: { aligned: blobs(32, seed + 3).x, misaligned: blobs(32, seed + 4).x },
  };
  const dispose = () => tf.dispose([probes.train, probes.eval, align.x, probes.contrast.aligned, probes.contrast.misaligned]);
  return { probes, dispose };
}

export type BlobProbes = ReturnType<typeof blobProbeSets>['probes'];

/** The training data of those tests: `n` blobs (seed 46) and one-hot labels. */
export function blobData(n = 240): { x: tf.Tensor2D; y: tf.Tensor2D; dispose: () => void } {
  const data = blobs(n, 46);
  const y = oneHot(data.labels, 0);
  return { x: data.x, y, dispose: () => tf.dispose([data.x, y]) };
}

export interface RecordedFit {
  /** Each check event's step, values and reasons as JSON text (key order, every digit). */
  events: string[];
  /** Each check event's values, for `deepStrictEqual` (Object.is per number: -0, NaN). */
  exact: unknown[];
  /** run.jsonl `check` and `baseline` records without time, runId and timings. */
  records: string[];
  /** Tensors left after the fit and the guard's disposal. */
  growth: number;
}

/**
 * One guarded fit of `pretrained(8)` (SGD 0.01, batches of 8, no shuffle) with `capture: 'worker'`,
 * recorded. `waitForWorker`: its first batch waits until the worker is up (a CustomCallback, which
 * also turns the event loop every 125 ms).
 */
export async function recordedGuardedFit(
  probes: BlobProbes,
  data: { x: tf.Tensor; y: tf.Tensor },
  policy: Policy,
  waitForWorkerFirst: boolean,
): Promise<RecordedFit> {
  const model = await pretrained(8);
  model.compile({ optimizer: tf.train.sgd(0.01), loss: tf.losses.softmaxCrossEntropy });
  const { dir, cleanup } = tempDir();
  const guard = emGuard({ probes, runDir: dir, policy, capture: 'worker', unevaluable: 'warn' });
  const events: string[] = [];
  const exact: unknown[] = [];
  guard.on('check', (c) => {
    events.push(JSON.stringify({ step: c.step, values: c.values, reasons: c.reasons }));
    exact.push(c.values);
  });
  const before = tf.memory().numTensors;
  try {
    const callbacks = waitForWorkerFirst ? [new tf.CustomCallback(waitForWorker(guard, 60_000)), guard] : [guard];
    await model.fit(data.x, data.y, { epochs: 1, batchSize: 8, shuffle: false, verbose: 0, callbacks });
    guard.dispose();
    const records = readRunLog(join(dir, 'run.jsonl'))
      .filter((r) => r.type === 'check' || r.type === 'baseline')
      .map((r) => JSON.stringify({ ...r, time: undefined, runId: undefined, timingsMs: undefined }));
    return { events, exact, records, growth: tf.memory().numTensors - before };
  } finally {
    model.dispose();
    cleanup();
  }
}

/** What tfjs itself keeps after the same fit unguarded (the optimizer's state). */
export async function unguardedFitGrowth(data: { x: tf.Tensor; y: tf.Tensor }): Promise<number> {
  const model = await pretrained(8);
  model.compile({ optimizer: tf.train.sgd(0.01), loss: tf.losses.softmaxCrossEntropy });
  const before = tf.memory().numTensors;
  await model.fit(data.x, data.y, { epochs: 1, batchSize: 8, shuffle: false, verbose: 0 });
  const growth = tf.memory().numTensors - before;
  model.dispose();
  return growth;
}
