/** The schedule shapes {@link learningRateAt} knows (a sweep can vary every one of them). */
export const LEARNING_RATE_SCHEDULE_TYPES = [
  'constant',
  'linear',
  'cosine',
  'step',
  'warmup-cosine',
  'cyclic-triangular',
  'cyclic-triangular2',
  'cyclic-exp-range',
  'cosine-restarts',
] as const;

/** One of {@link LEARNING_RATE_SCHEDULE_TYPES}. */
export type LearningRateScheduleType = (typeof LEARNING_RATE_SCHEDULE_TYPES)[number];

/** A learning-rate schedule over optimizer steps (batches), as plain data (YAML/JSON friendly). */
export interface LearningRateSchedule {
  type: LearningRateScheduleType;
  /** Rate at step 0 (after warmup, if any); the lower bound (`base_lr`) of the cyclic schedules. */
  initial: number;
  /** Rate reached at `totalSteps` for 'linear' / 'cosine' / 'warmup-cosine'; `eta_min` of 'cosine-restarts'. Default 0. */
  final?: number;
  /** Cyclic schedules only (required): the upper bound `max_lr` of a cycle, >= `initial`. */
  maxRate?: number;
  /** Cyclic schedules only: steps from the peak back down (`step_size_down`). Default `stepSize`. */
  stepSizeDown?: number;
  /** 'cosine-restarts' only (required): steps of the first cycle (`T_0`), integer >= 1. */
  cycleSteps?: number;
  /** 'cosine-restarts' only: each cycle is this many times longer than the one before (`T_mult`), integer >= 1. Default 1. */
  cycleMult?: number;
  /** Linear warmup from initial/warmupSteps up to `initial` over the first steps. Required (>= 1) for 'warmup-cosine', optional (default 0) otherwise. */
  warmupSteps?: number;
  /** Length of the schedule in steps; after it the rate stays at its last value (the cyclic and restart schedules keep cycling, as PyTorch's do). */
  totalSteps: number;
  /** 'step': multiply by `gamma` every `stepSize` steps. Cyclic schedules (required): steps from the base up to the peak (`step_size_up`). */
  stepSize?: number;
  /** 'step': decay factor, default 0.1. 'cyclic-exp-range': the amplitude is scaled by gamma^step, default 1 (PyTorch's). */
  gamma?: number;
}

const TYPES: readonly LearningRateScheduleType[] = LEARNING_RATE_SCHEDULE_TYPES;
const CYCLIC: readonly LearningRateScheduleType[] = ['cyclic-triangular', 'cyclic-triangular2', 'cyclic-exp-range'];

function fail(name: string, expected: string, value: unknown): never {
  throw new RangeError(`lrSchedule: expected \`${name}\` to be ${expected}, got \`${String(value)}\` (${value === null ? 'null' : typeof value})`);
}

/** Throws a one-line message for the first invalid field of a schedule; returns it with defaults filled in. */
export function validateSchedule(schedule: LearningRateSchedule): Required<LearningRateSchedule> {
  if (schedule === null || typeof schedule !== 'object') fail('schedule', "an object like { type: 'cosine', initial: 1e-3, totalSteps: 1000 }", schedule);
  const { type } = schedule;
  if (!TYPES.includes(type)) fail('type', TYPES.map((t) => `'${t}'`).join(' | '), type);
  const nonNegative = (name: string, v: unknown): number => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : fail(name, 'a finite number >= 0', v));
  const integer = (name: string, v: unknown, min: number): number =>
    typeof v === 'number' && Number.isInteger(v) && v >= min ? v : fail(name, `an integer >= ${min}`, v);
  const initial = nonNegative('initial', schedule.initial);
  const final = nonNegative('final', schedule.final ?? 0);
  const totalSteps = integer('totalSteps', schedule.totalSteps, 1);
  const warmupSteps = integer('warmupSteps', schedule.warmupSteps ?? (type === 'warmup-cosine' ? undefined : 0), type === 'warmup-cosine' ? 1 : 0);
  if (warmupSteps >= totalSteps) fail('warmupSteps', `an integer < totalSteps (${totalSteps}) so the schedule has steps after warmup`, warmupSteps);
  const cyclic = CYCLIC.includes(type);
  const restarts = type === 'cosine-restarts';
  if ((cyclic || restarts) && warmupSteps !== 0) fail('warmupSteps', `0 (or absent) for '${type}', which has no warmup`, warmupSteps);
  const stepSize = type === 'step' || cyclic ? integer('stepSize', schedule.stepSize, 1) : (schedule.stepSize ?? 1);
  const gamma = schedule.gamma ?? (type === 'cyclic-exp-range' ? 1 : 0.1);
  if (!(typeof gamma === 'number' && gamma > 0 && gamma <= 1)) fail('gamma', 'a number in (0, 1]', gamma);
  const maxRate = cyclic ? nonNegative('maxRate', schedule.maxRate) : (schedule.maxRate ?? initial);
  if (cyclic && maxRate < initial) fail('maxRate', `a number >= initial (${initial}): the peak of each cycle`, maxRate);
  const stepSizeDown = cyclic ? integer('stepSizeDown', schedule.stepSizeDown ?? stepSize, 1) : (schedule.stepSizeDown ?? stepSize);
  const cycleSteps = restarts ? integer('cycleSteps', schedule.cycleSteps, 1) : (schedule.cycleSteps ?? 1);
  const cycleMult = restarts ? integer('cycleMult', schedule.cycleMult ?? 1, 1) : (schedule.cycleMult ?? 1);
  return { type, initial, final, warmupSteps, totalSteps, stepSize, gamma, maxRate, stepSizeDown, cycleSteps, cycleMult };
}

/**
 * Learning rate at a 0-based optimizer step. After an optional linear warmup
 * (lr = initial·(step+1)/warmupSteps, so the first batch already trains; HF's
 * `get_cosine_schedule_with_warmup` uses step/warmupSteps), with s = step − warmupSteps and
 * T = totalSteps − warmupSteps, p = min(s, T)/T:
 * constant: initial · linear: initial + (final − initial)·p ·
 * cosine / warmup-cosine: final + (initial − final)·(1 + cos πp)/2 (SGDR, Loshchilov & Hutter 2017) ·
 * step: initial·gamma^⌊s/stepSize⌋ (Keras/PyTorch StepLR).
 * cyclic-*: PyTorch `CyclicLR` (Smith 2017) with base_lr = initial, max_lr = maxRate, step_size_up =
 * stepSize, step_size_down = stepSizeDown, evaluated at last_epoch = step: cycle = ⌊1 + t/L⌋ with
 * L = up + down, x = 1 + t/L − cycle, f = x/(up/L) on the way up else (x − 1)/(up/L − 1),
 * lr = base + (max − base)·f·scale with scale 1 (triangular), 1/2^(cycle−1) (triangular2) or γ^t
 * (exp_range).
 * cosine-restarts: PyTorch `CosineAnnealingWarmRestarts` (SGDR) stepped once per batch: T_i = cycleSteps·
 * cycleMult^i, T_cur = steps since the last restart, lr = final + (initial − final)(1 + cos(π·T_cur/T_i))/2.
 */
export function learningRateAt(schedule: LearningRateSchedule, step: number): number {
  const s = validateSchedule(schedule);
  if (!(Number.isInteger(step) && step >= 0)) fail('step', 'an integer >= 0', step);
  if (CYCLIC.includes(s.type)) return cyclicRate(s, step);
  if (s.type === 'cosine-restarts') return restartRate(s, step);
  if (step < s.warmupSteps) return (s.initial * (step + 1)) / s.warmupSteps;
  const since = step - s.warmupSteps;
  const span = s.totalSteps - s.warmupSteps;
  const p = Math.min(since, span) / span;
  switch (s.type) {
    case 'constant':
      return s.initial;
    case 'linear':
      return s.initial + (s.final - s.initial) * p;
    case 'cosine':
    case 'warmup-cosine':
      return s.final + ((s.initial - s.final) * (1 + Math.cos(Math.PI * p))) / 2;
    case 'step':
      return s.initial * s.gamma ** Math.floor(Math.min(since, span) / s.stepSize);
    default:
      throw new Error(`internal: schedule type ${s.type} has no formula`);
  }
}

// torch.optim.lr_scheduler.CyclicLR.get_lr, line for line.
function cyclicRate(s: Required<LearningRateSchedule>, t: number): number {
  const total = s.stepSize + s.stepSizeDown;
  const ratio = s.stepSize / total;
  const cycle = Math.floor(1 + t / total);
  const x = 1 + t / total - cycle;
  const factor = x <= ratio ? x / ratio : (x - 1) / (ratio - 1);
  const height = (s.maxRate - s.initial) * factor;
  const scale = s.type === 'cyclic-triangular' ? 1 : s.type === 'cyclic-triangular2' ? 1 / 2 ** (cycle - 1) : s.gamma ** t;
  return s.initial + height * scale;
}

// torch.optim.lr_scheduler.CosineAnnealingWarmRestarts.step() called once per batch: integer T_cur/T_i bookkeeping.
function restartRate(s: Required<LearningRateSchedule>, t: number): number {
  let cur = s.cycleMult === 1 ? t % s.cycleSteps : t;
  let len = s.cycleSteps;
  while (cur >= len) {
    cur -= len;
    len *= s.cycleMult;
  }
  return s.final + ((s.initial - s.final) * (1 + Math.cos((Math.PI * cur) / len))) / 2;
}
