// Validation of `em-guard forecast` (README "Screening and forecasting"; note issue 17): fit on one
// sweep, evaluate on a held-out sweep, for each feature group set (does activation data help?).
//   npx tsx scripts/forecastValidation.ts runs/sweep-forecast-seed1 runs/sweep-forecast-seed2
//   npx tsx scripts/forecastValidation.ts runs/sweep-lm-forecast-seed1 runs/sweep-lm-forecast-seed2   (LM organism)
import { selectBackend } from '../src/backend/selectBackend.js';
import { evaluateForecast } from '../src/forecast/evaluateForecast.js';
import { fitForecast } from '../src/forecast/fitForecast.js';
import type { FeatureDefinition } from '../src/forecast/forecastFeatures.js';
import { sweepOrganism } from '../src/forecast/sweepForecastRuns.js';
import { loadAlignedLm } from '../src/organism/lm/loadAlignedLm.js';
import { loadAlignedOrganism } from '../src/organism/loadAlignedOrganism.js';

const [fitDir, heldOutDir] = process.argv.slice(2);
if (!fitDir || !heldOutDir) throw new Error('usage: forecastValidation.ts <fitSweepDir> <heldOutSweepDir>');
await selectBackend();
// The model the sweep's runs started from: the shipped aligned LM for an LM sweep.
const model = sweepOrganism(fitDir) === 'lm' ? await loadAlignedLm() : await loadAlignedOrganism();
const variants: FeatureDefinition['groups'][] = [
  ['config'],
  ['config', 'interaction'],
  ['activation'],
  ['config', 'activation'],
  ['config', 'activation', 'interaction'],
];
for (const groups of variants) {
  const started = Date.now();
  const fc = await fitForecast(fitDir, model, { groups });
  const ev = await evaluateForecast(fc, model, heldOutDir);
  const c = ev.confusion;
  console.log(
    `${groups.join('+').padEnd(31)} fit ${fitDir}: nested-CV R² ${fc.cv.r2.toFixed(3)} [${fc.cv.lower.toFixed(3)}, ${fc.cv.upper.toFixed(3)}] (${fc.model.kind} λ=${fc.model.lambda}) | held out ${heldOutDir}: R² ${ev.r2.value.toFixed(3)} [${ev.r2.lower.toFixed(3)}, ${ev.r2.upper.toFixed(3)}], Pearson ${ev.pearson.r?.toFixed(3)}, Spearman ${ev.spearman.r?.toFixed(3)} [${ev.spearman.ci?.map((v) => v.toFixed(3)).join(', ')}], >limit TP ${c.truePositive} FP ${c.falsePositive} TN ${c.trueNegative} FN ${c.falseNegative} (${((Date.now() - started) / 1000).toFixed(0)} s)`,
  );
}
