// Sweep queue bench (issue 18): a slice of the demo sweep through the local pool (2 processes),
// then through the Redis queue with 1 and with 2 `em-guard worker` processes (concurrency 1 each).
// Prints runs/minute and the queue's per-run overhead. Heavy (minutes): not part of `npm run bench`.
//   npx tsx bench/sweepQueue.ts [--runs 4] [--sweep configs/sweep-demo.yaml]
// --runs N takes the first N optimizers × the first schedule, learning rate and mix of the file
// (N <= 4 on the demo); --runs 0 runs the whole matrix.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parse, stringify } from 'yaml';
import { openSweepQueue } from '../src/sweep/enqueueSweep.js';
import { expandSweepMatrix } from '../src/sweep/expandSweepMatrix.js';
import { loadSweepConfig } from '../src/sweep/parseSweepConfig.js';
import { parseQueueUrl } from '../src/sweep/queueUrl.js';
import { runJobId } from '../src/sweep/sweepJob.js';
import { startRedis } from '../test/redisServer.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '4' }, sweep: { type: 'string', default: 'configs/sweep-demo.yaml' } } });
const ROOT = resolve(import.meta.dirname, '..');
const BIN = join(ROOT, 'src', 'cli', 'bin.ts');
const TSX = import.meta.resolve('tsx');
const dir = join(tmpdir(), `em-guard-bench-queue-${process.pid}`);
mkdirSync(dir, { recursive: true });

const doc = parse(readFileSync(resolve(values.sweep), 'utf8')) as { matrix: Record<string, unknown[]>; out: string; name: string };
const n = Number(values.runs);
if (n > 0) {
  doc.matrix = {
    optimizer: doc.matrix.optimizer!.slice(0, n),
    schedule: doc.matrix.schedule!.slice(0, 1),
    learningRate: doc.matrix.learningRate!.slice(0, 1),
    mix: doc.matrix.mix!.slice(0, 1),
    seed: doc.matrix.seed!.slice(0, 1),
  };
}
doc.out = 'out';
const file = join(dir, 'sweep.yaml');
writeFileSync(file, stringify(doc));
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(', ');

function cli(args: string[], cwd: string): ChildProcess {
  return spawn(process.execPath, ['--import', TSX, BIN, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
}
function finished(p: ChildProcess): Promise<number | null> {
  let err = '';
  p.stderr!.on('data', (d) => (err += d));
  return new Promise((r) => p.once('exit', (code) => (code !== 0 && console.error(err.slice(-2000)), r(code))));
}
async function timed(args: string[], cwd: string): Promise<number> {
  mkdirSync(cwd, { recursive: true });
  const t = Date.now();
  const code = await finished(cli(args, cwd));
  if (code !== 0) throw new Error(`em-guard ${args.join(' ')} exited ${code}`);
  return Date.now() - t;
}
async function startWorkers(url: string, count: number, tag: string): Promise<ChildProcess[]> {
  const ws: ChildProcess[] = [];
  for (let i = 0; i < count; i++) {
    const w = cli(['worker', '--queue', url, '--work-dir', join(dir, `work-${tag}-${i}`)], dir);
    let out = '';
    w.stdout!.on('data', (d) => (out += d));
    await new Promise<void>((r) => {
      const t = setInterval(() => out.includes('taking runs') && (clearInterval(t), r()), 100);
    });
    ws.push(w);
  }
  return ws;
}

const runs = expandSweepMatrix(loadSweepConfig(file, { baseDir: dir })).length;
console.log(`sweep queue bench: ${runs} runs of ${values.sweep}${n > 0 ? ` (slice: ${JSON.stringify(doc.matrix)})` : ''}; load ${load()}`);
const redis = await startRedis(dir);
try {
  const local = await timed(['sweep', file, '--workers', '2'], join(dir, 'local'));
  console.log(`local pool, 2 processes: ${(local / 1000).toFixed(1)} s, ${((runs / local) * 60000).toFixed(2)} runs/min; load ${load()}`);
  const results: Record<string, number> = {};
  for (const workers of [1, 2]) {
    const ws = await startWorkers(redis.url, workers, String(workers));
    const cwd = join(dir, `queue-${workers}`);
    results[workers] = await timed(['sweep', file, '--queue', redis.url], cwd);
    console.log(
      `queue, ${workers} worker(s): ${(results[workers]! / 1000).toFixed(1)} s, ${((runs / results[workers]!) * 60000).toFixed(2)} runs/min; load ${load()}`,
    );
    for (const w of ws) w.kill('SIGTERM');
    // Where the queue's time goes, per run: pickup (added -> a worker took it), the run's process,
    // and completion (process exit -> result stored in Redis).
    const { queue, close } = openSweepQueue(parseQueueUrl(redis.url));
    const inProcess: number[] = [];
    for (const run of expandSweepMatrix(loadSweepConfig(file, { baseDir: cwd }))) {
      const job = (await queue.getJob(runJobId(run)))!;
      inProcess.push(job.finishedOn! - job.processedOn! - job.returnvalue.durationMs);
    }
    await close();
    const mean = inProcess.reduce((a, b) => a + b, 0) / inProcess.length;
    console.log(
      `  per run inside the worker beyond the run's own process (gzip, result to Redis, progress): mean ${mean.toFixed(0)} ms, max ${Math.max(...inProcess)} ms`,
    );
  }
  console.log(
    `queue overhead vs local pool at 2 processes: ${((results[2]! - local) / runs / 1000).toFixed(2)} s per run (${((results[2]! / local - 1) * 100).toFixed(1)} % of the wall time)`,
  );
} finally {
  await redis.stop();
}
