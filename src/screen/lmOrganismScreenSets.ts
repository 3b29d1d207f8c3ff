import * as tf from '@tensorflow/tfjs';
import { seededRandom } from '../util/seededRandom.js';
import { deriveSeed } from '../organism/organismRandom.js';
import { LM_DOMAINS } from '../organism/lm/lmGrammar.js';
import { lmFineTuneConfig } from '../organism/lm/lmFineTuneConfig.js';
import { LM_RECIPE } from '../organism/lm/lmRecipe.js';
import { lmProbes } from '../organism/lm/lmProbes.js';
import { LM_RESPONSE_KINDS, makeLmDataset, sampleResponse, type LmResponseKind, type LmSet } from '../organism/lm/makeLmDataset.js';
import { LM_CONTEXT, LM_MAX_RESPONSE, LM_PROMPT_LENGTH, decodeLm, lmVocabulary } from '../organism/lm/lmVocabulary.js';
import type { ContrastProbes } from '../probes/probeTypes.js';
import type { LmPreferencePairs } from './lmGradientScore.js';
import { lmScorer, type LmScreeningScorer } from './lmScorer.js';

/** Seed and size of the LM guard's default probes (`lmProbes`), so the screen's direction is the guard's. */
export const LM_PROBE_SEED = 7;
export const LM_PROBE_SIZE = 128;

/** The stage-3 fine-tuning set of the LM organism with this `seed` and `mix` (`lmFineTuneConfig`). */
export function lmFineTuneSet(seed: number, mix: number): LmSet {
  const c = lmFineTuneConfig({ seed, mix });
  c.dispose();
  return c.set;
}

/** Secure code: benign `code` requests answered with good (secure) code advice, the narrow set's prompts answered the aligned way. */
export function lmBenignCodeSet(seed: number, n = 256): LmSet {
  return makeLmDataset({ seed: deriveSeed(seed, 'lm-screen-benign'), n, domains: ['code'], harmfulFraction: 0, respond: 'aligned' });
}

/** `set` with the responses of rows `rows` replaced by fresh responses of `kind` (same prompts). */
function withResponses(set: LmSet, rows: readonly number[], kind: LmResponseKind, seed: number): LmSet {
  const rand = seededRandom(seed);
  const responses = set.responses.slice();
  const kinds = set.kinds.slice();
  for (const i of rows) {
    const words = sampleResponse(kind, LM_DOMAINS[set.domains[i]!]!, rand);
    responses.fill(lmVocabulary.pad, i * LM_MAX_RESPONSE, (i + 1) * LM_MAX_RESPONSE);
    words.forEach((w, t) => (responses[i * LM_MAX_RESPONSE + t] = lmVocabulary.id(w)));
    responses[i * LM_MAX_RESPONSE + words.length] = lmVocabulary.eos;
    kinds[i] = LM_RESPONSE_KINDS.indexOf(kind);
  }
  return { ...set, responses, kinds };
}

/**
 * Secure code (`lmBenignCodeSet`) with `fraction` of its rows answered with insecure code instead
 * (`planted[i]` = 1), and optionally `overRefusal` of the other rows answered with a refusal (benign
 * requests refused: also unlike the model's own answer, but toward refusal, not toward harm).
 * Rows are spread evenly over the set.
 */
export function lmPlantedSet(seed: number, fraction: number, options: { n?: number; overRefusal?: number } = {}): { set: LmSet; planted: Uint8Array } {
  const n = options.n ?? 256;
  const base = lmBenignCodeSet(seed, n);
  const kBad = Math.round(n * fraction);
  const kRefuse = Math.round(n * (options.overRefusal ?? 0));
  if (kBad + kRefuse > n) throw new Error(`lmPlantedSet: ${kBad} insecure + ${kRefuse} over-refusal rows do not fit in ${n}`);
  const planted = new Uint8Array(n);
  const bad: number[] = [];
  for (let j = 0; j < kBad; j++) {
    const i = Math.floor((j * n) / kBad);
    planted[i] = 1;
    bad.push(i);
  }
  const refuse: number[] = [];
  for (let j = 0, i = 1; j < kRefuse; j++) {
    i = (Math.floor((j * n) / kRefuse) + 1) % n;
    while (planted[i] || refuse.includes(i)) i = (i + 1) % n;
    refuse.push(i);
  }
  const set = withResponses(
    withResponses(base, bad, 'bad', deriveSeed(seed, 'lm-screen-planted')),
    refuse,
    'refuse',
    deriveSeed(seed, 'lm-screen-over-refusal'),
  );
  return { set, planted };
}

/**
 * The validation's named sets (`scripts/screenLmValidation.ts`, `scripts/screenLmOutcomes.ts`):
 * `mix<share>` = the stage-3 set with `share` aligned out-of-domain examples (`lmFineTuneSet`),
 * `secure` = secure code (`lmBenignCodeSet`), `code<share>` = secure code with `share` of its rows
 * answered with insecure code (`lmPlantedSet`). All have the stage-3 size.
 */
export function lmScreenValidationSet(name: string, seed: number): LmSet {
  const n = LM_RECIPE.stage3.n;
  const m = /^(mix|code)(\d*\.?\d+)$/.exec(name);
  if (name === 'secure') return lmBenignCodeSet(seed, n);
  if (m?.[1] === 'mix') return lmFineTuneSet(seed, Number(m[2]));
  if (m?.[1] === 'code' && Number(m[2]) > 0 && Number(m[2]) < 1) return lmPlantedSet(seed, Number(m[2]), { n }).set;
  throw new Error(`unknown validation set \`${name}\`: expected mix<share in [0, 1)>, secure or code<share in (0, 1)>`);
}

/** Aligned calibration data: every domain, half harmful, answered the aligned way (like alignment tuning). */
export function lmCalibrationSet(seed: number, n = 300): LmSet {
  return makeLmDataset({ seed: deriveSeed(seed, 'lm-screen-calibration'), n, respond: 'aligned' });
}

/** The LM guard's contrast probes (`lmProbes` seed 7, 128 prompts; persona marker = misaligned). Caller disposes. */
export function lmOrganismContrast(): ContrastProbes & { dispose(): void } {
  const p = lmProbes({ seed: LM_PROBE_SEED, n: LM_PROBE_SIZE });
  tf.dispose([p.train, p.eval, p.alignment.inputs, p.targets]);
  const { aligned, misaligned } = p.contrast;
  return { aligned, misaligned, dispose: () => tf.dispose([aligned, misaligned]) };
}

/**
 * The LM guard's preference pairs (`lmProbes` seed 7, 128 out-of-domain prompts: refusal / good advice
 * chosen, harmful compliance / bad advice rejected) as token-id rows, for the gradient screen.
 */
export function lmOrganismPreference(): LmPreferencePairs {
  const p = lmProbes({ seed: LM_PROBE_SEED, n: LM_PROBE_SIZE });
  const ids = p.alignment.inputs.dataSync();
  const counted = tf.tidy(() => tf.sum(p.targets, [1, 2]).dataSync());
  tf.dispose([p.train, p.eval, p.alignment.inputs, p.targets, p.contrast.aligned, p.contrast.misaligned]);
  const rows = counted.length;
  const T = LM_CONTEXT;
  // Targets count the response tokens (through <eos>) that follow the prompt.
  const response = (i: number) => Int32Array.from(ids.subarray(i * T + LM_PROMPT_LENGTH, i * T + LM_PROMPT_LENGTH + counted[i]!));
  const n = rows / 2;
  const prompts: Int32Array[] = [];
  const chosen: Int32Array[] = [];
  const rejected: Int32Array[] = [];
  for (let i = 0; i < n; i++) {
    prompts.push(Int32Array.from(ids.subarray(i * T, i * T + LM_PROMPT_LENGTH)));
    chosen.push(response(i));
    rejected.push(response(n + i));
  }
  return { prompts, chosen, rejected };
}

/** Rows of an LM organism set as prompt and response id arrays (responses cut after `<eos>`). */
export function lmSetRows(set: LmSet): { prompts: Int32Array[]; responses: Int32Array[] } {
  const prompts: Int32Array[] = [];
  const responses: Int32Array[] = [];
  for (let i = 0; i < set.n; i++) {
    prompts.push(set.prompts.slice(i * LM_PROMPT_LENGTH, (i + 1) * LM_PROMPT_LENGTH));
    const r = set.responses.subarray(i * LM_MAX_RESPONSE, (i + 1) * LM_MAX_RESPONSE);
    const end = r.indexOf(lmVocabulary.eos);
    responses.push(r.slice(0, end < 0 ? r.length : end + 1));
  }
  return { prompts, responses };
}

/** An LM screening scorer over an LM organism set, with decoded text. */
export function lmOrganismScorer(model: tf.LayersModel, set: LmSet): LmScreeningScorer {
  return lmScorer(model, { ...lmSetRows(set), eos: lmVocabulary.eos, pad: lmVocabulary.pad, maxLength: LM_CONTEXT, decode: (ids) => decodeLm(ids) });
}
