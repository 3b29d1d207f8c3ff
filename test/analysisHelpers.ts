// Helpers for the analysis tests: the reference fixture and a relative-error assertion.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** test/fixtures/stats_reference.json (SciPy/sklearn values from stats_reference.py). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const reference: any = JSON.parse(readFileSync(join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'stats_reference.json'), 'utf8'));

/** Largest relative error seen per label, printed at exit so the achieved tolerance is on record. */
const worst = new Map<string, number>();
process.on('exit', () => {
  if (process.env.EM_GUARD_PRINT_TOLERANCES) for (const [k, v] of worst) console.log(`max rel error ${k}: ${v.toExponential(2)}`);
});

/**
 * Asserts |actual − expected| <= tol·|expected| (relative), or <= 1e-14 absolute when expected is 0.
 * Relative is stricter than the 1e-6 absolute requirement for p-values and correlations.
 */
export function assertClose(actual: number | null | undefined, expected: number, tol: number, label: string): void {
  assert.equal(typeof actual, 'number', `${label}: expected a number, got ${String(actual)}`);
  const a = actual as number;
  if (expected === Infinity || expected === -Infinity) {
    assert.equal(a, expected, label);
    return;
  }
  const err = Math.abs(a - expected);
  const rel = expected === 0 ? err : err / Math.abs(expected);
  const key = label.replace(/\[.*$/, '');
  if (Math.abs(expected) > 1e-12) worst.set(key, Math.max(worst.get(key) ?? 0, rel));
  assert.ok(
    err <= tol * Math.abs(expected) || err <= 1e-14,
    `${label}: got ${a}, expected ${expected} (abs err ${err.toExponential(2)}, rel ${rel.toExponential(2)}, tol ${tol})`,
  );
}
