import * as tf from '@tensorflow/tfjs';

/** What a judge callback exposes: the callback, its readings, the steps trained, and a last reading on demand. */
export interface JudgeSchedule<R> {
  callback: tf.CustomCallback;
  readings: R[];
  steps: () => number;
  /** After fit: a last reading when the run did not end on the cadence, so the final state is judged. */
  finish: () => void;
}

/**
 * The judges' shared cadence: a reading before the first batch (not at onTrainBegin, because an
 * acting guard's run log exists only after its own onTrainBegin; skipped with `baseline: false`) and
 * every `every` batches. `measure` takes a reading at the current step; `record` then writes it out
 * (run log, display).
 */
export function judgeSchedule<R>(
  every: number,
  measure: (at: { step: number; epoch: number }) => R,
  record: (reading: R) => void,
  options: { baseline?: boolean } = {},
): JudgeSchedule<R> {
  if (!Number.isInteger(every) || every < 1) throw new Error(`Expected \`every\` to be an integer >= 1, got \`${String(every)}\` (${typeof every})`);
  const readings: R[] = [];
  let step = 0;
  let epoch = 0;
  let pendingBaseline = false;
  // The step of the last reading, so `finish` does not judge the same weights twice.
  let readAt = -1;
  const read = () => {
    const r = measure({ step, epoch });
    readAt = step;
    readings.push(r);
    record(r);
  };
  const callback = new tf.CustomCallback(
    {
      onTrainBegin: async () => {
        readings.length = 0;
        step = 0;
        epoch = 0;
        readAt = -1;
        pendingBaseline = options.baseline ?? true;
      },
      onEpochBegin: async (e) => {
        epoch = e;
      },
      onBatchBegin: async () => {
        if (pendingBaseline) {
          pendingBaseline = false;
          read();
        }
      },
      onBatchEnd: async () => {
        step++;
        if (step % every === 0) read();
      },
    },
    'never',
  );
  const finish = () => {
    if (readAt !== step) read();
  };
  return { callback, readings, steps: () => step, finish };
}
