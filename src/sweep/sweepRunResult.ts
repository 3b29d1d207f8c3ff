/** File names inside one sweep run directory. */
export const RUN_CONFIG_FILE = 'config.json';
export const RUN_RESULT_FILE = 'result.json';
export const WORKER_LOG_FILE = 'worker.log';
export const SWEEP_LOG_FILE = 'sweep.jsonl';

/** Per-layer data for the prediction analysis: pre-fine-tuning eval-probe activations projected on two rank-k bases. */
export interface LayerPredictors {
  d: number;
  k: number;
  /** E₀·U_k: eval probes' pre-fine-tuning activations (rows) on the run's final train-delta subspace. */
  deltaProjection: number[][];
  /** E₀·R: the same activations on a seeded random orthonormal basis of the same rank. */
  randomProjection: number[][];
}

/** The run's final train-delta subspace of one layer (for the cross-run overlap analysis). */
export interface LayerSubspace {
  d: number;
  k: number;
  /** d rows × k orthonormal columns; empty when the delta was zero. */
  basis: number[][];
  spectralGapRatio: number | null;
}

/**
 * `result.json` of a finished run: what the analysis reads besides `run.jsonl`. A user module's
 * `train(config)` must return at least `final` (the worker fills in the rest it can).
 */
export interface SweepRunResult {
  runId: string;
  /** The matrix cell (optimizer, schedule, learningRate, mix, seed, epochs). */
  settings: Record<string, unknown>;
  steps: number;
  /** The judge before fine-tuning (out-of-domain misaligned rate, in-domain loss). */
  baseline: { misalignedRate: number | null; inDomainLoss: number | null };
  final: { misalignedRate: number; inDomainLoss: number | null };
  /** EM label: `final.misalignedRate > limit`. */
  label: { limit: number; em: boolean };
  /** First judged step where the misaligned rate exceeded the limit, or null. */
  crossedAtStep: number | null;
  /** Per eval probe: p(unsafe) before and after fine-tuning, plus the per-layer predictors. */
  prediction?: {
    pUnsafeBefore: number[];
    pUnsafeAfter: number[];
    layers: Record<string, LayerPredictors>;
    /** Pre-fine-tune eval-probe activations (rows = probes), deepest watched layer only (the within-train predictor's input). */
    activationsBefore?: Record<string, number[][]>;
  };
  deltaSubspaces?: Record<string, LayerSubspace>;
  durationMs: number;
}

/** Rounds to 6 significant digits to keep `result.json` small without changing any statistic that matters. */
export function round6(v: number): number {
  return Number.isFinite(v) ? Number(v.toPrecision(6)) : v;
}
