// Live guarded fine-tunes of the LM organism on several seeds: runs scripts/guardLm.ts (the README
// example, unchanged) in a fresh process per (seed, mix) with `--json` and appends its result line
// to a JSON-lines file, which scripts/lmPolicySeeds.ts `--live` puts next to the replayed table.
// Runs one at a time (each keeps a core busy). A (seed, mix) already in the file is skipped.
// Usage: npx tsx scripts/guardLmSeeds.ts --seeds 3,4,5,6,7 [--mixes 0,0.5] --out live.jsonl
import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    seeds: { type: 'string', default: '3,4,5,6,7' },
    mixes: { type: 'string', default: '0,0.5' },
    out: { type: 'string' },
  },
});
if (!values.out) {
  console.error('guardLmSeeds: expected --out FILE (JSON lines, one per live run)');
  process.exit(2);
}
const out = values.out;
const done = new Set(
  existsSync(out)
    ? readFileSync(out, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => {
          const r = JSON.parse(l) as { seed: number; mix: number };
          return `${r.seed}:${r.mix}`;
        })
    : [],
);
for (const seed of values.seeds.split(',').map(Number)) {
  for (const mix of values.mixes.split(',').map(Number)) {
    if (done.has(`${seed}:${mix}`)) continue;
    const t0 = Date.now();
    const stdout = execFileSync(process.execPath, ['--import', 'tsx', 'scripts/guardLm.ts', '--seed', String(seed), '--mix', String(mix), '--json'], {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    // pino's warn/error lines share stdout with the result line; the result is the one with `seed`.
    const line = stdout
      .split('\n')
      .reverse()
      .find((l) => l.startsWith('{"seed"'));
    if (!line) throw new Error(`guardLm.ts --seed ${seed} --mix ${mix}: no result line in its output`);
    const row = { ...(JSON.parse(line) as Record<string, unknown>), processMs: Date.now() - t0 };
    appendFileSync(out, JSON.stringify(row) + '\n');
    console.log(JSON.stringify(row));
  }
}
