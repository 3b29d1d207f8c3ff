// Checkpoint write time: CheckpointStore.save versus the floor it cannot beat, model.save to an
// in-memory handler (tf.io.withSaveHandler) plus a raw writeFileSync of the same bytes (no fsync,
// no hashing, no index). A third column adds one fsync per file to the floor, to separate the
// cost of durability from the store's own work. Run alone: `npx tsx bench/checkpoint.ts`.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { closeSync, fsyncSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { median } from 'simple-statistics';
import { CheckpointStore } from '../src/checkpoints/CheckpointStore.js';
import { MODEL_JSON, WEIGHTS_BIN, modelJsonFor, weightBytes } from '../src/io/fileSystemHandler.js';

const RUNS = 15;

function mlp(widths: number[]): tf.LayersModel {
  const layers = widths
    .slice(1)
    .map((units, i) => tf.layers.dense({ units, ...(i === 0 ? { inputShape: [widths[0]!] } : {}), activation: i < widths.length - 2 ? 'relu' : 'linear' }));
  const model = tf.sequential({ layers });
  model.compile({ optimizer: 'adam', loss: 'meanSquaredError' });
  return model;
}

async function rawSave(model: tf.LayersModel, dir: string, fsync: boolean): Promise<void> {
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      mkdirSync(dir, { recursive: true });
      const files: [string, Uint8Array | string][] = [
        [WEIGHTS_BIN, weightBytes(artifacts.weightData as ArrayBuffer | ArrayBuffer[] | undefined)],
        [MODEL_JSON, JSON.stringify(modelJsonFor(artifacts))],
      ];
      for (const [name, data] of files) {
        if (!fsync) {
          writeFileSync(join(dir, name), data);
          continue;
        }
        const fd = openSync(join(dir, name), 'w');
        const bytes = typeof data === 'string' ? Buffer.from(data) : data;
        writeSync(fd, bytes);
        fsyncSync(fd);
        closeSync(fd);
      }
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
}

async function time(f: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await f();
  return performance.now() - t0;
}

/** Prints median save times (ms) per model size and the ratio store / floor. */
export async function run(): Promise<void> {
  await tf.setBackend('wasm');
  await tf.ready();
  const root = mkdtempSync(join(tmpdir(), 'em-guard-bench-ckpt-'));
  try {
    console.log(`\n## checkpoint write (backend ${tf.getBackend()}, ${RUNS} runs each, median ms, dir ${tmpdir()})`);
    console.log('| model | params | MB | model.save+writeFileSync | +fsync per file | CheckpointStore.save | ratio of medians | median of paired ratios |');
    console.log('|---|---|---|---|---|---|---|---|');
    for (const [label, widths] of [
      ['1M MLP', [512, 1024, 512, 10]],
      ['10M MLP', [2048, 2048, 2048, 512, 10]],
    ] as const) {
      const model = mlp([...widths]);
      const params = model.countParams();
      const store = new CheckpointStore({ runDir: join(root, label.replace(/\W/g, '')), keep: 3 });
      const floor: number[] = [];
      const synced: number[] = [];
      const ours: number[] = [];
      await rawSave(model, join(root, 'warm'), false); // warm-up
      // Interleaved, order alternating, so a load change on a shared machine hits both sides; the
      // paired ratio compares each store save with the floor save measured right next to it.
      for (let i = 0; i < RUNS; i++) {
        const floorRun = () => time(() => rawSave(model, join(root, `raw-${i % 3}`), false));
        const storeRun = () => time(() => store.save(model, { step: i, epoch: 0, metrics: { loss: 1 / (i + 1) }, safe: true, reason: 'bench' }));
        if (i % 2 === 0) {
          floor.push(await floorRun());
          ours.push(await storeRun());
        } else {
          ours.push(await storeRun());
          floor.push(await floorRun());
        }
        synced.push(await time(() => rawSave(model, join(root, `sync-${i % 3}`), true)));
      }
      const f = median(floor);
      const o = median(ours);
      const paired = median(ours.map((x, i) => x / floor[i]!));
      console.log(
        `| ${label} | ${params} | ${((params * 4) / 1e6).toFixed(1)} | ${f.toFixed(1)} | ${median(synced).toFixed(1)} | ${o.toFixed(1)} | ${(o / f).toFixed(2)}x | ${paired.toFixed(2)}x |`,
      );
      model.dispose();
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await run();
