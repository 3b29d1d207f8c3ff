import * as tf from '@tensorflow/tfjs';

export interface GreedyDecodeOptions {
  /** End-of-sequence token id: a response ends after it. */
  eos: number;
  /** Padding token id (right padding; a causal model's real positions never see it). */
  pad: number;
  /** Longest prompt + response the model takes (its context). */
  maxLength: number;
  /** Rows per forward pass. Default 256. */
  batchSize?: number;
}

/** The model's time axis when fixed (`[batch, T]` input), else null (`[batch, null]`). */
export function fixedSequenceLength(model: tf.LayersModel): number | null {
  const shape = model.inputs[0]!.shape;
  return typeof shape[1] === 'number' ? shape[1] : null;
}

/**
 * Greedy decoding of a causal language model whose input is token ids `[batch, positions]` and whose
 * first output is next-token logits `[batch, positions, vocabulary]`. Prompts may differ in length:
 * a batch is right-padded and each row reads the logits at its own last position (causal attention
 * makes the padding invisible to the real positions), so no prompt is shifted by left padding. A row
 * stops after `eos` or at `maxLength` tokens. Returns each response (its `eos` included when written).
 */
export function greedyDecode(model: tf.LayersModel, prompts: readonly ArrayLike<number>[], options: GreedyDecodeOptions): Int32Array[] {
  const { eos, pad, maxLength } = options;
  const batchSize = options.batchSize ?? 256;
  if (!Number.isInteger(maxLength) || maxLength < 2)
    throw new Error(`greedyDecode: expected \`maxLength\` to be an integer >= 2, got \`${String(maxLength)}\``);
  const fixed = fixedSequenceLength(model);
  if (fixed !== null && fixed < maxLength) throw new Error(`greedyDecode: the model takes ${fixed} positions, fewer than \`maxLength\` ${maxLength}`);
  const dtype = model.inputs[0]!.dtype === 'int32' ? 'int32' : 'float32';
  const seqs = prompts.map((p, i) => {
    if (p.length < 1 || p.length >= maxLength)
      throw new Error(`greedyDecode: prompt ${i} has ${p.length} tokens; expected 1 to ${maxLength - 1} (the context is ${maxLength})`);
    return Array.from(p);
  });
  const done = seqs.map(() => false);
  const responses: number[][] = seqs.map(() => []);
  for (let start = 0; start < seqs.length; start += batchSize) {
    const rows = Array.from({ length: Math.min(batchSize, seqs.length - start) }, (_, k) => start + k);
    for (;;) {
      const live = rows.filter((i) => !done[i]);
      if (live.length === 0) break;
      const L = fixed ?? Math.max(...live.map((i) => seqs[i]!.length));
      const ids = new Array<number>(live.length * L).fill(pad);
      live.forEach((i, r) => seqs[i]!.forEach((t, j) => (ids[r * L + j] = t)));
      const next = tf.tidy(() => {
        const logits = model.predict(tf.tensor2d(ids, [live.length, L], dtype)) as tf.Tensor | tf.Tensor[];
        const out = (Array.isArray(logits) ? logits[0]! : logits) as tf.Tensor3D;
        const V = out.shape[2];
        // Row r's logits at its own last real position: flat index r·L + len_r − 1.
        const at = tf.tensor1d(
          live.map((i, r) => r * L + seqs[i]!.length - 1),
          'int32',
        );
        return tf.argMax(tf.gather(tf.reshape(out, [live.length * L, V]), at), 1).dataSync() as Int32Array;
      });
      live.forEach((i, r) => {
        const t = next[r]!;
        seqs[i]!.push(t);
        responses[i]!.push(t);
        if (t === eos || seqs[i]!.length >= maxLength) done[i] = true;
      });
    }
  }
  return responses.map((r) => Int32Array.from(r));
}
