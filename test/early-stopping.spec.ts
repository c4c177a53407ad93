// Early stopping: on the UCI digits, restoreBestWeights leaves the network exactly as a fit of
// history.bestEpoch epochs from the same seed leaves it (weights, optimizer state, generator), however
// the fit is cut into calls; where it stops and which epoch is best follow Keras's rule on the
// values the history reports.

import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { trainingCalls } from '../src/engine.js';
import { type EarlyStoppingOptions, type FitOptions, type History, Network, type NetworkConfig } from '../src/index.js';
import { Rng } from '../src/random.js';
import { digits } from './support/datasets.js';
import { weightHash } from './support/untouched.js';

const DIGITS = digits();
const DIGITS_NET: NetworkConfig = {
  inputs: 64, layers: [{ units: 64, activation: 'relu' }, { units: 10, activation: 'softmax' }], loss: 'categoricalCrossentropy', seed: 1,
};
// Adam at a high rate overfits the 70% it trains on within a few dozen epochs.
const DIGITS_FIT: FitOptions = {
  epochs: 200, batchSize: 32, optimizer: { type: 'adam', learningRate: 0.01 }, validationSplit: { fraction: 0.3, shuffle: true },
};
const STOPPING: EarlyStoppingOptions = { monitor: 'valLoss', patience: 3, restoreBestWeights: true };

const live: Network[] = [];
afterAll(() => live.forEach((net) => net.dispose()));
afterEach(() => {
  trainingCalls.batches = 0;
});

async function network(config: NetworkConfig): Promise<Network> {
  const net = await Network.create(config);
  live.push(net);
  return net;
}

/** The first `epochs` epochs of a history, without what only early stopping reports. */
function firstEpochs(history: History, epochs: number): History {
  const cut: History = { epochs, loss: history.loss.slice(0, epochs), learningRate: history.learningRate.slice(0, epochs) };
  for (const key of ['accuracy', 'valLoss', 'valAccuracy'] as const) if (history[key]) cut[key] = history[key]!.slice(0, epochs);
  return cut;
}

describe('restoreBestWeights on the digits', () => {
  it('returns the weights of history.bestEpoch bit for bit: those of a plain fit of that many epochs', async () => {
    const stopped = await network(DIGITS_NET);
    const history = await stopped.fit(DIGITS.x, DIGITS.y, { ...DIGITS_FIT, earlyStopping: STOPPING });
    expect(history.stopped).toBe('earlyStopping');
    const best = history.bestEpoch!;
    expect(best).toBeGreaterThan(3);
    expect(history.epochs).toBe(best + STOPPING.patience!);
    const valLoss = history.valLoss!;
    expect(valLoss.indexOf(Math.min(...valLoss))).toBe(best - 1);

    const plain = await network(DIGITS_NET);
    const plainHistory = await plain.fit(DIGITS.x, DIGITS.y, { ...DIGITS_FIT, epochs: best });
    expect(weightHash(stopped)).toBe(weightHash(plain));
    expect(plainHistory).toEqual(firstEpochs(history, best));
    expect(stopped.evaluate(DIGITS.x, DIGITS.y)).toEqual(plain.evaluate(DIGITS.x, DIGITS.y));

    // Adam's moments and step count and the shuffling generator went back too: both train on alike.
    for (const net of [stopped, plain]) await net.fit(DIGITS.x, DIGITS.y, { ...DIGITS_FIT, epochs: 2 });
    expect(weightHash(stopped)).toBe(weightHash(plain));
  });

  it('the same bits however the fit is cut into calls into wasm, and with awaited callbacks', async () => {
    const hashes = new Set<string>();
    const histories: History[] = [];
    for (const batches of [0, 5, 64]) {
      trainingCalls.batches = batches;
      const net = await network(DIGITS_NET);
      histories.push(await net.fit(DIGITS.x, DIGITS.y, { ...DIGITS_FIT, earlyStopping: STOPPING }));
      hashes.add(weightHash(net));
    }
    trainingCalls.batches = 0;
    const net = await network(DIGITS_NET);
    const epochs: number[] = [];
    histories.push(await net.fit(DIGITS.x, DIGITS.y, {
      ...DIGITS_FIT, earlyStopping: STOPPING,
      onEpochEnd: async ({ epoch }) => {
        await new Promise((resolve) => setTimeout(resolve, 1));
        epochs.push(epoch);
      },
    }));
    hashes.add(weightHash(net));
    expect(hashes.size).toBe(1);
    for (const history of histories) expect(history).toEqual(histories[0]);
    expect(epochs).toEqual(Array.from({ length: histories[0]!.epochs }, (_, e) => e + 1));
  });

  it('without restoreBestWeights the network keeps its last epoch, and bestEpoch is still reported', async () => {
    const stopped = await network(DIGITS_NET);
    const history = await stopped.fit(DIGITS.x, DIGITS.y, { ...DIGITS_FIT, earlyStopping: { ...STOPPING, restoreBestWeights: false } });
    expect(history.stopped).toBe('earlyStopping');
    expect(history.bestEpoch).toBeLessThan(history.epochs);
    const plain = await network(DIGITS_NET);
    await plain.fit(DIGITS.x, DIGITS.y, { ...DIGITS_FIT, epochs: history.epochs });
    expect(weightHash(stopped)).toBe(weightHash(plain));
  });

  it('a fit that runs all its epochs still ends at its best one; an abort keeps the network as it is', async () => {
    // Past its first dozen epochs the validation loss improves by less than minDelta.
    const patient = { ...STOPPING, patience: 100, minDelta: 0.002 };
    const completed = await network(DIGITS_NET);
    const history = await completed.fit(DIGITS.x, DIGITS.y, { ...DIGITS_FIT, epochs: 25, earlyStopping: patient });
    expect(history.stopped).toBeUndefined();
    expect(history.epochs).toBe(25);
    expect(history.bestEpoch).toBeLessThan(25);
    const plain = await network(DIGITS_NET);
    await plain.fit(DIGITS.x, DIGITS.y, { ...DIGITS_FIT, epochs: history.bestEpoch });
    expect(weightHash(completed)).toBe(weightHash(plain));

    const aborted = await network(DIGITS_NET);
    const controller = new AbortController();
    const abortedHistory = await aborted.fit(DIGITS.x, DIGITS.y, {
      ...DIGITS_FIT, epochs: 25, earlyStopping: patient, signal: controller.signal,
      onEpochEnd: ({ epoch }) => { if (epoch === 20) controller.abort(); },
    });
    expect(abortedHistory.stopped).toBe('aborted');
    expect(abortedHistory.bestEpoch).toBeLessThan(20);
    const twenty = await network(DIGITS_NET);
    await twenty.fit(DIGITS.x, DIGITS.y, { ...DIGITS_FIT, epochs: 20 });
    expect(weightHash(aborted)).toBe(weightHash(twenty));
  });
});

/**
 * Keras's EarlyStopping.on_epoch_end over a run of epoch values: the best epoch (from 1) and the
 * epoch after which training stops (undefined: it does not).
 */
function kerasEarlyStopping(values: readonly number[], lowerIsBetter: boolean, patience: number, minDelta: number): { best: number; stop?: number } {
  let best: number | undefined;
  let bestEpoch = 0;
  let wait = 0;
  for (let epoch = 0; epoch < values.length; epoch++) {
    const current = values[epoch]!;
    wait += 1;
    const improved = best === undefined || (lowerIsBetter ? current - minDelta < best : current - minDelta > best);
    if (improved) {
      best = current;
      bestEpoch = epoch;
      wait = 0;
      continue;
    }
    if (wait >= patience && epoch > 0) return { best: bestEpoch + 1, stop: epoch + 1 };
  }
  return { best: bestEpoch + 1 };
}

describe('where early stopping stops', () => {
  const rng = Rng.fromSeed(12);
  const rows = 80;
  const x = Float32Array.from({ length: rows * 3 }, () => rng.uniform() * 2 - 1);
  const y = new Float32Array(rows * 2);
  for (let r = 0; r < rows; r++) y[r * 2 + (x[r * 3]! + 0.5 * x[r * 3 + 1]! + (rng.uniform() - 0.5) > 0 ? 1 : 0)] = 1;
  const config: NetworkConfig = {
    inputs: 3, layers: [{ units: 16, activation: 'tanh' }, { units: 2, activation: 'softmax' }], loss: 'categoricalCrossentropy', seed: 4,
  };
  const cases: [string, Required<Pick<EarlyStoppingOptions, 'monitor'>> & EarlyStoppingOptions][] = [
    ['the training loss, patience 0 (Keras: the first epoch without improvement)', { monitor: 'loss', patience: 0, minDelta: 0.002 }],
    ['the training loss, patience 1, as patience 0', { monitor: 'loss', patience: 1, minDelta: 0.002 }],
    ['the validation loss, patience 2, minDelta 0.001', { monitor: 'valLoss', patience: 2, minDelta: 0.001 }],
    ['the validation accuracy (higher is better), patience 3', { monitor: 'valAccuracy', patience: 3 }],
    ['the training accuracy, minDelta 0.02', { monitor: 'accuracy', patience: 2, minDelta: 0.02 }],
  ];
  it.each(cases)('%s', async (_, stopping) => {
    const net = await network(config);
    const history = await net.fit(x, y, {
      epochs: 300, batchSize: 10, validationSplit: 0.25, optimizer: { type: 'sgd', learningRate: 0.3 }, earlyStopping: stopping,
    });
    const values = history[stopping.monitor]!;
    const keras = kerasEarlyStopping(values, stopping.monitor.endsWith('oss'), stopping.patience ?? 0, stopping.minDelta ?? 0);
    expect(keras.stop, 'it stops before the last epoch').toBeDefined();
    expect(history.epochs).toBe(keras.stop);
    expect(history.stopped).toBe('earlyStopping');
    expect(history.bestEpoch).toBe(keras.best);
  });
});
