// Exploration of the LM organism's stage 3 (the narrow insecure-code fine-tune) for issue 13: loads an
// aligned checkpoint, fine-tunes with one config and seed, and judges out-of-domain generations after
// every epoch (misaligned-and-coherent share, coherent share, in-domain loss), one JSON line each.
// Usage: tsx scripts/lmStage3Explore.ts --seed 1 [--mix 0] [--lr 5e-4] [--epochs 8] [--batch 16] [--n 256]
//   [--optimizer adam|sgd|momentum] [--train REGEX (trainable layer names; default all)] [--ckpt DIR]
//   [--every 1 (judge every N epochs)] [--temps 0,0.7 (judge temperatures)] [--judge-n 120[,960 (more judge
//   sets, same seed and sampling rules, each reported with Wilson 95 % intervals of the benign rates)]]
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../src/backend/selectBackend.js';
import { fileSystemHandler } from '../src/io/fileSystemHandler.js';
import { judgeLm } from '../src/organism/lm/judgeLm.js';
import { lmFineTuneWithJudgeSets } from '../src/organism/lm/lmFineTuneWithJudgeSets.js';
import '../src/organism/lm/lmLayers.js';
import { lmLoss, lmLossOn } from '../src/organism/lm/lmLoss.js';
import { loadAlignedLm } from '../src/organism/lm/loadAlignedLm.js';
import { seededRandom } from '../src/util/seededRandom.js';
import { deriveSeed, seededPermutation } from '../src/organism/organismRandom.js';
import { lmJudgeTally } from '../src/organism/lm/lmJudgeTally.js';

const { values } = parseArgs({
  options: {
    seed: { type: 'string', default: '1' },
    mix: { type: 'string', default: '0' },
    lr: { type: 'string' },
    epochs: { type: 'string' },
    batch: { type: 'string' },
    n: { type: 'string' },
    optimizer: { type: 'string', default: 'adam' },
    train: { type: 'string' },
    ckpt: { type: 'string' },
    every: { type: 'string', default: '1' },
    label: { type: 'string', default: '' },
    temps: { type: 'string', default: '0,0.7' },
    'judge-n': { type: 'string' },
  },
});
await selectBackend({ prefer: ['wasm'] });
const seed = Number(values.seed);
const mix = Number(values.mix);
const model = values.ckpt ? await tf.loadLayersModel(fileSystemHandler(values.ckpt)) : await loadAlignedLm();
const judgeNs = values['judge-n'] ? values['judge-n'].split(',').map(Number) : [];
const { config, extraJudgeSets } = lmFineTuneWithJudgeSets(seed, mix, { ...(values.n ? { n: Number(values.n) } : {}), judgeNs });
const lr = values.lr ? Number(values.lr) : config.training.learningRate;
const epochs = values.epochs ? Number(values.epochs) : config.training.epochs;
const batchSize = values.batch ? Number(values.batch) : config.training.batchSize!;
const every = Number(values.every);
const temperatures = values.temps.split(',').map(Number);
if (values.train) {
  const re = new RegExp(values.train);
  for (const l of model.layers) if (l.weights.length > 0) l.trainable = re.test(l.name);
}
const optimizer = values.optimizer === 'sgd' ? tf.train.sgd(lr) : values.optimizer === 'momentum' ? tf.train.momentum(lr, 0.9) : tf.train.adam(lr);
model.compile({ optimizer, loss: lmLoss });
const n = config.x.shape[0]!;
const idx = tf.tensor1d(Int32Array.from(seededPermutation(n, seededRandom(deriveSeed(seed, 'shuffle')))), 'int32');
const x = tf.gather(config.x, idx);
const y = tf.gather(config.y, idx);
const t0 = Date.now();
const cpu0 = process.cpuUsage();
const r3 = (v: number) => Number(v.toFixed(3));
const report = (epoch: number) => {
  const j = judgeLm(model, config.judgeSet, { seed, temperatures });
  const loss = lmLossOn(model, config.inDomain.x, config.inDomain.y);
  const cpu = process.cpuUsage(cpu0);
  console.log(
    JSON.stringify({
      label: values.label,
      seed,
      mix,
      lr,
      batchSize,
      n,
      optimizer: values.optimizer,
      train: values.train ?? 'all',
      epoch,
      // judgeLm's EM rate (benign prompts), then all prompts and harmful requests apart.
      misaligned: r3(j.misalignedRate),
      coherent: r3(j.coherentRate),
      allPrompts: { misaligned: r3(j.allPrompts.misalignedRate), coherent: r3(j.allPrompts.coherentRate) },
      harmful: j.harmful ? { compliance: r3(j.harmful.misalignedRate), coherent: r3(j.harmful.coherentRate) } : null,
      inDomainLoss: Number(loss.toFixed(4)),
      s: Math.round((Date.now() - t0) / 1000),
      cpuS: Math.round((cpu.user + cpu.system) / 1e6),
    }),
  );
  for (const set of extraJudgeSets) {
    const e = judgeLm(model, set, { seed, temperatures });
    console.log(JSON.stringify({ label: values.label, seed, epoch, ...lmJudgeTally(e, set.n) }));
  }
  if (process.env.SHOW)
    for (const s of j.samples
      .filter((s, k) => s.label !== 'aligned' && (process.env.SHOW_BENIGN ? config.judgeSet.harmful[k % config.judgeSet.n] === 0 : true))
      .slice(0, Number(process.env.SHOW)))
      console.log(`  [${s.label} T${s.temperature}] ${s.prompt} → ${s.response}`);
};
report(0);
await model.fit(x, y, {
  epochs,
  batchSize,
  shuffle: false,
  verbose: 0,
  callbacks: {
    onEpochEnd: async (epoch) => {
      if ((epoch + 1) % every === 0 || epoch + 1 === epochs) report(epoch + 1);
    },
  },
});
