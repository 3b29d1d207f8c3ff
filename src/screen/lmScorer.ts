import * as tf from '@tensorflow/tfjs';
import { ProbeCapture } from '../probes/ProbeCapture.js';
import { fixedSequenceLength, greedyDecode } from './greedyDecode.js';
import { responseSequences, type ResponseSequences } from './responseSequences.js';
import type { ScreeningScorer } from './screeningScorer.js';

export interface LmScorerOptions {
  /** Prompt token ids per example (what the model is given). */
  prompts: readonly ArrayLike<number>[];
  /** Training response token ids per example (what the fine-tune teaches; include `eos` if training does). */
  responses: readonly ArrayLike<number>[];
  /** End-of-sequence id: greedy decoding stops after it. */
  eos: number;
  /** Padding id (right padding). */
  pad: number;
  /** The model's context: prompt + response tokens at most. */
  maxLength: number;
  /** Renders token ids as text (prompt, responses), when a vocabulary is known. */
  decode?: (ids: ArrayLike<number>) => string;
  /** Rows per forward pass. Default 256. */
  batchSize?: number;
}

/** A screening scorer for a causal LM, with the greedy responses it compared against. */
export interface LmScreeningScorer extends ScreeningScorer {
  /** The model's own greedy response per example (computed on the first `score` call). */
  greedy(): Int32Array[];
}

/**
 * The language-model screening score (Chen et al. 2025, "projection difference"): for example i at a
 * layer, s_i = û · (h̄(prompt_i + training response_i) − h̄(prompt_i + greedy response_i)), where h̄ is
 * the layer's activation averaged over the response tokens only (teacher forcing, mask-aware) and
 * the greedy response is the model's own answer to the same prompt. s = 0 when the training
 * response is what the model would say anyway; s > 0 when training would move the response
 * representation toward the misaligned side of the contrast direction.
 */
export function lmScorer(model: tf.LayersModel, options: LmScorerOptions): LmScreeningScorer {
  const { prompts, responses, eos, pad, maxLength } = options;
  const n = prompts.length;
  const batchSize = options.batchSize ?? 256;
  const fixedLength = fixedSequenceLength(model);
  // Validate the training pairs now (lengths, context), before any forward pass.
  const train = responseSequences(prompts, responses, { pad, maxLength, fixedLength });
  let own: Int32Array[] | null = null;
  let ownSeq: ResponseSequences | null = null;
  const pooledDiff = new Map<string, { cols: number; data: Float64Array }>();
  const dtype = model.inputs[0]!.dtype === 'int32' ? 'int32' : 'float32';
  const greedy = (): Int32Array[] => {
    if (!own) {
      own = greedyDecode(model, prompts, { eos, pad, maxLength, batchSize });
      ownSeq = responseSequences(prompts, own, { pad, maxLength, fixedLength, what: 'greedy response' });
    }
    return own;
  };
  const pooled = async (capture: ProbeCapture, layer: string, s: ResponseSequences): Promise<Float32Array | Float64Array> => {
    const ids = tf.tensor2d(s.ids, [s.n, s.length], dtype);
    const mask = tf.tensor2d(s.mask, [s.n, s.length]);
    try {
      return (await capture.capture(ids, mask)).get(layer)!.data;
    } finally {
      tf.dispose([ids, mask]);
    }
  };
  const text = (ids: ArrayLike<number>) => (options.decode ? options.decode(ids) : Array.from(ids).join(' '));
  return {
    kind: 'lm',
    n,
    supportsLayer(layer) {
      let shape: unknown;
      try {
        const l = model.getLayer(layer);
        shape = l.outputShape;
      } catch {
        return { ok: false, reason: `unknown layer \`${layer}\` in model \`${model.name}\`` };
      }
      if (!Array.isArray(shape) || shape.length !== 3 || Array.isArray(shape[0]))
        return {
          ok: false,
          reason: `layer \`${layer}\` outputs ${JSON.stringify(shape)}, not [batch, positions, features]: the LM screen pools over response positions`,
        };
      return { ok: true };
    },
    async score(layer, unitDirection) {
      greedy();
      let diff = pooledDiff.get(layer);
      if (!diff) {
        const capture = new ProbeCapture(model, [layer], { pooling: 'mean', batchSize });
        const a = await pooled(capture, layer, train);
        const b = await pooled(capture, layer, ownSeq!);
        const cols = a.length / n;
        const data = new Float64Array(a.length);
        for (let j = 0; j < a.length; j++) data[j] = a[j]! - b[j]!;
        diff = { cols, data };
        pooledDiff.set(layer, diff);
      }
      if (unitDirection.length !== diff.cols)
        throw new Error(`screen: the direction has ${unitDirection.length} entries but layer \`${layer}\` is ${diff.cols} wide`);
      const scores = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (let j = 0; j < diff.cols; j++) s += diff.data[i * diff.cols + j]! * unitDirection[j]!;
        scores[i] = s;
      }
      return scores;
    },
    describe(i) {
      return { text: text(prompts[i]!), target: text(responses[i]!), own: own ? text(own[i]!) : '?' };
    },
    greedy,
    dispose() {
      pooledDiff.clear();
    },
  };
}
