// Child of test/gramWasm.test.ts, a fresh process: compiles the kernels with `compileGramWasm` (as
// `em-guard analyze` does while reading its files, eagerly as bin.ts sets V8 for analyze) before any
// kernel call, then prints a Gram by the kernels, for the parent to compare with its own.
import { setFlagsFromString } from 'node:v8';
import { compileGramWasm, copyRows, gramWasmAvailable, wasmGram } from '../src/metrics/wasm/gramWasm.js';

setFlagsFromString('--no-liftoff');
setFlagsFromString('--no-wasm-lazy-compilation');
const data = Float64Array.from({ length: 7 * 13 }, (_, i) => Math.sin(i) * (i % 5));
await compileGramWasm();
await compileGramWasm(); // a second call is a no-op
process.stdout.write(JSON.stringify({ available: gramWasmAvailable(), gram: Array.from(wasmGram(7, 13, 'float64', copyRows(data, 7, 13)) ?? []) }));
