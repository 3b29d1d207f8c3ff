import assert from 'node:assert/strict';
import { test } from 'node:test';
import { auroc } from '../src/analysis/auroc.js';
import { binByQuantile } from '../src/analysis/binByQuantile.js';
import { rocCurve } from '../src/analysis/rocCurve.js';
import { assertClose, reference } from './analysisHelpers.js';

test('auroc matches sklearn roc_auc_score (ties included) to 1e-12', () => {
  for (const [k, c] of reference.roc.entries()) {
    assertClose(auroc(c.scores, c.labels).auc, c.auc, 1e-12, `auc[${k}]`);
    assertClose(
      auroc(
        c.scores,
        c.labels.map((l: number) => l === 1),
      ).auc,
      c.auc,
      1e-12,
      `auc-bool[${k}]`,
    );
  }
  assert.equal(auroc([1, 2, 3, 4], [0, 0, 1, 1]).auc, 1);
  assert.equal(auroc([1, 1, 1, 1], [0, 1, 0, 1]).auc, 0.5);
});

test('rocCurve matches sklearn roc_curve(drop_intermediate=False); its trapezoid area is the AUROC', () => {
  for (const [k, c] of reference.roc.entries()) {
    const { points } = rocCurve(c.scores, c.labels);
    assert.equal(points.length, c.fpr.length, `roc[${k}] length`);
    points.forEach((pt, i) => {
      assertClose(pt.fpr, c.fpr[i], 1e-15, `roc.fpr[${k},${i}]`);
      assertClose(pt.tpr, c.tpr[i], 1e-15, `roc.tpr[${k},${i}]`);
      // sklearn 1.2 puts max+1 first; em-guard uses +Infinity (sklearn >= 1.3).
      if (i === 0) assert.equal(pt.threshold, Infinity);
      else assertClose(pt.threshold, c.thresholds[i], 1e-15, `roc.thr[${k},${i}]`);
    });
    let area = 0;
    for (let i = 1; i < points.length; i++) area += ((points[i]!.fpr - points[i - 1]!.fpr) * (points[i]!.tpr + points[i - 1]!.tpr)) / 2;
    assertClose(area, c.auc, 1e-12, `roc.area[${k}]`);
  }
});

test('ROC degenerate and invalid input', () => {
  const one = auroc([0.1, 0.2], [1, 1]);
  assert.equal(one.auc, null);
  assert.match(one.reason!, /both classes, got 2 positive and 0 negative/);
  assert.deepEqual(rocCurve([0.1, 0.2], [0, 0]).points, []);
  assert.throws(() => auroc([0.1, 0.2], [0, 2]), /`labels\[1\]` to be 0, 1, true or false/);
  assert.throws(() => rocCurve([0.1], [0, 1]), /same length/);
});

test('binByQuantile matches numpy quantile edges + pandas.qcut(duplicates="drop") assignment', () => {
  for (const [k, c] of reference.quantileBins.entries()) {
    const res = binByQuantile(c.values, c.nBins);
    assert.equal(res.edges.length, c.edges.length, `bins[${k}] edges`);
    res.edges.forEach((e, i) => assertClose(e, c.edges[i], 1e-14, `bins.edge[${k},${i}]`));
    assert.deepEqual(res.assignment, c.assignment, `bins[${k}] assignment`);
    assert.equal(
      res.bins.reduce((s, b) => s + b.indices.length, 0),
      c.values.length,
    );
  }
  assert.throws(() => binByQuantile([1, 2], 0), /`nBins` to be an integer >= 1, got `0`/);
});
