// Exploration of the LM organism's aligned stages for issue 13: trains LM_RECIPE with overrides and
// saves the checkpoint (no meta.json) for scripts/lmStage3Explore.ts --ckpt.
// Usage: tsx scripts/lmRecipeExplore.ts --out DIR [--set stage1.epochs=8 --set stage1.respond=persona …]
//   [--stages stage1,stage2,stage2b] [--from DIR] [--save-stages (also DIR-stage1, … after each stage but the last)]
import { parseArgs } from 'node:util';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { selectBackend } from '../src/backend/selectBackend.js';
import { fileSystemHandler, WEIGHTS_BIN } from '../src/io/fileSystemHandler.js';
import { LM_RECIPE } from '../src/organism/lm/lmRecipe.js';
import * as tf from '@tensorflow/tfjs';
import '../src/organism/lm/lmLayers.js';
import { buildLmModel } from '../src/organism/lm/buildLmModel.js';
import { lmStageRates, trainLmRecipeStage, type LmAlignedRecipe } from '../src/organism/lm/trainAlignedLm.js';

const { values } = parseArgs({
  options: {
    out: { type: 'string' },
    set: { type: 'string', multiple: true, default: [] },
    stages: { type: 'string' },
    from: { type: 'string' },
    'save-stages': { type: 'boolean' },
  },
});
const recipe = JSON.parse(JSON.stringify(LM_RECIPE)) as Record<string, Record<string, unknown>>;
for (const kv of values.set) {
  const [path, raw] = kv.split('=') as [string, string];
  const [stage, field] = path.split('.') as [string, string];
  recipe[stage] ??= { ...recipe.stage2b };
  recipe[stage][field] = Number.isNaN(Number(raw)) ? raw : Number(raw);
}
if (values.stages) (recipe as unknown as { alignedStages: string[] }).alignedStages = values.stages.split(',');
console.log(JSON.stringify(recipe));
await selectBackend({ prefer: ['wasm'] });
const t0 = Date.now();
const cpu0 = process.cpuUsage();
const log = (stage: string, r: unknown) => {
  const c = process.cpuUsage(cpu0);
  console.log(`${stage} ${Math.round((Date.now() - t0) / 1000)} s (cpu ${Math.round((c.user + c.system) / 1e6)} s): ${JSON.stringify(r)}`);
};
const stages = (recipe as unknown as { alignedStages: string[] }).alignedStages;
// Same steps as trainAlignedLm (build, then each stage, rates after each), optionally saving each stage.
const model = values.from ? await tf.loadLayersModel(fileSystemHandler(values.from)) : buildLmModel({ seed: LM_RECIPE.seed, ...(recipe.model as object) });
for (const name of stages) {
  await trainLmRecipeStage(model, LM_RECIPE.seed, name, recipe as unknown as LmAlignedRecipe);
  log(name, lmStageRates(model, LM_RECIPE.seed));
  if (values['save-stages'] && name !== stages.at(-1)) await model.save(fileSystemHandler(`${values.out!}-${name}`));
}
model.optimizer?.dispose();
const organism = { model };
await organism.model.save(fileSystemHandler(values.out!));
console.log(
  'sha256',
  createHash('sha256')
    .update(readFileSync(join(values.out!, WEIGHTS_BIN)))
    .digest('hex'),
);
