import { summarizeActivations, type ActivationSummaries, type ActivationSummary } from '../metrics/activationSummary.js';
import type { ModelOutput } from '../probes/captureOutput.js';
import { coreSnapshotValues, type CoreMetricName, type CoreSnapshotValues } from './computeCoreMetrics.js';
import { describeNonFinite, type NonFiniteActivation } from './findNonFiniteActivations.js';
import type { CheckEvent } from './guardEvents.js';
import type { BaselineContext, CheckContext, LayerActivations, MetricPlugin, MetricResult } from './pluginTypes.js';

/** The step a snapshot describes and what the training loop reported up to it. */
export interface SnapshotPoint {
  step: number;
  epoch: number;
  /** Mean finite batch loss since the previous check; null if none; undefined for the baseline. */
  loss: number | null | undefined;
  nonfinite: boolean;
}

/** What stays the same across the checks of one fit. */
export interface SnapshotSetup {
  /** The plugins' view of the fit: model, layers, probes, baseline activations, capture. */
  context: BaselineContext;
  rank: number;
  seed: number;
  wantedCore: ReadonlySet<CoreMetricName>;
  plugins: readonly MetricPlugin[];
  /** Delta buffers reused across checks (see computeCoreMetrics). */
  scratch: Map<string, Float64Array>;
  /**
   * Checks reduce the eval activations to `ActivationSummary`s (`CheckPlan.summarizeEval`): on the
   * capture worker, or here from the captured matrices by the same function.
   */
  summarizeEval: boolean;
  onMetricError(metric: string, e: Error): void;
}

export type { ActivationSummaries } from '../metrics/activationSummary.js';

/**
 * The eval summaries of a check: the ones reduced where it was captured, else made here from the
 * current eval activations (`summarizeActivations`, the worker's function, so the same numbers).
 */
function evalSummariesOf(
  setup: SnapshotSetup,
  current: ReadonlyMap<string, LayerActivations>,
  given: ActivationSummaries | undefined,
): ReadonlyMap<string, ActivationSummary> {
  const ready = given?.get('eval');
  if (ready) return ready;
  const out = new Map<string, ActivationSummary>();
  const base = setup.context.activations.get('eval');
  const now = current.get('eval');
  for (const layer of setup.context.layers) {
    const e0 = base?.get(layer);
    const e1 = now?.get(layer);
    if (!e0 || !e1) throw new Error(`internal: no ${e0 ? 'current' : 'baseline'} eval activations for layer ${layer}`);
    out.set(layer, summarizeActivations(e1, e0));
  }
  return out;
}

/** A metric plugin's result into a snapshot's values and reasons (`name`, `name@layer`). */
export function takeMetricResult(values: Record<string, number | null>, reasons: Record<string, string>, name: string, r: MetricResult): void {
  values[name] = r.value;
  if (r.value === null) reasons[name] = r.reason ?? 'no value';
  for (const [layer, v] of Object.entries(r.perLayer ?? {})) values[`${name}@${layer}`] = v;
}

/** A snapshot's last values: the loss window's mean and whether it saw a non-finite loss. */
export function finishSnapshotValues(values: Record<string, number | null>, reasons: Record<string, string>, at: SnapshotPoint): void {
  values.loss = at.loss ?? null;
  if (values.loss === null) reasons.loss = at.loss === undefined ? 'baseline (no training yet)' : 'no finite loss since the last check';
  values.nonfinite = at.nonfinite ? 1 : 0;
}

/**
 * A check's snapshot values from its core metrics and its metric plugins' results (`names`, in
 * order), as `computeSnapshot` assembles them (the same key order): the capture worker's copy,
 * on which it evaluates the policy.
 */
export function snapshotFromResults(
  core: CoreSnapshotValues,
  names: readonly string[],
  results: readonly MetricResult[],
  at: SnapshotPoint,
): { values: Record<string, number | null>; reasons: Record<string, string> } {
  const values: Record<string, number | null> = {};
  const reasons: Record<string, string> = {};
  Object.assign(values, core.values);
  Object.assign(reasons, core.reasons);
  for (let i = 0; i < names.length; i++) takeMetricResult(values, reasons, names[i]!, results[i]!);
  finishSnapshotValues(values, reasons, at);
  return { values, reasons };
}

/**
 * Every metric of one check on `current` activations (and the model outputs the plugins asked
 * for): core metrics per layer and aggregated to the worst layer, then the plugins, then the loss
 * window. Copied numbers only; a null value always comes with a reason. With
 * `setup.summarizeEval`, the eval activations enter as summaries (`summaries`, or made here).
 * `given`: the core metrics as the capture worker computed them (`coreSnapshotValues`, the same
 * function), so they are not computed here. Synchronous while the plugins answer synchronously
 * (the built-in ones do, bar a user's `scorer`): a promise only from the first plugin that returns
 * one, the rest then awaited in order as before. The guard's verdict then takes no promise hop.
 * `results`: the plugins' results (one per `setup.plugins`, in order) as the capture worker
 * computed them (`builtinMetricResult`, their own function), taken as they are; with `given` too,
 * the eval summaries are not read.
 */
export function computeSnapshot(
  setup: SnapshotSetup,
  current: ReadonlyMap<string, LayerActivations>,
  outputs: ReadonlyMap<string, ModelOutput>,
  at: SnapshotPoint,
  summaries?: ActivationSummaries,
  given?: CoreSnapshotValues,
  results?: readonly MetricResult[],
): CheckEvent | Promise<CheckEvent> {
  const { step, epoch } = at;
  const { layers } = setup.context;
  const tm = performance.now();
  const values: Record<string, number | null> = {};
  const reasons: Record<string, string> = {};
  const evalSummaries = setup.summarizeEval && !(given && results) ? evalSummariesOf(setup, current, summaries) : undefined;
  const core = given ?? coreSnapshotValues(layers, setup.context.activations, current, setup.rank, setup.seed, setup.wantedCore, setup.scratch, evalSummaries);
  Object.assign(values, core.values);
  Object.assign(reasons, core.reasons);
  const take = (p: MetricPlugin, r: MetricResult) => takeMetricResult(values, reasons, p.name, r);
  const threw = (p: MetricPlugin, e: unknown) => {
    values[p.name] = null;
    reasons[p.name] = `metric threw: ${(e as Error).message}`;
    setup.onMetricError(p.name, e as Error);
  };
  const finish = (): CheckEvent => {
    finishSnapshotValues(values, reasons, at);
    return { step, epoch, values, reasons, timingsMs: { metrics: performance.now() - tm } };
  };
  const plugins = setup.plugins;
  if (results) {
    for (let i = 0; i < plugins.length; i++) take(plugins[i]!, results[i]!);
    return finish();
  }
  const ctx: CheckContext = {
    ...setup.context,
    activations: current,
    baseline: setup.context.activations,
    step,
    epoch,
    outputs,
  };
  // Set, not spread from a temporary object, and the map filled by `set`, not from an iterable: the
  // verdict's code runs cold (once per check, between training ops), where each such step costs µs.
  if (evalSummaries) ctx.summaries = new Map<string, ReadonlyMap<string, ActivationSummary>>().set('eval', evalSummaries);
  for (let i = 0; i < plugins.length; i++) {
    const p = plugins[i]!;
    let r: MetricResult | PromiseLike<MetricResult>;
    try {
      r = p.compute(ctx);
    } catch (e) {
      threw(p, e);
      continue;
    }
    // Any thenable, as `await` took before (a user plugin's own promise type).
    if (typeof (r as Partial<PromiseLike<MetricResult>>).then !== 'function') {
      take(p, r as MetricResult);
      continue;
    }
    // From here on as an async loop: this plugin's promise, then the others', each awaited in turn.
    const rest = async (first: PromiseLike<MetricResult>): Promise<CheckEvent> => {
      for (let j = i; j < plugins.length; j++) {
        const q = plugins[j]!;
        try {
          take(q, await (j === i ? first : q.compute(ctx)));
        } catch (e) {
          threw(q, e);
        }
      }
      return finish();
    };
    return rest(r as PromiseLike<MetricResult>);
  }
  return finish();
}

/** The snapshot of a batch with a non-finite loss: the weights are broken, a forward pass would only give NaNs. */
export function nonFiniteSnapshot(step: number, epoch: number): CheckEvent {
  return { step, epoch, values: { nonfinite: 1, loss: null }, reasons: { loss: 'non-finite batch loss' }, timingsMs: { metrics: 0 } };
}

/**
 * The snapshot of a check whose captured activations hold a non-finite value (`findNonFiniteActivations`):
 * the weights are broken though the window's losses may be finite. Like `nonFiniteSnapshot`, no
 * metric is computed; the window's loss is kept.
 */
export function nonFiniteActivationsSnapshot(at: SnapshotPoint, bad: NonFiniteActivation): CheckEvent {
  const reasons: Record<string, string> = { nonfinite: `non-finite activations (${describeNonFinite(bad)})` };
  const loss = at.loss ?? null;
  if (loss === null) reasons.loss = at.nonfinite ? 'non-finite batch loss' : 'no finite loss since the last check';
  return { step: at.step, epoch: at.epoch, values: { nonfinite: 1, loss }, reasons, timingsMs: { metrics: 0 } };
}
