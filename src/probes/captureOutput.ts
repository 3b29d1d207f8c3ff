import * as tf from '@tensorflow/tfjs';
import { answerScores, type PreferenceOutput } from '../metrics/preferenceScores.js';
import { probeTensors } from './probeTensors.js';
import type { ProbeInputs } from './probeTypes.js';

/**
 * The first model output on a probe set, copied out of tfjs: raw (`[n, …]`), or, for a set with an
 * `AnswerScoring`, reduced where it was computed to one answer score per row (`shape: [n]`,
 * `reduced: 'answerScores'`).
 */
export interface ModelOutput {
  shape: number[];
  data: Float32Array;
  /** Set when `data` holds per-row answer scores (mean log p of the answer tokens), not the raw output. */
  reduced?: 'answerScores';
}

/** How to reduce a set's output `[n, T, V]` to answer scores `[n]` (`answerScores`): targets and mask `[n, T]`, what the output holds. */
export interface AnswerScoring {
  targets: tf.Tensor;
  mask: tf.Tensor;
  kind: PreferenceOutput;
}

/**
 * The model's first output on `inputs`, one forward pass per up-to-`batchSize` rows (predict's
 * default of 32 splits the probes into many small passes, several times slower on wasm), reduced
 * to answer scores when `scoring` is given (the `[n, T, V]` output never leaves tfjs then). The same
 * code runs inline and on the capture worker, so both give bit-identical outputs.
 */
export async function captureOutput(model: tf.LayersModel, inputs: ProbeInputs, batchSize: number, scoring?: AnswerScoring): Promise<ModelOutput> {
  const list = probeTensors(inputs);
  const rows = list[0]!.shape[0] ?? 1;
  const raw = model.predict(list.length === 1 ? list[0]! : list, { batchSize: Math.min(rows, batchSize) });
  const first = Array.isArray(raw) ? raw[0]! : raw;
  let reduced: tf.Tensor | null = null;
  try {
    if (scoring) reduced = tf.tidy(() => answerScores(first, scoring.targets, scoring.mask, scoring.kind));
    const out = reduced ?? first;
    // A private copy: on the cpu backend `data()` may hand out the tensor's own storage.
    const data = Float32Array.from((await out.data()) as ArrayLike<number>);
    return reduced ? { shape: out.shape.slice(), data, reduced: 'answerScores' } : { shape: out.shape.slice(), data };
  } finally {
    reduced?.dispose();
    for (const t of Array.isArray(raw) ? raw : [raw]) t.dispose();
  }
}
