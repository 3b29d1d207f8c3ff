// Child of test/gramWasm.test.ts, run under `node --jitless` (no WebAssembly at all): prints whether
// the kernels loaded and analyzeActivations' numbers for the shared fixture sets, so the parent can
// compare the plain-JS fallbacks with its own wasm-kernel results. analyzeActivations does not use tfjs,
// so neither tfjs nor a backend is loaded (under --jitless that took 3.5 s of CPU).
import { compileGramWasm, gramWasmAvailable } from '../src/metrics/wasm/gramWasm.js';
import { fallbackFixtureSets, fallbackFixtureNumbers } from './gramWasmFixtures.js';

await compileGramWasm(); // resolves without WebAssembly too (analyze awaits it)

process.stdout.write(JSON.stringify({ available: gramWasmAvailable(), numbers: fallbackFixtureSets().map(fallbackFixtureNumbers) }));
