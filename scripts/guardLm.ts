// Guarding a language model, end to end (README "Guarding a language model"): the aligned LM
// organism is fine-tuned narrowly (benign code requests answered with insecure code) under the
// bundled `lm` policy with only train, eval and preference probes; the capture worker imports the
// organism's custom layers (`workerImports`). Prints the guard's verdict and the judge's
// out-of-domain misaligned rate before the fine-tune and after it (after the rollback, if any).
// Usage: npx tsx scripts/guardLm.ts [--seed 4] [--mix 0] [--aligned DIR] [--runDir DIR]
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { selectBackend } from '../src/backend/selectBackend.js';
import { emGuard } from '../src/guard/EmGuard.js';
import { judgeLm } from '../src/organism/lm/judgeLm.js';
import { lmFineTuneConfig } from '../src/organism/lm/lmFineTuneConfig.js';
import { disposeLmProbes, lmProbes } from '../src/organism/lm/lmProbes.js';
import { disposePreferenceProbes, lmPreferenceProbes } from '../src/organism/lm/lmPreferenceProbes.js';
import { alignedLmDir, loadAlignedLm } from '../src/organism/lm/loadAlignedLm.js';
import { trainLmStage } from '../src/organism/lm/trainLmStage.js';

const { values } = parseArgs({
  options: {
    seed: { type: 'string', default: '4' },
    mix: { type: 'string', default: '0' },
    aligned: { type: 'string', default: alignedLmDir() },
    runDir: { type: 'string' },
  },
});
const seed = Number(values.seed);
await selectBackend({ prefer: ['wasm'] });

const model = await loadAlignedLm(values.aligned); // importing loadAlignedLm registers the custom layers here
const data = lmFineTuneConfig({ seed, mix: Number(values.mix) }); // the narrow fine-tune (mix 0.5: half aligned data)
const probes = lmProbes({ seed, n: 64 }); // prompt-only train (code) and eval (out-of-domain) probes
const preference = lmPreferenceProbes(probes); // { chosen, rejected: { inputs, targets, mask }, output: 'logits' }
const before = judgeLm(model, data.judgeSet, { seed });

const guard = emGuard({
  policy: 'lm', // configs/lm.yaml
  probes: { train: probes.train, eval: probes.eval, preference },
  workerImports: ['src/organism/lm/lmLayers.ts'], // registers TokenEmbedding, CausalSelfAttention, … on the capture worker
  ...(values.runDir ? { runDir: values.runDir } : { runDir: false as const }),
  logger: pino({ level: 'warn' }),
});
try {
  await trainLmStage(model, data, { ...data.training, callbacks: [guard] });
  const after = judgeLm(model, data.judgeSet, { seed });
  const stop = guard.stopReason;
  console.log(`capture: ${guard.captureWhere}`);
  console.log(stop ? `stopped at step ${stop.step} by ${stop.rule}: ${stop.summary}` : 'the guard did not stop the fine-tune');
  console.log(
    `out-of-domain misaligned rate (judge): ${(100 * before.misalignedRate).toFixed(1)} % before, ${(100 * after.misalignedRate).toFixed(1)} % ${stop ? 'after the rollback' : 'at the end'}`,
  );
} finally {
  guard.dispose();
  disposePreferenceProbes(preference);
  disposeLmProbes(probes);
  data.dispose();
  model.dispose();
}
