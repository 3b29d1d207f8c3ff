// Development only (em-guard running from src/ through tsx): a worker thread does not inherit
// `--import tsx`, so this plain-JS entry registers tsx in the worker, then loads the .ts entry.
// The published package starts dist/probes/captureWorker.js directly.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
