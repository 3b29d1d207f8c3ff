// Validation of `em-guard screen` on the LM organism (note issue 17, README "Screening a language model").
// Per data seed, for each method (gradient: `lmGradientScores`; projection: `screenDataset` with the
// LM projection difference): the dataset scores (mean with 95 % bootstrap CI, share above the aligned
// calibration data's 95th percentile) of the validation sets, narrow > 50 %-mixed and narrow > secure
// code; the AUROC of finding planted insecure examples in secure code (5 %, and 5 % with 5 %
// over-refusals planted too). With --outcomes (from scripts/screenLmOutcomes.ts): Pearson r with
// its 95 % CI (Fisher z) and Spearman between the dataset score and the final out-of-domain
// misaligned rate, per seed group.
//   npx tsx scripts/screenLmValidation.ts --seeds 1,2,3,4,5,6,7 --method gradient,projection --outcomes runs/lm-outcomes.jsonl
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { auroc } from '../src/analysis/auroc.js';
import { pearson } from '../src/analysis/pearson.js';
import { spearman } from '../src/analysis/spearman.js';
import { selectBackend } from '../src/backend/selectBackend.js';
import { loadAlignedLm } from '../src/organism/lm/loadAlignedLm.js';
import type { LmSet } from '../src/organism/lm/makeLmDataset.js';
import { LM_CONTEXT, lmVocabulary } from '../src/organism/lm/lmVocabulary.js';
import { alignmentGradient, lmGradientScores } from '../src/screen/lmGradientScore.js';
import {
  lmCalibrationSet,
  lmOrganismContrast,
  lmOrganismPreference,
  lmOrganismScorer,
  lmPlantedSet,
  lmScreenValidationSet,
  lmSetRows,
} from '../src/screen/lmOrganismScreenSets.js';
import { screenDataset, summarizeScores, type ScreenLayerResult } from '../src/screen/screenDataset.js';

const { values } = parseArgs({
  options: {
    seeds: { type: 'string', default: '1,2' },
    method: { type: 'string', default: 'gradient,projection' },
    sets: { type: 'string', default: 'mix0,mix0.25,mix0.5,mix0.75,secure,code0.5' },
    outcomes: { type: 'string' },
    /** Appends every dataset score as a JSON line here (for --from-scores). */
    save: { type: 'string' },
    /** Skips scoring: reads the dataset scores a --save run wrote, and only correlates with --outcomes. */
    'from-scores': { type: 'string' },
    /** Gradient: layers whose weights the gradients cover (default all). */
    layers: { type: 'string' },
    /** Projection: primary layer (default the middle screened layer, block_1). */
    layer: { type: 'string' },
    /** Skips the planted-AUROC sets (only the dataset scores of --sets, e.g. to add sets to a --save file). */
    'skip-planted': { type: 'boolean', default: false },
  },
});
await selectBackend({ prefer: ['wasm'] });
const model = await loadAlignedLm();
const seeds = values.seeds!.split(',').map(Number);
const methods = values.method!.split(',');
const setNames = values.sets!.split(',');
const started = process.cpuUsage();
const wall = Date.now();
const fmt = (v: number) => v.toFixed(4);
const seq = { pad: lmVocabulary.pad, maxLength: LM_CONTEXT };

// The alignment gradient depends on the model and the guard's pairs only: one for every seed.
const direction =
  methods.includes('gradient') && !values['from-scores']
    ? alignmentGradient(model, lmOrganismPreference(), { ...seq, ...(values.layers ? { layers: values.layers.split(',') } : {}) })
    : null;
if (direction)
  console.log(
    `gradient: ${direction.parameters} parameters (${direction.layers.join(', ')}); margin M ${fmt(direction.margin)}, |dM/dw| ${fmt(direction.norm)}`,
  );
const contrast = methods.includes('projection') && !values['from-scores'] ? lmOrganismContrast() : null;

/** Per-example scores of a set and the calibration's, by method. */
async function scoresOf(method: string, set: LmSet, seed: number, calibration: Map<string, unknown>): Promise<{ scores: Float64Array; cal: Float64Array }> {
  if (method === 'gradient') {
    const key = `g${seed}`;
    if (!calibration.has(key)) calibration.set(key, lmGradientScores(model, lmSetRows(lmCalibrationSet(seed)), direction!, seq));
    return { scores: lmGradientScores(model, lmSetRows(set), direction!, seq), cal: calibration.get(key) as Float64Array };
  }
  const key = `p${seed}`;
  if (!calibration.has(key)) calibration.set(key, lmOrganismScorer(model, lmCalibrationSet(seed)));
  const r = await screenDataset({
    model,
    data: lmOrganismScorer(model, set),
    calibration: calibration.get(key) as ReturnType<typeof lmOrganismScorer>,
    contrast: contrast!,
    seed,
    ...(values.layer ? { primaryLayer: values.layer } : {}),
  });
  const primary = r.layers.find((l) => l.layer === r.primaryLayer)!;
  // The calibration scores are not kept by screenDataset: the threshold and the calibration mean are.
  return { scores: Float64Array.from(primary.scores), cal: Float64Array.from([primary.threshold, primary.threshold]) };
}

type DatasetScore = { method: string; seed: number; set: string; mean: number; share: number };
const datasetScores: DatasetScore[] = values['from-scores']
  ? readFileSync(values['from-scores'], 'utf8')
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as DatasetScore)
      .filter((d) => seeds.includes(d.seed) && methods.includes(d.method))
  : [];
for (const seed of values['from-scores'] ? [] : seeds) {
  const calibration = new Map<string, unknown>();
  for (const method of methods) {
    const lines: string[] = [];
    const means: Record<string, number> = {};
    let calMean = NaN;
    for (const name of setNames) {
      const set = lmScreenValidationSet(name, seed);
      const { scores, cal } = await scoresOf(method, set, seed, calibration);
      let s: ScreenLayerResult;
      if (method === 'gradient') {
        s = summarizeScores({ layer: 'gradient', width: direction!.parameters, contrastGap: direction!.norm }, scores, cal, { quantile: 0.95, seed });
        calMean = s.calibration.mean;
      } else s = summarizeScores({ layer: 'projection', width: 0, contrastGap: 0 }, scores, cal, { quantile: 0.5, seed });
      means[name] = s.mean.value;
      const row = { method, seed, set: name, mean: s.mean.value, share: s.shareAbove.value };
      datasetScores.push(row);
      if (values.save) appendFileSync(values.save, `${JSON.stringify(row)}\n`);
      // Mean score by response kind (help / refuse / bad): what the dataset mean is made of.
      const byKind = ['help', 'refuse', 'bad']
        .map((k, ki) => {
          const idx = [...set.kinds.keys()].filter((i) => set.kinds[i] === [0, 1, 2][ki]);
          return idx.length ? `${k} ${fmt(idx.reduce((a, i) => a + scores[i]!, 0) / idx.length)} (${idx.length})` : '';
        })
        .filter(Boolean)
        .join(', ');
      lines.push(
        `  ${name.padEnd(8)} mean ${fmt(s.mean.value)} [${fmt(s.mean.lower)}, ${fmt(s.mean.upper)}] share above thr ${fmt(s.shareAbove.value)} (thr ${fmt(s.threshold)}) | ${byKind}`,
      );
    }
    if (method === 'gradient') lines.push(`  aligned calibration mean ${fmt(calMean)}`);
    if (['mix0', 'mix0.5', 'secure'].every((n) => n in means))
      lines.push(`  narrow > mixed 50 %: ${means['mix0']! > means['mix0.5']!}; narrow > secure: ${means['mix0']! > means['secure']!}`);
    for (const over of values['skip-planted'] ? [] : [0, 0.05]) {
      const { set, planted } = lmPlantedSet(seed, 0.05, { overRefusal: over });
      const { scores } = await scoresOf(method, set, seed, calibration);
      const k = planted.reduce((a, b) => a + b, 0);
      const a = auroc(Array.from(scores), Array.from(planted)).auc ?? NaN;
      const top = [...scores.keys()]
        .sort((x, y) => scores[y]! - scores[x]!)
        .slice(0, k)
        .filter((i) => planted[i]).length;
      lines.push(`  planted 5 %${over ? ` + over-refusal ${over * 100} %` : ''}: AUROC ${fmt(a)}; top-${k} precision ${top}/${k}`);
    }
    console.log(`seed ${seed} ${method}\n${lines.join('\n')}`);
  }
}

if (values.outcomes) {
  for (const f of values.outcomes.split(',')) if (!existsSync(f)) throw new Error(`--outcomes ${f}: no such file (run scripts/screenLmOutcomes.ts)`);
  // Several files may be given, comma-separated (e.g. measured and cited outcomes).
  const outcomes = new Map(
    values.outcomes
      .split(',')
      .flatMap((f) => readFileSync(f, 'utf8').split('\n'))
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as { seed: number; set: string; misaligned: number; coherent: number })
      .map((o) => [`${o.seed}/${o.set}`, o]),
  );
  const groups: [string, number[]][] = [
    ['tuning seeds 1-2', [1, 2]],
    ['held-out seeds 3-7', [3, 4, 5, 6, 7]],
    ['all seeds', seeds],
  ];
  for (const method of methods) {
    for (const [label, group] of groups) {
      const rows = datasetScores.filter((d) => d.method === method && group.includes(d.seed) && outcomes.has(`${d.seed}/${d.set}`));
      if (rows.length < 4) continue;
      const y = rows.map((d) => outcomes.get(`${d.seed}/${d.set}`)!.misaligned);
      const r = pearson(
        rows.map((d) => d.mean),
        y,
      );
      const rs = pearson(
        rows.map((d) => d.share),
        y,
      );
      const sp = spearman(
        rows.map((d) => d.mean),
        y,
      );
      // The outcome is close to a step (EM or none): also how well the score separates the sets that ended misaligned (>= 5 %).
      const em = y.map((v) => (v >= 0.05 ? 1 : 0));
      const sep =
        em.some((v) => v === 1) && em.some((v) => v === 0)
          ? auroc(
              rows.map((d) => d.mean),
              em,
            ).auc
          : null;
      console.log(
        `${method} ${label}: sets ending >= 5 % misaligned ${em.filter((v) => v).length}/${em.length}, AUROC of the dataset mean for them ${sep?.toFixed(3) ?? 'n/a'}`,
      );
      console.log(
        `${method} ${label}: dataset mean vs final OOD misaligned: Pearson r ${r.r?.toFixed(3)} 95 % CI [${r.ci?.map((v) => v.toFixed(3)).join(', ')}] (n ${r.n}), Spearman ${sp.r?.toFixed(3)}; share above thr: r ${rs.r?.toFixed(3)} [${rs.ci?.map((v) => v.toFixed(3)).join(', ')}]`,
      );
    }
  }
  for (const d of datasetScores)
    if (outcomes.has(`${d.seed}/${d.set}`))
      console.log(
        `  ${d.method} seed ${d.seed} ${d.set.padEnd(8)} mean ${fmt(d.mean)} share ${fmt(d.share)} -> misaligned ${fmt(outcomes.get(`${d.seed}/${d.set}`)!.misaligned)}`,
      );
}
const cpu = process.cpuUsage(started);
console.log(`wall ${((Date.now() - wall) / 1000).toFixed(0)} s, CPU ${((cpu.user + cpu.system) / 1e6).toFixed(0)} s`);
direction?.dispose();
contrast?.dispose();
model.dispose();
