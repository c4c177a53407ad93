// fit's callbacks: a promise returned by onEpochEnd or onBatchEnd is awaited before training goes
// on; a callback that throws or rejects ends fit with that very error, with the network as the
// last completed step left it (and its optimizer state and generator in step with it); callbacks
// change no bit of the training.

import { describe, expect, it } from 'vitest';
import { type FitOptions, Network, type NetworkConfig } from '../src/index.js';
import { Rng } from '../src/random.js';
import { failure, weightHash } from './support/untouched.js';

const ROWS = 24;
const rng = Rng.fromSeed(3);
const X = Float32Array.from({ length: ROWS * 2 }, () => rng.uniform() * 2 - 1);
const Y = Float32Array.from({ length: ROWS }, (_, r) => Number(X[r * 2]! * X[r * 2 + 1]! > 0));
const CONFIG: NetworkConfig = {
  inputs: 2, layers: [{ units: 6, activation: 'tanh' }, { units: 1, activation: 'sigmoid' }], loss: 'binaryCrossentropy', seed: 2,
};
const FIT: FitOptions = { batchSize: 6, optimizer: { type: 'adam', learningRate: 0.02 } };
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('awaited callbacks', () => {
  it('fit waits for each promise onEpochEnd returns, in order, and resolves after the last', async () => {
    const net = await Network.create(CONFIG);
    const events: string[] = [];
    const history = await net.fit(X, Y, {
      ...FIT, epochs: 5,
      onEpochEnd: async ({ epoch }) => {
        events.push(`start ${epoch}`);
        await sleep(20);
        events.push(`end ${epoch}`);
      },
    });
    events.push('resolved');
    expect(events).toEqual([1, 2, 3, 4, 5].flatMap((e) => [`start ${e}`, `end ${e}`]).concat('resolved'));
    expect(history.epochs).toBe(5);
    net.dispose();
  });

  it('the next batch waits for onBatchEnd\'s promise, which sees the weights its batch left', async () => {
    const net = await Network.create(CONFIG);
    const seen: string[] = [];
    let pending = 0;
    await net.fit(X, Y, {
      ...FIT, epochs: 2, shuffle: false,
      onBatchEnd: async () => {
        expect(pending++).toBe(0);
        await sleep(2);
        seen.push(weightHash(net));
        pending--;
      },
    });
    expect(seen).toHaveLength(2 * 4);
    expect(new Set(seen).size).toBe(8);
    // The last batch's weights are the network's.
    expect(seen.at(-1)).toBe(weightHash(net));
    net.dispose();
  });

  it('callbacks, synchronous or not, change no bit of the weights or the history', async () => {
    const outcomes = [];
    for (const options of [{}, { onEpochEnd: () => {} }, { onEpochEnd: async () => sleep(1), onBatchEnd: async () => {} }] as FitOptions[]) {
      const net = await Network.create(CONFIG);
      const history = await net.fit(X, Y, { ...FIT, epochs: 6, validationSplit: 0.25, ...options });
      outcomes.push({ history, weights: weightHash(net) });
      net.dispose();
    }
    for (const outcome of outcomes) expect(outcome).toEqual(outcomes[0]);
  });
});

describe('a callback that fails', () => {
  const failures: [string, (error: Error) => Pick<FitOptions, 'onEpochEnd'>][] = [
    ['rejects', (error) => ({ onEpochEnd: async ({ epoch }) => { await sleep(1); if (epoch === 3) throw error; } })],
    ['throws', (error) => ({ onEpochEnd: ({ epoch }) => { if (epoch === 3) throw error; } })],
  ];
  it.each(failures)('onEpochEnd that %s: fit rejects with its error, the network as 3 epochs left it, and it trains on from there', async (_, make) => {
    const error = new Error('stop here');
    const failed = await Network.create(CONFIG);
    expect(await failure(() => failed.fit(X, Y, { ...FIT, epochs: 10, ...make(error) }))).toBe(error);
    const planned = await Network.create(CONFIG);
    await planned.fit(X, Y, { ...FIT, epochs: 3 });
    expect(weightHash(failed)).toBe(weightHash(planned));
    // Adam's moments, the step count and the generator are those of the 3 epochs too.
    for (const net of [failed, planned]) await net.fit(X, Y, { ...FIT, epochs: 2 });
    expect(weightHash(failed)).toBe(weightHash(planned));
    failed.dispose();
    planned.dispose();
  });

  it('onBatchEnd that rejects mid-epoch: the network holds the batches before it and the failing one', async () => {
    const error = new RangeError('no more');
    const failed = await Network.create(CONFIG);
    const rejection = await failure(() => failed.fit(X, Y, {
      ...FIT, epochs: 3, shuffle: false, onBatchEnd: async ({ epoch, batch }) => { if (epoch === 1 && batch === 3) throw error; },
    }));
    expect(rejection).toBe(error);
    // Unshuffled, the first three batches of 6 are the first 18 rows.
    const planned = await Network.create(CONFIG);
    await planned.fit(X.subarray(0, 18 * 2), Y.subarray(0, 18), { ...FIT, epochs: 1, shuffle: false });
    expect(weightHash(failed)).toBe(weightHash(planned));
    failed.dispose();
    planned.dispose();
  });

  it('a rejection never goes unhandled, and the network takes the next fit', async () => {
    const unhandled: unknown[] = [];
    const listener = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', listener);
    try {
      const net = await Network.create(CONFIG);
      await expect(net.fit(X, Y, { ...FIT, epochs: 4, onEpochEnd: () => Promise.reject(new Error('late')) })).rejects.toThrow('late');
      await sleep(10);
      const history = await net.fit(X, Y, { ...FIT, epochs: 1 });
      expect(history.epochs).toBe(1);
      net.dispose();
    } finally {
      process.off('unhandledRejection', listener);
    }
    expect(unhandled).toEqual([]);
  });
});
