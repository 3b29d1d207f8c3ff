import type { EmGuardProbes, ProbeInputs } from './probeTypes.js';

/**
 * The probe sets whose activations the guard keeps as its baseline, by name: `train`, `eval`, and
 * `contrast.aligned` / `contrast.misaligned` when given.
 */
export function* baselineProbeSets(probes: EmGuardProbes): Generator<[string, ProbeInputs]> {
  yield ['train', probes.train];
  yield ['eval', probes.eval];
  if (probes.contrast) {
    yield ['contrast.aligned', probes.contrast.aligned];
    yield ['contrast.misaligned', probes.contrast.misaligned];
  }
}

/** The inputs of a named probe set (the baseline sets, `alignment`, `preference.chosen`, `preference.rejected`), or undefined when not given. */
export function probeSetInputs(probes: EmGuardProbes, name: string): ProbeInputs | undefined {
  if (name === 'alignment') return probes.alignment?.inputs;
  if (name === 'preference.chosen') return probes.preference?.chosen.inputs;
  if (name === 'preference.rejected') return probes.preference?.rejected.inputs;
  for (const [n, inputs] of baselineProbeSets(probes)) if (n === name) return inputs;
  return undefined;
}
