import * as tf from '@tensorflow/tfjs';
import { fixedSequenceLength } from './greedyDecode.js';
import { responseSequences, type ResponseSequences } from './responseSequences.js';

/** Preference pairs: the same prompt answered the aligned (`chosen`) and the misaligned (`rejected`) way. */
export interface LmPreferencePairs {
  prompts: readonly ArrayLike<number>[];
  chosen: readonly ArrayLike<number>[];
  rejected: readonly ArrayLike<number>[];
}

export interface LmSequenceOptions {
  /** Padding id (right padding). */
  pad: number;
  /** The model's context: prompt + response tokens at most. */
  maxLength: number;
  /** Rows per (double) backward pass. Default 32. */
  batchSize?: number;
}

/** The unit gradient of the model's preference margin, over the parameters the score uses. Owns tensors: `dispose()`. */
export interface AlignmentGradient {
  /** Layers whose trainable weights the score uses. */
  layers: string[];
  /** Number of parameters. */
  parameters: number;
  /** M = mean over pairs of (mean-token log p(chosen) − mean-token log p(rejected)), at the model's weights. */
  margin: number;
  /** ‖∇M‖ over those parameters. */
  norm: number;
  /** The weights (live variables, not owned) and ∇M/‖∇M‖ per weight (owned). */
  variables: tf.Variable[];
  unit: tf.Tensor[];
  dispose(): void;
}

/**
 * Mean next-token cross-entropy over each row's response tokens, one value per row `[n]`: the training
 * loss of each example alone (`lmLoss` on a one-row batch). Row i's logits depend on row i only, so
 * the gradient of Σ u_i L_i with respect to anything is Σ u_i ∇L_i.
 */
function perExampleLoss(model: tf.LayersModel, s: ResponseSequences, start: number, rows: number, dtype: 'int32' | 'float32'): tf.Tensor1D {
  const L = s.length;
  const V = model.outputs[0]!.shape[2]!;
  const targets = new Int32Array(rows * L);
  const weights = new Float32Array(rows * L);
  for (let r = 0; r < rows; r++) {
    const i = start + r;
    // Position t predicts token t + 1: it counts when token t + 1 is a response token.
    for (let t = 0; t + 1 < L; t++) {
      if (s.mask[i * L + t + 1] === 1) {
        targets[r * L + t] = s.ids[i * L + t + 1]!;
        weights[r * L + t] = 1;
      }
    }
  }
  const ids = tf.tensor2d(s.ids.subarray(start * L, (start + rows) * L), [rows, L], dtype);
  const w = tf.tensor2d(weights, [rows, L]);
  const oneHot = tf.oneHot(tf.tensor2d(targets, [rows, L], 'int32'), V);
  const logits = model.apply(ids) as tf.Tensor3D;
  const ll = tf.sum(tf.mul(oneHot, tf.logSoftmax(logits)), -1);
  return tf.div(tf.neg(tf.sum(tf.mul(ll, w), -1)), tf.maximum(tf.sum(w, -1), 1)) as tf.Tensor1D;
}

function modelVariables(model: tf.LayersModel, layers: readonly string[] | undefined): { names: string[]; variables: tf.Variable[] } {
  const chosen = layers ?? model.layers.filter((l) => l.trainableWeights.length > 0).map((l) => l.name);
  const variables: tf.Variable[] = [];
  for (const name of chosen) {
    let layer: tf.layers.Layer;
    try {
      layer = model.getLayer(name);
    } catch {
      throw new Error(
        `screen: unknown layer \`${name}\` in model \`${model.name}\` (layers with weights: ${model.layers
          .filter((l) => l.trainableWeights.length > 0)
          .map((l) => l.name)
          .join(', ')})`,
      );
    }
    if (layer.trainableWeights.length === 0) throw new Error(`screen: layer \`${name}\` has no trainable weights`);
    for (const w of layer.trainableWeights) variables.push(w.read() as tf.Variable);
  }
  if (variables.length === 0) throw new Error('screen: the model has no trainable weights to take gradients of');
  return { names: [...chosen], variables };
}

function checkSequences(model: tf.LayersModel, o: LmSequenceOptions) {
  return { pad: o.pad, maxLength: o.maxLength, fixedLength: fixedSequenceLength(model) };
}

/**
 * ∇θ M of the preference margin M = mean_j [mean-token log p(chosen_j | prompt_j) −
 * mean-token log p(rejected_j | prompt_j)] (the smooth form of the guard's preference share),
 * normalised, over the trainable weights of `layers` (default: every layer with weights).
 */
export function alignmentGradient(
  model: tf.LayersModel,
  pairs: LmPreferencePairs,
  options: LmSequenceOptions & { layers?: readonly string[] },
): AlignmentGradient {
  const n = pairs.prompts.length;
  if (n < 1) throw new Error('screen: no preference pairs');
  if (pairs.chosen.length !== n || pairs.rejected.length !== n)
    throw new Error(`screen: ${n} preference prompts but ${pairs.chosen.length} chosen and ${pairs.rejected.length} rejected responses`);
  const { names, variables } = modelVariables(model, options.layers);
  const seq = checkSequences(model, options);
  const both = responseSequences([...pairs.prompts, ...pairs.prompts], [...pairs.chosen, ...pairs.rejected], { ...seq, what: 'preference pair' });
  const dtype = model.inputs[0]!.dtype === 'int32' ? 'int32' : 'float32';
  const { value, grads } = tf.variableGrads(() => {
    const loss = perExampleLoss(model, both, 0, 2 * n, dtype);
    // Loss = −mean-token log-likelihood, so M = mean(loss(rejected) − loss(chosen)).
    return tf.mean(tf.sub(tf.slice(loss, n, n), tf.slice(loss, 0, n))) as tf.Scalar;
  }, variables);
  const margin = value.dataSync()[0]!;
  value.dispose();
  const g = variables.map((v) => grads[v.name]!);
  let sq = 0;
  for (const t of g) for (const x of t.dataSync()) sq += x * x;
  const norm = Math.sqrt(sq);
  if (!(norm > 0) || !Number.isFinite(norm)) {
    tf.dispose(g);
    throw new Error(`screen: the preference margin's gradient is ${norm} over layers ${names.join(', ')}: no direction to score against`);
  }
  const unit = g.map((t) => tf.tidy(() => tf.div(t, norm)));
  tf.dispose(g);
  return {
    layers: names,
    parameters: variables.reduce((a, v) => a + v.size, 0),
    margin,
    norm,
    variables,
    unit,
    dispose: () => tf.dispose(unit),
  };
}

/**
 * Gradient-alignment score of every example (influence / TracIn-style, Pruthi et al. 2020):
 * s_i = ∇θ L_i · ∇θ M / ‖∇θ M‖, L_i the example's training loss (mean next-token cross-entropy over
 * its response), M the preference margin (`alignmentGradient`). One SGD step of size η on example i
 * changes M by −η ‖∇M‖ s_i to first order, so s_i > 0 means "training on this example lowers the
 * model's preference for aligned answers". Computed exactly and batched: s = J v̂ for the Jacobian J
 * of the per-example losses, as the gradient with respect to u of (Jᵀu)·v̂ (double backward), since
 * tfjs has no forward-mode differentiation.
 */
export function lmGradientScores(
  model: tf.LayersModel,
  rows: { prompts: readonly ArrayLike<number>[]; responses: readonly ArrayLike<number>[] },
  direction: AlignmentGradient,
  options: LmSequenceOptions & { what?: string },
): Float64Array {
  const s = responseSequences(rows.prompts, rows.responses, { ...checkSequences(model, options), ...(options.what ? { what: options.what } : {}) });
  return gradientScoresOf(model, s, direction, options.batchSize ?? 32);
}

/** `lmGradientScores` on already built sequences. */
export function gradientScoresOf(model: tf.LayersModel, s: ResponseSequences, direction: AlignmentGradient, batchSize: number): Float64Array {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`screen: expected \`batchSize\` to be an integer >= 1, got \`${String(batchSize)}\``);
  const dtype = model.inputs[0]!.dtype === 'int32' ? 'int32' : 'float32';
  const out = new Float64Array(s.n);
  const { variables, unit } = direction;
  for (let start = 0; start < s.n; start += batchSize) {
    const rows = Math.min(batchSize, s.n - start);
    const part = tf.tidy(() => {
      const jvp = tf.grad((u: tf.Tensor) => {
        const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(perExampleLoss(model, s, start, rows, dtype), u)) as tf.Scalar, variables);
        value.dispose();
        let dot: tf.Tensor = tf.scalar(0);
        variables.forEach((v, k) => (dot = tf.add(dot, tf.sum(tf.mul(grads[v.name]!, unit[k]!)))));
        return dot;
      });
      return jvp(tf.ones([rows]));
    });
    const values = part.dataSync();
    part.dispose();
    for (let r = 0; r < rows; r++) out[start + r] = values[r]!;
  }
  return out;
}
