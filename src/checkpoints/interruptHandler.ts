/** Signals the interrupt handler catches. */
export type InterruptSignal = 'SIGINT' | 'SIGTERM';

/** Options of `installInterruptHandler`. */
export interface InterruptHandlerOptions {
  /** Runs once, on the first SIGINT/SIGTERM: e.g. write a final checkpoint and set `model.stopTraining`. */
  onInterrupt: (signal: InterruptSignal) => Promise<void> | void;
  /** Receives an error thrown by `onInterrupt`. Default: `process.emitWarning`. */
  onError?: (error: unknown) => void;
}

const SIGNALS: readonly InterruptSignal[] = ['SIGINT', 'SIGTERM'];

/**
 * Turns the first SIGINT/SIGTERM into a graceful stop instead of an instant exit: `onInterrupt`
 * runs once and the process keeps running (training can finish its step and write a checkpoint).
 * A second signal while installed means "stop now": the handler uninstalls itself and re-raises the
 * signal, so the default behaviour (exit) applies. Returns the uninstaller.
 */
export function installInterruptHandler(options: InterruptHandlerOptions): () => void {
  if (!options || typeof options.onInterrupt !== 'function') {
    throw new TypeError(`Expected \`onInterrupt\` to be a function, got \`${typeof options?.onInterrupt}\``);
  }
  let fired = false;
  let installed = true;
  const onError = options.onError ?? ((e: unknown) => process.emitWarning(`em-guard interrupt handler failed: ${e instanceof Error ? e.message : String(e)}`));
  const handler = (signal: InterruptSignal): void => {
    if (fired) {
      uninstall();
      process.kill(process.pid, signal);
      return;
    }
    fired = true;
    Promise.resolve()
      .then(() => options.onInterrupt(signal))
      .catch(onError);
  };
  const uninstall = (): void => {
    if (!installed) return;
    installed = false;
    for (const s of SIGNALS) process.removeListener(s, handler);
  };
  for (const s of SIGNALS) process.on(s, handler);
  return uninstall;
}
