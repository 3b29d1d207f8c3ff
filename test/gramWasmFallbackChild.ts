// Child of test/gramWasm.test.ts, run under `node --jitless` (no WebAssembly at all): prints whether
// the kernels loaded and analyzeActivations' numbers for the shared fixture sets, so the parent can
// compare the plain-JS fallbacks with its own wasm-kernel results.
import * as tf from '@tensorflow/tfjs';
import { gramWasmAvailable } from '../src/metrics/wasm/gramWasm.js';
import { fallbackFixtureSets, fallbackFixtureNumbers } from './gramWasmFixtures.js';

await tf.setBackend('cpu'); // the wasm backend needs WebAssembly too
await tf.ready();
process.stdout.write(JSON.stringify({ available: gramWasmAvailable(), numbers: fallbackFixtureSets().map(fallbackFixtureNumbers) }));
