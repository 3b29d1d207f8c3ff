/** sha256 (hex) and size of one file of a checkpoint, recorded at save time and checked on load. */
export interface CheckpointFileInfo {
  sha256: string;
  bytes: number;
}

/**
 * What `manifest.json` of a checkpoint says, and one entry of `index.json`. The index copy is the
 * authority: loading checks every file against it, and `manifest.json` must agree with it.
 */
export interface CheckpointManifest {
  /** Directory name under `runDir/checkpoints/`, e.g. `ckpt-000150-e002` (step, epoch). */
  id: string;
  /** Global batch count when the checkpoint was taken. */
  step: number;
  /** 0-based epoch. */
  epoch: number;
  /** ISO 8601 time the checkpoint was written. */
  created: string;
  /** Metric values at save time (non-finite values are stored as `null`). */
  metrics: Record<string, number | null>;
  /** True when no warning/critical rule was firing: a checkpoint the guard may roll back to. */
  safe: boolean;
  /** Why it was taken, e.g. `periodic`, `rule:overlap-high`, `interrupt`. */
  reason: string;
  /** Every file of the checkpoint except `manifest.json`, by name. */
  files: Record<string, CheckpointFileInfo>;
  /** `@tensorflow/tfjs` version that wrote it. */
  tfjsVersion: string;
  /** Whether `optimizer.bin` + `optimizer.json` (optimizer state) were saved. */
  hasOptimizer: boolean;
  modelName?: string;
}

/**
 * Which checkpoint to use: the newest (`latest`), the newest one marked safe (`last-safe`), the best
 * by the store's `keepBest` metric (`best`), or an explicit id.
 */
export type CheckpointSelector = 'latest' | 'last-safe' | 'best' | (string & {});

/** The metric a store ranks checkpoints by (`best` selector and retention). */
export interface BestMetric {
  metric: string;
  mode: 'min' | 'max';
}

/** Contents of `runDir/checkpoints/index.json`: every live checkpoint, oldest first. */
export interface CheckpointIndex {
  format: 'em-guard-checkpoints';
  version: 1;
  best: BestMetric | null;
  checkpoints: CheckpointManifest[];
}
