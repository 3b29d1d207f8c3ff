import { close, fstat, open, read } from 'node:fs';
import type { Matrix } from '../metrics/matrix.js';
import { NpyError } from './npyError.js';

/** The dtypes `readNpy` accepts: little-endian float32 and float64 (what activations are saved as). */
export const NPY_DTYPES = ['<f4', '<f8'] as const;

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/**
 * Reads a NumPy `.npy` file holding a 2-D `[n, d]` float32/float64 array (C or Fortran order,
 * format versions 1–3) as a row-major Matrix, so activations dumped from PyTorch/JAX
 * (`np.save(path, acts.float().numpy())`) can be analysed without a conversion step.
 * Throws NpyError naming the file and the fix.
 */
export async function readNpy(path: string): Promise<Matrix> {
  // The file's buffer is ours alone: the matrix may view it instead of copying (2 fewer copies of
  // every file, which a one-shot `em-guard analyze` paid in page faults and GC).
  return parseNpyBytes(await readWhole(path), path, true);
}

/** Bytes per read into the bounce buffer of `readWhole`. */
const READ_CHUNK_BYTES = 1 << 18;

/**
 * The whole file in a fresh buffer of its own, read in chunks into one small buffer and copied from
 * there. A page the kernel writes first (a `read` straight into fresh memory) costs twice here: its
 * fault inside the read and again at its first touch from JS (measured ≈ 8–10 ms more CPU per 4 MB
 * file on this VM, whose page tables are shadowed per mode); pages that JS's copy touches first
 * fault once. The callback API: node:fs/promises (and the readline and stream modules it pulls in)
 * cost a one-shot `em-guard analyze` ≈ 4 ms CPU to load; reads of several files still run side by
 * side on the thread pool.
 */
async function readWhole(path: string): Promise<Uint8Array> {
  const fd = await new Promise<number>((resolve, reject) => open(path, 'r', (e, f) => (e ? reject(e) : resolve(f))));
  try {
    const size = await new Promise<number>((resolve, reject) => fstat(fd, (e, st) => (e ? reject(e) : resolve(st.isFile() ? st.size : 0))));
    // A size fstat does not know (not a regular file, or empty) is read to the end, growing the buffer.
    let out = new Uint8Array(size);
    const bounce = new Uint8Array(size > 0 ? Math.min(READ_CHUNK_BYTES, size) : READ_CHUNK_BYTES);
    let length = 0;
    for (;;) {
      if (length === out.length) {
        if (size > 0) break;
        const grown = new Uint8Array(Math.max(READ_CHUNK_BYTES, out.length * 2));
        grown.set(out);
        out = grown;
      }
      const want = Math.min(bounce.length, out.length - length);
      const got = await new Promise<number>((resolve, reject) => read(fd, bounce, 0, want, -1, (e, n) => (e ? reject(e) : resolve(n))));
      if (got === 0) break;
      out.set(got === bounce.length ? bounce : bounce.subarray(0, got), length);
      length += got;
    }
    return length === out.length ? out : out.slice(0, length);
  } finally {
    close(fd, () => {});
  }
}

/** `readNpy` on bytes already in memory; `name` only labels error messages. */
export function parseNpy(bytes: Uint8Array, name = 'input'): Matrix {
  return parseNpyBytes(bytes, name, false);
}

/** `parseNpy`; `owned`: the caller hands `bytes` over, so C-order data may be returned as a view of it. */
function parseNpyBytes(bytes: Uint8Array, name: string, owned: boolean): Matrix {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw new NpyError('NPY_MAGIC', `${name}: not a NumPy .npy file (missing the \\x93NUMPY magic); save activations with numpy.save(path, array)`);
  }
  const major = bytes[6]!;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerStart: number;
  let headerLen: number;
  if (major === 1) {
    headerStart = 10;
    headerLen = view.getUint16(8, true);
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw new NpyError('NPY_TRUNCATED', `${name}: truncated .npy file (${bytes.length} bytes, header length missing)`);
    headerStart = 12;
    headerLen = view.getUint32(8, true);
  } else {
    throw new NpyError('NPY_HEADER', `${name}: unsupported .npy format version ${major}.${bytes[7]}; em-guard reads versions 1.0, 2.0 and 3.0`);
  }
  if (headerStart + headerLen > bytes.length) {
    throw new NpyError('NPY_TRUNCATED', `${name}: truncated .npy file (header needs ${headerStart + headerLen} bytes, file has ${bytes.length})`);
  }
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(headerStart, headerStart + headerLen));
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    throw new NpyError('NPY_HEADER', `${name}: malformed .npy header \`${header.trim()}\` (needs 'descr', 'fortran_order' and 'shape')`);
  }
  if (!(NPY_DTYPES as readonly string[]).includes(descr)) {
    throw new NpyError(
      'NPY_DTYPE',
      `${name}: dtype \`${descr}\` is not supported; em-guard reads ${NPY_DTYPES.join(' (float32) and ')} (float64), little-endian. Convert with array.astype('<f4')`,
    );
  }
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map(Number);
  if (shape.some((s) => !Number.isInteger(s) || s < 0)) {
    throw new NpyError('NPY_HEADER', `${name}: malformed shape (${shapeText}) in .npy header`);
  }
  if (shape.length !== 2) {
    throw new NpyError(
      'NPY_NDIM',
      `${name}: expected a 2-D array [probes, features], got shape (${shape.join(', ')}); reshape to (n, d) before saving, e.g. acts.reshape(n, -1)`,
    );
  }
  const [rows, cols] = shape as [number, number];
  const itemSize = descr === '<f4' ? 4 : 8;
  const dataStart = headerStart + headerLen;
  const needed = rows * cols * itemSize;
  if (bytes.length - dataStart < needed) {
    throw new NpyError(
      'NPY_TRUNCATED',
      `${name}: truncated .npy file: shape (${rows}, ${cols}) ${descr} needs ${needed} data bytes, file has ${bytes.length - dataStart}`,
    );
  }
  // A view when the bytes are handed over, fill their own ArrayBuffer (never a slice of Node's
  // shared Buffer pool) and the data is aligned (NumPy pads the header to a multiple of 64); else a
  // copy into a fresh, aligned buffer (the data offset need not be a multiple of 8).
  const alone = owned && bytes.byteOffset === 0 && bytes.buffer.byteLength === bytes.length;
  const inPlace = alone && dataStart % itemSize === 0;
  const raw = inPlace ? bytes.buffer : bytes.slice(dataStart, dataStart + needed).buffer;
  const start = inPlace ? dataStart : 0;
  const src = itemSize === 4 ? new Float32Array(raw, start, rows * cols) : new Float64Array(raw, start, rows * cols);
  if (fortran === 'False' || rows <= 1 || cols <= 1) return { rows, cols, data: src };
  const data = itemSize === 4 ? new Float32Array(rows * cols) : new Float64Array(rows * cols);
  for (let j = 0; j < cols; j++) for (let i = 0; i < rows; i++) data[i * cols + j] = src[j * rows + i]!;
  return { rows, cols, data };
}
