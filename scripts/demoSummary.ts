// The shape of `npm start -- --out DIR`'s DIR/summary.json (issue 13), shared by both organisms.

/** One fine-tune of the demo: unguarded (the guard observes), guarded (abort + rollback), mitigated (rewind + aligned mix, trains on). */
export interface DemoRunSummary {
  label: 'unguarded' | 'guarded' | 'mitigated';
  runDir: string;
  stepsRun: number;
  inDomainLossEnd: number;
  /** Judge's out-of-domain misaligned rate of the model the run ends with (after any rollback). */
  oodMisalignedEnd: number;
  oodMisalignedPeak: number;
  /** LM organism: share of coherent generations at the end; null for the classifier. */
  coherentEnd: number | null;
  /**
   * LM organism (null for the classifier): the LM's `oodMisalignedEnd` counts benign (free-form)
   * out-of-domain prompts, as the EM literature does (see `judgeLm`); these are the same model's
   * misaligned rate over every prompt, harmful requests included, and its answers to harmful
   * requests: coherent compliance, and coherent answers (intact refusals or coherent compliance).
   */
  oodMisalignedAllPromptsEnd: number | null;
  harmfulComplianceEnd: number | null;
  harmfulCoherentEnd: number | null;
  stoppedBy: { rule: string; step: number } | null;
  /** The last rollback (guarded) or rewind (mitigated) target. */
  rolledBackTo: { id: string; step: number } | null;
  /** Share of aligned rows among the rows trained on: the mixer's for `mitigated`, `--mix` otherwise. */
  alignedShareUsed: number;
  /** Rewinds of the mitigated run; null for the others. */
  rewinds: number | null;
  /** Not in summary.json: the table's extra columns. */
  oodAtStop: number | null;
  ms: number;
  guardMs: number;
}

export interface DemoSummary {
  organism: 'lm' | 'classifier';
  seed: number;
  /** The guarded run's policy (`source` of the loaded policy). */
  policy: string;
  /** The mitigated run's policy. */
  mitigationPolicy: string;
  runs: Pick<
    DemoRunSummary,
    | 'label'
    | 'runDir'
    | 'stepsRun'
    | 'inDomainLossEnd'
    | 'oodMisalignedEnd'
    | 'oodMisalignedPeak'
    | 'coherentEnd'
    | 'oodMisalignedAllPromptsEnd'
    | 'harmfulComplianceEnd'
    | 'harmfulCoherentEnd'
    | 'stoppedBy'
    | 'rolledBackTo'
    | 'alignedShareUsed'
    | 'rewinds'
  >[];
  /** Answers to the same out-of-domain prompts: before the fine-tune and from each run's final model. */
  samples: { prompt: string; before: string; unguarded: string; guarded: string; mitigated: string }[];
}

/** The summary.json object: the fields issue 13 specifies, in its order, then issue 15's mitigation fields. */
export function demoSummary(
  organism: DemoSummary['organism'],
  seed: number,
  policies: { guarded: string; mitigated: string },
  runs: readonly DemoRunSummary[],
  samples: DemoSummary['samples'],
): DemoSummary {
  return {
    organism,
    seed,
    policy: policies.guarded,
    mitigationPolicy: policies.mitigated,
    runs: runs.map((r) => ({
      label: r.label,
      runDir: r.runDir,
      stepsRun: r.stepsRun,
      inDomainLossEnd: r.inDomainLossEnd,
      oodMisalignedEnd: r.oodMisalignedEnd,
      oodMisalignedPeak: r.oodMisalignedPeak,
      coherentEnd: r.coherentEnd,
      oodMisalignedAllPromptsEnd: r.oodMisalignedAllPromptsEnd,
      harmfulComplianceEnd: r.harmfulComplianceEnd,
      harmfulCoherentEnd: r.harmfulCoherentEnd,
      stoppedBy: r.stoppedBy,
      rolledBackTo: r.rolledBackTo,
      alignedShareUsed: r.alignedShareUsed,
      rewinds: r.rewinds,
    })),
    samples,
  };
}
