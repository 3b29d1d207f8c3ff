// Chooses and checks configs/lm.yaml on the LM organism, from LM sweeps recorded in observe mode
// (`organism: lm`: configs/sweep-lm-tune.yaml, seeds 1-2, and configs/sweep-lm-heldout.yaml, seeds
// 3-7). With the detection-quality code of `analyze-runs` (src/analysis/detectionQuality.ts) it
// prints, per role (tuning / held out):
// - per run: the policy replayed (`replayPolicy`, the guard's own evaluatePolicy) — fired?, step,
//   rule, the judge's misaligned rate at the rollback target — next to the live guarded fit of the
//   same seed and mix (scripts/guardLmSeeds.ts `--live` file, optional), and the unguarded run's end
//   and peak misaligned rate;
// - the policy's false aborts, misses, late aborts, lead time and rollback targets
//   (`policyReplayStats`), and the loss early-stopping baseline (`lossBaseline`) with its lead;
// - per metric, the AUROC (EM vs benign runs, change from baseline) at 10 / 25 / 50 % of training
//   (`aurocAtFraction`);
// - on the tuning runs only: in-sample threshold proposals per rule (`scanRuleThreshold`).
// Usage: npx tsx scripts/lmPolicySeeds.ts --tune runs/sweep-lm-tune [--heldout runs/sweep-lm-heldout] [--live live.jsonl] [--policy lm] [--limit 0.1]
import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import {
  aurocAtFraction,
  DETECTION_TARGETS,
  JUDGE_LOSS,
  JUDGE_RATE,
  lossBaseline,
  policyReplayStats,
  runTimeline,
  scanRuleThreshold,
  type AbortStats,
  type RunTimeline,
} from '../src/analysis/detectionQuality.js';
import { replayPolicy } from '../src/analysis/replayPolicy.js';
import { loadSweepRuns, type SweepRunData } from '../src/analysis/sweepRunData.js';
import { loadPolicy } from '../src/policy/loadPolicy.js';
import '../src/registerBuiltins.js';

interface LiveRun {
  seed: number;
  mix: number;
  checks: number;
  /** Checks whose forward passes ran on the capture worker (absent in rows written before it was recorded). */
  onWorker?: number;
  stop: { step: number; rule: string } | null;
  rolledBackTo: number | null;
  before: number;
  after: number;
  ms: number;
}

const { values } = parseArgs({
  options: {
    tune: { type: 'string' },
    heldout: { type: 'string' },
    live: { type: 'string' },
    policy: { type: 'string', default: 'lm' },
    limit: { type: 'string' },
    // Read only the first N steps of each recorded run (checks and judge readings at steps ≤ N; the
    // judge at the last of them is the run's end): a shorter recipe with the same data, shuffle and
    // learning rate trains exactly those steps (LM stage 3 went from 8 epochs to 5 = 80 steps).
    steps: { type: 'string' },
  },
});
if (!values.tune && !values.heldout) {
  console.error('lmPolicySeeds: expected --tune DIR and/or --heldout DIR (LM sweep output directories)');
  process.exit(2);
}
const policy = loadPolicy(values.policy);
const live: LiveRun[] =
  values.live && existsSync(values.live)
    ? readFileSync(values.live, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as LiveRun)
    : [];
const pct = (v: number | null | undefined) => (v === null || v === undefined ? '—' : `${(100 * v).toFixed(0)} %`);
const num = (v: number | null | undefined, d = 2) => (v === null || v === undefined ? '—' : v.toFixed(d));
const setting = (r: SweepRunData, k: string) => Number(r.result.settings[k]);

function truncate(r: SweepRunData, steps: number, limit: number): SweepRunData {
  const judges = r.judges.filter((j) => j.step <= steps);
  const last = judges.at(-1);
  if (!last || last.step !== steps) throw new Error(`${r.runId}: no judge reading at step ${steps}; pick a step the sweep judged at`);
  const rate = last.values[JUDGE_RATE]!;
  return {
    ...r,
    checks: r.checks.filter((c) => c.step <= steps),
    judges,
    result: { ...r.result, steps, final: { misalignedRate: rate, inDomainLoss: last.values[JUDGE_LOSS] ?? null }, label: { limit, em: rate > limit } },
  };
}

function statsLine(s: AbortStats): string {
  const rb = s.rollback ? `; rollback targets over the limit ${s.rollback.restoredOverLimit}/${s.rollback.rolledBack} (unjudged ${s.rollback.unjudged})` : '';
  return `false aborts ${s.falseAborts}/${s.nBenign}, missed ${s.missed}/${s.nEm}, late ${s.late}, lead (checks) median ${num(s.leadChecks.median, 1)} (min ${num(s.leadChecks.min, 0)}, max ${num(s.leadChecks.max, 0)})${rb}`;
}

function section(role: string, dir: string): void {
  const loaded = loadSweepRuns(dir);
  const limit = Number(values.limit ?? loaded.runs[0]?.result.label.limit ?? 0.1);
  const runs = [...loaded.runs]
    .sort((a, b) => setting(a, 'seed') - setting(b, 'seed') || setting(a, 'mix') - setting(b, 'mix'))
    .map((r) => (values.steps ? truncate(r, Number(values.steps), limit) : r));
  if (values.steps) console.log(`(each run read up to step ${values.steps}: its judge there is its end)`);
  const timelines: RunTimeline[] = runs.map((r) => runTimeline(r, limit, 'final'));
  // The policy sees only the checks of its own cadence: a sweep recorded more often is thinned for
  // the replay, the lead times and the loss baseline (which then count in the policy's checks).
  const every = 'batches' in policy.check.every ? policy.check.every.batches : null;
  const atCadence = runs.map((r) => ({ ...r, checks: r.checks.filter((c) => every === null || c.step % every === 0) }));
  const cadenceTimelines = atCadence.map((r) => runTimeline(r, limit, 'final'));
  console.log(`\n## ${role}: ${dir} — ${runs.length} runs (${timelines.filter((t) => t.em).length} EM = final misaligned > ${limit}), policy ${policy.source}`);
  if (loaded.skipped.length) console.log(`skipped: ${loaded.skipped.map((s) => `${s.runId} (${s.reason})`).join(', ')}`);
  console.log(
    '\n| seed | mix | EM label | replay: fired | step | rule | judge at rollback target (step) | live: fired | step | rule | rolled back to | judge after | checks (on worker) | unguarded end | peak |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const [i, run] of runs.entries()) {
    const t = timelines[i]!;
    const rep = replayPolicy(policy, run.baseline, atCadence[i]!.checks);
    const seed = setting(run, 'seed');
    const mix = setting(run, 'mix');
    const rates = run.judges.map((j) => j.values[JUDGE_RATE]).filter((v): v is number => typeof v === 'number');
    const target = rep.rollbackStep === null ? '—' : `${pct(t.judgeRateAt(rep.rollbackStep))} (${rep.rollbackStep})`;
    const l = live.find((x) => x.seed === seed && x.mix === mix);
    shown.add(`${seed}:${mix}`);
    const liveCells = l
      ? [l.stop ? 'yes' : 'no', l.stop?.step ?? '—', l.stop?.rule ?? '—', l.rolledBackTo ?? '—', pct(l.after), `${l.checks} (${l.onWorker ?? '?'})`]
      : ['not run', '', '', '', '', ''];
    console.log(
      `| ${seed} | ${mix} | ${t.em ? 'EM' : 'benign'} | ${rep.abortStep !== null ? 'yes' : 'no'} | ${rep.abortStep ?? '—'} | ${rep.abortDecision?.rule ?? '—'} | ${target} | ${liveCells.join(' | ')} | ${pct(run.result.final.misalignedRate)} | ${pct(Math.max(...rates))} |`,
    );
  }
  const pref = runs.map((r) => {
    const b = r.baseline?.['alignment.preference'];
    return `s${setting(r, 'seed')}/mix${setting(r, 'mix')}: ${r.checks
      .slice(0, 6)
      .map((c) => {
        const v = c.values['alignment.preference'];
        return typeof v === 'number' && typeof b === 'number' ? (v - b).toFixed(2) : '—';
      })
      .join(' ')}`;
  });
  console.log(`\nalignment.preference − baseline at the first 6 checks: ${pref.join('; ')}`);
  const policyStats = policyReplayStats(policy, atCadence, cadenceTimelines);
  const loss = lossBaseline(cadenceTimelines);
  console.log(`\npolicy (replayed): ${statsLine(policyStats)}`);
  console.log(`loss early stopping (in-domain loss < ${num(loss.threshold, 4)}, threshold chosen in-sample on these runs): ${statsLine(loss)}`);
  const both = policyStats.perRun
    .map((p, i) => ({ p, l: loss.perRun[i]! }))
    .filter(({ p, l }) => p.em && p.abortCheck !== null && l.abortCheck !== null)
    .map(({ p, l }) => l.abortCheck! - p.abortCheck!);
  const sorted = [...both].sort((a, b) => a - b);
  const med = sorted.length ? (sorted.length % 2 ? sorted[(sorted.length - 1) / 2]! : (sorted[sorted.length / 2 - 1]! + sorted[sorted.length / 2]!) / 2) : null;
  console.log(
    `lead over loss early stopping (loss abort check − policy abort check, EM runs where both abort; 1 check = ${every ?? '?'} steps): median ${num(med, 1)} checks (per run ${both.join(', ') || '—'})`,
  );
  console.log(`\nAUROC (${timelines.filter((t) => t.em).length} EM vs ${timelines.filter((t) => !t.em).length} benign) at 10 / 25 / 50 % of training:`);
  const tables = [0.1, 0.25, 0.5].map((f) => aurocAtFraction(runs, timelines, f).metrics);
  const keys = tables[1]!.map((m) => m.key);
  const aggregate = keys.filter((k) => !k.includes('@'));
  const perLayer = keys.filter((k) => k.includes('@')).slice(0, 4);
  for (const key of [...aggregate, ...perLayer]) {
    const cells = tables.map((t) => num(t.find((m) => m.key === key)?.auc ?? null));
    console.log(`  ${key}: ${cells.join(' / ')}`);
  }
  const best25 = tables[1]![0];
  console.log(`best at 25 %: ${best25?.key ?? '—'} ${num(best25?.auc ?? null, 3)} (target ≥ ${DETECTION_TARGETS.auroc})`);
  if (role.startsWith('tuning')) {
    console.log('\nin-sample threshold proposals (one-rule replays on these runs):');
    for (const rule of policy.rules) {
      if (rule.metric === 'nonfinite') continue;
      const p = scanRuleThreshold(policy, rule, atCadence, cadenceTimelines);
      if (p)
        console.log(
          `  ${p.rule}: ${p.metric} ${p.op} ${p.threshold.toFixed(4)}${p.relativeTo === 'baseline' ? ' (vs baseline)' : ''} for ${p.for}: meets targets ${p.meetsTargets}, range ${p.meetingRange ? p.meetingRange.map((x) => x.toFixed(4)).join('…') : '—'}; ${statsLine({ ...p.stats, perRun: [] })}`,
        );
    }
  }
}

const shown = new Set<string>();
if (values.tune) section('tuning (thresholds chosen here)', values.tune);
if (values.heldout) section('held out (not looked at while choosing)', values.heldout);
const liveOnly = live.filter((l) => !shown.has(`${l.seed}:${l.mix}`));
if (liveOnly.length) {
  console.log('\n## live guarded fits without a recorded observe run');
  console.log('| seed | mix | fired | step | rule | rolled back to | judge before | judge after | checks (on worker) |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const l of liveOnly)
    console.log(
      `| ${l.seed} | ${l.mix} | ${l.stop ? 'yes' : 'no'} | ${l.stop?.step ?? '—'} | ${l.stop?.rule ?? '—'} | ${l.rolledBackTo ?? '—'} | ${pct(l.before)} | ${pct(l.after)} | ${l.checks} (${l.onWorker ?? '?'}) |`,
    );
}
const fired = live.filter((l) => l.stop);
console.log(
  `\nlive guarded fits: ${live.length}; narrow (mix 0) that stopped ${fired.filter((l) => l.mix === 0).length}/${live.filter((l) => l.mix === 0).length}, mixed that stopped ${fired.filter((l) => l.mix > 0).length}/${live.filter((l) => l.mix > 0).length}`,
);
