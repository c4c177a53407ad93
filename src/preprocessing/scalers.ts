// Column scalers fitted on training rows and applied alike to every later row:
// StandardScaler (mean 0, standard deviation 1) and MinMaxScaler (a fixed
// range). Both map each column by an affine function, x' = (x − offset) / divisor,
// computed in double precision whatever the form of the data.

import type { Matrix } from '../data.js';
import { describe, SimdnetError } from '../errors.js';
import { plainObject } from '../validate.js';
import { answerAs, type Numeric, readNumeric, readWidth, type SameForm } from './matrix.js';

/** How fit and partialFit are told the row width of a flat array (rows of numbers carry theirs). */
export interface ScalerFitOptions {
  /** Values per row of a flat x. */
  width?: number;
}

/** What StandardScaler and MinMaxScaler share: the checks, the column-wise affine map and its inverse. */
abstract class ColumnScaler {
  /** Columns seen by fit; undefined before. */
  #width: number | undefined;
  readonly #name: string;

  protected constructor(name: string) {
    this.#name = name;
  }

  /** The number of columns it was fitted on (0 before fit). */
  get width(): number {
    return this.#width ?? 0;
  }

  /** Whether fit (or partialFit, or fromJSON) has given it columns to scale. */
  get fitted(): boolean {
    return this.#width !== undefined;
  }

  /** Learns the scaling of each column of x afresh. */
  fit(x: Matrix, options: ScalerFitOptions = {}): this {
    const m = this.#readFitting(x, options, undefined);
    this.reset();
    this.accumulate(m);
    this.#width = m.width;
    return this;
  }

  /**
   * Adds the rows of x to what was learnt so far, for data read a chunk at a time: fitting the
   * chunks one after another gives the same scaling as fitting them at once.
   */
  partialFit(x: Matrix, options: ScalerFitOptions = {}): this {
    const m = this.#readFitting(x, options, this.#width);
    this.accumulate(m);
    this.#width = m.width;
    return this;
  }

  #readFitting(x: unknown, options: unknown, width: number | undefined): Numeric {
    const o = plainObject(options, `${this.#name} fit options`, ['width']);
    const given = readWidth(o.width, 'options.width');
    // Rows carry their width, checked against the fitted one below; a flat x may take it as its own.
    const isRows = Array.isArray(x) && Array.isArray(x[0]);
    const m = given !== undefined || isRows || width === undefined
      ? readNumeric(x, 'x', given, 'options.width')
      : readNumeric(x, 'x', width, this.#fittedWidth);
    if (width !== undefined && m.width !== width) {
      throw new SimdnetError(`x has rows of ${m.width} values, but ${this.#name} was fitted on ${width} columns`);
    }
    return m;
  }

  /** fit, then transform. */
  fitTransform<T extends Matrix>(x: T, options: ScalerFitOptions = {}): SameForm<T> {
    return this.fit(x, options).transform(x);
  }

  /** The scaled copy of x, in the form x was given (x is not changed). */
  transform<T extends Matrix>(x: T): SameForm<T> {
    const m = this.#read(x, 'transform');
    const { offsets, divisors } = this.affine();
    return answerAs<T>(m, (k) => (m.values[k]! - offsets[k % m.width]!) / divisors[k % m.width]!);
  }

  /** Undoes transform: the values in the original units, in the form given. */
  inverseTransform<T extends Matrix>(x: T): SameForm<T> {
    const m = this.#read(x, 'inverseTransform');
    const { offsets, divisors } = this.affine();
    return answerAs<T>(m, (k) => m.values[k]! * divisors[k % m.width]! + offsets[k % m.width]!);
  }

  #read(x: unknown, call: string): Numeric {
    if (this.#width === undefined) throw new SimdnetError(`${this.#name}.${call} needs a fitted scaler: call fit(x) first`);
    return readNumeric(x, 'x', this.#width, this.#fittedWidth);
  }

  get #fittedWidth(): string {
    return `the column count ${this.#name} was fitted on`;
  }

  /** Sets the column count of a scaler read from JSON. */
  protected restore(width: number): void {
    this.#width = width;
  }

  /** Forgets what was learnt. */
  protected abstract reset(): void;
  /** Adds a checked matrix's rows to what was learnt. */
  protected abstract accumulate(m: Numeric): void;
  /** Each column's x' = (x − offset) / divisor, the divisor never 0. */
  protected abstract affine(): { offsets: ArrayLike<number>; divisors: ArrayLike<number> };
}

/** StandardScaler's JSON: each column's mean and the standard deviation it divides by. */
export interface StandardScalerJSON {
  mean: number[];
  std: number[];
}

/**
 * Standardises columns to mean 0 and standard deviation 1: x' = (x − mean) / std, with the
 * population standard deviation (divided by n, as scikit-learn does). A constant column, whose
 * std is 0 (or too small for float32), is divided by 1 instead, so it becomes 0.
 */
export class StandardScaler extends ColumnScaler {
  #rows = 0;
  #mean = new Float64Array(0);
  /** Each column's sum of squared differences from the mean (Welford), while fitting; null once read from JSON. */
  #squares: Float64Array | null = new Float64Array(0);
  /** Set by fromJSON. */
  #std: Float64Array | null = null;

  constructor() {
    super('StandardScaler');
  }

  /** Each column's mean. */
  get mean(): number[] {
    return Array.from(this.#mean);
  }

  /** Each column's divisor: its standard deviation, or 1 for a constant column. */
  get std(): number[] {
    return Array.from(this.affine().divisors);
  }

  /** Rows fitted on (0 for a scaler read from JSON). */
  get rows(): number {
    return this.#rows;
  }

  protected reset(): void {
    this.#rows = 0;
    this.#mean = new Float64Array(0);
    this.#squares = new Float64Array(0);
    this.#std = null;
  }

  // Welford's update, row after row: the result depends on the rows' order but not on how they
  // are cut into partialFit calls, so a file read in chunks scales exactly as when read whole.
  protected accumulate(m: Numeric): void {
    if (!this.#squares) {
      throw new SimdnetError('StandardScaler.partialFit cannot add to a scaler read from JSON (which keeps only its mean and std): fit it afresh');
    }
    if (this.#rows === 0) {
      this.#mean = new Float64Array(m.width);
      this.#squares = new Float64Array(m.width);
    }
    const mean = this.#mean;
    const squares = this.#squares;
    const { values, width } = m;
    for (let r = 0; r < m.rows; r++) {
      const n = ++this.#rows;
      for (let j = 0; j < width; j++) {
        const v = values[r * width + j]!;
        const d = v - mean[j]!;
        mean[j] = mean[j]! + d / n;
        squares[j] = squares[j]! + d * (v - mean[j]!);
      }
    }
  }

  protected affine(): { offsets: ArrayLike<number>; divisors: ArrayLike<number> } {
    if (this.#std) return { offsets: this.#mean, divisors: this.#std };
    const squares = this.#squares!;
    const divisors = this.#mean.map((_, j) => {
      const std = Math.sqrt(squares[j]! / this.#rows);
      return Math.fround(std) > 0 && Number.isFinite(std) ? std : 1;
    });
    return { offsets: this.#mean, divisors };
  }

  toJSON(): StandardScalerJSON {
    return { mean: this.mean, std: this.std };
  }

  /** A scaler that transforms as the one that wrote the JSON did. */
  static fromJSON(json: StandardScalerJSON): StandardScaler {
    const o = plainObject(json, 'StandardScaler.fromJSON', ['mean', 'std']);
    const mean = columnValues(o.mean, 'StandardScaler.fromJSON: mean');
    const std = columnValues(o.std, 'StandardScaler.fromJSON: std', mean.length, true);
    const scaler = new StandardScaler();
    scaler.#mean = mean;
    scaler.#std = std;
    scaler.#squares = null;
    scaler.restore(mean.length);
    return scaler;
  }
}

/** MinMaxScaler's JSON: the target range and each column's smallest and largest value. */
export interface MinMaxScalerJSON {
  range: [number, number];
  min: number[];
  max: number[];
}

/**
 * Scales each column linearly so that its smallest training value maps to range[0] and its
 * largest to range[1] (default [0, 1]); later values outside the training range map outside it.
 * A constant column's value maps to range[0] (its spread is taken for 1, as scikit-learn does).
 */
export class MinMaxScaler extends ColumnScaler {
  readonly #range: readonly [number, number];
  #min = new Float64Array(0);
  #max = new Float64Array(0);

  constructor(options: { range?: readonly [number, number] } = {}) {
    super('MinMaxScaler');
    const o = plainObject(options, 'MinMaxScaler options', ['range']);
    this.#range = o.range === undefined ? [0, 1] : readRange(o.range, 'MinMaxScaler options.range');
  }

  /** The range the columns are scaled to. */
  get range(): [number, number] {
    return [...this.#range];
  }

  /** Each column's smallest fitted value. */
  get min(): number[] {
    return Array.from(this.#min);
  }

  /** Each column's largest fitted value. */
  get max(): number[] {
    return Array.from(this.#max);
  }

  protected reset(): void {
    this.#min = new Float64Array(0);
    this.#max = new Float64Array(0);
  }

  protected accumulate(m: Numeric): void {
    if (this.#min.length === 0) {
      this.#min = new Float64Array(m.width).fill(Infinity);
      this.#max = new Float64Array(m.width).fill(-Infinity);
    }
    const { values, width } = m;
    for (let k = 0; k < values.length; k++) {
      const j = k % width;
      const v = values[k]!;
      if (v < this.#min[j]!) this.#min[j] = v;
      if (v > this.#max[j]!) this.#max[j] = v;
    }
  }

  // x' = a + (x − min)·(b − a)/(max − min) = (x − offset) / divisor with divisor = (max − min)/(b − a)
  // and offset = min − a·divisor; a constant column gets divisor 1/(b − a), as scikit-learn's.
  protected affine(): { offsets: ArrayLike<number>; divisors: ArrayLike<number> } {
    const [a, b] = this.#range;
    const divisors = this.#min.map((min, j) => {
      const divisor = (this.#max[j]! - min) / (b - a);
      return divisor > 0 && Number.isFinite(divisor) ? divisor : 1 / (b - a);
    });
    return { offsets: this.#min.map((min, j) => min - a * divisors[j]!), divisors };
  }

  toJSON(): MinMaxScalerJSON {
    return { range: this.range, min: this.min, max: this.max };
  }

  /** A scaler that transforms as the one that wrote the JSON did (and can go on fitting). */
  static fromJSON(json: MinMaxScalerJSON): MinMaxScaler {
    const o = plainObject(json, 'MinMaxScaler.fromJSON', ['range', 'min', 'max']);
    const scaler = new MinMaxScaler({ range: readRange(o.range, 'MinMaxScaler.fromJSON: range') });
    const min = columnValues(o.min, 'MinMaxScaler.fromJSON: min');
    const max = columnValues(o.max, 'MinMaxScaler.fromJSON: max', min.length);
    const below = min.findIndex((v, j) => v > max[j]!);
    if (below >= 0) throw new SimdnetError(`MinMaxScaler.fromJSON: min[${below}] is ${min[below]}, above max[${below}] (${max[below]})`);
    scaler.#min = min;
    scaler.#max = max;
    scaler.restore(min.length);
    return scaler;
  }
}

function readRange(value: unknown, path: string): [number, number] {
  const ok = Array.isArray(value) && value.length === 2 && value.every((v) => typeof v === 'number' && Number.isFinite(v)) &&
    value[0] < value[1];
  if (!ok) throw new SimdnetError(`${path} must be two finite numbers [min, max] with min < max, got ${describe(value)}`);
  return [value[0], value[1]];
}

/** A JSON list of one finite number per column (positive ones, if asked), of the given length if any. */
function columnValues(value: unknown, path: string, length?: number, positive = false): Float64Array<ArrayBuffer> {
  if (!Array.isArray(value) || value.length === 0 || (length !== undefined && value.length !== length)) {
    const wanted = length === undefined ? 'a non-empty array of numbers' : `an array of ${length} numbers, one per column`;
    throw new SimdnetError(`${path} must be ${wanted}, got ${describe(value)}`);
  }
  value.forEach((v: unknown, j) => {
    if (typeof v !== 'number' || !Number.isFinite(v) || (positive && !(v > 0))) {
      throw new SimdnetError(`${path}[${j}] must be a ${positive ? 'positive' : 'finite'} number, got ${describe(v)}`);
    }
  });
  return Float64Array.from(value as number[]);
}
