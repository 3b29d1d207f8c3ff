import type { AnswerScoring } from './captureOutput.js';
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

/**
 * How a set's model output is reduced where it is computed: `preference.chosen` / `preference.rejected`
 * to per-pair answer scores (their targets, mask and output kind); undefined for every other set (raw output).
 */
export function answerScoringOf(probes: EmGuardProbes, name: string): AnswerScoring | undefined {
  const p = probes.preference;
  if (!p) return undefined;
  const side = name === 'preference.chosen' ? p.chosen : name === 'preference.rejected' ? p.rejected : undefined;
  return side ? { targets: side.targets, mask: side.mask, kind: p.output ?? 'logits' } : undefined;
}
