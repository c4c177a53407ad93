// The metrics module on worked examples whose numbers are counted by hand, and evaluate's
// metrics option against it on the network's own predictions.

import { afterAll, describe, expect, it } from 'vitest';
import { argmaxRows, metrics, Network, type NetworkConfig } from '../src/index.js';
import { Rng } from '../src/random.js';
import { expectNamedError } from './support/untouched.js';

// Three classes, ten rows. Confusion (rows actual, columns predicted):
//   [3, 1, 0]
//   [1, 2, 1]
//   [0, 0, 2]
const ACTUAL = [0, 0, 0, 0, 1, 1, 1, 1, 2, 2];
const PREDICTED = [0, 0, 0, 1, 0, 1, 1, 2, 2, 2];

describe('classification metrics', () => {
  it('confusion matrix, accuracy', () => {
    expect(metrics.confusionMatrix(ACTUAL, PREDICTED, 3)).toEqual([[3, 1, 0], [1, 2, 1], [0, 0, 2]]);
    expect(metrics.confusionMatrix(ACTUAL, PREDICTED, 4)).toEqual([[3, 1, 0, 0], [1, 2, 1, 0], [0, 0, 2, 0], [0, 0, 0, 0]]);
    expect(metrics.accuracy(ACTUAL, PREDICTED)).toBe(0.7);
  });

  it('precision, recall and F1 per class and their macro means', () => {
    // Precision: 3/4, 2/3, 2/3. Recall: 3/4, 2/4, 2/2. F1 = 2TP/(2TP + FP + FN): 6/8, 4/7, 4/5.
    const close = (got: { perClass: number[]; macro: number }, want: number[]) => {
      got.perClass.forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 14));
      expect(got.macro).toBeCloseTo(want.reduce((s, v) => s + v, 0) / want.length, 14);
    };
    close(metrics.precision(ACTUAL, PREDICTED, 3), [3 / 4, 2 / 3, 2 / 3]);
    close(metrics.recall(ACTUAL, PREDICTED, 3), [3 / 4, 2 / 4, 1]);
    close(metrics.f1(ACTUAL, PREDICTED, 3), [6 / 8, 4 / 7, 4 / 5]);
  });

  it('a class never predicted, or with no rows, scores 0 where its ratio is 0/0', () => {
    // Class 2 is never predicted and has no rows.
    expect(metrics.precision([0, 1, 1], [0, 0, 1], 3).perClass).toEqual([0.5, 1, 0]);
    expect(metrics.recall([0, 1, 1], [0, 0, 1], 3).perClass).toEqual([1, 0.5, 0]);
    expect(metrics.f1([0, 1, 1], [0, 0, 1], 3).perClass[2]).toBe(0);
  });

  it('rejects labels that are not classes, and mismatched lengths', () => {
    expectNamedError(failureOf(() => metrics.accuracy([0, 1], [0])), /actual has 2 values but predicted has 1/);
    expectNamedError(failureOf(() => metrics.confusionMatrix([0, 3], [0, 1], 3)), /actual\[1\] is 3; a class index must be a whole number from 0 to 2/);
    expectNamedError(failureOf(() => metrics.precision([0, 1], [0, 0.5], 2)), /predicted\[1\] is 0\.5/);
    expectNamedError(failureOf(() => metrics.accuracy([], [])), /empty/);
  });
});

describe('regression metrics', () => {
  it('MSE, MAE and R² of a worked example', () => {
    // Errors 0.5, −1, 0, 2: MSE (0.25 + 1 + 0 + 4)/4, MAE 3.5/4. Actual mean 2.5, spread 1.25 + 0.25 + 0.25 + 2.25 = 5.
    const actual = [1, 2, 3, 4];
    const predicted = [1.5, 1, 3, 6];
    expect(metrics.meanSquaredError(actual, predicted)).toBe(5.25 / 4);
    expect(metrics.meanAbsoluteError(actual, predicted)).toBe(3.5 / 4);
    expect(metrics.r2(actual, predicted)).toBe(1 - 5.25 / 5);
  });

  it('R² per column, averaged; NaN for a constant column', () => {
    // Columns [1, 3] vs [2, 3] (spread 2, residual 1: 0.5) and [0, 4] vs [0, 4] (1).
    expect(metrics.r2([1, 0, 3, 4], [2, 0, 3, 4], 2)).toBe(0.75);
    expect(metrics.r2([2, 2], [1, 3])).toBeNaN();
    expectNamedError(failureOf(() => metrics.r2([1, 2, 3], [1, 2, 3], 2)), /width must be a whole number that divides the 3 values/);
  });
});

const live: Network[] = [];
afterAll(() => live.forEach((net) => net.dispose()));

describe('evaluate with metrics', () => {
  const rng = Rng.fromSeed(8);
  const X = Float32Array.from({ length: 60 * 4 }, () => rng.uniform() * 2 - 1);
  const LABELS = Int32Array.from({ length: 60 }, (_, r) => (X[r * 4]! > 0 ? 1 : 0) + (X[r * 4 + 1]! > 0.3 ? 1 : 0));
  const classifier: NetworkConfig = {
    inputs: 4, layers: [{ units: 6, activation: 'tanh' }, { units: 3, activation: 'softmax' }], loss: 'sparseCategoricalCrossentropy', seed: 1,
  };

  it('reports the metrics module\'s numbers on the network\'s predictions', async () => {
    const net = await Network.create(classifier);
    live.push(net);
    await net.fit(X, LABELS, { epochs: 20, batchSize: 8, optimizer: { type: 'adam', learningRate: 0.05 } });
    const predicted = argmaxRows(net.predict(X), 3);
    const result = net.evaluate(X, LABELS, { metrics: ['precision', 'recall', 'f1', 'confusionMatrix', 'accuracy'] });
    expect(result.loss).toBe(net.evaluate(X, LABELS).loss);
    expect(result.accuracy).toBe(metrics.accuracy(LABELS, predicted));
    expect(result.confusionMatrix).toEqual(metrics.confusionMatrix(LABELS, predicted, 3));
    expect(result.precision).toEqual(metrics.precision(LABELS, predicted, 3));
    expect(result.recall).toEqual(metrics.recall(LABELS, predicted, 3));
    expect(result.f1).toEqual(metrics.f1(LABELS, predicted, 3));
    expect(result.accuracy).toBeGreaterThan(0.8);
  });

  it('a single sigmoid unit is two classes, thresholded at 0.5', async () => {
    const net = await Network.create({ inputs: 4, layers: [{ units: 1, activation: 'sigmoid' }], loss: 'binaryCrossentropy', seed: 2 });
    live.push(net);
    const y = Float32Array.from(LABELS, (c) => (c > 0 ? 1 : 0));
    const predicted = Array.from(net.predict(X), (p) => (p >= 0.5 ? 1 : 0));
    expect(net.evaluate(X, y, { metrics: ['confusionMatrix'] }).confusionMatrix).toEqual(metrics.confusionMatrix(y, predicted, 2));
  });

  it('regression metrics over every output', async () => {
    const net = await Network.create({ inputs: 4, layers: [{ units: 2, activation: 'linear' }], loss: 'huber', seed: 3 });
    live.push(net);
    const y = Float32Array.from({ length: 120 }, (_, i) => X[i]! * 2 - 1);
    const outputs = net.predict(X);
    const result = net.evaluate(X, y, { metrics: ['mse', 'mae', 'r2'] });
    expect(result.mse).toBe(metrics.meanSquaredError(y, outputs));
    expect(result.mae).toBe(metrics.meanAbsoluteError(y, outputs));
    expect(result.r2).toBe(metrics.r2(y, outputs, 2));
    expect(result).not.toHaveProperty('accuracy');
  });

  it('says which metrics do not apply, and rejects unknown ones', async () => {
    const regression = await Network.create({ inputs: 4, layers: [{ units: 2, activation: 'linear' }], loss: 'squaredError' });
    const sparse = await Network.create(classifier);
    const multiLabel = await Network.create({ inputs: 4, layers: [{ units: 3, activation: 'sigmoid' }], loss: 'binaryCrossentropy' });
    live.push(regression, sparse, multiLabel);
    const y2 = new Float32Array(120);
    expectNamedError(failureOf(() => regression.evaluate(X, y2, { metrics: ['precision'] })), /'precision' needs a classifier, and this network's outputs \(linear, loss 'squaredError'\) are not classes/);
    expectNamedError(failureOf(() => sparse.evaluate(X, LABELS, { metrics: ['mse'] })), /'mse' compares outputs with targets of the output's width/);
    expectNamedError(failureOf(() => multiLabel.evaluate(X, new Float32Array(180), { metrics: ['f1'] })), /independent labels/);
    expectNamedError(failureOf(() => sparse.evaluate(X, LABELS, { metrics: ['auc' as never] })), /metrics\[0\] must be/);
    expectNamedError(failureOf(() => sparse.evaluate(X, LABELS, { metric: ['f1'] } as never)), /unknown option 'metric'/);
  });
});

function failureOf(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a failure, but the call succeeded');
}
