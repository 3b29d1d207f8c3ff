// Chooses the thresholds of configs/drift.yaml (a policy for train/eval probes alone, issue 11) on
// one organism sweep and measures them on another it never looked at:
//   npx tsx scripts/scanDriftPolicy.ts <chooseSweepDir> <heldOutSweepDir> [--limit 0.25]
// For every delta-subspace / drift / CKA metric key (aggregate and per layer), both threshold kinds
// and `for` 1..3, it scans one-rule abort policies on the first sweep (scanRuleThreshold: meet
// ≤ 5 % missed and ≤ 5 % false aborts with the fewest late aborts, else the smallest sum), keeps
// the best few, and replays them unchanged on the held-out sweep. Prints numbers; decides nothing.
import { alarmDirection, aurocAtFraction, policyReplayStats, runTimeline, scanRuleThreshold, type AbortStats } from '../src/analysis/detectionQuality.js';
import { loadSweepRuns } from '../src/analysis/sweepRunData.js';
import { parsePolicy } from '../src/policy/parsePolicy.js';

const [chooseDir, heldDir] = process.argv.slice(2).filter((a) => !a.startsWith('--'));
if (!chooseDir || !heldDir) {
  console.error('usage: npx tsx scripts/scanDriftPolicy.ts <chooseSweepDir> <heldOutSweepDir> [--limit 0.25]');
  process.exit(2);
}
const limitArg = process.argv.indexOf('--limit');
const limit = limitArg > 0 ? Number(process.argv[limitArg + 1]) : 0.25;
const DRIFT = ['drift.eval', 'drift.train', 'subspace.meanDeltaCosine', 'subspace.overlap', 'subspace.energyFraction', 'cka.eval', 'cka.train'];

const load = (dir: string) => {
  const { runs } = loadSweepRuns(dir);
  return { runs, timelines: runs.map((r) => runTimeline(r, limit)) };
};
const choose = load(chooseDir);
const held = load(heldDir);
const layers = choose.runs[0]?.start?.layers ?? [];
const keys = DRIFT.flatMap((m) => [m, ...layers.map((l) => `${m}@${l}`)]);

const fmt = (s: Omit<AbortStats, 'perRun'>) =>
  `false ${s.falseAborts}/${s.nBenign}, missed ${s.missed}/${s.nEm}, late ${s.late}, lead median ${s.leadChecks.median ?? '–'}`;
const ruleYaml = (key: string, op: string, threshold: number, relativeTo: string, forChecks: number) => {
  const [metric, layer] = key.split('@');
  return `version: 1\ncheck: { every: { batches: 5 }${layer ? `, layers: [${layers.join(', ')}]` : ''} }\nrules:\n  - { name: r, metric: ${metric}${layer ? `, layer: ${layer}` : ''}, op: "${op}", threshold: ${threshold}, relativeTo: ${relativeTo}, for: ${forChecks}, severity: critical, actions: [abort] }\n`;
};

type Candidate = {
  key: string;
  op: string;
  relativeTo: string;
  for: number;
  threshold: number;
  meets: boolean;
  sum: number;
  stats: Omit<AbortStats, 'perRun'>;
};
const found: Candidate[] = [];
for (const key of keys) {
  const op = alarmDirection(key) === 'low' ? '<' : '>';
  for (const relativeTo of ['absolute', 'baseline']) {
    for (const forChecks of [1, 2, 3]) {
      const policy = parsePolicy(ruleYaml(key, op, 0, relativeTo, forChecks));
      const p = scanRuleThreshold(policy, policy.rules[0]!, choose.runs, choose.timelines);
      if (!p) continue;
      found.push({
        key,
        op,
        relativeTo,
        for: forChecks,
        threshold: p.threshold,
        meets: p.meetsTargets,
        sum: (p.stats.missedRate ?? 0) + (p.stats.falseAbortRate ?? 0),
        stats: p.stats,
      });
    }
  }
}
found.sort((a, b) => Number(b.meets) - Number(a.meets) || a.sum - b.sum || a.stats.late - b.stats.late);
const auc = new Map(aurocAtFraction(held.runs, held.timelines, 0.25).metrics.map((m) => [m.key, m.auc]));
const aucChoose = new Map(aurocAtFraction(choose.runs, choose.timelines, 0.25).metrics.map((m) => [m.key, m.auc]));
console.log(`choose on ${chooseDir} (${choose.runs.length} runs), held out ${heldDir} (${held.runs.length} runs), EM limit ${limit}`);
console.log('best one-rule drift aborts (chosen in-sample) and the same rule on the held-out sweep:');
for (const c of found.slice(0, 12)) {
  const policy = parsePolicy(ruleYaml(c.key, c.op, c.threshold, c.relativeTo, c.for));
  const h = policyReplayStats(policy, held.runs, held.timelines);
  console.log(
    `  ${c.key} ${c.op} ${c.relativeTo === 'baseline' ? 'baseline + ' : ''}${c.threshold.toFixed(4)} for ${c.for}` +
      `\n    chosen: ${fmt(c.stats)}${c.meets ? ' (meets targets)' : ''}; AUROC@25% ${aucChoose.get(c.key)?.toFixed(3) ?? '–'}` +
      `\n    held out: ${fmt(h)}; AUROC@25% ${auc.get(c.key)?.toFixed(3) ?? '–'}`,
  );
}
