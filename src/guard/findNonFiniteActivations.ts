import type { ActivationSummaries } from '../metrics/activationSummary.js';
import { firstNonFinite } from '../metrics/checkMatrix.js';
import type { ModelOutput } from '../probes/captureOutput.js';
import type { LayerActivations } from './pluginTypes.js';

/** The first non-finite value a check captured: where (probe set, and layer or the model output) and which. */
export interface NonFiniteActivation {
  set: string;
  /** The watched layer, or null for the model's output on the set. */
  layer: string | null;
  row: number;
  col: number;
  value: number;
}

/**
 * The first NaN or ±Infinity among a check's captured values: the summaries made where they were
 * captured (which carry the bad cell, `ActivationSummary.nonfinite`), the activation matrices, then
 * the model outputs; null when all are finite. A hit nearly always means non-finite weights: broken
 * after the checked batch's loss was computed, or earlier under a loss that hides them (on wasm
 * `clipByValue` maps NaN into range, so `categoricalCrossentropy` logs a finite loss on NaN outputs).
 */
export function findNonFiniteActivations(
  activations: ReadonlyMap<string, LayerActivations>,
  outputs: ReadonlyMap<string, ModelOutput>,
  summaries?: ActivationSummaries,
): NonFiniteActivation | null {
  for (const [set, layers] of summaries ?? []) for (const [layer, s] of layers) if (s.error !== undefined && s.nonfinite) return { set, layer, ...s.nonfinite };
  for (const [set, layers] of activations)
    for (const [layer, m] of layers) {
      const bad = firstNonFinite(m);
      if (bad) return { set, layer, ...bad };
    }
  for (const [set, out] of outputs) {
    const cols = out.shape.slice(1).reduce((a, b) => a * b, 1);
    const bad = firstNonFinite({ rows: out.shape[0] ?? 1, cols, data: out.data });
    if (bad) return { set, layer: null, ...bad };
  }
  return null;
}

/** `NonFiniteActivation` in words, e.g. "probe set `eval`, layer `h1`: NaN at row 0, col 3". */
export function describeNonFinite(bad: NonFiniteActivation): string {
  const where = bad.layer === null ? `the model output on probe set \`${bad.set}\`` : `probe set \`${bad.set}\`, layer \`${bad.layer}\``;
  return `${where}: ${bad.value} at row ${bad.row}, col ${bad.col}`;
}
