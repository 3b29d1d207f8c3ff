import { setFlagsFromString } from 'node:v8';
import { processIo } from './cliIo.js';
import { main } from './main.js';

// `analyze` is one pass of cold code: every hot loop runs in V8's interpreter (boxing each float
// result) until its optimised version is ready, and with background compilation that wait stretches
// with the machine's load. Compiling on the main thread instead cut the garbage of a cold
// d=4096, n=256 analyze ≈ 3x (190 → 56 scavenges) and its CPU time ≈ 18 % (paired fresh processes,
// load 10–12). Not for the long-running commands (sweep, worker), where background compilation is right.
// The same holds for the WebAssembly kernels: V8 first compiles each with its baseline compiler
// (Liftoff) and only swaps in optimised code after enough calls, and a call already running stays in
// baseline code to its end (wasm has no on-stack replacement), so the first, largest Gram and product
// calls ran at baseline speed. Compiling the ≈ 9 kB module with the optimising compiler up front cut a
// d=4096, n=256 `analyze --variance-share 0.9` by ≈ 0.1–0.2 s CPU (the numbers are the same: wasm float
// arithmetic is exact IEEE in either tier, with no fused multiply-add).
// V8 also compiles wasm lazily by default, each function at its first call, on the calling thread;
// eager compilation lets `analyze` compile the module on background threads while it reads its files.
const MALLOC_THRESHOLD_BYTES = 12 << 20;
if (process.argv[2] === 'analyze') {
  setFlagsFromString('--no-concurrent-recompilation');
  setFlagsFromString('--no-concurrent-osr');
  setFlagsFromString('--no-liftoff');
  setFlagsFromString('--no-wasm-lazy-compilation');
  // glibc's malloc serves each block above its mmap threshold (128 kB at start) from a fresh mmap, and
  // frees it with munmap: every one of analyze's 256×256 float64 arrays (512 kB, about 20 per run) then
  // cost 128 new pages, ≈ 20 µs each here. Freeing one mmap'd block raises the threshold to that
  // block's size (glibc's dynamic threshold), after which smaller blocks come from its heap and freed
  // ones are reused. This block is never touched (calloc'd mmap pages cost nothing until written); the
  // first scavenge frees it. ≈ 1000 fewer page faults per run; elsewhere (other allocators) a no-op.
  new Float64Array(MALLOC_THRESHOLD_BYTES / 8);
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
