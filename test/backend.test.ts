import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { selectBackend, backendFromEnv } from '../src/backend/selectBackend.js';

function notInstalled(specifier: string): Error {
  const e = new Error(`Cannot find package '${specifier}' imported from /x.js`) as Error & { code: string };
  e.code = 'ERR_MODULE_NOT_FOUND';
  return e;
}

test('falls back to wasm when neither tfjs-node package is installed, and says why', async () => {
  const lines: { obj: Record<string, unknown>; msg: string }[] = [];
  const logger = { info: (obj: Record<string, unknown>, msg: string) => void lines.push({ obj, msg }) } as never;
  const choice = await selectBackend({
    logger,
    importer: async (s) => {
      if (s.startsWith('@tensorflow/tfjs-node')) throw notInstalled(s);
      return import(s);
    },
  });
  assert.equal(choice.candidate, 'wasm');
  assert.equal(tf.getBackend(), 'wasm');
  assert.deepEqual(
    choice.attempts.map((a) => a.ok),
    [false, false, true],
  );
  assert.equal(choice.attempts[0]?.reason, '@tensorflow/tfjs-node-gpu not installed');
  assert.equal(lines.length, 1);
  assert.match(lines[0]!.msg, /using wasm \(tfjs-node-gpu: @tensorflow\/tfjs-node-gpu not installed; tfjs-node: @tensorflow\/tfjs-node not installed\)/);
});

test('a native package that is installed but broken is reported as a load failure, then skipped', async () => {
  const choice = await selectBackend({
    importer: async (s) => {
      if (s === '@tensorflow/tfjs-node-gpu') throw notInstalled(s);
      if (s === '@tensorflow/tfjs-node') throw new Error('libtensorflow.so.2: cannot open shared object file');
      return import(s);
    },
  });
  assert.equal(choice.candidate, 'wasm');
  assert.match(choice.attempts[1]?.reason ?? '', /failed to load: libtensorflow/);
});

test('falls back to cpu when wasm cannot start', async () => {
  const choice = await selectBackend({
    importer: async (s) => {
      throw notInstalled(s);
    },
  });
  assert.equal(choice.candidate, 'cpu');
  assert.equal(tf.getBackend(), 'cpu');
});

test('EM_GUARD_BACKEND picks one candidate and rejects unknown names', () => {
  assert.deepEqual(backendFromEnv({ EM_GUARD_BACKEND: 'cpu' }), ['cpu']);
  assert.equal(backendFromEnv({}), undefined);
  assert.throws(() => backendFromEnv({ EM_GUARD_BACKEND: 'gpu' }), /expected one of tfjs-node-gpu, tfjs-node, wasm, cpu, got `gpu`/);
});
