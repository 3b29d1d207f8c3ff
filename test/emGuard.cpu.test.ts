// The guard's integration suite again on the plain-JS cpu backend (emGuard.test.ts runs on wasm).
process.env.EM_GUARD_TEST_BACKEND = 'cpu';
await import('./emGuard.test.js');
