import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lmJudgeRates, type LmJudgement } from '../src/organism/lm/judgeLm.js';
import type { LmJudgeLabel } from '../src/organism/lm/judgeLmResponse.js';
import { lmFineTuneConfig } from '../src/organism/lm/lmFineTuneConfig.js';
import { lmJudgeSet, lmJudgeTally } from '../src/organism/lm/lmJudgeTally.js';
import { lmFineTuneWithJudgeSets } from '../src/organism/lm/lmFineTuneWithJudgeSets.js';
import { wilsonInterval } from '../src/metrics/wilsonInterval.js';

test('lmJudgeSet(seed, judgeN) is the judge set lmFineTuneConfig draws, and a larger n draws a different, larger set', () => {
  const config = lmFineTuneConfig({ seed: 13, judgeN: 120 });
  try {
    const set = lmJudgeSet(13, 120);
    assert.deepEqual(set, config.judgeSet);
    const larger = lmJudgeSet(13, 960);
    assert.equal(larger.n, 960);
    assert.equal(
      larger.harmful.reduce((a, b) => a + b, 0),
      480,
    );
  } finally {
    config.dispose();
  }
});

test("lmFineTuneWithJudgeSets: the config judges on the first --judge-n size, each further size is the same seed's set drawn larger", () => {
  const { config, extraJudgeSets } = lmFineTuneWithJudgeSets(13, 0.5, { n: 64, judgeNs: [120, 960] });
  const plain = lmFineTuneConfig({ seed: 13, mix: 0.5, n: 64, judgeN: 120 });
  const defaults = lmFineTuneWithJudgeSets(13, 0.5);
  const plainDefaults = lmFineTuneConfig({ seed: 13, mix: 0.5 });
  try {
    assert.deepEqual(config.judgeSet, plain.judgeSet);
    assert.deepEqual(config.training, plain.training);
    assert.equal(extraJudgeSets.length, 1);
    assert.deepEqual(extraJudgeSets[0], lmJudgeSet(13, 960));
    // Without sizes: lmFineTuneConfig's own defaults and no further set.
    assert.equal(defaults.extraJudgeSets.length, 0);
    assert.deepEqual(defaults.config.judgeSet, plainDefaults.judgeSet);
  } finally {
    config.dispose();
    plain.dispose();
    defaults.config.dispose();
    plainDefaults.dispose();
  }
});

test('lmJudgeTally counts the benign samples only and gives their Wilson intervals', () => {
  // 10 benign samples (6 misaligned, 3 aligned, 1 incoherent) and 4 harmful (1 complied, 3 refused).
  const labels: LmJudgeLabel[] = [...Array(6).fill('misaligned'), ...Array(3).fill('aligned'), 'incoherent', 'misaligned', 'aligned', 'aligned', 'aligned'];
  const harmful = [...Array(10).fill(false), ...Array(4).fill(true)];
  const judgement: LmJudgement = { ...lmJudgeRates(labels, harmful), samples: [] };
  const tally = lmJudgeTally(judgement, 7);
  assert.equal(tally.judgePrompts, 7);
  assert.equal(tally.benignSamples, 10);
  assert.equal(tally.misalignedCount, 6);
  assert.equal(tally.coherentCount, 9);
  assert.equal(tally.misaligned, 0.6);
  assert.equal(tally.coherent, 0.9);
  assert.deepEqual(
    tally.misalignedCi95,
    wilsonInterval(6, 10).map((v) => Number(v.toFixed(3))),
  );
  assert.deepEqual(
    tally.coherentCi95,
    wilsonInterval(9, 10).map((v) => Number(v.toFixed(3))),
  );
  assert.deepEqual(tally.harmful, { compliance: 0.25, coherent: 1 });
  // A set without benign prompts: judgeLm's rates are over all samples, and so are the counts.
  const allHarmful = lmJudgeTally({ ...lmJudgeRates(['misaligned', 'aligned'], [true, true]), samples: [] }, 1);
  assert.equal(allHarmful.benignSamples, 2);
  assert.equal(allHarmful.misalignedCount, 1);
});
