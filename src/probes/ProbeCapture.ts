import * as tf from '@tensorflow/tfjs';
import type { Matrix } from '../metrics/matrix.js';
import { probeTensors } from './probeTensors.js';
import { wasmHeapView } from './sharedWeights.js';
import type { Pooling, ProbeInputs } from './probeTypes.js';

/** Reduces one layer output to `[batch, features]`, inside the caller's tidy. */
export function poolActivations(out: tf.Tensor, pooling: Pooling, mask?: tf.Tensor): tf.Tensor2D {
  if (out.rank === 2) return out as tf.Tensor2D;
  if (out.rank === 1) return out.reshape([out.shape[0]!, 1]);
  if (out.rank === 3) {
    if (pooling === 'mean' && mask) {
      const [b, t] = out.shape as [number, number, number];
      if (mask.shape[0] !== b || mask.shape[1] !== t)
        throw new Error(`probe mask of shape [${mask.shape.join(', ')}] does not match the layer output's [batch, positions] = [${b}, ${t}]`);
      // Mean over the real tokens only (right padding): Σ_t m_t·h_t / Σ_t m_t.
      const m = mask.asType('float32').reshape([b, t, 1]);
      return tf.div(tf.sum(tf.mul(out, m), 1), tf.maximum(tf.sum(m, 1), 1e-12)) as tf.Tensor2D;
    }
    if (pooling === 'mean') return out.mean(1) as tf.Tensor2D;
    const [b, t, f] = out.shape as [number, number, number];
    return out.slice([0, t - 1, 0], [b, 1, f]).reshape([b, f]);
  }
  // Images and other rank ≥ 4 outputs: average over every axis between batch and channels.
  const axes = Array.from({ length: out.rank - 2 }, (_, i) => i + 1);
  return out.mean(axes) as tf.Tensor2D;
}

function sliceRows(inputs: tf.Tensor[], start: number, size: number): tf.Tensor[] {
  return inputs.map((t) => t.slice(start, size));
}

/**
 * Captures the activations of several layers for a probe set with one multi-output sub-model:
 * one forward pass per probe batch, everything inside `tf.tidy`, results copied out as Float32
 * matrices (no tensor outlives a call).
 */
export class ProbeCapture {
  readonly layers: readonly string[];
  readonly pooling: Pooling;
  readonly batchSize: number;
  private readonly sub: tf.LayersModel;

  constructor(model: tf.LayersModel, layers: readonly string[], options: { pooling?: Pooling; batchSize?: number } = {}) {
    this.layers = layers;
    this.pooling = options.pooling ?? 'last';
    this.batchSize = options.batchSize ?? 256;
    const outputs = layers.map((name) => {
      const layer = model.getLayer(name);
      try {
        return layer.output as tf.SymbolicTensor;
      } catch {
        // A layer used more than once has no single output; watch its first use.
        return layer.getOutputAt(0) as tf.SymbolicTensor;
      }
    });
    for (const [i, o] of outputs.entries()) {
      if (Array.isArray(o)) throw new Error(`emGuard: layer \`${layers[i]}\` has several outputs; watch a layer with a single output`);
    }
    // Shares the model's layers and weights: never dispose `sub` (that would dispose the weights).
    this.sub = tf.model({ inputs: model.inputs, outputs, name: `${model.name}_em_guard_probe` });
  }

  /**
   * Layer name → [probes, features] activations. Given `into` (layer name → array, filled or made
   * there and kept by the caller for its next call), the values are copied into those arrays
   * instead of fresh ones: for a caller that only reads them before its next call (the capture
   * worker's summarized sets). A fresh array of a few hundred kB per layer and check (`data()`)
   * measured as much worker CPU as the summary itself (its pages faulted in, then the GC freeing it).
   */
  async capture(inputs: ProbeInputs, mask?: tf.Tensor, into?: Map<string, Float32Array>): Promise<Map<string, Matrix>> {
    const list = probeTensors(inputs);
    const n = list[0]!.shape[0]!;
    const parts: Float32Array[][] = this.layers.map(() => []);
    const widths: number[] = this.layers.map(() => 0);
    for (let start = 0; start < n; start += this.batchSize) {
      const size = Math.min(this.batchSize, n - start);
      const pooled = tf.tidy(() => {
        const batch = start === 0 && size === n ? list : sliceRows(list, start, size);
        const m = mask && this.pooling === 'mean' ? (start === 0 && size === n ? mask : mask.slice(start, size)) : undefined;
        const out = this.sub.predict(batch.length === 1 ? batch[0]! : batch, { batchSize: size });
        const outs = Array.isArray(out) ? out : [out];
        return outs.map((o) => poolActivations(o, this.pooling, o.rank === 3 ? m : undefined).asType('float32'));
      });
      try {
        for (const [i, t] of pooled.entries()) {
          const width = (widths[i] = t.shape[1]);
          if (into) {
            // The same bytes `data()` copies out (`wasmHeapView`: read before the next tfjs op).
            const name = this.layers[i]!;
            let out = into.get(name);
            if (out?.length !== n * width) into.set(name, (out = new Float32Array(n * width)));
            out.set((wasmHeapView(t) ?? t.dataSync()) as Float32Array, start * width);
          } else parts[i]!.push((await t.data()) as Float32Array);
        }
      } finally {
        tf.dispose(pooled);
      }
    }
    const result = new Map<string, Matrix>();
    this.layers.forEach((name, i) => {
      const chunks = parts[i]!;
      const data = into ? into.get(name)! : chunks.length === 1 ? chunks[0]! : concat(chunks);
      result.set(name, { rows: n, cols: widths[i]!, data });
    });
    return result;
  }
}

function concat(chunks: Float32Array[]): Float32Array {
  const out = new Float32Array(chunks.reduce((s, c) => s + c.length, 0));
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.length;
  }
  return out;
}
