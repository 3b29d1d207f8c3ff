// A module of its own, so a test file that needs no tfjs can import it without test/helpers.ts,
// which loads tfjs, the wasm backend and every built-in plugin (about 1.3 s of CPU per test process).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh temporary directory; removed by the returned cleanup. */
export function tempDir(prefix = 'em-guard-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
