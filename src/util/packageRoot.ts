import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

/**
 * The em-guard package directory (holds `configs/` and the shipped organism checkpoint).
 * Walks up from this module because the same code runs from `src/` (tsx), `dist/` (ESM) and
 * `dist/*.cjs` (tsup shims `import.meta.url` there).
 */
export function packageRoot(): string {
  if (cached !== undefined) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        const parsed = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown };
        if (parsed.name === 'em-guard') {
          cached = dir;
          return dir;
        }
      } catch {
        // A malformed package.json further down is not ours; keep walking.
      }
    }
    const parent = dirname(dir);
    if (parent === dir)
      throw new Error('em-guard: cannot locate the package root (no package.json named "em-guard" above ' + fileURLToPath(import.meta.url) + ')');
    dir = parent;
  }
}
