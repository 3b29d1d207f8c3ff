import type { Matrix } from '../metrics/matrix.js';

/**
 * Encodes a Matrix as a version-1.0 `.npy` (C order, `<f4` or `<f8`), readable by `numpy.load`.
 * For tests and for handing em-guard's captured activations to Python tooling.
 */
export function writeNpy(m: Matrix, dtype: '<f4' | '<f8' = m.data instanceof Float32Array ? '<f4' : '<f8'): Uint8Array {
  let header = `{'descr': '${dtype}', 'fortran_order': False, 'shape': (${m.rows}, ${m.cols}), }`;
  // Pad with spaces so that magic + version + length + header + '\n' is a multiple of 64.
  const total = Math.ceil((10 + header.length + 1) / 64) * 64;
  header = header.padEnd(total - 10 - 1, ' ') + '\n';
  const data = dtype === '<f4' ? Float32Array.from(m.data) : Float64Array.from(m.data);
  const out = new Uint8Array(total + data.byteLength);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(out.buffer).setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), total);
  return out;
}
