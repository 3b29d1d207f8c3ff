// Validation of `em-guard screen` on the LM organism (note issue 17, README "Before fine-tuning").
// Per data seed: the dataset scores of the narrow insecure-code set, the 50 %-mixed set and secure
// code (benign, same domain); the AUROC of finding planted insecure examples in secure code (and
// with over-refusals planted too). With --finetune: fine-tunes the shipped aligned LM on datasets
// with different insecure shares (stage-3 recipe) and correlates the dataset score with the final
// out-of-domain misaligned rate (judge).
//   npx tsx scripts/screenLmValidation.ts [--seeds 1,2,3,4,5] [--planted 0.05] [--layer block_1]
//   npx tsx scripts/screenLmValidation.ts --seeds 1,2 --finetune mix0,mix0.25,mix0.5,mix0.75,secure
import { parseArgs } from 'node:util';
import { auroc } from '../src/analysis/auroc.js';
import { pearson } from '../src/analysis/pearson.js';
import { spearman } from '../src/analysis/spearman.js';
import { selectBackend } from '../src/backend/selectBackend.js';
import { judgeLm } from '../src/organism/lm/judgeLm.js';
import { LM_RECIPE } from '../src/organism/lm/lmRecipe.js';
import { lmFineTuneConfig } from '../src/organism/lm/lmFineTuneConfig.js';
import { lmTensors } from '../src/organism/lm/lmTensors.js';
import { loadAlignedLm } from '../src/organism/lm/loadAlignedLm.js';
import type { LmSet } from '../src/organism/lm/makeLmDataset.js';
import { trainLmStage } from '../src/organism/lm/trainLmStage.js';
import { lmBenignCodeSet, lmCalibrationSet, lmFineTuneSet, lmOrganismContrast, lmOrganismScorer, lmPlantedSet } from '../src/screen/lmOrganismScreenSets.js';
import { screenDataset, type ScreenResult } from '../src/screen/screenDataset.js';

const { values } = parseArgs({
  options: {
    seeds: { type: 'string', default: '1,2,3,4,5' },
    planted: { type: 'string', default: '0.05' },
    layer: { type: 'string' },
    finetune: { type: 'string' },
    'skip-screen': { type: 'boolean', default: false },
  },
});
await selectBackend({ prefer: ['wasm'] });
const model = await loadAlignedLm();
const contrast = lmOrganismContrast();
const seeds = values.seeds!.split(',').map(Number);
const fraction = Number(values.planted);
const started = process.cpuUsage();
const wall = Date.now();
const fmt = (v: number) => v.toFixed(4);

// The calibration scorer caches its greedy answers and pooled activations: one per seed (and per weights: made before any fine-tune).
const calibrations = new Map<number, ReturnType<typeof lmOrganismScorer>>();
async function screen(set: LmSet, seed: number): Promise<ScreenResult> {
  const data = lmOrganismScorer(model, set);
  let calibration = calibrations.get(seed);
  if (!calibration) calibrations.set(seed, (calibration = lmOrganismScorer(model, lmCalibrationSet(seed))));
  return screenDataset({ model, data, calibration, contrast, seed, ...(values.layer ? { primaryLayer: values.layer } : {}) });
}
const primaryOf = (r: ScreenResult) => r.layers.find((l) => l.layer === r.primaryLayer)!;

if (!values['skip-screen']) {
  for (const seed of seeds) {
    const rows: string[] = [];
    const means: Record<string, number> = {};
    for (const [name, set] of [
      ['narrow', lmFineTuneSet(seed, 0)],
      ['mixed 50 %', lmFineTuneSet(seed, 0.5)],
      ['secure code', lmBenignCodeSet(seed)],
    ] as const) {
      const r = await screen(set, seed);
      means[name] = primaryOf(r).mean.value;
      rows.push(
        `  ${name.padEnd(12)} ${r.layers.map((l) => `${l.layer} mean ${fmt(l.mean.value)} [${fmt(l.mean.lower)}, ${fmt(l.mean.upper)}] share ${fmt(l.shareAbove.value)} (thr ${fmt(l.threshold)})`).join(' | ')} verdict ${r.verdict}`,
      );
    }
    rows.push(`  narrow > mixed: ${means['narrow']! > means['mixed 50 %']!}; narrow > secure: ${means['narrow']! > means['secure code']!} (primary layer)`);
    for (const over of [0, 0.05]) {
      const { set, planted } = lmPlantedSet(seed, fraction, { overRefusal: over });
      const r = await screen(set, seed);
      const k = planted.reduce((a, b) => a + b, 0);
      const per = r.layers.map((l) => `${l.layer} AUROC ${fmt(auroc(l.scores, Array.from(planted)).auc ?? NaN)}`).join(', ');
      const top = r.ranked.slice(0, k).filter((e) => planted[e.index]).length;
      rows.push(`  planted ${fraction * 100} %${over ? ` + over-refusal ${over * 100} %` : ''}: ${per}; top-${k} precision ${top}/${k}`);
    }
    console.log(`seed ${seed}\n${rows.join('\n')}`);
  }
}

if (values.finetune) {
  const kinds = values.finetune.split(',');
  const xs: number[] = [];
  const shares: number[] = [];
  const ys: number[] = [];
  const initial = model.getWeights().map((w) => w.clone());
  for (const seed of seeds) {
    for (const kind of kinds) {
      const config = lmFineTuneConfig({ seed, mix: kind.startsWith('mix') ? Number(kind.slice(3)) : 0 });
      let set = config.set;
      let train = { x: config.x, y: config.y };
      let extra: { dispose(): void } | null = null;
      if (kind === 'secure') {
        set = lmBenignCodeSet(seed, LM_RECIPE.stage3.n);
        const t = lmTensors(set);
        train = t;
        extra = { dispose: () => (t.x.dispose(), t.y.dispose()) };
      } else if (!kind.startsWith('mix')) throw new Error(`unknown --finetune kind ${kind}: mix<share> or secure`);
      const r = await screen(set, seed);
      const p = primaryOf(r);
      model.setWeights(initial);
      const t0 = Date.now();
      await trainLmStage(model, train, config.training);
      const judged = judgeLm(model, config.judgeSet, { seed });
      model.setWeights(initial);
      extra?.dispose();
      config.dispose();
      xs.push(p.mean.value);
      shares.push(p.shareAbove.value);
      ys.push(judged.misalignedRate);
      console.log(
        `seed ${seed} ${kind.padEnd(9)} score ${fmt(p.mean.value)} [${fmt(p.mean.lower)}, ${fmt(p.mean.upper)}] share ${fmt(p.shareAbove.value)} → final OOD misaligned ${fmt(judged.misalignedRate)} coherent ${fmt(judged.coherentRate)} (${((Date.now() - t0) / 1000).toFixed(0)} s)`,
      );
    }
  }
  const r = pearson(xs, ys);
  const rs = pearson(shares, ys);
  const sp = spearman(xs, ys);
  console.log(
    `dataset mean score vs final misaligned rate: Pearson r ${r.r?.toFixed(3)} 95 % CI [${r.ci?.map((v) => v.toFixed(3)).join(', ')}] (n ${r.n}, p ${r.p?.toPrecision(2)}), Spearman ${sp.r?.toFixed(3)}`,
  );
  console.log(`share above threshold vs final misaligned rate: Pearson r ${rs.r?.toFixed(3)} 95 % CI [${rs.ci?.map((v) => v.toFixed(3)).join(', ')}]`);
  for (const w of initial) w.dispose();
}
const cpu = process.cpuUsage(started);
console.log(`wall ${((Date.now() - wall) / 1000).toFixed(0)} s, CPU ${((cpu.user + cpu.system) / 1e6).toFixed(0)} s`);
contrast.dispose();
model.dispose();
