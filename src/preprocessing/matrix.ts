// Numeric matrices as the preprocessing helpers take them (rows of numbers, or
// flat row-major arrays with a row width), checked value by value, and results
// answered in the form given.

import type { Matrix } from '../data.js';
import { describe, SimdnetError } from '../errors.js';

/** How a matrix was given. */
type Form = 'rows' | 'flat' | 'float32' | 'float64';

/** The same kind of matrix as T: what a transform answers for an input of type T. */
export type SameForm<T extends Matrix> = T extends Float32Array
  ? Float32Array
  : T extends Float64Array
    ? Float64Array
    : T extends readonly (readonly number[])[]
      ? number[][]
      : number[];

/** A checked matrix: its values row after row, their count of rows and columns, and the form it came in. */
export interface Numeric {
  readonly values: ArrayLike<number>;
  readonly rows: number;
  readonly width: number;
  readonly form: Form;
}

/**
 * Reads a matrix given as rows or flat, with every value a finite number. `width` is the row
 * width: optional for rows (their length), needed for a flat array; `widthName` says where a
 * required width comes from, for messages.
 */
export function readNumeric(value: unknown, name: string, width: number | undefined, widthName: string): Numeric {
  if (value instanceof Float32Array || value instanceof Float64Array) {
    return flat(value, name, width, widthName, value instanceof Float32Array ? 'float32' : 'float64');
  }
  if (!Array.isArray(value)) {
    throw new SimdnetError(`${name} must be rows of numbers, a flat number array, a Float32Array or a Float64Array, got ${describe(value)}`);
  }
  if (value.length === 0) throw new SimdnetError(`${name} is empty: it needs at least one row`);
  if (!Array.isArray(value[0])) return flat(value, name, width, widthName, 'flat');
  const n = width ?? (value[0] as unknown[]).length;
  if (n === 0) throw new SimdnetError(`${name}[0] is empty: a row needs at least one value`);
  const values = new Float64Array(value.length * n);
  for (let r = 0; r < value.length; r++) {
    const row: unknown = value[r];
    if (!Array.isArray(row)) throw new SimdnetError(`${name}[${r}] must be an array of ${n} numbers, got ${describe(row)}`);
    if (row.length !== n) throw new SimdnetError(`${name}[${r}] has ${row.length} values, but ${width === undefined ? `${name}[0] has` : `${widthName} is`} ${n}`);
    for (let j = 0; j < n; j++) {
      const v: unknown = row[j];
      values[r * n + j] = typeof v === 'number' && Number.isFinite(v) ? v : finiteNumber(v, `${name}[${r}][${j}]`);
    }
  }
  return { values, rows: value.length, width: n, form: 'rows' };
}

function flat(values: ArrayLike<unknown>, name: string, width: number | undefined, widthName: string, form: Form): Numeric {
  if (width === undefined) {
    throw new SimdnetError(`${name} is a flat array, so its row width is needed: give it as ${widthName}`);
  }
  if (values.length === 0) throw new SimdnetError(`${name} is empty: it needs at least one row`);
  if (values.length % width !== 0) {
    throw new SimdnetError(`${name} has ${values.length} values, which is not a whole number of rows of ${width} (${widthName})`);
  }
  for (let k = 0; k < values.length; k++) {
    const v = values[k];
    if (typeof v !== 'number' || !Number.isFinite(v)) finiteNumber(v, `${name}[${k}] (row ${Math.floor(k / width)}, column ${k % width})`);
  }
  return { values: values as ArrayLike<number>, rows: values.length / width, width, form };
}

// Called with the message's place only when needed: building it for every value would cost more than the check.
function finiteNumber(value: unknown, where: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new SimdnetError(`${where} must be a finite number, got ${describe(value)}`);
  }
  return value;
}

/** A row width given as an option: a positive integer, or undefined. */
export function readWidth(value: unknown, path: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new SimdnetError(`${path} must be a positive integer (the number of values in a row), got ${describe(value)}`);
  }
  return value;
}

/** An empty matrix of the given size in the form of m, filled by fill(value index). */
export function answerAs<T extends Matrix>(m: Numeric, compute: (k: number) => number): SameForm<T> {
  const { rows, width, form } = m;
  switch (form) {
    case 'float32':
    case 'float64': {
      const out = form === 'float32' ? new Float32Array(rows * width) : new Float64Array(rows * width);
      for (let k = 0; k < out.length; k++) out[k] = compute(k);
      return out as SameForm<T>;
    }
    case 'flat': {
      const out = new Array<number>(rows * width);
      for (let k = 0; k < out.length; k++) out[k] = compute(k);
      return out as SameForm<T>;
    }
    case 'rows':
      return Array.from({ length: rows }, (_, r) => {
        const row = new Array<number>(width);
        for (let j = 0; j < width; j++) row[j] = compute(r * width + j);
        return row;
      }) as SameForm<T>;
  }
}
