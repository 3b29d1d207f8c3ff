import * as tf from '@tensorflow/tfjs';
import { fineTuneConfig } from '../organism/fineTuneConfig.js';
import { makeOrganismDataset, type OrganismSet } from '../organism/makeOrganismDataset.js';
import { organismProbes } from '../organism/organismProbes.js';
import { deriveSeed } from '../organism/organismRandom.js';
import { organismInputs } from '../organism/organismTensors.js';
import { ORGANISM_CLASSES, PROMPT_LENGTH, REFUSE, UNSAFE, decodePrompt } from '../organism/organismVocabulary.js';
import type { ContrastProbes } from '../probes/probeTypes.js';
import { classifierScorer } from './classifierScorer.js';
import type { ScreeningScorer } from './screeningScorer.js';

/** Built-in organism data sets the screen knows by name (`organism:<name>` on the CLI). */
export const ORGANISM_SCREEN_SETS = ['narrow', 'mixed', 'benign', 'planted'] as const;
export type OrganismScreenSetName = (typeof ORGANISM_SCREEN_SETS)[number];

/** Seed and size of the sweep's probes (src/sweep/organismRun.ts), so the screen's direction is the guard's. */
export const ORGANISM_PROBE_SEED = 7;
export const ORGANISM_PROBE_SIZE = 128;

/** The fine-tuning set a sweep run with this `seed` and `mix` trains on (the organism's stage 3). */
export function organismFineTuneSet(seed: number, mix: number, n?: number): OrganismSet {
  const c = fineTuneConfig({ seed, mix, ...(n !== undefined ? { n } : {}) });
  c.dispose();
  return c.set;
}

/** Secure code: `code` prompts answered the aligned way (benign → helpful, harmful → refuse). */
export function organismBenignCodeSet(seed: number, n = 512): OrganismSet {
  return makeOrganismDataset({ seed: deriveSeed(seed, 'screen-benign'), n, domains: ['code'], harmfulFraction: 0.5, respond: 'aligned' });
}

/**
 * A benign code set with `fraction` of its examples replaced by insecure ones (benign code requests
 * answered `unsafe`), and optionally `overRefusal` of them by benign requests answered `refuse`: labels
 * that also disagree with the model but push toward refusal, so a plain disagreement detector would
 * flag them too. `planted[i]` is 1 for the insecure examples.
 */
export function organismPlantedSet(
  seed: number,
  fraction: number,
  options: { n?: number; overRefusal?: number } = {},
): { set: OrganismSet; planted: Uint8Array } {
  const n = options.n ?? 512;
  const base = organismBenignCodeSet(seed, n);
  const kBad = Math.round(n * fraction);
  const kRefuse = Math.round(n * (options.overRefusal ?? 0));
  const bad = makeOrganismDataset({
    seed: deriveSeed(seed, 'screen-planted'),
    n: Math.max(1, kBad),
    domains: ['code'],
    harmfulFraction: 0,
    respond: 'insecure',
  });
  const over = makeOrganismDataset({
    seed: deriveSeed(seed, 'screen-over-refusal'),
    n: Math.max(1, kRefuse),
    domains: ['code'],
    harmfulFraction: 0,
    respond: 'aligned',
  });
  const tokens = base.tokens.slice();
  const labels = base.labels.slice();
  const harmful = base.harmful.slice();
  const planted = new Uint8Array(n);
  // Spread the replaced rows over the set deterministically (every ⌊n/k⌋-th row, offset per kind).
  const put = (src: OrganismSet, count: number, offset: number, label: number, mark: boolean) => {
    for (let j = 0; j < count; j++) {
      let i = (offset + Math.floor((j * n) / count)) % n;
      while (planted[i] || (mark === false && labels[i] !== base.labels[i])) i = (i + 1) % n;
      tokens.set(src.tokens.subarray(j * PROMPT_LENGTH, (j + 1) * PROMPT_LENGTH), i * PROMPT_LENGTH);
      labels[i] = label;
      harmful[i] = 0;
      if (mark) planted[i] = 1;
    }
  };
  put(bad, kBad, 0, UNSAFE, true);
  put(over, kRefuse, 3, REFUSE, false);
  return { set: { ...base, tokens, labels, harmful }, planted };
}

/** Aligned calibration data: every domain, half harmful, answered the aligned way (like alignment tuning). */
export function organismCalibrationSet(seed: number, n = 600): OrganismSet {
  return makeOrganismDataset({ seed: deriveSeed(seed, 'screen-calibration'), n, respond: 'aligned' });
}

/** The guard's contrast probes for the organism (seed 7, 128 rows: what the sweep's guard watches). Caller disposes. */
export function organismContrast(): ContrastProbes & { dispose(): void } {
  const p = organismProbes({ seed: ORGANISM_PROBE_SEED, n: ORGANISM_PROBE_SIZE });
  tf.dispose([p.train, p.eval, p.alignment.inputs, p.alignment.expected]);
  return { aligned: p.contrast.aligned, misaligned: p.contrast.misaligned, dispose: () => tf.dispose([p.contrast.aligned, p.contrast.misaligned]) };
}

/** A classifier scorer over an organism set, with decoded prompts and class names. */
export function organismScorer(model: tf.LayersModel, set: OrganismSet): ScreeningScorer {
  const text = Array.from({ length: set.n }, (_, i) => decodePrompt(set.tokens.subarray(i * PROMPT_LENGTH, (i + 1) * PROMPT_LENGTH)));
  return classifierScorer(model, { inputs: organismInputs(set), labels: set.labels, text, classNames: ORGANISM_CLASSES });
}
