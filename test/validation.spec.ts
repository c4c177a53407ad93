// Validation rows: validationData of their own, the last rows (validationSplit as a fraction, as
// Keras takes them), or a seeded random choice ({ fraction, shuffle: true }) that holds out the
// same rows on every fit, the training rows keeping their order.

import { describe, expect, it } from 'vitest';
import { type FitOptions, Network, type NetworkConfig } from '../src/index.js';
import { Rng } from '../src/random.js';
import { iris } from './support/datasets.js';
import { weightHash } from './support/untouched.js';

const ROWS = 40;
const rng = Rng.fromSeed(17);
const X = Float32Array.from({ length: ROWS * 3 }, () => rng.uniform() * 2 - 1);
const Y = new Float32Array(ROWS * 2);
for (let r = 0; r < ROWS; r++) Y[r * 2 + Number(X[r * 3]! + X[r * 3 + 2]! > 0)] = 1;
const CONFIG: NetworkConfig = {
  inputs: 3, layers: [{ units: 7, activation: 'tanh' }, { units: 2, activation: 'softmax' }], loss: 'categoricalCrossentropy', seed: 6,
};
const FIT: FitOptions = { epochs: 5, batchSize: 4, optimizer: { type: 'momentum', learningRate: 0.1 } };

/** The rows of a flat matrix, in the order given. */
const rowsOf = (m: Float32Array, width: number, rows: readonly number[]): Float32Array =>
  Float32Array.from(rows.flatMap((r) => [...m.subarray(r * width, (r + 1) * width)]));

async function outcome(x: Float32Array, y: Float32Array, options: FitOptions): Promise<{ weights: string; history: unknown }> {
  const net = await Network.create(CONFIG);
  const history = await net.fit(x, y, { ...FIT, ...options });
  const weights = weightHash(net);
  net.dispose();
  return { weights, history };
}

const all = Array.from({ length: ROWS }, (_, r) => r);

describe('validationData', () => {
  it('trains and validates as validationSplit does when those rows are the last ones', async () => {
    const train = all.slice(0, 30);
    const held = all.slice(30);
    const apart = await outcome(rowsOf(X, 3, train), rowsOf(Y, 2, train), { validationData: [rowsOf(X, 3, held), rowsOf(Y, 2, held)] });
    const split = await outcome(X, Y, { validationSplit: 0.25 });
    expect(apart).toEqual(split);
    expect((apart.history as { valLoss: number[] }).valLoss).toHaveLength(5);
  });

  it('takes rows of numbers too, and reports valAccuracy for a classifier', async () => {
    const toRows = (m: Float32Array, width: number): number[][] => Array.from({ length: m.length / width }, (_, r) => [...m.subarray(r * width, (r + 1) * width)]);
    const { history } = await outcome(X, Y, { validationData: [toRows(X, 3).slice(0, 9), toRows(Y, 2).slice(0, 9)] });
    expect(history).toMatchObject({ valLoss: expect.any(Array), valAccuracy: expect.any(Array) });
  });
});

describe('a seeded random validation split', () => {
  // The documented choice: the first ⌈fraction × rows⌉ of a Fisher–Yates permutation of the rows
  // drawn from the seed, validated in their original order; the others train, in theirs.
  const heldOutBy = (seed: number, count: number): number[] => {
    const order = [...all];
    Rng.fromSeed(seed).shuffle(order);
    return order.slice(0, count).sort((a, b) => a - b);
  };

  it.each([[undefined, CONFIG.seed!], [1234, 1234]])('seed %s: the same as validationData of the rows it holds out', async (seed, used) => {
    const held = heldOutBy(used, 10);
    const train = all.filter((r) => !held.includes(r));
    expect(held).not.toEqual(all.slice(30));
    const split = await outcome(X, Y, { validationSplit: { fraction: 0.25, shuffle: true, ...(seed === undefined ? {} : { seed }) } });
    const apart = await outcome(rowsOf(X, 3, train), rowsOf(Y, 2, train), { validationData: [rowsOf(X, 3, held), rowsOf(Y, 2, held)] });
    expect(split).toEqual(apart);
  });

  it('holds out the same rows on every fit of a network, and leaves the shuffling generator alone', async () => {
    const options: FitOptions = { ...FIT, epochs: 1, validationSplit: { fraction: 0.25, shuffle: true } };
    const net = await Network.create(CONFIG);
    const whole = await Network.create(CONFIG);
    const losses: number[] = [];
    for (let i = 0; i < 3; i++) losses.push((await net.fit(X, Y, options)).valLoss![0]!);
    const history = await whole.fit(X, Y, { ...options, epochs: 3 });
    expect(losses).toEqual(history.valLoss);
    expect(weightHash(net)).toBe(weightHash(whole));
    net.dispose();
    whole.dispose();
  });

  it('on iris in file order, the last rows validate on one unseen species; a shuffled split does not', async () => {
    const data = iris();
    const config: NetworkConfig = {
      inputs: 4, layers: [{ units: 8, activation: 'tanh' }, { units: 3, activation: 'softmax' }], loss: 'categoricalCrossentropy', seed: 1,
    };
    const fit: FitOptions = { epochs: 60, batchSize: 16, optimizer: { type: 'adam', learningRate: 0.05 } };
    const lastRows = await Network.create(config);
    const last = await lastRows.fit(data.x, data.y, { ...fit, validationSplit: 1 / 3 });
    const shuffledRows = await Network.create(config);
    const shuffled = await shuffledRows.fit(data.x, data.y, { ...fit, validationSplit: { fraction: 1 / 3, shuffle: true } });
    // The last 50 rows are the virginica, which the first 100 never show.
    expect(last.valAccuracy!.at(-1)).toBeLessThan(0.2);
    expect(shuffled.valAccuracy!.at(-1)).toBeGreaterThan(0.85);
    lastRows.dispose();
    shuffledRows.dispose();
  });
});
