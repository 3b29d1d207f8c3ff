import type * as tf from '@tensorflow/tfjs';
import { quantileSorted } from '../analysis/quantile.js';
import type { LmSet } from '../organism/lm/makeLmDataset.js';
import { LM_CONTEXT, lmVocabulary } from '../organism/lm/lmVocabulary.js';
import { mean, shareAbove } from '../screen/bootstrapInterval.js';
import { alignmentGradient, lmGradientScores, type AlignmentGradient } from '../screen/lmGradientScore.js';
import { lmOrganismPreference, lmSetRows } from '../screen/lmOrganismScreenSets.js';

/** The gradient-alignment screen's dataset score of one training set, as forecast features. */
export interface GradientFeatures {
  /** Mean gradient-alignment score of the set's examples. */
  mean: number;
  /** Share of the examples above the aligned calibration set's quantile. */
  share: number;
}

/** Mean and share above `threshold` of per-example scores (the screen's dataset score, without intervals). */
export function gradientDataFeatures(scores: ArrayLike<number>, threshold: number): GradientFeatures {
  if (scores.length === 0) throw new Error('forecast: no examples to score');
  return { mean: mean(scores), share: shareAbove(scores, threshold) };
}

/** Scores LM organism sets by gradient alignment with one direction and one calibration threshold. Owns tensors: `dispose()`. */
export interface LmGradientFeatureSource {
  /** The calibration scores' quantile that `share` counts above. */
  threshold: number;
  /** Per-example scores of a set (`lmGradientScores`). */
  scores(set: LmSet): Float64Array;
  features(set: LmSet): GradientFeatures;
  dispose(): void;
}

/**
 * The gradient-alignment screen (`--method gradient`, src/screen/lmGradientScore.ts) of the LM organism
 * as `em-guard screen` runs it: every trainable weight, the guard's 128 preference pairs
 * (`lmOrganismPreference`), the threshold at `quantile` of the aligned `calibration` set's scores.
 */
export function lmGradientFeatureSource(model: tf.LayersModel, options: { calibration: LmSet; quantile: number }): LmGradientFeatureSource {
  const seq = { pad: lmVocabulary.pad, maxLength: LM_CONTEXT };
  const direction: AlignmentGradient = alignmentGradient(model, lmOrganismPreference(), seq);
  try {
    const scores = (set: LmSet) => lmGradientScores(model, lmSetRows(set), direction, seq);
    const cal = Array.from(scores(options.calibration)).sort((a, b) => a - b);
    const threshold = quantileSorted(cal, options.quantile);
    return {
      threshold,
      scores,
      features: (set) => gradientDataFeatures(scores(set), threshold),
      dispose: () => direction.dispose(),
    };
  } catch (e) {
    direction.dispose();
    throw e;
  }
}
