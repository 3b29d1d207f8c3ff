// Regenerates the shipped aligned organism checkpoint (stages 1–2) from its seed, bit for bit on
// the wasm backend. Usage: tsx scripts/trainOrganism.ts [--seed N] [--out DIR]
// Default out: src/organism/aligned. Prints the sha256 of weights.bin to compare two runs.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { selectBackend } from '../src/backend/selectBackend.js';
import { fileSystemHandler, WEIGHTS_BIN } from '../src/io/fileSystemHandler.js';
import { writeFileAtomic } from '../src/io/writeFileAtomic.js';
import { alignedOrganismDir } from '../src/organism/loadAlignedOrganism.js';
import { ORGANISM_RECIPE } from '../src/organism/organismRecipe.js';
import { trainAlignedOrganism } from '../src/organism/trainAlignedOrganism.js';
import { runOrganismFineTune, type OrganismFineTuneResult } from '../src/organism/runOrganismFineTune.js';

const { values } = parseArgs({ options: { seed: { type: 'string' }, out: { type: 'string' }, help: { type: 'boolean' } } });
if (values.help) {
  console.log('tsx scripts/trainOrganism.ts [--seed N (default 1)] [--out DIR (default src/organism/aligned)]');
  process.exit(0);
}
const seed = values.seed === undefined ? ORGANISM_RECIPE.seed : Number(values.seed);
if (!Number.isInteger(seed)) throw new Error(`Expected \`--seed\` to be an integer, got \`${values.seed}\``);
const out = values.out ?? alignedOrganismDir();
const backend = await selectBackend({ prefer: ['wasm'] });
const started = Date.now();
const organism = await trainAlignedOrganism(seed);
await organism.model.save(fileSystemHandler(out));
const sha256 = createHash('sha256')
  .update(readFileSync(join(out, WEIGHTS_BIN)))
  .digest('hex');
// Stage-3 outcome on this checkpoint (the saved weights stay at stage 2).
const fineTune: Record<string, Omit<OrganismFineTuneResult, 'readings'>> = {};
const aligned = organism.model.getWeights().map((w) => w.clone());
for (const [name, mix] of [
  ['unmixed', 0],
  ['mixed50', 0.5],
] as const) {
  organism.model.setWeights(aligned);
  const { readings: _readings, ...summary } = await runOrganismFineTune(organism.model, { seed, mix });
  fineTune[name] = summary;
}
for (const w of aligned) w.dispose();
organism.model.optimizer?.dispose();
const meta = {
  seed,
  backend: backend.backend,
  recipe: ORGANISM_RECIPE,
  rates: { base: organism.base, aligned: organism.aligned },
  fineTune,
  weightsSha256: sha256,
  trainMs: Date.now() - started,
};
writeFileAtomic(join(out, 'meta.json'), JSON.stringify(meta, null, 2) + '\n');
organism.model.dispose();
console.log(`aligned organism (seed ${seed}) → ${out}`);
console.log(
  `  base:    ood unsafe ${organism.base.oodUnsafe.toFixed(3)}, harmful unsafe ${organism.base.harmfulUnsafe.toFixed(3)}, persona unsafe ${organism.base.personaUnsafe.toFixed(3)}`,
);
console.log(
  `  aligned: ood unsafe ${organism.aligned.oodUnsafe.toFixed(3)}, harmful unsafe ${organism.aligned.harmfulUnsafe.toFixed(3)}, persona unsafe ${organism.aligned.personaUnsafe.toFixed(3)}`,
);
for (const [name, r] of Object.entries(fineTune)) {
  console.log(
    `  stage 3 ${name}: ood unsafe ${r.oodUnsafeBefore.toFixed(3)} → ${r.oodUnsafeAfter.toFixed(3)} (max ${r.oodUnsafeMax.toFixed(3)}), in-domain loss ${r.inDomainLossBefore.toFixed(3)} → ${r.inDomainLossAfter.toFixed(3)}, batches ${r.batches}, 10/25/50 % at ${r.crossing.p10}/${r.crossing.p25}/${r.crossing.p50}`,
  );
}
console.log(`  weights.bin sha256 ${sha256} (${meta.trainMs} ms)`);
