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

/**
 * The shapes and dtypes of a list of tensors laid end to end in a shared buffer, with the views
 * `copyToShared` made on each buffer it copied them into, kept between calls: a check copies the
 * same weight shapes into one of the pool's few buffers every time, so the views (and their
 * `TransferredTensor` wrappers and shape arrays) are made once per buffer instead of once per
 * tensor and check. That code runs once per check, cold, right after training ops, where every
 * allocation shows.
 */
export class SharedLayout {
  /** Bytes a buffer needs for the list (`sharedBytes`). */
  readonly bytes: number;
  private readonly shapes: (readonly number[])[];
  private readonly dtypes: SharedDtype[];
  private readonly byBuffer = new WeakMap<SharedArrayBuffer, TransferredTensor[]>();

  constructor(tensors: readonly tf.Tensor[]) {
    this.shapes = tensors.map((t) => t.shape.slice());
    this.dtypes = tensors.map((t) => t.dtype as SharedDtype);
    this.bytes = sharedBytes(tensors);
  }

  /** Whether `tensors` have this layout's shapes and dtypes, in order. */
  fits(tensors: readonly tf.Tensor[]): boolean {
    if (tensors.length !== this.shapes.length) return false;
    for (let i = 0; i < tensors.length; i++) {
      const t = tensors[i]!;
      const shape = this.shapes[i]!;
      if (t.dtype !== this.dtypes[i] || t.shape.length !== shape.length) return false;
      for (let d = 0; d < shape.length; d++) if (t.shape[d] !== shape[d]) return false;
    }
    return true;
  }

  /** The layout's views on `buffer` (at least `bytes` long), made on first use; the caller must not keep them. */
  on(buffer: SharedArrayBuffer): TransferredTensor[] {
    let views = this.byBuffer.get(buffer);
    if (!views) {
      views = layOut(this.shapes, this.dtypes, buffer);
      this.byBuffer.set(buffer, views);
    }
    return views;
  }
}

/**
 * The few layouts one capture session copies (a check's weights; the same with the optimizer
 * state appended, at checkpoint checks), so alternating between them reuses both. At most
 * `KEPT_LAYOUTS`, the least recently used dropped.
 */
export class SharedLayouts {
  private readonly list: SharedLayout[] = [];

  of(tensors: readonly tf.Tensor[]): SharedLayout {
    const i = this.list.findIndex((l) => l.fits(tensors));
    const layout = i >= 0 ? this.list.splice(i, 1)[0]! : new SharedLayout(tensors);
    this.list.unshift(layout);
    if (this.list.length > KEPT_LAYOUTS) this.list.pop();
    return layout;
  }
}

const KEPT_LAYOUTS = 3;

/** Views of values of these shapes and dtypes laid end to end in `buffer` (not filled). */
function layOut(shapes: readonly (readonly number[])[], dtypes: readonly SharedDtype[], buffer: SharedArrayBuffer): TransferredTensor[] {
  let offset = 0;
  return shapes.map((shape, i) => {
    const dtype = dtypes[i]!;
    const size = shape.reduce((n, d) => n * d, 1);
    const data = viewOf(dtype, buffer, offset, size);
    offset += align4(size * bytesPerElement(dtype));
    return { data, shape: shape.slice(), dtype };
  });
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
 * The receiver must copy what it keeps before the buffer is reused. Given `layout` (made from
 * tensors of these shapes), its kept views of `buffer` are filled and returned (`SharedLayout.on`).
 */
export function copyToShared(tensors: readonly tf.Tensor[], buffer: SharedArrayBuffer, layout?: SharedLayout): TransferredTensor[] {
  const bytes = layout ? layout.bytes : sharedBytes(tensors);
  if (buffer.byteLength < bytes) throw new Error(`internal: a shared buffer of ${buffer.byteLength} bytes for ${bytes}`);
  const out = (layout ?? new SharedLayout(tensors)).on(buffer);
  for (let i = 0; i < tensors.length; i++) {
    const t = tensors[i]!;
    out[i]!.data.set(wasmHeapView(t) ?? (t.dataSync() as Float32Array | Int32Array | Uint8Array));
  }
  return out;
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
