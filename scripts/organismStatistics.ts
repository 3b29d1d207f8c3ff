// The paper-code statistics of `em-guard analyze` on the bundled organism: loads the aligned
// organism, captures the train (insecure code) and eval (out-of-domain) probes' last-token activations
// at each watched layer, runs the stage-3 fine-tune (mix 0 = EM, 0.5 = benign), captures again and
// prints analyzeActivations(…, { varianceShare: 0.9 }) per layer. The README's "paper vs organism"
// table comes from this. `npx tsx scripts/organismStatistics.ts [seed]`.
import { selectBackend } from '../src/backend/selectBackend.js';
import { analyzeActivations } from '../src/metrics/analyzeActivations.js';
import { loadAlignedOrganism } from '../src/organism/loadAlignedOrganism.js';
import { disposeOrganismProbes, organismProbes } from '../src/organism/organismProbes.js';
import { runOrganismFineTune } from '../src/organism/runOrganismFineTune.js';
import { ProbeCapture } from '../src/probes/ProbeCapture.js';
import { resolveLayers } from '../src/probes/resolveLayers.js';

const seed = Number(process.argv[2] ?? 1);
await selectBackend();
const f = (s: { mean: number; median: number } | null) => (s ? `${s.mean.toFixed(2)} / ${s.median.toFixed(2)}` : 'n/a');
for (const mix of [0, 0.5]) {
  const model = await loadAlignedOrganism();
  const probes = organismProbes({ seed: 7, n: 128 });
  const layers = resolveLayers(model, 'auto');
  const capture = new ProbeCapture(model, layers, { pooling: 'last' });
  const tb = await capture.capture(probes.train);
  const eb = await capture.capture(probes.eval);
  const run = await runOrganismFineTune(model, { seed, mix });
  const ta = await capture.capture(probes.train);
  const ea = await capture.capture(probes.eval);
  console.log(`\nmix ${mix} (seed ${seed}): out-of-domain unsafe ${(100 * run.oodUnsafeBefore).toFixed(0)} % → ${(100 * run.oodUnsafeAfter).toFixed(0)} %`);
  for (const layer of layers) {
    const r = analyzeActivations({ trainBefore: tb.get(layer)!, trainAfter: ta.get(layer)!, evalBefore: eb.get(layer)!, evalAfter: ea.get(layer)! }, 8, 0, {
      varianceShare: 0.9,
    });
    const p = r.evalDeltaVsTrainPca;
    const rc = p.reconstructionCosine;
    console.log(
      `  ${layer.padEnd(9)} d=${r.shapes.train[1]} k@90%=${r.pca.k}  recon cos ${rc ? `${rc.mean.toFixed(2)} [${rc.min.toFixed(2)}, ${rc.max.toFixed(2)}]` : 'n/a'}  explained-L2 centred ${f(p.explainedL2Centered)} raw ${f(p.explainedL2Raw)}` +
        `  cos to mean Δ ${f(r.evalDeltaVsTrainMeanDelta.cosine)}  Mahalanobis ${f(p.mahalanobis)}  ‖Δ‖/‖before‖ ${f(r.deltaSize.relativeNorm)}` +
        `  prompt subspace k=${r.promptSubspace.k} proj ${f(r.promptSubspace.projectionFraction)} vs random ${f(r.promptSubspace.randomProjectionFraction)}`,
    );
  }
  disposeOrganismProbes(probes);
  model.dispose();
}
