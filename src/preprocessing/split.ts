// A seeded split of rows into a training set and a test set, optionally
// stratified: each class gives the test set its share of its own rows.

import { describe, SimdnetError } from '../errors.js';
import { Rng } from '../random.js';
import { integer, plainObject } from '../validate.js';
import { argmax, type Label } from './labels.js';
import { takeRows, type TypedArray } from './rows.js';

/** Rows as trainTestSplit takes them: an array with an element per row (a row of numbers, a label, a value), or a flat array of numbers. */
export type SplitData = readonly unknown[] | TypedArray;

export interface SplitOptions {
  /** The test set's share of the rows (between 0 and 1, rounded to whole rows), or its number of rows (default 0.25). */
  testSize?: number;
  /** Seeds the order the rows are drawn in (default 0). */
  seed?: number;
  /**
   * Keep each class's share of the rows in both sets: true takes the classes from y (labels, or
   * one-hot rows by their arg-max); or give a label per row to stratify by.
   */
  stratify?: boolean | ArrayLike<Label>;
  /** Values per row of x when x is flat (a Float32Array, say). */
  width?: number;
}

export interface Split<X, Y> {
  xTrain: X;
  xTest: X;
  yTrain: Y;
  yTest: Y;
}

/**
 * Splits the rows of x and y into a training and a test set, drawn in a seeded random order
 * (each set keeps that order). x and y may each be rows or flat (x flat needs options.width;
 * a flat y's width follows from x's row count); each set comes back in the form given.
 * Stratified, each class gives the test set its share of its rows, rounded.
 */
export function trainTestSplit<X extends SplitData, Y extends SplitData>(x: X, y: Y, options: SplitOptions = {}): Split<X, Y> {
  const o = plainObject(options, 'trainTestSplit options', ['testSize', 'seed', 'stratify', 'width']);
  const rows = rowCount(x, o.width);
  const xWidth = x.length / rows;
  const yWidth = valuesPerRow(y, rows);
  const testSize = o.testSize === undefined ? 0.25 : readTestSize(o.testSize, rows);
  const seed = o.seed === undefined ? 0 : integer(o.seed, 'trainTestSplit options.seed', 0, 0xffffffff);
  const order = Array.from({ length: rows }, (_, r) => r);
  Rng.fromSeed(seed).shuffle(order);
  const fraction = testSize < 1 ? testSize : testSize / rows;
  const classes = o.stratify === undefined || o.stratify === false ? undefined : stratifyBy(o.stratify, y, rows, yWidth);
  const testRows = Math.round(rows * fraction);
  const { train, test } = classes ? byClass(order, classes, fraction) : { train: order.slice(testRows), test: order.slice(0, testRows) };
  if (test.length === 0 || train.length === 0) {
    throw new SimdnetError(
      `trainTestSplit: testSize ${testSize} of ${rows} rows leaves ${test.length} for testing and ${train.length} for training; both need at least one`,
    );
  }
  return {
    xTrain: takeRows(x, xWidth, train),
    xTest: takeRows(x, xWidth, test),
    yTrain: takeRows(y, yWidth, train),
    yTest: takeRows(y, yWidth, test),
  };
}

// Walks the shuffled rows and sends each to the test set while its class still owes it rows.
function byClass(order: readonly number[], classes: readonly Label[], fraction: number): { train: number[]; test: number[] } {
  const quota = new Map<Label, number>();
  for (const label of classes) quota.set(label, (quota.get(label) ?? 0) + 1);
  for (const [label, n] of quota) quota.set(label, Math.round(n * fraction));
  const train: number[] = [];
  const test: number[] = [];
  for (const r of order) {
    const owed = quota.get(classes[r]!)!;
    quota.set(classes[r]!, owed - 1);
    (owed > 0 ? test : train).push(r);
  }
  return { train, test };
}

function rowCount(x: SplitData, width: unknown): number {
  if (!Array.isArray(x) && !ArrayBuffer.isView(x)) throw new SimdnetError(`trainTestSplit: x must be an array of rows or a flat array, got ${describe(x)}`);
  if (x.length === 0) throw new SimdnetError('trainTestSplit: x is empty');
  if (Array.isArray(x) && Array.isArray(x[0])) {
    if (width !== undefined) throw new SimdnetError('trainTestSplit: options.width is for a flat x; x is rows, which carry their width');
    return x.length;
  }
  if (width === undefined) throw new SimdnetError('trainTestSplit: x is a flat array, so options.width (its values per row) is needed');
  const w = integer(width, 'trainTestSplit options.width', 1, x.length);
  if (x.length % w !== 0) throw new SimdnetError(`trainTestSplit: x has ${x.length} values, which is not a whole number of rows of ${w} (options.width)`);
  return x.length / w;
}

/** y's elements per row: 1 for an element per row, else y is flat. */
function valuesPerRow(y: SplitData, rows: number): number {
  if (!Array.isArray(y) && !ArrayBuffer.isView(y)) throw new SimdnetError(`trainTestSplit: y must be an array or a typed array, got ${describe(y)}`);
  if (y.length === 0 || y.length % rows !== 0 || (Array.isArray(y) && Array.isArray(y[0]) && y.length !== rows)) {
    throw new SimdnetError(`trainTestSplit: y has ${y.length} elements, but x has ${rows} rows: give y one element per row, or flat, a whole number per row`);
  }
  return y.length / rows;
}

function readTestSize(value: unknown, rows: number): number {
  const ok = typeof value === 'number' && ((value > 0 && value < 1) || (Number.isInteger(value) && value >= 1 && value < rows));
  if (!ok) {
    throw new SimdnetError(
      `trainTestSplit options.testSize must be a fraction between 0 and 1, or a whole number of rows from 1 to ${rows - 1}, got ${describe(value)}`,
    );
  }
  return value;
}

/** The class of each row: the labels given, or y's (a label, or the arg-max of a one-hot row). */
function stratifyBy(stratify: unknown, y: SplitData, rows: number, yWidth: number): Label[] {
  if (stratify !== true) {
    const labels = stratify as ArrayLike<unknown>;
    if (typeof labels !== 'object' || labels === null || labels.length !== rows) {
      throw new SimdnetError(`trainTestSplit options.stratify must be true or a label for each of the ${rows} rows, got ${describe(stratify)}`);
    }
    return Array.from(labels, (label, r) => checkLabel(label, `options.stratify[${r}]`));
  }
  return Array.from({ length: rows }, (_, r) => {
    if (yWidth > 1) return argmax(Array.from({ length: yWidth }, (_, j) => y[r * yWidth + j] as number));
    const element = y[r];
    return Array.isArray(element) ? argmax(element) : checkLabel(element, `y[${r}]`);
  });
}

function checkLabel(label: unknown, path: string): Label {
  if (typeof label === 'string' || (typeof label === 'number' && Number.isFinite(label))) return label;
  throw new SimdnetError(`trainTestSplit: ${path} must be a class label (a string or a finite number) to stratify by, got ${describe(label)}`);
}
