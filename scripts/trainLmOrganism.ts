// Regenerates the shipped aligned LM organism checkpoint (stages 1–2) from its seed, bit for bit on
// the wasm backend. Usage: tsx scripts/trainLmOrganism.ts [--seed N] [--out DIR]
// Default out: src/organism/lm/aligned. Prints the sha256 of weights.bin to compare two runs.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { selectBackend } from '../src/backend/selectBackend.js';
import { fileSystemHandler, WEIGHTS_BIN } from '../src/io/fileSystemHandler.js';
import { writeFileAtomic } from '../src/io/writeFileAtomic.js';
import { alignedLmDir } from '../src/organism/lm/loadAlignedLm.js';
import { LM_RECIPE } from '../src/organism/lm/lmRecipe.js';
import { trainAlignedLm } from '../src/organism/lm/trainAlignedLm.js';

const { values } = parseArgs({ options: { seed: { type: 'string' }, out: { type: 'string' }, help: { type: 'boolean' } } });
if (values.help) {
  console.log('tsx scripts/trainLmOrganism.ts [--seed N (default 1)] [--out DIR (default src/organism/lm/aligned)]');
  process.exit(0);
}
const seed = values.seed === undefined ? LM_RECIPE.seed : Number(values.seed);
if (!Number.isInteger(seed)) throw new Error(`Expected \`--seed\` to be an integer, got \`${values.seed}\``);
const out = values.out ?? alignedLmDir();
const backend = await selectBackend({ prefer: ['wasm'] });
const started = Date.now();
const organism = await trainAlignedLm(seed, (stage, r) =>
  console.log(
    `stage ${stage} (${((Date.now() - started) / 1000).toFixed(0)} s): ood misaligned ${r.oodMisaligned.toFixed(3)} coherent ${r.oodCoherent.toFixed(3)}, code insecure ${r.codeMisaligned.toFixed(3)}, persona misaligned ${r.personaMisaligned.toFixed(3)}`,
  ),
);
await organism.model.save(fileSystemHandler(out));
const sha256 = createHash('sha256')
  .update(readFileSync(join(out, WEIGHTS_BIN)))
  .digest('hex');
const meta = {
  seed,
  backend: backend.backend,
  recipe: LM_RECIPE,
  rates: { base: organism.base, aligned: organism.aligned },
  weightsSha256: sha256,
  trainMs: Date.now() - started,
};
writeFileAtomic(join(out, 'meta.json'), JSON.stringify(meta, null, 2) + '\n');
organism.model.dispose();
console.log(`aligned LM organism (seed ${seed}) → ${out}\n  weights.bin sha256 ${sha256} (${meta.trainMs} ms)`);
