import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { writeFileAtomic } from '../io/writeFileAtomic.js';
import type { SweepRunConfig } from './sweepConfig.js';
import { RUN_CONFIG_FILE, RUN_RESULT_FILE, round6, type SweepRunResult } from './sweepRunResult.js';

/** What a user module's `train(config)` returns: at least the judge's final reading. */
export interface UserTrainResult {
  final: { misalignedRate: number; inDomainLoss?: number | null };
  baseline?: { misalignedRate: number; inDomainLoss?: number | null };
  steps?: number;
  crossedAtStep?: number | null;
}

function checkUserResult(module: string, r: unknown): UserTrainResult {
  const f = (r as UserTrainResult | undefined)?.final;
  if (!f || typeof f.misalignedRate !== 'number' || !Number.isFinite(f.misalignedRate)) {
    throw new Error(
      `${module}: train(config) must return { final: { misalignedRate: number, inDomainLoss?: number } }, got ${JSON.stringify(r)?.slice(0, 200)}`,
    );
  }
  return r as UserTrainResult;
}

/**
 * Runs the config in `<runDir>/config.json` in this process (the worker calls it; tests may too)
 * and writes `<runDir>/result.json` atomically. The organisms (classifier or LM) or the user's `train(config)`
 * module write `run.jsonl` themselves (the organisms through emGuard). Organism runs select the tfjs backend
 * (`selectBackend()`: wasm unless tfjs-node is installed); a user module sets up its own.
 */
export async function runSweepConfig(runDir: string, log: (line: string) => void = () => {}): Promise<SweepRunResult> {
  const config = JSON.parse(readFileSync(join(runDir, RUN_CONFIG_FILE), 'utf8')) as SweepRunConfig;
  let result: SweepRunResult;
  if (config.target.kind === 'organism' || config.target.kind === 'lm') {
    // Loaded lazily: tfjs, the backend and the organism cost seconds a user-module run does not need.
    const { selectBackend } = await import('../backend/selectBackend.js');
    log((await selectBackend()).summary);
    if (config.target.kind === 'lm') {
      const { runLmOrganismConfig } = await import('./lmOrganismRun.js');
      result = await runLmOrganismConfig(config);
    } else {
      const { runOrganismConfig } = await import('./organismRun.js');
      result = await runOrganismConfig(config);
    }
  } else {
    const started = Date.now();
    const mod = (await import(pathToFileURL(config.target.module).href)) as {
      train?: (c: SweepRunConfig) => unknown;
      default?: { train?: (c: SweepRunConfig) => unknown };
    };
    const train = mod.train ?? mod.default?.train;
    if (typeof train !== 'function') throw new Error(`${config.target.module}: expected the module to export a function \`train(config)\``);
    const r = checkUserResult(config.target.module, await train(config));
    const rate = r.final.misalignedRate;
    result = {
      runId: config.runId,
      settings: {
        optimizer: config.optimizer,
        schedule: config.schedule,
        learningRate: config.learningRate,
        mix: config.mix,
        seed: config.seed,
        epochs: config.epochs,
        checkEvery: config.checkEvery,
      },
      steps: r.steps ?? 0,
      baseline: { misalignedRate: r.baseline?.misalignedRate ?? null, inDomainLoss: r.baseline?.inDomainLoss ?? null },
      final: { misalignedRate: round6(rate), inDomainLoss: r.final.inDomainLoss ?? null },
      label: { limit: config.limit, em: rate > config.limit },
      crossedAtStep: r.crossedAtStep ?? null,
      durationMs: Date.now() - started,
    };
  }
  writeFileAtomic(join(runDir, RUN_RESULT_FILE), JSON.stringify(result));
  return result;
}
