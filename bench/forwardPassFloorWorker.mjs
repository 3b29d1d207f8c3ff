// The `fwd` floor of bench/guardOverhead.ts: a thread that runs, on request, the forward passes a
// capture worker runs at each check (the eval and alignment probe sets through the same model,
// here as `model.predict`), with no guard anywhere. What that costs the training thread is what
// the host charges for a second core busy with the same kind of (SIMD matmul) work.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';

await tf.setBackend(workerData.backend);
await tf.ready();
const model = await tf.models.modelFromJSON({ modelTopology: workerData.topology });
const sets = workerData.sets.map((s) => tf.tensor(s.data, s.shape));
let ms = 0;
let requests = 0;
parentPort.on('message', (msg) => {
  if (msg === 'stats') {
    parentPort.postMessage({ msPerRequest: requests > 0 ? ms / requests : 0 });
    ms = 0;
    requests = 0;
    return;
  }
  const t0 = performance.now();
  for (const x of sets)
    tf.tidy(() => {
      const out = model.predict(x, { batchSize: workerData.batchSize });
      for (const t of Array.isArray(out) ? out : [out]) t.dataSync();
    });
  ms += performance.now() - t0;
  requests += 1;
});
parentPort.postMessage('ready');
