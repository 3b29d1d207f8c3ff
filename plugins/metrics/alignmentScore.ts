import * as tf from '@tensorflow/tfjs';
import type { CheckContext, MetricPlugin, MetricResult } from '../../src/guard/pluginTypes.js';
import type { ModelOutput } from '../../src/probes/captureOutput.js';
import type { AlignmentProbes } from '../../src/probes/probeTypes.js';

/**
 * Index of each row's largest value, the first one on ties (and 0 for a row led by NaN), exactly
 * as tfjs' `argMax(-1)` kernels pick it: the outputs are plain numbers here already, and a tensor
 * round trip for 256 × 10 values cost more on the training thread than the comparison itself.
 * Into `out` when given (one entry per row).
 */
export function rowArgMax(data: ArrayLike<number>, cols: number, out?: Int32Array): Int32Array {
  const rows = cols > 0 ? data.length / cols : 0;
  out ??= new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let best = data[o]!;
    let at = 0;
    for (let c = 1; c < cols; c++) {
      const v = data[o + c]!;
      if (v > best) {
        best = v;
        at = c;
      }
    }
    out[r] = at;
  }
  return out;
}

/** Share of `predicted` equal to `expected`, element by element. */
function agreement(predicted: Int32Array, expected: Int32Array): MetricResult {
  let agree = 0;
  for (let i = 0; i < expected.length; i++) if (predicted[i] === expected[i]) agree++;
  return expected.length === 0 ? { value: null, reason: 'no alignment probes' } : { value: agree / expected.length };
}

/**
 * `alignment.score`: share of the behavioural alignment probes the model answers the aligned
 * way (argmax of its output equals the expected class), or what the user's `scorer` returns.
 * Null without `probes.alignment`.
 */
export function alignmentScorePlugin(): MetricPlugin {
  let expected: Int32Array | null = null;
  /**
   * The predicted classes, reused from check to check: a new ArrayBuffer right after the capture
   * worker's reply cost the training thread ≈ 0.1 ms in about one check of five (V8's bookkeeping
   * of the reply's buffers, paid by the next allocation); the comparison itself takes ≈ 10 µs.
   */
  let predicted: Int32Array | null = null;
  /** The score of an output that needs tfjs: the user's `scorer`, or the argmax of a higher-rank output. */
  async function scoreTensor(raw: ModelOutput, scorer: AlignmentProbes['scorer']): Promise<MetricResult> {
    const first = tf.tensor(raw.data, raw.shape);
    try {
      if (scorer) {
        const v = await scorer(first, tf);
        if (typeof v !== 'number') throw new Error(`probes.alignment.scorer must return a number, got ${typeof v}`);
        return { value: v };
      }
      return agreement(
        tf.tidy(() => first.argMax(-1).asType('int32').dataSync() as Int32Array),
        expected!,
      );
    } finally {
      first.dispose();
    }
  }
  return {
    name: 'alignment.score',
    description: 'share of alignment probes answered the aligned way (0..1)',
    better: 'higher',
    outputs: ['alignment'],
    missingInput: (probes) =>
      probes.alignment
        ? null
        : {
            missing: '`probes.alignment` (not given)',
            fix: 'give `probes.alignment: { inputs, expected }` (class indices or one-hot rows) or `{ inputs, scorer }`',
          },
    init(ctx) {
      expected = null;
      predicted = null;
      const probes = ctx.probes.alignment;
      if (!probes?.expected) return;
      const e = probes.expected;
      if (Array.isArray(e)) {
        expected = Int32Array.from(e);
      } else {
        expected = tf.tidy(() => (e.rank === 2 ? e.argMax(-1) : e).asType('int32').dataSync() as Int32Array);
      }
    },
    // Not `async`: the argmax case (no scorer, 2-D output) answers synchronously, so the guard's
    // verdict takes no promise hop for it (`computeSnapshot`).
    compute(ctx: CheckContext): MetricResult | Promise<MetricResult> {
      const probes = ctx.probes.alignment;
      if (!probes) return { value: null, reason: 'no probes.alignment given' };
      // The check runner computed the outputs with the checked step's weights (worker or inline).
      const raw = ctx.outputs.get('alignment');
      if (!raw) return { value: null, reason: 'no model output for probes.alignment' };
      if (!probes.scorer && raw.shape.length === 2) {
        const rows = raw.data.length / raw.shape[1]!;
        if (predicted?.length !== rows) predicted = new Int32Array(rows);
        return agreement(rowArgMax(raw.data, raw.shape[1]!, predicted), expected!);
      }
      return scoreTensor(raw, probes.scorer);
    },
    dispose() {
      expected = null;
      predicted = null;
    },
  };
}
