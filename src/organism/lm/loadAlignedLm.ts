import * as tf from '@tensorflow/tfjs';
import { join } from 'node:path';
import { fileSystemHandler } from '../../io/fileSystemHandler.js';
import { packageRoot } from '../../util/packageRoot.js';
import './lmLayers.js';

/** Directory of the shipped aligned LM organism (stage 2): model.json, weights.bin, meta.json. */
export function alignedLmDir(): string {
  return join(packageRoot(), 'src', 'organism', 'lm', 'aligned');
}

/** Loads the shipped aligned LM organism (its custom layers are registered by importing this module). */
export async function loadAlignedLm(dir: string = alignedLmDir()): Promise<tf.LayersModel> {
  return tf.loadLayersModel(fileSystemHandler(dir));
}
