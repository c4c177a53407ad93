// trainTestSplit: every row in exactly one set, x's rows still with their y, sizes from
// testSize, seeded orders, stratified shares per class, every form of x and y, and errors.

import { describe, expect, it } from 'vitest';
import { SimdnetError, trainTestSplit } from '../src/index.js';

/** 40 rows: row r is [r, r + 0.5], labelled by r mod 4 in unequal shares (classes a..d: 16, 12, 8, 4 rows). */
const ROWS = Array.from({ length: 40 }, (_, r) => [r, r + 0.5]);
const LABELS = ROWS.map(([r]) => (r! < 16 ? 'a' : r! < 28 ? 'b' : r! < 36 ? 'c' : 'd'));

const ids = (x: number[][]) => x.map((row) => row[0]!);

describe('trainTestSplit', () => {
  it('puts every row in one set, keeps each row with its target, and takes testSize of the rows', () => {
    const { xTrain, xTest, yTrain, yTest } = trainTestSplit(ROWS, LABELS, { testSize: 0.25, seed: 3 });
    expect(xTest).toHaveLength(10);
    expect(xTrain).toHaveLength(30);
    expect([...ids(xTrain), ...ids(xTest)].sort((a, b) => a - b)).toEqual(ROWS.map(([r]) => r));
    xTrain.forEach((row, k) => expect(yTrain[k]).toBe(LABELS[row[0]!]));
    xTest.forEach((row, k) => expect(yTest[k]).toBe(LABELS[row[0]!]));
    expect(trainTestSplit(ROWS, LABELS, { testSize: 7 }).xTest).toHaveLength(7);
    expect(trainTestSplit(ROWS, LABELS).xTest).toHaveLength(10);
  });

  it('draws the same sets for the same seed and others for another, in a shuffled order', () => {
    const split = (seed: number) => ids(trainTestSplit(ROWS, LABELS, { seed }).xTest);
    expect(split(1)).toEqual(split(1));
    expect(split(2)).not.toEqual(split(1));
    const train = ids(trainTestSplit(ROWS, LABELS, { seed: 1 }).xTrain);
    expect(train).not.toEqual([...train].sort((a, b) => a - b));
  });

  it('stratified, gives each class its share of the test set', () => {
    for (const seed of [0, 1, 2]) {
      const { yTest, yTrain } = trainTestSplit(ROWS, LABELS, { testSize: 0.25, seed, stratify: true });
      const count = (labels: string[], c: string) => labels.filter((l) => l === c).length;
      expect(['a', 'b', 'c', 'd'].map((c) => count(yTest, c))).toEqual([4, 3, 2, 1]);
      expect(['a', 'b', 'c', 'd'].map((c) => count(yTrain, c))).toEqual([12, 9, 6, 3]);
    }
    // Unstratified, some seed misses a class's share.
    const shares = [0, 1, 2, 3, 4, 5].map((seed) => trainTestSplit(ROWS, LABELS, { seed }).yTest.filter((l) => l === 'd').length);
    expect(shares.some((n) => n !== 1)).toBe(true);
  });

  it('takes flat x with its width and answers each set in the form given; one-hot y stratifies by its arg-max', () => {
    const x = new Float32Array(ROWS.flat());
    const classes = ['a', 'b', 'c', 'd'];
    const oneHot = new Float32Array(LABELS.flatMap((l) => classes.map((c) => (c === l ? 1 : 0))));
    const split = trainTestSplit(x, oneHot, { width: 2, testSize: 0.25, seed: 5, stratify: true });
    expect(split.xTrain).toBeInstanceOf(Float32Array);
    expect(split.yTest).toBeInstanceOf(Float32Array);
    expect(split.xTest).toHaveLength(20);
    expect(split.yTest).toHaveLength(40);
    const rows = trainTestSplit(ROWS, LABELS, { testSize: 0.25, seed: 5, stratify: true });
    expect(Array.from(split.xTest)).toEqual(rows.xTest.flat());
    const typed = trainTestSplit(x, new Uint8Array(LABELS.map((l) => classes.indexOf(l))), { width: 2, seed: 5, stratify: LABELS });
    expect(typed.yTest).toBeInstanceOf(Uint8Array);
    expect(Array.from(typed.yTest, (k) => classes[k])).toEqual(rows.yTest);
  });

  it.each([
    ['a flat x without its width', () => trainTestSplit(new Float32Array(8), [1, 2, 3, 4]), 'x is a flat array, so options.width (its values per row) is needed'],
    ['y of another length', () => trainTestSplit(ROWS, [1, 2, 3]), 'y has 3 elements, but x has 40 rows'],
    ['a testSize of 1', () => trainTestSplit(ROWS, LABELS, { testSize: 1.5 }), 'testSize must be a fraction between 0 and 1, or a whole number of rows from 1 to 39, got 1.5'],
    ['a testSize that leaves no test rows', () => trainTestSplit(ROWS.slice(0, 3), LABELS.slice(0, 3), { testSize: 0.1 }), 'testSize 0.1 of 3 rows leaves 0 for testing and 3 for training'],
    ['stratify labels of another length', () => trainTestSplit(ROWS, LABELS, { stratify: ['a'] }), 'options.stratify must be true or a label for each of the 40 rows'],
    ['an unknown option', () => trainTestSplit(ROWS, LABELS, { test_size: 0.2 } as never), "trainTestSplit options has an unknown option 'test_size'"],
    ['a seed that is not an integer', () => trainTestSplit(ROWS, LABELS, { seed: 0.5 }), 'trainTestSplit options.seed must be an integer from 0 to 4294967295, got 0.5'],
  ])('refuses %s', (_, call, message) => {
    expect(call).toThrow(SimdnetError);
    expect(call).toThrow(message);
  });
});
