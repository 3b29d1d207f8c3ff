import * as tf from '@tensorflow/tfjs';
import { seededRandom } from '../../util/seededRandom.js';
import { LM_MAX_RESPONSE, LM_PROMPT_LENGTH, lmVocabulary } from './lmVocabulary.js';

export interface GenerateOptions {
  /** 0 = greedy; > 0 samples from softmax(logits / temperature). Default 0. */
  temperature?: number;
  /** Seeds the sampling. Default 0. */
  seed?: number;
  /** Most tokens to generate. Default LM_MAX_RESPONSE. */
  maxTokens?: number;
  /** Prompts per forward pass. Default 256. */
  batchSize?: number;
}

/**
 * Autoregressive generation from prompts (`[n · LM_PROMPT_LENGTH]` ids): full forward passes on
 * the growing sequence (no KV cache; the context is 36 tokens), last position's logits, greedy or
 * seeded temperature sampling (rows in order, one draw per unfinished row), until every row has
 * written `<eos>` or `maxTokens`; finished rows leave the batch. Returns the
 * responses `[n · maxTokens]`, `<pad>` after `<eos>`.
 */
export function generateLm(model: tf.LayersModel, prompts: Int32Array, options: GenerateOptions = {}): Int32Array {
  const temperature = options.temperature ?? 0;
  const maxTokens = options.maxTokens ?? LM_MAX_RESPONSE;
  const batchSize = options.batchSize ?? 256;
  if (!(temperature >= 0)) throw new Error(`Expected \`temperature\` to be a number >= 0, got \`${String(temperature)}\``);
  const P = LM_PROMPT_LENGTH;
  const n = prompts.length / P;
  if (!Number.isInteger(n)) throw new Error(`generateLm: ${prompts.length} prompt ids is not a multiple of ${P}`);
  const V = lmVocabulary.size;
  const rand = seededRandom(options.seed ?? 0);
  const out = new Int32Array(n * maxTokens).fill(lmVocabulary.pad);
  for (let start = 0; start < n; start += batchSize) {
    const m = Math.min(batchSize, n - start);
    const seq = Array.from({ length: m }, (_, i) => Array.from(prompts.subarray((start + i) * P, (start + i + 1) * P)));
    // Rows that wrote `<eos>` leave the batch: the forward pass runs on the unfinished rows only
    // (answers are 3–21 tokens, so most rows finish long before the longest).
    let active = Array.from({ length: m }, (_, i) => i);
    for (let step = 0; step < maxTokens && active.length > 0; step++) {
      const L = P + step;
      const a = active.length;
      const logits = tf.tidy(() => {
        const x = tf.tensor2d(Float32Array.from(active.flatMap((i) => seq[i]!)), [a, L]);
        const y = model.predict(x) as tf.Tensor3D;
        return tf.reshape(tf.slice(y, [0, L - 1, 0], [a, 1, V]), [a, V]).dataSync() as Float32Array;
      });
      const still: number[] = [];
      active.forEach((i, k) => {
        const row = logits.subarray(k * V, (k + 1) * V);
        const next = temperature === 0 ? argmax(row) : sample(row, temperature, rand);
        out[(start + i) * maxTokens + step] = next;
        seq[i]!.push(next);
        if (next !== lmVocabulary.eos) still.push(i);
      });
      active = still;
    }
  }
  return out;
}

function argmax(row: Float32Array): number {
  let best = 0;
  for (let j = 1; j < row.length; j++) if (row[j]! > row[best]!) best = j;
  return best;
}

function sample(row: Float32Array, temperature: number, rand: () => number): number {
  let max = -Infinity;
  for (const v of row) max = Math.max(max, v);
  const p = new Float64Array(row.length);
  let total = 0;
  for (let j = 0; j < row.length; j++) total += p[j] = Math.exp((row[j]! - max) / temperature);
  let u = rand() * total;
  for (let j = 0; j < row.length; j++) {
    u -= p[j]!;
    if (u <= 0) return j;
  }
  return row.length - 1;
}
