// Bounded staging and training from a stream: predict, evaluate and fit on data beyond the
// staging budget (lowered here so that small data crosses it) give the bits of whole staging,
// and fitDataset over a stream of batches gives the bits of fit over the same rows unshuffled.

import { afterEach, describe, expect, it } from 'vitest';
import { stagingBudget } from '../src/engine.js';
import {
  type DatasetBatch, DivergenceError, type FitOptions, type History, metrics, Network, type NetworkConfig, SimdnetError,
} from '../src/index.js';
import { engineOf } from '../src/network.js';
import { Rng } from '../src/random.js';
import { failure, weightHash } from './support/untouched.js';

const BUDGET = stagingBudget.bytes;
afterEach(() => {
  stagingBudget.bytes = BUDGET;
});

const INPUTS = 5;
const CLASSES = 3;
const ROWS = 203;
const rng = Rng.fromSeed(5);
const X = Float32Array.from({ length: ROWS * INPUTS }, () => rng.uniform() * 4 - 2);
const Y = new Float32Array(ROWS * CLASSES);
for (let r = 0; r < ROWS; r++) Y[r * CLASSES + (Math.floor(X[r * INPUTS]! * 2 + X[r * INPUTS + 1]!) & 1 ? 1 : r % 3)] = 1;
/** A weight for each row, 0 for some. */
const WEIGHTS = Array.from({ length: ROWS }, (_, r) => (r * 0.37) % 2.5);
const rowsOf = (flat: Float32Array, width: number): number[][] =>
  Array.from({ length: flat.length / width }, (_, r) => Array.from(flat.subarray(r * width, (r + 1) * width)));

const CLASSIFIER: NetworkConfig = {
  inputs: INPUTS, layers: [{ units: 9, activation: 'tanh' }, { units: CLASSES, activation: 'softmax' }],
  loss: 'categoricalCrossentropy', seed: 3,
};

/** A budget of a few rows: 3 to 40 rows of this network are staged at a time. */
const SMALL_BUDGETS = [3 * (INPUTS + CLASSES) * 4, 40 * (INPUTS + CLASSES) * 4];

async function withBudget<T>(bytes: number, run: () => Promise<T>): Promise<T> {
  stagingBudget.bytes = bytes;
  try {
    return await run();
  } finally {
    stagingBudget.bytes = BUDGET;
  }
}

interface Trained {
  history: History;
  weights: string;
  /** After a second fit, which goes on from the optimizer state and generator the first left. */
  after: string;
  predicted: Float32Array;
  evaluated: { loss: number; accuracy?: number };
}

async function train(options: FitOptions, config: NetworkConfig = CLASSIFIER): Promise<Trained> {
  const net = await Network.create(config);
  const history = await net.fit(X, Y, options);
  const weights = weightHash(net);
  await net.fit(X, Y, { ...options, epochs: 2 });
  const trained = { history, weights, after: weightHash(net), predicted: net.predict(X), evaluated: net.evaluate(X, Y) };
  net.dispose();
  return trained;
}

describe('data beyond the staging budget', () => {
  // A network set to two threads stages its rows as such a network does (its passes are too small
  // to split, so the pool stays out of it).
  it.each([1, 2])('predict and evaluate give the bits of whole staging, in every form, on %i threads', async (threads) => {
    const net = await Network.create({ ...CLASSIFIER, threads });
    await net.fit(X, Y, { epochs: 3 });
    const big = Float32Array.from({ length: 1000 * INPUTS }, (_, i) => X[i % X.length]!);
    const bigY = Float32Array.from({ length: 1000 * CLASSES }, (_, i) => Y[i % Y.length]!);
    const scoring = { metrics: ['mse', 'f1', 'confusionMatrix'] } as const;
    const whole = {
      predict: net.predict(big), rows: net.predict(rowsOf(big, INPUTS)), evaluate: net.evaluate(big, bigY),
      scored: net.evaluate(big, bigY, scoring),
    };
    expect(whole.scored.mse).toBe(metrics.meanSquaredError(bigY, whole.predict));
    for (const bytes of SMALL_BUDGETS) {
      stagingBudget.bytes = bytes;
      expect(net.predict(big)).toEqual(whole.predict);
      expect(net.predict(rowsOf(big, INPUTS))).toEqual(whole.rows);
      expect(net.evaluate(big, bigY)).toStrictEqual(whole.evaluate);
      expect(net.evaluate(rowsOf(big, INPUTS), Array.from(bigY))).toStrictEqual(whole.evaluate);
      expect(net.evaluate(big, bigY, scoring)).toStrictEqual(whole.scored);
    }
    net.dispose();
  });

  it('predict and evaluate name the bad value of a later window by its row in the whole', async () => {
    const net = await Network.create(CLASSIFIER);
    const x = X.slice();
    x[150 * INPUTS + 2] = Number.NaN;
    const whole = await failure(() => net.predict(x));
    stagingBudget.bytes = SMALL_BUDGETS[0]!;
    const windowed = await failure(() => net.predict(x));
    expect(windowed).toBeInstanceOf(SimdnetError);
    expect(windowed.message).toBe(whole.message);
    expect(windowed.message).toContain('row 150, column 2');
    const y = Y.slice();
    y[170 * CLASSES] = 2;
    expect((await failure(() => net.evaluate(X, y))).message).toContain('y[510] (row 170, column 0) is 2');
    net.dispose();
  });

  const FITS: [string, FitOptions][] = [
    ['shuffled, batches of 16', { epochs: 4, batchSize: 16 }],
    ['unshuffled, a short last batch', { epochs: 3, batchSize: 20, shuffle: false, optimizer: { type: 'momentum', learningRate: 0.05 } }],
    ['row by row (plain SGD updates in place)', { epochs: 2, batchSize: 1, optimizer: 'sgd' }],
    ['a shuffled validation split, a schedule, clipping and L2', {
      epochs: 5, batchSize: 8, validationSplit: { fraction: 0.25, shuffle: true }, l2: 0.01, clipNorm: 0.5,
      learningRateSchedule: { type: 'cosine', decaySteps: 40 },
    }],
    ['the last rows held out, early stopping restoring the best epoch', {
      epochs: 30, batchSize: 32, validationSplit: 0.3, optimizer: { type: 'adam', learningRate: 0.2 },
      earlyStopping: { monitor: 'valLoss', patience: 2, restoreBestWeights: true },
    }],
    ['validation data of its own, reduce on plateau', {
      epochs: 6, batchSize: 10, validationData: [X.subarray(0, 50 * INPUTS), Y.subarray(0, 50 * CLASSES)],
      learningRateSchedule: { type: 'reduceOnPlateau', patience: 1, factor: 0.5 },
    }],
    ['shuffled, rows and classes weighted, the last rows held out', {
      epochs: 3, batchSize: 16, validationSplit: 0.2, sampleWeight: WEIGHTS, classWeight: { 0: 0.5, 2: 3 },
    }],
    ['unshuffled, rows weighted, a shuffled validation split', {
      epochs: 3, batchSize: 20, shuffle: false, validationSplit: { fraction: 0.25, shuffle: true }, sampleWeight: Float32Array.from(WEIGHTS),
    }],
    ['row by row, rows weighted', { epochs: 2, batchSize: 1, optimizer: 'sgd', sampleWeight: WEIGHTS }],
    ['classes weighted, validation data of its own', {
      epochs: 3, batchSize: 12, classWeight: [2, 0.5, 1], validationData: [X.subarray(0, 50 * INPUTS), Y.subarray(0, 50 * CLASSES)],
    }],
  ];

  it.each(FITS)('fit, %s: the bits, history and generator of whole staging', async (_, options) => {
    const whole = await train(options);
    for (const bytes of SMALL_BUDGETS) expect(await withBudget(bytes, () => train(options))).toStrictEqual(whole);
    // Workers read the staged batch from shared memory.
    expect(await withBudget(SMALL_BUDGETS[0]!, () => train(options, { ...CLASSIFIER, threads: 2 }))).toStrictEqual(whole);
  });

  it('a divergence restores the same epoch start, whatever the window', async () => {
    const options: FitOptions = { epochs: 100, batchSize: 6, optimizer: { type: 'momentum', learningRate: 3 } };
    const config: NetworkConfig = { ...CLASSIFIER, layers: [{ units: 9, activation: 'relu' }, { units: CLASSES, activation: 'linear' }], loss: 'squaredError' };
    const diverge = async () => {
      const net = await Network.create(config);
      const error = await failure(() => net.fit(X, Y, options));
      expect(error).toBeInstanceOf(DivergenceError);
      const { epoch, batch, reason, restoredEpoch, history } = error as DivergenceError;
      const outcome = { epoch, batch, reason, restoredEpoch, history, weights: weightHash(net) };
      net.dispose();
      return outcome;
    };
    const whole = await diverge();
    expect(await withBudget(SMALL_BUDGETS[0]!, diverge)).toStrictEqual(whole);
  });

  it('bad values anywhere are found before training starts, the network untouched', async () => {
    const net = await Network.create(CLASSIFIER);
    const before = weightHash(net);
    const x = X.slice();
    x[190 * INPUTS + 4] = Number.POSITIVE_INFINITY;
    stagingBudget.bytes = SMALL_BUDGETS[0]!;
    const error = await failure(() => net.fit(x, Y, { epochs: 1 }));
    expect(error).toBeInstanceOf(SimdnetError);
    expect(error.message).toContain('row 190, column 4');
    expect(weightHash(net)).toBe(before);
    net.dispose();
  });

  // A block of 128 rows per thread, capped so that wide rows on many threads stay within the budget.
  it('predict of rows of 16,384 inputs on 8 threads grows wasm memory by less than the budget', async () => {
    const net = await Network.create({
      inputs: 16_384, layers: [{ units: 4, activation: 'relu' }, { units: 1, activation: 'linear' }], loss: 'squaredError', threads: 8,
    });
    const heap = engineOf(net).arena.heap;
    net.predict(new Float32Array(16_384));
    const before = heap.memoryBytes;
    const x = Float32Array.from({ length: 1_100 * 16_384 }, (_, i) => ((i * 7) % 13) - 6);
    const out = net.predict(x);
    expect(heap.memoryBytes - before).toBeLessThanOrEqual(BUDGET);
    expect(out.subarray(1_097)).toEqual(net.predict(x.subarray(1_097 * 16_384)));
    net.dispose();
  }, 60_000);

  it('predict of 2,000,000 rows × 64 grows wasm memory by less than the budget', async () => {
    const net = await Network.create({ inputs: 64, layers: [{ units: 4, activation: 'relu' }, { units: 1, activation: 'linear' }], loss: 'squaredError', threads: 1 });
    const heap = engineOf(net).arena.heap;
    net.predict(new Float32Array(64));
    const before = heap.memoryBytes;
    const rows = 2_000_000;
    const x = new Float32Array(rows * 64);
    for (let i = 0; i < x.length; i += 61) x[i] = (i % 7) - 3;
    const out = net.predict(x);
    expect(out.length).toBe(rows);
    expect(heap.memoryBytes - before).toBeLessThanOrEqual(BUDGET);
    // The last window's rows were computed as the first's are.
    expect(out.subarray(rows - 3)).toEqual(net.predict(x.subarray((rows - 3) * 64)));
    net.dispose();
  }, 60_000);
});

/**
 * The rows of X, Y cut into batches of `size` (the last shorter), as a stream would yield them;
 * with `weights`, each carries its rows' sampleWeight.
 */
function batches(size: number, rows = ROWS, weights?: readonly number[]): DatasetBatch[] {
  const out: DatasetBatch[] = [];
  for (let r = 0; r < rows; r += size) {
    const end = Math.min(rows, r + size);
    const batch: DatasetBatch = { x: X.slice(r * INPUTS, end * INPUTS), y: Y.slice(r * CLASSES, end * CLASSES) };
    if (weights) batch.sampleWeight = weights.slice(r, end);
    out.push(batch);
  }
  return out;
}

async function* slowly(list: DatasetBatch[]): AsyncGenerator<DatasetBatch> {
  for (const batch of list) {
    await new Promise((resolve) => setTimeout(resolve, 0));
    yield batch;
  }
}

describe('fitDataset', () => {
  const STREAMED: [string, FitOptions][] = [
    ['batches of 16', { epochs: 3, batchSize: 16 }],
    ['validation data, early stopping restoring the best, a step schedule and callbacks', {
      epochs: 12, batchSize: 25, optimizer: { type: 'adam', learningRate: 0.3 },
      validationData: [X.subarray(0, 40 * INPUTS), Y.subarray(0, 40 * CLASSES)],
      earlyStopping: { monitor: 'valLoss', patience: 1, restoreBestWeights: true },
      learningRateSchedule: { type: 'step', every: 2, factor: 0.5 }, onEpochEnd: () => {},
    }],
  ];

  it.each(STREAMED)('over an async generator, %s: the bits of fit without shuffling', async (_, options) => {
    const { batchSize, ...rest } = options;
    const reference = await Network.create(CLASSIFIER);
    const expectedLogs: unknown[] = [];
    const expected = await reference.fit(X, Y, { ...options, shuffle: false, onBatchEnd: (log) => void expectedLogs.push(log) });
    const logs: unknown[] = [];
    const streamed = await Network.create(CLASSIFIER);
    const history = await streamed.fitDataset(() => slowly(batches(batchSize!)), {
      ...rest, onBatchEnd: (log) => void logs.push(log),
    });
    expect(history).toStrictEqual(expected);
    expect(weightHash(streamed)).toBe(weightHash(reference));
    expect(logs).toStrictEqual(expectedLogs);
    // The optimizer state and counters carry over to a next fit as fit's do.
    await reference.fit(X, Y, { ...options, shuffle: false, epochs: 1 });
    await streamed.fit(X, Y, { ...options, shuffle: false, epochs: 1 });
    expect(weightHash(streamed)).toBe(weightHash(reference));
  });

  it('on two threads, the bits of fit on one', async () => {
    const reference = await Network.create(CLASSIFIER);
    await reference.fit(X, Y, { epochs: 2, batchSize: 40, shuffle: false, optimizer: 'adam' });
    const streamed = await Network.create({ ...CLASSIFIER, threads: 2 });
    expect(streamed.threads).toBe(2);
    await streamed.fitDataset(() => slowly(batches(40)), { epochs: 2, optimizer: 'adam' });
    expect(weightHash(streamed)).toBe(weightHash(reference));
    streamed.dispose();
  });

  it('weighs rows by each batch\'s sampleWeight and by classWeight: the bits of fit with the same weights', async () => {
    const classWeight = { 1: 0.25, 2: 4 };
    const options: FitOptions = {
      epochs: 3, optimizer: { type: 'adam', learningRate: 0.05 }, classWeight,
      validationData: [X.subarray(0, 40 * INPUTS), Y.subarray(0, 40 * CLASSES)],
    };
    // A batch without sampleWeight weighs its rows 1; one may carry a Float32Array.
    const list = batches(25, ROWS, WEIGHTS);
    delete list[2]!.sampleWeight;
    list[3]!.sampleWeight = Float32Array.from(list[3]!.sampleWeight!);
    const weights = WEIGHTS.map((w, r) => (r >= 50 && r < 75 ? 1 : w));
    const reference = await Network.create(CLASSIFIER);
    const expected = await reference.fit(X, Y, { ...options, batchSize: 25, shuffle: false, sampleWeight: weights });
    const unweighted = await Network.create(CLASSIFIER);
    await unweighted.fit(X, Y, { ...options, batchSize: 25, shuffle: false, classWeight: undefined });
    expect(weightHash(unweighted)).not.toBe(weightHash(reference));
    for (const threads of [1, 2]) {
      const streamed = await Network.create({ ...CLASSIFIER, threads });
      expect(await streamed.fitDataset(() => slowly(list), options)).toStrictEqual(expected);
      expect(weightHash(streamed)).toBe(weightHash(reference));
      streamed.dispose();
    }
    reference.dispose();
    unweighted.dispose();
  });

  it.each([
    ['of the wrong length', [1, 2], 'sampleWeight has 2 weights but x has 30 rows; it needs one per row'],
    ['with a negative weight', Array.from({ length: 30 }, (_, r) => (r === 4 ? -1 : 1)), 'sampleWeight[4] is -1; every weight must be a finite float32 ≥ 0'],
    ['with NaN', Array.from({ length: 30 }, (_, r) => (r === 29 ? Number.NaN : 1)), 'sampleWeight[29] is NaN; every weight must be a finite float32 ≥ 0'],
    ['that is not an array', 'heavy', 'sampleWeight must be a number[], a Float32Array or a Float64Array of one weight per row, got "heavy"'],
  ])('a batch\'s sampleWeight %s rejects naming the batch, the network left as the batches before it left it', async (_, bad, message) => {
    const list = batches(30, ROWS, WEIGHTS);
    list[2]!.sampleWeight = bad as number[];
    const reference = await Network.create(CLASSIFIER);
    await reference.fit(X.subarray(0, 60 * INPUTS), Y.subarray(0, 60 * CLASSES), { batchSize: 30, shuffle: false, sampleWeight: WEIGHTS.slice(0, 60) });
    const streamed = await Network.create(CLASSIFIER);
    const error = await failure(() => streamed.fitDataset(slowly(list)));
    expect(error).toBeInstanceOf(SimdnetError);
    expect(error.message).toBe(`batch 3 of epoch 1: ${message}`);
    expect(weightHash(streamed)).toBe(weightHash(reference));
  });

  it('classWeight is checked before any batch trains; sampleWeight is not an option but a batch\'s', async () => {
    const net = await Network.create(CLASSIFIER);
    const before = weightHash(net);
    const wide = await failure(() => net.fitDataset(batches(50), { classWeight: { 3: 1 } }));
    expect(wide).toBeInstanceOf(SimdnetError);
    expect(wide.message).toBe('classWeight has class 3, but the output has 3 classes (0 to 2)');
    const option = await failure(() => net.fitDataset(batches(50), { sampleWeight: WEIGHTS } as object));
    expect(option).toBeInstanceOf(SimdnetError);
    expect(option.message).toBe('fitDataset takes no sampleWeight option: each batch carries its own, as { x, y, sampleWeight }');
    expect(weightHash(net)).toBe(before);
  });

  it('takes an array of batches (iterated afresh each epoch) and rows of numbers', async () => {
    const reference = await Network.create(CLASSIFIER);
    await reference.fit(X, Y, { epochs: 2, batchSize: 50, shuffle: false });
    const streamed = await Network.create(CLASSIFIER);
    const list = batches(50).map(({ x, y }) => ({ x: rowsOf(x as Float32Array, INPUTS), y: rowsOf(y as Float32Array, CLASSES) }));
    await streamed.fitDataset(list, { epochs: 2 });
    expect(weightHash(streamed)).toBe(weightHash(reference));
  });

  it('a bad batch rejects naming it, the network left as the batches before it left it', async () => {
    const bad = batches(30);
    const nan = bad[3]!.x as Float32Array;
    nan[7] = Number.NaN;
    const reference = await Network.create(CLASSIFIER);
    await reference.fit(X.subarray(0, 90 * INPUTS), Y.subarray(0, 90 * CLASSES), { batchSize: 30, shuffle: false });
    const streamed = await Network.create(CLASSIFIER);
    const error = await failure(() => streamed.fitDataset(slowly(bad)));
    expect(error).toBeInstanceOf(SimdnetError);
    expect(error.message).toBe('batch 4 of epoch 1: x[7] (row 1, column 2) is NaN; every value must be a finite number');
    expect(weightHash(streamed)).toBe(weightHash(reference));
  });

  it.each([
    ['a batch of the wrong width', [{ x: [[1, 2]], y: [[1, 0, 0]] }], /batch 1 of epoch 1: x\[0\] has 2 values, but the network's inputs is 5/],
    ['mismatched rows', [{ x: [[1, 2, 3, 4, 5]], y: [[1, 0, 0], [0, 1, 0]] }], /batch 1 of epoch 1: x has 1 rows but batch 1 of epoch 1: y has 2/],
    ['a batch that is not { x, y }', [42], /batch 1 of epoch 1 must be an object \{ x, y \} or \{ x, y, sampleWeight \}, got 42/],
    ['nothing', [], /the dataset yielded no batches in epoch 1/],
    ['something not iterable', 7, /the dataset must be an iterable or async iterable/],
  ])('%s is a SimdnetError naming it', async (_, dataset, message) => {
    const net = await Network.create(CLASSIFIER);
    const before = weightHash(net);
    const error = await failure(() => net.fitDataset(dataset as DatasetBatch[]));
    expect(error).toBeInstanceOf(SimdnetError);
    expect(error.message).toMatch(message);
    expect(weightHash(net)).toBe(before);
  });

  it('a batch larger than the first is an error, after the batches before it', async () => {
    const reference = await Network.create(CLASSIFIER);
    await reference.fit(X.subarray(0, 10 * INPUTS), Y.subarray(0, 10 * CLASSES), { batchSize: 10, shuffle: false });
    const net = await Network.create(CLASSIFIER);
    const error = await failure(() => net.fitDataset([batches(10)[0]!, batches(20)[0]!]));
    expect(error).toBeInstanceOf(SimdnetError);
    expect(error.message).toBe('batch 2 of epoch 1 has 20 rows, more than the 10 of the first batch; no batch may be larger than the first');
    expect(weightHash(net)).toBe(weightHash(reference));
  });

  it('a generator given itself yields its batches once: epoch 2 is an error saying to pass a function', async () => {
    const net = await Network.create(CLASSIFIER);
    const error = await failure(() => net.fitDataset(slowly(batches(50)), { epochs: 2 }));
    expect(error.message).toMatch(/no batches in epoch 2; .* pass a function that returns a fresh one for each epoch/);
  });

  it('options about batches are fit\'s alone', async () => {
    const net = await Network.create(CLASSIFIER);
    for (const key of ['batchSize', 'shuffle', 'validationSplit']) {
      const error = await failure(() => net.fitDataset(batches(50), { [key]: 1 } as object));
      expect(error.message).toContain(`fitDataset options has an unknown option '${key}'`);
    }
  });

  it('a dataset that throws rejects with its error; the generator is closed when fit stops early', async () => {
    const net = await Network.create(CLASSIFIER);
    const boom = new Error('disk gone');
    const error = await failure(() => net.fitDataset((async function* () {
      yield batches(50)[0]!;
      throw boom;
    })()));
    expect(error).toBe(boom);
    let closed = false;
    const controller = new AbortController();
    const history = await net.fitDataset(() => (async function* () {
      try {
        for (const batch of batches(10)) yield batch;
      } finally {
        closed = true;
      }
    })(), { epochs: 5, signal: controller.signal, onBatchEnd: ({ batch }) => (batch === 3 ? controller.abort() : undefined) });
    expect(history.stopped).toBe('aborted');
    expect(closed).toBe(true);
    closed = false;
    await failure(() => net.fitDataset((async function* () {
      try {
        yield { x: [[1, 2]], y: [[1, 0, 0]] };
        yield batches(10)[0]!;
      } finally {
        closed = true;
      }
    })()));
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(closed).toBe(true);
  });
});
