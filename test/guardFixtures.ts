// A small, seeded classification task for the guard's integration tests: Gaussian blobs, a
// 3-layer MLP, and a pre-trained model to fine-tune benignly or destructively.
import * as tf from '@tensorflow/tfjs';
import { seededRandom } from './helpers.js';

export const CLASSES = 4;
export const DIM = 8;

export interface Blobs {
  x: tf.Tensor2D;
  labels: number[];
}

/** n points around CLASSES fixed centroids (same centroids for every seed). */
export function blobs(n: number, seed: number): Blobs {
  const centroidRand = seededRandom(1234);
  const centroids = Array.from({ length: CLASSES }, () => Array.from({ length: DIM }, () => centroidRand() * 4 - 2));
  const rand = seededRandom(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
  const data: number[] = [];
  const labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = i % CLASSES;
    labels.push(c);
    for (let j = 0; j < DIM; j++) data.push(centroids[c]![j]! + 0.6 * gauss());
  }
  return { x: tf.tensor2d(data, [n, DIM]), labels };
}

export function oneHot(labels: number[], shift = 0): tf.Tensor2D {
  return tf.tidy(
    () =>
      tf
        .oneHot(
          tf.tensor1d(
            labels.map((l) => (l + shift) % CLASSES),
            'int32',
          ),
          CLASSES,
        )
        .asType('float32') as tf.Tensor2D,
  );
}

export function buildMlp(seed = 1): tf.Sequential {
  const model = tf.sequential({
    layers: [
      tf.layers.dense({ units: 32, inputShape: [DIM], activation: 'relu', name: 'h1', kernelInitializer: tf.initializers.glorotUniform({ seed }) }),
      tf.layers.dense({ units: 32, activation: 'relu', name: 'h2', kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }) }),
      tf.layers.dense({ units: CLASSES, name: 'out', kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 2 }) }),
    ],
  });
  return model;
}

/** Accuracy of `model` on labelled points: the ground truth the guard never sees. */
export function accuracy(model: tf.LayersModel, set: Blobs): number {
  const pred = tf.tidy(() => (model.predict(set.x) as tf.Tensor).argMax(-1).dataSync());
  let ok = 0;
  set.labels.forEach((l, i) => (ok += pred[i] === l ? 1 : 0));
  return ok / set.labels.length;
}

/** Pre-trained weights per backend and seed, as plain arrays (no tensor outlives a test). */
const pretrainedWeights = new Map<string, { shape: number[]; values: Float32Array }[]>();

/**
 * A model pre-trained to high accuracy on the blobs, compiled with a fresh Adam. The training runs
 * once per backend and seed in a process (deterministic, so every later call would give the same
 * weights bit for bit); later calls copy its weights into a new model.
 */
export async function pretrained(seed = 1): Promise<tf.Sequential> {
  const key = `${tf.getBackend()}:${seed}`;
  if (!pretrainedWeights.has(key)) {
    const trained = buildMlp(seed);
    const adam = tf.train.adam(0.01);
    trained.compile({ optimizer: adam, loss: tf.losses.softmaxCrossEntropy });
    const train = blobs(400, 99);
    const y = oneHot(train.labels);
    await trained.fit(train.x, y, { epochs: 15, batchSize: 32, shuffle: false, verbose: 0 });
    tf.dispose([train.x, y]);
    pretrainedWeights.set(
      key,
      trained.getWeights().map((w) => ({ shape: w.shape, values: Float32Array.from(w.dataSync()) })),
    );
    adam.dispose();
    trained.dispose();
  }
  const model = buildMlp(seed);
  model.compile({ optimizer: tf.train.adam(0.01), loss: tf.losses.softmaxCrossEntropy });
  const weights = pretrainedWeights.get(key)!.map((w) => tf.tensor(w.values, w.shape));
  model.setWeights(weights);
  tf.dispose(weights);
  return model;
}
