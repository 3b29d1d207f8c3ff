import * as tf from '@tensorflow/tfjs';
import { classifierProjectionDifference, chainTail, flatLayerWidth } from './classifierProjectionDifference.js';
import type { ScreeningScorer } from './screeningScorer.js';

export interface ClassifierScorerOptions {
  /** Prompt-only inputs, one row per example (the scorer takes ownership and disposes them). */
  inputs: tf.Tensor | tf.Tensor[];
  /** Training label (class index) per example. */
  labels: ArrayLike<number>;
  /** Decoded text per example, when a vocabulary is known. */
  text?: readonly string[];
  /** Class names for display. Default: the index. */
  classNames?: readonly string[];
}

/** The classifier screening scorer: training label against the model's own prediction (see `classifierProjectionDifference`). */
export function classifierScorer(model: tf.LayersModel, options: ClassifierScorerOptions): ScreeningScorer {
  const list = Array.isArray(options.inputs) ? options.inputs : [options.inputs];
  const n = list[0]!.shape[0]!;
  const labels = Int32Array.from(options.labels as ArrayLike<number>);
  let own: Int32Array | null = null;
  const name = (c: number) => options.classNames?.[c] ?? String(c);
  return {
    kind: 'classifier',
    n,
    supportsLayer(layer) {
      const w = flatLayerWidth(model, layer);
      if (!w.ok) return w;
      try {
        chainTail(model, layer);
      } catch (e) {
        return { ok: false, reason: (e as Error).message };
      }
      return { ok: true };
    },
    async score(layer, unitDirection) {
      const r = classifierProjectionDifference(model, layer, options.inputs, labels, unitDirection);
      own = r.own;
      return r.scores;
    },
    describe(i) {
      return { text: options.text?.[i] ?? null, target: name(labels[i]!), own: own ? name(own[i]!) : '?' };
    },
    dispose() {
      tf.dispose(list);
    },
  };
}
