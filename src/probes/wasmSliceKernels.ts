import * as tf from '@tensorflow/tfjs';

/** The parts of tfjs-backend-wasm's `BackendWasm` these kernels use (the same its own `slice` uses). */
interface WasmBackendInternals {
  dataIdMap: { get(id: object): { memoryOffset?: unknown } | undefined };
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  wasm: { HEAPU8: Uint8Array };
}

const BYTES: Partial<Record<tf.DataType, number>> = { float32: 4, int32: 4, bool: 1 };

function internals(backend: unknown): WasmBackendInternals | null {
  const b = backend as Partial<WasmBackendInternals> | null;
  if (!b || typeof b.dataIdMap?.get !== 'function' || typeof b.makeOutput !== 'function' || !(b.wasm?.HEAPU8 instanceof Uint8Array)) return null;
  return b as WasmBackendInternals;
}

function heapOffset(b: WasmBackendInternals, t: tf.TensorInfo): number | null {
  const offset = b.dataIdMap.get(t.dataId)?.memoryOffset;
  return typeof offset === 'number' ? offset : null;
}

/**
 * `x[begin : begin + size]` copied inside the wasm heap (`copyWithin`: a memmove per contiguous
 * run, every byte as it is), or null when the tensor is not one this handles (another dtype, no
 * heap offset, rank 0 or above 4): the backend's own kernel then runs. tfjs-backend-wasm 4.x
 * slices in JS: it first copies the *whole* input out of the heap into a new ArrayBuffer
 * (`readSync`), then copies each row from there through a new `subarray`. A GRU step splits its
 * gate matrices that way (three `SplitV`s of three slices each, and an `Unpack` over time): on a
 * GRU(32) over 6 steps, 256 rows, a forward pass took 4.66 ms of CPU with the backend's slices
 * and 3.52 ms with these (paired, median of 12 blocks of 200).
 */
function copySlice(b: WasmBackendInternals, x: tf.TensorInfo, begin: readonly number[], size: readonly number[]): tf.TensorInfo | null {
  const bpe = BYTES[x.dtype];
  const rank = x.shape.length;
  // Ranks 1–4: where the backend copies bytes too (rank ≥ 5 goes through JS numbers there).
  if (bpe === undefined || rank === 0 || rank > 4) return null;
  const from = heapOffset(b, x);
  if (from === null) return null;
  const out = b.makeOutput([...size], x.dtype);
  if (size.some((s) => s === 0)) return out;
  const to = heapOffset(b, out);
  if (to === null) throw new Error('internal: a wasm output tensor without a heap offset');
  // After makeOutput: it may grow the heap, which replaces the buffer.
  const heap = b.wasm.HEAPU8;
  const strides = tf.util.computeStrides(x.shape);
  // The innermost run copied at once: from the last axis that is not taken whole, onwards.
  let k = rank - 1;
  while (k > 0 && size[k] === x.shape[k]) k--;
  const run = size[k]! * (k === rank - 1 ? 1 : strides[k]!) * bpe;
  const base = begin[k]! * (k === rank - 1 ? 1 : strides[k]!);
  // Odometer over the outer axes 0..k-1.
  const index = new Array<number>(k).fill(0);
  let dst = to;
  for (;;) {
    let src = base;
    for (let j = 0; j < k; j++) src += (begin[j]! + index[j]!) * strides[j]!;
    const start = from + src * bpe;
    heap.copyWithin(dst, start, start + run);
    dst += run;
    let j = k - 1;
    while (j >= 0 && ++index[j]! === size[j]) index[j--] = 0;
    if (j < 0) break;
  }
  return out;
}

/** Whether `copySlice` takes slices of `x` (else it returns null). */
function copies(b: WasmBackendInternals, x: tf.TensorInfo): boolean {
  return BYTES[x.dtype] !== undefined && x.shape.length >= 1 && x.shape.length <= 4 && heapOffset(b, x) !== null;
}

type KernelArgs = Parameters<tf.KernelFunc>[0];

/**
 * Replaces tfjs-backend-wasm's `Slice`, `SplitV` and `Unpack` kernels in this thread's tfjs with
 * ones that copy inside the wasm heap (`copySlice`): the same output bytes, without the whole-input
 * copy and per-row garbage. `SplitV` and `Unpack` are replaced too because the backend's versions
 * call its internal slice directly, not the registered kernel. Installed on the capture worker
 * only: its tfjs is its own, the training thread's (the user's) stays as it is. Returns a function
 * that puts the original kernels back; does nothing (returns a no-op) when the wasm backend is not
 * registered or its internals are not the ones these kernels read.
 */
export function installWasmSliceKernels(): () => void {
  const names = ['Slice', 'SplitV', 'Unpack'] as const;
  const [slice, splitV, unpack] = names.map((name) => tf.getKernel(name, 'wasm'));
  if (!slice || !splitV || !unpack || !internals(tf.findBackend('wasm'))) return () => undefined;

  const sliceKernel = (args: KernelArgs) => {
    const x = args.inputs.x as tf.TensorInfo;
    const { begin, size } = args.attrs as unknown as { begin: number | number[]; size?: number | number[] };
    const b = internals(args.backend);
    const [begin_, size_] = tf.slice_util.parseSliceParams(x as tf.Tensor, begin, size) as [number[], number[]];
    return (b && copySlice(b, x, begin_, size_)) ?? slice.kernelFunc(args);
  };
  const splitVKernel = (args: KernelArgs) => {
    const x = args.inputs.x as tf.TensorInfo;
    const b = internals(args.backend);
    if (!b || !copies(b, x)) return splitV.kernelFunc(args);
    const { numOrSizeSplits, axis } = args.attrs as unknown as { numOrSizeSplits: number | number[]; axis: number };
    const ax = tf.util.parseAxisParam(axis, x.shape)[0]!;
    const sizes = tf.backend_util.prepareSplitSize(x as tf.Tensor, numOrSizeSplits, ax);
    const begin = new Array<number>(x.shape.length).fill(0);
    return sizes.map((s) => {
      const size = x.shape.slice();
      size[ax] = s;
      const part = copySlice(b, x, begin, size)!;
      begin[ax] = begin[ax]! + s;
      return part;
    });
  };
  const unpackKernel = (args: KernelArgs) => {
    const value = args.inputs.value as tf.TensorInfo;
    const b = internals(args.backend);
    if (!b || !copies(b, value)) return unpack.kernelFunc(args);
    let { axis } = args.attrs as unknown as { axis: number };
    if (axis < 0) axis += value.shape.length;
    const outShape = value.shape.filter((_, i) => i !== axis);
    const begin = new Array<number>(value.shape.length).fill(0);
    const size = value.shape.slice();
    size[axis] = 1;
    return Array.from({ length: value.shape[axis]! }, (_, i) => {
      begin[axis] = i;
      const { dataId, dtype } = copySlice(b, value, begin, size)!;
      return { dataId, dtype, shape: outShape };
    });
  };

  const replace = (config: tf.KernelConfig, kernelFunc: tf.KernelFunc) => {
    tf.unregisterKernel(config.kernelName, 'wasm');
    tf.registerKernel({ ...config, kernelFunc });
  };
  replace(slice, sliceKernel as tf.KernelFunc);
  replace(splitV, splitVKernel as tf.KernelFunc);
  replace(unpack, unpackKernel as tf.KernelFunc);
  return () => {
    for (const config of [slice, splitV, unpack]) {
      tf.unregisterKernel(config.kernelName, 'wasm');
      tf.registerKernel(config);
    }
  };
}
