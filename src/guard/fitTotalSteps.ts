/**
 * How many batches the current `fit` will run, from the params tfjs gives its callbacks
 * (`epochs`, `initialEpoch`, and per epoch `steps`, or `samples` / `batchSize`), or null when they do
 * not say (e.g. `fitDataset` without `batchesPerEpoch`). A stop on the way ends the fit earlier.
 */
export function fitTotalSteps(params: unknown): number | null {
  const p = (params ?? {}) as { epochs?: unknown; initialEpoch?: unknown; steps?: unknown; samples?: unknown; batchSize?: unknown };
  const count = (v: unknown) => (typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : null);
  const epochs = count(p.epochs);
  const initial = p.initialEpoch === undefined || p.initialEpoch === null ? 0 : typeof p.initialEpoch === 'number' ? p.initialEpoch : NaN;
  const samples = count(p.samples);
  const batchSize = count(p.batchSize);
  const perEpoch = count(p.steps) ?? (samples !== null && batchSize !== null ? Math.ceil(samples / batchSize) : null);
  if (epochs === null || perEpoch === null || !Number.isInteger(initial) || initial < 0 || initial >= epochs) return null;
  return (epochs - initial) * perEpoch;
}
