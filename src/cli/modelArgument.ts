import type * as tf from '@tensorflow/tfjs';
import { existsSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { MODEL_JSON } from '../io/fileSystemHandler.js';
import { alignedOrganismDir, loadAlignedOrganism } from '../organism/loadAlignedOrganism.js';
import '../organism/lm/lmLayers.js';
import { lmVocabulary } from '../organism/lm/lmVocabulary.js';
import { PROMPT_LENGTH, organismVocabulary } from '../organism/organismVocabulary.js';
import { CliError } from './cliError.js';

/**
 * Loads `--model <dir>` (a tfjs model directory), or `defaultDir` (the shipped aligned classifier
 * organism unless given) when absent. The LM organism's custom layers are registered, so LM
 * checkpoints load too. Bad input → CliError (exit 2).
 */
export async function loadModelArgument(
  command: string,
  value: string | undefined,
  cwd: string,
  defaultDir: string = alignedOrganismDir(),
): Promise<{ model: tf.LayersModel; dir: string }> {
  const dir = value === undefined ? defaultDir : isAbsolute(value) ? value : resolve(cwd, value);
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new CliError(`em-guard ${command}: --model ${value}: not a directory; pass a tfjs model directory (model.json + weights.bin)`);
  if (!existsSync(join(dir, MODEL_JSON)))
    throw new CliError(`em-guard ${command}: --model ${value}: no ${MODEL_JSON} in ${dir}; pass a tfjs model directory (model.json + weights.bin)`);
  try {
    return { model: await loadAlignedOrganism(dir), dir };
  } catch (e) {
    throw new CliError(`em-guard ${command}: --model ${value ?? dir}: cannot load the model (${(e as Error).message.split('\n')[0]})`);
  }
}

/** True when the model takes the organism's inputs (8 one-hot tokens over its vocabulary), so organism defaults apply. */
export function takesOrganismInputs(model: tf.LayersModel): boolean {
  const shape = model.inputs.length === 1 ? model.inputs[0]!.shape : null;
  return shape !== null && shape.length === 3 && shape[1] === PROMPT_LENGTH && shape[2] === organismVocabulary.size;
}

/** True for a causal LM: token ids `[batch, positions]` in, per-position outputs `[batch, positions, vocabulary]` out. */
export function isSequenceModel(model: tf.LayersModel): boolean {
  return model.inputs.length === 1 && model.inputs[0]!.shape.length === 2 && model.outputs[0]!.shape.length === 3;
}

/** True when the model is a causal LM over the LM organism's vocabulary, so LM organism defaults apply. */
export function takesLmOrganismInputs(model: tf.LayersModel): boolean {
  return isSequenceModel(model) && model.outputs[0]!.shape[2] === lmVocabulary.size;
}
