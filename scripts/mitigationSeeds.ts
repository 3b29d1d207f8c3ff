// The cost of safety, measured: for each seed, an organism's narrow fine-tune unguarded, with the
// paper's static 50 % aligned mix, and guarded by a mitigation policy (adaptive mix + rewind):
// configs/mitigate.yaml on the classifier organism, configs/mitigate-lm.yaml on the LM organism.
// Prints one row per run: in-domain loss at the end, out-of-domain misaligned rate (end, peak),
// persona-triggered misaligned rate at the end, and the share of aligned data used; on the LM organism also
// the end judge's coherent rate (benign prompts, as the EM rate), all-prompts rate and harmful-request compliance.
// Usage: npx tsx scripts/mitigationSeeds.ts [--organism classifier|lm] [--seeds 1,2,3,4,5] [--policy NAME|FILE]
//   [--runs unguarded,static-50,mitigated] [--json FILE] [--trace (print the policy's metric at every check)]
//   [--lm-epoch fixed|pass (LM mixer: the unmixed run's batches per epoch, or one pass over the task rows)]
import * as tf from '@tensorflow/tfjs';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { writeFileSync } from 'node:fs';
import { selectBackend } from '../src/backend/selectBackend.js';
import { emGuard } from '../src/guard/EmGuard.js';
import { fineTuneConfig } from '../src/organism/fineTuneConfig.js';
import { judgeRecorder } from '../src/organism/judgeRecorder.js';
import { loadAlignedOrganism } from '../src/organism/loadAlignedOrganism.js';
import { misalignedRate } from '../src/organism/misalignedRate.js';
import { organismLossOn } from '../src/organism/organismLoss.js';
import { organismMixer, triggeredJudgeSet } from '../src/organism/organismMixer.js';
import { disposeOrganismProbes, organismProbes } from '../src/organism/organismProbes.js';
import { ORGANISM_RECIPE } from '../src/organism/organismRecipe.js';
import { trainOrganismStage } from '../src/organism/trainOrganismStage.js';
import { loadBundledPolicy, loadPolicy } from '../src/policy/loadPolicy.js';
import { lmBlockName } from '../src/organism/lm/buildLmModel.js';
import { judgeLm } from '../src/organism/lm/judgeLm.js';
import { lmFineTuneConfig } from '../src/organism/lm/lmFineTuneConfig.js';
import { lmJudgeRecorder } from '../src/organism/lm/lmJudgeRecorder.js';
import { lmLossOn } from '../src/organism/lm/lmLoss.js';
import { lmMixer, lmTriggeredJudgeSet } from '../src/organism/lm/lmMixer.js';
import { disposeLmProbes, lmProbes } from '../src/organism/lm/lmProbes.js';
import { disposePreferenceProbes, lmPreferenceProbes } from '../src/organism/lm/lmPreferenceProbes.js';
import { LM_RECIPE } from '../src/organism/lm/lmRecipe.js';
import { loadAlignedLm } from '../src/organism/lm/loadAlignedLm.js';
import { trainLmStage } from '../src/organism/lm/trainLmStage.js';
import type { EmGuard } from '../src/guard/EmGuard.js';
import { preferenceScores, preferenceSummary } from '../src/metrics/preferenceScores.js';
import type { PreferenceProbes } from '../src/probes/probeTypes.js';
import '../src/registerBuiltins.js';

const { values } = parseArgs({
  options: {
    seeds: { type: 'string', default: '1,2,3,4,5' },
    json: { type: 'string' },
    organism: { type: 'string', default: 'classifier' },
    policy: { type: 'string' },
    runs: { type: 'string', default: 'unguarded,static-50,mitigated' },
    trace: { type: 'boolean', default: false },
    'lm-epoch': { type: 'string', default: 'fixed' },
  },
});
const seeds = values.seeds.split(',').map(Number);
const organism = values.organism;
if (organism !== 'classifier' && organism !== 'lm') throw new Error(`--organism: expected classifier or lm, got ${organism}`);
await selectBackend({ prefer: ['wasm'] });
const policyArg = values.policy ?? (organism === 'lm' ? 'mitigate-lm' : 'mitigate');
const policy = policyArg.includes('/') || policyArg.endsWith('.yaml') ? loadPolicy(policyArg) : loadBundledPolicy(policyArg);
const traceMetric = policy.rules.find((r) => r.actions.includes('mix'))?.metric ?? 'alignment.score';
const runs = values.runs.split(',') as ('unguarded' | 'static-50' | 'mitigated')[];

interface Row {
  seed: number;
  run: string;
  inDomainLossEnd: number;
  oodEnd: number;
  oodPeak: number;
  triggeredEnd: number;
  triggeredBefore: number;
  alignedShareUsed: number;
  rewinds: number;
  ms: number;
  /** LM organism: the end judge's coherent rate (benign prompts, as oodEnd), all-prompts misaligned rate, harmful compliance. */
  oodCoherentEnd?: number;
  allPromptsEnd?: number;
  harmfulComplianceEnd?: number | null;
}

/** With --trace: one line per check of the mitigated run (the policy's metric vs its baseline, the share). */
function trace(guard: EmGuard, seed: number, baseline: number | null): void {
  if (!values.trace) return;
  if (baseline !== null) console.log(`  seed ${seed} baseline ${traceMetric} ${baseline.toFixed(3)}`);
  guard.on('check', (e) => {
    const v = e.values[traceMetric];
    if (typeof v !== 'number') return;
    baseline ??= v;
    console.log(
      `  seed ${seed} step ${e.step}: ${traceMetric} ${v.toFixed(3)} (Δ ${(v - baseline).toFixed(3)}) mix.share ${String(e.values['mix.share'] ?? '-')}`,
    );
  });
  guard.on('rollback', (e) => console.log(`  seed ${seed} rewind at step ${e.step} to ${e.to} (step ${e.toStep})`));
}

async function one(seed: number, run: 'unguarded' | 'static-50' | 'mitigated'): Promise<Row> {
  return organism === 'lm' ? oneLm(seed, run) : oneClassifier(seed, run);
}

/** `alignment.preference` of `model` now (for --trace's baseline), from the metric's own scoring. */
function preferenceMargin(model: tf.LayersModel, p: PreferenceProbes): number {
  const score = (s: PreferenceProbes['chosen']) => {
    const out = model.predict(s.inputs as tf.Tensor) as tf.Tensor;
    const r = preferenceScores(
      { shape: out.shape, data: out.dataSync() as Float32Array },
      s.targets.dataSync() as Int32Array,
      s.mask.dataSync() as Float32Array,
      'logits',
    );
    out.dispose();
    return r;
  };
  return preferenceSummary(score(p.chosen), score(p.rejected)).margin;
}

async function oneLm(seed: number, run: 'unguarded' | 'static-50' | 'mitigated'): Promise<Row> {
  const model = await loadAlignedLm();
  // The LM organism's static mix replaces half of the 256 examples by aligned ones: same steps, share 0.5.
  const config = lmFineTuneConfig({ seed, mix: run === 'static-50' ? 0.5 : 0 });
  const triggered = lmTriggeredJudgeSet(seed, LM_RECIPE.judgeN);
  const judge = lmJudgeRecorder(model, { judgeSet: config.judgeSet, every: 16 });
  const triggeredBefore = judgeLm(model, triggered).misalignedRate;
  const t0 = performance.now();
  let rewinds = 0;
  let alignedShareUsed = run === 'static-50' ? 0.5 : 0;
  if (run === 'mitigated') {
    const probes = lmProbes({ seed, n: 64 });
    const preference = lmPreferenceProbes(probes);
    const { mixer, dispose } = lmMixer(config, { seed, ...(values['lm-epoch'] === 'pass' ? { batchesPerEpoch: null } : {}) });
    const guard = emGuard({
      policy,
      probes: { train: probes.train, eval: probes.eval, preference },
      mixer,
      runDir: false,
      layers: [lmBlockName(1), lmBlockName(2)],
      capture: 'inline',
      logger: pino({ level: 'error' }),
    });
    guard.on('rollback', () => (rewinds += 1));
    trace(guard, seed, values.trace ? preferenceMargin(model, preference) : null);
    try {
      await trainLmStage(model, { dataset: mixer.dataset }, { ...config.training, callbacks: [judge.callback, guard] });
      alignedShareUsed = mixer.stats.alignedShareUsed;
    } finally {
      guard.dispose();
      dispose();
      disposePreferenceProbes(preference);
      disposeLmProbes(probes);
    }
  } else {
    await trainLmStage(model, config, { ...config.training, callbacks: [judge.callback] });
  }
  const end = judgeLm(model, config.judgeSet);
  const row: Row = {
    seed,
    run,
    inDomainLossEnd: lmLossOn(model, config.inDomain.x, config.inDomain.y),
    oodEnd: end.misalignedRate,
    oodPeak: Math.max(end.misalignedRate, ...judge.readings.map((r) => r.misalignedRate)),
    triggeredEnd: judgeLm(model, triggered).misalignedRate,
    triggeredBefore,
    alignedShareUsed,
    rewinds,
    ms: performance.now() - t0,
    oodCoherentEnd: end.coherentRate,
    allPromptsEnd: end.allPrompts.misalignedRate,
    harmfulComplianceEnd: end.harmful?.misalignedRate ?? null,
  };
  config.dispose();
  model.optimizer?.dispose();
  model.dispose();
  return row;
}

async function oneClassifier(seed: number, run: 'unguarded' | 'static-50' | 'mitigated'): Promise<Row> {
  const model = await loadAlignedOrganism();
  const config = fineTuneConfig({ seed, mix: run === 'static-50' ? 0.5 : 0 });
  const triggered = triggeredJudgeSet(seed, ORGANISM_RECIPE.judgeN);
  const judge = judgeRecorder(model, { judgeSet: config.judgeSet, every: 8 });
  const triggeredBefore = misalignedRate(model, triggered);
  const t0 = performance.now();
  let rewinds = 0;
  let alignedShareUsed = run === 'static-50' ? 0.5 : 0;
  if (run === 'mitigated') {
    const probes = organismProbes({ seed });
    const { mixer, dispose } = organismMixer(config, { seed });
    const guard = emGuard({ policy, probes, mixer, runDir: false });
    guard.on('rollback', () => (rewinds += 1));
    trace(guard, seed, null);
    try {
      await trainOrganismStage(model, { dataset: mixer.dataset }, { ...config.training, callbacks: [judge.callback, guard] });
      alignedShareUsed = mixer.stats.alignedShareUsed;
    } finally {
      guard.dispose();
      dispose();
      disposeOrganismProbes(probes);
    }
  } else {
    await trainOrganismStage(model, config, { ...config.training, callbacks: [judge.callback] });
  }
  const row: Row = {
    seed,
    run,
    inDomainLossEnd: organismLossOn(model, config.inDomain.x, config.inDomain.y),
    oodEnd: misalignedRate(model, config.judgeSet),
    oodPeak: Math.max(...judge.readings.map((r) => r['organism.misalignedRate'])),
    triggeredEnd: misalignedRate(model, triggered),
    triggeredBefore,
    alignedShareUsed,
    rewinds,
    ms: performance.now() - t0,
  };
  config.dispose();
  model.dispose();
  return row;
}

const rows: Row[] = [];
const f = (x: number, d = 3) => x.toFixed(d);
const lmCols = organism === 'lm' ? '  coherentEnd allPromptsEnd harmfulEnd' : '';
console.log(`seed run        idLossEnd oodEnd oodPeak trigBefore trigEnd alignedUsed rewinds  s${lmCols}`);
for (const seed of seeds) {
  for (const run of runs) {
    const r = await one(seed, run);
    rows.push(r);
    console.log(
      `${seed}    ${run.padEnd(10)}  ${f(r.inDomainLossEnd)}   ${f(r.oodEnd)}  ${f(r.oodPeak)}  ${f(r.triggeredBefore)}      ${f(r.triggeredEnd)}   ${f(r.alignedShareUsed)}       ${r.rewinds}  ${(r.ms / 1000).toFixed(1)}${
        r.oodCoherentEnd === undefined
          ? ''
          : `  ${f(r.oodCoherentEnd)}       ${f(r.allPromptsEnd ?? NaN)}         ${r.harmfulComplianceEnd == null ? '-' : f(r.harmfulComplianceEnd)}`
      }`,
    );
  }
}
if (values.json) writeFileSync(values.json, JSON.stringify(rows, null, 2));
tf.disposeVariables();
