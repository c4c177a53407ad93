// StandardScaler and MinMaxScaler: their statistics against a plain float64 reference on
// random shapes, every form of matrix in and the same form out (inputs untouched), constant
// columns, chunked fitting equal to fitting whole, JSON round trips, and errors naming the cell.

import { describe, expect, it } from 'vitest';
import { MinMaxScaler, SimdnetError, StandardScaler } from '../src/index.js';
import { Rng } from '../src/random.js';

/** rows × width values, row-major, uniform in [lo, hi). */
function randomRows(rows: number, width: number, seed: number, lo = -50, hi = 150): number[][] {
  const rng = Rng.fromSeed(seed);
  return Array.from({ length: rows }, () => Array.from({ length: width }, () => lo + (hi - lo) * rng.uniform()));
}

/** Each column's mean and population standard deviation, by the two-pass textbook formula. */
function columnStats(x: number[][]): { mean: number[]; std: number[] } {
  const width = x[0]!.length;
  const mean = Array.from({ length: width }, (_, j) => x.reduce((s, row) => s + row[j]!, 0) / x.length);
  const std = mean.map((m, j) => Math.sqrt(x.reduce((s, row) => s + (row[j]! - m) ** 2, 0) / x.length));
  return { mean, std };
}

describe('StandardScaler', () => {
  it.each([[1, 1], [3, 5], [17, 7], [129, 3]])('fits %i rows × %i columns as a float64 reference does', (rows, width) => {
    const x = randomRows(rows, width, rows * 31 + width);
    const scaler = new StandardScaler().fit(x);
    const { mean, std } = columnStats(x);
    scaler.mean.forEach((m, j) => expect(Math.abs(m - mean[j]!)).toBeLessThan(1e-12 * 150));
    // A single row is constant in every column: divided by 1.
    scaler.std.forEach((s, j) => expect(Math.abs(s - (rows === 1 ? 1 : std[j]!))).toBeLessThan(1e-12 * 150));
    const z = scaler.transform(x);
    z.forEach((row, r) => row.forEach((v, j) => expect(Math.abs(v - (x[r]![j]! - scaler.mean[j]!) / scaler.std[j]!)).toBeLessThan(1e-12)));
    if (rows > 1) {
      const after = columnStats(z);
      after.mean.forEach((m) => expect(Math.abs(m)).toBeLessThan(1e-9));
      after.std.forEach((s) => expect(Math.abs(s - 1)).toBeLessThan(1e-9));
    }
  });

  it('answers in the form given, leaving the input as it was, and inverseTransform undoes transform', () => {
    const rows = randomRows(6, 3, 5);
    const before = structuredClone(rows);
    const scaler = new StandardScaler().fit(rows);
    const z = scaler.transform(rows);
    expect(rows).toEqual(before);
    expect(Array.isArray(z[0])).toBe(true);
    const flat = rows.flat();
    expect(Array.isArray(scaler.transform(flat))).toBe(true);
    expect(scaler.transform(flat)).toEqual(z.flat());
    const f64 = scaler.transform(new Float64Array(flat));
    expect(f64).toBeInstanceOf(Float64Array);
    expect(Array.from(f64)).toEqual(z.flat());
    const f32 = new Float32Array(flat);
    const copy = f32.slice();
    const z32 = scaler.transform(f32);
    expect(z32).toBeInstanceOf(Float32Array);
    expect(f32).toEqual(copy);
    // Float32 values in: the float32 inputs are what is scaled.
    expect(z32).toEqual(new Float32Array(scaler.transform(Array.from(f32))));
    scaler.inverseTransform(z).forEach((row, r) => row.forEach((v, j) => expect(v).toBeCloseTo(rows[r]![j]!, 10)));
    expect(scaler.fitTransform(rows)).toEqual(z);
  });

  it('fits a flat array given its width, and gives a constant column std 1, as scikit-learn does', () => {
    const scaler = new StandardScaler().fit(new Float32Array([1, 5, 2, 5, 3, 5]), { width: 2 });
    expect(scaler.mean).toEqual([2, 5]);
    expect(scaler.std).toEqual([Math.sqrt(2 / 3), 1]);
    expect(scaler.transform([[2, 5]])).toEqual([[0, 0]]);
    expect(scaler.rows).toBe(3);
    // A spread too small for float32 counts as none.
    expect(new StandardScaler().fit([[1], [1 + 1e-50]]).std).toEqual([1]);
  });

  it('fitted a chunk at a time, scales exactly as fitted whole', () => {
    const x = randomRows(101, 4, 9, 1e6, 1e6 + 3);
    const whole = new StandardScaler().fit(x);
    const chunked = new StandardScaler();
    for (const [start, end] of [[0, 1], [1, 40], [40, 41], [41, 101]] as const) chunked.partialFit(x.slice(start, end));
    expect(chunked.mean).toEqual(whole.mean);
    expect(chunked.std).toEqual(whole.std);
    expect(chunked.rows).toBe(101);
    // Large means with a small spread: Welford's update keeps the digits a sum of squares would lose.
    columnStats(x).std.forEach((s, j) => expect(Math.abs(whole.std[j]! - s) / s).toBeLessThan(1e-9));
  });

  it('round-trips through JSON, and a scaler read from JSON transforms alike but cannot be added to', () => {
    const x = randomRows(9, 3, 2);
    const scaler = new StandardScaler().fit(x);
    const json = JSON.parse(JSON.stringify(scaler));
    expect(Object.keys(json)).toEqual(['mean', 'std']);
    const read = StandardScaler.fromJSON(json);
    expect(read.transform(x)).toEqual(scaler.transform(x));
    expect(read.inverseTransform(x)).toEqual(scaler.inverseTransform(x));
    expect(() => read.partialFit(x)).toThrow('StandardScaler.partialFit cannot add to a scaler read from JSON');
    expect(read.fit(x).mean).toEqual(scaler.mean);
    expect(() => StandardScaler.fromJSON({ mean: [0, 1], std: [1, 0] })).toThrow('StandardScaler.fromJSON: std[1] must be a positive number, got 0');
    expect(() => StandardScaler.fromJSON({ mean: [0, 1], std: [1] })).toThrow('std must be an array of 2 numbers, one per column');
  });

  it('refuses bad input naming the cell, and is unchanged by it', () => {
    const scaler = new StandardScaler().fit([[1, 2], [3, 4]]);
    const expectRefused = (call: () => unknown, message: string) => {
      expect(call).toThrow(SimdnetError);
      expect(call).toThrow(message);
      expect([scaler.mean, scaler.std, scaler.rows]).toEqual([[2, 3], [1, 1], 2]);
    };
    expectRefused(() => scaler.fit([[1, 2], [3, NaN]]), 'x[1][1] must be a finite number, got NaN');
    expectRefused(() => scaler.fit(new Float32Array([1, Infinity]), { width: 1 }), 'x[1] (row 1, column 0) must be a finite number, got Infinity');
    expectRefused(() => scaler.fit([[1, 2], [3]]), 'x[1] has 1 values, but x[0] has 2');
    expectRefused(() => scaler.fit(new Float32Array(4)), 'x is a flat array, so its row width is needed: give it as options.width');
    expectRefused(() => scaler.fit([]), 'x is empty');
    expectRefused(() => scaler.partialFit([[1, 2, 3]]), 'x has rows of 3 values, but StandardScaler was fitted on 2 columns');
    expectRefused(() => scaler.fit([[1]], { width: 0 }), 'options.width must be a positive integer');
    expectRefused(() => scaler.partialFit(new Float32Array(3)), 'x has 3 values, which is not a whole number of rows of 2 (the column count StandardScaler was fitted on)');
    expectRefused(() => scaler.transform([[1, 2, 3]]), 'x[0] has 3 values, but the column count StandardScaler was fitted on is 2');
    expectRefused(() => scaler.transform(new Float32Array(3)), 'x has 3 values, which is not a whole number of rows of 2');
    expect(() => new StandardScaler().transform([[1]])).toThrow('StandardScaler.transform needs a fitted scaler: call fit(x) first');
  });
});

describe('MinMaxScaler', () => {
  it('maps each column\'s smallest and largest training values to the ends of the range', () => {
    const x = randomRows(50, 3, 4);
    for (const range of [undefined, [-1, 1], [2, 7]] as const) {
      const scaler = new MinMaxScaler(range ? { range } : {}).fit(x);
      const [a, b] = range ?? [0, 1];
      const z = scaler.transform(x);
      for (let j = 0; j < 3; j++) {
        const column = z.map((row) => row[j]!);
        expect(Math.min(...column)).toBeCloseTo(a, 12);
        expect(Math.max(...column)).toBeCloseTo(b, 12);
        const lo = Math.min(...x.map((row) => row[j]!));
        const hi = Math.max(...x.map((row) => row[j]!));
        z.forEach((row, r) => expect(row[j]).toBeCloseTo(a + ((x[r]![j]! - lo) * (b - a)) / (hi - lo), 12));
      }
      scaler.inverseTransform(z).forEach((row, r) => row.forEach((v, j) => expect(v).toBeCloseTo(x[r]![j]!, 10)));
      expect(scaler.range).toEqual([a, b]);
    }
  });

  it('maps a constant column\'s value to the start of the range; values beyond the training range map beyond it', () => {
    const scaler = new MinMaxScaler({ range: [-1, 1] }).fit([[3, 0], [3, 10]]);
    // scikit-learn divides a constant column by 1: 4 is 1 above its minimum, so 1 · (1 − −1) above the range's start.
    expect(scaler.transform([[3, 20], [4, -10]])).toEqual([[-1, 3], [1, -3]]);
    expect([scaler.min, scaler.max]).toEqual([[3, 0], [3, 10]]);
  });

  it('fitted a chunk at a time or read back from JSON, scales as fitted whole', () => {
    const x = randomRows(30, 2, 8);
    const whole = new MinMaxScaler().fit(x);
    const chunked = new MinMaxScaler().partialFit(x.slice(0, 7)).partialFit(x.slice(7));
    expect(chunked.transform(x)).toEqual(whole.transform(x));
    const read = MinMaxScaler.fromJSON(JSON.parse(JSON.stringify(new MinMaxScaler({ range: [1, 2] }).partialFit(x.slice(0, 7)))));
    expect(read.range).toEqual([1, 2]);
    read.partialFit(x.slice(7));
    expect(read.min).toEqual(whole.min);
    expect(read.max).toEqual(whole.max);
  });

  it('refuses a range that is not two increasing numbers, and JSON whose min is above its max', () => {
    for (const range of [[1, 1], [2, 1], [0], [0, Infinity], 'ab']) {
      expect(() => new MinMaxScaler({ range } as never)).toThrow('MinMaxScaler options.range must be two finite numbers [min, max] with min < max');
    }
    expect(() => MinMaxScaler.fromJSON({ range: [0, 1], min: [0, 5], max: [1, 4] })).toThrow('MinMaxScaler.fromJSON: min[1] is 5, above max[1] (4)');
  });
});
