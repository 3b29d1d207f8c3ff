import { setFlagsFromString } from 'node:v8';
import { processIo } from './cliIo.js';
import { main } from './main.js';

// `analyze` is one pass of cold code: every hot loop runs in V8's interpreter (boxing each float
// result) until its optimised version is ready, and with background compilation that wait stretches
// with the machine's load. Compiling on the main thread instead cut the garbage of a cold
// d=4096, n=256 analyze ≈ 3x (190 → 56 scavenges) and its CPU time ≈ 18 % (paired fresh processes,
// load 10–12). Not for the long-running commands (sweep, worker), where background compilation is right.
if (process.argv[2] === 'analyze') {
  setFlagsFromString('--no-concurrent-recompilation');
  setFlagsFromString('--no-concurrent-osr');
}

main(process.argv.slice(2), processIo).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`em-guard: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
  },
);
