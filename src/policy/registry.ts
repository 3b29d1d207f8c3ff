/** A metric name that rules may use. Register plugin metrics before loading a policy that uses them. */
export interface MetricInfo {
  /** Dotted lower-camel name, e.g. `subspace.overlap`; no `@` (that separates the layer). */
  readonly name: string;
  readonly description: string;
  readonly unit?: string;
  /** Which direction is good; gives `checkpoint.keepBest.mode` its default. */
  readonly better?: 'higher' | 'lower';
  /** Whether the metric exists per layer (`metric@layer`), so a rule may set `layer`. Default true. */
  readonly perLayer?: boolean;
}

/** One numeric parameter of an action, set in a policy as `actions: [{ name: { param: value } }]`. */
export interface ActionParamInfo {
  readonly description: string;
  readonly default: number;
  /** Inclusive bounds. */
  readonly min: number;
  readonly max: number;
  readonly integer?: boolean;
}

/** An action name that rules may list. The guard (or a plugin) implements it. */
export interface ActionInfo {
  readonly name: string;
  readonly description: string;
  /** Parameters a rule may set for this action; none when absent. */
  readonly params?: Readonly<Record<string, ActionParamInfo>>;
}

const NAME = /^[A-Za-z][A-Za-z0-9_-]*(\.[A-Za-z0-9_-]+)*$/;

const BUILTIN_METRICS: MetricInfo[] = [
  { name: 'loss', description: 'Mean finite training batch loss since the previous check (from the tfjs logs).', better: 'lower', perLayer: false },
  {
    name: 'nonfinite',
    description: '1 when any batch loss since the previous check or any metric value of the check is NaN or ±Infinity, else 0.',
    better: 'lower',
    perLayer: false,
  },
  { name: 'drift.train', description: 'Relative activation shift on the training probes, ‖ΔA‖_F / ‖A₀‖_F.', better: 'lower' },
  { name: 'drift.eval', description: 'Relative activation shift on the out-of-domain evaluation probes, ‖ΔE‖_F / ‖E₀‖_F.', better: 'lower' },
  {
    name: 'subspace.energyFraction',
    description: 'Share of the eval-delta energy inside the rank-k train-delta subspace, ‖ΔE U_k‖²_F / ‖ΔE‖²_F.',
    unit: 'fraction',
    better: 'lower',
  },
  {
    name: 'subspace.randomEnergyFraction',
    description: 'The same energy fraction for a random rank-k subspace (≈ k/d): the floor a monitor must beat.',
    unit: 'fraction',
  },
  {
    name: 'subspace.overlap',
    description: 'Mean cos² of the principal angles between the train and eval delta subspaces, ‖U_kᵀV_k‖²_F / k.',
    unit: 'fraction',
    better: 'lower',
  },
  { name: 'subspace.meanDeltaCosine', description: 'Mean cosine of each eval delta with the mean train delta.', better: 'lower' },
  { name: 'subspace.spectralGap', description: 'σ_{k+1}/σ_k of the train deltas: near 1 means the subspace (and overlap) is arbitrary.', better: 'lower' },
  {
    name: 'subspace.explainedL2',
    description:
      "Mean over eval probes of the share of each eval delta, centred on the mean train delta, explained by the centred rank-k PCA of the train deltas, 1 − ‖r‖²/‖x‖² (the paper code's explained-L2 fraction).",
    unit: 'fraction',
    better: 'lower',
  },
  {
    name: 'subspace.reconstructionCosine',
    description: 'Mean cosine between each eval delta and its reconstruction from the rank-k train-delta PCA (projection + mean train delta).',
    better: 'lower',
  },
  {
    name: 'subspace.mahalanobis',
    description: 'Mean Mahalanobis distance of the eval deltas in the rank-k train-delta PCA, √(Σ cᵢ²/λᵢ): low = eval deltas look like train deltas.',
    better: 'higher',
  },
  {
    name: 'subspace.orthogonalNorm',
    description: 'Mean norm of each eval delta orthogonal to the mean train delta, ‖δ − (δ·t̂)t̂‖ (activation units).',
    better: 'lower',
  },
  { name: 'cka.train', description: 'Linear CKA between baseline and current activations of the training probes (1 = unchanged).', better: 'higher' },
  { name: 'cka.eval', description: 'Linear CKA between baseline and current activations of the eval probes (1 = unchanged).', better: 'higher' },
  {
    name: 'alignment.score',
    description: 'Behavioural: share of alignment probes whose output matches the expected aligned output.',
    unit: 'fraction',
    better: 'higher',
    perLayer: false,
  },
  {
    name: 'alignment.projection',
    description:
      'Representational: shift of the eval mean activation along the misalignment direction mean(misaligned) − mean(aligned), in contrast-gap units (0 = baseline, 1 = moved the whole gap); aggregate = worst layer.',
    better: 'lower',
  },
  {
    name: 'alignment.preference',
    description:
      "Behavioural, for language models: mean over `probes.preference` pairs of the chosen answer's per-token mean log-likelihood minus the rejected one's (nats/token).",
    better: 'higher',
    perLayer: false,
  },
  {
    name: 'alignment.preferenceAccuracy',
    description: 'Share of `probes.preference` pairs whose chosen answer has the higher per-token mean log-likelihood.',
    unit: 'fraction',
    better: 'higher',
    perLayer: false,
  },
  {
    name: 'mix.share',
    description: "Aligned-data share of the guard's mixer in force since the previous check (only with `emGuard({ mixer })`).",
    unit: 'fraction',
    perLayer: false,
  },
  { name: 'optimizer.learningRate', description: 'Learning rate in force since the previous check (recorded when a rule lists `reduce-lr`).', perLayer: false },
];

const BUILTIN_ACTIONS: ActionInfo[] = [
  { name: 'warn', description: 'Log the decision (pino, at the severity level) and emit it as an event.' },
  { name: 'checkpoint', description: 'Save the current weights as a checkpoint, marked with the decision.' },
  { name: 'abort', description: 'Stop training (model.stopTraining) after the current batch.' },
  { name: 'rollback', description: 'Restore the last checkpoint taken while no critical rule fired.' },
  {
    name: 'mix',
    description:
      "Raise the aligned-data share of the guard's `mixer` by `step` at every check while the rule fires (up to `max`); lower it by `step` after `recoverAfter` checks without firing.",
    params: {
      step: { description: 'Share added per firing check (and removed per recovery step).', default: 0.1, min: 0.01, max: 0.9 },
      max: { description: 'Highest aligned share the action sets (a mixer accepts up to 0.9).', default: 0.5, min: 0, max: 0.9 },
      recoverAfter: {
        description: 'Consecutive checks without the rule firing before the share is lowered by one step.',
        default: 3,
        min: 1,
        max: 1000,
        integer: true,
      },
    },
  },
  {
    name: 'reduce-lr',
    description: "Multiply the optimizer's learning rate by `factor` once per firing episode, never below `min` (like Keras ReduceLROnPlateau).",
    params: {
      factor: { description: 'Multiplier applied to the learning rate.', default: 0.5, min: 0.01, max: 0.99 },
      min: { description: 'Floor of the learning rate.', default: 1e-6, min: 0, max: 1 },
    },
  },
  {
    name: 'rewind',
    description:
      'Restore the last safe checkpoint and keep training (with the other mitigations in force); after `maxRewinds` rewinds in one fit, stop training instead.',
    params: {
      maxRewinds: { description: 'Rewinds allowed in one fit before the action stops training.', default: 3, min: 1, max: 100, integer: true },
    },
  },
];

/** The names em-guard itself defines (the JSON Schema and the README list exactly these). */
export const BUILTIN_METRIC_NAMES: readonly string[] = Object.freeze(BUILTIN_METRICS.map((m) => m.name));
export const BUILTIN_ACTION_NAMES: readonly string[] = Object.freeze(BUILTIN_ACTIONS.map((a) => a.name));

const metrics = new Map<string, MetricInfo>(BUILTIN_METRICS.map((m) => [m.name, Object.freeze({ ...m })]));
const actions = new Map<string, ActionInfo>(BUILTIN_ACTIONS.map((a) => [a.name, Object.freeze({ ...a })]));

function checkName(kind: string, name: unknown): asserts name is string {
  if (typeof name !== 'string' || !NAME.test(name)) {
    throw new TypeError(`Expected the ${kind} name to match ${NAME} (e.g. \`myPlugin.score\`), got \`${String(name)}\` (${typeof name})`);
  }
}

/** A registration field for a message: scalars as written, objects (action params) as JSON. */
function shown(v: unknown): string {
  return typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v as string | number | boolean | undefined);
}

function register<T extends { name: string; description: string }>(kind: string, table: Map<string, T>, info: T): void {
  checkName(kind, info.name);
  if (typeof info.description !== 'string' || info.description.trim() === '') {
    throw new TypeError(
      `Expected ${kind} \`${info.name}\` to have a non-empty \`description\` (it is shown in the README tables and in \`em-guard validate\`)`,
    );
  }
  const existing = table.get(info.name) as Record<string, unknown> | undefined;
  if (existing) {
    // Re-registering is normal (every guard registers its plugins' metrics). Descriptions are
    // documentation and the first one stays; a contradicting semantic field is a real conflict.
    for (const [key, value] of Object.entries(info)) {
      if (key === 'description' || value === undefined || existing[key] === undefined || existing[key] === value) continue;
      if (key === 'params' && JSON.stringify(existing[key]) === JSON.stringify(value)) continue;
      throw new Error(
        `The ${kind} \`${info.name}\` is already registered with \`${key}: ${shown(existing[key])}\`, not \`${shown(value)}\`; pick another name (e.g. \`myPlugin.${info.name}\`)`,
      );
    }
    return;
  }
  table.set(info.name, Object.freeze({ ...info }));
}

/**
 * Add a metric name that policies may use. Registering a known name again is a no-op (the first
 * description stays) unless it contradicts `better`, `unit` or `perLayer`, which throws: two
 * plugins cannot silently give one name two meanings.
 */
export function registerMetric(info: MetricInfo): void {
  register('metric', metrics, info);
}

/** Add an action name that policies may list. Same rules as `registerMetric`. */
export function registerAction(info: ActionInfo): void {
  register('action', actions, info);
}

/** Every registered metric, built-ins first, in registration order. */
export function listMetrics(): MetricInfo[] {
  return [...metrics.values()];
}

/** Every registered action, built-ins first, in registration order. */
export function listActions(): ActionInfo[] {
  return [...actions.values()];
}

/** Whether `name` (without `@layer`) is a registered metric. */
export function isKnownMetric(name: string): boolean {
  return metrics.has(name);
}

/** The registration of a metric, if any. */
export function metricInfo(name: string): MetricInfo | undefined {
  return metrics.get(name);
}

/** The registration of an action, if any. */
export function actionInfo(name: string): ActionInfo | undefined {
  return actions.get(name);
}

/** Whether `name` is a registered action. */
export function isKnownAction(name: string): boolean {
  return actions.has(name);
}
