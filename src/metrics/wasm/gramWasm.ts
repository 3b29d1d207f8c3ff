import { GRAM_STEP_BYTES, GRAM_TILE_ROWS, GRAM_WASM_BASE64, PRODUCT_TILE_ROWS } from './gramWasmBytes.js';

/** Element type the kernel multiplies in: float64 (f64x2 lanes) or float32 (f32x4, summed in float64 per block). */
export type GramPrecision = 'float64' | 'float32';

/**
 * Writes the input matrix into the kernel's memory: element (r, c) goes to `dst[r·stride + c]`, for
 * r < rows, c < cols. Lets callers centre, transpose or convert while copying, with no temporary.
 */
export type GramFill = (dst: Float64Array | Float32Array, stride: number) => void;

interface Kernels {
  memory: { readonly buffer: ArrayBuffer; grow(pages: number): number };
  gram64(a: number, rows: number, stride: number, width: number, g: number): void;
  gram32(a: number, rows: number, stride: number, width: number, g: number): void;
  product64(a: number, ai: number, as: number, rows: number, t: number, b: number, kb: number, out: number): void;
  symvUpper(v: number, n8: number, d: number, e: number, i: number): void;
  syr2Upper(v: number, n8: number, d: number, e: number, i: number): void;
  applyReflectors(v: number, n8: number, h: number, u: number, count: number): void;
  householderReduce(v: number, n8: number, d: number, e: number): void;
  tql2Values(d: number, e: number, n: number): number;
  centreRows(a: number, n: number, d8: number, mean: number, rowDot: number): number;
  deltaRows(a: number, b: number, n: number, d8: number, sums: number, rowOut: number): void;
  rowSums(a: number, n: number, d8: number, mu: number, out: number): void;
  minusFirstRow32(a: number, n: number, cols4: number, stride4: number): void;
  cross64(a: number, b: number, rows: number, rowsB: number, stride: number, width: number, g: number): void;
  choleskyInverse(g: number, l: number, r: number, k: number, pivot: number, j0: number, j1: number, c0: number, c1: number): number;
  householderR(src: number, rs8: number, cs8: number, len: number, k: number, a: number, v: number): void;
  copy64(src: number, rs8: number, cs8: number, rows: number, cols: number, dst: number, drs8: number): void;
  mirrorLower(g: number, gs8: number, rows: number, out: number): void;
  doubleCentre(k: number, n: number, rowMean: number): void;
  frobDot(a: number, b: number, len: number): number;
  residualWithin(image: number, cols: number, values: number, n: number, want: number, limit: number): number;
  projectionSums(projected: number, muV: number, ev: number, n: number, k: number, out: number): void;
  allFinite(a: number, len: number): number;
  addOuter(gc: number, a: number, n: number, c: number, out: number): void;
  inverseIteration(
    diag: number,
    off: number,
    n8: number,
    lambda: number,
    tiny: number,
    work: number,
    x: number,
    cluster: number,
    count: number,
    seed: number,
  ): void;
}

/**
 * Column block per kernel call, bytes: 256 (32 float64 / 64 float32 columns) measured fastest at
 * 256×4096 (20 ms vs 21 at 512 and 31 at 1024, float64), keeps float32 partial sums to 16 terms per
 * lane before they join the float64 total, and makes V8 tier the kernel up to TurboFan within the
 * first call (one long call would run entirely in its Liftoff baseline code, ≈ 3x slower).
 */
const BLOCK_BYTES = 256;

/** The slice of the WebAssembly JS API used here (the project's `lib` has no DOM types, where it is declared). */
export interface WebAssemblyApi {
  validate(bytes: Uint8Array): boolean;
  compile(bytes: Uint8Array): Promise<object>;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
}

/** `globalThis.WebAssembly`, undefined where the engine has none. */
export const webAssembly = (globalThis as { WebAssembly?: WebAssemblyApi }).WebAssembly;

let compiled: object | null | undefined;
let instanceRef: WeakRef<Kernels> | undefined;
/**
 * Bytes at the start of kernel memory held by live resident matrices (`wasmCentredRows`): every
 * wrapper lays its data out from here up, so a resident matrix survives the calls made while it is held.
 */
let floor = 0;

/**
 * The kernels, or null where WebAssembly SIMD is unavailable (validation fails, or no WebAssembly).
 * The compiled module is kept; its instance (and the memory it grew: 42 MB at 4096×1024) is held
 * weakly, so an idle process can free it; re-instantiating costs microseconds.
 */
function kernels(): Kernels | null {
  const held = instanceRef?.deref();
  if (held) return held;
  if (compiled === undefined) {
    try {
      const bytes = moduleBytes();
      compiled = webAssembly?.validate(bytes) ? new webAssembly.Module(bytes) : null;
    } catch {
      compiled = null;
    }
  }
  if (compiled === null) return null;
  const fresh = new webAssembly!.Instance(compiled, {}).exports as Kernels;
  instanceRef = new WeakRef(fresh);
  return fresh;
}

function moduleBytes(): Uint8Array {
  // Node's native base64 decoder where there is one: the JS loop below ran interpreted and was then
  // OSR-compiled on the main thread (≈ 5 ms of a one-shot `em-guard analyze`).
  const nodeBuffer = (globalThis as { Buffer?: { from(text: string, encoding: 'base64'): Uint8Array } }).Buffer;
  if (nodeBuffer) return nodeBuffer.from(GRAM_WASM_BASE64, 'base64');
  // A plain loop: `Uint8Array.from(string, fn)` went through the string iterator and an intermediate
  // array (≈ 200 new pages of garbage in a fresh process for 8.7 kB of bytes).
  const text = atob(GRAM_WASM_BASE64);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

let compiling: Promise<void> | undefined;

/**
 * Compiles the kernels off the main thread (`WebAssembly.compile`, V8's background compile tasks),
 * so that a caller with other waiting to do (`em-guard analyze` reading its files) overlaps the two;
 * the first kernel call then finds the module compiled. Never rejects: a failure leaves the synchronous
 * route (and its fallback to JS) to the first call.
 */
export function compileGramWasm(): Promise<void> {
  if (compiled !== undefined || !webAssembly) return Promise.resolve();
  compiling ??= (async () => {
    try {
      const bytes = moduleBytes();
      if (!webAssembly.validate(bytes)) return;
      const module = await webAssembly.compile(bytes);
      compiled ??= module;
    } catch {
      // The synchronous compile in `kernels` decides (and falls back to JS).
    }
  })();
  return compiling;
}

/** True when the WebAssembly SIMD kernels load here (Node ≥ 16.4, current browsers). */
export function gramWasmAvailable(): boolean {
  return kernels() !== null;
}

/**
 * The Gram kernels' padded layout of a rows×cols matrix: elements per row rounded up to whole
 * `GRAM_STEP_BYTES` steps, rows rounded up to whole `GRAM_TILE_ROWS` tiles (every resident matrix
 * uses `wasmGram`'s layout, so its products run the same kernels on the same bytes).
 */
function gramLayout(rows: number, cols: number, bytesPer: 4 | 8): { stride: number; padded: number } {
  const lanes = GRAM_STEP_BYTES / bytesPer;
  return { stride: Math.ceil(cols / lanes) * lanes, padded: Math.ceil(rows / GRAM_TILE_ROWS) * GRAM_TILE_ROWS };
}

/**
 * The Gram matrix M·Mᵀ (rows×rows, float64, row-major, symmetric) of the rows×cols matrix that `fill`
 * writes, by the WebAssembly SIMD kernel (scripts/buildGramWasm.ts): lower triangle in 3×3 tiles of
 * 128-bit accumulators, mirrored. Rows are zero-padded to a multiple of 3 and to whole 32-byte
 * steps, so the kernel has no edge cases. `null` when the kernels are unavailable: fall back to
 * the JS `gram`. Float64 results equal a float64 dot product up to summation order (error ≤
 * cols·ε·‖mᵢ‖‖mⱼ‖); float32 ones round the inputs to float32 and sum 16 products per lane in float32
 * (relative error ≈ 1e-7 of ‖mᵢ‖‖mⱼ‖).
 */
export function wasmGram(rows: number, cols: number, precision: GramPrecision, fill: GramFill): Float64Array | null {
  const k = kernels();
  if (k === null) return null;
  if (rows === 0) return new Float64Array(0);
  const bytesPer = precision === 'float64' ? 8 : 4;
  const { stride, padded } = gramLayout(rows, cols, bytesPer);
  const aBytes = padded * stride * bytesPer;
  if (!ensureMemory(k, floor + aBytes + padded * padded * 8)) return null; // the JS kernel has no 4 GB limit
  const buffer = k.memory.buffer;
  const a = precision === 'float64' ? new Float64Array(buffer, floor, padded * stride) : new Float32Array(buffer, floor, padded * stride);
  fill(a, stride);
  if (stride > cols) for (let r = 0; r < rows; r++) a.fill(0, r * stride + cols, (r + 1) * stride);
  a.fill(0, rows * stride); // padding rows: their Gram entries are never read, zeros keep garbage (NaN, subnormals) out
  return gramAt(k, precision, floor, rows, padded, stride * bytesPer, floor + aBytes);
}

/**
 * The Gram of the `padded` rows (`strideBytes` apart, zero-padded) already in kernel memory at byte
 * `aByte`, summed in the scratch at `gByte` (padded² f64): the first `rows` rows' rows×rows Gram, mirrored.
 */
function gramAt(k: Kernels, precision: GramPrecision, aByte: number, rows: number, padded: number, strideBytes: number, gByte: number): Float64Array {
  const g = new Float64Array(k.memory.buffer, gByte, padded * padded);
  g.fill(0);
  const run = precision === 'float64' ? k.gram64.bind(k) : k.gram32.bind(k);
  for (let c0 = 0; c0 < strideBytes; c0 += BLOCK_BYTES) run(aByte + c0, padded, strideBytes, Math.min(BLOCK_BYTES, strideBytes - c0), gByte);
  // The mirrored copy is made by the `mirrorLower` kernel above the scratch (as a JS loop it ran
  // interpreted, then OSR-compiled on the main thread, in a one-shot `analyze`).
  const outByte = gByte + padded * padded * 8;
  if (rows > 0 && ensureMemory(k, outByte + rows * rows * 8)) {
    k.mirrorLower(gByte, padded * 8, rows, outByte);
    return new Float64Array(k.memory.buffer, outByte, rows * rows).slice();
  }
  const out = new Float64Array(rows * rows);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j <= i; j++) {
      const v = g[i * padded + j]!;
      out[i * rows + j] = v;
      out[j * rows + i] = v;
    }
  }
  return out;
}

/**
 * MᵀM (cols×cols, float64) of the rows×cols row-major `data`: what `wasmGram(cols, rows, 'float64', fill)`
 * returns for a fill writing the transpose (the tests' `copyTransposed`) (the same layout and kernel calls, so the same bits),
 * with the transpose made by the `copy64` kernel from a copy of `data` staged where the Gram then sums:
 * as cold JS the transposing loop ran interpreted (a one-shot `analyze` orthonormalises its seeded
 * 4096×k basis this way). Null when the kernels are unavailable.
 */
export function wasmColumnGram(data: Float32Array | Float64Array, rows: number, cols: number): Float64Array | null {
  const k = kernels();
  if (k === null) return null;
  if (cols === 0) return new Float64Array(0);
  const { stride, padded } = gramLayout(cols, rows, 8);
  const aBytes = padded * stride * 8;
  const stage = floor + aBytes;
  if (!ensureMemory(k, stage + Math.max(padded * padded * 8, rows * cols * 8))) return null;
  const a = new Float64Array(k.memory.buffer, floor, padded * stride);
  if (rows > 0) {
    new Float64Array(k.memory.buffer, stage, rows * cols).set(data.subarray(0, rows * cols));
    k.copy64(stage, 8, cols * 8, cols, rows, floor, stride * 8);
  }
  if (stride > rows) for (let r = 0; r < cols; r++) a.fill(0, r * stride + rows, (r + 1) * stride);
  a.fill(0, cols * stride);
  return gramAt(k, 'float64', floor, cols, padded, stride * 8, stage);
}

/**
 * The d-row bases side by side (d × Σ cols, row-major: row c is row c of each basis in turn), copied
 * by the `copy64` kernel: the stacked matrix of one product Δ·[Q₁ … Q_b], without the cold JS loop
 * that interleaved it. Null when the kernels are unavailable.
 */
export function wasmInterleaveColumns(bases: readonly { cols: number; data: Float32Array | Float64Array }[], d: number): Float64Array | null {
  const width = bases.reduce((w, b) => w + b.cols, 0);
  if (width === 0 || d === 0) return new Float64Array(d * width);
  const k = kernels();
  const o = floor;
  const out = o + d * width * 8;
  if (k === null || !ensureMemory(k, out + d * width * 8)) return null;
  const mem = new Float64Array(k.memory.buffer);
  let at = o;
  let offset = 0;
  for (const b of bases) {
    if (b.cols === 0) continue;
    mem.set(b.data.subarray(0, d * b.cols), at / 8);
    k.copy64(at, b.cols * 8, 8, d, b.cols, out + offset * 8, width * 8);
    at += d * b.cols * 8;
    offset += b.cols;
  }
  return mem.slice(out / 8, out / 8 + d * width);
}

/**
 * Linear CKA's three terms from two n×n Grams: Kx and Ky double-centred (K ← HKH; Kx as given when
 * `kxCentred`), then ⟨Kx, Ky⟩, ‖Kx‖², ‖Ky‖², by the `doubleCentre` and `frobDot` kernels: linearCka.ts's
 * JS loops in the same order (same bits), which a one-shot `analyze` ran cold (interpreted, then
 * OSR-compiled with deopts). The inputs are not modified. Null when the kernels are unavailable.
 */
export function wasmCkaTerms(kx: Float64Array, ky: Float64Array, n: number, kxCentred: boolean): [number, number, number] | null {
  const k = n < 1 ? null : kernels();
  const size = n * n;
  const o = floor;
  const yOff = o + size * 8;
  const rowMean = yOff + size * 8;
  if (k === null || !ensureMemory(k, rowMean + n * 8)) return null;
  const mem = new Float64Array(k.memory.buffer);
  mem.set(kx.subarray(0, size), o / 8);
  mem.set(ky.subarray(0, size), yOff / 8);
  if (!kxCentred) k.doubleCentre(o, n, rowMean);
  k.doubleCentre(yOff, n, rowMean);
  return [k.frobDot(o, yOff, size), k.frobDot(o, o, size), k.frobDot(yOff, yOff, size)];
}

/**
 * The transpose (cols×rows, row-major float64) of the rows×cols row-major `data`, by the `copy64`
 * kernel (an exact copy, without a cold JS loop). Null when the kernels are unavailable.
 */
export function wasmTransposed(data: Float32Array | Float64Array, rows: number, cols: number): Float64Array | null {
  const size = rows * cols;
  if (size === 0) return new Float64Array(0);
  const k = kernels();
  const o = floor;
  const out = o + size * 8;
  if (k === null || !ensureMemory(k, out + size * 8)) return null;
  const mem = new Float64Array(k.memory.buffer);
  mem.set(data.subarray(0, size), o / 8);
  k.copy64(o, 8, cols * 8, cols, rows, out, rows * 8);
  return mem.slice(out / 8, out / 8 + size);
}

/**
 * Whether |image[r][j] − values[j]·cols[r][j]| ≤ limit for every entry of the n×want row-major
 * `image` and `cols` (NaN fails), by the `residualWithin` kernel: symmetricEigenTop's check, the same
 * comparisons. Null when the kernels are unavailable.
 */
export function wasmResidualWithin(image: Float64Array, cols: Float64Array, values: Float64Array, n: number, want: number, limit: number): boolean | null {
  if (n === 0 || want === 0) return true;
  const k = kernels();
  const size = n * want;
  const o = floor;
  const colsOff = o + size * 8;
  const valuesOff = colsOff + size * 8;
  if (k === null || !ensureMemory(k, valuesOff + want * 8)) return null;
  const mem = new Float64Array(k.memory.buffer);
  mem.set(image.subarray(0, size), o / 8);
  mem.set(cols.subarray(0, size), colsOff / 8);
  mem.set(values.subarray(0, want), valuesOff / 8);
  return k.residualWithin(o, colsOff, valuesOff, n, want, limit) === 1;
}

/**
 * Per row r of the n×k `projected`, with c_j = projected[r][j] − muV[j]: Σc², Σc·muV[j] and
 * Σ(c·c)/ev[j] (3 values per row), by the `projectionSums` kernel: pcaRowMetricsOfProjection's inner
 * loop in the same order (same bits). Null when the kernels are unavailable.
 */
export function wasmProjectionSums(projected: Float64Array, muV: Float64Array, ev: readonly number[], n: number, k: number): Float64Array | null {
  if (n === 0) return new Float64Array(0);
  if (k === 0) return new Float64Array(3 * n);
  if (ev.length < k || projected.length < n * k || muV.length < k) return null; // the JS loop's reads past the end give NaN
  const kern = kernels();
  const o = floor;
  const muOff = o + n * k * 8;
  const evOff = muOff + k * 8;
  const out = evOff + k * 8;
  if (kern === null || !ensureMemory(kern, out + 3 * n * 8)) return null;
  const mem = new Float64Array(kern.memory.buffer);
  mem.set(projected.subarray(0, n * k), o / 8);
  mem.set(muV.subarray(0, k), muOff / 8);
  mem.set(ev.length === k ? ev : ev.slice(0, k), evOff / 8);
  kern.projectionSums(o, muOff, evOff, n, k, out);
  return mem.slice(out / 8, out / 8 + 3 * n);
}

/** Whether every value of `data` is finite (no NaN, no ±Infinity), by the `allFinite` kernel. Null when the kernels are unavailable. */
export function wasmAllFinite(data: Float32Array | Float64Array): boolean | null {
  if (data.length === 0) return true;
  const k = kernels();
  const o = floor;
  if (k === null || !ensureMemory(k, o + data.length * 8)) return null;
  new Float64Array(k.memory.buffer, o, data.length).set(data);
  return k.allFinite(o, data.length) === 1;
}

/**
 * out[i][j] = ((gc[i][j] + a[i]) + a[j]) + c (n×n, row-major float64) by the `addOuter` kernel:
 * `uncentredGram`'s loop in the same order (same bits). Null when the kernels are unavailable.
 */
export function wasmAddOuter(gc: Float64Array, a: Float64Array, n: number, c: number): Float64Array | null {
  if (n === 0) return new Float64Array(0);
  const k = kernels();
  const size = n * n;
  const o = floor;
  const aOff = o + size * 8;
  const out = aOff + n * 8;
  if (k === null || !ensureMemory(k, out + size * 8)) return null;
  const mem = new Float64Array(k.memory.buffer);
  mem.set(gc.subarray(0, size), o / 8);
  mem.set(a.subarray(0, n), aOff / 8);
  k.addOuter(o, aOff, n, c, out);
  return mem.slice(out / 8, out / 8 + size);
}

/** Grows the kernels' memory to at least `bytes`; false when the engine refuses (beyond 4 GB). */
function ensureMemory(k: Kernels, bytes: number): boolean {
  const have = k.memory.buffer.byteLength;
  if (bytes <= have) return true;
  try {
    k.memory.grow(Math.ceil((bytes - have) / 65536));
    return true;
  } catch {
    return false;
  }
}

/** Rows per `product64` call: several calls per product let V8 tier the kernel up within the first product. */
const PRODUCT_ROW_BLOCK = 256;
/** Bytes of B per `product64` call (B's rows stay in L1 while a row block streams past). */
const PRODUCT_B_BYTES = 32768;

/**
 * `tiledProduct` (out = A·B, A m×t through element strides ai, as; B t×k row-major) by the
 * WebAssembly SIMD kernel: each A element splatted against 8 columns of B, 2×8 outputs per register
 * tile, float64 throughout (each output is a plain float64 dot product). A is copied in whole (as
 * `a.length` values), B with its rows padded to 8 columns. `null` when the kernels are unavailable.
 */
export function wasmProduct(
  a: ArrayLike<number>,
  m: number,
  t: number,
  ai: number,
  as: number,
  b: ArrayLike<number>,
  k: number,
  out = new Float64Array(m * k),
): Float64Array | null {
  const kern = kernels();
  if (kern === null) return null;
  if (m === 0 || k === 0) return out;
  if (t === 0) return out.fill(0, 0, m * k);
  const mp = Math.ceil(m / PRODUCT_TILE_ROWS) * PRODUCT_TILE_ROWS;
  // The padded last row tile reads A one row past m: keep that inside zeroed memory.
  const aLen = Math.ceil(Math.max(a.length, (mp - 1) * ai + (t - 1) * as + 1) / 2) * 2;
  if (!ensureMemory(kern, floor + aLen * 8)) return null;
  const mem = new Float64Array(kern.memory.buffer, floor, aLen);
  mem.set(a);
  mem.fill(0, a.length, aLen);
  return productAt(kern, floor, ai, as, m, t, b, k, out, floor + aLen * 8);
}

/**
 * out = A·B for A already in kernel memory at byte `aByte` (element strides ai, as; a padded last
 * row tile's reads inside zeroed memory), B and the result laid out from byte `free` up. Null when
 * memory cannot grow.
 */
function productAt(
  kern: Kernels,
  aByte: number,
  ai: number,
  as: number,
  m: number,
  t: number,
  b: ArrayLike<number>,
  k: number,
  out: Float64Array,
  free: number,
): Float64Array | null {
  const mp = Math.ceil(m / PRODUCT_TILE_ROWS) * PRODUCT_TILE_ROWS;
  const kp = Math.ceil(k / 8) * 8;
  const bOff = free / 8;
  const oOff = bOff + t * kp;
  // Rows of k < kp values are padded and unpadded by the `copy64` kernel through a staging area above
  // the result (row-by-row copies from JS made a cold process OSR-compile and deopt this function).
  const padded = kp !== k;
  const sOff = oOff + mp * kp;
  if (!ensureMemory(kern, (sOff + (padded ? Math.max(t, m) * k : 0)) * 8)) return null;
  const mem = new Float64Array(kern.memory.buffer);
  const bRows = isTyped(b) ? b.subarray(0, t * k) : Array.from({ length: t * k }, (_, i) => b[i]!);
  if (!padded) mem.set(bRows, bOff);
  else {
    mem.fill(0, bOff, bOff + t * kp);
    mem.set(bRows, sOff);
    if (t > 0) kern.copy64(sOff * 8, k * 8, 8, t, k, bOff * 8, kp * 8);
  }
  mem.fill(0, oOff, oOff + mp * kp);
  const sBlock = Math.max(16, Math.floor(PRODUCT_B_BYTES / (kp * 8)));
  for (let i0 = 0; i0 < mp; i0 += PRODUCT_ROW_BLOCK) {
    const rows = Math.min(PRODUCT_ROW_BLOCK, mp - i0);
    for (let s0 = 0; s0 < t; s0 += sBlock) {
      kern.product64(aByte + (i0 * ai + s0 * as) * 8, ai * 8, as * 8, rows, Math.min(sBlock, t - s0), (bOff + s0 * kp) * 8, kp * 8, (oOff + i0 * kp) * 8);
    }
  }
  if (!padded) out.set(mem.subarray(oOff, oOff + m * k));
  else if (m > 0) {
    kern.copy64(oOff * 8, kp * 8, 8, m, k, sOff * 8, k * 8);
    out.set(mem.subarray(sOff, sOff + m * k));
  }
  return out;
}

function isTyped(x: ArrayLike<number>): x is Float64Array | Float32Array {
  return x instanceof Float64Array || x instanceof Float32Array;
}

/**
 * tred2's Householder reduction (the JS `householderReduce` in symmetricEigen.ts, same arguments and
 * results) in the scalar f64 kernel `householderReduce`: a cold process otherwise spent more time
 * compiling the reduction's JS loops with TurboFan (≈ 60 % of `em-guard analyze`'s optimising-compile
 * time) than running them. False when the kernels are unavailable (the caller runs the JS version).
 */
export function wasmHouseholderReduce(n: number, e: Float64Array, d: Float64Array, V: Float64Array): boolean {
  const k = kernels();
  const o = floor;
  if (k === null || !ensureMemory(k, o + (n * n + 2 * n) * 8)) return false;
  if (n === 0) return true;
  const mem = new Float64Array(k.memory.buffer, o, n * n + 2 * n);
  mem.set(V);
  k.householderReduce(o, n * 8, o + n * n * 8, o + (n * n + n) * 8);
  V.set(mem.subarray(0, n * n));
  d.set(mem.subarray(n * n, n * n + n));
  e.set(mem.subarray(n * n + n));
  return true;
}

/**
 * Column means μ of the n×d row-major `data`, the centred rows X_c = data − 1μᵀ (float64), ‖X_c‖²_F
 * and X_c·μ per row, by the `centreRows` kernel (the JS loop of `centeredPcaWithGram`, same order):
 * as JS that first 1M-element loop ran interpreted until optimised, then deopted on the next input
 * type (float64 deltas, float32 activations). Null when the kernels are unavailable.
 */
export function wasmCentreRows(
  data: Float32Array | Float64Array,
  n: number,
  d: number,
): { centred: Float64Array; mean: Float64Array; rowDotMean: Float64Array; total: number } | null {
  const k = n < 1 || d < 1 ? null : kernels();
  const size = n * d;
  const o = floor;
  if (k === null || !ensureMemory(k, o + (size + d + n) * 8)) return null;
  const mem = new Float64Array(k.memory.buffer, o, size + d + n);
  mem.set(data.subarray(0, size));
  mem.fill(0, size, size + d);
  const total = k.centreRows(o, n, d * 8, o + size * 8, o + (size + d) * 8);
  return { centred: mem.slice(0, size), mean: mem.slice(size, size + d), rowDotMean: mem.slice(size + d, size + d + n), total };
}

/** A centred matrix kept in kernel memory between calls (`wasmCentredRows`). */
export interface ResidentCentredRows {
  /** Column means μ. */
  mean: Float64Array;
  /** X_c·μ per row. */
  rowDotMean: Float64Array;
  /** ‖X_c‖²_F. */
  total: number;
  /** For a `DeltaPair` source: ‖Δ‖²_F and ‖before‖²_F, summed as `deltaWithNorms` sums them; else null. */
  deltaNorms: { deltaNorm2: number; beforeNorm2: number } | null;
  /** X_cX_cᵀ (n×n, float64, row-major): what `gram(X_c, 'rows')` returns, without copying X_c in again. */
  gram(): Float64Array;
  /** X_cᵀ·w (d×k) for the n×k row-major w: what `tiledProduct(X_c, d, n, 1, d, w, k, out)` returns. */
  transposeTimes(w: Float64Array, k: number, out: Float64Array): Float64Array;
  /** Frees the kernel memory it holds; the other methods must not be called after. */
  release(): void;
}

/**
 * `wasmCentreRows`, leaving X_c in kernel memory (rows padded as `wasmGram` pads them) for its Gram
 * and the map-back product Xᵀ·W of a PCA: the same numbers as centring, copying X_c out and in again
 * twice, without those copies or the 8 MB array they fill (at 256×4096; in a fresh process every new
 * page costs a fault, ≈ 30 ms per 8 MB here). Held until `release` (last in, first out); kernels
 * called meanwhile lay their data out above it. Null when the kernels are unavailable.
 */
export function wasmCentredRows(source: Float32Array | Float64Array | DeltaPair, n: number, d: number): ResidentCentredRows | null {
  const k = n < 1 || d < 1 ? null : kernels();
  if (k === null) return null;
  const { stride, padded } = gramLayout(n, d, 8);
  const start = floor;
  const aBytes = padded * stride * 8;
  const end = start + Math.ceil((aBytes + (stride + n) * 8) / 64) * 64;
  const pair = 'after' in source ? source : null;
  if (!ensureMemory(k, end + (pair ? fillDeltaBytes(n, d, stride) : 0))) return null;
  const a = new Float64Array(k.memory.buffer, start, padded * stride + stride + n);
  let norms: { deltaNorm2: number; beforeNorm2: number } | null = null;
  if (pair) norms = fillDelta(k, pair, n, d, start, stride, end);
  else if (stride === d) a.set((source as Float32Array | Float64Array).subarray(0, n * d));
  else for (let r = 0; r < n; r++) a.set((source as Float32Array | Float64Array).subarray(r * d, r * d + d), r * stride);
  if (stride > d) for (let r = 0; r < n; r++) a.fill(0, r * stride + d, (r + 1) * stride);
  a.fill(0, n * stride); // padding rows and the means' accumulator
  // Zero padding columns have mean 0 and stay 0: the sums over the real columns are unchanged.
  const total = k.centreRows(start, n, stride * 8, start + aBytes, start + aBytes + stride * 8);
  const sums = new Float64Array(k.memory.buffer, start + aBytes, stride + n);
  const mean = sums.slice(0, d);
  const rowDotMean = sums.slice(stride, stride + n);
  const { live, release } = holdFloor('wasmCentredRows', start, end);
  const resident: ResidentCentredRows = {
    mean,
    rowDotMean,
    total,
    deltaNorms: norms,
    gram() {
      live();
      return residentGram(k, 'wasmCentredRows', { start, rows: n, padded, stride }, end);
    },
    transposeTimes(w, cols, out) {
      live();
      const r = productAt(k, start, 1, stride, d, n, w, cols, out, end);
      if (r === null) throw new Error('wasmCentredRows: kernel memory cannot grow for the product');
      return r;
    },
    release() {
      release();
      blocks.delete(resident);
    },
  };
  blocks.set(resident, { start, rows: n, padded, stride });
  return resident;
}

/** Where a resident matrix's rows sit in kernel memory (padded as `wasmGram` pads them). */
interface RowBlock {
  start: number;
  rows: number;
  padded: number;
  /** Elements per padded row. */
  stride: number;
}

/** The block of each live resident matrix, for `ResidentRows.timesTransposeOf`. */
const blocks = new WeakMap<object, RowBlock>();

/**
 * A·Bᵀ (a.rows × b.rows, float64, row-major) of two blocks in kernel memory with the same stride, by
 * the `cross64` kernel (the Gram kernel's 3×3 tiles and summation order, every tile), summed in the
 * scratch at `gByte` (a.padded × b.padded f64).
 */
function crossAt(k: Kernels, a: RowBlock, b: RowBlock, gByte: number): Float64Array {
  const g = new Float64Array(k.memory.buffer, gByte, a.padded * b.padded);
  g.fill(0);
  const strideBytes = a.stride * 8;
  for (let c0 = 0; c0 < strideBytes; c0 += BLOCK_BYTES)
    k.cross64(a.start + c0, b.start + c0, a.padded, b.padded, strideBytes, Math.min(BLOCK_BYTES, strideBytes - c0), gByte);
  const out = new Float64Array(a.rows * b.rows);
  for (let i = 0; i < a.rows; i++) out.set(g.subarray(i * b.padded, i * b.padded + b.rows), i * b.rows);
  return out;
}

/** Rows kept in kernel memory between calls (`wasmResidentRows`). */
export interface ResidentRows {
  rows: number;
  cols: number;
  /** M·Mᵀ (rows×rows): what `wasmGram(rows, cols, 'float64', fill)` returns for the same fill. */
  gram(): Float64Array;
  /**
   * Σv², Σv·μ and Σ(v − μ)² per row v (the `rowSums` kernel: the JS pass of `pcaRowMetricsWithSums`
   * in the same order; zero padding columns add exact zeros).
   */
  rowSums(mu: Float64Array): { norm2: Float64Array; dotMean: Float64Array; centredNorm2: Float64Array };
  /** M·Oᵀ (rows × other's rows) for another live resident matrix of the same width (`cross64`). */
  timesTransposeOf(other: ResidentRows | ResidentCentredRows): Float64Array;
  /** Frees the kernel memory it holds (last in, first out); the other methods must not be called after. */
  release(): void;
}

/**
 * Holds kernel memory [start, end) for a resident matrix of `owner`: the floor rises to `end`, so the
 * calls made meanwhile lay their data out above it. `live` throws once it is released or while another
 * matrix is held above it; `release` (last in, first out) lowers the floor back to `start`.
 */
function holdFloor(owner: string, start: number, end: number): { live: () => void; release: () => void } {
  floor = end;
  let held = true;
  const live = () => {
    if (!held || floor !== end) throw new Error(`${owner}: the resident matrix was released or another one is held above it`);
  };
  return {
    live,
    release: () => {
      live();
      held = false;
      floor = start;
    },
  };
}

/** The Gram of a resident matrix's rows (`gramAt` on its padded block), laid out from `end` up. */
function residentGram(k: Kernels, owner: string, block: RowBlock, end: number): Float64Array {
  if (!ensureMemory(k, end + block.padded * block.padded * 8)) throw new Error(`${owner}: kernel memory cannot grow for the Gram`);
  return gramAt(k, 'float64', block.start, block.rows, block.padded, block.stride * 8, end);
}

/**
 * A rows×cols matrix written by `fill` into kernel memory and kept there (rows padded as `wasmGram`
 * pads them, padding zeroed) until `release`, last in, first out as `wasmCentredRows`: for products
 * with other resident matrices without copying either in again. Null when the kernels are unavailable.
 */
export function wasmResidentRows(rows: number, cols: number, fill: GramFill): ResidentRows | null {
  const k = rows < 1 || cols < 1 ? null : kernels();
  if (k === null) return null;
  const { stride, padded } = gramLayout(rows, cols, 8);
  const start = floor;
  const end = start + Math.ceil((padded * stride * 8) / 64) * 64;
  if (!ensureMemory(k, end)) return null;
  const a = new Float64Array(k.memory.buffer, start, padded * stride);
  fill(a, stride);
  if (stride > cols) for (let r = 0; r < rows; r++) a.fill(0, r * stride + cols, (r + 1) * stride);
  a.fill(0, rows * stride);
  const block: RowBlock = { start, rows, padded, stride };
  const { live, release } = holdFloor('wasmResidentRows', start, end);
  const resident: ResidentRows = {
    rows,
    cols,
    gram() {
      live();
      return residentGram(k, 'wasmResidentRows', block, end);
    },
    rowSums(mu) {
      live();
      const muOff = end;
      const out = muOff + stride * 8;
      if (!ensureMemory(k, out + rows * 24)) throw new Error('wasmResidentRows: kernel memory cannot grow for the row sums');
      const mem = new Float64Array(k.memory.buffer);
      mem.set(mu.subarray(0, cols), muOff / 8);
      mem.fill(0, muOff / 8 + cols, out / 8);
      k.rowSums(start, rows, stride * 8, muOff, out);
      const sums = mem.subarray(out / 8, out / 8 + 3 * rows);
      const pick = (j: number) => Float64Array.from({ length: rows }, (_, r) => sums[r * 3 + j]!);
      return { norm2: pick(0), dotMean: pick(1), centredNorm2: pick(2) };
    },
    timesTransposeOf(other) {
      live();
      const b = blocks.get(other);
      if (!b || b.stride !== stride) throw new Error('wasmResidentRows: the other matrix is not resident or has another width');
      if (!ensureMemory(k, end + padded * b.padded * 8)) throw new Error('wasmResidentRows: kernel memory cannot grow for the product');
      return crossAt(k, block, b, end);
    },
    release() {
      release();
      blocks.delete(resident);
    },
  };
  blocks.set(resident, block);
  return resident;
}

/**
 * `inverseCholeskyFactor` (choleskyQr.ts) in the `choleskyInverse` kernel, the same operations in the
 * same order (same bits): R⁻¹ (k×k upper, row-major) for G = RᵀR, or null when a pivot falls below
 * `minPivot` of its diagonal entry. Undefined when the kernels are unavailable.
 */
export function wasmInverseCholeskyFactor(g: Float64Array, k: number, minPivot: number): Float64Array | null | undefined {
  const kern = k < 1 ? null : kernels();
  const o = floor;
  const size = k * k;
  if (kern === null || !ensureMemory(kern, o + 3 * size * 8)) return undefined;
  const mem = new Float64Array(kern.memory.buffer, o, 3 * size);
  mem.set(g.subarray(0, size));
  mem.fill(0, size);
  // Ranges of CHOLESKY_STEP columns per call: several calls let V8 tier the kernel up (one long call
  // would run in its baseline code throughout).
  const call = (j0: number, j1: number, c0: number, c1: number) => kern.choleskyInverse(o, o + size * 8, o + 2 * size * 8, k, minPivot, j0, j1, c0, c1);
  for (let j = 0; j < k; j += CHOLESKY_STEP) if (call(j, Math.min(k, j + CHOLESKY_STEP), k, k) === 0) return null;
  for (let c = 0; c < k; c += CHOLESKY_STEP) call(k, k, c, Math.min(k, c + CHOLESKY_STEP));
  return mem.slice(2 * size, 3 * size);
}

/**
 * The k×k upper-triangular R (row-major) of a Householder QR of the len×k matrix whose element (i, c)
 * is `data[i·rs + c·cs]`: singularValues.ts's `householderR` on those columns in the `householderR`
 * kernel, the same operations in the same order (same bits). Null when the kernels are unavailable.
 */
export function wasmHouseholderR(data: Float32Array | Float64Array, rs: number, cs: number, len: number, k: number): Float64Array | null {
  const kern = len < 1 || k < 1 || len <= k ? null : kernels();
  const o = floor;
  const srcLen = data.length;
  const aOff = o + srcLen * 8;
  const vOff = aOff + len * k * 8;
  if (kern === null || !ensureMemory(kern, vOff + len * 8)) return null;
  const mem = new Float64Array(kern.memory.buffer);
  mem.set(data, o / 8);
  kern.householderR(o, rs * 8, cs * 8, len, k, aOff, vOff);
  const r = new Float64Array(k * k);
  const a = aOff / 8;
  for (let i = 0; i < k; i++) for (let c = i; c < k; c++) r[i * k + c] = mem[a + c * len + i]!;
  return r;
}

/** Columns per `choleskyInverse` call. */
const CHOLESKY_STEP = 8;

/** Bytes of rows per block of `wasmRowBlocks`. */
const ROW_BLOCK_BYTES = 3 << 19;

/**
 * Walks the m×d row-major `rows` in blocks of whole rows (≈ 1.5 MB of float64, a multiple of the
 * 3-row tile), each held in kernel memory by `wasmResidentRows` while `each(block, firstRow)` runs,
 * then released: products of every row with a resident matrix below, with only one block's pages
 * above it (the whole set at once took 8 MB of new kernel pages at 256×4096, ≈ 1700 page faults).
 * Each row's results do not depend on the blocking. False when the kernels are unavailable.
 */
export function wasmRowBlocks(rows: Float32Array | Float64Array, m: number, d: number, each: (block: ResidentRows, firstRow: number) => void): boolean {
  const step = Math.max(GRAM_TILE_ROWS, Math.floor(ROW_BLOCK_BYTES / (8 * Math.max(1, d)) / GRAM_TILE_ROWS) * GRAM_TILE_ROWS);
  for (let r0 = 0; r0 < m; r0 += step) {
    const count = Math.min(step, m - r0);
    const block = wasmResidentRows(count, d, copyRows(rows.subarray(r0 * d, (r0 + count) * d), count, d));
    if (!block) return false;
    try {
      each(block, r0);
    } finally {
      block.release();
    }
  }
  return true;
}

/**
 * The eigenvalues of the symmetric tridiagonal (d, e) sorted ascending into d, e used as scratch: the
 * JS `tql2(n, e, d, null)` in the `tql2Values` kernel. Throws as the JS version does when the QL
 * iteration does not converge; false when the kernels are unavailable.
 */
export function wasmTql2Values(n: number, e: Float64Array, d: Float64Array): boolean {
  const k = n < 1 ? null : kernels();
  const o = floor;
  if (k === null || !ensureMemory(k, o + 2 * n * 8)) return false;
  const mem = new Float64Array(k.memory.buffer, o, 2 * n);
  mem.set(d.subarray(0, n));
  mem.set(e.subarray(0, n), n);
  if (k.tql2Values(o, o + n * 8, n) !== 0) throw new Error('symmetricEigen: QL iteration did not converge (non-finite input?)');
  d.set(mem.subarray(0, n));
  e.set(mem.subarray(n, 2 * n));
  return true;
}

/**
 * Unit eigenvectors of the symmetric tridiagonal (diag, off: T[i][i+1], n − 1 values) for the first
 * `want` of `values` (descending), as rows of one want×n array: the JS `inverseIteration` of
 * symmetricEigen.ts per vector, in the `inverseIteration` kernel, each vector orthogonalised against
 * the earlier ones of its cluster (a new cluster starts where two neighbouring values differ by more
 * than `clusterGap`); `tiny` replaces zero pivots. Null when the kernels are unavailable or n < 2.
 */
export function wasmTridiagonalEigenvectors(
  diag: Float64Array,
  off: Float64Array,
  values: Float64Array,
  want: number,
  tiny: number,
  clusterGap: number,
): Float64Array | null {
  const n = diag.length;
  const k = n < 2 ? null : kernels();
  const work = 2 * n;
  const z = work + 5 * (n + 2);
  const total = z + want * n + 2; // two zeros after the last vector: the kernel's back substitution reads them
  const o = floor;
  if (k === null || !ensureMemory(k, o + total * 8)) return null;
  const mem = new Float64Array(k.memory.buffer, o, total);
  mem.set(diag);
  mem.set(off.subarray(0, n - 1), n);
  mem.fill(0, 2 * n - 1);
  let clusterStart = 0;
  for (let j = 0; j < want; j++) {
    if (j > 0 && Math.abs(values[j]! - values[j - 1]!) > clusterGap) clusterStart = j;
    k.inverseIteration(o, o + n * 8, n * 8, values[j]!, tiny, o + work * 8, o + (z + j * n) * 8, o + (z + clusterStart * n) * 8, j - clusterStart, j);
  }
  return mem.slice(z, z + want * n);
}

/**
 * Applies the reflectors that `householderReduce` left in V (row i: uᵢ; h[i]: hᵢ) to the `count`
 * vectors held as rows of n values in `vectors`, in place: x ← P_{n−1} ⋯ P₁ x, as the JS loop in
 * `symmetricEigenTop` does. False when the kernels are unavailable.
 */
export function wasmApplyReflectors(n: number, V: Float64Array, h: Float64Array, vectors: Float64Array, count: number): boolean {
  if (count === 0 || n < 2) return true;
  const k = kernels();
  const o = floor;
  if (k === null || !ensureMemory(k, o + (n * n + n + count * n) * 8)) return false;
  const mem = new Float64Array(k.memory.buffer, o, n * n + n + count * n);
  mem.set(V.subarray(0, n * n));
  mem.set(h.subarray(0, n), n * n);
  mem.set(vectors.subarray(0, count * n), n * n + n);
  k.applyReflectors(o, n * 8, o + n * n * 8, o + (n * n + n) * 8, count);
  vectors.set(mem.subarray(n * n + n));
  return true;
}

/** Two activation sets whose difference after − before (float64) a kernel forms in its own memory. */
export interface DeltaPair {
  after: Float32Array | Float64Array;
  before: Float32Array | Float64Array;
}

/**
 * Writes after − before (n×d) into kernel memory at byte `at`, rows `stride` values apart, by the
 * `deltaRows` kernel (`before` staged in row blocks at byte `temp`), and returns ‖Δ‖²_F and
 * ‖before‖²_F summed as `deltaWithNorms` sums them. Memory must already hold at, temp and the block.
 */
function fillDelta(k: Kernels, pair: DeltaPair, n: number, d: number, at: number, stride: number, temp: number): { deltaNorm2: number; beforeNorm2: number } {
  const block = stride === d ? Math.max(1, Math.min(n, Math.floor(DELTA_BLOCK_BYTES / (8 * d)))) : 1;
  const sums = temp + block * d * 8;
  const rowOut = sums + 16;
  const mem = new Float64Array(k.memory.buffer);
  mem[sums / 8] = 0;
  mem[sums / 8 + 1] = 0;
  for (let r0 = 0; r0 < n; r0 += block) {
    const r1 = Math.min(n, r0 + block);
    mem.set(pair.after.subarray(r0 * d, r1 * d), at / 8 + r0 * stride);
    mem.set(pair.before.subarray(r0 * d, r1 * d), temp / 8);
    k.deltaRows(at + r0 * stride * 8, temp, r1 - r0, d * 8, sums, rowOut);
  }
  return { deltaNorm2: mem[sums / 8]!, beforeNorm2: mem[sums / 8 + 1]! };
}

/** Bytes `fillDelta` needs above its `temp` address. */
function fillDeltaBytes(n: number, d: number, stride: number): number {
  const block = stride === d ? Math.max(1, Math.min(n, Math.floor(DELTA_BLOCK_BYTES / (8 * d)))) : 1;
  return block * d * 8 + 16 + block * 32;
}

/**
 * after − before (n×d, never formed in JS)ᵀ · w (n×k): Δ written into kernel memory by `fillDelta`
 * and multiplied there: what `tiledProduct(Δ, d, n, 1, d, w, k, out)` returns by the wasm kernel
 * (call it only at sizes where tiledProduct runs the kernel). Null when the kernels are unavailable.
 */
export function wasmDeltaTransposeTimes(pair: DeltaPair, n: number, d: number, w: Float64Array, k: number, out: Float64Array): Float64Array | null {
  const kern = n < 1 || d < 1 ? null : kernels();
  if (kern === null) return null;
  const mp = Math.ceil(d / PRODUCT_TILE_ROWS) * PRODUCT_TILE_ROWS;
  const aLen = Math.ceil(Math.max(n * d, mp - 1 + (n - 1) * d + 1) / 2) * 2;
  const o = floor;
  const temp = o + aLen * 8;
  const free = Math.ceil((temp + fillDeltaBytes(n, d, d)) / 16) * 16;
  if (!ensureMemory(kern, free)) return null;
  new Float64Array(kern.memory.buffer, o, aLen).fill(0, n * d);
  fillDelta(kern, pair, n, d, o, d, temp);
  return productAt(kern, o, 1, d, d, n, w, k, out, free);
}

/**
 * `wasmGram(n, d, 'float64', copyRows(Δ, n, d))` for Δ = after − before given by its two sets: Δ is
 * written into kernel memory by `fillDelta` (staging its `before` rows where the Gram then sums), so
 * it is never formed in JS. Same layout, same kernel, same bits. Null when the kernels are unavailable.
 */
export function wasmDeltaGram(pair: DeltaPair, n: number, d: number): Float64Array | null {
  const k = n < 1 || d < 1 ? null : kernels();
  if (k === null) return null;
  const { stride, padded } = gramLayout(n, d, 8);
  const o = floor;
  const scratchAt = o + padded * stride * 8;
  if (!ensureMemory(k, scratchAt + Math.max(padded * padded * 8, fillDeltaBytes(n, d, stride)))) return null;
  const a = new Float64Array(k.memory.buffer, o, padded * stride);
  fillDelta(k, pair, n, d, o, stride, scratchAt);
  if (stride > d) for (let r = 0; r < n; r++) a.fill(0, r * stride + d, (r + 1) * stride);
  a.fill(0, n * stride);
  return gramAt(k, 'float64', o, n, padded, stride * 8, scratchAt);
}

/**
 * Δ·B (n×k) for Δ = after − before (n×d) given by its two sets: what `wasmProduct(Δ, n, d, d, 1, b, k)`
 * returns (the same layout and kernel calls), with Δ written into kernel memory by `fillDelta`
 * instead of copied from JS. Null when the kernels are unavailable.
 */
export function wasmDeltaTimes(pair: DeltaPair, n: number, d: number, b: Float64Array, k: number, out = new Float64Array(n * k)): Float64Array | null {
  const kern = n < 1 || d < 1 ? null : kernels();
  if (kern === null) return null;
  if (k === 0) return out;
  const mp = Math.ceil(n / PRODUCT_TILE_ROWS) * PRODUCT_TILE_ROWS;
  const aLen = Math.ceil(Math.max(n * d, (mp - 1) * d + (d - 1) + 1) / 2) * 2;
  const o = floor;
  const free = o + aLen * 8;
  if (!ensureMemory(kern, free + fillDeltaBytes(n, d, d))) return null;
  new Float64Array(kern.memory.buffer, o, aLen).fill(0, n * d);
  fillDelta(kern, pair, n, d, o, d, free);
  return productAt(kern, o, d, 1, n, d, b, k, out, free);
}

/** Bytes of each input per `deltaRows` call: a few calls per delta let V8 tier the kernel up, and the block stays in pages later calls use anyway. */
const DELTA_BLOCK_BYTES = 1 << 20;

/**
 * out = after − before (n×d, float64; null: only the sums) with ‖out‖²_F and ‖before‖²_F, and, when `rows` is given, per
 * row ‖b‖², ‖a‖², a·b and ‖a − b‖² (its four arrays, length n): the JS loops of `deltaWithNorms` /
 * `deltaWithRowNorms` in the `deltaRows` kernel, same order, same numbers. Row blocks of the inputs
 * are copied in (float32 widened exactly) and the differences copied out: as a cold JS loop each
 * pass ran interpreted for most of its 1M elements. Null when the kernels are unavailable.
 */
export function wasmDeltaRows(
  after: Float32Array | Float64Array,
  before: Float32Array | Float64Array,
  n: number,
  d: number,
  out: Float64Array | null,
  rows: { before2: Float64Array; after2: Float64Array; dot: Float64Array; delta2: Float64Array } | null,
): { deltaNorm2: number; beforeNorm2: number } | null {
  const k = n < 1 || d < 1 ? null : kernels();
  if (k === null) return null;
  const block = Math.max(1, Math.min(n, Math.floor(DELTA_BLOCK_BYTES / (8 * d))));
  const o = floor;
  const bOff = o + block * d * 8;
  const sums = bOff + block * d * 8;
  const rowOut = sums + 16;
  if (!ensureMemory(k, rowOut + block * 32)) return null;
  const mem = new Float64Array(k.memory.buffer);
  mem[sums / 8] = 0;
  mem[sums / 8 + 1] = 0;
  for (let r0 = 0; r0 < n; r0 += block) {
    const r1 = Math.min(n, r0 + block);
    const len = (r1 - r0) * d;
    mem.set(after.subarray(r0 * d, r1 * d), o / 8);
    mem.set(before.subarray(r0 * d, r1 * d), bOff / 8);
    k.deltaRows(o, bOff, r1 - r0, d * 8, sums, rowOut);
    out?.set(mem.subarray(o / 8, o / 8 + len), r0 * d);
    if (rows) {
      for (let r = r0; r < r1; r++) {
        const at = rowOut / 8 + (r - r0) * 4;
        rows.before2[r] = mem[at]!;
        rows.after2[r] = mem[at + 1]!;
        rows.dot[r] = mem[at + 2]!;
        rows.delta2[r] = mem[at + 3]!;
      }
    }
  }
  return { deltaNorm2: mem[sums / 8]!, beforeNorm2: mem[sums / 8 + 1]! };
}

/**
 * `rows`·B (n×k, as `tiledProduct(rows, n, d, d, 1, b, k)` by the wasm kernel) and, from the same
 * copy of the rows, Σv², Σv·μ and Σ(v − μ)² per row v (the `rowSums` kernel: the JS pass of
 * `pcaRowMetricsWithSums`, same order): one copy of the rows into kernel memory, no cold JS pass.
 * `rows` may be a delta after − before given by its two sets (written in by `fillDelta`, the same
 * numbers as its formed float64 rows). k = 0 skips the product. Null when the kernels are unavailable.
 */
export function wasmRowsTimes(
  rows: Float32Array | Float64Array | DeltaPair,
  n: number,
  d: number,
  b: Float32Array | Float64Array,
  k: number,
  mu: Float64Array,
): { projected: Float64Array; norm2: Float64Array; dotMean: Float64Array; centredNorm2: Float64Array } | null {
  const kern = n < 1 || d < 1 ? null : kernels();
  if (kern === null) return null;
  const mp = Math.ceil(n / PRODUCT_TILE_ROWS) * PRODUCT_TILE_ROWS;
  const aLen = Math.ceil((mp * d) / 2) * 2; // the padded last row tile reads one zero row past n
  const o = floor;
  const muOff = o + aLen * 8;
  const sumsOff = muOff + d * 8;
  const free = Math.ceil((sumsOff + 3 * n * 8) / 16) * 16;
  const pair = 'after' in rows ? rows : null;
  if (!ensureMemory(kern, free + (pair ? fillDeltaBytes(n, d, d) : 0))) return null;
  const mem = new Float64Array(kern.memory.buffer);
  // A delta is written by `fillDelta` (its `before` rows staged above, where the product's B goes next).
  if (pair) fillDelta(kern, pair, n, d, o, d, free);
  else mem.set((rows as Float32Array | Float64Array).subarray(0, n * d), o / 8);
  mem.fill(0, o / 8 + n * d, o / 8 + aLen);
  mem.set(mu, muOff / 8);
  kern.rowSums(o, n, d * 8, muOff, sumsOff);
  const sums = mem.slice(sumsOff / 8, sumsOff / 8 + 3 * n);
  const projected = new Float64Array(n * k);
  if (k > 0 && productAt(kern, o, d, 1, n, d, b, k, projected, free) === null) return null;
  const pick = (j: number) => Float64Array.from({ length: n }, (_, r) => sums[r * 3 + j]!);
  return { projected, norm2: pick(0), dotMean: pick(1), centredNorm2: pick(2) };
}

/**
 * A `GramFill` writing each row less the first (x − x₀, rounded to the destination's type as a JS
 * store of the difference): for float32 data into the kernels' float32 memory, the rows copied in by
 * `set` and then the `minusFirstRow32` kernel (same numbers, no cold JS loop); a JS loop otherwise.
 */
export function minusFirstRowFill(data: Float32Array | Float64Array, rows: number, cols: number): GramFill {
  return (dst, stride) => {
    const k = kernels();
    if (k !== null && data instanceof Float32Array && dst instanceof Float32Array && dst.buffer === k.memory.buffer && rows > 0 && cols > 0) {
      copyRows(data, rows, cols)(dst, stride);
      k.minusFirstRow32(dst.byteOffset, rows, cols * 4, stride * 4);
      return;
    }
    for (let r = 0; r < rows; r++) {
      const src = r * cols;
      const out = r * stride;
      for (let c = 0; c < cols; c++) dst[out + c] = data[src + c]! - data[c]!;
    }
  };
}

/** A `GramFill` copying row-major data as is (converting to the kernel's precision). */
export function copyRows(data: Float32Array | Float64Array, rows: number, cols: number): GramFill {
  return (dst, stride) => {
    if (stride === cols) dst.set(data.subarray(0, rows * cols));
    else for (let r = 0; r < rows; r++) dst.set(data.subarray(r * cols, r * cols + cols), r * stride);
  };
}
