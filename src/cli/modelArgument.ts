import type * as tf from '@tensorflow/tfjs';
import { existsSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { MODEL_JSON } from '../io/fileSystemHandler.js';
import { alignedOrganismDir, loadAlignedOrganism } from '../organism/loadAlignedOrganism.js';
import { PROMPT_LENGTH, organismVocabulary } from '../organism/organismVocabulary.js';
import { CliError } from './cliError.js';

/** Loads `--model <dir>` (a tfjs model directory), or the shipped aligned organism when absent. Bad input → CliError (exit 2). */
export async function loadModelArgument(command: string, value: string | undefined, cwd: string): Promise<{ model: tf.LayersModel; dir: string }> {
  const dir = value === undefined ? alignedOrganismDir() : isAbsolute(value) ? value : resolve(cwd, value);
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
