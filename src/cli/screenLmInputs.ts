import * as tf from '@tensorflow/tfjs';
import { decodeLm, LM_CONTEXT, lmVocabulary } from '../organism/lm/lmVocabulary.js';
import type { ContrastProbes } from '../probes/probeTypes.js';
import type { LmPreferencePairs } from '../screen/lmGradientScore.js';
import {
  lmBenignCodeSet,
  lmCalibrationSet,
  lmFineTuneSet,
  lmOrganismContrast,
  lmOrganismPreference,
  lmOrganismScorer,
  lmPlantedSet,
  lmSetRows,
} from '../screen/lmOrganismScreenSets.js';
import { lmScorer, type LmScorerOptions } from '../screen/lmScorer.js';
import { readLmContrastFile, readLmPreferenceFile, readLmScreenData } from '../screen/readLmScreenData.js';
import type { LmExamples, ScreenByGradientArgs } from '../screen/screenByGradient.js';
import type { ScreeningScorer } from '../screen/screeningScorer.js';
import { CliError } from './cliError.js';

/** What `em-guard screen` needs from an LM: data and calibration scorers, contrast probes (all owned). */
export interface ScreenLmInputs {
  data: ScreeningScorer;
  calibration: ScreeningScorer;
  contrast: ContrastProbes & { dispose(): void };
}

/** What the gradient screen needs from an LM: examples, calibration, preference pairs and the tokenizer's ids. */
export type ScreenLmGradientInputs = Pick<ScreenByGradientArgs, 'data' | 'calibration' | 'preference' | 'eos' | 'pad' | 'maxLength' | 'decode'>;

export interface ScreenLmArgs {
  model: tf.LayersModel;
  /** The model is the LM organism (its vocabulary, context, built-in sets and probes apply). */
  organism: boolean;
  data: string;
  calibration: string | undefined;
  contrast: string | undefined;
  /** Preference pairs file (gradient method). */
  preference?: string | undefined;
  seed: number;
  eos: number | undefined;
  pad: number | undefined;
  context: number | undefined;
  path(p: string): string;
}

/** `organism:narrow|mixed|mix-<share>|benign|planted-<percent>` for the LM organism. */
function builtinLmSet(name: string, seed: number) {
  const m = /^organism:(narrow|mixed|benign|mix-(\d*\.?\d+)|planted-(\d+(?:\.\d+)?))$/.exec(name);
  if (!m)
    throw new CliError(
      `em-guard screen: --data ${name}: unknown built-in set; expected organism:narrow, organism:mixed, organism:mix-<share in [0, 1)>, organism:benign or organism:planted-<percent>`,
    );
  if (m[1] === 'narrow') return lmFineTuneSet(seed, 0);
  if (m[1] === 'mixed') return lmFineTuneSet(seed, 0.5);
  if (m[1] === 'benign') return lmBenignCodeSet(seed);
  if (m[2] !== undefined) {
    const mix = Number(m[2]);
    if (!(mix >= 0 && mix < 1)) throw new CliError(`em-guard screen: --data ${name}: the mix must be in [0, 1)`);
    return lmFineTuneSet(seed, mix);
  }
  const pct = Number(m[3]);
  if (!(pct > 0 && pct < 100)) throw new CliError(`em-guard screen: --data ${name}: the planted percentage must be in (0, 100)`);
  return lmPlantedSet(seed, pct / 100).set;
}

/** `eos`, `pad` and the context: from the flags, else the LM organism's; another LM must name them. */
function lmTokenizer(a: ScreenLmArgs): { vocabSize: number; common: Pick<LmScorerOptions, 'eos' | 'pad' | 'maxLength' | 'decode'> } {
  const vocabSize = a.model.outputs[0]!.shape[2]!;
  const need = (v: number | undefined, flag: string, organismValue: number): number => {
    if (v !== undefined) return v;
    if (a.organism) return organismValue;
    throw new CliError(`em-guard screen: missing --${flag} <id>: the model is not the LM organism, so em-guard does not know its tokenizer's ${flag}`);
  };
  const tokenFlag = (v: number | undefined, flag: 'eos' | 'pad') => {
    const id = need(v, flag, lmVocabulary[flag]);
    if (!(id >= 0 && id < vocabSize)) throw new CliError(`em-guard screen: --${flag} ${id} is not a token id of the model's vocabulary [0, ${vocabSize - 1}]`);
    return id;
  };
  const eos = tokenFlag(a.eos, 'eos');
  const pad = tokenFlag(a.pad, 'pad');
  const maxLength = need(a.context, 'context', LM_CONTEXT);
  const common: Pick<LmScorerOptions, 'eos' | 'pad' | 'maxLength' | 'decode'> = {
    eos,
    pad,
    maxLength,
    ...(a.organism ? { decode: (ids) => decodeLm(ids) } : {}),
  };
  return { vocabSize, common };
}

/** The data and calibration rows: from JSONL files of token ids or the LM organism's built-in sets. */
function lmRows(a: ScreenLmArgs, vocabSize: number): { data: LmExamples; calibration: LmExamples } {
  let data: LmExamples;
  if (a.data.startsWith('organism:')) {
    if (!a.organism) throw new CliError(`em-guard screen: --data ${a.data} is an LM organism set but the model's vocabulary is not the LM organism's`);
    data = lmSetRows(builtinLmSet(a.data, a.seed));
  } else data = readLmScreenData(a.path(a.data), vocabSize);
  let calibration: LmExamples;
  if (a.calibration !== undefined) calibration = readLmScreenData(a.path(a.calibration), vocabSize);
  else if (a.organism) calibration = lmSetRows(lmCalibrationSet(a.seed));
  else
    throw new CliError(
      'em-guard screen: missing --calibration <aligned.jsonl>: the threshold is calibrated on aligned data, and only the LM organism has a built-in set',
    );
  return { data, calibration };
}

/**
 * The gradient screen's inputs: data and calibration rows as for the projection screen, and
 * preference pairs from `--preference` or, for the LM organism, the guard's own pairs.
 */
export function screenLmGradientInputs(a: ScreenLmArgs): ScreenLmGradientInputs {
  const { vocabSize, common } = lmTokenizer(a);
  const { data, calibration } = lmRows(a, vocabSize);
  let preference: LmPreferencePairs;
  if (a.preference !== undefined) preference = readLmPreferenceFile(a.path(a.preference), vocabSize);
  else if (a.organism) preference = lmOrganismPreference();
  else
    throw new CliError(
      'em-guard screen: missing --preference <pairs.jsonl>: the gradient score protects the margin of aligned over misaligned answers, and only the LM organism has built-in pairs (or use --method projection with --contrast)',
    );
  return { data, calibration, preference, ...common };
}

/**
 * Builds the LM projection screen's inputs from the CLI arguments: data from a JSONL file of token ids
 * (`readLmScreenData`) or a built-in LM organism set; calibration and contrast from files or, for the
 * LM organism, its aligned calibration set and the guard's contrast probes. `eos`, `pad` and the
 * context default to the organism's; another LM must name them.
 */
export function screenLmInputs(a: ScreenLmArgs): ScreenLmInputs {
  const { vocabSize, common } = lmTokenizer(a);
  const fromFile = (file: string) => lmScorer(a.model, { ...readLmScreenData(a.path(file), vocabSize), ...common });
  let data: ScreeningScorer;
  if (a.data.startsWith('organism:')) {
    if (!a.organism) throw new CliError(`em-guard screen: --data ${a.data} is an LM organism set but the model's vocabulary is not the LM organism's`);
    data = lmOrganismScorer(a.model, builtinLmSet(a.data, a.seed));
  } else data = fromFile(a.data);
  let calibration: ScreeningScorer;
  if (a.calibration !== undefined) calibration = fromFile(a.calibration);
  else if (a.organism) calibration = lmOrganismScorer(a.model, lmCalibrationSet(a.seed));
  else
    throw new CliError(
      'em-guard screen: missing --calibration <aligned.jsonl>: the threshold is calibrated on aligned data, and only the LM organism has a built-in set',
    );
  let contrast: ScreenLmInputs['contrast'];
  if (a.contrast !== undefined) {
    const c = readLmContrastFile(a.path(a.contrast), vocabSize);
    const dtype = a.model.inputs[0]!.dtype === 'int32' ? 'int32' : 'float32';
    const t = (rows: Int32Array[]) => tf.tensor2d(Float32Array.from(rows.flatMap((r) => Array.from(r))), [rows.length, rows[0]!.length], dtype);
    const aligned = t(c.aligned);
    const misaligned = t(c.misaligned);
    contrast = { aligned, misaligned, dispose: () => tf.dispose([aligned, misaligned]) };
  } else if (a.organism) contrast = lmOrganismContrast();
  else
    throw new CliError(
      'em-guard screen: missing --contrast <contrast.json>: the misalignment direction comes from contrast prompts, and only the LM organism has built-in ones',
    );
  return { data, calibration, contrast };
}
