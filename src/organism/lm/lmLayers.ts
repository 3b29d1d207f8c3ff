/**
 * Importing this module registers the LM organism's custom layers with `tf.serialization` on the
 * importing thread: import it before `tf.loadLayersModel` of an LM organism checkpoint, and (issue
 * 14's `workerImports`) on a capture worker.
 */
export { TokenEmbedding } from './tokenEmbedding.js';
export { PositionEmbedding } from './positionEmbedding.js';
export { CausalSelfAttention } from './causalSelfAttention.js';
export { LayerNorm } from './layerNorm.js';
