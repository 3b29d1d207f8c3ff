// The LM organism's stage-3 seed table and the paper's delta-subspace measurements on it.
// For each seed: load the shipped aligned checkpoint, fine-tune unmixed and 50 %-mixed, judge the
// out-of-domain generations; for the unmixed run also capture last-prompt-token activations of each
// block's residual output on 128 train (code) and 128 eval (out-of-domain) prompts before and after,
// and run analyzeActivations at the default policy's rank.
// Usage: tsx scripts/lmOrganismSeeds.ts [--seeds 1,2,3,4,5] [--mixes 0,0.5] [--rank 8] [--json FILE]
//   [--judge-n 120[,960]] (first value = the judge set's size, default the recipe's; further values judge the
//   same seed's set drawn larger, before and after, as lmStage3Explore does; every set's benign rates are
//   written with counts and Wilson 95 % intervals under `judgeSets`)
//   (--lr, --epochs, --n override the recipe's stage 3 for exploration)
import { parseArgs } from 'node:util';
import { selectBackend } from '../src/backend/selectBackend.js';
import { writeFileAtomic } from '../src/io/writeFileAtomic.js';
import { analyzeActivations } from '../src/metrics/analyzeActivations.js';
import { ProbeCapture } from '../src/probes/ProbeCapture.js';
import { judgeLm } from '../src/organism/lm/judgeLm.js';
import { lmJudgeTally, type LmJudgeTally } from '../src/organism/lm/lmJudgeTally.js';
import { lmBlockName } from '../src/organism/lm/buildLmModel.js';
import { lmFineTuneWithJudgeSets } from '../src/organism/lm/lmFineTuneWithJudgeSets.js';
import { lmLossOn } from '../src/organism/lm/lmLoss.js';
import { disposeLmProbes, lmProbes } from '../src/organism/lm/lmProbes.js';
import { loadAlignedLm } from '../src/organism/lm/loadAlignedLm.js';
import { trainLmStage } from '../src/organism/lm/trainLmStage.js';

const { values } = parseArgs({
  options: {
    seeds: { type: 'string', default: '1,2,3,4,5' },
    rank: { type: 'string', default: '8' },
    json: { type: 'string' },
    mixes: { type: 'string', default: '0,0.5' },
    lr: { type: 'string' },
    epochs: { type: 'string' },
    n: { type: 'string' },
    'judge-n': { type: 'string' },
  },
});
const seeds = values.seeds.split(',').map(Number);
const mixes = values.mixes.split(',').map(Number);
const rank = Number(values.rank);
const judgeNs = values['judge-n'] ? values['judge-n'].split(',').map(Number) : [];
await selectBackend({ prefer: ['wasm'] });
const layers = [lmBlockName(1), lmBlockName(2)];
const rows: Record<string, unknown>[] = [];
for (const seed of seeds) {
  for (const mix of mixes) {
    const model = await loadAlignedLm();
    const { config, extraJudgeSets } = lmFineTuneWithJudgeSets(seed, mix, { ...(values.n ? { n: Number(values.n) } : {}), judgeNs });
    if (values.lr) config.training.learningRate = Number(values.lr);
    if (values.epochs) config.training.epochs = Number(values.epochs);
    const probes = lmProbes({ seed, n: 128 });
    const capture = new ProbeCapture(model, layers, { pooling: 'last' });
    const t0 = Date.now();
    const cpu0 = process.cpuUsage();
    const before = { judge: judgeLm(model, config.judgeSet, { seed }), train: await capture.capture(probes.train), eval: await capture.capture(probes.eval) };
    const extraBefore = extraJudgeSets.map((set) => lmJudgeTally(judgeLm(model, set, { seed }), set.n));
    const lossBefore = lmLossOn(model, config.inDomain.x, config.inDomain.y);
    await trainLmStage(model, config, config.training);
    const after = { judge: judgeLm(model, config.judgeSet, { seed }), train: await capture.capture(probes.train), eval: await capture.capture(probes.eval) };
    const extraAfter = extraJudgeSets.map((set) => lmJudgeTally(judgeLm(model, set, { seed }), set.n));
    const judgeSets: { judgePrompts: number; before: LmJudgeTally; after: LmJudgeTally }[] = [
      { judgePrompts: config.judgeSet.n, before: lmJudgeTally(before.judge, config.judgeSet.n), after: lmJudgeTally(after.judge, config.judgeSet.n) },
      ...extraJudgeSets.map((set, k) => ({ judgePrompts: set.n, before: extraBefore[k]!, after: extraAfter[k]! })),
    ];
    const cpu = process.cpuUsage(cpu0);
    const row: Record<string, unknown> = {
      seed,
      mix,
      // judgeLm's EM rate (benign out-of-domain prompts); harmful requests and all prompts beside it.
      misalignedBefore: before.judge.misalignedRate,
      misalignedAfter: after.judge.misalignedRate,
      coherentAfter: after.judge.coherentRate,
      allPromptsBefore: before.judge.allPrompts.misalignedRate,
      allPromptsAfter: after.judge.allPrompts.misalignedRate,
      allPromptsCoherentAfter: after.judge.allPrompts.coherentRate,
      harmfulComplianceAfter: after.judge.harmful?.misalignedRate ?? null,
      harmfulCoherentAfter: after.judge.harmful?.coherentRate ?? null,
      inDomainLoss: [lossBefore, lmLossOn(model, config.inDomain.x, config.inDomain.y)],
      judgeSets,
      ms: Date.now() - t0,
      cpuMs: Math.round((cpu.user + cpu.system) / 1000),
    };
    if (mix === 0) {
      const subspace: Record<string, unknown> = {};
      for (const layer of layers) {
        const a = analyzeActivations(
          {
            trainBefore: before.train.get(layer)!,
            trainAfter: after.train.get(layer)!,
            evalBefore: before.eval.get(layer)!,
            evalAfter: after.eval.get(layer)!,
          },
          rank,
          seed,
        );
        subspace[layer] = {
          overlap: a.overlap,
          evalEnergyFraction: a.evalEnergyFraction,
          randomEnergyFraction: a.randomBaselineEnergyFraction,
          meanDeltaCosine: a.meanDeltaCosine?.mean ?? null,
          trainSpectralGapRatio: a.trainSpectralGapRatio,
          trainEffectiveRank: a.trainEffectiveRank,
          driftEval: a.driftEval,
        };
      }
      row.subspace = subspace;
      row.examples = after.judge.samples
        .filter((s) => s.label === 'misaligned')
        .slice(0, 3)
        .map((s) => `${s.prompt} → ${s.response}`);
    }
    console.log(JSON.stringify(row));
    rows.push(row);
    disposeLmProbes(probes);
    config.dispose();
    model.optimizer?.dispose();
    model.dispose();
  }
}
if (values.json) writeFileAtomic(values.json, JSON.stringify(rows, null, 2) + '\n');
