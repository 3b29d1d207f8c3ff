import * as tf from '@tensorflow/tfjs';

/** The layers after `layer`, checked to form a single chain to the model's only output. */
export function chainTail(model: tf.LayersModel, layer: string): tf.layers.Layer[] {
  const all = model.layers;
  const idx = all.findIndex((l) => l.name === layer);
  if (idx < 0) throw new Error(`screen: unknown layer \`${layer}\` in model \`${model.name}\`; available: ${all.map((l) => l.name).join(', ')}`);
  if (model.outputs.length !== 1)
    throw new Error(`screen: model \`${model.name}\` has ${model.outputs.length} outputs; the classifier score needs a single logits output`);
  const tail = all.slice(idx + 1);
  let previous = all[idx]!;
  for (const l of tail) {
    const inbound = l.inboundNodes.flatMap((n) => n.inboundLayers);
    if (l.inboundNodes.length !== 1 || inbound.length !== 1 || inbound[0] !== previous) {
      throw new Error(
        `screen: layer \`${l.name}\` does not take \`${previous.name}\` as its only input; the classifier score needs the layers after \`${layer}\` to form one chain to the output`,
      );
    }
    previous = l;
  }
  if (model.outputs[0]!.sourceLayer !== previous) throw new Error(`screen: the layers after \`${layer}\` do not end at the model's output`);
  return tail;
}

/** Output width of a layer whose activations are `[batch, width]`, or a reason it is not. */
export function flatLayerWidth(model: tf.LayersModel, layer: string): { ok: true; width: number } | { ok: false; reason: string } {
  const shape = model.getLayer(layer).outputShape;
  if (!Array.isArray(shape) || Array.isArray(shape[0])) return { ok: false, reason: `layer \`${layer}\` has several outputs` };
  const s = shape as (number | null)[];
  if (s.length !== 2 || typeof s[1] !== 'number')
    return {
      ok: false,
      reason: `layer \`${layer}\` outputs shape [${s.map(String).join(', ')}], not [batch, features]; screen a flat layer (e.g. after pooling)`,
    };
  return { ok: true, width: s[1] };
}

export interface ClassifierProjectionDifference {
  /** Per example: ∂(z_label − z_own)/∂h · û at the example's activation h. */
  scores: Float64Array;
  /** The model's own prediction (argmax of its output) per example. */
  own: Int32Array;
}

/**
 * The classifier analogue of the projection difference (Chen et al. 2025), for every example:
 *
 *   s_i = û · ∇_h (z_{y_i} − z_{ŷ_i})(h_i) = û · J_iᵀ (e_{y_i} − e_{ŷ_i}),
 *
 * with h_i the example's activation at `layer`, z the logits computed from h by the layers after it,
 * J_i = ∂z/∂h at h_i, y_i the training label, ŷ_i the model's own prediction, and û the unit
 * misalignment direction. Why this is the analogue: one gradient step of softmax cross-entropy on
 * (x_i, y) moves h_i by η·J_iᵀ(e_y − p_i); doing the same with the model's own answer moves it by
 * η·J_iᵀ(e_ŷ − p_i). Their difference, η·J_iᵀ(e_y − e_ŷ), is how much more the *training label*
 * pushes the representation than the model's *own answer* does, and s_i is its projection on the
 * misalignment direction (per unit η). Like the LM definition it is exactly 0 when the training
 * response equals the model's own, and it is positive when learning the label moves the example
 * toward the misaligned side. The prompt-only activation itself does not depend on the label, so
 * "activation on the training response" has to be read through the gradient: this is the only
 * place the label enters the representation.
 */
export function classifierProjectionDifference(
  model: tf.LayersModel,
  layer: string,
  inputs: tf.Tensor | tf.Tensor[],
  labels: ArrayLike<number>,
  unitDirection: Float64Array,
  options: { batchSize?: number } = {},
): ClassifierProjectionDifference {
  const tail = chainTail(model, layer);
  const width = flatLayerWidth(model, layer);
  if (!width.ok) throw new Error(`screen: ${width.reason}`);
  if (unitDirection.length !== width.width)
    throw new Error(`screen: direction has ${unitDirection.length} entries but layer \`${layer}\` is ${width.width} wide`);
  const list = Array.isArray(inputs) ? inputs : [inputs];
  const n = list[0]!.shape[0]!;
  if (labels.length !== n) throw new Error(`screen: ${n} inputs but ${labels.length} labels`);
  const classes = model.outputs[0]!.shape.at(-1);
  if (typeof classes !== 'number' || model.outputs[0]!.shape.length !== 2)
    throw new Error(`screen: model \`${model.name}\` output shape [${model.outputs[0]!.shape.map(String).join(', ')}] is not [batch, classes]`);
  for (let i = 0; i < n; i++) {
    const y = labels[i]!;
    if (!Number.isInteger(y) || y < 0 || y >= classes) throw new Error(`screen: label ${i} is \`${String(y)}\`; expected a class index in [0, ${classes - 1}]`);
  }
  const head = tf.model({ inputs: model.inputs, outputs: model.getLayer(layer).output as tf.SymbolicTensor });
  const applyTail = (h: tf.Tensor): tf.Tensor => tail.reduce((t, l) => l.apply(t, { training: false }) as tf.Tensor, h);
  const batchSize = options.batchSize ?? 256;
  const scores = new Float64Array(n);
  const own = new Int32Array(n);
  const u = tf.tensor2d(Float32Array.from(unitDirection), [width.width, 1]);
  try {
    for (let start = 0; start < n; start += batchSize) {
      const size = Math.min(batchSize, n - start);
      const [s, o] = tf.tidy((): [tf.Tensor, tf.Tensor] => {
        const batch = list.map((t) => (start === 0 && size === n ? t : t.slice(start, size)));
        const h = head.predict(batch.length === 1 ? batch[0]! : batch) as tf.Tensor2D;
        const ownPred = tf.argMax(applyTail(h), 1);
        const y = tf.tensor1d(
          Int32Array.from({ length: size }, (_, i) => labels[start + i]!),
          'int32',
        );
        const mask = tf.sub(tf.oneHot(y, classes), tf.oneHot(ownPred, classes));
        // Each row of z depends only on its own row of h, so the gradient of the sum gives every example's gradient.
        const g = tf.grad((hh: tf.Tensor) => tf.sum(tf.mul(applyTail(hh), mask)))(h);
        return [tf.matMul(g, u).reshape([size]), ownPred];
      });
      try {
        scores.set(Float64Array.from(s.dataSync()), start);
        own.set(Int32Array.from(o.dataSync()), start);
      } finally {
        tf.dispose([s, o]);
      }
    }
  } finally {
    u.dispose();
  }
  return { scores, own };
}
