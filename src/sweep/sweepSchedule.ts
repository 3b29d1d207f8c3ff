import type { LearningRateSchedule, LearningRateScheduleType } from '../training/learningRateAt.js';

/**
 * The full schedule a sweep cell runs, from its `schedule` name, its `learningRate` and the run's
 * length. The sweep file names shapes only; their other parameters scale with the run:
 * step: ×0.3 every third of the run · warmup-cosine: warmup over the first tenth ·
 * cyclic-*: two cycles between learningRate/10 and learningRate (step_size_up = down = a quarter of
 * the run; exp-range with γ = 0.5^(1/totalSteps), so the amplitude halves over the run) ·
 * cosine-restarts: three equal cosine cycles from learningRate down to 0 (T_0 = a third, T_mult = 1).
 */
export function sweepSchedule(type: LearningRateScheduleType, learningRate: number, totalSteps: number): LearningRateSchedule {
  const base = { type, initial: learningRate, totalSteps };
  const part = (parts: number) => Math.max(1, Math.floor(totalSteps / parts));
  switch (type) {
    case 'step':
      return { ...base, stepSize: part(3), gamma: 0.3 };
    case 'warmup-cosine':
      return { ...base, warmupSteps: part(10) };
    case 'cyclic-triangular':
    case 'cyclic-triangular2':
      return { ...base, initial: learningRate / 10, maxRate: learningRate, stepSize: part(4) };
    case 'cyclic-exp-range':
      return { ...base, initial: learningRate / 10, maxRate: learningRate, stepSize: part(4), gamma: 0.5 ** (1 / totalSteps) };
    case 'cosine-restarts':
      return { ...base, cycleSteps: part(3) };
    default:
      return base;
  }
}
