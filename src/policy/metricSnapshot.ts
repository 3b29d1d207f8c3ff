/**
 * The metric values of one check, the only input `evaluatePolicy` reads. Per-layer values are keyed
 * `metric@layer` (e.g. `drift.eval@dense_2`); the un-suffixed key is the aggregate over the watched
 * layers. `null` means "not computable at this check" (e.g. a zero delta); a missing key means the
 * metric was not computed at all.
 */
export interface MetricSnapshot {
  /** Global batch count: batches completed since `fit` started (1 after the first batch). */
  readonly step: number;
  /** Zero-based epoch index (as tfjs passes it to callbacks). */
  readonly epoch: number;
  readonly values: Readonly<Record<string, number | null>>;
}
