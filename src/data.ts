// Matrices as users pass them (rows of numbers, or flat row-major arrays),
// checked, copied once into wasm memory, and answered in the form given.

import { describe, SimdnetError } from './errors.js';

/** A matrix: rows of numbers, or all values row after row in one flat array (Float32Array is the fast path). */
export type Matrix = readonly (readonly number[])[] | readonly number[] | Float32Array | Float64Array;

/** Targets: a matrix, or for a loss that takes class indices, one per row (Int32Array, Uint8Array or a number[]). */
export type Targets = Matrix | Int32Array | Uint8Array;

/** How a matrix was given, so results can be answered in the same form. */
export type MatrixForm = 'rows' | 'flat' | 'float32' | 'float64';

export interface MatrixInput {
  readonly name: string;
  readonly form: MatrixForm;
  readonly rows: number;
  readonly width: number;
  /**
   * Copies every value to target[offset…] (rows of numbers are type-checked as they go); whether
   * each is finite as a float32 is for the caller to check on the copy (see nonFiniteError).
   */
  copyTo(target: Float32Array, offset: number): void;
  /**
   * Copies `count` rows to target[offset…], one after another: rows first… in order, or with
   * `rows` the rows rows[first…]. Checks and leaves finiteness as copyTo does.
   */
  copyRows(target: Float32Array, offset: number, first: number, count: number, rows?: ArrayLike<number>): void;
}

/** What the width of a network's inputs is called in errors. */
export const NETWORK_INPUTS = 'the network\'s inputs';

/**
 * Checks the shape of a matrix of the given width (and the types of a flat number[]); rows of
 * numbers are type-checked as they are copied, and finiteness is the caller's check on the copy.
 */
export function readMatrix(value: unknown, name: string, width: number, widthName: string): MatrixInput {
  if (value instanceof Float32Array || value instanceof Float64Array) {
    return flatMatrix(value, name, width, widthName, value instanceof Float32Array ? 'float32' : 'float64');
  }
  if (!Array.isArray(value)) {
    throw new SimdnetError(`${name} must be an array of rows, a flat number array or a Float32Array, got ${describe(value)}`);
  }
  if (value.length === 0) throw new SimdnetError(`${name} is empty: it needs at least one row`);
  if (!Array.isArray(value[0])) return flatMatrix(value, name, width, widthName, 'flat');
  // Indexed loops, not forEach: forEach skips the holes of a sparse array, which would leave
  // rows of the workspace unwritten.
  const rows = value as unknown[];
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r];
    if (!Array.isArray(row)) throw new SimdnetError(`${name}[${r}] must be an array of ${width} numbers, got ${describe(row)}`);
    if (row.length !== width) {
      throw new SimdnetError(`${name}[${r}] has ${row.length} values, but ${widthName} is ${width}`);
    }
  }
  return {
    name,
    form: 'rows',
    rows: rows.length,
    width,
    copyTo(target, offset) {
      for (let r = 0; r < rows.length; r++) {
        const row = rows[r] as unknown[];
        for (let j = 0; j < width; j++) {
          const v = row[j];
          if (typeof v !== 'number') throw new SimdnetError(`${name}[${r}][${j}] is not a number: ${describe(v)}`);
          target[offset + r * width + j] = v;
        }
      }
    },
    copyRows(target, offset, first, count, order) {
      for (let i = 0; i < count; i++) {
        const r = order ? order[first + i]! : first + i;
        const row = rows[r] as unknown[];
        for (let j = 0; j < width; j++) {
          const v = row[j];
          if (typeof v !== 'number') throw new SimdnetError(`${name}[${r}][${j}] is not a number: ${describe(v)}`);
          target[offset + i * width + j] = v;
        }
      }
    },
  };
}

/**
 * Reads one class index per row (the targets of a sparse loss) as a matrix of width 1: an
 * Int32Array, a Uint8Array or a flat number array (or a Float32Array or Float64Array). Whether
 * each is a class the output has is for the caller to check on the copy (see checkTargets).
 */
export function readClassIndices(value: unknown, name: string): MatrixInput {
  if (value instanceof Int32Array || value instanceof Uint8Array) {
    if (value.length === 0) throw new SimdnetError(`${name} is empty: it needs at least one row`);
    return flatMatrix(value, name, 1, 'one class index per row', 'flat');
  }
  if (Array.isArray(value) && Array.isArray(value[0])) {
    throw new SimdnetError(
      `${name} is given as rows, but with loss 'sparseCategoricalCrossentropy' it holds one class index per row ` +
        "(an Int32Array, a Uint8Array or a number[]); for one-hot rows use loss 'categoricalCrossentropy'",
    );
  }
  return readMatrix(value, name, 1, 'one class index per row');
}

/**
 * Values up to which a copy between the caller's arrays and wasm memory is a loop rather than
 * set() or slice(), whose fixed overhead costs more for a one-row predict: flat matrices in here,
 * a predict's outputs in engine.ts.
 */
export const SMALL_COPY = 64;

function flatMatrix(
  values: ArrayLike<unknown>,
  name: string,
  width: number,
  widthName: string,
  form: MatrixForm,
): MatrixInput {
  const rows = flatRows(values.length, name, width, widthName);
  // A number[] is type-checked here, before any wasm memory is reserved for it: the length of a
  // sparse array costs its caller nothing.
  if (form === 'flat') {
    for (let i = 0; i < values.length; i++) {
      if (typeof values[i] !== 'number') {
        throw new SimdnetError(`${name}[${i}] (row ${Math.floor(i / width)}) is not a number: ${describe(values[i])}`);
      }
    }
  }
  return {
    name,
    form,
    rows,
    width,
    copyTo(target, offset) {
      // For the few values of a one-row predict, a loop costs less than set()'s fixed overhead.
      if (values.length <= SMALL_COPY) {
        for (let i = 0; i < values.length; i++) target[offset + i] = values[i] as number;
      } else {
        target.set(values as ArrayLike<number>, offset);
      }
    },
    copyRows(target, offset, first, count, order) {
      if (!order && form !== 'flat') {
        const typed = values as Float32Array | Float64Array;
        target.set(typed.subarray(first * width, (first + count) * width), offset);
        return;
      }
      const numbers = values as ArrayLike<number>;
      for (let i = 0; i < count; i++) {
        const from = (order ? order[first + i]! : first + i) * width;
        const to = offset + i * width;
        for (let j = 0; j < width; j++) target[to + j] = numbers[from + j]!;
      }
    },
  };
}

/** The rows of a flat matrix of `length` values, `width` a row; throws unless they are a whole number, at least one. */
export function flatRows(length: number, name: string, width: number, widthName: string): number {
  if (length === 0) throw new SimdnetError(`${name} is empty: it needs at least one row`);
  if (length % width !== 0) {
    throw new SimdnetError(`${name} has ${length} values, which is not a whole number of rows of ${width} (${widthName})`);
  }
  return length / width;
}

/**
 * The error for the k-th value of m, found to be `value` once copied as a float32: NaN, or
 * ±Infinity (which is also what finite doubles beyond the float32 range become).
 */
export function nonFiniteError(m: MatrixInput, k: number, value: number): SimdnetError {
  const what = Number.isNaN(value) ? 'NaN' : 'Infinity or beyond the float32 range';
  return new SimdnetError(`${cellName(m, k)} is ${what}; every value must be a finite number`);
}

/** Names the k-th value of a matrix (row-major) as the user wrote it, with its row and column. */
export function cellName(m: MatrixInput, k: number): string {
  const r = Math.floor(k / m.width);
  const j = k % m.width;
  return m.form === 'rows' ? `${m.name}[${r}][${j}]` : `${m.name}[${k}] (row ${r}, column ${j})`;
}

/** Names row r of a matrix as the user wrote it. */
export function rowName(m: MatrixInput, r: number): string {
  return m.form === 'rows' ? `${m.name}[${r}]` : `row ${r} of ${m.name} (${m.name}[${r * m.width}…${(r + 1) * m.width - 1}])`;
}

/**
 * Answers values (rows × width, row-major) in the form the input was given. Takes ownership of
 * values, a fresh array, and answers it itself for the Float32Array form.
 */
export function toForm(values: Float32Array, rows: number, width: number, form: MatrixForm): Matrix {
  switch (form) {
    case 'float32':
      return values;
    case 'float64':
      return new Float64Array(values);
    case 'flat':
      return plainArray(values, 0, values.length);
    case 'rows': {
      const out = new Array<number[]>(rows);
      for (let r = 0; r < rows; r++) out[r] = plainArray(values, r * width, (r + 1) * width);
      return out;
    }
  }
}

/**
 * values[start…end) as a number[]. A loop: Array.from on a typed array goes through its iterator,
 * which costs more than the copy itself, many times more for the few outputs of a one-row predict.
 */
function plainArray(values: Float32Array, start: number, end: number): number[] {
  const out = new Array<number>(end - start);
  for (let i = start; i < end; i++) out[i - start] = values[i]!;
  return out;
}
