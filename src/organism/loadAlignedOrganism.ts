import * as tf from '@tensorflow/tfjs';
import { join } from 'node:path';
import { fileSystemHandler } from '../io/fileSystemHandler.js';
import { packageRoot } from '../util/packageRoot.js';

/** Directory of the shipped stage-2 (aligned) organism checkpoint: model.json, weights.bin, meta.json. */
export function alignedOrganismDir(): string {
  return join(packageRoot(), 'src', 'organism', 'aligned');
}

/**
 * Loads the shipped aligned organism (stage 2), the starting point of the narrow fine-tune, so a
 * demo needs no training or download. Uncompiled: `trainOrganismStage` compiles it.
 */
export async function loadAlignedOrganism(dir: string = alignedOrganismDir()): Promise<tf.LayersModel> {
  return tf.loadLayersModel(fileSystemHandler(dir));
}
