// Guarding a language model, end to end (README "Guarding a language model"): the aligned LM
// organism is fine-tuned narrowly (benign code requests answered with insecure code) under the
// bundled `lm` policy with only train, eval and preference probes; the capture worker imports the
// organism's custom layers (`workerImports`). Prints the guard's verdict and the judge's
// out-of-domain misaligned rate before the fine-tune and after it (after the rollback, if any).
// Imports go through the package's two entry points (src/index.ts = 'em-guard', src/research.ts =
// 'em-guard/research'), as a user's code would.
// Usage: npx tsx scripts/guardLm.ts [--seed 4] [--mix 0] [--aligned DIR] [--runDir DIR] [--json]
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { emGuard, selectBackend } from '../src/index.js';
import {
  alignedLmDir,
  disposeLmProbes,
  disposePreferenceProbes,
  judgeLm,
  lmFineTuneConfig,
  lmPreferenceProbes,
  lmProbes,
  loadAlignedLm,
  trainLmStage,
} from '../src/research.js';

const { values } = parseArgs({
  options: {
    seed: { type: 'string', default: '4' },
    mix: { type: 'string', default: '0' },
    aligned: { type: 'string', default: alignedLmDir() },
    runDir: { type: 'string' },
    json: { type: 'boolean', default: false },
  },
});
const seed = Number(values.seed);
const mix = Number(values.mix);
await selectBackend({ prefer: ['wasm'] });

const model = await loadAlignedLm(values.aligned); // importing the organism registers its custom layers in this thread
const data = lmFineTuneConfig({ seed, mix }); // the narrow fine-tune (mix 0.5: half aligned data)
const probes = lmProbes({ seed, n: 64 }); // prompt-only train (code) and eval (out-of-domain) probes
const preference = lmPreferenceProbes(probes); // { chosen, rejected: { inputs, targets, mask }, output: 'logits' }
const before = judgeLm(model, data.judgeSet); // the ground truth the guard never sees

const guard = emGuard({
  policy: 'lm', // configs/lm.yaml
  probes: { train: probes.train, eval: probes.eval, preference },
  workerImports: ['src/organism/lm/lmLayers.ts'], // registers TokenEmbedding, CausalSelfAttention, … on the capture worker
  ...(values.runDir ? { runDir: values.runDir } : { runDir: false as const }),
  logger: pino({ level: 'warn' }),
});
let rolledBackTo = null as number | null; // set by the rollback event
guard.on('rollback', (e) => (rolledBackTo = e.toStep));
let checks = 0;
let onWorker = 0; // checks whose forward passes ran on the capture worker (it starts in the background)
guard.on('check', (c) => {
  checks++;
  if ('workerCapture' in (c.timingsMs ?? {})) onWorker++;
});
const t0 = performance.now();
try {
  await trainLmStage(model, data, { ...data.training, callbacks: [guard] });
  const ms = performance.now() - t0;
  const after = judgeLm(model, data.judgeSet);
  const stop = guard.stopReason;
  if (values.json) {
    const row = {
      seed,
      mix,
      checks,
      onWorker,
      stop,
      rolledBackTo,
      before: before.misalignedRate,
      after: after.misalignedRate,
      // The judge's EM rate is over benign prompts; every prompt and the harmful requests beside it.
      allPromptsAfter: after.allPrompts.misalignedRate,
      harmfulComplianceAfter: after.harmful?.misalignedRate ?? null,
      ms,
    };
    console.log(JSON.stringify(row));
  } else {
    console.log(`${checks} checks (${onWorker} on the capture worker), ${(ms / 1000).toFixed(1)} s of fine-tuning`);
    console.log(stop ? `stopped at step ${stop.step} by ${stop.rule}: ${stop.summary}` : 'the guard did not stop the fine-tune');
    if (rolledBackTo !== null) console.log(`rolled back to the weights of step ${rolledBackTo}`);
    console.log(
      `out-of-domain misaligned rate (judge, benign prompts): ${(100 * before.misalignedRate).toFixed(1)} % before, ${(100 * after.misalignedRate).toFixed(1)} % ${rolledBackTo !== null ? 'after the rollback' : 'at the end'}`,
    );
    console.log(
      `  all prompts: ${(100 * after.allPrompts.misalignedRate).toFixed(1)} %; harmful requests complied with: ${(100 * (after.harmful?.misalignedRate ?? 0)).toFixed(1)} %`,
    );
  }
} finally {
  guard.dispose();
  disposePreferenceProbes(preference);
  disposeLmProbes(probes);
  data.dispose();
  model.dispose();
}
