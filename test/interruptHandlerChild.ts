// Child process of interruptHandler.test.ts. argv: mode (`graceful` | `hang`).
// graceful: on the first signal, "writes a final checkpoint" (a short async step), prints it, and
// ends the work loop so the process exits 0 by itself. hang: onInterrupt never finishes, so only a
// second signal can end the process.
import { installInterruptHandler } from '../src/checkpoints/interruptHandler.js';

const mode = process.argv[2];
let stop = false;
const uninstall = installInterruptHandler({
  onInterrupt: async (signal) => {
    process.stdout.write(`interrupted ${signal}\n`);
    if (mode === 'hang') return new Promise<void>(() => undefined);
    await new Promise((r) => setTimeout(r, 50));
    process.stdout.write('final checkpoint written\n');
    stop = true;
  },
});
process.stdout.write('ready\n');
let batches = 0;
while (!stop) {
  await new Promise((r) => setTimeout(r, 5));
  batches += 1;
}
uninstall();
process.stdout.write(`stopped after ${batches > 0 ? 'some' : 'no'} batches\n`);
