// The within-train predictor's cost on a sweep's runs (issue 16): CPU of `withinTrainAcrossRuns` with
// analyze-runs' defaults (5×10-fold CV, LassoCV 30 α, bootstrap 1000) in this process, then with
// EM_GUARD_BENCH_PERMUTATIONS permutations (default 20) on the run whose targets vary most. Prints
// figures and the load; asserts nothing. For what a user pays per call, time the CLI in a fresh process:
// `/usr/bin/time node dist/cli/bin.js analyze-runs <sweepDir> --json` with and without `--no-within-train`.
// `npx tsx bench/withinTrainCost.ts <sweepDir>` (e.g. after `em-guard sweep test/fixtures/sweep-small.yaml`).
import { loadavg } from 'node:os';
import { loadSweepRuns } from '../src/analysis/sweepRunData.js';
import { withinTrainAcrossRuns } from '../src/analysis/withinTrainAcrossRuns.js';

const dir = process.argv[2];
if (!dir) {
  console.error('usage: npx tsx bench/withinTrainCost.ts <sweepDir>');
  process.exit(2);
}
const permutations = Number(process.env.EM_GUARD_BENCH_PERMUTATIONS ?? 20);
const { runs } = loadSweepRuns(dir);
const cpu = (f: () => unknown): [number, unknown] => {
  const start = process.cpuUsage();
  const out = f();
  const used = process.cpuUsage(start);
  return [(used.user + used.system) / 1e6, out];
};
const [cv, result] = cpu(() => withinTrainAcrossRuns(runs, { permutations: 0 }));
const r = result as ReturnType<typeof withinTrainAcrossRuns>;
if (!r) {
  console.log(`${dir}: no run qualifies (stored pre-fine-tune activations, >= 20 prompts, varying targets)`);
  process.exit(0);
}
const rows = r.perRun.map((p) => p.n).join(', ');
console.log(`${dir}: ${r.runs} qualifying run(s) (prompts ${rows}), ${r.features}+${r.features} features at ${r.layer}`);
console.log(`  repeated CV, all runs: ${cv.toFixed(2)} s CPU (${(cv / r.runs).toFixed(2)} s per run)`);
if (permutations > 0) {
  const [withPerm] = cpu(() => withinTrainAcrossRuns(runs, { permutations }));
  console.log(
    `  with ${permutations} permutations on ${r.perRun.length > 1 ? 'the most varied run' : 'the run'}: ${withPerm.toFixed(2)} s CPU (+${(withPerm - cv).toFixed(2)} s)`,
  );
}
console.log(
  `  load ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
