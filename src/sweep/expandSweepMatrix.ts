import { join } from 'node:path';
import type { SweepConfig, SweepRunConfig } from './sweepConfig.js';

/** A number as short, path-safe text for run ids: `0.003` → `0.003`, `1e-7` → `1e-7`. */
function fmt(v: number): string {
  return String(Number(v.toPrecision(6))).replace(/[^0-9a-zA-Z.-]/g, '_');
}

/**
 * The cartesian product optimizer × schedule × learningRate × mix × seed, in that nesting order,
 * each with a run id that depends only on its settings (so a re-run finds the same directory and
 * can skip it).
 */
export function expandSweepMatrix(config: SweepConfig): SweepRunConfig[] {
  const runs: SweepRunConfig[] = [];
  const { matrix } = config;
  for (const optimizer of matrix.optimizer) {
    for (const schedule of matrix.schedule) {
      for (const learningRate of matrix.learningRate) {
        for (const mix of matrix.mix) {
          for (const seed of matrix.seed) {
            const runId = `${optimizer}-${schedule}-lr${fmt(learningRate)}-mix${fmt(mix)}-s${seed}`;
            if (runs.some((r) => r.runId === runId)) continue; // Duplicate values in a list run once.
            runs.push({
              runId,
              index: runs.length,
              sweep: config.name,
              optimizer,
              schedule,
              learningRate,
              mix,
              seed,
              epochs: config.epochs,
              checkEvery: config.checkEvery,
              policy: config.policy,
              limit: config.limit,
              target: config.target,
              runDir: join(config.out, runId),
            });
          }
        }
      }
    }
  }
  return runs;
}
