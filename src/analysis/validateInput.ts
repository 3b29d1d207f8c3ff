// Shared argument checks for the analysis functions: one message style everywhere
// (``Expected `x` to be ..., got `...` (type)``), thrown before any arithmetic so bad input never
// turns into NaN downstream.

/** A short rendering of a received value for error messages. */
export function describeValue(value: unknown): string {
  if (Array.isArray(value)) return `array of length ${value.length}`;
  if (typeof value === 'string') return `\`${JSON.stringify(value)}\` (string)`;
  return `\`${String(value)}\` (${value === null ? 'null' : typeof value})`;
}

/** Throws unless `values` is an array of at least `minLength` finite numbers. */
export function assertFiniteVector(where: string, name: string, values: unknown, minLength = 1): asserts values is number[] {
  if (!Array.isArray(values) && !ArrayBuffer.isView(values)) {
    throw new TypeError(`${where}: expected \`${name}\` to be an array of numbers, got ${describeValue(values)}`);
  }
  const arr = values as ArrayLike<unknown>;
  if (arr.length < minLength) {
    throw new RangeError(`${where}: expected \`${name}\` to have at least ${minLength} values, got ${arr.length}; collect more observations`);
  }
  for (let i = 0; i < arr.length; i++) {
    const v = arr[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new RangeError(`${where}: expected \`${name}[${i}]\` to be a finite number, got ${describeValue(v)}; drop or impute missing values first`);
    }
  }
}

/** Throws unless two arrays have the same length (paired observations). */
export function assertSameLength(where: string, nameA: string, a: ArrayLike<unknown>, nameB: string, b: ArrayLike<unknown>): void {
  if (a.length !== b.length) {
    throw new RangeError(`${where}: expected \`${nameA}\` and \`${nameB}\` to have the same length (paired observations), got ${a.length} and ${b.length}`);
  }
}

/** Throws unless `X` is a non-empty rectangular array of finite numbers; returns its column count. */
export function assertFiniteMatrix(where: string, name: string, X: unknown, minRows = 1): number {
  if (!Array.isArray(X)) throw new TypeError(`${where}: expected \`${name}\` to be an array of rows (number[][]), got ${describeValue(X)}`);
  if (X.length < minRows) throw new RangeError(`${where}: expected \`${name}\` to have at least ${minRows} rows, got ${X.length}; collect more observations`);
  const first: unknown = X[0];
  if (!Array.isArray(first) || first.length < 1) {
    throw new TypeError(`${where}: expected \`${name}[0]\` to be a non-empty array of numbers, got ${describeValue(first)}`);
  }
  const cols = first.length;
  for (let i = 0; i < X.length; i++) {
    const row: unknown = X[i];
    if (!Array.isArray(row) || row.length !== cols) {
      throw new RangeError(`${where}: expected every row of \`${name}\` to have ${cols} columns, row ${i} is ${describeValue(row)}`);
    }
    for (let j = 0; j < cols; j++) {
      const v: unknown = row[j];
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        throw new RangeError(`${where}: expected \`${name}[${i}][${j}]\` to be a finite number, got ${describeValue(v)}`);
      }
    }
  }
  return cols;
}

/** Throws unless `value` is an integer >= `min`. */
export function assertInteger(where: string, name: string, value: unknown, min: number): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new RangeError(`${where}: expected \`${name}\` to be an integer >= ${min}, got ${describeValue(value)}`);
  }
}

/** Throws unless `value` is a number strictly between 0 and 1 (a confidence level or probability). */
export function assertOpenUnit(where: string, name: string, value: unknown): asserts value is number {
  if (typeof value !== 'number' || !(value > 0 && value < 1)) {
    throw new RangeError(`${where}: expected \`${name}\` to be a number in (0, 1), got ${describeValue(value)}; e.g. 0.95`);
  }
}
