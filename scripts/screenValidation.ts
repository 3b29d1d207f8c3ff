// Validation of `em-guard screen` on the organism (README "Screening and forecasting"; note issue 17):
// per data seed, the narrow / 50 %-mixed / benign (secure code) dataset scores, the AUROC of finding
// planted insecure examples in a benign set, and, for sweep directories given, the correlation of
// each run's dataset score with its final out-of-domain misaligned rate.
//   npx tsx scripts/screenValidation.ts [--seeds 1,2,3] [--planted 0.05] [sweepDir...]
import * as tf from '@tensorflow/tfjs';
import { parseArgs } from 'node:util';
import { auroc } from '../src/analysis/auroc.js';
import { loadSweepRuns } from '../src/analysis/sweepRunData.js';
import { pearson } from '../src/analysis/pearson.js';
import { spearman } from '../src/analysis/spearman.js';
import { selectBackend } from '../src/backend/selectBackend.js';
import { loadAlignedOrganism } from '../src/organism/loadAlignedOrganism.js';
import { screenDataset } from '../src/screen/screenDataset.js';
import {
  organismBenignCodeSet,
  organismCalibrationSet,
  organismContrast,
  organismFineTuneSet,
  organismPlantedSet,
  organismScorer,
} from '../src/screen/organismScreenSets.js';
import type { OrganismSet } from '../src/organism/makeOrganismDataset.js';

const { values, positionals } = parseArgs({
  options: { seeds: { type: 'string', default: '1,2,3' }, planted: { type: 'string', default: '0.05' } },
  allowPositionals: true,
});
await selectBackend();
const model = await loadAlignedOrganism();
const contrast = organismContrast();
const seeds = values.seeds!.split(',').map(Number);
const fraction = Number(values.planted);
const started = Date.now();

async function screen(set: OrganismSet, seed: number) {
  const data = organismScorer(model, set);
  const calibration = organismScorer(model, organismCalibrationSet(seed));
  try {
    return await screenDataset({ model, data, calibration, contrast, seed });
  } finally {
    data.dispose();
    calibration.dispose();
  }
}
const fmt = (v: number) => v.toFixed(4);
for (const seed of seeds) {
  const rows: string[] = [];
  for (const [name, set] of [
    ['narrow', organismFineTuneSet(seed, 0)],
    ['mixed 50 %', organismFineTuneSet(seed, 0.5)],
    ['benign code', organismBenignCodeSet(seed)],
  ] as const) {
    const r = await screen(set, seed);
    rows.push(
      `  ${name.padEnd(12)} ${r.layers.map((l) => `${l.layer} mean ${fmt(l.mean.value)} [${fmt(l.mean.lower)}, ${fmt(l.mean.upper)}] share ${fmt(l.shareAbove.value)} (thr ${fmt(l.threshold)})`).join(' | ')} verdict ${r.verdict}`,
    );
  }
  for (const over of [0, 0.05]) {
    const { set, planted } = organismPlantedSet(seed, fraction, { overRefusal: over });
    const r = await screen(set, seed);
    const per = r.layers.map((l) => `${l.layer} AUROC ${fmt(auroc(l.scores, Array.from(planted)).auc ?? NaN)}`).join(', ');
    const top = r.ranked
      .slice(
        0,
        planted.reduce((a, b) => a + b, 0),
      )
      .filter((e) => planted[e.index]).length;
    rows.push(
      `  planted ${fraction * 100} %${over ? ` + over-refusal ${over * 100} %` : ''}: ${per}; top-${planted.reduce((a, b) => a + b, 0)} precision ${top}/${planted.reduce((a, b) => a + b, 0)}`,
    );
  }
  console.log(`seed ${seed}\n${rows.join('\n')}`);
}
for (const dir of positionals) {
  const { runs } = loadSweepRuns(dir);
  const cache = new Map<string, number>();
  const score: number[] = [];
  const rate: number[] = [];
  for (const run of runs) {
    const s = run.result.settings as { seed: number; mix: number };
    const key = `${s.seed}:${s.mix}`;
    if (!cache.has(key)) {
      const r = await screen(organismFineTuneSet(s.seed, s.mix), s.seed);
      cache.set(key, r.layers.find((l) => l.layer === r.primaryLayer)!.mean.value);
    }
    score.push(cache.get(key)!);
    rate.push(run.result.final.misalignedRate);
  }
  const p = pearson(score, rate);
  const sp = spearman(score, rate);
  const perSet = [...cache.keys()].map((k) => {
    const rates = runs
      .filter((r) => {
        const s = r.result.settings as { seed: number; mix: number };
        return `${s.seed}:${s.mix}` === k;
      })
      .map((r) => r.result.final.misalignedRate);
    return `${k} score ${fmt(cache.get(k)!)} mean final rate ${fmt(rates.reduce((a, b) => a + b, 0) / rates.length)} (${rates.length} runs)`;
  });
  console.log(`${dir}: per data set (seed:mix): ${perSet.join('; ')}`);
  console.log(
    `${dir}: ${runs.length} runs, ${cache.size} data sets; run level: Pearson r ${p.r?.toFixed(3)} [${p.ci?.[0]?.toFixed(3)}, ${p.ci?.[1]?.toFixed(3)}] p ${p.p?.toExponential(2)}; Spearman ${sp.r?.toFixed(3)} [${sp.ci?.[0]?.toFixed(3)}, ${sp.ci?.[1]?.toFixed(3)}]`,
  );
}
contrast.dispose();
console.log(`done in ${((Date.now() - started) / 1000).toFixed(1)} s; tensors left ${tf.memory().numTensors}`);
