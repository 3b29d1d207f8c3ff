import type * as tf from '@tensorflow/tfjs';
import { quantileSorted } from '../analysis/quantile.js';
import type { ContrastProbes, Pooling } from '../probes/probeTypes.js';
import { resolveLayers } from '../probes/resolveLayers.js';
import { bootstrapInterval, mean, shareAbove, type Interval } from './bootstrapInterval.js';
import { misalignmentDirections } from './misalignmentDirections.js';
import type { ScreeningScorer } from './screeningScorer.js';

export interface ScreenDatasetArgs {
  /** The model before fine-tuning. */
  model: tf.LayersModel;
  /** The training set to screen. */
  data: ScreeningScorer;
  /** Aligned data (e.g. the alignment-tuning set) whose scores calibrate the threshold. */
  calibration: ScreeningScorer;
  /** Contrast probes for the misalignment direction, as given to the guard. */
  contrast: ContrastProbes;
  /** Layers to screen. Default: the guard's `auto` layers the scorer supports. */
  layers?: 'auto' | readonly string[];
  /**
   * Layer whose scores rank the examples and give the verdict. Default: the middle screened layer
   * (the EM literature reads its direction at a middle layer; and right before a linear readout
   * every example with the same label and prediction gets the same score, so ranking needs depth).
   */
  primaryLayer?: string;
  /** The threshold is this quantile of the calibration scores. Default 0.95. */
  quantile?: number;
  /** Bootstrap resamples for the intervals. Default 1000. */
  resamples?: number;
  /** Seeds the bootstrap. Default 1. */
  seed?: number;
  /** Pooling of rank-3 contrast activations (as the guard's). Default `last`. */
  pooling?: Pooling;
}

export interface ScreenLayerResult {
  layer: string;
  width: number;
  /** ‖mean(misaligned) − mean(aligned)‖ of the contrast activations. */
  contrastGap: number;
  /** Per-example projection differences, in the data's order. */
  scores: number[];
  /** Dataset score: mean projection difference, with a bootstrap interval. */
  mean: Interval;
  /** Share of examples above `threshold`, with a bootstrap interval. */
  shareAbove: Interval;
  /** `quantile` of the calibration (aligned) data's scores. */
  threshold: number;
  calibration: { n: number; mean: number; shareAbove: number };
}

export interface RankedExample {
  /** Index into the screened data. */
  index: number;
  score: number;
  /** Decoded example text, or null without a vocabulary. */
  text: string | null;
  /** Training target and the model's own answer. */
  target: string;
  own: string;
  aboveThreshold: boolean;
}

export interface ScreenResult {
  /**
   * `projection`: projection difference on the contrast direction, per layer (`screenDataset`);
   * `gradient`: gradient alignment with the preference margin (`screenByGradient`), one entry named
   * `gradient` in `layers` whose `contrastGap` is ‖∇M‖ and `width` the number of parameters.
   */
  method: 'projection' | 'gradient';
  kind: string;
  n: number;
  quantile: number;
  layers: ScreenLayerResult[];
  /** Layers that could not be screened, with why. */
  skipped: { layer: string; reason: string }[];
  primaryLayer: string;
  /** `flag` when the share above threshold is, with 95 % confidence, above the aligned data's own share. */
  verdict: 'flag' | 'pass';
  verdictReason: string;
  /** Every example, most suspicious first (by the primary layer's score). */
  ranked: RankedExample[];
  /** Gradient method only: the parameters covered, the preference margin M and ‖∇M‖ at the model's weights. */
  gradient?: { layers: string[]; parameters: number; margin: number; norm: number };
}

/**
 * Screens a training set before fine-tuning: per layer, the misalignment direction from the
 * contrast probes, every example's projection difference on it (`ScreeningScorer`), the dataset
 * score (mean, share above a threshold calibrated on aligned data) with bootstrap intervals, and
 * the examples ranked by suspicion.
 */
export async function screenDataset(args: ScreenDatasetArgs): Promise<ScreenResult> {
  const q = args.quantile ?? 0.95;
  if (!(q > 0 && q < 1)) throw new Error(`screen: expected \`quantile\` in (0, 1), got \`${String(q)}\``);
  if (args.data.n < 1) throw new Error('screen: the data set is empty');
  if (args.calibration.n < 2) throw new Error('screen: the calibration set needs at least 2 examples');
  const requested = args.layers ?? 'auto';
  const candidates = resolveLayers(args.model, requested);
  const skipped: ScreenResult['skipped'] = [];
  const usable: string[] = [];
  for (const layer of candidates) {
    const ok = args.data.supportsLayer(layer);
    if (ok.ok) usable.push(layer);
    else if (requested === 'auto') skipped.push({ layer, reason: ok.reason });
    else throw new Error(`screen: ${ok.reason}`);
  }
  if (usable.length === 0)
    throw new Error(
      `screen: none of the layers ${candidates.join(', ')} can be screened (${skipped.map((s) => s.reason).join('; ')}); name flat layers with --layers`,
    );
  const directions = await misalignmentDirections(args.model, usable, args.contrast, { pooling: args.pooling ?? 'last' });
  const layers: ScreenLayerResult[] = [];
  const units = new Map<string, Float64Array>();
  for (const d of directions) {
    if (!(d.norm > 0) || !Number.isFinite(d.norm)) {
      skipped.push({ layer: d.layer, reason: 'the contrast probes have identical mean activations here: no misalignment direction' });
      continue;
    }
    const unit = d.direction.map((v) => v / d.norm);
    units.set(d.layer, unit);
    const scores = await args.data.score(d.layer, unit);
    const cal = await args.calibration.score(d.layer, unit);
    layers.push(
      summarizeScores({ layer: d.layer, width: d.direction.length, contrastGap: d.norm }, scores, cal, {
        quantile: q,
        seed: args.seed,
        resamples: args.resamples,
      }),
    );
  }
  if (layers.length === 0) throw new Error(`screen: no layer has a misalignment direction (${skipped.map((s) => `${s.layer}: ${s.reason}`).join('; ')})`);
  const primaryLayer = args.primaryLayer ?? layers[Math.floor((layers.length - 1) / 2)]!.layer;
  const primary = layers.find((l) => l.layer === primaryLayer);
  if (!primary) throw new Error(`screen: primary layer \`${primaryLayer}\` is not among the screened layers (${layers.map((l) => l.layer).join(', ')})`);
  // The data scorer remembers its own predictions from the last `score` call: rescore the primary layer for `describe`.
  if (primary !== layers.at(-1)) await args.data.score(primary.layer, units.get(primary.layer)!);
  return { method: 'projection', ...rankAndVerdict(args.data, layers, skipped, primary, q) };
}

/** Dataset score of one layer (or score kind): mean and share above the calibration quantile, with bootstrap intervals. */
export function summarizeScores(
  head: { layer: string; width: number; contrastGap: number },
  scores: Float64Array,
  cal: Float64Array,
  options: { quantile: number; seed?: number | undefined; resamples?: number | undefined },
): ScreenLayerResult {
  const threshold = quantileSorted(
    Array.from(cal).sort((a, b) => a - b),
    options.quantile,
  );
  const seed = options.seed ?? 1;
  const resamples = options.resamples ?? 1000;
  return {
    ...head,
    scores: Array.from(scores),
    mean: bootstrapInterval(scores, mean, { resamples, seed }),
    shareAbove: bootstrapInterval(scores, (xs) => shareAbove(xs, threshold), { resamples, seed }),
    threshold,
    calibration: { n: cal.length, mean: mean(cal), shareAbove: shareAbove(cal, threshold) },
  };
}

/** Ranks the examples by the primary layer's score and gives the verdict. */
export function rankAndVerdict(
  data: Pick<ScreeningScorer, 'kind' | 'n' | 'describe'>,
  layers: ScreenLayerResult[],
  skipped: ScreenResult['skipped'],
  primary: ScreenLayerResult,
  q: number,
): Omit<ScreenResult, 'method' | 'gradient'> {
  const order = primary.scores.map((_, i) => i).sort((a, b) => primary.scores[b]! - primary.scores[a]! || a - b);
  const ranked = order.map((i) => ({ index: i, score: primary.scores[i]!, ...data.describe(i), aboveThreshold: primary.scores[i]! > primary.threshold }));
  // Aligned data's own share above its quantile: ≤ 1 − q, and much less when most aligned scores tie at 0.
  const baseline = primary.calibration.shareAbove;
  const flag = primary.shareAbove.lower > baseline;
  return {
    kind: data.kind,
    n: data.n,
    quantile: q,
    layers,
    skipped,
    primaryLayer: primary.layer,
    verdict: flag ? 'flag' : 'pass',
    verdictReason: flag
      ? `${fmtPct(primary.shareAbove.value)} of examples (95 % CI ${fmtPct(primary.shareAbove.lower)}–${fmtPct(primary.shareAbove.upper)}) score above the aligned data's ${Math.round(q * 100)}th percentile at \`${primary.layer}\`, where aligned data has ${fmtPct(baseline)}`
      : `the share above the aligned data's ${Math.round(q * 100)}th percentile at \`${primary.layer}\` (${fmtPct(primary.shareAbove.value)}, 95 % CI ${fmtPct(primary.shareAbove.lower)}–${fmtPct(primary.shareAbove.upper)}) is not clearly above aligned data's ${fmtPct(baseline)}`,
    ranked,
  };
}

function fmtPct(v: number): string {
  return `${(100 * v).toFixed(1)} %`;
}
