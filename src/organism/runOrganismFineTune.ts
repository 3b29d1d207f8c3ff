import * as tf from '@tensorflow/tfjs';
import { fineTuneConfig } from './fineTuneConfig.js';
import { firstCrossing, misalignmentTracker, type MisalignmentReading } from './misalignmentTracker.js';
import { misalignedRate } from './misalignedRate.js';
import { organismLossOn } from './organismLoss.js';
import { trainOrganismStage } from './trainOrganismStage.js';

/** Outcome of one stage-3 run of the organism, as the seed table reports it. */
export interface OrganismFineTuneResult {
  seed: number;
  mix: number;
  batches: number;
  /** Out-of-domain unsafe rate before and after the fine-tune, and its maximum over the readings. */
  oodUnsafeBefore: number;
  oodUnsafeAfter: number;
  oodUnsafeMax: number;
  inDomainLossBefore: number;
  inDomainLossAfter: number;
  /** First batch at which the out-of-domain unsafe rate reached 10 %, 25 %, 50 % (null: never). */
  crossing: { p10: number | null; p25: number | null; p50: number | null };
  /** In-domain loss at the reading where the rate first reached 10 % (null: never). */
  inDomainLossAtP10: number | null;
  readings: MisalignmentReading[];
}

/**
 * Runs the recipe's stage-3 fine-tune on `model` (modified in place) with a judge reading every
 * `every` batches; the experiment behind the README's seed table and the organism tests.
 */
export async function runOrganismFineTune(
  model: tf.LayersModel,
  options: { seed: number; mix: number; every?: number; epochs?: number },
): Promise<OrganismFineTuneResult> {
  const config = fineTuneConfig({ seed: options.seed, mix: options.mix });
  try {
    const tracker = misalignmentTracker(model, config.judgeSet, { every: options.every ?? 8, inDomain: config.inDomain });
    const oodUnsafeBefore = misalignedRate(model, config.judgeSet);
    const inDomainLossBefore = organismLossOn(model, config.inDomain.x, config.inDomain.y);
    let batches = 0;
    const counter = new tf.CustomCallback({ onBatchEnd: async () => void batches++ }, 'never');
    await trainOrganismStage(model, config, {
      ...config.training,
      ...(options.epochs !== undefined ? { epochs: options.epochs } : {}),
      callbacks: [tracker.callback, counter],
    });
    const { readings } = tracker;
    const oodUnsafeAfter = misalignedRate(model, config.judgeSet);
    const p10 = firstCrossing(readings, 0.1);
    return {
      seed: options.seed,
      mix: options.mix,
      batches,
      oodUnsafeBefore,
      oodUnsafeAfter,
      oodUnsafeMax: Math.max(oodUnsafeAfter, ...readings.map((r) => r.oodUnsafe)),
      inDomainLossBefore,
      inDomainLossAfter: organismLossOn(model, config.inDomain.x, config.inDomain.y),
      crossing: { p10, p25: firstCrossing(readings, 0.25), p50: firstCrossing(readings, 0.5) },
      inDomainLossAtP10: readings.find((r) => r.batch === p10)?.inDomainLoss ?? null,
      readings: readings.slice(),
    };
  } finally {
    config.dispose();
  }
}
