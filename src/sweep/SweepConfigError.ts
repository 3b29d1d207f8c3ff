/** One thing wrong with a `sweep.yaml`, located like the policy loader's problems. */
export interface SweepProblem {
  file: string;
  line: number;
  col: number;
  /** Where in the file, e.g. `matrix.learningRate[2]`; empty for whole-file problems. */
  path: string;
  message: string;
}

/** `sweep.yaml:7:18 matrix.optimizer[1]: expected one of sgd, adam, adamw, lion, got "adamx"`. */
export function formatSweepProblem(p: SweepProblem): string {
  return `${p.file}:${p.line}:${p.col}${p.path ? ` ${p.path}` : ''}: ${p.message}`;
}

/** Thrown by `parseSweepConfig` with every problem of the file (checked completely before failing). */
export class SweepConfigError extends Error {
  readonly problems: readonly SweepProblem[];
  constructor(problems: readonly SweepProblem[]) {
    const sorted = [...problems].sort((a, b) => a.line - b.line || a.col - b.col);
    const lines = sorted.map(formatSweepProblem);
    super(
      lines.length === 1 ? `Invalid sweep config: ${lines[0]}` : `Invalid sweep config (${lines.length} problems):\n${lines.map((l) => `  ${l}`).join('\n')}`,
    );
    this.name = 'SweepConfigError';
    this.problems = Object.freeze(sorted);
  }
}
