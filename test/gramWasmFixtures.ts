// Inputs shared by test/gramWasm.test.ts and its --jitless child: big enough that every wasm route
// runs where WebAssembly is available (Gram, products, CKA above their size limits), small enough for
// V8's interpreter.
import { seededRandom } from '../src/util/seededRandom.js';
import { analyzeActivations, type ActivationSets } from '../src/metrics/analyzeActivations.js';
import type { Matrix } from '../src/metrics/matrix.js';

/** Two shapes: n < d (n×n Gram side, CKA Gram form) and n > d (d×d side, CKA feature form). */
export function fallbackFixtureSets(): ActivationSets[] {
  return (
    [
      [40, 400],
      [90, 20],
    ] as const
  ).map(([n, d], index) => {
    const rand = seededRandom(500 + index);
    const shift = Array.from({ length: d }, () => rand() - 0.5);
    const make = (moved: boolean): Matrix => ({
      rows: n,
      cols: d,
      data: Float32Array.from({ length: n * d }, (_, i) => rand() - 0.5 + (moved ? 0.8 * shift[i % d]! * (1 + (Math.floor(i / d) % 3)) : 0)),
    });
    return { trainBefore: make(false), trainAfter: make(true), evalBefore: make(false), evalAfter: make(true) };
  });
}

/** The numbers of an analysis (timings dropped), flattened with their names. */
export function fallbackFixtureNumbers(sets: ActivationSets): Record<string, number> {
  const { timingsMs: _t, notes: _n, shapes: _s, meanDeltaCosine, ...rest } = analyzeActivations(sets, 4, 3);
  const out: Record<string, number> = {};
  const put = (key: string, value: unknown) => {
    if (typeof value === 'number') out[key] = value;
    else if (Array.isArray(value)) value.forEach((v, i) => put(`${key}[${i}]`, v));
    else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) put(`${key}.${k}`, v);
  };
  put('', { ...rest, meanDeltaCosine });
  return out;
}
