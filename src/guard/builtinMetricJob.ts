/** `alignment.projection`'s per-fit state of one layer, made at `init` from the baseline. */
export interface ProjectionLayerState {
  direction: Float64Array;
  norm2: number;
  evalMean0: Float64Array;
}

/**
 * A built-in metric plugin's per-fit state as plain data (structured-clonable), with which kind of
 * metric it is: the plugin computes each check from it (`builtinMetricResult`), and so may the
 * capture worker, sent it once per fit (`MetricPlugin.workerJob`). One function on both threads,
 * so the same numbers.
 */
export type BuiltinMetricJob =
  | {
      kind: 'alignment.score';
      /** `probes.alignment` was given. */
      given: boolean;
      /** The expected class per alignment probe (null with a `scorer`, which needs tfjs: never a job then). */
      expected: Int32Array | null;
    }
  | {
      kind: 'alignment.projection';
      /** Why the metric is null at every check (no contrast probes), else null. */
      missing: string | null;
      layers: Map<string, ProjectionLayerState>;
    }
  | {
      kind: 'preference';
      /** `probes.preference` was given. */
      given: boolean;
      /** Which of the pair summary's numbers this metric is. */
      pick: 'margin' | 'accuracy';
    };
