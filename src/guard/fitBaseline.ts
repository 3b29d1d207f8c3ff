import type * as tf from '@tensorflow/tfjs';
import { join, resolve } from 'node:path';
import { createPolicyState } from '../policy/evaluatePolicy.js';
import type { Policy, PolicyState } from '../policy/types.js';
import type { CheckRunner } from './CheckRunner.js';
import { computeSnapshot, type SnapshotSetup } from './computeSnapshot.js';
import type { EmGuardArgs } from './emGuardArgs.js';
import type { GuardCheckpoints } from './GuardCheckpoints.js';
import type { CheckEvent } from './guardEvents.js';
import type { GuardRecorder } from './GuardRecorder.js';
import type { CheckPlan } from './planChecks.js';
import type { MetricPlugin } from './pluginTypes.js';
import { baselineToSave, saveBaselineLogged } from './savedBaseline.js';

/** What a fit's checks are measured against, built once per fit. */
export interface FitBaseline {
  /** The metric setup around the baseline activations. */
  setup: SnapshotSetup;
  policyState: PolicyState;
  /** Training-thread time spent capturing or collecting the baseline activations, ms. */
  captureMs: number;
}

/**
 * A fit's baseline: the activations of step 0 (`CheckRunner.baseline`: saved, from the worker or
 * inline), the plugins' `init`, the baseline metric values, the policy state, the `baseline` record
 * and, with `saveBaseline`, its background write. Call from a training hook, before any verdict.
 */
export async function fitBaseline(input: {
  runner: CheckRunner;
  model: tf.LayersModel;
  args: EmGuardArgs;
  policy: Policy;
  plan: CheckPlan;
  plugins: readonly MetricPlugin[];
  recorder: GuardRecorder;
  checkpoints: GuardCheckpoints;
  runDir: string | null;
}): Promise<FitBaseline> {
  const { runner, args, policy, recorder, runDir } = input;
  const tc = performance.now();
  const base = await runner.baseline(args.baseline === undefined ? undefined : resolve(args.baseline));
  const captureMs = performance.now() - tc;
  const context = {
    model: input.model,
    layers: runner.capture.layers,
    probes: args.probes,
    activations: base.activations,
    capture: runner.capture.capture.bind(runner.capture),
  };
  const setup: SnapshotSetup = {
    context,
    rank: policy.check.rank,
    seed: args.seed ?? 0,
    wantedCore: input.plan.wantedCore,
    plugins: input.plugins,
    scratch: new Map(),
    summarizeEval: input.plan.summarizeEval,
    onMetricError: (metric, e) => recorder.error({ event: 'metric-error', metric, err: e }, `em-guard: metric ${metric} failed: ${e.message}`),
  };
  for (const p of input.plugins) await p.init?.(context);
  const baseline: CheckEvent = base.savedValues
    ? { step: 0, epoch: 0, values: { ...base.savedValues }, reasons: {}, timingsMs: {} }
    : await computeSnapshot(setup, base.activations, base.outputs, { step: 0, epoch: 0, loss: undefined, nonfinite: false }, base.summaries, base.core);
  if (args.saveBaseline && runDir && !base.savedValues)
    input.checkpoints.track(
      saveBaselineLogged(join(runDir, 'baseline'), baselineToSave(runner.fit, base.activations, baseline.values), recorder.logger),
      0,
      'baseline',
    );
  recorder.baseline(baseline.values);
  return { setup, policyState: createPolicyState(policy, baseline), captureMs };
}
