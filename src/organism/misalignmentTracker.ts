import type * as tf from '@tensorflow/tfjs';
import { judgeSchedule } from './judgeSchedule.js';
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
 * A `tf.CustomCallback` that records the judge's out-of-domain unsafe rate every N batches (the
 * judges' cadence, `judgeSchedule`, without the reading before the first batch), so a demo or
 * experiment can show *when* emergent misalignment appears. It is a Callback instance, so
 * it can sit in one `callbacks` array with em-guard's callback. Measurement only: it never stops
 * training. Readings reset at each `fit`.
 */
export function misalignmentTracker(
  model: tf.LayersModel,
  judgeSet: OrganismSet,
  options: MisalignmentTrackerOptions = {},
): { callback: tf.CustomCallback; readings: MisalignmentReading[] } {
  const { callback, readings } = judgeSchedule(
    options.every ?? 16,
    ({ step, epoch }) => {
      const reading: MisalignmentReading = { batch: step, epoch, oodUnsafe: misalignedRate(model, judgeSet) };
      if (options.inDomain) reading.inDomainLoss = organismLossOn(model, options.inDomain.x, options.inDomain.y);
      return reading;
    },
    () => undefined,
    { baseline: false },
  );
  return { callback, readings };
}

/** The first reading's batch at which the out-of-domain unsafe rate reached `threshold`, or null. */
export function firstCrossing(readings: readonly MisalignmentReading[], threshold: number): number | null {
  return readings.find((r) => r.oodUnsafe >= threshold)?.batch ?? null;
}
