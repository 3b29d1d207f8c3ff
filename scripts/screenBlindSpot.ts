// The classifier screen's blind spot (README "Before fine-tuning"): how much of the contrast direction u is the
// refusal direction (mean activation of aligned calibration prompts the model refuses − of those it helps), and
// whether projecting it out of u fixes the ranking of planted insecure vs over-refusal examples. Prints numbers.
//   npx tsx scripts/screenBlindSpot.ts
import * as tf from '@tensorflow/tfjs';
import { auroc } from '../src/analysis/auroc.js';
import { selectBackend } from '../src/backend/selectBackend.js';
import { loadAlignedOrganism } from '../src/organism/loadAlignedOrganism.js';
import { organismInputs } from '../src/organism/organismTensors.js';
import { HELPFUL, REFUSE } from '../src/organism/organismVocabulary.js';
import { ProbeCapture } from '../src/probes/ProbeCapture.js';
import { classifierProjectionDifference } from '../src/screen/classifierProjectionDifference.js';
import { misalignmentDirections } from '../src/screen/misalignmentDirections.js';
import { organismCalibrationSet, organismContrast, organismPlantedSet } from '../src/screen/organismScreenSets.js';
await selectBackend();
const model = await loadAlignedOrganism();
const contrast = organismContrast();
const layers = ['hidden_1', 'hidden_2'];
const dirs = await misalignmentDirections(model, layers, contrast);
for (const seed of [1, 2, 3]) {
  const cal = organismCalibrationSet(seed);
  const calX = organismInputs(cal);
  const pred = tf.tidy(() => (model.predict(calX) as tf.Tensor).argMax(1).dataSync()) as Int32Array;
  const acts = await new ProbeCapture(model, layers).capture(calX);
  const { set, planted } = organismPlantedSet(seed, 0.05, { overRefusal: 0.05 });
  const x = organismInputs(set);
  const k = planted.reduce((a, b) => a + b, 0);
  for (const d of dirs) {
    const m = acts.get(d.layer)!;
    const w = m.cols;
    const mean = (cls: number) => {
      const o = new Float64Array(w);
      let c = 0;
      for (let i = 0; i < m.rows; i++)
        if (pred[i] === cls) {
          c++;
          for (let j = 0; j < w; j++) o[j]! += m.data[i * w + j]!;
        }
      return o.map((v) => v / c);
    };
    const r = mean(REFUSE).map((v, j) => v - mean(HELPFUL)[j]!);
    const rn = Math.hypot(...r);
    const rh = r.map((v) => v / rn);
    const u = d.direction.map((v) => v / d.norm);
    const cos = u.reduce((s, v, j) => s + v * rh[j]!, 0);
    const uperp0 = u.map((v, j) => v - cos * rh[j]!);
    const pn = Math.hypot(...uperp0);
    const uperp = uperp0.map((v) => v / pn);
    for (const [name, dir] of [
      ['u', u],
      ['u⊥refusal', uperp],
    ] as const) {
      const s = classifierProjectionDifference(model, d.layer, x, set.labels, dir);
      const sc = Array.from(s.scores);
      const order = sc.map((_, i) => i).sort((a, b) => sc[b]! - sc[a]!);
      const top = order.slice(0, k).filter((i) => planted[i]).length;
      const avg = (f: (i: number) => boolean) => {
        const v = sc.filter((_, i) => f(i));
        return v.reduce((a, b) => a + b, 0) / v.length;
      };
      console.log(
        `seed ${seed} ${d.layer} ${name.padEnd(10)} cos(u, r) ${cos.toFixed(3)} AUROC ${auroc(sc, Array.from(planted)).auc!.toFixed(3)} top-${k} ${top}/${k} mean insecure ${avg((i) => planted[i] === 1).toFixed(3)} over-refusal ${avg((i) => !planted[i] && set.labels[i] === REFUSE).toFixed(3)} rest ${avg((i) => !planted[i] && set.labels[i] !== REFUSE).toFixed(3)}`,
      );
    }
  }
  tf.dispose([calX, x]);
}
