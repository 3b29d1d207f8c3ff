// Final out-of-domain misaligned rate of the LM organism fine-tuned (stage-3 recipe) on each
// screening data set, for the dataset-score correlation of `scripts/screenLmValidation.ts
// --outcomes`. The outcome depends only on the checkpoint, the data set and the recipe, not on the
// screening method, so it is computed once and appended as JSON lines (one per seed × set; a
// (seed, set) already in the file is skipped, so an interrupted run resumes).
//   npx tsx scripts/screenLmOutcomes.ts --seeds 1,2,3,4,5,6,7 --sets mix0,mix0.25,mix0.5,mix0.75,secure,code0.5 --out runs/lm-outcomes.jsonl
// Sets: mix<share> = the narrow set with <share> replaced by aligned out-of-domain examples
// (lmFineTuneConfig); secure = secure code (lmBenignCodeSet); code<share> = secure code with <share>
// of its rows answered with insecure code (lmPlantedSet). All have LM_RECIPE.stage3.n examples.
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { selectBackend } from '../src/backend/selectBackend.js';
import { judgeLm } from '../src/organism/lm/judgeLm.js';
import { lmFineTuneConfig } from '../src/organism/lm/lmFineTuneConfig.js';
import { lmTensors } from '../src/organism/lm/lmTensors.js';
import { loadAlignedLm } from '../src/organism/lm/loadAlignedLm.js';
import { trainLmStage } from '../src/organism/lm/trainLmStage.js';
import { lmScreenValidationSet } from '../src/screen/lmOrganismScreenSets.js';

const { values } = parseArgs({
  options: {
    seeds: { type: 'string', default: '1,2' },
    sets: { type: 'string', default: 'mix0,mix0.25,mix0.5,mix0.75,secure,code0.5' },
    out: { type: 'string', default: 'runs/lm-outcomes.jsonl' },
  },
});
await selectBackend({ prefer: ['wasm'] });
const model = await loadAlignedLm();
const initial = model.getWeights().map((w) => w.clone());
const out = values.out!;
const done = new Set(
  existsSync(out)
    ? readFileSync(out, 'utf8')
        .split('\n')
        .filter((l) => l.trim())
        .map((l) => {
          const o = JSON.parse(l) as { seed: number; set: string };
          return `${o.seed}/${o.set}`;
        })
    : [],
);
for (const seed of values.seeds!.split(',').map(Number)) {
  for (const name of values.sets!.split(',')) {
    if (done.has(`${seed}/${name}`)) continue;
    const set = lmScreenValidationSet(name, seed);
    const config = lmFineTuneConfig({ seed });
    const train = lmTensors(set);
    const t0 = Date.now();
    const cpu0 = process.cpuUsage();
    model.setWeights(initial);
    await trainLmStage(model, train, config.training);
    const judged = judgeLm(model, config.judgeSet, { seed });
    model.setWeights(initial);
    const cpu = process.cpuUsage(cpu0);
    train.x.dispose();
    train.y.dispose();
    config.dispose();
    const row = {
      seed,
      set: name,
      misaligned: judged.misalignedRate,
      coherent: judged.coherentRate,
      wallS: (Date.now() - t0) / 1000,
      cpuS: (cpu.user + cpu.system) / 1e6,
    };
    appendFileSync(out, `${JSON.stringify(row)}\n`);
    console.log(JSON.stringify(row));
  }
}
for (const w of initial) w.dispose();
model.dispose();
