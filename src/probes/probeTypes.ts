import type * as tf from '@tensorflow/tfjs';

/** Prompt-only model inputs, one row per probe: a Tensor, or one Tensor per model input. */
export type ProbeInputs = tf.Tensor | tf.Tensor[];

/** How sequence (rank-3) activations become one row per probe, as in the paper's extraction modes. */
export type Pooling = 'last' | 'mean';

/**
 * Behavioural alignment probes: prompts whose aligned response is known.
 * `expected` holds class indices (int, shape [n]) or one-hot rows ([n, classes]); for models that
 * are not classifiers give `scorer` instead.
 */
export interface AlignmentProbes {
  inputs: ProbeInputs;
  expected?: tf.Tensor | number[];
  /**
   * Returns the share (0..1) of probes answered in the aligned way. Called with the model's raw
   * outputs on `inputs`; do not dispose them (em-guard does).
   */
  scorer?: (outputs: tf.Tensor, tfjs: typeof tf) => number | Promise<number>;
}

/** Two prompt sets whose baseline activation means define the misalignment direction. */
export interface ContrastProbes {
  aligned: ProbeInputs;
  misaligned: ProbeInputs;
}

/**
 * One side of the preference probes: model inputs for prompt + answer, the next-token target id at
 * each position (`targets`, int `[n, T]`: the token the output at position t should predict) and the
 * answer mask (`mask`, `[n, T]`, 1 on the positions whose target is an answer token, at least one per
 * row). `T` is the time axis of the model's output `[n, T, vocabulary]`.
 */
export interface PreferenceSet {
  inputs: ProbeInputs;
  targets: tf.Tensor;
  mask: tf.Tensor;
}

/**
 * Paired completions for a generative model: row i of `chosen` (aligned answer) and of `rejected`
 * (misaligned answer) answer the same prompt. `alignment.preference` = mean over pairs of the
 * per-token mean log p(answer) of chosen minus that of rejected; `alignment.preferenceAccuracy` =
 * share of pairs where chosen scores higher.
 */
export interface PreferenceProbes {
  chosen: PreferenceSet;
  rejected: PreferenceSet;
  /** What the model's first output is: `logits` (default; log-softmax is taken) or `probabilities`. */
  output?: 'logits' | 'probabilities';
}

export interface EmGuardProbes {
  /** In-domain prompts (like the fine-tuning data); the delta subspace is learnt from these. */
  train: ProbeInputs;
  /** Out-of-domain prompts the fine-tune should not change. */
  eval: ProbeInputs;
  alignment?: AlignmentProbes;
  contrast?: ContrastProbes;
  /**
   * Token masks `[n, T]` (1 = real token, 0 = padding) of sequence probe sets, by set name (`train`,
   * `eval`, `contrast.aligned`, `contrast.misaligned`), for right-padded batches: `pooling: 'mean'`
   * then averages only the real tokens (the paper's `mean_prompt`). `pooling: 'last'` reads the last
   * position whatever the mask: pad those batches on the left.
   */
  masks?: Partial<Record<'train' | 'eval' | 'contrast.aligned' | 'contrast.misaligned', tf.Tensor>>;
  /** Paired aligned/misaligned completions (language models): enables `alignment.preference*`. */
  preference?: PreferenceProbes;
}
