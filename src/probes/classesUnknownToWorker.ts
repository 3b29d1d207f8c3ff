import * as tf from '@tensorflow/tfjs';

/**
 * Serializable classes tfjs knows when em-guard loads: what a fresh capture-worker thread knows
 * too. A class the user registers later (a custom layer, initializer, …) exists only in the user's
 * thread (registration is per thread), so the worker could not rebuild a model that uses it.
 */
const KNOWN_AT_LOAD: ReadonlySet<string> = new Set(
  Object.keys(
    (tf.serialization as unknown as { SerializationMap: { getMap(): { classNameMap: Record<string, unknown> } } }).SerializationMap.getMap().classNameMap,
  ),
);

/**
 * The `class_name`s in `model`'s topology that a fresh thread's tfjs would not know, sorted;
 * empty when the capture worker can rebuild the model. Lets the guard say so at once instead of
 * after the worker's start-up (seconds on a busy machine, often longer than a short fit).
 */
export function classesUnknownToWorker(model: tf.LayersModel): string[] {
  const unknown = new Set<string>();
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) for (const x of v) walk(x);
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (typeof o.class_name === 'string' && !KNOWN_AT_LOAD.has(o.class_name)) unknown.add(o.class_name);
      for (const x of Object.values(o)) walk(x);
    }
  };
  walk(model.toJSON(null, false));
  // The top-level container classes are built in even when not registered for deserialization by name.
  for (const builtin of ['Sequential', 'Model', 'Functional']) unknown.delete(builtin);
  return [...unknown].sort();
}
