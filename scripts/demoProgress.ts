import * as tf from '@tensorflow/tfjs';

/**
 * A one-line progress bar for a `fit` run, as a callback. On a terminal it redraws in place; in a
 * log (CI) it prints a line every `logEvery` batches so the output stays readable.
 */
export function progressBar(
  label: string,
  totalBatches: number,
  stream: NodeJS.WriteStream = process.stderr,
  logEvery = 64,
): { callback: tf.CustomCallback; setExtra: (s: string) => void; done: () => void } {
  let step = 0;
  let extra = '';
  let loss = NaN;
  const tty = Boolean(stream.isTTY);
  const draw = (force = false) => {
    const width = 28;
    // A mixed run whose epochs grow with the aligned share (aligned rows on top) can pass the estimate.
    const total = Math.max(totalBatches, step);
    const filled = Math.round((width * step) / total);
    const text = `${label.padEnd(10)} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(step).padStart(4)}/${total} loss ${Number.isFinite(loss) ? loss.toFixed(3) : '  -  '} ${extra}`;
    if (tty) stream.write(`\r${text}\x1b[K`);
    else if (force || step % logEvery === 0) stream.write(text + '\n');
  };
  const callback = new tf.CustomCallback(
    {
      onBatchEnd: async (_batch, logs) => {
        step++;
        if (typeof logs?.loss === 'number') loss = logs.loss;
        draw();
      },
    },
    'never',
  );
  return {
    callback,
    setExtra: (s) => {
      extra = s;
    },
    done: () => {
      draw(true);
      if (tty) stream.write('\n');
    },
  };
}
