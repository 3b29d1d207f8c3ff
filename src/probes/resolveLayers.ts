import type * as tf from '@tensorflow/tfjs';

/** How many layers `auto` watches at most. */
export const AUTO_LAYER_COUNT = 3;

/**
 * A residual network's block outputs: the residual `Add` layers in model order, and when there is
 * an even number of them (a transformer block adds twice: attention, then MLP) every second one,
 * i.e. the residual stream after each whole block, the paper's measurement point. Empty when the
 * model has fewer than two `Add` layers (not a residual stack).
 */
export function transformerBlockOutputs(
  model: tf.LayersModel,
  outputNames: ReadonlySet<string> = new Set(model.outputs.map((o) => o.sourceLayer.name)),
): tf.layers.Layer[] {
  const adds = model.layers.filter((l) => l.getClassName() === 'Add' && !outputNames.has(l.name));
  if (adds.length < 2) return [];
  return adds.length % 2 === 0 ? adds.filter((_, i) => i % 2 === 1) : adds;
}

/**
 * Resolves the layers to watch. `auto` picks up to three hidden layers that hold weights (not the
 * output layer), evenly spaced and always including the last hidden one: EM shows up most in late
 * layers, and watching a few keeps a check cheap. On a residual model (a transformer) the
 * candidates are its block outputs instead (`transformerBlockOutputs`): the residual stream, not
 * attention or MLP internals.
 */
export function resolveLayers(model: tf.LayersModel, requested: 'auto' | readonly string[]): string[] {
  const all = model.layers;
  if (requested === 'auto') {
    const outputNames = new Set(model.outputs.map((o) => o.sourceLayer.name));
    const residual = transformerBlockOutputs(model, outputNames);
    const hidden = residual.length > 0 ? residual : all.filter((l) => l.weights.length > 0 && !outputNames.has(l.name));
    if (hidden.length === 0) {
      throw new Error(
        `emGuard: layers "auto" found no hidden layer with weights in model \`${model.name}\` (layers: ${all.map((l) => l.name).join(', ')}); name the layers to watch with \`layers: [...]\``,
      );
    }
    if (hidden.length <= AUTO_LAYER_COUNT) return hidden.map((l) => l.name);
    const picked = new Set<number>();
    for (let i = 0; i < AUTO_LAYER_COUNT; i++) {
      picked.add(Math.round(((i + 1) * (hidden.length - 1)) / AUTO_LAYER_COUNT));
    }
    return [...picked].sort((a, b) => a - b).map((i) => hidden[i]!.name);
  }
  // Checked through `unknown`: narrowing a readonly array with Array.isArray would type it any[].
  if (!Array.isArray(requested as unknown) || requested.length === 0) {
    throw new Error('emGuard: `layers` must be "auto" or a non-empty array of layer names');
  }
  const names = new Set(all.map((l) => l.name));
  const unknown = requested.filter((n) => !names.has(n));
  if (unknown.length > 0) {
    throw new Error(
      `emGuard: unknown layer${unknown.length > 1 ? 's' : ''} ${unknown.map((n) => `\`${n}\``).join(', ')} in model \`${model.name}\`; available: ${all.map((l) => l.name).join(', ')}`,
    );
  }
  const dup = requested.find((n, i) => requested.indexOf(n) !== i);
  if (dup !== undefined) throw new Error(`emGuard: layer \`${dup}\` is listed twice in \`layers\``);
  return [...requested];
}
