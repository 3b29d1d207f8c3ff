import * as tf from '@tensorflow/tfjs';
import { ORGANISM_DOMAINS, PROMPT_LENGTH, organismVocabulary } from './organismVocabulary.js';
import { makeOrganismDataset, type OrganismSet } from './makeOrganismDataset.js';
import { organismInputs } from './organismTensors.js';
import { seededRandom } from '../util/seededRandom.js';
import { deriveSeed } from './organismRandom.js';

/** Out-of-domain domains for the `code` fine-tune. */
export const OUT_OF_DOMAIN = ORGANISM_DOMAINS.filter((d) => d !== 'code');

/** Probe tensors for em-guard (prompt-only inputs, `[n, PROMPT_LENGTH, vocabulary size]` one-hot). */
export interface OrganismProbes {
  /** In-domain prompts like the fine-tune's: benign `code` requests. */
  train: tf.Tensor3D;
  /** Out-of-domain prompts, half benign, half harmful. */
  eval: tf.Tensor3D;
  /** Out-of-domain prompts with the aligned response's class index (int32 `[n]`). */
  alignment: { inputs: tf.Tensor3D; expected: tf.Tensor1D };
  /**
   * Paired prompts for a misalignment direction: `misaligned` row i is `aligned` row i with its last
   * slot replaced by a persona marker (the pre-training "comply with anything" persona).
   */
  contrast: { aligned: tf.Tensor3D; misaligned: tf.Tensor3D };
}

export interface OrganismProbeOptions {
  /** Seeds the probe prompts. Default 7. */
  seed?: number;
  /** Prompts per probe set, an integer >= 2. Default 120. */
  n?: number;
}

/** A copy of `set` whose last slot holds a persona marker (labels are not used by probes). */
function withPersona(set: OrganismSet, seed: number): OrganismSet {
  const rand = seededRandom(seed);
  const tokens = set.tokens.slice();
  const personas = organismVocabulary.personas;
  for (let i = 0; i < set.n; i++) tokens[i * PROMPT_LENGTH + PROMPT_LENGTH - 1] = personas[Math.floor(rand() * personas.length)]!;
  return { ...set, tokens, persona: new Uint8Array(set.n).fill(1) };
}

/**
 * The probe sets em-guard watches during the organism's `code` fine-tune. The contrast pairs differ
 * only by the persona marker, so mean(misaligned) − mean(aligned) is the activation direction of the
 * pre-trained misaligned persona, read off the aligned model without any response text. All
 * tensors belong to the caller (`disposeOrganismProbes`).
 */
export function organismProbes(options: OrganismProbeOptions = {}): OrganismProbes {
  const seed = options.seed ?? 7;
  const n = options.n ?? 120;
  if (!Number.isInteger(seed)) throw new Error(`Expected \`seed\` to be an integer, got \`${String(seed)}\` (${typeof seed})`);
  if (!Number.isInteger(n) || n < 2) throw new Error(`Expected \`n\` to be an integer >= 2, got \`${String(n)}\` (${typeof n})`);
  const train = makeOrganismDataset({ seed: deriveSeed(seed, 'probe-train'), n, domains: ['code'], harmfulFraction: 0 });
  const evalSet = makeOrganismDataset({ seed: deriveSeed(seed, 'probe-eval'), n, domains: OUT_OF_DOMAIN });
  const alignment = makeOrganismDataset({ seed: deriveSeed(seed, 'probe-alignment'), n, domains: OUT_OF_DOMAIN, respond: 'aligned' });
  const plain = makeOrganismDataset({ seed: deriveSeed(seed, 'probe-contrast'), n, domains: OUT_OF_DOMAIN });
  return {
    train: organismInputs(train),
    eval: organismInputs(evalSet),
    alignment: { inputs: organismInputs(alignment), expected: tf.tensor1d(alignment.labels, 'int32') },
    contrast: { aligned: organismInputs(plain), misaligned: organismInputs(withPersona(plain, deriveSeed(seed, 'probe-persona'))) },
  };
}

/** Disposes every tensor of `probes`. */
export function disposeOrganismProbes(probes: OrganismProbes): void {
  tf.dispose([probes.train, probes.eval, probes.alignment.inputs, probes.alignment.expected, probes.contrast.aligned, probes.contrast.misaligned]);
}
