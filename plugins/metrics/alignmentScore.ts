import * as tf from '@tensorflow/tfjs';
import type { CheckContext, MetricPlugin, MetricResult } from '../../src/guard/pluginTypes.js';

/**
 * `alignment.score`: share of the behavioural alignment probes the model answers the aligned
 * way (argmax of its output equals the expected class), or what the user's `scorer` returns.
 * Null without `probes.alignment`.
 */
export function alignmentScorePlugin(): MetricPlugin {
  let expected: Int32Array | null = null;
  return {
    name: 'alignment.score',
    description: 'share of alignment probes answered the aligned way (0..1)',
    better: 'higher',
    init(ctx) {
      expected = null;
      const probes = ctx.probes.alignment;
      if (!probes?.expected) return;
      const e = probes.expected;
      if (Array.isArray(e)) {
        expected = Int32Array.from(e);
      } else {
        expected = tf.tidy(() => (e.rank === 2 ? e.argMax(-1) : e).asType('int32').dataSync() as Int32Array);
      }
    },
    async compute(ctx: CheckContext): Promise<MetricResult> {
      const probes = ctx.probes.alignment;
      if (!probes) return { value: null, reason: 'no probes.alignment given' };
      // With worker capture the outputs arrive computed (weights of the checked step); else one
      // forward pass here. predict's default batch of 32 splits the probes into many small forward
      // passes; one pass per up-to-256 rows is several times faster on wasm.
      const pre = ctx.outputs?.get('alignment');
      const input = probes.inputs;
      const rows = (Array.isArray(input) ? input[0]! : input).shape[0] ?? 1;
      const out = pre ? tf.tensor(pre.data, pre.shape) : (ctx.model.predict(input, { batchSize: Math.min(rows, 256) }) as tf.Tensor | tf.Tensor[]);
      const first = Array.isArray(out) ? out[0]! : out;
      try {
        if (probes.scorer) {
          const v = await probes.scorer(first, tf);
          if (typeof v !== 'number') throw new Error(`probes.alignment.scorer must return a number, got ${typeof v}`);
          return { value: v };
        }
        const predicted = tf.tidy(() => first.argMax(-1).asType('int32').dataSync() as Int32Array);
        const exp = expected!;
        let agree = 0;
        for (let i = 0; i < exp.length; i++) if (predicted[i] === exp[i]) agree++;
        return exp.length === 0 ? { value: null, reason: 'no alignment probes' } : { value: agree / exp.length };
      } finally {
        tf.dispose(out);
      }
    },
    dispose() {
      expected = null;
    },
  };
}

