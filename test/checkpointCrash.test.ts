import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CheckpointStore } from '../src/checkpoints/CheckpointStore.js';
import { loadCheckpoint } from '../src/checkpoints/loadCheckpoint.js';
import { seededRandom, tempDir } from './helpers.js';

// SIGKILL a checkpoint writer at random moments (mostly inside a save: a random delay after a
// random `begin` line) until 50 saves have been started across the killed children; after every
// kill the latest checkpoint must load hash-verified, hold the bytes of the save it names, and
// index.json must parse. Two run dirs are hammered in parallel to fit the time budget.
const CHILD = fileURLToPath(new URL('./checkpointCrashChild.ts', import.meta.url));
const TARGET_SAVES = 50;
const MIN_KILLS = 8;

await tf.setBackend('cpu');

interface Lane {
  runDir: string;
  kills: number;
  started: number;
  completed: number;
}

/** Runs one child until it is killed; resolves with how many saves it began and finished. */
function runChild(
  runDir: string,
  seed: number,
  random: () => number,
  saveMs: number[],
): Promise<{ started: number; completed: number; killedInSave: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, runDir, String(seed)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let started = 0;
    let completed = 0;
    let inSave = false;
    let killedInSave = false;
    let stderr = '';
    const killAtBegin = 3 + Math.floor(random() * 8);
    const kill = () => {
      killedInSave = inSave;
      child.kill('SIGKILL');
    };
    let buffered = '';
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        const [word, , ms] = line.split(' ');
        if (word === 'begin') {
          started += 1;
          inSave = true;
          if (started === killAtBegin) {
            const typical = saveMs.length ? [...saveMs].sort((a, b) => a - b)[saveMs.length >> 1]! : 20;
            setTimeout(kill, Math.floor(random() * typical * 1.3));
          }
        } else if (word === 'end') {
          completed += 1;
          inSave = false;
          saveMs.push(Number(ms));
        }
      }
    });
    child.stderr.on('data', (c: Buffer) => void (stderr += c.toString()));
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve({ started, completed, killedInSave });
      else reject(new Error(`crash child exited with ${code ?? signal} before being killed: ${stderr}`));
    });
  });
}

async function assertLatestIntact(runDir: string): Promise<void> {
  JSON.parse(readFileSync(join(runDir, 'checkpoints', 'index.json'), 'utf8'));
  const { model, manifest } = await loadCheckpoint(runDir, 'latest');
  const bias = model.layers[model.layers.length - 1]!.getWeights()[1]!;
  assert.equal((await bias.data())[0], manifest.step, `checkpoint ${manifest.id} holds the bytes of another save`);
  model.dispose();
}

test('SIGKILL at random moments during 50 checkpoint writes never leaves a broken latest checkpoint', async () => {
  const dirs = [tempDir('em-guard-crash-'), tempDir('em-guard-crash-')];
  const random = seededRandom(20261129);
  const saveMs: number[] = [];
  try {
    const lanes: Lane[] = dirs.map((d) => ({ runDir: d.dir, kills: 0, started: 0, completed: 0 }));
    // Seed each run dir with one checkpoint so `latest` always has something to resolve.
    for (const lane of lanes) {
      const model = tf.sequential({
        layers: [
          tf.layers.dense({ units: 256, inputShape: [256], activation: 'relu' }),
          tf.layers.dense({ units: 256, activation: 'relu' }),
          tf.layers.dense({ units: 8 }),
        ],
      });
      const last = model.layers[2]!;
      const [k, b] = last.getWeights();
      last.setWeights([k!, tf.zerosLike(b!)]);
      await new CheckpointStore({ runDir: lane.runDir }).save(model, { step: 0, epoch: 0, metrics: { loss: 1 }, safe: true, reason: 'seed' });
      model.dispose();
    }
    let killedInSave = 0;
    let seed = 1;
    const total = () => lanes.reduce((s, l) => s + l.started, 0);
    const kills = () => lanes.reduce((s, l) => s + l.kills, 0);
    await Promise.all(
      lanes.map(async (lane) => {
        while (total() < TARGET_SAVES || kills() < MIN_KILLS) {
          const r = await runChild(lane.runDir, seed++, random, saveMs);
          lane.kills += 1;
          lane.started += r.started;
          lane.completed += r.completed;
          if (r.killedInSave) killedInSave += 1;
          await assertLatestIntact(lane.runDir);
        }
      }),
    );
    assert.ok(total() >= TARGET_SAVES && kills() >= MIN_KILLS);
    // Most kills must have hit a save in progress, or the test proves little.
    assert.ok(killedInSave >= kills() / 2, `only ${killedInSave} of ${kills()} kills landed inside a save`);
    console.log(
      `crash test: ${kills()} kills, ${total()} saves started, ${lanes.reduce((s, l) => s + l.completed, 0)} completed, ${killedInSave} kills inside a save, median save ${[...saveMs].sort((a, b) => a - b)[saveMs.length >> 1]} ms`,
    );

    // The next writer cleans up whatever the kills left behind and carries on.
    for (const lane of lanes) {
      const store = new CheckpointStore({ runDir: lane.runDir, keep: 2, keepBest: { metric: 'loss', mode: 'min' } });
      const listed = new Set(store.list().map((c) => c.id));
      const onDisk = readdirSync(join(lane.runDir, 'checkpoints')).filter((f) => f !== 'index.json');
      assert.deepEqual(onDisk.sort(), [...listed].sort());
      for (const id of listed) (await loadCheckpoint(lane.runDir, id)).model.dispose();
    }
  } finally {
    for (const d of dirs) d.cleanup();
  }
});
