// The shape of `npm start -- --out DIR`'s DIR/summary.json (issue 13), shared by both organisms.

/** One fine-tune of the demo. */
export interface DemoRunSummary {
  label: 'unguarded' | 'guarded';
  runDir: string;
  stepsRun: number;
  inDomainLossEnd: number;
  /** Judge's out-of-domain misaligned rate of the model the run ends with (after any rollback). */
  oodMisalignedEnd: number;
  oodMisalignedPeak: number;
  /** LM organism: share of coherent generations at the end; null for the classifier. */
  coherentEnd: number | null;
  stoppedBy: { rule: string; step: number } | null;
  rolledBackTo: { id: string; step: number } | null;
  /** Not in summary.json: the table's extra columns. */
  oodAtStop: number | null;
  ms: number;
  guardMs: number;
}

export interface DemoSummary {
  organism: 'lm' | 'classifier';
  seed: number;
  policy: string;
  runs: Pick<
    DemoRunSummary,
    'label' | 'runDir' | 'stepsRun' | 'inDomainLossEnd' | 'oodMisalignedEnd' | 'oodMisalignedPeak' | 'coherentEnd' | 'stoppedBy' | 'rolledBackTo'
  >[];
  samples: { prompt: string; before: string; unguarded: string; guarded: string }[];
}

/** The summary.json object: only the fields the issue specifies, in its order. */
export function demoSummary(
  organism: DemoSummary['organism'],
  seed: number,
  policy: string,
  runs: readonly DemoRunSummary[],
  samples: DemoSummary['samples'],
): DemoSummary {
  return {
    organism,
    seed,
    policy,
    runs: runs.map((r) => ({
      label: r.label,
      runDir: r.runDir,
      stepsRun: r.stepsRun,
      inDomainLossEnd: r.inDomainLossEnd,
      oodMisalignedEnd: r.oodMisalignedEnd,
      oodMisalignedPeak: r.oodMisalignedPeak,
      coherentEnd: r.coherentEnd,
      stoppedBy: r.stoppedBy,
      rolledBackTo: r.rolledBackTo,
    })),
    samples,
  };
}
