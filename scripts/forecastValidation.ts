// Validation of `em-guard forecast` (README "Forecasting a language model"; note issue 17): fit on one
// sweep, evaluate on another, for each feature-group variant (does data help?), for every ordered
// pair of the sweeps given.
//   npx tsx scripts/forecastValidation.ts runs/sweep-forecast-seed1 runs/sweep-forecast-seed2
//   npx tsx scripts/forecastValidation.ts runs/sweep-lm-forecast-seed1 runs/sweep-lm-forecast-seed2   (LM, tuning: both directions)
//   npx tsx scripts/forecastValidation.ts runs/sweep-lm-forecast-seed1 runs/sweep-lm-forecast-seed3   (LM, held out)
// The features of every sweep are computed once, with every group; each variant then uses its groups'
// columns and is fitted as `fitForecast` fits (nested CV seed 1, 5 × 4 folds, the candidate chosen
// on all runs with seed 2), so the variant marked `(default)` equals `em-guard forecast fit` +
// `forecast evaluate`. LM only: variant `gradient-centred` subtracts from the gradient features the
// mean score and share of the same data seed's aligned calibration set (`lmCalibrationSet(seed)`).
import { pearson } from '../src/analysis/pearson.js';
import { spearman } from '../src/analysis/spearman.js';
import { selectBackend } from '../src/backend/selectBackend.js';
import { defaultForecastGroups, forecastLayers, modelOrganism } from '../src/forecast/fitForecast.js';
import { defaultFeatureDefinition, featureNames, type FeatureDefinition } from '../src/forecast/forecastFeatures.js';
import { lmGradientFeatureSource } from '../src/forecast/lmGradientFeatures.js';
import { clip01, fitCandidate, nestedCv, r2Score, selectCandidate } from '../src/forecast/nestedCv.js';
import { LM_CALIBRATION_SIZE } from '../src/forecast/organismFeatureSource.js';
import { sweepForecastRuns, sweepOrganism, type SweepForecastRun } from '../src/forecast/sweepForecastRuns.js';
import { loadAlignedLm } from '../src/organism/lm/loadAlignedLm.js';
import { loadAlignedOrganism } from '../src/organism/loadAlignedOrganism.js';
import { bootstrapInterval } from '../src/screen/bootstrapInterval.js';
import { lmCalibrationSet } from '../src/screen/lmOrganismScreenSets.js';

const dirs = process.argv.slice(2);
if (dirs.length < 2) throw new Error('usage: forecastValidation.ts <sweepDir> <sweepDir> [...]  (every ordered pair: fit on one, evaluate on the other)');
await selectBackend();
// The model the sweep's runs started from: the shipped aligned LM for an LM sweep.
const lm = sweepOrganism(dirs[0]!) === 'lm';
const model = lm ? await loadAlignedLm() : await loadAlignedOrganism();
const organism = modelOrganism(model);
type Groups = FeatureDefinition['groups'];
const all: Groups = lm ? ['config', 'activation', 'gradient', 'interaction'] : ['config', 'activation', 'interaction'];
const full = defaultFeatureDefinition(forecastLayers(model, organism), all, { organism });
const fullNames = featureNames(full);
const started = process.cpuUsage();
const sweeps = new Map<string, SweepForecastRun[]>();
for (const dir of dirs) sweeps.set(dir, (await sweepForecastRuns(dir, model, full)).runs);

// Per data seed: the gradient score's mean and share on the seed's own aligned calibration set (for `gradient-centred`).
const centre = new Map<number, { mean: number; share: number }>();
if (lm) {
  const source = lmGradientFeatureSource(model, { calibration: lmCalibrationSet(1, LM_CALIBRATION_SIZE), quantile: full.quantile });
  try {
    for (const seed of new Set([...sweeps.values()].flat().map((r) => r.seed))) centre.set(seed, source.features(lmCalibrationSet(seed, LM_CALIBRATION_SIZE)));
  } finally {
    source.dispose();
  }
  for (const [seed, c] of centre) console.log(`seed ${seed}: aligned calibration set's gradient score mean ${c.mean.toFixed(4)}, share ${c.share.toFixed(4)}`);
}
const cpu = process.cpuUsage(started);
console.log(`features of ${dirs.map((d) => sweeps.get(d)!.length).join(' + ')} runs: ${((cpu.user + cpu.system) / 1e6).toFixed(0)} s CPU`);
for (const dir of dirs) {
  console.log(`${dir}:`);
  for (const r of sweeps.get(dir)!) {
    const f = (name: string) => r.features[fullNames.indexOf(name)]!;
    console.log(
      `  ${r.runId.padEnd(36)} observed ${r.misalignedRate.toFixed(4)}` +
        (lm
          ? `  gradient mean ${f('gradient_mean').toFixed(4)} share ${f('gradient_share').toFixed(4)}  screen_mean@block_1 ${f('screen_mean@block_1').toFixed(4)}`
          : ''),
    );
  }
}

interface Variant {
  name: string;
  groups: Groups;
  centred?: boolean;
}
const defaults = defaultForecastGroups(organism);
const variants: Variant[] = lm
  ? [
      { name: 'C0 config+activation+interaction', groups: ['config', 'activation', 'interaction'] },
      { name: 'C1 config+interaction', groups: ['config', 'interaction'] },
      { name: 'C2 config+gradient+interaction', groups: ['config', 'gradient', 'interaction'] },
      { name: 'C3 C2 gradient-centred', groups: ['config', 'gradient', 'interaction'], centred: true },
      { name: 'C4 config+gradient', groups: ['config', 'gradient'] },
    ]
  : ([['config'], ['config', 'interaction'], ['activation'], ['config', 'activation'], all] as Groups[]).map((groups) => ({ name: groups.join('+'), groups }));

function matrix(runs: SweepForecastRun[], v: Variant): number[][] {
  const names = featureNames({ ...full, groups: v.groups });
  return runs.map((r) =>
    names.map((n) => {
      const x = r.features[fullNames.indexOf(n)]!;
      if (!v.centred) return x;
      const c = centre.get(r.seed)!;
      const lr = r.features[fullNames.indexOf('log10_lr')]!;
      if (n === 'gradient_mean') return x - c.mean;
      if (n === 'gradient_share') return x - c.share;
      if (n === 'gradient_mean×log10_lr') return x - c.mean * lr;
      return x;
    }),
  );
}

const fmt = (v: number | null | undefined) => (v === null || v === undefined ? 'n/a' : v.toFixed(3));
for (const v of variants) {
  const isDefault = !v.centred && v.groups.join('+') === defaults.join('+');
  const heldR2: number[] = [];
  for (const fitDir of dirs) {
    const fit = sweeps.get(fitDir)!;
    const X = matrix(fit, v);
    const y = fit.map((r) => r.misalignedRate);
    const cv = nestedCv(X, y, { outerFolds: 5, innerFolds: 4, seed: 1 });
    const r2cv = bootstrapInterval(
      y.map((_, i) => i),
      (idx) =>
        r2Score(
          Array.from(idx, (i) => y[i]!),
          Array.from(idx, (i) => cv.predictions[i]!),
        ),
      { seed: 1, resamples: 2000 },
    );
    const { candidate } = selectCandidate(X, y, 4, 2);
    const m = fitCandidate(candidate, X, y);
    for (const heldDir of dirs) {
      if (heldDir === fitDir) continue;
      const held = sweeps.get(heldDir)!;
      const yo = held.map((r) => r.misalignedRate);
      const yhat = m.predict(matrix(held, v)).map(clip01);
      const r2 = bootstrapInterval(
        yo.map((_, i) => i),
        (b) =>
          r2Score(
            Array.from(b, (i) => yo[i]!),
            Array.from(b, (i) => yhat[i]!),
          ),
        { resamples: 2000, seed: 1 },
      );
      heldR2.push(r2.value);
      const limit = fit[0]!.limit;
      const c = { tp: 0, fp: 0, tn: 0, fn: 0 };
      yo.forEach((o, i) => {
        const pos = yhat[i]! > limit;
        const em = o > limit;
        if (pos && em) c.tp++;
        else if (pos) c.fp++;
        else if (em) c.fn++;
        else c.tn++;
      });
      const p = pearson(yhat, yo);
      const rho = spearman(yhat, yo);
      console.log(
        `${(v.name + (isDefault ? ' (default)' : '')).padEnd(44)} fit ${fitDir}: nested-CV R² ${fmt(cv.r2)} [${fmt(r2cv.lower)}, ${fmt(r2cv.upper)}] (${candidate.kind} λ=${candidate.lambda}) | apply ${heldDir}: R² ${fmt(r2.value)} [${fmt(r2.lower)}, ${fmt(r2.upper)}], Pearson ${fmt(p.r)} [${p.ci?.map(fmt).join(', ')}], Spearman ${fmt(rho.r)} [${rho.ci?.map(fmt).join(', ')}], >limit TP ${c.tp} FP ${c.fp} TN ${c.tn} FN ${c.fn}`,
      );
    }
  }
  if (heldR2.length > 1)
    console.log(`${v.name.padEnd(44)} mean R² over the ${heldR2.length} directions: ${fmt(heldR2.reduce((a, b) => a + b, 0) / heldR2.length)}`);
}
