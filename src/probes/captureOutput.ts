import type * as tf from '@tensorflow/tfjs';
import { probeTensors } from './probeTensors.js';
import type { ProbeInputs } from './probeTypes.js';

/** The raw first model output on a probe set, copied out of tfjs. */
export interface ModelOutput {
  shape: number[];
  data: Float32Array;
}

/**
 * The model's first output on `inputs`, one forward pass per up-to-`batchSize` rows (predict's
 * default of 32 splits the probes into many small passes, several times slower on wasm). The same
 * code runs inline and on the capture worker, so both give bit-identical outputs.
 */
export async function captureOutput(model: tf.LayersModel, inputs: ProbeInputs, batchSize: number): Promise<ModelOutput> {
  const list = probeTensors(inputs);
  const rows = list[0]!.shape[0] ?? 1;
  const raw = model.predict(list.length === 1 ? list[0]! : list, { batchSize: Math.min(rows, batchSize) });
  const first = Array.isArray(raw) ? raw[0]! : raw;
  try {
    // A private copy: on the cpu backend `data()` may hand out the tensor's own storage.
    const data = Float32Array.from((await first.data()) as ArrayLike<number>);
    return { shape: first.shape.slice(), data };
  } finally {
    for (const t of Array.isArray(raw) ? raw : [raw]) t.dispose();
  }
}
