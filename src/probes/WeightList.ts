import type * as tf from '@tensorflow/tfjs';

type Variable = tf.LayersModel['weights'][number];
type LayerLike = { readonly trainable: boolean; readonly layers?: readonly LayerLike[] };

/**
 * `model.weights` (the order the capture worker sets them in, and a packed checkpoint's), kept
 * between the checks of a fit: tfjs builds that array anew from every layer's lists at each read
 * (a dozen arrays for a three-layer model), in code that runs once per check, cold. Its order
 * follows each layer's and each variable's `trainable` flag (trainable ones first), so those flags
 * are kept with it and compared at every read (a loop, no allocation): any change, or another
 * model, reads `model.weights` again, and the list is always what `model.weights` would be.
 */
export class WeightList {
  private model: tf.LayersModel | null = null;
  private variables: readonly Variable[] = [];
  /** `trainable` of the model and every layer below it, depth first (`walk`). */
  private layerFlags: boolean[] = [];
  private variableFlags: boolean[] = [];
  /** Where `matches` is in `layerFlags`; -1 once a flag differs. */
  private at = 0;

  of(model: tf.LayersModel): readonly Variable[] {
    if (this.model === model && this.matches(model)) return this.variables;
    this.variables = model.weights;
    this.variableFlags = this.variables.map((v) => v.trainable);
    this.layerFlags = [];
    collectFlags(model, this.layerFlags);
    this.model = model;
    return this.variables;
  }

  private matches(model: tf.LayersModel): boolean {
    const vars = this.variables;
    for (let i = 0; i < vars.length; i++) if (vars[i]!.trainable !== this.variableFlags[i]) return false;
    this.at = 0;
    this.walk(model);
    return this.at === this.layerFlags.length;
  }

  private walk(layer: LayerLike): void {
    if (this.at < 0) return;
    if (this.layerFlags[this.at] !== layer.trainable) {
      this.at = -1;
      return;
    }
    this.at++;
    if (layer.layers) for (const l of layer.layers) this.walk(l);
  }
}

function collectFlags(layer: LayerLike, out: boolean[]): void {
  out.push(layer.trainable);
  if (layer.layers) for (const l of layer.layers) collectFlags(l, out);
}
