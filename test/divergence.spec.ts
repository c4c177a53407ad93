// What a diverged fit leaves behind: the network as the failing epoch began (weights, biases and
// the generator that shuffles), whatever way the fit was cut into calls into wasm, and a
// network that predicts finite values and trains on at a sane learning rate.

import { afterEach, describe, expect, it } from 'vitest';
import { trainingCalls } from '../src/engine.js';
import { DivergenceError, type FitOptions, Network, type NetworkConfig } from '../src/index.js';
import { Rng } from '../src/random.js';
import { failure, weightHash } from './support/untouched.js';

const ROWS = 40;
const rng = Rng.fromSeed(77);
const X = Array.from({ length: ROWS }, () => Array.from({ length: 4 }, () => rng.uniform() * 4 - 2));
const ONE_HOT = Array.from({ length: ROWS }, (_, r) => [0, 1, 2].map((k) => Number(k === r % 3)));

const REGRESSOR: NetworkConfig = {
  inputs: 4, layers: [{ units: 8, activation: 'relu' }, { units: 3, activation: 'linear' }], loss: 'squaredError', seed: 11,
};
const CLASSIFIER: NetworkConfig = {
  inputs: 4, layers: [{ units: 8, activation: 'tanh' }, { units: 3, activation: 'softmax' }],
  loss: 'categoricalCrossentropy', seed: 12,
};

/** Shuffled, diverging in the middle of an epoch a few epochs in. */
const MID_EPOCH: FitOptions = { epochs: 200, batchSize: 6, optimizer: { type: 'momentum', learningRate: 0.16 } };
/** Shuffled, with validation rows whose loss overflows after a few epochs. */
const VALIDATED: FitOptions = { epochs: 200, batchSize: 6, validationSplit: 0.2, optimizer: { type: 'momentum', learningRate: 0.3 } };

afterEach(() => {
  trainingCalls.batches = 0;
});

interface Outcome {
  error: Pick<DivergenceError, 'epoch' | 'batch' | 'reason' | 'restoredEpoch' | 'history' | 'message'>;
  weights: string;
  /** Weights after a further, gentle seeded fit: they depend on the restored generator too. */
  after: string;
}

async function divergeOnce(options: FitOptions): Promise<Outcome> {
  const net = await Network.create(REGRESSOR);
  const error = await failure(() => net.fit(X, ONE_HOT, options));
  expect(error).toBeInstanceOf(DivergenceError);
  const { epoch, batch, reason, restoredEpoch, history, message } = error as DivergenceError;
  const weights = weightHash(net);
  await net.fit(X, ONE_HOT, { epochs: 2, batchSize: 6, optimizer: { type: 'sgd', learningRate: 0.001 } });
  const outcome = { error: { epoch, batch, reason, restoredEpoch, history, message }, weights, after: weightHash(net) };
  net.dispose();
  return outcome;
}

describe('divergence', () => {
  it.each([
    ['in the middle of an epoch', MID_EPOCH, 'loss'],
    ['in the validation loss', VALIDATED, 'validationLoss'],
  ] as const)('%s: the same bits, epoch and batch however the fit is cut into calls', async (_, options, reason) => {
    const outcomes: Outcome[] = [];
    for (const batches of [0, 1, 2, 3, 5, 7, 11, 13, 64, 1000]) {
      trainingCalls.batches = batches;
      outcomes.push(await divergeOnce(options));
    }
    trainingCalls.batches = 0;
    outcomes.push(await divergeOnce({ ...options, onBatchEnd: () => {} }));
    outcomes.push(await divergeOnce({ ...options, onEpochEnd: () => {} }));
    expect(outcomes).toHaveLength(12);
    const { error } = outcomes[0]!;
    expect(error.reason).toBe(reason);
    expect(error.epoch).toBeGreaterThan(2);
    expect(error.restoredEpoch).toBe(error.epoch);
    expect(error.history.epochs).toBe(error.epoch - 1);
    if (reason === 'loss') expect(error.batch).toBeGreaterThan(1);
    for (const outcome of outcomes) expect(outcome).toEqual(outcomes[0]);
  });

  it('leaves the network exactly as a fit of the epochs before the restored one leaves it', async () => {
    const diverged = await Network.create(REGRESSOR);
    const error = (await failure(() => diverged.fit(X, ONE_HOT, MID_EPOCH))) as DivergenceError;
    expect(error).toBeInstanceOf(DivergenceError);
    expect(error.history.epochs).toBeGreaterThan(2);
    const completed = await Network.create(REGRESSOR);
    const history = await completed.fit(X, ONE_HOT, { ...MID_EPOCH, epochs: error.history.epochs });
    expect(weightHash(diverged)).toBe(weightHash(completed));
    expect(error.history).toEqual(history);
    // The generators agree too: the same shuffled fit afterwards gives the same weights.
    const gentle: FitOptions = { epochs: 3, batchSize: 6, optimizer: { type: 'sgd', learningRate: 0.001 } };
    await diverged.fit(X, ONE_HOT, gentle);
    await completed.fit(X, ONE_HOT, gentle);
    expect(weightHash(diverged)).toBe(weightHash(completed));
    diverged.dispose();
    completed.dispose();
  });

  const extremes: [string, NetworkConfig, FitOptions][] = [
    ['plain SGD at learning rate 1e30, squared error', REGRESSOR, { optimizer: { type: 'sgd', learningRate: 1e30 } }],
    ['SGD at 3e38, softmax and cross-entropy', CLASSIFIER, { optimizer: { type: 'sgd', learningRate: 3e38 } }],
    ['Adam at 1e38, row by row', CLASSIFIER, { batchSize: 1, optimizer: { type: 'adam', learningRate: 1e38 } }],
    ['momentum at 1e20 over the whole batch, failing in the first batch of epoch 2', REGRESSOR,
      { batchSize: ROWS, optimizer: { type: 'momentum', learningRate: 1e20 } }],
    ['SGD at 1e38 in one batch: every loss finite, the final weights not', REGRESSOR,
      { epochs: 1, batchSize: ROWS, optimizer: { type: 'sgd', learningRate: 1e38 } }],
  ];
  it.each(extremes)('%s: the network predicts finite values and trains on at a sane rate', async (_, config, options) => {
    const net = await Network.create(config);
    const initial = weightHash(net);
    const error = (await failure(() => net.fit(X, ONE_HOT, { epochs: 50, batchSize: 8, ...options }))) as DivergenceError;
    expect(error).toBeInstanceOf(DivergenceError);
    expect(error.restoredEpoch).toBe(1);
    expect(weightHash(net)).toBe(initial);
    expect(net.predict(X).flat().every(Number.isFinite)).toBe(true);
    const before = net.evaluate(X, ONE_HOT).loss;
    await net.fit(X, ONE_HOT, { epochs: 30, batchSize: 8, optimizer: { type: 'sgd', learningRate: 0.01 } });
    expect(net.evaluate(X, ONE_HOT).loss).toBeLessThan(before);
    net.dispose();
  });

  it('names the reason, the epoch, the batch and the epoch restored', async () => {
    const messages = await Promise.all(extremes.map(async ([, config, options]) => {
      const net = await Network.create(config);
      const error = await failure(() => net.fit(X, ONE_HOT, { epochs: 50, batchSize: 8, ...options }));
      net.dispose();
      return [(error as DivergenceError).reason, error.message] as const;
    }));
    expect(messages.map(([reason]) => reason)).toEqual(['loss', 'loss', 'loss', 'loss', 'finalLoss']);
    expect(messages[0]![1]).toMatch(/^training diverged in epoch 1, batch 2: the loss became NaN or Infinity \(learning rate 1e\+30\); the weights were restored to what they were when epoch 1 began\./);
    expect(messages[3]![1]).toMatch(/^training diverged in epoch 2, batch 1: .* when epoch 1 began/);
    expect(messages[4]![1]).toMatch(/^training diverged in epoch 1: after batch 1 the loss on the first training rows was NaN or Infinity .* when epoch 1 began/);
  });

  it('an abort right after a batch that left a weight infinite restores the epoch start too', async () => {
    const net = await Network.create(REGRESSOR);
    const initial = weightHash(net);
    const controller = new AbortController();
    const error = (await failure(() => net.fit(X, ONE_HOT, {
      epochs: 3, batchSize: ROWS / 2, optimizer: { type: 'sgd', learningRate: 3e38 }, signal: controller.signal,
      onBatchEnd: () => controller.abort(),
    }))) as DivergenceError;
    expect(error).toBeInstanceOf(DivergenceError);
    expect([error.reason, error.epoch, error.batch, error.restoredEpoch]).toEqual(['parameters', 1, 1, 1]);
    expect(error.message).toMatch(/in epoch 1: a weight or bias became NaN or Infinity \(found after batch 1\)/);
    expect(weightHash(net)).toBe(initial);
    net.dispose();
  });
});
