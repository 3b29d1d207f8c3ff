import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFile, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readNpy, parseNpy } from '../src/npy/readNpy.js';
import { writeNpy } from '../src/npy/writeNpy.js';
import { NpyError } from '../src/npy/npyError.js';
import { seededRandom } from '../src/util/seededRandom.js';

// Fixtures written by NumPy itself: test/fixtures/npy_fixtures.py.
const dir = new URL('./fixtures/npy/', import.meta.url).pathname;
const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as { shape: [number, number]; values: number[][] };

test('reads float32/float64, C and Fortran order, format versions 1, 2 and 3 as row-major matrices', async () => {
  const flat = expected.values.flat();
  for (const [file, type] of [
    ['f4_c.npy', Float32Array],
    ['f8_c.npy', Float64Array],
    ['f4_fortran.npy', Float32Array],
    ['f8_fortran.npy', Float64Array],
    ['f8_v2.npy', Float64Array],
    ['f4_v3.npy', Float32Array],
  ] as const) {
    const m = await readNpy(join(dir, file));
    assert.deepEqual([m.rows, m.cols], expected.shape, file);
    assert.ok(m.data instanceof type, `${file}: ${m.data.constructor.name}`);
    // Values are exact in float32 except 1e-3, which float32 rounds.
    flat.forEach((v, i) => assert.ok(Math.abs(m.data[i]! - v) <= (type === Float32Array ? 1e-7 * Math.abs(v) : 0), `${file}[${i}]: ${m.data[i]} vs ${v}`));
  }
  const empty = await readNpy(join(dir, 'f4_empty_rows.npy'));
  assert.deepEqual([empty.rows, empty.cols, empty.data.length], [0, 4, 0]);
});

test('rejects non-npy, truncated, wrong-dtype and wrong-ndim files with a code and a one-line fix', async () => {
  const cases: [string, string, RegExp][] = [
    ['not_npy.npy', 'NPY_MAGIC', /not a NumPy \.npy file/],
    ['f4_truncated.npy', 'NPY_TRUNCATED', /shape \(3, 4\) <f4 needs 48 data bytes, file has 38/],
    ['int32.npy', 'NPY_DTYPE', /dtype `<i4` is not supported; em-guard reads <f4 \(float32\) and <f8 \(float64\)/],
    ['f8_bigendian.npy', 'NPY_DTYPE', /dtype `>f8` is not supported/],
    ['f4_3d.npy', 'NPY_NDIM', /expected a 2-D array \[probes, features\], got shape \(2, 3, 2\)/],
    ['f4_1d.npy', 'NPY_NDIM', /got shape \(5\)/],
  ];
  for (const [file, code, message] of cases) {
    await assert.rejects(readNpy(join(dir, file)), (e: unknown) => {
      assert.ok(e instanceof NpyError, file);
      assert.equal(e.code, code, file);
      assert.match(e.message, message);
      assert.ok(e.message.startsWith(join(dir, file)), 'names the file');
      assert.ok(!e.message.includes('\n'), 'one line');
      return true;
    });
  }
  assert.throws(() => parseNpy(new Uint8Array([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, 200, 0]), 'x'), { code: 'NPY_TRUNCATED' });
  assert.throws(() => parseNpy(new Uint8Array([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 9, 0, 0, 0]), 'x'), { code: 'NPY_HEADER' });
});

test('writeNpy round-trips through parseNpy and writes the same bytes as numpy.save', () => {
  const m = { rows: 2, cols: 3, data: Float64Array.from([1.5, -2, 3e-9, 4, 5, 6.25]) };
  for (const dtype of ['<f4', '<f8'] as const) {
    const back = parseNpy(writeNpy(m, dtype));
    assert.deepEqual([back.rows, back.cols], [2, 3]);
    Array.from(m.data).forEach((v, i) => assert.equal(back.data[i], dtype === '<f4' ? Math.fround(v) : v));
  }
  const values = { rows: 3, cols: 4, data: Float64Array.from(expected.values.flat()) };
  assert.deepEqual(writeNpy(values, '<f8'), new Uint8Array(readFileSync(join(dir, 'f8_c.npy'))));
  assert.deepEqual(writeNpy(values, '<f4'), new Uint8Array(readFileSync(join(dir, 'f4_c.npy'))));
});

test('readNpy reads a file of several read chunks, and a source of unknown size (a FIFO), to the same bytes', async () => {
  const tmp = mkdtempSync(join(tmpdir(), 'em-guard-npy-'));
  try {
    // 257 × 301 float64 + header: ≈ 619 kB, three 256 kB chunks and a partial one.
    const r = seededRandom(7);
    const m = { rows: 257, cols: 301, data: Float64Array.from({ length: 257 * 301 }, () => r() * 2 - 1) };
    const bytes = writeNpy(m, '<f8');
    const file = join(tmp, 'big.npy');
    writeFileSync(file, bytes);
    const back = await readNpy(file);
    assert.deepEqual([back.rows, back.cols], [257, 301]);
    assert.ok(back.data instanceof Float64Array);
    assert.deepEqual(new Uint8Array(back.data.buffer, back.data.byteOffset, back.data.byteLength), bytes.subarray(bytes.length - 257 * 301 * 8));
    // fstat gives no size for a FIFO: read to its end.
    const fifo = join(tmp, 'pipe.npy');
    execFileSync('mkfifo', [fifo]);
    const writer = new Promise<void>((resolve, reject) => writeFile(fifo, bytes, (e) => (e ? reject(e) : resolve())));
    const piped = await readNpy(fifo);
    await writer;
    assert.deepEqual(Array.from(piped.data), Array.from(back.data));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});
