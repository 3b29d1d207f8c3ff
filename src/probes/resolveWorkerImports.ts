import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * The `workerImports` of `emGuard(args)` as file URLs the capture worker can `import()`: each path
 * resolved against the current directory (as `node ./x.js` would) and checked to be an existing
 * file, so a typo fails at `onTrainBegin` instead of silently sending every check inline. A
 * `file:` URL is taken as is (after the same check).
 */
export function resolveWorkerImports(paths: readonly string[] | undefined, cwd: string = process.cwd()): string[] {
  if (paths === undefined) return [];
  return paths.map((p, i) => {
    const file = p.startsWith('file:') ? new URL(p).pathname : resolve(cwd, p);
    if (!existsSync(file) || !statSync(file).isFile()) {
      throw new Error(
        `emGuard: \`workerImports[${i}]\` = \`${p}\` resolves to ${file} (relative to ${cwd}), which is not a file; give the path of the module that registers your custom layers (tf.serialization.registerClass)`,
      );
    }
    return pathToFileURL(file).href;
  });
}
