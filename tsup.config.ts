import { defineConfig } from 'tsup';

// Two builds: the library for both module systems (so `require('em-guard')` works on Node 20),
// and the CLI as ESM only. Dependencies and peers stay external: the user's @tensorflow/tfjs
// must be the one we use, or `instanceof tf.Tensor` checks fail.
export default defineConfig([
  {
    entry: { index: 'src/index.ts', research: 'src/research.ts' },
    format: ['esm', 'cjs'],
    dts: true,
    shims: true,
    sourcemap: true,
    clean: true,
    target: 'node20',
    platform: 'node',
  },
  {
    // The sweep worker is its own entry: `em-guard sweep` forks it as dist/sweep/sweepWorker.js;
    // so is the guard's capture worker thread (dist/probes/captureWorker.js, see WorkerCapture).
    entry: { 'cli/bin': 'src/cli/bin.ts', 'sweep/sweepWorker': 'src/sweep/sweepWorker.ts', 'probes/captureWorker': 'src/probes/captureWorker.ts' },
    format: ['esm'],
    shims: true,
    sourcemap: true,
    target: 'node20',
    platform: 'node',
    banner: { js: '#!/usr/bin/env node' },
  },
]);
