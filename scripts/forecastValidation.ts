// Validation of `em-guard forecast` (README "Screening and forecasting"; note issue 17): fit on one
// sweep, evaluate on a held-out sweep, for each feature group set (does activation data help?).
//   npx tsx scripts/forecastValidation.ts runs/sweep-forecast-seed1 runs/sweep-forecast-seed2
//   npx tsx scripts/forecastValidation.ts runs/sweep-lm-forecast-seed1 runs/sweep-lm-forecast-seed2   (LM organism)
// The features of both sweeps are computed once, with every group (the LM screen costs minutes on a
// loaded machine); each variant then uses its groups' columns and is fitted as `fitForecast` fits
// (nested CV seed 1, 5 × 4 folds, the candidate chosen on all runs with seed 2), so the last line
// (all groups, the default) equals `em-guard forecast fit` + `forecast evaluate`.
import { pearson } from '../src/analysis/pearson.js';
import { spearman } from '../src/analysis/spearman.js';
import { selectBackend } from '../src/backend/selectBackend.js';
import { forecastLayers, modelOrganism } from '../src/forecast/fitForecast.js';
import { defaultFeatureDefinition, featureNames, type FeatureDefinition } from '../src/forecast/forecastFeatures.js';
import { clip01, fitCandidate, nestedCv, r2Score, selectCandidate } from '../src/forecast/nestedCv.js';
import { sweepForecastRuns, sweepOrganism } from '../src/forecast/sweepForecastRuns.js';
import { loadAlignedLm } from '../src/organism/lm/loadAlignedLm.js';
import { loadAlignedOrganism } from '../src/organism/loadAlignedOrganism.js';
import { bootstrapInterval } from '../src/screen/bootstrapInterval.js';

const [fitDir, heldOutDir] = process.argv.slice(2);
if (!fitDir || !heldOutDir) throw new Error('usage: forecastValidation.ts <fitSweepDir> <heldOutSweepDir>');
await selectBackend();
// The model the sweep's runs started from: the shipped aligned LM for an LM sweep.
const model = sweepOrganism(fitDir) === 'lm' ? await loadAlignedLm() : await loadAlignedOrganism();
const organism = modelOrganism(model);
const all: FeatureDefinition['groups'] = ['config', 'activation', 'interaction'];
const full = defaultFeatureDefinition(forecastLayers(model, organism), all, { organism });
const started = Date.now();
const fit = await sweepForecastRuns(fitDir, model, full);
const held = await sweepForecastRuns(heldOutDir, model, full);
console.log(`features of ${fit.runs.length} + ${held.runs.length} runs in ${((Date.now() - started) / 1000).toFixed(0)} s`);
const fullNames = featureNames(full);
const variants: FeatureDefinition['groups'][] = [['config'], ['config', 'interaction'], ['activation'], ['config', 'activation'], all];
for (const groups of variants) {
  const cols = featureNames({ ...full, groups }).map((n) => fullNames.indexOf(n));
  const X = fit.runs.map((r) => cols.map((j) => r.features[j]!));
  const y = fit.runs.map((r) => r.misalignedRate);
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
  const yo = held.runs.map((r) => r.misalignedRate);
  const yhat = held.runs.map((r) => clip01(m.intercept + cols.reduce((s, j, k) => s + r.features[j]! * m.coefficients[k]!, 0)));
  const r2 = bootstrapInterval(
    yo.map((_, i) => i),
    (b) =>
      r2Score(
        Array.from(b, (i) => yo[i]!),
        Array.from(b, (i) => yhat[i]!),
      ),
    { resamples: 2000, seed: 1 },
  );
  const limit = fit.runs[0]!.limit;
  const c = { tp: 0, fp: 0, tn: 0, fn: 0 };
  yo.forEach((v, i) => {
    const pos = yhat[i]! > limit;
    const em = v > limit;
    if (pos && em) c.tp++;
    else if (pos) c.fp++;
    else if (em) c.fn++;
    else c.tn++;
  });
  const rho = spearman(yhat, yo);
  console.log(
    `${groups.join('+').padEnd(31)} fit ${fitDir}: nested-CV R² ${cv.r2.toFixed(3)} [${r2cv.lower.toFixed(3)}, ${r2cv.upper.toFixed(3)}] (${candidate.kind} λ=${candidate.lambda}) | held out ${heldOutDir}: R² ${r2.value.toFixed(3)} [${r2.lower.toFixed(3)}, ${r2.upper.toFixed(3)}], Pearson ${pearson(yhat, yo).r?.toFixed(3)}, Spearman ${rho.r?.toFixed(3)} [${rho.ci?.map((v) => v.toFixed(3)).join(', ')}], >limit TP ${c.tp} FP ${c.fp} TN ${c.tn} FN ${c.fn}`,
  );
}
