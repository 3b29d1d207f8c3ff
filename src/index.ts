// Public API of em-guard: named exports only. Grouped by concept; each file exports one thing.

// Backend
export { selectBackend, backendFromEnv, BACKEND_PREFERENCE } from './backend/selectBackend.js';
export type { BackendChoice, BackendAttempt, BackendCandidate, SelectBackendOptions } from './backend/selectBackend.js';

// File IO
export { fileSystemHandler, readModelArtifacts, MODEL_JSON, WEIGHTS_BIN } from './io/fileSystemHandler.js';
export { writeFileAtomic } from './io/writeFileAtomic.js';
