// The cost of safety, measured: for each seed, the classifier organism's narrow fine-tune unguarded,
// with the paper's static 50 % aligned mix, and guarded by configs/mitigate.yaml (adaptive mix + rewind).
// Prints one row per run: in-domain loss at the end, out-of-domain misaligned rate (end, peak),
// persona-triggered misaligned rate at the end, and the share of aligned data used.
// Usage: npx tsx scripts/mitigationSeeds.ts [--seeds 1,2,3,4,5] [--policy mitigate|FILE] [--runs unguarded,static-50,mitigated] [--json FILE]
import * as tf from '@tensorflow/tfjs';
import { parseArgs } from 'node:util';
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
import '../src/registerBuiltins.js';

const { values } = parseArgs({
  options: {
    seeds: { type: 'string', default: '1,2,3,4,5' },
    json: { type: 'string' },
    policy: { type: 'string', default: 'mitigate' },
    runs: { type: 'string', default: 'unguarded,static-50,mitigated' },
  },
});
const seeds = values.seeds.split(',').map(Number);
await selectBackend();
const policy = values.policy.includes('/') || values.policy.endsWith('.yaml') ? loadPolicy(values.policy) : loadBundledPolicy(values.policy);
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
}

async function one(seed: number, run: 'unguarded' | 'static-50' | 'mitigated'): Promise<Row> {
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
console.log('seed run        idLossEnd oodEnd oodPeak trigBefore trigEnd alignedUsed rewinds  s');
for (const seed of seeds) {
  for (const run of runs) {
    const r = await one(seed, run);
    rows.push(r);
    console.log(
      `${seed}    ${run.padEnd(10)}  ${f(r.inDomainLossEnd)}   ${f(r.oodEnd)}  ${f(r.oodPeak)}  ${f(r.triggeredBefore)}      ${f(r.triggeredEnd)}   ${f(r.alignedShareUsed)}       ${r.rewinds}  ${(r.ms / 1000).toFixed(1)}`,
    );
  }
}
if (values.json) writeFileSync(values.json, JSON.stringify(rows, null, 2));
tf.disposeVariables();
