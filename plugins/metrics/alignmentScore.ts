import * as tf from '@tensorflow/tfjs';
import type { BuiltinMetricJob } from '../../src/guard/builtinMetricJob.js';
import { agreement, alignmentScoreResult } from '../../src/guard/builtinMetricResult.js';
import type { CheckContext, MetricPlugin, MetricResult } from '../../src/guard/pluginTypes.js';
import type { ModelOutput } from '../../src/probes/captureOutput.js';
import type { AlignmentProbes } from '../../src/probes/probeTypes.js';

export { rowArgMax } from '../../src/metrics/rowArgMax.js';

/**
 * `alignment.score`: share of the behavioural alignment probes the model answers the aligned
 * way (argmax of its output equals the expected class), or what the user's `scorer` returns.
 * Null without `probes.alignment`.
 */
export function alignmentScorePlugin(): MetricPlugin {
  /** This fit's state (`init`), also the capture worker's job without a `scorer`. */
  let job: Extract<BuiltinMetricJob, { kind: 'alignment.score' }> = { kind: 'alignment.score', given: false, expected: null };
  /**
   * The predicted classes, reused from check to check: a new ArrayBuffer right after the capture
   * worker's reply cost the training thread ≈ 0.1 ms in about one check of five (V8's bookkeeping
   * of the reply's buffers, paid by the next allocation); the comparison itself takes ≈ 10 µs.
   */
  let predicted: Int32Array | null = null;
  /** `probes.alignment.scorer` was given: the score needs this thread's tfjs, never a worker job. */
  let scored = false;
  /** The score of an output that needs tfjs: the user's `scorer`, or the argmax of a one-axis output. */
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
        job.expected!,
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
      predicted = null;
      const probes = ctx.probes.alignment;
      job = { kind: 'alignment.score', given: probes !== undefined, expected: null };
      scored = probes?.scorer !== undefined;
      if (!probes?.expected) return;
      const e = probes.expected;
      if (Array.isArray(e)) {
        job.expected = Int32Array.from(e);
      } else {
        job.expected = tf.tidy(() => (e.rank === 2 ? e.argMax(-1) : e).asType('int32').dataSync() as Int32Array);
      }
    },
    // Not `async`: the argmax case (no scorer) answers synchronously, so the guard's
    // verdict takes no promise hop for it (`computeSnapshot`).
    compute(ctx: CheckContext): MetricResult | Promise<MetricResult> {
      const scorer = ctx.probes.alignment?.scorer;
      // The check runner computed the outputs with the checked step's weights (worker or inline).
      const raw = ctx.outputs.get('alignment');
      if (!scorer) {
        const rows = raw && raw.shape.length >= 2 ? raw.data.length / raw.shape[raw.shape.length - 1]! : 0;
        if (rows > 0 && predicted?.length !== rows) predicted = new Int32Array(rows);
        const r = alignmentScoreResult(job, ctx.outputs, predicted ?? undefined);
        if (r) return r;
      } else if (!job.given || !raw) return alignmentScoreResult(job, ctx.outputs)!;
      return scoreTensor(raw!, scorer);
    },
    workerJob: () => (scored || (job.given && job.expected === null) ? null : job),
    dispose() {
      scored = false;
      job = { kind: 'alignment.score', given: false, expected: null };
      predicted = null;
    },
  };
}
