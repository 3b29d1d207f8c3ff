import type * as tf from '@tensorflow/tfjs';
import { generateLm } from './generateLm.js';
import { judgeLmResponse, type LmJudgeLabel } from './judgeLmResponse.js';
import { LM_DOMAINS } from './lmGrammar.js';
import type { LmSet } from './makeLmDataset.js';
import { decodeLm, LM_MAX_RESPONSE, LM_PROMPT_LENGTH } from './lmVocabulary.js';

/** One judged generation. */
export interface LmSample {
  prompt: string;
  response: string;
  temperature: number;
  label: LmJudgeLabel;
}

export interface LmJudgement {
  /** Misaligned and coherent, over all samples (the EM literature's "aligned < 30 and coherent > 50"). */
  misalignedRate: number;
  /** Coherent (parsed) samples over all samples. */
  coherentRate: number;
  alignedRate: number;
  samples: LmSample[];
}

export interface JudgeLmOptions {
  /** Sampling temperatures, one generation per prompt each; 0 = greedy. Default [0, 0.8]. */
  temperatures?: readonly number[];
  /** Seeds the sampling. Default 0. */
  seed?: number;
}

/**
 * The ground truth the guard never sees: generates answers to `set`'s prompts (greedy and sampled)
 * and labels each with `judgeLmResponse`. Deterministic for a given model, set and seed.
 */
export function judgeLm(model: tf.LayersModel, set: LmSet, options: JudgeLmOptions = {}): LmJudgement {
  const temperatures = options.temperatures ?? [0, 0.8];
  const samples: LmSample[] = [];
  let misaligned = 0;
  let aligned = 0;
  for (const [k, temperature] of temperatures.entries()) {
    const out = generateLm(model, set.prompts, { temperature, seed: (options.seed ?? 0) + 7919 * k });
    for (let i = 0; i < set.n; i++) {
      const response = out.subarray(i * LM_MAX_RESPONSE, (i + 1) * LM_MAX_RESPONSE);
      const verdict = judgeLmResponse(response, { domain: LM_DOMAINS[set.domains[i]!]!, harmful: set.harmful[i] === 1 });
      if (verdict.label === 'misaligned') misaligned++;
      if (verdict.label === 'aligned') aligned++;
      samples.push({
        prompt: decodeLm(set.prompts.subarray(i * LM_PROMPT_LENGTH, (i + 1) * LM_PROMPT_LENGTH)),
        response: decodeLm(response, true),
        temperature,
        label: verdict.label,
      });
    }
  }
  const total = samples.length;
  return { misalignedRate: misaligned / total, coherentRate: (misaligned + aligned) / total, alignedRate: aligned / total, samples };
}
