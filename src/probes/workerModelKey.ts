import type { WorkerInit } from './captureWorkerProtocol.js';

/**
 * What a capture thread builds at an init (the model from its topology, the capture on its watched
 * layers) as one string: a later init with the same key may keep that model, since every capture
 * sets all of its weights. Null when it must be rebuilt: a stateful layer keeps its state across
 * predictions, so a model that served an earlier fit could answer differently. The model's own
 * name is left out (tfjs numbers `sequential_N` per model built); layer names stay (the watched
 * layers and the weights are found by them).
 */
export function workerModelKey(msg: Pick<WorkerInit, 'topology' | 'backend' | 'imports' | 'layers' | 'pooling' | 'batchSize' | 'weightShapes'>): string | null {
  const topology = msg.topology as { config?: unknown } | null;
  const config = topology?.config;
  const named = config !== null && typeof config === 'object' && !Array.isArray(config) ? { ...config, name: null } : config;
  const text = JSON.stringify(topology === null || typeof topology !== 'object' ? topology : { ...topology, config: named });
  if (text === undefined || /"stateful":true/.test(text)) return null;
  return JSON.stringify([msg.backend, msg.imports, msg.layers, msg.pooling, msg.batchSize, msg.weightShapes, text]);
}
