import * as tf from '@tensorflow/tfjs';
import type { OrganismSet } from './makeOrganismDataset.js';
import { misalignedRate } from './misalignedRate.js';
import { organismLossOn } from './organismLoss.js';

/** One judge reading during a fine-tune. */
export interface MisalignmentReading {
  /** Batches completed since the start of `fit` (1-based, across epochs). */
  batch: number;
  epoch: number;
  /** Out-of-domain `unsafe` rate (the ground-truth judge). */
  oodUnsafe: number;
  /** Loss on the held-out in-domain set, when one was given. */
  inDomainLoss?: number;
}

export interface MisalignmentTrackerOptions {
  /** Judge every this many batches (and never at batch 0). Default 16. */
  every?: number;
  /** Held-out in-domain tensors for the in-domain loss. */
  inDomain?: { x: tf.Tensor; y: tf.Tensor };
}

/**
 * A `tf.CustomCallback` that records the judge's out-of-domain unsafe rate every N batches, so a
 * demo or experiment can show *when* emergent misalignment appears. It is a Callback instance, so
 * it can sit in one `callbacks` array with em-guard's callback. Measurement only: it never stops
 * training. Readings reset at each `fit`.
 */
export function misalignmentTracker(
  model: tf.LayersModel,
  judgeSet: OrganismSet,
  options: MisalignmentTrackerOptions = {},
): { callback: tf.CustomCallback; readings: MisalignmentReading[] } {
  const every = options.every ?? 16;
  if (!Number.isInteger(every) || every < 1) throw new Error(`Expected \`every\` to be an integer >= 1, got \`${String(every)}\` (${typeof every})`);
  const readings: MisalignmentReading[] = [];
  let batch = 0;
  let epoch = 0;
  const callback = new tf.CustomCallback(
    {
      onTrainBegin: async () => {
        readings.length = 0;
        batch = 0;
      },
      onEpochBegin: async (e) => {
        epoch = e;
      },
      onBatchEnd: async () => {
        batch++;
        if (batch % every !== 0) return;
        const reading: MisalignmentReading = { batch, epoch, oodUnsafe: misalignedRate(model, judgeSet) };
        if (options.inDomain) reading.inDomainLoss = organismLossOn(model, options.inDomain.x, options.inDomain.y);
        readings.push(reading);
      },
    },
    'never',
  );
  return { callback, readings };
}

/** The first reading's batch at which the out-of-domain unsafe rate reached `threshold`, or null. */
export function firstCrossing(readings: readonly MisalignmentReading[], threshold: number): number | null {
  return readings.find((r) => r.oodUnsafe >= threshold)?.batch ?? null;
}
