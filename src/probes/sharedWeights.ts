import * as tf from '@tensorflow/tfjs';
import type { TransferredTensor } from './captureWorkerProtocol.js';

type SharedDtype = 'float32' | 'int32' | 'bool';

const bytesPerElement = (dtype: SharedDtype): number => (dtype === 'bool' ? 1 : 4);

/** Byte offsets stay multiples of 4, so a Float32Array or Int32Array view can start at any of them. */
const align4 = (bytes: number): number => Math.ceil(bytes / 4) * 4;

function viewOf(dtype: SharedDtype, buffer: ArrayBufferLike, byteOffset: number, length: number): Float32Array | Int32Array | Uint8Array {
  if (dtype === 'int32') return new Int32Array(buffer, byteOffset, length);
  if (dtype === 'bool') return new Uint8Array(buffer, byteOffset, length);
  return new Float32Array(buffer, byteOffset, length);
}

/**
 * A tensor's values where the wasm backend keeps them (a view into its heap, no copy), or null on
 * any other backend or when the internals are not as expected (`dataSync` then). Reads
 * tfjs-backend-wasm's `dataIdMap` and `wasm.HEAPU8`, the two its own `readSync` slices from; valid
 * until the next tfjs op (the heap may grow and move).
 */
export function wasmHeapView(t: tf.Tensor): Float32Array | Int32Array | Uint8Array | null {
  if (tf.getBackend() !== 'wasm' || (t.dtype !== 'float32' && t.dtype !== 'int32' && t.dtype !== 'bool')) return null;
  const backend = tf.backend() as unknown as {
    dataIdMap?: { get(id: object): { memoryOffset?: unknown } | undefined };
    wasm?: { HEAPU8?: Uint8Array };
  };
  const offset = backend.dataIdMap?.get(t.dataId)?.memoryOffset;
  const heap = backend.wasm?.HEAPU8;
  if (typeof offset !== 'number' || !(heap instanceof Uint8Array)) return null;
  const start = heap.byteOffset + offset;
  if (start % bytesPerElement(t.dtype) !== 0 || offset + t.size * bytesPerElement(t.dtype) > heap.byteLength) return null;
  return viewOf(t.dtype, heap.buffer, start, t.size);
}

/** Whether `copyToShared` can take these tensors (float32, int32 and bool ones). */
export function sharable(tensors: readonly tf.Tensor[]): boolean {
  return tensors.every((t) => t.dtype === 'float32' || t.dtype === 'int32' || t.dtype === 'bool');
}

/** Bytes of a `SharedArrayBuffer` that `copyToShared` needs for `tensors`. */
export function sharedBytes(tensors: readonly tf.Tensor[]): number {
  return tensors.reduce((n, t) => n + align4(t.size * bytesPerElement(t.dtype as SharedDtype)), 0);
}

/**
 * Copies the values of `tensors` (all `sharable`) end to end into `buffer` and returns them as
 * `TransferredTensor`s viewing it: one copy per tensor straight from the wasm heap (`wasmHeapView`;
 * elsewhere from `dataSync`), no allocation. What the capture worker is sent at each check instead
 * of a fresh array per weight: `dataSync` allocates a new buffer each time (hundreds of kB per
 * check for a small MLP: page faults here, and an unmap, felt by both threads, when it is freed).
 * The receiver must copy what it keeps before the buffer is reused.
 */
export function copyToShared(tensors: readonly tf.Tensor[], buffer: SharedArrayBuffer): TransferredTensor[] {
  if (buffer.byteLength < sharedBytes(tensors)) throw new Error(`internal: a shared buffer of ${buffer.byteLength} bytes for ${sharedBytes(tensors)}`);
  let offset = 0;
  return tensors.map((t) => {
    const dtype = t.dtype as SharedDtype;
    const data = viewOf(dtype, buffer, offset, t.size);
    data.set(wasmHeapView(t) ?? (t.dataSync() as Float32Array | Int32Array | Uint8Array));
    offset += align4(t.size * bytesPerElement(dtype));
    return { data, shape: t.shape.slice(), dtype };
  });
}

/**
 * How many free buffers the process keeps for the next capture (`SharedBufferPool`): enough for a
 * check's weights, a checkpoint check's weights plus optimizer state, and a baseline capture still
 * queued when the first check is sent.
 */
export const KEPT_FREE_BUFFERS = 3;

/**
 * Free buffers of every pool of this thread, smallest first. Process-wide, so a fit reuses the
 * buffers of the previous one: a new `SharedArrayBuffer` of 1.2 MB plus its first copy measured
 * 5–6.6 ms of CPU here (zeroed pages faulted in, external memory that V8 accounts and later
 * unmaps), a reused one 49 µs; a guarded fit used to allocate two or three of them.
 */
const freeBuffers: SharedArrayBuffer[] = [];

/**
 * Shared buffers for `copyToShared`, reused: one is taken per capture request and given back once
 * the worker has answered it (it has read the values by then). Usually one or two are in use: a
 * baseline capture may still be queued on the worker when the first check is sent. Given-back
 * buffers go to a free list shared by every pool of the thread (at most `KEPT_FREE_BUFFERS`, the
 * largest kept), so the next fit's captures reuse them; `take` hands out the smallest that fits.
 */
export class SharedBufferPool {
  /** A buffer of at least `bytes` bytes, not in use. */
  take(bytes: number): SharedArrayBuffer {
    const i = freeBuffers.findIndex((b) => b.byteLength >= bytes);
    if (i >= 0) return freeBuffers.splice(i, 1)[0]!;
    return new SharedArrayBuffer(Math.max(4, bytes));
  }

  /** Returns a buffer no one reads any more. */
  give(buffer: SharedArrayBuffer): void {
    if (freeBuffers.includes(buffer)) return;
    freeBuffers.push(buffer);
    freeBuffers.sort((a, b) => a.byteLength - b.byteLength);
    // Beyond the bound the smallest go: a larger buffer serves any request a smaller one would.
    if (freeBuffers.length > KEPT_FREE_BUFFERS) freeBuffers.splice(0, freeBuffers.length - KEPT_FREE_BUFFERS);
  }
}
