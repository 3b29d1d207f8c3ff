// Generates the WebAssembly SIMD kernels behind `src/metrics/wasm/gramWasm.ts` and writes their bytes
// to src/metrics/wasm/gramWasmBytes.ts, so the package needs no wasm toolchain and no build step, and
// both the ESM and CJS bundles carry the module inline. Run: `npx tsx scripts/buildGramWasm.ts`.
// test/gramWasm.test.ts regenerates the bytes and checks they equal the committed ones.
//
// Encoding: WebAssembly core spec §5 (binary format) and the SIMD proposal's BinarySIMD.md
// (prefix 0xFD + LEB128 opcode).
import { writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { WebAssemblyApi } from '../src/metrics/wasm/gramWasm.js';

/** Rows per register tile (square T×T tiles of v128 accumulators): 9 accumulators + 6 loads fit x64's 16 xmm registers. */
export const GRAM_TILE = 3;
/** Bytes of each row per inner-loop step (unrolled 128-bit loads at constant offsets): rows are padded to a multiple. */
export const GRAM_STEP = 32;

const I32 = 0x7f;
const V128 = 0x7b;

function u32(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

function s32(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

function vec(items: number[][]): number[] {
  return [...u32(items.length), ...items.flat()];
}

function section(id: number, body: number[]): number[] {
  return [id, ...u32(body.length), ...body];
}

function name(s: string): number[] {
  const bytes = [...Buffer.from(s, 'utf8')];
  return [...u32(bytes.length), ...bytes];
}

/** A function body under construction: locals by name, one method per instruction used. */
class Body {
  readonly code: number[] = [];
  private readonly index = new Map<string, number>();
  private readonly extra: number[] = [];

  constructor(params: string[]) {
    params.forEach((p) => this.index.set(p, this.index.size));
  }

  local(nameOf: string, type: number): void {
    this.index.set(nameOf, this.index.size);
    this.extra.push(type);
  }

  private at(nameOf: string): number {
    const i = this.index.get(nameOf);
    if (i === undefined) throw new Error(`unknown local ${nameOf}`);
    return i;
  }

  get(l: string): this {
    this.code.push(0x20, ...u32(this.at(l)));
    return this;
  }
  set(l: string): this {
    this.code.push(0x21, ...u32(this.at(l)));
    return this;
  }
  tee(l: string): this {
    this.code.push(0x22, ...u32(this.at(l)));
    return this;
  }
  i32(v: number): this {
    this.code.push(0x41, ...s32(v));
    return this;
  }
  op(...bytes: number[]): this {
    this.code.push(...bytes);
    return this;
  }
  simd(opcode: number, ...imm: number[]): this {
    this.code.push(0xfd, ...u32(opcode), ...imm);
    return this;
  }
  v128Zero(): this {
    return this.simd(0x0c, ...new Array<number>(16).fill(0));
  }
  /** `name = name + value` for an i32 local (value pushed by `push`). */
  addTo(l: string, push: (b: this) => void): this {
    this.get(l);
    push(this);
    return this.op(0x6a).set(l);
  }

  encode(): number[] {
    const groups: number[][] = [];
    for (const t of this.extra) {
      const last = groups[groups.length - 1];
      if (last && last[1] === t) last[0]!++;
      else groups.push([1, t]);
    }
    const body = [...vec(groups.map(([count, t]) => [...u32(count!), t!])), ...this.code, 0x0b];
    return [...u32(body.length), ...body];
  }
}

const LOOP = 0x03,
  END = 0x0b,
  BR_IF = 0x0d,
  VOID = 0x40;
const I32_ADD = 0x6a,
  I32_MUL = 0x6c,
  I32_LT_U = 0x49,
  I32_LE_U = 0x4d;
const F64_LOAD = 0x2b,
  F64_STORE = 0x39,
  F64_ADD = 0xa0,
  F64_PROMOTE_F32 = 0xbb;

interface Lanes {
  /** SIMD opcodes of mul and add for this lane type, the extract_lane opcode and lane count. */
  mul: number;
  add: number;
  extract: number;
  lanes: number;
  /** Scalar lanes are f32: promote before summing in f64. */
  promote: boolean;
}

const F64X2: Lanes = { mul: 0xf2, add: 0xf0, extract: 0x21, lanes: 2, promote: false };
const F32X4: Lanes = { mul: 0xe6, add: 0xe4, extract: 0x1f, lanes: 4, promote: true };

/**
 * gram(a, rows, stride, width, g): adds the lower block-triangle of A·Aᵀ into the f64 rows×rows
 * matrix at g, for A = the `width` bytes (a multiple of GRAM_STEP) at the start of each of `rows` rows at a,
 * `stride` bytes apart; rows a multiple of the tile. T×T tiles with j-tile ≤ i-tile (diagonal tiles
 * in full), v128 accumulators fed by GRAM_STEP/16 loads per row and step at constant offsets (one
 * address add per row and step; 32 bytes measured 9% faster than 16, 64 no better), lanes summed in
 * f64 and added into g. The caller walks column blocks
 * (keeps the i rows in L1, bounds float32 accumulation, and lets V8 tier the kernel up from Liftoff to
 * TurboFan after the first few calls instead of running one long call in baseline code).
 */
// cross = true: cross64(a, b, rows, rowsB, stride, width, g) adds A·Bᵀ (rows×rowsB, every tile) into
// g for B's `rowsB` rows at b (same stride and width, rowsB a multiple of the tile): the Gram loop
// with its j tiles read from B, so each entry is summed in the same order as a Gram entry.
function gramFunction(t: Lanes, cross = false): number[] {
  const T = GRAM_TILE;
  const b = new Body(cross ? ['a', 'b', 'rows', 'rowsB', 'stride', 'width', 'g'] : ['a', 'rows', 'stride', 'width', 'g']);
  for (const l of ['i', 'j', 'p', 'gRow', 'gTile']) b.local(l, I32);
  for (let r = 0; r < T; r++) b.local(`x${r}`, I32);
  for (let r = 0; r < T; r++) b.local(`y${r}`, I32);
  for (let r = 0; r < T; r++) b.local(`ax${r}`, I32);
  for (let r = 0; r < T; r++) b.local(`ay${r}`, I32);
  for (let r = 0; r < T; r++) for (let s = 0; s < T; s++) b.local(`acc${r}${s}`, V128);
  for (let r = 0; r < T; r++) b.local(`vx${r}`, V128);
  for (let s = 0; s < T; s++) b.local(`vy${s}`, V128);
  b.get(cross ? 'rowsB' : 'rows')
    .i32(8)
    .op(I32_MUL)
    .set('gRow');
  b.i32(0).set('i');
  b.op(LOOP, VOID); // i tiles
  b.get('a').get('i').get('stride').op(I32_MUL, I32_ADD).set('x0');
  for (let r = 1; r < T; r++)
    b.get(`x${r - 1}`)
      .get('stride')
      .op(I32_ADD)
      .set(`x${r}`);
  b.i32(0).set('j');
  b.op(LOOP, VOID); // j tiles, j ≤ i (cross: every j tile of B)
  b.get(cross ? 'b' : 'a')
    .get('j')
    .get('stride')
    .op(I32_MUL, I32_ADD)
    .set('y0');
  for (let s = 1; s < T; s++)
    b.get(`y${s - 1}`)
      .get('stride')
      .op(I32_ADD)
      .set(`y${s}`);
  for (let r = 0; r < T; r++) for (let s = 0; s < T; s++) b.v128Zero().set(`acc${r}${s}`);
  b.i32(0).set('p');
  b.op(LOOP, VOID); // columns, GRAM_STEP bytes per step
  for (let r = 0; r < T; r++) b.get(`x${r}`).get('p').op(I32_ADD).set(`ax${r}`);
  for (let s = 0; s < T; s++) b.get(`y${s}`).get('p').op(I32_ADD).set(`ay${s}`);
  for (let u = 0; u < GRAM_STEP / 16; u++) {
    for (let r = 0; r < T; r++)
      b.get(`ax${r}`)
        .simd(0x00, 4, ...u32(u * 16))
        .set(`vx${r}`);
    for (let s = 0; s < T; s++)
      b.get(`ay${s}`)
        .simd(0x00, 4, ...u32(u * 16))
        .set(`vy${s}`);
    for (let r = 0; r < T; r++) {
      for (let s = 0; s < T; s++) b.get(`acc${r}${s}`).get(`vx${r}`).get(`vy${s}`).simd(t.mul).simd(t.add).set(`acc${r}${s}`);
    }
  }
  continueBelow(b, 'p', GRAM_STEP, 'width');
  b.op(END);
  // g[(i + r)·rows + j + s] += Σ lanes of acc_rs
  b.get('g')
    .get('i')
    .get(cross ? 'rowsB' : 'rows')
    .op(I32_MUL)
    .get('j')
    .op(I32_ADD)
    .i32(8)
    .op(I32_MUL, I32_ADD)
    .set('gTile');
  for (let r = 0; r < T; r++) {
    for (let s = 0; s < T; s++) {
      b.get('gTile');
      b.get('gTile').op(F64_LOAD, 3, ...u32(s * 8));
      for (let lane = 0; lane < t.lanes; lane++) {
        b.get(`acc${r}${s}`).simd(t.extract, lane);
        if (t.promote) b.op(F64_PROMOTE_F32);
        b.op(F64_ADD);
      }
      b.op(F64_STORE, 3, ...u32(s * 8));
    }
    if (r + 1 < T) b.addTo('gTile', (x) => x.get('gRow'));
  }
  b.addTo('j', (x) => x.i32(T));
  if (cross) b.get('j').get('rowsB').op(I32_LT_U, BR_IF, 0);
  else b.get('j').get('i').op(I32_LE_U, BR_IF, 0);
  b.op(END);
  continueBelow(b, 'i', T, 'rows');
  b.op(END);
  return b.encode();
}

/** Rows × 2-lane vectors per register tile of `product64`: 8 accumulators + 4 B loads + 1 splat. */
export const PRODUCT_TILE_ROWS = 2;
const PRODUCT_TILE_VECTORS = 4;

/**
 * product64(a, ai, as, rows, t, b, kb, out): out (rows×kb/8 f64, row-major, kb bytes per row, a
 * multiple of 64) += A·B, A read through byte strides (A[i][s] at a + i·ai + s·as), B t×kb row-major
 * at b. rows a multiple of 2. Each A element is splatted (v128.load64_splat) against 4 vectors of a B
 * row: 2×8 outputs per tile. The caller walks blocks of s (B rows stay in L1, and V8 tiers up early).
 */
function productFunction(): number[] {
  const R = PRODUCT_TILE_ROWS;
  const V = PRODUCT_TILE_VECTORS;
  const b = new Body(['a', 'ai', 'as', 'rows', 't', 'b', 'kb', 'out']);
  for (const l of ['i', 'jc', 's', 'pb', 'po']) b.local(l, I32);
  for (let r = 0; r < R; r++) b.local(`pa${r}`, I32);
  for (let r = 0; r < R; r++) for (let v = 0; v < V; v++) b.local(`acc${r}${v}`, V128);
  for (let r = 0; r < R; r++) b.local(`vx${r}`, V128);
  for (let v = 0; v < V; v++) b.local(`vb${v}`, V128);
  b.i32(0).set('i');
  b.op(LOOP, VOID); // row tiles
  b.i32(0).set('jc');
  b.op(LOOP, VOID); // column chunks of V vectors (64 bytes)
  for (let r = 0; r < R; r++) for (let v = 0; v < V; v++) b.v128Zero().set(`acc${r}${v}`);
  b.get('a').get('i').get('ai').op(I32_MUL, I32_ADD).set('pa0');
  for (let r = 1; r < R; r++)
    b.get(`pa${r - 1}`)
      .get('ai')
      .op(I32_ADD)
      .set(`pa${r}`);
  b.get('b').get('jc').op(I32_ADD).set('pb');
  b.i32(0).set('s');
  b.op(LOOP, VOID); // inner dimension
  for (let v = 0; v < V; v++)
    b.get('pb')
      .simd(0x00, 4, ...u32(v * 16))
      .set(`vb${v}`);
  for (let r = 0; r < R; r++) {
    b.get(`pa${r}`).simd(0x0a, 3, 0).set(`vx${r}`); // v128.load64_splat
    for (let v = 0; v < V; v++) b.get(`acc${r}${v}`).get(`vx${r}`).get(`vb${v}`).simd(F64X2.mul).simd(F64X2.add).set(`acc${r}${v}`);
  }
  for (let r = 0; r < R; r++) b.addTo(`pa${r}`, (x) => x.get('as'));
  b.addTo('pb', (x) => x.get('kb'));
  continueBelow(b, 's', 1, 't');
  b.op(END);
  // out[i + r][jc/8 + 2v .. +1] += acc_rv
  b.get('out').get('i').get('kb').op(I32_MUL, I32_ADD).get('jc').op(I32_ADD).set('po');
  for (let r = 0; r < R; r++) {
    for (let v = 0; v < V; v++) {
      b.get('po')
        .get('po')
        .simd(0x00, 4, ...u32(v * 16))
        .get(`acc${r}${v}`)
        .simd(F64X2.add)
        .simd(0x0b, 4, ...u32(v * 16));
    }
    if (r + 1 < R) b.addTo('po', (x) => x.get('kb'));
  }
  continueBelow(b, 'jc', V * 16, 'kb');
  b.op(END);
  continueBelow(b, 'i', R, 'rows');
  b.op(END);
  return b.encode();
}

const F64 = 0x7c;
const BLOCK = 0x02,
  IF = 0x04;
const I32_SUB = 0x6b,
  I32_GE_U = 0x4f;
const F64_SUB = 0xa1,
  F64_MUL = 0xa2,
  F64_DIV = 0xa3,
  F64_NE = 0x62,
  F64_CONST = 0x44;

/** f64.load / f64.store at the address on the stack (8-byte aligned, no offset). */
const LOAD: [number, number, number] = [F64_LOAD, 3, 0];
const STORE: [number, number, number] = [F64_STORE, 3, 0];

/** The tail of a counted loop: `counter += by`, and branch back to the loop's start while `counter < limit` (unsigned). */
function continueBelow(b: Body, counter: string, by: number, limit: string): void {
  b.addTo(counter, (x) => x.i32(by));
  b.get(counter).get(limit).op(I32_LT_U, BR_IF, 0);
}

/** `p += 8` for each named i32 pointer local. */
function step8(b: Body, ...ptrs: string[]): void {
  for (const p of ptrs) b.addTo(p, (x) => x.i32(8));
}

/**
 * symvUpper(v, n8, d, e, i): the symmetric product of Householder step i (tred2), e[0..i) += A·d over
 * the leading i×i block of A held in its upper triangle (A[j][k], k ≥ j, at v + j·n8 + 8k), each
 * stored element read once for two multiply-adds: for j < i, g = e[j] + A[j][j]·d[j] + Σ_{k>j}
 * A[j][k]·d[k], e[k] += A[j][k]·d[j] (k > j), e[j] = g. Scalar f64, the order of the JS loop.
 */
function symvUpperFunction(): number[] {
  const b = new Body(['v', 'n8', 'd', 'e', 'i']);
  for (const l of ['j', 'row', 'pv', 'pd', 'pe', 'end']) b.local(l, I32);
  for (const l of ['f', 'g', 'x']) b.local(l, F64);
  b.i32(0).set('j');
  b.op(LOOP, VOID); // rows j < i (i ≥ 1)
  b.get('v').get('j').get('n8').op(I32_MUL, I32_ADD).set('row');
  b.get('d')
    .get('j')
    .i32(8)
    .op(I32_MUL, I32_ADD)
    .op(...LOAD)
    .set('f');
  b.get('row').get('j').i32(8).op(I32_MUL, I32_ADD).set('pv');
  b.get('e')
    .get('j')
    .i32(8)
    .op(I32_MUL, I32_ADD)
    .op(...LOAD);
  b.get('pv')
    .op(...LOAD)
    .get('f')
    .op(F64_MUL, F64_ADD)
    .set('g');
  step8(b, 'pv');
  b.get('d').get('j').i32(8).op(I32_MUL, I32_ADD).i32(8).op(I32_ADD).set('pd');
  b.get('e').get('j').i32(8).op(I32_MUL, I32_ADD).i32(8).op(I32_ADD).set('pe');
  b.get('row').get('i').i32(8).op(I32_MUL, I32_ADD).set('end');
  b.op(BLOCK, VOID);
  b.get('pv').get('end').op(I32_GE_U, BR_IF, 0);
  b.op(LOOP, VOID); // k = j+1 .. i−1
  b.get('pv')
    .op(...LOAD)
    .set('x');
  b.get('g')
    .get('x')
    .get('pd')
    .op(...LOAD)
    .op(F64_MUL, F64_ADD)
    .set('g');
  b.get('pe')
    .get('pe')
    .op(...LOAD)
    .get('x')
    .get('f')
    .op(F64_MUL, F64_ADD)
    .op(...STORE);
  step8(b, 'pv', 'pd', 'pe');
  b.get('pv').get('end').op(I32_LT_U, BR_IF, 0);
  b.op(END, END);
  b.get('e')
    .get('j')
    .i32(8)
    .op(I32_MUL, I32_ADD)
    .get('g')
    .op(...STORE);
  continueBelow(b, 'j', 1, 'i');
  b.op(END);
  return b.encode();
}

/**
 * syr2Upper(v, n8, d, e, i): the rank-2 update of Householder step i, A[j][k] −= d[j]·e[k] + e[j]·d[k]
 * for j ≤ k < i (upper triangle), then per row d[j] = A[j][i−1] and A[j][i] = 0 (tred2, row by row:
 * a row's d is replaced only after every later row has read it). i ≥ 1.
 */
function syr2UpperFunction(): number[] {
  const b = new Body(['v', 'n8', 'd', 'e', 'i']);
  for (const l of ['j', 'row', 'pv', 'pd', 'pe', 'end']) b.local(l, I32);
  for (const l of ['f', 'g']) b.local(l, F64);
  b.i32(0).set('j');
  b.op(LOOP, VOID); // rows j < i
  b.get('v').get('j').get('n8').op(I32_MUL, I32_ADD).set('row');
  b.get('d').get('j').i32(8).op(I32_MUL, I32_ADD).set('pd');
  b.get('e').get('j').i32(8).op(I32_MUL, I32_ADD).set('pe');
  b.get('pd')
    .op(...LOAD)
    .set('f');
  b.get('pe')
    .op(...LOAD)
    .set('g');
  b.get('row').get('j').i32(8).op(I32_MUL, I32_ADD).set('pv');
  b.get('row').get('i').i32(8).op(I32_MUL, I32_ADD).set('end');
  b.op(LOOP, VOID); // k = j .. i−1 (at least one)
  b.get('pv')
    .get('pv')
    .op(...LOAD);
  b.get('f')
    .get('pe')
    .op(...LOAD)
    .op(F64_MUL)
    .get('g')
    .get('pd')
    .op(...LOAD)
    .op(F64_MUL, F64_ADD);
  b.op(F64_SUB, ...STORE);
  step8(b, 'pv', 'pd', 'pe');
  b.get('pv').get('end').op(I32_LT_U, BR_IF, 0);
  b.op(END);
  b.get('d')
    .get('j')
    .i32(8)
    .op(I32_MUL, I32_ADD)
    .get('end')
    .i32(8)
    .op(I32_SUB)
    .op(...LOAD)
    .op(...STORE); // d[j] = A[j][i−1]
  b.get('end')
    .op(F64_CONST, 0, 0, 0, 0, 0, 0, 0, 0)
    .op(...STORE); // A[j][i] = 0
  continueBelow(b, 'j', 1, 'i');
  b.op(END);
  return b.encode();
}

/**
 * applyReflectors(v, n8, h, u, count): x ← P₁ then P₂ … P_{n−1} applied to each of `count` vectors
 * (rows of n f64 at u, n8 bytes apart), Pᵢ = I − uᵢuᵢᵀ/hᵢ with uᵢ = the first i entries of row i of
 * v and hᵢ = h[i] (skipped when 0): s = uᵢ·x, f = s/hᵢ, x[0..i) −= f·uᵢ (skipped when f = 0). The
 * back-transform of tridiagonal eigenvectors to eigenvectors of A. n = n8/8 ≥ 2, count ≥ 1.
 */
function applyReflectorsFunction(): number[] {
  const b = new Body(['v', 'n8', 'h', 'u', 'count']);
  for (const l of ['i', 'j', 'row', 'end', 'uj', 'pv', 'pu']) b.local(l, I32);
  for (const l of ['hi', 's', 'f']) b.local(l, F64);
  b.i32(1).set('i');
  b.op(LOOP, VOID); // reflectors i = 1 .. n−1
  b.get('h')
    .get('i')
    .i32(8)
    .op(I32_MUL, I32_ADD)
    .op(...LOAD)
    .set('hi');
  b.get('hi').op(F64_CONST, 0, 0, 0, 0, 0, 0, 0, 0).op(F64_NE, IF, VOID);
  b.get('v').get('i').get('n8').op(I32_MUL, I32_ADD).set('row');
  b.get('row').get('i').i32(8).op(I32_MUL, I32_ADD).set('end');
  b.get('u').set('uj');
  b.i32(0).set('j');
  b.op(LOOP, VOID); // vectors
  b.op(F64_CONST, 0, 0, 0, 0, 0, 0, 0, 0).set('s');
  b.get('row').set('pv');
  b.get('uj').set('pu');
  b.op(LOOP, VOID); // s = uᵢ·x
  b.get('s')
    .get('pv')
    .op(...LOAD)
    .get('pu')
    .op(...LOAD)
    .op(F64_MUL, F64_ADD)
    .set('s');
  step8(b, 'pv', 'pu');
  b.get('pv').get('end').op(I32_LT_U, BR_IF, 0);
  b.op(END);
  b.get('s').get('hi').op(F64_DIV).set('f');
  b.get('f').op(F64_CONST, 0, 0, 0, 0, 0, 0, 0, 0).op(F64_NE, IF, VOID);
  b.get('row').set('pv');
  b.get('uj').set('pu');
  b.op(LOOP, VOID); // x −= f·uᵢ
  b.get('pu')
    .get('pu')
    .op(...LOAD)
    .get('f')
    .get('pv')
    .op(...LOAD)
    .op(F64_MUL, F64_SUB)
    .op(...STORE);
  step8(b, 'pv', 'pu');
  b.get('pv').get('end').op(I32_LT_U, BR_IF, 0);
  b.op(END);
  b.op(END); // if f ≠ 0
  b.addTo('uj', (x) => x.get('n8'));
  continueBelow(b, 'j', 1, 'count');
  b.op(END);
  b.op(END); // if hᵢ ≠ 0
  b.addTo('i', (x) => x.i32(1));
  b.get('i').i32(8).op(I32_MUL).get('n8').op(I32_LT_U, BR_IF, 0);
  b.op(END);
  return b.encode();
}

/** Function indices of the module (order of the code section). */
const SYMV_UPPER = 3;
const SYR2_UPPER = 4;

/**
 * householderReduce(v, n8, d, e): tred2's Householder reduction of the n×n symmetric A (row-major at
 * v, n = n8/8; read and updated in its upper triangle) to tridiagonal form, the JS `householderReduce`
 * of symmetricEigen.ts step for step: the reflector of step i left in row i (uᵢ in columns 0..i−1),
 * hᵢ in d[i], the off-diagonal in e, the diagonal on A's diagonal. The O(i²) parts call `symvUpper`
 * and `syr2Upper`; the O(i) bookkeeping is here too, so no JS loop of the solver is left to compile.
 */
function householderReduceFunction(): number[] {
  const b = new Body(['v', 'n8', 'd', 'e']);
  for (const l of ['i', 'i8', 'j', 'pd', 'pe', 'pv', 'end']) b.local(l, I32);
  for (const l of ['scale', 'h', 'f', 'g', 'x', 's', 'hh']) b.local(l, F64);
  const zero = (): void => void b.op(F64_CONST, 0, 0, 0, 0, 0, 0, 0, 0);
  // d[j] = A[j][n−1]
  b.i32(0).set('j');
  b.op(LOOP, VOID);
  b.get('d').get('j').i32(8).op(I32_MUL, I32_ADD);
  b.get('v')
    .get('j')
    .get('n8')
    .op(I32_MUL, I32_ADD)
    .get('n8')
    .op(I32_ADD)
    .i32(8)
    .op(I32_SUB)
    .op(...LOAD);
  b.op(...STORE);
  b.addTo('j', (x) => x.i32(1));
  b.get('j').i32(8).op(I32_MUL).get('n8').op(I32_LT_U, BR_IF, 0);
  b.op(END);
  b.get('n8').i32(8).op(I32_SUB).set('i8');
  b.get('i8').i32(8).op(0x6e).set('i'); // i32.div_u: i = n − 1
  b.op(BLOCK, VOID);
  b.get('i').op(0x45, BR_IF, 0); // i32.eqz: n = 1
  b.op(LOOP, VOID); // i = n−1 .. 1
  b.get('d').get('i8').op(I32_ADD).set('end');
  zero();
  b.set('scale');
  b.get('d').set('pd');
  b.op(LOOP, VOID);
  b.get('scale')
    .get('pd')
    .op(...LOAD)
    .op(0x99, F64_ADD)
    .set('scale'); // f64.abs
  step8(b, 'pd');
  b.get('pd').get('end').op(I32_LT_U, BR_IF, 0);
  b.op(END);
  zero();
  b.set('h');
  b.get('scale');
  zero();
  b.op(0x61, IF, VOID); // f64.eq: scale = 0
  b.get('e')
    .get('i8')
    .op(I32_ADD)
    .get('end')
    .i32(8)
    .op(I32_SUB)
    .op(...LOAD)
    .op(...STORE); // e[i] = d[i−1]
  b.i32(0).set('j');
  b.op(LOOP, VOID);
  b.get('v').get('j').get('n8').op(I32_MUL, I32_ADD).set('pv');
  b.get('d')
    .get('j')
    .i32(8)
    .op(I32_MUL, I32_ADD)
    .get('pv')
    .get('i8')
    .op(I32_ADD)
    .i32(8)
    .op(I32_SUB)
    .op(...LOAD)
    .op(...STORE);
  b.get('pv').get('i8').op(I32_ADD);
  zero();
  b.op(...STORE);
  b.get('v').get('i').get('n8').op(I32_MUL, I32_ADD).get('j').i32(8).op(I32_MUL, I32_ADD);
  zero();
  b.op(...STORE);
  continueBelow(b, 'j', 1, 'i');
  b.op(END);
  b.op(0x05); // else
  b.get('d').set('pd');
  b.op(LOOP, VOID); // d /= scale, h = Σ d²
  b.get('pd')
    .op(...LOAD)
    .get('scale')
    .op(F64_DIV)
    .set('x');
  b.get('pd')
    .get('x')
    .op(...STORE);
  b.get('h').get('x').get('x').op(F64_MUL, F64_ADD).set('h');
  step8(b, 'pd');
  b.get('pd').get('end').op(I32_LT_U, BR_IF, 0);
  b.op(END);
  b.get('end')
    .i32(8)
    .op(I32_SUB)
    .op(...LOAD)
    .set('f');
  b.get('h').op(0x9f).set('g'); // f64.sqrt
  b.get('f');
  zero();
  b.op(0x64, IF, VOID); // f64.gt: f > 0 → g = −g
  b.get('g').op(0x9a).set('g'); // f64.neg
  b.op(END);
  b.get('e')
    .get('i8')
    .op(I32_ADD)
    .get('scale')
    .get('g')
    .op(F64_MUL)
    .op(...STORE);
  b.get('h').get('f').get('g').op(F64_MUL, F64_SUB).set('h');
  b.get('end')
    .i32(8)
    .op(I32_SUB)
    .get('f')
    .get('g')
    .op(F64_SUB)
    .op(...STORE);
  b.get('d').set('pd');
  b.get('e').set('pe');
  b.get('v').get('i').get('n8').op(I32_MUL, I32_ADD).set('pv');
  b.op(LOOP, VOID); // e[j] = 0, A[i][j] = d[j]
  b.get('pe');
  zero();
  b.op(...STORE);
  b.get('pv')
    .get('pd')
    .op(...LOAD)
    .op(...STORE);
  step8(b, 'pd', 'pe', 'pv');
  b.get('pd').get('end').op(I32_LT_U, BR_IF, 0);
  b.op(END);
  b.get('v')
    .get('n8')
    .get('d')
    .get('e')
    .get('i')
    .op(0x10, ...u32(SYMV_UPPER));
  zero();
  b.set('s');
  b.get('d').set('pd');
  b.get('e').set('pe');
  b.op(LOOP, VOID); // e /= h, s = e·d
  b.get('pe')
    .op(...LOAD)
    .get('h')
    .op(F64_DIV)
    .set('x');
  b.get('pe')
    .get('x')
    .op(...STORE);
  b.get('s')
    .get('x')
    .get('pd')
    .op(...LOAD)
    .op(F64_MUL, F64_ADD)
    .set('s');
  step8(b, 'pd', 'pe');
  b.get('pd').get('end').op(I32_LT_U, BR_IF, 0);
  b.op(END);
  b.get('s').get('h').get('h').op(F64_ADD, F64_DIV).set('hh');
  b.get('d').set('pd');
  b.get('e').set('pe');
  b.op(LOOP, VOID); // e −= hh·d
  b.get('pe')
    .get('pe')
    .op(...LOAD)
    .get('hh')
    .get('pd')
    .op(...LOAD)
    .op(F64_MUL, F64_SUB)
    .op(...STORE);
  step8(b, 'pd', 'pe');
  b.get('pd').get('end').op(I32_LT_U, BR_IF, 0);
  b.op(END);
  b.get('v')
    .get('n8')
    .get('d')
    .get('e')
    .get('i')
    .op(0x10, ...u32(SYR2_UPPER));
  b.op(END); // if scale = 0
  b.get('end')
    .get('h')
    .op(...STORE); // d[i] = h
  b.get('i').i32(1).op(I32_SUB).set('i');
  b.get('i8').i32(8).op(I32_SUB).set('i8');
  b.get('i').op(BR_IF, 0);
  b.op(END, END);
  return b.encode();
}

/**
 * inverseIteration(diag, off, n8, lambda, tiny, work, x, cluster, count, seed): the JS
 * `inverseIteration` of symmetricEigen.ts step for step: unit eigenvector x (n f64 at x, followed by
 * two zero f64) of the symmetric tridiagonal (diag, off) for the eigenvalue `lambda`, by three steps
 * of inverse iteration with a pivoted LU of T − λI (zero pivots replaced by `tiny`), each step
 * orthogonalised against the `count` vectors at `cluster` (rows of n f64, n8 bytes apart). `work`
 * holds 5 zeroed arrays of n + 2 f64 (U's three diagonals, multipliers, swaps). n ≥ 2.
 */
function inverseIterationFunction(): number[] {
  const b = new Body(['diag', 'off', 'n8', 'lambda', 'tiny', 'work', 'x', 'cluster', 'count', 'seed']);
  for (const l of ['i8', 'last8', 'w8', 'pu0', 'pu1', 'pu2', 'pm', 'ps', 'state', 'iter', 'q', 'qi', 'px', 'pq', 'end']) b.local(l, I32);
  for (const l of ['a0', 'a1', 'a2', 'b0', 'b1', 'b2', 'l', 't', 'sum', 'len']) b.local(l, F64);
  const f64 = (v: number): void => void b.op(F64_CONST, ...new Uint8Array(new Float64Array([v]).buffer));
  const at = (base: string, idx: string): void => void b.get(base).get(idx).op(I32_ADD); // byte address base + idx (idx in bytes)
  const ABS = 0x99,
    F64_LT = 0x63,
    F64_GT = 0x64,
    F64_GE = 0x66,
    F64_EQ = 0x61,
    ELSE = 0x05;
  b.get('n8').i32(16).op(I32_ADD).set('w8');
  b.get('work').set('pu0');
  b.get('pu0').get('w8').op(I32_ADD).set('pu1');
  b.get('pu1').get('w8').op(I32_ADD).set('pu2');
  b.get('pu2').get('w8').op(I32_ADD).set('pm');
  b.get('pm').get('w8').op(I32_ADD).set('ps');
  b.get('n8').i32(8).op(I32_SUB).set('last8');
  // a0 = diag[0] − λ, a1 = off[0], a2 = 0
  b.get('diag')
    .op(...LOAD)
    .get('lambda')
    .op(F64_SUB)
    .set('a0');
  b.get('off')
    .op(...LOAD)
    .set('a1');
  f64(0);
  b.set('a2');
  b.i32(0).set('i8');
  b.op(LOOP, VOID); // i = 0 .. n−2
  at('off', 'i8');
  b.op(...LOAD).set('b0');
  at('diag', 'i8');
  b.op(F64_LOAD, 3, 8).get('lambda').op(F64_SUB).set('b1');
  f64(0);
  b.set('b2');
  b.get('i8').i32(16).op(I32_ADD).get('n8').op(I32_LT_U, IF, VOID);
  at('off', 'i8');
  b.op(F64_LOAD, 3, 8).set('b2');
  b.op(END);
  b.get('a0').op(ABS).get('b0').op(ABS).op(F64_GE, IF, VOID);
  b.get('a0');
  f64(0);
  b.op(F64_EQ, IF, VOID).get('tiny').set('a0').op(END);
  b.get('b0').get('a0').op(F64_DIV).set('l');
  at('pu0', 'i8');
  b.get('a0').op(...STORE);
  at('pu1', 'i8');
  b.get('a1').op(...STORE);
  at('pu2', 'i8');
  b.get('a2').op(...STORE);
  at('ps', 'i8');
  f64(0);
  b.op(...STORE);
  b.get('b1').get('l').get('a1').op(F64_MUL, F64_SUB).set('a0');
  b.get('b2').get('l').get('a2').op(F64_MUL, F64_SUB).set('a1');
  b.op(ELSE);
  b.get('a0').get('b0').op(F64_DIV).set('l');
  at('pu0', 'i8');
  b.get('b0').op(...STORE);
  at('pu1', 'i8');
  b.get('b1').op(...STORE);
  at('pu2', 'i8');
  b.get('b2').op(...STORE);
  at('ps', 'i8');
  f64(1);
  b.op(...STORE);
  b.get('a1').get('l').get('b1').op(F64_MUL, F64_SUB).set('a0');
  b.get('a2').get('l').get('b2').op(F64_MUL, F64_SUB).set('a1');
  b.op(END);
  at('pm', 'i8');
  b.get('l').op(...STORE);
  f64(0);
  b.set('a2');
  continueBelow(b, 'i8', 8, 'last8');
  b.op(END);
  // u0[n−1] = a0 or tiny; then |u0[i]| < tiny → ±tiny
  at('pu0', 'last8');
  b.get('a0');
  f64(0);
  b.op(F64_EQ, IF, 0x7c).get('tiny').op(ELSE).get('a0').op(END);
  b.op(...STORE);
  b.i32(0).set('i8');
  b.op(LOOP, VOID);
  at('pu0', 'i8');
  b.op(...LOAD).set('t');
  b.get('t').op(ABS).get('tiny').op(F64_LT, IF, VOID);
  at('pu0', 'i8');
  b.get('t');
  f64(0);
  b.op(F64_LT, IF, 0x7c).get('tiny').op(0x9a).op(ELSE).get('tiny').op(END);
  b.op(...STORE);
  b.op(END);
  continueBelow(b, 'i8', 8, 'n8');
  b.op(END);
  // Start vector: state = 0x9e3779b9 ^ (seed·0x85ebca6b) (mod 2³²), then an LCG per entry.
  b.i32(0x9e3779b9 | 0)
    .get('seed')
    .i32(0x85ebca6b | 0)
    .op(I32_MUL)
    .op(0x73)
    .set('state'); // i32.xor
  b.i32(0).set('i8');
  b.op(LOOP, VOID);
  b.get('state').i32(1664525).op(I32_MUL).i32(1013904223).op(I32_ADD).set('state');
  at('x', 'i8');
  b.get('state').op(0xb8); // f64.convert_i32_u
  f64(4294967296);
  b.op(F64_DIV);
  f64(0.5);
  b.op(F64_SUB, ...STORE);
  continueBelow(b, 'i8', 8, 'n8');
  b.op(END);
  b.i32(0).set('iter');
  b.op(LOOP, VOID); // three iterations
  // forward: swaps and multipliers
  b.i32(0).set('i8');
  b.op(LOOP, VOID);
  at('ps', 'i8');
  b.op(...LOAD);
  f64(0);
  b.op(F64_NE, IF, VOID);
  at('x', 'i8');
  b.op(...LOAD).set('t');
  at('x', 'i8');
  at('x', 'i8');
  b.op(F64_LOAD, 3, 8).op(...STORE);
  at('x', 'i8');
  b.get('t').op(F64_STORE, 3, 8);
  b.op(END);
  at('x', 'i8');
  at('x', 'i8');
  b.op(F64_LOAD, 3, 8);
  at('pm', 'i8');
  b.op(...LOAD);
  at('x', 'i8');
  b.op(...LOAD)
    .op(F64_MUL, F64_SUB)
    .op(F64_STORE, 3, 8);
  continueBelow(b, 'i8', 8, 'last8');
  b.op(END);
  // back substitution through U (x[n], x[n+1] and U's entries past the end are 0)
  b.get('n8').set('i8');
  b.op(LOOP, VOID);
  b.get('i8').i32(8).op(I32_SUB).set('i8');
  at('x', 'i8');
  at('x', 'i8');
  b.op(...LOAD);
  at('pu1', 'i8');
  b.op(...LOAD);
  at('x', 'i8');
  b.op(F64_LOAD, 3, 8).op(F64_MUL, F64_SUB);
  at('pu2', 'i8');
  b.op(...LOAD);
  at('x', 'i8');
  b.op(F64_LOAD, 3, 16).op(F64_MUL, F64_SUB);
  at('pu0', 'i8');
  b.op(...LOAD).op(F64_DIV, ...STORE);
  b.get('i8').op(BR_IF, 0);
  b.op(END);
  // Gram–Schmidt against the cluster
  b.i32(0).set('q');
  b.get('cluster').set('qi');
  b.op(BLOCK, VOID);
  b.get('q').get('count').op(I32_GE_U, BR_IF, 0);
  b.op(LOOP, VOID);
  f64(0);
  b.set('sum');
  b.get('x').set('px');
  b.get('qi').set('pq');
  b.get('x').get('n8').op(I32_ADD).set('end');
  b.op(LOOP, VOID);
  b.get('sum')
    .get('pq')
    .op(...LOAD)
    .get('px')
    .op(...LOAD)
    .op(F64_MUL, F64_ADD)
    .set('sum');
  step8(b, 'px', 'pq');
  b.get('px').get('end').op(I32_LT_U, BR_IF, 0);
  b.op(END);
  b.get('x').set('px');
  b.get('qi').set('pq');
  b.op(LOOP, VOID);
  b.get('px')
    .get('px')
    .op(...LOAD)
    .get('sum')
    .get('pq')
    .op(...LOAD)
    .op(F64_MUL, F64_SUB)
    .op(...STORE);
  step8(b, 'px', 'pq');
  b.get('px').get('end').op(I32_LT_U, BR_IF, 0);
  b.op(END);
  b.addTo('qi', (x) => x.get('n8'));
  continueBelow(b, 'q', 1, 'count');
  b.op(END, END);
  // normalise (or fall back to a unit vector)
  f64(0);
  b.set('len');
  b.get('x').set('px');
  b.get('x').get('n8').op(I32_ADD).set('end');
  b.op(LOOP, VOID);
  b.get('len')
    .get('px')
    .op(...LOAD)
    .get('px')
    .op(...LOAD)
    .op(F64_MUL, F64_ADD)
    .set('len');
  step8(b, 'px');
  b.get('px').get('end').op(I32_LT_U, BR_IF, 0);
  b.op(END);
  b.get('len').op(0x9f).set('len');
  b.get('len');
  f64(0);
  b.op(F64_GT).get('len');
  f64(Infinity);
  b.op(F64_LT).op(0x71, IF, VOID); // i32.and: 0 < len < ∞
  b.get('x').set('px');
  b.op(LOOP, VOID);
  b.get('px')
    .get('px')
    .op(...LOAD)
    .get('len')
    .op(F64_DIV)
    .op(...STORE);
  step8(b, 'px');
  b.get('px').get('end').op(I32_LT_U, BR_IF, 0);
  b.op(END);
  b.op(ELSE);
  b.get('x').set('px');
  b.op(LOOP, VOID);
  b.get('px');
  f64(0);
  b.op(...STORE);
  step8(b, 'px');
  b.get('px').get('end').op(I32_LT_U, BR_IF, 0);
  b.op(END);
  b.get('x').get('seed').get('n8').i32(8).op(0x6e).op(0x70).i32(8).op(I32_MUL, I32_ADD); // x[seed % n]
  f64(1);
  b.op(...STORE);
  b.op(END);
  b.addTo('iter', (x) => x.i32(1));
  b.get('iter').i32(3).op(I32_LT_U, BR_IF, 0);
  b.op(END);
  return b.encode();
}

/**
 * tql2Values(d, e, n) → status: the eigenvalues of the symmetric tridiagonal (d: diagonal, e[1..n):
 * sub-diagonal, as `householderReduce` leaves them) by implicit QL, sorted ascending into d: the JS
 * `tql2(n, e, d, null)` of symmetricEigen.ts step for step (JAMA's tql2 without vectors; √(a² + b²)
 * as its `hypot`). Returns 0, or 1 when an eigenvalue needed more than 60 iterations (non-finite
 * input), where the JS version throws. n ≥ 1.
 */
function tql2ValuesFunction(): number[] {
  const b = new Body(['d', 'e', 'n']);
  for (const l of ['l', 'm', 'i', 'iter', 'k', 'j']) b.local(l, I32);
  for (const l of ['f', 'tst1', 'g', 'p', 'r', 'dl1', 'h', 'c', 'c2', 'c3', 'el1', 's', 's2', 'hx', 'hy', 'hb', 'eps', 't']) b.local(l, F64);
  const f64 = (v: number): void => void b.op(F64_CONST, ...new Uint8Array(new Float64Array([v]).buffer));
  const ABS = 0x99,
    SQRT = 0x9f,
    F64_LT = 0x63,
    F64_GT = 0x64,
    F64_LE = 0x65,
    F64_EQ = 0x61,
    F64_MAX = 0xa5,
    SELECT = 0x1b,
    ELSE = 0x05,
    SHL = 0x74,
    RETURN = 0x0f,
    I32_GT_U = 0x4b,
    I32_NE = 0x47;
  const adr = (base: string, idx: string): void => void b.get(base).get(idx).i32(3).op(SHL, I32_ADD);
  /** Pushes base[idx + plus] (plus ≥ 0). */
  const ld = (base: string, idx: string, plus = 0): void => {
    adr(base, idx);
    b.op(F64_LOAD, 3, ...u32(plus * 8));
  };
  /** base[idx + plus] = the value `push` leaves on the stack. */
  const st = (base: string, idx: string, push: () => void, plus = 0): void => {
    adr(base, idx);
    push();
    b.op(F64_STORE, 3, ...u32(plus * 8));
  };
  /** r = √(x² + y²) without overflow (LAPACK dlapy2, the JS `hypot`). */
  const hypot = (x: () => void, y: () => void): void => {
    x();
    b.op(ABS).set('hx');
    y();
    b.op(ABS).set('hy');
    b.get('hx').get('hy').get('hx').get('hy').op(F64_GT, SELECT).set('hb'); // big = x > y ? x : y
    b.get('hb');
    f64(0);
    b.op(F64_EQ, IF, 0x7c);
    f64(0);
    b.op(ELSE);
    b.get('hb');
    f64(1);
    b.get('hy').get('hx').get('hx').get('hy').op(F64_GT, SELECT).get('hb').op(F64_DIV).set('t'); // ratio = small / big
    b.get('t').get('t').op(F64_MUL, F64_ADD, SQRT, F64_MUL);
    b.op(END).set('r');
  };
  f64(Number.EPSILON);
  b.set('eps');
  // e[i−1] = e[i] for i = 1 .. n−1; e[n−1] = 0
  b.i32(0).set('j');
  b.op(BLOCK, VOID);
  b.get('n').i32(1).op(I32_LE_U, BR_IF, 0);
  b.op(LOOP, VOID);
  st('e', 'j', () => ld('e', 'j', 1));
  b.addTo('j', (x) => x.i32(1));
  b.get('j').i32(1).op(I32_ADD).get('n').op(I32_LT_U, BR_IF, 0);
  b.op(END, END);
  b.get('n').i32(1).op(I32_SUB).set('j');
  st('e', 'j', () => f64(0));
  f64(0);
  b.set('f');
  f64(0);
  b.set('tst1');
  b.i32(0).set('l');
  b.op(LOOP, VOID); // l = 0 .. n−1
  // tst1 = max(tst1, |d[l]| + |e[l]|)
  b.get('tst1');
  ld('d', 'l');
  b.op(ABS);
  ld('e', 'l');
  b.op(ABS, F64_ADD, F64_MAX).set('tst1');
  // m = first index ≥ l with |e[m]| ≤ eps·tst1 (e[n−1] = 0 ends it)
  b.get('l').set('m');
  b.op(BLOCK, VOID);
  b.op(LOOP, VOID);
  b.get('m').get('n').op(I32_GE_U, BR_IF, 1);
  ld('e', 'm');
  b.op(ABS).get('eps').get('tst1').op(F64_MUL, F64_LE, BR_IF, 1);
  b.addTo('m', (x) => x.i32(1));
  b.op(0x0c, 0); // br 0 (continue)
  b.op(END, END);
  b.get('m').get('l').op(I32_GT_U, IF, VOID);
  b.i32(0).set('iter');
  b.op(LOOP, VOID); // do … while |e[l]| > eps·tst1
  b.addTo('iter', (x) => x.i32(1));
  b.get('iter').i32(60).op(I32_GT_U, IF, VOID).i32(1).op(RETURN).op(END);
  ld('d', 'l');
  b.set('g');
  ld('d', 'l', 1);
  b.get('g').op(F64_SUB);
  f64(2);
  ld('e', 'l');
  b.op(F64_MUL, F64_DIV).set('p');
  hypot(
    () => b.get('p'),
    () => f64(1),
  );
  b.get('p');
  f64(0);
  b.op(F64_LT, IF, VOID).get('r').op(0x9a).set('r').op(END);
  st('d', 'l', () => {
    ld('e', 'l');
    b.get('p').get('r').op(F64_ADD, F64_DIV);
  });
  st(
    'd',
    'l',
    () => {
      ld('e', 'l');
      b.get('p').get('r').op(F64_ADD, F64_MUL);
    },
    1,
  );
  ld('d', 'l', 1);
  b.set('dl1');
  b.get('g');
  ld('d', 'l');
  b.op(F64_SUB).set('h');
  // d[i] −= h for i = l+2 .. n−1
  b.get('l').i32(2).op(I32_ADD).set('i');
  b.op(BLOCK, VOID);
  b.get('i').get('n').op(I32_GE_U, BR_IF, 0);
  b.op(LOOP, VOID);
  st('d', 'i', () => {
    ld('d', 'i');
    b.get('h').op(F64_SUB);
  });
  continueBelow(b, 'i', 1, 'n');
  b.op(END, END);
  b.get('f').get('h').op(F64_ADD).set('f');
  ld('d', 'm');
  b.set('p');
  f64(1);
  b.tee('c').set('c2'); // c = c2 = 1
  b.get('c2').set('c3');
  ld('e', 'l', 1);
  b.set('el1');
  f64(0);
  b.set('s');
  f64(0);
  b.set('s2');
  // for i = m−1 down to l
  b.get('m').set('i');
  b.op(LOOP, VOID);
  b.get('i').i32(1).op(I32_SUB).set('i');
  b.get('c2').set('c3');
  b.get('c').set('c2');
  b.get('s').set('s2');
  b.get('c');
  ld('e', 'i');
  b.op(F64_MUL).set('g');
  b.get('c').get('p').op(F64_MUL).set('h');
  hypot(
    () => b.get('p'),
    () => ld('e', 'i'),
  );
  st(
    'e',
    'i',
    () => {
      b.get('s').get('r').op(F64_MUL);
    },
    1,
  );
  ld('e', 'i');
  b.get('r').op(F64_DIV).set('s');
  b.get('p').get('r').op(F64_DIV).set('c');
  b.get('c');
  ld('d', 'i');
  b.op(F64_MUL).get('s').get('g').op(F64_MUL, F64_SUB).set('p');
  st(
    'd',
    'i',
    () => {
      b.get('h').get('s').get('c').get('g').op(F64_MUL).get('s');
      ld('d', 'i');
      b.op(F64_MUL, F64_ADD, F64_MUL, F64_ADD);
    },
    1,
  );
  b.get('i').get('l').op(I32_NE, BR_IF, 0);
  b.op(END);
  // p = −s·s2·c3·el1·e[l]/dl1; e[l] = s·p; d[l] = c·p
  b.get('s').op(0x9a).get('s2').op(F64_MUL).get('c3').op(F64_MUL).get('el1').op(F64_MUL);
  ld('e', 'l');
  b.op(F64_MUL).get('dl1').op(F64_DIV).set('p');
  st('e', 'l', () => b.get('s').get('p').op(F64_MUL));
  st('d', 'l', () => b.get('c').get('p').op(F64_MUL));
  ld('e', 'l');
  b.op(ABS).get('eps').get('tst1').op(F64_MUL, F64_GT, BR_IF, 0);
  b.op(END); // do-while
  b.op(END); // if m > l
  st('d', 'l', () => {
    ld('d', 'l');
    b.get('f').op(F64_ADD);
  });
  st('e', 'l', () => f64(0));
  continueBelow(b, 'l', 1, 'n');
  b.op(END);
  // selection sort ascending (as JAMA): i = 0 .. n−2
  b.i32(0).set('i');
  b.op(BLOCK, VOID);
  b.get('n').i32(1).op(I32_LE_U, BR_IF, 0);
  b.op(LOOP, VOID);
  b.get('i').set('k');
  ld('d', 'i');
  b.set('p');
  b.get('i').i32(1).op(I32_ADD).set('j');
  b.op(LOOP, VOID);
  ld('d', 'j');
  b.get('p').op(F64_LT, IF, VOID);
  b.get('j').set('k');
  ld('d', 'j');
  b.set('p');
  b.op(END);
  continueBelow(b, 'j', 1, 'n');
  b.op(END);
  b.get('k').get('i').op(I32_NE, IF, VOID);
  st('d', 'k', () => ld('d', 'i'));
  st('d', 'i', () => b.get('p'));
  b.op(END);
  b.addTo('i', (x) => x.i32(1));
  b.get('i').i32(1).op(I32_ADD).get('n').op(I32_LT_U, BR_IF, 0);
  b.op(END, END);
  b.i32(0);
  return b.encode();
}

/**
 * centreRows(a, n, d8, mean, rowDot) → Σx²: column means of the n×d f64 matrix at a into `mean`
 * (zeroed by the caller; rows summed in order, then divided by n, as `columnMeans`), then each row
 * centred in place, x = a − μ, with ‖X_c‖²_F returned and X_c·μ per row written to rowDot: the JS
 * centring loop of `centeredPcaWithGram` in the same order. n ≥ 1, d ≥ 1.
 */
function centreRowsFunction(): number[] {
  const b = new Body(['a', 'n', 'd8', 'mean', 'rowDot']);
  for (const l of ['r', 'p', 'pm', 'end']) b.local(l, I32);
  for (const l of ['total', 'dot', 'x', 'count']) b.local(l, F64);
  b.get('mean').get('d8').op(I32_ADD).set('end');
  b.i32(0).set('r');
  b.get('a').set('p');
  b.op(LOOP, VOID); // column sums, row by row
  b.get('mean').set('pm');
  b.op(LOOP, VOID);
  b.get('pm')
    .get('pm')
    .op(...LOAD)
    .get('p')
    .op(...LOAD)
    .op(F64_ADD, ...STORE);
  step8(b, 'p', 'pm');
  b.get('pm').get('end').op(I32_LT_U, BR_IF, 0);
  b.op(END);
  continueBelow(b, 'r', 1, 'n');
  b.op(END);
  b.get('n').op(0xb8).set('count'); // f64.convert_i32_u
  b.get('mean').set('pm');
  b.op(LOOP, VOID);
  b.get('pm')
    .get('pm')
    .op(...LOAD)
    .get('count')
    .op(F64_DIV, ...STORE);
  step8(b, 'pm');
  b.get('pm').get('end').op(I32_LT_U, BR_IF, 0);
  b.op(END);
  b.op(F64_CONST, 0, 0, 0, 0, 0, 0, 0, 0).set('total');
  b.i32(0).set('r');
  b.get('a').set('p');
  b.op(LOOP, VOID); // centre each row
  b.op(F64_CONST, 0, 0, 0, 0, 0, 0, 0, 0).set('dot');
  b.get('mean').set('pm');
  b.op(LOOP, VOID);
  b.get('p')
    .op(...LOAD)
    .get('pm')
    .op(...LOAD)
    .op(F64_SUB)
    .set('x');
  b.get('p')
    .get('x')
    .op(...STORE);
  b.get('total').get('x').get('x').op(F64_MUL, F64_ADD).set('total');
  b.get('dot')
    .get('x')
    .get('pm')
    .op(...LOAD)
    .op(F64_MUL, F64_ADD)
    .set('dot');
  step8(b, 'p', 'pm');
  b.get('pm').get('end').op(I32_LT_U, BR_IF, 0);
  b.op(END);
  b.get('rowDot')
    .get('r')
    .i32(8)
    .op(I32_MUL, I32_ADD)
    .get('dot')
    .op(...STORE);
  continueBelow(b, 'r', 1, 'n');
  b.op(END);
  b.get('total');
  return b.encode();
}

/** `name = name + a·b` for f64 locals. */
function addProduct(b: Body, acc: string, x: string, y: string): void {
  b.get(acc).get(x).get(y).op(F64_MUL, F64_ADD).set(acc);
}

/**
 * deltaRows(a, b, n, d8, sums, rowOut): for the n rows of d f64 values at a (after) and b (before),
 * a ← a − b in place; sums[0] += Σ(a − b)², sums[1] += Σb² over all of them in order (running totals
 * across calls), and per row rowOut gets Σb², Σa², Σa·b, Σ(a − b)² (4 f64): the JS loop of
 * `deltaWithRowNorms` in the same order (bit-identical). n ≥ 1, d ≥ 1.
 */
function deltaRowsFunction(): number[] {
  const b = new Body(['a', 'b', 'n', 'd8', 'sums', 'rowOut']);
  for (const l of ['r', 'p', 'q', 'end', 'po']) b.local(l, I32);
  for (const l of ['x', 'y', 'diff', 'dn', 'bn', 'bb', 'aa', 'ab', 'dd']) b.local(l, F64);
  const zero = (l: string): void => void b.op(F64_CONST, 0, 0, 0, 0, 0, 0, 0, 0).set(l);
  b.get('sums')
    .op(...LOAD)
    .set('dn');
  b.get('sums').op(F64_LOAD, 3, 8).set('bn');
  b.get('a').set('p');
  b.get('b').set('q');
  b.get('rowOut').set('po');
  b.i32(0).set('r');
  b.op(LOOP, VOID); // rows
  for (const l of ['bb', 'aa', 'ab', 'dd']) zero(l);
  b.get('p').get('d8').op(I32_ADD).set('end');
  b.op(LOOP, VOID); // columns
  b.get('q')
    .op(...LOAD)
    .set('x');
  b.get('p')
    .op(...LOAD)
    .set('y');
  b.get('y').get('x').op(F64_SUB).set('diff');
  b.get('p')
    .get('diff')
    .op(...STORE);
  addProduct(b, 'dn', 'diff', 'diff');
  addProduct(b, 'bn', 'x', 'x');
  addProduct(b, 'bb', 'x', 'x');
  addProduct(b, 'aa', 'y', 'y');
  addProduct(b, 'ab', 'x', 'y');
  addProduct(b, 'dd', 'diff', 'diff');
  step8(b, 'p', 'q');
  b.get('p').get('end').op(I32_LT_U, BR_IF, 0);
  b.op(END);
  ['bb', 'aa', 'ab', 'dd'].forEach(
    (l, i) =>
      void b
        .get('po')
        .get(l)
        .op(F64_STORE, 3, ...u32(i * 8)),
  );
  b.addTo('po', (x) => x.i32(32));
  continueBelow(b, 'r', 1, 'n');
  b.op(END);
  b.get('sums')
    .get('dn')
    .op(...STORE);
  b.get('sums').get('bn').op(F64_STORE, 3, 8);
  return b.encode();
}

/**
 * rowSums(a, n, d8, mu, out): for each of the n rows v of d f64 values at a, out gets Σv², Σv·μ and
 * Σ(v − μ)² (3 f64 per row), μ the d values at mu: the JS pass of `pcaRowMetricsWithSums` in the
 * same order (bit-identical). n ≥ 1, d ≥ 1.
 */
function rowSumsFunction(): number[] {
  const b = new Body(['a', 'n', 'd8', 'mu', 'out']);
  for (const l of ['r', 'p', 'pm', 'end', 'po']) b.local(l, I32);
  for (const l of ['v', 'm', 'x', 'norm2', 'dot', 'x2']) b.local(l, F64);
  const zero = (l: string): void => void b.op(F64_CONST, 0, 0, 0, 0, 0, 0, 0, 0).set(l);
  b.get('mu').get('d8').op(I32_ADD).set('end');
  b.get('a').set('p');
  b.get('out').set('po');
  b.i32(0).set('r');
  b.op(LOOP, VOID); // rows
  for (const l of ['norm2', 'dot', 'x2']) zero(l);
  b.get('mu').set('pm');
  b.op(LOOP, VOID); // columns
  b.get('p')
    .op(...LOAD)
    .set('v');
  b.get('pm')
    .op(...LOAD)
    .set('m');
  b.get('v').get('m').op(F64_SUB).set('x');
  addProduct(b, 'norm2', 'v', 'v');
  addProduct(b, 'dot', 'v', 'm');
  addProduct(b, 'x2', 'x', 'x');
  step8(b, 'p', 'pm');
  b.get('pm').get('end').op(I32_LT_U, BR_IF, 0);
  b.op(END);
  ['norm2', 'dot', 'x2'].forEach(
    (l, i) =>
      void b
        .get('po')
        .get(l)
        .op(F64_STORE, 3, ...u32(i * 8)),
  );
  b.addTo('po', (x) => x.i32(24));
  continueBelow(b, 'r', 1, 'n');
  b.op(END);
  return b.encode();
}

/**
 * minusFirstRow32(a, n, cols4, stride4): the n rows of f32 values at a (stride4 bytes apart) less
 * the first row, in place, over the first cols4 bytes of each: x ← f32(f64(x) − f64(x₀)), rows
 * n − 1 down to 0 (the first row last, it becomes 0): what JS computes storing `x − x₀` into a
 * Float32Array (bit-identical). n ≥ 1, cols4 ≥ 4.
 */
function minusFirstRow32Function(): number[] {
  const F32_LOAD = 0x2a,
    F32_STORE = 0x38,
    F32_DEMOTE_F64 = 0xb6;
  const b = new Body(['a', 'n', 'cols4', 'stride4']);
  for (const l of ['r', 'p', 'p0', 'end']) b.local(l, I32);
  b.get('n').set('r');
  b.op(LOOP, VOID); // rows, last first
  b.addTo('r', (x) => x.i32(-1));
  b.get('a').get('r').get('stride4').op(I32_MUL, I32_ADD).set('p');
  b.get('p').get('cols4').op(I32_ADD).set('end');
  b.get('a').set('p0');
  b.op(LOOP, VOID); // columns
  b.get('p').get('p').op(F32_LOAD, 2, 0, F64_PROMOTE_F32).get('p0').op(F32_LOAD, 2, 0, F64_PROMOTE_F32, F64_SUB, F32_DEMOTE_F64, F32_STORE, 2, 0);
  b.addTo('p', (x) => x.i32(4));
  b.addTo('p0', (x) => x.i32(4));
  b.get('p').get('end').op(I32_LT_U, BR_IF, 0);
  b.op(END);
  b.get('r').op(BR_IF, 0); // while r ≠ 0
  b.op(END);
  return b.encode();
}

/**
 * choleskyInverse(g, l, r, k, pivot, j0, j1, c0, c1) → 1, or 0 when a pivot s fails s > pivot·g_jj:
 * the JS `inverseCholeskyFactor` of choleskyQr.ts step for step (same operations in the same order,
 * so the same bits): columns j0..j1−1 of L (lower, k×k f64 at l) with G = LLᵀ, then rows c0..c1−1
 * of R⁻¹ = (L⁻¹)ᵀ into the k×k f64 at r by forward substitution (row c of R⁻¹ = column c of L⁻¹,
 * from all of L). l and r zeroed by the caller, who walks the ranges in order over several calls
 * (V8 tiers a kernel up between calls, not within one). As cold JS these triple loops ran
 * interpreted for most of a first call (18–40 ms at k = 217, 10 warm).
 */
function choleskyInverseFunction(): number[] {
  const b = new Body(['g', 'l', 'r', 'k', 'pivot', 'j0', 'j1', 'c0', 'c1']);
  for (const l of ['j', 'i', 'p', 'c', 'kb', 'rowJ', 'rowI', 'rowC', 'gj']) b.local(l, I32);
  for (const l of ['s', 't', 'ljj', 'v']) b.local(l, F64);
  const SQRT = 0x9f,
    F64_GT = 0x64,
    SHL = 0x74,
    SELECT = 0x1b,
    I32_EQ = 0x46,
    I32_EQZ = 0x45,
    RETURN = 0x0f;
  const f64 = (v: number): void => void b.op(F64_CONST, ...new Uint8Array(new Float64Array([v]).buffer));
  /** Pushes the address row + idx·8. */
  const at = (row: string, idx: string): void => void b.get(row).get(idx).i32(3).op(SHL, I32_ADD);
  /** while (counter < limit) { body; counter++ } (no pass when counter ≥ limit at the start). */
  const whileBelow = (counter: string, limit: string, body: () => void): void => {
    b.op(BLOCK, VOID);
    b.get(counter).get(limit).op(I32_GE_U, BR_IF, 0);
    b.op(LOOP, VOID);
    body();
    b.addTo(counter, (x) => x.i32(1));
    b.get(counter).get(limit).op(I32_LT_U, BR_IF, 0);
    b.op(END, END);
  };
  b.get('k').i32(3).op(SHL).set('kb');
  b.get('j0').set('j');
  whileBelow('j', 'j1', () => {
    b.get('l').get('j').get('kb').op(I32_MUL, I32_ADD).set('rowJ');
    b.get('g').get('j').get('kb').op(I32_MUL, I32_ADD).set('gj');
    at('gj', 'j');
    b.op(...LOAD).set('s');
    b.i32(0).set('p');
    whileBelow('p', 'j', () => {
      at('rowJ', 'p');
      b.op(...LOAD).set('v');
      b.get('s').get('v').get('v').op(F64_MUL, F64_SUB).set('s');
    });
    // if (!(s > pivot·g_jj)) return 0
    b.get('s').get('pivot');
    at('gj', 'j');
    b.op(...LOAD, F64_MUL, F64_GT, I32_EQZ, IF, VOID);
    b.i32(0).op(RETURN);
    b.op(END);
    b.get('s').op(SQRT).set('ljj');
    at('rowJ', 'j');
    b.get('ljj').op(...STORE);
    b.get('j').i32(1).op(I32_ADD).set('i');
    whileBelow('i', 'k', () => {
      b.get('l').get('i').get('kb').op(I32_MUL, I32_ADD).set('rowI');
      b.get('g').get('i').get('kb').op(I32_MUL, I32_ADD).get('j').i32(3).op(SHL, I32_ADD);
      b.op(...LOAD).set('t');
      b.i32(0).set('p');
      whileBelow('p', 'j', () => {
        b.get('t');
        at('rowI', 'p');
        b.op(...LOAD);
        at('rowJ', 'p');
        b.op(...LOAD, F64_MUL, F64_SUB).set('t');
      });
      at('rowI', 'j');
      b.get('t')
        .get('ljj')
        .op(F64_DIV, ...STORE);
    });
  });
  b.get('c0').set('c');
  whileBelow('c', 'c1', () => {
    b.get('r').get('c').get('kb').op(I32_MUL, I32_ADD).set('rowC');
    b.get('c').set('i');
    whileBelow('i', 'k', () => {
      b.get('l').get('i').get('kb').op(I32_MUL, I32_ADD).set('rowI');
      f64(1);
      f64(0);
      b.get('i').get('c').op(I32_EQ, SELECT).set('s');
      b.get('c').set('p');
      whileBelow('p', 'i', () => {
        b.get('s');
        at('rowI', 'p');
        b.op(...LOAD);
        at('rowC', 'p');
        b.op(...LOAD, F64_MUL, F64_SUB).set('s');
      });
      at('rowC', 'i');
      b.get('s');
      at('rowI', 'i');
      b.op(...LOAD, F64_DIV, ...STORE);
    });
  });
  b.i32(1);
  return b.encode();
}

/**
 * householderR(src, rs8, cs8, len, k, a, v): the k×k R of a Householder QR of the len×k matrix whose
 * element (i, c) sits at src + i·rs8 + c·cs8 (f64): its columns copied to a (column c at a + c·len·8),
 * then the JS `householderR` of singularValues.ts step for step (same operations in the same order,
 * so the same bits), reflecting the columns in place with v (len f64) as the reflector's scratch; R's
 * row i, column c (i ≤ c) is then a[c·len + i]. len > k ≥ 1. As cold JS (a one-shot `em-guard
 * analyze` calls it once, for principal angles' sines at 4096×k) its loops ran interpreted and
 * OSR-compiled on the main thread: 11–17 ms for 4096×4.
 */
function householderRFunction(): number[] {
  const b = new Body(['src', 'rs8', 'cs8', 'len', 'k', 'a', 'v']);
  for (const l of ['j', 'c', 'len8', 'x', 'p', 'q', 'end', 'vEnd']) b.local(l, I32);
  for (const l of ['norm', 'alpha', 'vv', 'dot', 'f']) b.local(l, F64);
  const SQRT = 0x9f,
    NEG = 0x9a,
    F64_EQ = 0x61,
    F64_GT = 0x64,
    SHL = 0x74,
    SELECT = 0x1b;
  const zero = (l: string): void => void b.op(F64_CONST, 0, 0, 0, 0, 0, 0, 0, 0).set(l);
  b.get('len').i32(3).op(SHL).set('len8');
  // Columns out of the strided source: a[c·len + i] = src(i, c).
  b.i32(0).set('c');
  b.op(LOOP, VOID);
  b.get('a').get('c').get('len8').op(I32_MUL, I32_ADD).tee('p').get('len8').op(I32_ADD).set('end');
  b.get('src').get('c').get('cs8').op(I32_MUL, I32_ADD).set('q');
  b.op(LOOP, VOID);
  b.get('p')
    .get('q')
    .op(...LOAD, ...STORE);
  b.addTo('p', (x) => x.i32(8));
  b.addTo('q', (x) => x.get('rs8'));
  b.get('p').get('end').op(I32_LT_U, BR_IF, 0);
  b.op(END);
  continueBelow(b, 'c', 1, 'k');
  b.op(END);
  b.i32(0).set('j');
  b.op(LOOP, VOID); // j = 0 .. k − 1
  b.op(BLOCK, VOID); // `continue` = br 0 out of this block
  // x = column j; norm = √Σ_{i ≥ j} x[i]²
  b.get('a').get('j').get('len8').op(I32_MUL, I32_ADD).tee('x').get('len8').op(I32_ADD).set('end');
  b.get('x').get('j').i32(3).op(SHL, I32_ADD).set('p');
  zero('norm');
  b.op(LOOP, VOID);
  b.get('norm')
    .get('p')
    .op(...LOAD)
    .get('p')
    .op(...LOAD, F64_MUL, F64_ADD)
    .set('norm');
  b.addTo('p', (x) => x.i32(8));
  b.get('p').get('end').op(I32_LT_U, BR_IF, 0);
  b.op(END);
  b.get('norm').op(SQRT).tee('norm');
  b.op(F64_CONST, 0, 0, 0, 0, 0, 0, 0, 0, F64_EQ, BR_IF, 0);
  // alpha = x[j] > 0 ? −norm : norm
  b.get('norm').op(NEG).get('norm');
  b.get('x').get('j').i32(3).op(SHL, I32_ADD);
  b.op(...LOAD, F64_CONST, 0, 0, 0, 0, 0, 0, 0, 0, F64_GT, SELECT).set('alpha');
  // v = x[j:]; v[0] −= alpha; vv = Σ v²
  b.get('x').get('j').i32(3).op(SHL, I32_ADD).set('p');
  b.get('v').set('q');
  b.op(LOOP, VOID);
  b.get('q')
    .get('p')
    .op(...LOAD, ...STORE);
  step8(b, 'p', 'q');
  b.get('p').get('end').op(I32_LT_U, BR_IF, 0);
  b.op(END);
  b.get('q').set('vEnd');
  b.get('v')
    .get('v')
    .op(...LOAD)
    .get('alpha')
    .op(F64_SUB, ...STORE);
  zero('vv');
  b.get('v').set('q');
  b.op(LOOP, VOID);
  b.get('vv')
    .get('q')
    .op(...LOAD)
    .get('q')
    .op(...LOAD, F64_MUL, F64_ADD)
    .set('vv');
  b.addTo('q', (x) => x.i32(8));
  b.get('q').get('vEnd').op(I32_LT_U, BR_IF, 0);
  b.op(END);
  b.get('vv').op(F64_CONST, 0, 0, 0, 0, 0, 0, 0, 0, F64_EQ, BR_IF, 0);
  // each column c ≥ j: y[j:] −= (2·(v·y[j:])/vv)·v
  b.get('j').set('c');
  b.op(LOOP, VOID);
  zero('dot');
  b.get('a').get('c').get('len8').op(I32_MUL, I32_ADD).get('j').i32(3).op(SHL, I32_ADD).tee('x').set('p');
  b.get('v').set('q');
  b.op(LOOP, VOID);
  b.get('dot')
    .get('q')
    .op(...LOAD)
    .get('p')
    .op(...LOAD, F64_MUL, F64_ADD)
    .set('dot');
  step8(b, 'p', 'q');
  b.get('q').get('vEnd').op(I32_LT_U, BR_IF, 0);
  b.op(END);
  b.op(F64_CONST, 0, 0, 0, 0, 0, 0, 0, 0x40).get('dot').op(F64_MUL).get('vv').op(F64_DIV).set('f');
  b.get('x').set('p');
  b.get('v').set('q');
  b.op(LOOP, VOID);
  b.get('p')
    .get('p')
    .op(...LOAD)
    .get('f')
    .get('q')
    .op(...LOAD, F64_MUL, F64_SUB, ...STORE);
  step8(b, 'p', 'q');
  b.get('q').get('vEnd').op(I32_LT_U, BR_IF, 0);
  b.op(END);
  continueBelow(b, 'c', 1, 'k');
  b.op(END);
  b.op(END); // block
  continueBelow(b, 'j', 1, 'k');
  b.op(END);
  return b.encode();
}

/**
 * copy64(src, rs8, cs8, rows, cols, dst, drs8): element (i, j) of a rows×cols f64 matrix read through
 * byte strides (src + i·rs8 + j·cs8) to dst + i·drs8 + 8j: the transposes and column interleaves the
 * metrics build before a product (exact copies). As cold JS each such loop ran interpreted and
 * OSR-compiled on the main thread (6–9 ms for energy's 4096×8 interleave). rows, cols ≥ 1.
 */
function copy64Function(): number[] {
  const b = new Body(['src', 'rs8', 'cs8', 'rows', 'cols', 'dst', 'drs8']);
  for (const l of ['i', 'p', 'q', 'end']) b.local(l, I32);
  b.i32(0).set('i');
  b.op(LOOP, VOID);
  b.get('src').get('i').get('rs8').op(I32_MUL, I32_ADD).set('p');
  b.get('dst').get('i').get('drs8').op(I32_MUL, I32_ADD).tee('q').get('cols').i32(3).op(0x74, I32_ADD).set('end');
  b.op(LOOP, VOID);
  b.get('q')
    .get('p')
    .op(...LOAD, ...STORE);
  b.addTo('p', (x) => x.get('cs8'));
  b.addTo('q', (x) => x.i32(8));
  b.get('q').get('end').op(I32_LT_U, BR_IF, 0);
  b.op(END);
  continueBelow(b, 'i', 1, 'rows');
  b.op(END);
  return b.encode();
}

/**
 * mirrorLower(g, gs8, rows, out): the rows×rows symmetric matrix (row-major f64 at out) whose lower
 * triangle is that of the matrix at g (rows gs8 bytes apart): out[i][j] = out[j][i] = g[i][j] for
 * j ≤ i, as the Gram wrappers' JS mirror loop wrote it (whose 33 K iterations per 256×256 Gram ran
 * interpreted and were OSR-compiled on the main thread). rows ≥ 1.
 */
function mirrorLowerFunction(): number[] {
  const b = new Body(['g', 'gs8', 'rows', 'out']);
  for (const l of ['i', 'j', 'p', 'rowI', 'colI', 'rows8']) b.local(l, I32);
  b.local('v', F64);
  const SHL = 0x74;
  b.get('rows').i32(3).op(SHL).set('rows8');
  b.i32(0).set('i');
  b.op(LOOP, VOID);
  b.get('g').get('i').get('gs8').op(I32_MUL, I32_ADD).set('p');
  b.get('out').get('i').get('rows8').op(I32_MUL, I32_ADD).set('rowI'); // &out[i][0]
  b.get('out').get('i').i32(3).op(SHL, I32_ADD).set('colI'); // &out[0][i]
  b.i32(0).set('j');
  b.op(LOOP, VOID);
  b.get('p')
    .op(...LOAD)
    .set('v');
  b.get('rowI')
    .get('j')
    .i32(3)
    .op(SHL, I32_ADD)
    .get('v')
    .op(...STORE);
  b.get('colI')
    .get('j')
    .get('rows8')
    .op(I32_MUL, I32_ADD)
    .get('v')
    .op(...STORE);
  b.addTo('p', (x) => x.i32(8));
  b.addTo('j', (x) => x.i32(1));
  b.get('j').get('i').op(I32_LE_U, BR_IF, 0);
  b.op(END);
  continueBelow(b, 'i', 1, 'rows');
  b.op(END);
  return b.encode();
}

/**
 * doubleCentre(k, n, rowMean): K ← H K H in place for the symmetric n×n f64 K at k (H = I − 11ᵀ/n),
 * rowMean n f64 of scratch: linearCka.ts's JS `doubleCentre` step for step (row sums in order,
 * rowMean[i] = s/n, total = Σ s / n², then K_ij − r_i − r_j + total left to right: the same bits). n ≥ 1.
 */
function doubleCentreFunction(): number[] {
  const b = new Body(['k', 'n', 'rowMean']);
  for (const l of ['i', 'j', 'p', 'end', 'pm', 'n8']) b.local(l, I32);
  for (const l of ['s', 'total', 'nf', 'ri']) b.local(l, F64);
  const F64_CONVERT_I32_U = 0xb8;
  const SHL = 0x74;
  b.get('n').i32(3).op(SHL).set('n8');
  b.get('n').op(F64_CONVERT_I32_U).set('nf');
  b.op(F64_CONST, 0, 0, 0, 0, 0, 0, 0, 0).set('total');
  b.get('k').set('p');
  b.get('rowMean').set('pm');
  b.i32(0).set('i');
  b.op(LOOP, VOID);
  b.op(F64_CONST, 0, 0, 0, 0, 0, 0, 0, 0).set('s');
  b.get('p').get('n8').op(I32_ADD).set('end');
  b.op(LOOP, VOID);
  b.get('s')
    .get('p')
    .op(...LOAD, F64_ADD)
    .set('s');
  b.addTo('p', (x) => x.i32(8));
  b.get('p').get('end').op(I32_LT_U, BR_IF, 0);
  b.op(END);
  b.get('pm')
    .get('s')
    .get('nf')
    .op(F64_DIV, ...STORE);
  b.get('total').get('s').op(F64_ADD).set('total');
  b.addTo('pm', (x) => x.i32(8));
  continueBelow(b, 'i', 1, 'n');
  b.op(END);
  b.get('total').get('nf').get('nf').op(F64_MUL, F64_DIV).set('total');
  b.get('k').set('p');
  b.get('rowMean').set('pm');
  b.i32(0).set('i');
  b.op(LOOP, VOID);
  b.get('pm')
    .op(...LOAD)
    .set('ri');
  b.get('rowMean').set('end'); // walks rowMean[j]
  b.i32(0).set('j');
  b.op(LOOP, VOID);
  b.get('p')
    .get('p')
    .op(...LOAD)
    .get('ri')
    .op(F64_SUB)
    .get('end')
    .op(...LOAD, F64_SUB)
    .get('total')
    .op(F64_ADD, ...STORE);
  b.addTo('p', (x) => x.i32(8));
  b.addTo('end', (x) => x.i32(8));
  continueBelow(b, 'j', 1, 'n');
  b.op(END);
  b.addTo('pm', (x) => x.i32(8));
  continueBelow(b, 'i', 1, 'n');
  b.op(END);
  return b.encode();
}

/** frobDot(a, b, len) → Σ a[i]·b[i] over len f64, in order (linearCka.ts's `frobDot`: the same bits). len ≥ 1. */
function frobDotFunction(): number[] {
  const b = new Body(['a', 'b', 'len']);
  for (const l of ['p', 'q', 'end']) b.local(l, I32);
  b.local('s', F64);
  b.op(F64_CONST, 0, 0, 0, 0, 0, 0, 0, 0).set('s');
  b.get('a').set('p');
  b.get('b').set('q');
  b.get('a').get('len').i32(3).op(0x74, I32_ADD).set('end');
  b.op(LOOP, VOID);
  b.get('s')
    .get('p')
    .op(...LOAD)
    .get('q')
    .op(...LOAD, F64_MUL, F64_ADD)
    .set('s');
  step8(b, 'p', 'q');
  b.get('p').get('end').op(I32_LT_U, BR_IF, 0);
  b.op(END);
  b.get('s');
  return b.encode();
}

/**
 * residualWithin(image, cols, values, n, want, limit) → 1 when |image[r][j] − values[j]·cols[r][j]| ≤
 * limit for every r < n, j < want (n×want row-major f64 matrices, values want f64), else 0 (NaN fails):
 * symmetricEigenTop's check of Au = λu, the JS comparison in the same order. n, want ≥ 1.
 */
function residualWithinFunction(): number[] {
  const b = new Body(['image', 'cols', 'values', 'n', 'want', 'limit']);
  for (const l of ['r', 'j', 'p', 'q', 'pv']) b.local(l, I32);
  const F64_ABS = 0x99,
    F64_LE = 0x65,
    I32_EQZ = 0x45,
    RETURN = 0x0f;
  b.get('image').set('p');
  b.get('cols').set('q');
  b.i32(0).set('r');
  b.op(LOOP, VOID);
  b.get('values').set('pv');
  b.i32(0).set('j');
  b.op(LOOP, VOID);
  b.get('p')
    .op(...LOAD)
    .get('pv')
    .op(...LOAD)
    .get('q')
    .op(...LOAD, F64_MUL, F64_SUB, F64_ABS)
    .get('limit')
    .op(F64_LE, I32_EQZ, IF, VOID);
  b.i32(0).op(RETURN);
  b.op(END);
  step8(b, 'p', 'q', 'pv');
  continueBelow(b, 'j', 1, 'want');
  b.op(END);
  continueBelow(b, 'r', 1, 'n');
  b.op(END);
  b.i32(1);
  return b.encode();
}

/**
 * projectionSums(projected, muV, ev, n, k, out): per row r of the n×k f64 `projected`, with
 * c_j = projected[r][j] − muV[j]: Σc², Σc·muV[j] and Σ(c·c)/ev[j] in order into out (3 f64 per row):
 * the inner loop of pcaRowMetrics.ts's `pcaRowMetricsOfProjection` (the same bits). n, k ≥ 1.
 */
function projectionSumsFunction(): number[] {
  const b = new Body(['projected', 'muV', 'ev', 'n', 'k', 'out']);
  for (const l of ['r', 'j', 'p', 'pm', 'pe', 'po']) b.local(l, I32);
  for (const l of ['c', 'm', 'p2', 'pMu', 'maha']) b.local(l, F64);
  const zero = (l: string): void => void b.op(F64_CONST, 0, 0, 0, 0, 0, 0, 0, 0).set(l);
  b.get('projected').set('p');
  b.get('out').set('po');
  b.i32(0).set('r');
  b.op(LOOP, VOID);
  zero('p2');
  zero('pMu');
  zero('maha');
  b.get('muV').set('pm');
  b.get('ev').set('pe');
  b.i32(0).set('j');
  b.op(LOOP, VOID);
  b.get('pm')
    .op(...LOAD)
    .set('m');
  b.get('p')
    .op(...LOAD)
    .get('m')
    .op(F64_SUB)
    .set('c');
  b.get('p2').get('c').get('c').op(F64_MUL, F64_ADD).set('p2');
  b.get('pMu').get('c').get('m').op(F64_MUL, F64_ADD).set('pMu');
  b.get('maha')
    .get('c')
    .get('c')
    .op(F64_MUL)
    .get('pe')
    .op(...LOAD, F64_DIV, F64_ADD)
    .set('maha');
  step8(b, 'p', 'pm', 'pe');
  continueBelow(b, 'j', 1, 'k');
  b.op(END);
  b.get('po')
    .get('p2')
    .op(...STORE);
  b.get('po').get('pMu').op(F64_STORE, 3, 8);
  b.get('po').get('maha').op(F64_STORE, 3, 16);
  b.addTo('po', (x) => x.i32(24));
  continueBelow(b, 'r', 1, 'n');
  b.op(END);
  return b.encode();
}

/** allFinite(a, len) → 1 when none of the len f64 at a is NaN or ±Infinity (x − x = 0 for all), else 0. len ≥ 1. */
function allFiniteFunction(): number[] {
  const b = new Body(['a', 'len']);
  for (const l of ['p', 'end']) b.local(l, I32);
  b.local('s', F64);
  const F64_EQ = 0x61;
  b.op(F64_CONST, 0, 0, 0, 0, 0, 0, 0, 0).set('s');
  b.get('a').set('p');
  b.get('a').get('len').i32(3).op(0x74, I32_ADD).set('end');
  b.op(LOOP, VOID);
  b.get('s')
    .get('p')
    .op(...LOAD)
    .get('p')
    .op(...LOAD, F64_SUB, F64_ADD)
    .set('s');
  b.addTo('p', (x) => x.i32(8));
  b.get('p').get('end').op(I32_LT_U, BR_IF, 0);
  b.op(END);
  b.get('s').op(F64_CONST, 0, 0, 0, 0, 0, 0, 0, 0, F64_EQ);
  return b.encode();
}

/**
 * addOuter(gc, a, n, c, out): out[i][j] = ((gc[i][j] + a[i]) + a[j]) + c for the n×n f64 gc and n f64 a,
 * row-major: centeredPca.ts's `uncentredGram` loop (ΔΔᵀ from the centred Gram) in the same order (the
 * same bits). n ≥ 1.
 */
function addOuterFunction(): number[] {
  const b = new Body(['gc', 'a', 'n', 'c', 'out']);
  for (const l of ['i', 'j', 'p', 'q', 'pa', 'pj']) b.local(l, I32);
  b.local('ai', F64);
  b.get('gc').set('p');
  b.get('out').set('q');
  b.get('a').set('pa');
  b.i32(0).set('i');
  b.op(LOOP, VOID);
  b.get('pa')
    .op(...LOAD)
    .set('ai');
  b.get('a').set('pj');
  b.i32(0).set('j');
  b.op(LOOP, VOID);
  b.get('q')
    .get('p')
    .op(...LOAD)
    .get('ai')
    .op(F64_ADD)
    .get('pj')
    .op(...LOAD, F64_ADD)
    .get('c')
    .op(F64_ADD, ...STORE);
  step8(b, 'p', 'q', 'pj');
  continueBelow(b, 'j', 1, 'n');
  b.op(END);
  b.addTo('pa', (x) => x.i32(8));
  continueBelow(b, 'i', 1, 'n');
  b.op(END);
  return b.encode();
}

/**
 * The module: one exported growable memory, `gram64` (f64x2), `gram32` (f32x4, f64 sums per block),
 * `cross64` (f64x2, A·Bᵀ of two row sets), `product64` (f64x2), and the scalar f64 loops of the symmetric eigen-solver (`symvUpper`,
 * `syr2Upper`, `applyReflectors`): as JS these were most of a cold `em-guard analyze`'s TurboFan time.
 */
export function buildGramWasm(): Uint8Array {
  const gramType = [0x60, ...vec([I32, I32, I32, I32, I32].map((x) => [x])), ...vec([])];
  const productType = [0x60, ...vec(new Array<number[]>(8).fill([I32])), ...vec([])];
  const reduceType = [0x60, ...vec(new Array<number[]>(4).fill([I32])), ...vec([])];
  const tqlType = [0x60, ...vec([[I32], [I32], [I32]]), ...vec([[I32]])];
  const centreType = [0x60, ...vec([[I32], [I32], [I32], [I32], [I32]]), ...vec([[F64]])];
  const inverseType = [0x60, ...vec([I32, I32, I32, F64, F64, I32, I32, I32, I32, I32].map((x) => [x])), ...vec([])];
  const deltaType = [0x60, ...vec(new Array<number[]>(6).fill([I32])), ...vec([])];
  const crossType = [0x60, ...vec(new Array<number[]>(7).fill([I32])), ...vec([])];
  const choleskyType = [0x60, ...vec([[I32], [I32], [I32], [I32], [F64], [I32], [I32], [I32], [I32]]), ...vec([[I32]])];
  const householderRType = [0x60, ...vec(new Array<number[]>(7).fill([I32])), ...vec([])];
  const mirrorType = [0x60, ...vec(new Array<number[]>(4).fill([I32])), ...vec([])];
  const centreKType = [0x60, ...vec(new Array<number[]>(3).fill([I32])), ...vec([])];
  const dotType = [0x60, ...vec(new Array<number[]>(3).fill([I32])), ...vec([[F64]])];
  const residualType = [0x60, ...vec([[I32], [I32], [I32], [I32], [I32], [F64]]), ...vec([[I32]])];
  const projectionSumsType = [0x60, ...vec(new Array<number[]>(6).fill([I32])), ...vec([])];
  const finiteType = [0x60, ...vec([[I32], [I32]]), ...vec([[I32]])];
  const addOuterType = [0x60, ...vec([[I32], [I32], [I32], [F64], [I32]]), ...vec([])];
  const bytes = [
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(
      1,
      vec([
        gramType,
        productType,
        reduceType,
        inverseType,
        tqlType,
        centreType,
        deltaType,
        crossType,
        choleskyType,
        householderRType,
        mirrorType,
        centreKType,
        dotType,
        residualType,
        projectionSumsType,
        finiteType,
        addOuterType,
      ]),
    ),
    ...section(3, vec([[0], [0], [1], [0], [0], [0], [2], [3], [4], [5], [6], [0], [2], [7], [8], [9], [9], [10], [11], [12], [13], [14], [15], [16]])),
    ...section(5, vec([[0x00, ...u32(1)]])), // memory: min 1 page, no max (grown from JS)
    ...section(
      7,
      vec([
        [...name('memory'), 0x02, 0],
        [...name('gram64'), 0x00, 0],
        [...name('gram32'), 0x00, 1],
        [...name('product64'), 0x00, 2],
        [...name('symvUpper'), 0x00, 3],
        [...name('syr2Upper'), 0x00, 4],
        [...name('applyReflectors'), 0x00, 5],
        [...name('householderReduce'), 0x00, 6],
        [...name('inverseIteration'), 0x00, 7],
        [...name('tql2Values'), 0x00, 8],
        [...name('centreRows'), 0x00, 9],
        [...name('deltaRows'), 0x00, 10],
        [...name('rowSums'), 0x00, 11],
        [...name('minusFirstRow32'), 0x00, 12],
        [...name('cross64'), 0x00, 13],
        [...name('choleskyInverse'), 0x00, 14],
        [...name('householderR'), 0x00, 15],
        [...name('copy64'), 0x00, 16],
        [...name('mirrorLower'), 0x00, 17],
        [...name('doubleCentre'), 0x00, 18],
        [...name('frobDot'), 0x00, 19],
        [...name('residualWithin'), 0x00, 20],
        [...name('projectionSums'), 0x00, 21],
        [...name('allFinite'), 0x00, 22],
        [...name('addOuter'), 0x00, 23],
      ]),
    ),
    ...section(
      10,
      vec([
        gramFunction(F64X2),
        gramFunction(F32X4),
        productFunction(),
        symvUpperFunction(),
        syr2UpperFunction(),
        applyReflectorsFunction(),
        householderReduceFunction(),
        inverseIterationFunction(),
        tql2ValuesFunction(),
        centreRowsFunction(),
        deltaRowsFunction(),
        rowSumsFunction(),
        minusFirstRow32Function(),
        gramFunction(F64X2, true),
        choleskyInverseFunction(),
        householderRFunction(),
        copy64Function(),
        mirrorLowerFunction(),
        doubleCentreFunction(),
        frobDotFunction(),
        residualWithinFunction(),
        projectionSumsFunction(),
        allFiniteFunction(),
        addOuterFunction(),
      ]),
    ),
  ];
  return Uint8Array.from(bytes);
}

/** The committed TypeScript file's text for these bytes. */
export function gramWasmSource(bytes: Uint8Array): string {
  const b64 = Buffer.from(bytes).toString('base64');
  const lines = b64.match(/.{1,96}/g) ?? [];
  return [
    '// Generated by scripts/buildGramWasm.ts (npx tsx scripts/buildGramWasm.ts); do not edit.',
    `/** Rows per register tile: callers pad the row count to a multiple of this. */`,
    `export const GRAM_TILE_ROWS = ${GRAM_TILE};`,
    `/** Bytes per inner step of the Gram kernels: rows are zero-padded to a multiple of this. */`,
    `export const GRAM_STEP_BYTES = ${GRAM_STEP};`,
    `/** Rows per register tile of the product kernel (pad the row count to a multiple of this). */`,
    `export const PRODUCT_TILE_ROWS = ${PRODUCT_TILE_ROWS};`,
    `/** The WebAssembly SIMD Gram kernels (${bytes.length} bytes), base64. */`,
    'export const GRAM_WASM_BASE64 =',
    lines.map((l) => `  '${l}'`).join(' +\n') + ';',
    '',
  ].join('\n');
}

/** Where the generated file lives. */
export const GRAM_WASM_BYTES_PATH = fileURLToPath(new URL('../src/metrics/wasm/gramWasmBytes.ts', import.meta.url));

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const bytes = buildGramWasm();
  if (!(globalThis as { WebAssembly?: WebAssemblyApi }).WebAssembly?.validate(bytes)) throw new Error('generated module does not validate');
  writeFileSync(GRAM_WASM_BYTES_PATH, gramWasmSource(bytes));
  console.log(`wrote ${GRAM_WASM_BYTES_PATH} (${bytes.length} bytes)`);
}
