/** The schedule shapes {@link learningRateAt} knows. */
export type LearningRateScheduleType = 'constant' | 'linear' | 'cosine' | 'step' | 'warmup-cosine';

/** A learning-rate schedule over optimizer steps (batches), as plain data (YAML/JSON friendly). */
export interface LearningRateSchedule {
  type: LearningRateScheduleType;
  /** Rate at step 0 (after warmup, if any). */
  initial: number;
  /** Rate reached at `totalSteps` for 'linear' / 'cosine' / 'warmup-cosine'. Default 0. */
  final?: number;
  /** Linear warmup from initial/warmupSteps up to `initial` over the first steps. Required (>= 1) for 'warmup-cosine', optional (default 0) otherwise. */
  warmupSteps?: number;
  /** Length of the schedule in steps; after it the rate stays at its last value. */
  totalSteps: number;
  /** 'step' only: multiply by `gamma` every `stepSize` steps. */
  stepSize?: number;
  /** 'step' only: decay factor. Default 0.1. */
  gamma?: number;
}

const TYPES: readonly LearningRateScheduleType[] = ['constant', 'linear', 'cosine', 'step', 'warmup-cosine'];

function fail(name: string, expected: string, value: unknown): never {
  throw new RangeError(`lrSchedule: expected \`${name}\` to be ${expected}, got \`${String(value)}\` (${value === null ? 'null' : typeof value})`);
}

/** Throws a one-line message for the first invalid field of a schedule; returns it with defaults filled in. */
export function validateSchedule(schedule: LearningRateSchedule): Required<LearningRateSchedule> {
  if (schedule === null || typeof schedule !== 'object') fail('schedule', "an object like { type: 'cosine', initial: 1e-3, totalSteps: 1000 }", schedule);
  const { type } = schedule;
  if (!TYPES.includes(type)) fail('type', TYPES.map((t) => `'${t}'`).join(' | '), type);
  const nonNegative = (name: string, v: unknown): number => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : fail(name, 'a finite number >= 0', v));
  const integer = (name: string, v: unknown, min: number): number => (typeof v === 'number' && Number.isInteger(v) && v >= min ? v : fail(name, `an integer >= ${min}`, v));
  const initial = nonNegative('initial', schedule.initial);
  const final = nonNegative('final', schedule.final ?? 0);
  const totalSteps = integer('totalSteps', schedule.totalSteps, 1);
  const warmupSteps = integer('warmupSteps', schedule.warmupSteps ?? (type === 'warmup-cosine' ? undefined : 0), type === 'warmup-cosine' ? 1 : 0);
  if (warmupSteps >= totalSteps) fail('warmupSteps', `an integer < totalSteps (${totalSteps}) so the schedule has steps after warmup`, warmupSteps);
  const stepSize = type === 'step' ? integer('stepSize', schedule.stepSize, 1) : schedule.stepSize ?? 1;
  const gamma = schedule.gamma ?? 0.1;
  if (!(typeof gamma === 'number' && gamma > 0 && gamma <= 1)) fail('gamma', 'a number in (0, 1]', gamma);
  return { type, initial, final, warmupSteps, totalSteps, stepSize, gamma };
}

/**
 * Learning rate at a 0-based optimizer step. After an optional linear warmup
 * (lr = initial·(step+1)/warmupSteps, so the first batch already trains; HF's
 * `get_cosine_schedule_with_warmup` uses step/warmupSteps), with s = step − warmupSteps and
 * T = totalSteps − warmupSteps, p = min(s, T)/T:
 * constant: initial · linear: initial + (final − initial)·p ·
 * cosine / warmup-cosine: final + (initial − final)·(1 + cos πp)/2 (SGDR, Loshchilov & Hutter 2017) ·
 * step: initial·gamma^⌊s/stepSize⌋ (Keras/PyTorch StepLR).
 */
export function learningRateAt(schedule: LearningRateSchedule, step: number): number {
  const s = validateSchedule(schedule);
  if (!(Number.isInteger(step) && step >= 0)) fail('step', 'an integer >= 0', step);
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
  }
}
