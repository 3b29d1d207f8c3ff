// Entry point of one sweep run's child process: `node sweepWorker.js <runDir>` (forked by runSweep).
// Reads <runDir>/config.json, trains, writes <runDir>/result.json; exit code 0 only on success.
// Imports only what the run needs, so a user-module run starts without loading tfjs and the organism.
import { runSweepConfig } from './runSweepConfig.js';

const runDir = process.argv[2];
if (!runDir) {
  process.stderr.write('sweepWorker: expected the run directory as the first argument\n');
  process.exit(2);
}
// The parent (the sweep or a queue worker) holds the IPC channel: when it dies, even by SIGKILL, the
// channel closes and this run stops too instead of training on as an orphan nobody will collect.
process.on('disconnect', () => {
  process.stderr.write(`sweep worker ${process.pid}: parent process gone, stopping\n`);
  process.exit(1);
});
try {
  const result = await runSweepConfig(runDir, (line) => void process.stdout.write(`sweep worker ${process.pid}: ${line}\n`));
  process.stdout.write(`sweep worker ${process.pid}: ${result.runId} done in ${result.durationMs} ms, final misaligned rate ${result.final.misalignedRate}\n`);
  process.exit(0);
} catch (e) {
  process.stderr.write(`sweep worker ${process.pid} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
}
