// Networks on several threads: the same bits as on one, whatever the thread count; threads as
// configured, or as the build and environment allow; a worker that fails is an error that
// names it, with the network put back; and the pool's workers never outlive their use.

import { afterAll, describe, expect, it } from 'vitest';
import { ELEMENTWISE_ACTIVATIONS } from '../src/activations.js';
import { DivergenceError, type FitOptions, Network, type NetworkConfig, NonFiniteOutputError, SimdnetError } from '../src/index.js';
import type { WorkspaceRequest } from '../src/arena.js';
import { engineOf } from '../src/network.js';
import { cycledClasses } from './support/datasets.js';
import { Heap } from '../src/wasm/heap.js';
import { SCRATCH_SEPARATION } from '../src/wasm/pool.js';
import { failure, weightHash } from './support/untouched.js';

const ROWS = 301;
const INPUTS = 257;
const { x: X, y: Y } = cycledClasses(41, ROWS, INPUTS, 7);

// Every pass of a batch is worth splitting here: products of 257×130 and 130×67 per row.
const CONFIG = (threads: number): NetworkConfig => ({
  inputs: INPUTS,
  layers: [{ units: 130, activation: 'relu' }, { units: 67, activation: 'tanh' }, { units: 7, activation: 'softmax' }],
  loss: 'categoricalCrossentropy', seed: 8, threads,
});

const bits = (values: Float32Array): string => Buffer.from(values.buffer, values.byteOffset, values.byteLength).toString('base64');

const FITS: [string, FitOptions][] = [
  ['Adam, shuffled, with validation rows', { epochs: 2, batchSize: 64, validationSplit: 0.1, optimizer: 'adam' }],
  ['Nesterov momentum with L2, full batch', { epochs: 3, batchSize: ROWS, l2: 0.3, optimizer: { type: 'momentum', nesterov: true } }],
  ['SGD on odd batches', { epochs: 2, batchSize: 37, optimizer: { type: 'sgd', learningRate: 0.05 } }],
  ['AdamW with L1, clipNorm and a cosine schedule', {
    epochs: 2, batchSize: 64, l1: 0.001, clipNorm: 0.5, optimizer: { type: 'adamw', weightDecay: 0.1 },
    learningRateSchedule: { type: 'cosine', decaySteps: 6, warmupSteps: 2 },
  }],
  ['RMSprop with clipValue and a step schedule', {
    epochs: 3, batchSize: 50, clipValue: 0.01, optimizer: 'rmsprop', learningRateSchedule: { type: 'step', every: 1, factor: 0.5 },
  }],
  ['AdamW with L1 and a cosine schedule, unclipped', {
    epochs: 2, batchSize: 64, l1: 0.001, optimizer: { type: 'adamw', weightDecay: 0.1 },
    learningRateSchedule: { type: 'cosine', decaySteps: 6, warmupSteps: 2 },
  }],
  ['Adagrad with early stopping on a shuffled split', {
    epochs: 4, batchSize: 64, optimizer: 'adagrad', validationSplit: { fraction: 0.2, shuffle: true },
    earlyStopping: { monitor: 'valLoss', patience: 1, restoreBestWeights: true },
  }],
  ['Nesterov momentum, unpenalized, on batches of 100', { epochs: 2, batchSize: 100, optimizer: { type: 'momentum', nesterov: true } }],
  ['RMSprop, unclipped', { epochs: 2, batchSize: 64, optimizer: 'rmsprop' }],
];

const live: Network[] = [];
afterAll(() => live.forEach((net) => net.dispose()));

async function network(threads: number): Promise<Network> {
  const net = await Network.create(CONFIG(threads));
  live.push(net);
  return net;
}

/**
 * For each thread count, a network of config(threads) trained by `train`: every count must report
 * itself and leave the weights and the predictions on x of the first.
 */
async function expectSameBits(
  counts: number[], config: (threads: number) => NetworkConfig, train: (net: Network) => Promise<unknown>, x = X,
): Promise<void> {
  const outcomes = [];
  for (const threads of counts) {
    const net = await Network.create(config(threads));
    live.push(net);
    expect(net.threads).toBe(threads);
    await train(net);
    outcomes.push({ weights: weightHash(net), outputs: bits(net.predict(x)) });
  }
  for (const outcome of outcomes.slice(1)) expect(outcome).toEqual(outcomes[0]);
}

describe('the same bits on any number of threads', () => {
  it.each(FITS)('%s: weights, history, predictions and evaluation on 1, 2, 3 and 4 threads', async (_, options) => {
    const outcomes = [];
    for (const threads of [1, 2, 3, 4]) {
      const net = await network(threads);
      expect(net.threads).toBe(threads);
      const history = await net.fit(X, Y, options);
      outcomes.push({ history, weights: weightHash(net), outputs: bits(net.predict(X)), evaluation: net.evaluate(X, Y) });
    }
    for (const outcome of outcomes.slice(1)) expect(outcome).toEqual(outcomes[0]);
  });

  // Both hidden layers of each element-wise activation in turn (the configuration above has relu and tanh).
  it.each(ELEMENTWISE_ACTIVATIONS)('%s layers: weights and predictions on 1 and 3 threads', async (activation) => {
    await expectSameBits(
      [1, 3],
      (threads) => ({ ...CONFIG(threads), layers: [{ units: 130, activation }, { units: 67, activation }, { units: 7, activation: 'softmax' }] }),
      (net) => net.fit(X, Y, FITS[0]![1]),
    );
  });

  // Products of 600×520×40 (by rows) and 40×520×600 (by columns): wide enough to be cut into more
  // chunks than there are threads.
  it('a wide layer on full batches: weights and predictions on 1, 2 and 3 threads', async () => {
    const { x, y } = cycledClasses(43, 600, 40, 7);
    await expectSameBits(
      [1, 2, 3],
      (threads) => ({
        inputs: 40, layers: [{ units: 520, activation: 'relu' }, { units: 7, activation: 'softmax' }],
        loss: 'categoricalCrossentropy', seed: 9, threads,
      }),
      (net) => net.fit(x, y, { epochs: 2, batchSize: 600, optimizer: 'adam' }),
      x,
    );
  });

  // Layers more than four times as wide as the batch is long: their products are cut by columns,
  // so the batch runs a job per product, passes every delta down, then takes every layer's
  // gradients (and, unclipped, the step) as one job.
  it.each<[string, FitOptions]>([
    ['Adam with L1 and L2', { epochs: 2, batchSize: 50, optimizer: 'adam', l1: 0.001, l2: 0.01 }],
    ['AdamW with clipNorm', { epochs: 2, batchSize: 50, clipNorm: 0.5, optimizer: { type: 'adamw', weightDecay: 0.1 } }],
    ['momentum, shuffled', { epochs: 3, batchSize: 64, optimizer: { type: 'momentum', nesterov: true } }],
  ])('layers wider than four batches, %s: weights and predictions on 1, 2 and 3 threads', async (_, options) => {
    const { x, y } = cycledClasses(47, 300, 40, 7);
    await expectSameBits(
      [1, 2, 3],
      (threads) => ({
        inputs: 40, loss: 'categoricalCrossentropy', seed: 10, threads,
        layers: [
          { units: 520, activation: 'relu', trainBias: false }, { units: 264, activation: 'tanh' },
          { units: 7, activation: 'softmax' },
        ],
      }),
      (net) => net.fit(x, y, options),
      x,
    );
  });

  // Class indices and row weights reach the output delta a block of rows at a time; dropout's masks
  // run over a layer's whole block.
  it.each([
    ['class indices with row weights', 0],
    ['dropout', 0.3],
  ])('%s: weights and predictions on 1, 2 and 3 threads', async (_, dropout) => {
    const labels = Float32Array.from({ length: ROWS }, (_, r) => (r * 5) % 7);
    const sampleWeight = Float32Array.from({ length: ROWS }, (_, r) => 0.25 + (r % 4));
    await expectSameBits(
      [1, 2, 3],
      (threads) => ({
        ...CONFIG(threads), loss: 'sparseCategoricalCrossentropy',
        layers: [{ units: 130, activation: 'elu', dropout }, { units: 67, activation: 'tanh', dropout }, { units: 7, activation: 'softmax' }],
      }),
      (net) => net.fit(X, labels, { epochs: 2, batchSize: 48, optimizer: 'adam', sampleWeight }),
    );
  });

  // A layer without a bias and one whose bias is frozen: the gradient job's bias chunks skip both,
  // and its optimizer step, unclipped, steps the frozen bias as the whole block's step does, except
  // under AdamW, whose decay must not reach it.
  it.each<[string, FitOptions['optimizer']]>([
    ['momentum', 'momentum'], ['AdamW', { type: 'adamw', weightDecay: 0.1 }], ['RMSprop', 'rmsprop'],
  ])('layers without or with frozen biases, under huber loss and %s: weights and predictions on 1, 2 and 3 threads', async (_, optimizer) => {
    const targets = Float32Array.from({ length: ROWS * 3 }, (_, i) => Math.sin(i));
    await expectSameBits(
      [1, 2, 3],
      (threads) => ({
        inputs: INPUTS, loss: 'huber', seed: 5, threads,
        layers: [{ units: 130, activation: 'gelu', bias: false }, { units: 67, activation: 'selu', trainBias: false }, { units: 3, activation: 'linear' }],
      }),
      async (net) => {
        // A frozen bias of zeros would hide a step that reached it.
        const layers = net.getWeights();
        layers[1]!.bias = Float32Array.from({ length: 67 }, (_, j) => 0.1 * ((j % 5) - 2));
        net.setWeights(layers);
        await net.fit(X, targets, { epochs: 2, batchSize: 40, optimizer });
        expect(net.getWeights()[1]!.bias).toEqual(layers[1]!.bias);
      },
    );
  });

  // Too little work per batch to split: the leader runs the row passes and the gradients alone.
  it('a network too small to split, set to 2 and 3 threads, gives the bits of one', async () => {
    const x = Float32Array.from({ length: 64 * 8 }, (_, i) => Math.sin(i * 0.7));
    const y = Float32Array.from({ length: 64 * 2 }, (_, i) => Math.cos(i));
    await expectSameBits(
      [1, 2, 3],
      (threads) => ({
        inputs: 8, layers: [{ units: 8, activation: 'tanh' }, { units: 2, activation: 'linear' }], loss: 'squaredError', seed: 2, threads,
      }),
      (net) => net.fit(x, y, { epochs: 3, batchSize: 16, l1: 0.01, optimizer: 'adam' }),
      x,
    );
  });

  // On threads, a batch reads each layer's weights as the previous batch's step packed them: weights
  // written between two fits whose last batch packed them (7 batches of 43 rows), by fit or by
  // fitDataset, must be read afresh.
  it('weights set between fits: the next starts from them, by fit and by fitDataset, on 1, 2 and 3 threads', async () => {
    const sgd = { epochs: 2, optimizer: { type: 'sgd', learningRate: 0.05 } } as const;
    const options: FitOptions = { ...sgd, batchSize: 43, shuffle: false };
    const batches = Array.from({ length: 7 }, (_, b) => ({
      x: X.slice(b * 43 * INPUTS, (b + 1) * 43 * INPUTS), y: Y.slice(b * 43 * 7, (b + 1) * 43 * 7),
    }));
    const halveAndFlip = (net: Network): void => {
      const layers = net.getWeights();
      for (const layer of layers) layer.weights = layer.weights.map((w) => -0.5 * w);
      net.setWeights(layers);
    };
    await expectSameBits([1, 2, 3], CONFIG, async (net) => {
      await net.fit(X, Y, options);
      halveAndFlip(net);
      await net.fitDataset(() => batches, sgd);
      halveAndFlip(net);
      await net.fit(X, Y, options);
    });
  });

  it('several threaded networks training at once give the bits each gives alone', async () => {
    const alone = await network(2);
    await alone.fit(X, Y, FITS[0]![1]);
    const together = await Promise.all([network(2), network(3), network(2)]);
    await Promise.all(together.map((net) => net.fit(X, Y, FITS[0]![1])));
    for (const net of together) expect(weightHash(net)).toBe(weightHash(alone));
  });
});

// Staged data is checked for NaN and ±Infinity by ranges across the threads; the first bad value
// found in any range is the one the error names, as on one thread.
describe('bad values in data checked on several threads', () => {
  const POSITIONS: [string, number[]][] = [
    ['an early value', [7]], ['the last value', [ROWS * INPUTS - 1]], ['a late and an early range', [60_001, 3]],
    ['two late ranges', [40_000, 70_000]],
  ];

  it.each(POSITIONS)('predict and fit name the first bad value, in %s, on 1, 2 and 3 threads', async (_, at) => {
    const first = Math.min(...at);
    const expected = `x[${first}] (row ${Math.floor(first / INPUTS)}, column ${first % INPUTS}) is NaN`;
    for (const threads of [1, 2, 3]) {
      const net = await network(threads);
      const before = weightHash(net);
      const x = X.slice();
      for (const i of at) x[i] = NaN;
      expect((await failure(() => net.predict(x))).message).toContain(expected);
      expect((await failure(() => net.fit(x, Y, { epochs: 1 }))).message).toContain(expected);
      expect(weightHash(net)).toBe(before);
    }
  });
});

// A prediction of more rows than a block, on threads, runs each block as soon as the leader has
// staged it: on whichever thread of the pool claims it, through that thread's block of workspace.
describe('predictions run as their rows are staged', () => {
  const OUTPUTS = 7;

  it('give the bits of one thread, into out overlapping x too, with more threads in the pool than the network has', async () => {
    const expected = bits((await network(1)).predict(X));
    const wider = await network(4);
    for (const threads of [2, 3]) {
      const net = await network(threads);
      expect(bits(net.predict(X))).toBe(expected);
      const buffer = X.slice();
      net.predictInto(buffer, buffer.subarray(0, ROWS * OUTPUTS));
      expect(bits(buffer.subarray(0, ROWS * OUTPUTS))).toBe(expected);
    }
    expect(bits(wider.predict(X))).toBe(expected);
  });

  it('name a value that is not a number in a late row, and the next prediction runs', async () => {
    const net = await network(2);
    const expected = bits(net.predict(X));
    const rows = Array.from({ length: ROWS }, (_, r) => Array.from(X.subarray(r * INPUTS, (r + 1) * INPUTS)));
    (rows[280]! as unknown[])[5] = 'five';
    expect((await failure(() => net.predict(rows as number[][]))).message).toContain('x[280][5] is not a number: "five"');
    expect((await Heap.threaded()).pool!.unfinishedChunks).toBe(0);
    expect(bits(net.predict(X))).toBe(expected);
  });

  it('name the first row whose outputs are not finite, as on one thread', async () => {
    const x = X.slice();
    for (const r of [250, 140]) x.fill(3e38, r * INPUTS, (r + 1) * INPUTS);
    const messages = [];
    for (const threads of [1, 2, 3]) {
      const error = await failure(() => network(threads).then((net) => net.predict(x)));
      expect(error).toBeInstanceOf(NonFiniteOutputError);
      messages.push(error.message);
    }
    expect(messages[0]).toContain('row 140');
    expect(new Set(messages).size).toBe(1);
  });
});

/** What `pick` reads of each training workspace the network's fits ask for, from now on. */
function trainingRequests<T>(net: Network, pick: (request: WorkspaceRequest) => T): T[] {
  const { arena } = engineOf(net);
  const asked: T[] = [];
  const reserve = arena.reserve.bind(arena);
  arena.reserve = (request, purpose) => {
    if (request.trains) asked.push(pick(request));
    return reserve(request, purpose);
  };
  return asked;
}

describe('the weights packed for training on threads', () => {
  // A batch whose row passes run as one job reads each layer's weights packed as the last batch's
  // step left them (layers of more than 16 units); no other batch does, so none other reserves them.
  it.each<[string, NetworkConfig, number, boolean[]]>([
    ['257-130-67-7 on 2 threads, batches of 64: for its two layers of more than 16 units', CONFIG(2), 64, [true, true, false]],
    ['the same on 1 thread: none', CONFIG(1), 64, [false, false, false]],
    ['the same with dropout: none', {
      ...CONFIG(2), layers: CONFIG(2).layers.map((l, i) => (i < 2 ? { ...l, dropout: 0.2 } : l)),
    }, 64, [false, false, false]],
    ['40-520-7 on 2 threads, batches of 64, whose first product is cut by columns: none', {
      inputs: 40, layers: [{ units: 520, activation: 'relu' }, { units: 7, activation: 'softmax' }],
      loss: 'categoricalCrossentropy', threads: 2,
    }, 64, [false, false]],
  ])('%s', async (_, config, capacity, expected) => {
    const net = await Network.create(config);
    live.push(net);
    const arena = engineOf(net).arena;
    const ws = arena.reserve({ capacity, trains: true, panels: true }, 'a fit');
    expect(ws.panels.map((address) => address > 0)).toEqual(expected);
    arena.release(ws);
  });

  // The gradient job packs a block of weights as it steps it; a clipped fit steps after the job.
  it.each<[string, FitOptions, boolean]>([
    ['unclipped: asked for', { epochs: 1, batchSize: 64 }, true],
    ['with clipNorm: not', { epochs: 1, batchSize: 64, clipNorm: 1 }, false],
    ['with clipValue: not', { epochs: 1, batchSize: 64, clipValue: 0.1 }, false],
  ])('a fit on threads, %s', async (_name, options, expected) => {
    const net = await Network.create(CONFIG(2));
    live.push(net);
    const asked = trainingRequests(net, (request) => request.panels === true);
    await net.fit(X, Y, options);
    const batches = [0, 1, 2].map((b) => ({ x: X.slice(b * 64 * INPUTS, (b + 1) * 64 * INPUTS), y: Y.slice(b * 64 * 7, (b + 1) * 64 * 7) }));
    const { batchSize: _, ...datasetOptions } = options;
    await net.fitDataset(() => batches, datasetOptions);
    expect(asked).toEqual([expected, expected]);
  });
});

describe('the first layer held in blocks of columns', () => {
  // A fit on threads whose batches read panels may hold its first layer's weights, gradients and
  // optimizer states in blocks of columns, one per thread, where that layer is large enough, not
  // the output layer, and taken element by element.
  it.each<[string, NetworkConfig, boolean]>([
    ['257-130-67-7 on 2 threads', CONFIG(2), true],
    ['the same on 1 thread: no', CONFIG(1), false],
    ['the same with dropout: no', { ...CONFIG(2), layers: CONFIG(2).layers.map((l, i) => (i < 2 ? { ...l, dropout: 0.2 } : l)) }, false],
    ['a first layer of 64×32 weights: no', {
      inputs: 64, layers: [{ units: 32, activation: 'sigmoid' }, { units: 10, activation: 'softmax' }],
      loss: 'categoricalCrossentropy', threads: 2,
    }, false],
    ['a softmax first layer: no', {
      ...CONFIG(2), layers: [{ units: 130, activation: 'softmax' }, { units: 7, activation: 'softmax' }],
    }, false],
    ['a first layer that is the output layer: no', { ...CONFIG(2), layers: [{ units: 130, activation: 'sigmoid' }], loss: 'binaryCrossentropy' }, false],
  ])('%s', async (_, config, expected) => {
    const net = await Network.create(config);
    live.push(net);
    const arena = engineOf(net).arena;
    const ws = arena.reserve({ capacity: 64, trains: true, panels: true, firstLayerBlocks: 3 }, 'a fit');
    expect(ws.firstLayerBlocks > 0).toBe(expected);
    arena.release(ws);
  });

  it('each block\'s chunks are taken by the other threads while its own thread falls behind, to the same bits', async () => {
    const options = FITS[2]![1];
    const one = await network(1);
    await one.fit(X, Y, options);
    const net = await network(3);
    const pool = (await Heap.threaded()).pool!;
    const before = pool.stolenChunks;
    // Worker 2 sleeps before each chunk it claims: the leader and worker 1 run the rest of its block.
    pool.injectPause(2);
    try {
      await net.fit(X, Y, options);
    } finally {
      pool.injectPause(0);
    }
    expect(pool.stolenChunks).toBeGreaterThan(before);
    expect(weightHash(net)).toBe(weightHash(one));
  });

  it('has no panels for a first layer held in blocks, which reads its weights from them; the layers above keep theirs', async () => {
    const arena = engineOf(await network(2)).arena;
    for (const [blocks, expected] of [[0, [true, true, false]], [3, [false, true, false]]] as const) {
      const ws = arena.reserve({ capacity: 64, trains: true, panels: true, firstLayerBlocks: blocks }, 'a fit');
      expect(ws.panels.map((address) => address > 0)).toEqual(expected);
      expect(ws.firstLayerBlocks > 0).toBe(blocks > 0);
      arena.release(ws);
    }
  });

  // Room for the weights, their gradients and each optimizer state; none for a fit whose objective
  // or step reads the layer's own weights (a penalty, a clipped gradient), nor for one staged batch
  // by batch.
  it.each<[string, FitOptions, number]>([
    ['SGD', { epochs: 1, batchSize: 64, optimizer: 'sgd' }, 2],
    ['momentum', { epochs: 1, batchSize: 64, optimizer: 'momentum' }, 3],
    ['Adam', { epochs: 1, batchSize: 64, optimizer: 'adam' }, 4],
    ['with l2: none', { epochs: 1, batchSize: 64, l2: 0.01 }, 0],
    ['with l1: none', { epochs: 1, batchSize: 64, l1: 0.01 }, 0],
    ['with clipNorm: none', { epochs: 1, batchSize: 64, clipNorm: 1 }, 0],
  ])('a fit asks for arrays of the first layer\'s size: %s', async (_name, options, expected) => {
    const net = await Network.create(CONFIG(2));
    live.push(net);
    const asked = trainingRequests(net, (request) => request.firstLayerBlocks ?? 0);
    await net.fit(X, Y, options);
    const { batchSize: _, ...datasetOptions } = options;
    await net.fitDataset(() => [{ x: X.slice(0, 64 * INPUTS), y: Y.slice(0, 64 * 7) }], datasetOptions);
    expect(asked).toEqual([expected, 0]);
  });

  // Diverging in the middle of an epoch, the network goes back to the epoch's start from wherever
  // its first layer's weights are held then.
  it('a fit that diverges: the same error, weights and predictions on 1, 2 and 3 threads', async () => {
    const regressor = (threads: number): NetworkConfig => ({
      ...CONFIG(threads), layers: [CONFIG(threads).layers[0]!, CONFIG(threads).layers[1]!, { units: 7, activation: 'linear' }],
      loss: 'squaredError',
    });
    const outcomes = [];
    for (const threads of [1, 2, 3]) {
      const net = await Network.create(regressor(threads));
      live.push(net);
      const error = await failure(() => net.fit(X, Y, { epochs: 30, batchSize: 64, optimizer: { type: 'sgd', learningRate: 0.2 } }));
      expect(error).toBeInstanceOf(DivergenceError);
      const { epoch, batch, reason, restoredEpoch, history } = error as DivergenceError;
      // The restored weights give a finite loss on the first batch's rows, as a restore promises.
      outcomes.push({ epoch, batch, reason, restoredEpoch, history, weights: weightHash(net), outputs: bits(net.predict(X.subarray(0, 64 * INPUTS))) });
    }
    expect(outcomes[0]).toMatchObject({ reason: 'loss', epoch: expect.any(Number) });
    expect(outcomes[0]!.epoch).toBeGreaterThan(2);
    expect(outcomes[0]!.batch).toBeGreaterThan(0);
    for (const outcome of outcomes.slice(1)) expect(outcome).toEqual(outcomes[0]);
  });
});

describe('how many threads run', () => {
  it("'auto' keeps a small network on one thread and gives a large one every core", async () => {
    const small = await Network.create({ inputs: 64, layers: [{ units: 32, activation: 'relu' }, { units: 10, activation: 'softmax' }], loss: 'categoricalCrossentropy' });
    expect(small.threads).toBe(1);
    small.dispose();
    const large = await Network.create({ ...CONFIG(1), threads: 'auto' });
    live.push(large);
    expect(large.threads).toBe(Math.max(1, (await import('node:os')).availableParallelism()));
    expect(large.config.threads).toBe('auto');
  });

  it('threads need the SIMD build: asked of another, a clear error', async () => {
    expect((await failure(() => Network.create({ ...CONFIG(2), backend: 'scalar' }))).message)
      .toMatch(/config\.threads 2 needs the SIMD build, but this network runs on the scalar build/);
    const auto = await Network.create({ ...CONFIG(1), threads: 'auto', backend: 'scalar' });
    expect(auto.threads).toBe(1);
    auto.dispose();
  });

  it.each([[0], [1.5], [65], ['many'], [null]])('threads %j is refused, naming the option', async (threads) => {
    const error = await failure(() => Network.create({ ...CONFIG(1), threads: threads as number }));
    expect(error).toBeInstanceOf(SimdnetError);
    expect(error.message).toMatch(/config\.threads/);
  });

  it('a network runs its chunks on no more threads than it is set to, whatever the pool holds', async () => {
    await network(4);
    const pool = (await Heap.threaded()).pool!;
    expect(pool.size).toBe(3);
    const net = await network(2);
    // Workers 2 and 3 would trap on the first chunk they claimed; on a network set to two threads,
    // they claim none.
    for (const worker of [3, 2]) {
      const expected = bits(net.predict(X));
      pool.injectFault(worker);
      try {
        for (let call = 0; call < 20; call++) expect(bits(net.predict(X))).toBe(expected);
        await net.fit(X, Y, FITS[2]![1]);
      } finally {
        pool.injectFault(0);
      }
    }
  });

  it('fromJSON takes threads as an option', async () => {
    const net = await network(1);
    const copy = await Network.fromJSON(net.toJSON(), { threads: 3 });
    live.push(copy);
    expect(copy.threads).toBe(3);
    expect(bits(copy.predict(X))).toBe(bits(net.predict(X)));
  });
});

/**
 * Fits until one rejects, at most 20: a worker given a fault traps on the first chunk it claims,
 * and on a loaded machine the other threads may leave it none for a whole fit. `before` is the
 * weights' hash as the failed fit began.
 */
async function fitUntilFailure(net: Network, options: FitOptions): Promise<{ error?: Error; attempts: number; before: string }> {
  let attempts = 0;
  let before = weightHash(net);
  let error: Error | undefined;
  for (; attempts < 20 && error === undefined; attempts++) {
    before = weightHash(net);
    error = await net.fit(X, Y, options).then(() => undefined, (reason: Error) => reason);
  }
  return { error, attempts, before };
}

describe('a worker that fails', () => {
  it('makes fit reject naming it, puts the network back as the epoch began, and the next fit starts new workers', async () => {
    const net = await network(3);
    const pool = (await Heap.threaded()).pool!;
    // Plain SGD: a failed fit, like a diverged one, drops the optimizer's state, which a fresh
    // network's fits would otherwise carry from one to the next.
    const options: FitOptions = { ...FITS[2]![1], epochs: 1 };
    pool.injectFault(2);
    const { error, attempts, before } = await fitUntilFailure(net, options);
    expect(error).toBeInstanceOf(SimdnetError);
    expect(error!.message).toMatch(/^a worker thread failed \(its part of the work trapped\)/);
    expect(weightHash(net)).toBe(before);
    // A fresh network given as many fits (the failed one included) and this one now train to the same bits:
    // weights and generator were put back.
    const fresh = await network(3);
    for (let fit = 0; fit < attempts; fit++) await fresh.fit(X, Y, options);
    await net.fit(X, Y, options);
    expect(weightHash(net)).toBe(weightHash(fresh));
    expect(pool.size).toBeGreaterThanOrEqual(2);
  });

  it('makes predict throw naming it, and leaves the network as it was', async () => {
    const net = await network(2);
    const before = bits(net.predict(X));
    (await Heap.threaded()).pool!.injectFault(1);
    // The worker traps on the first chunk it claims, which the leader may have left it none of, on
    // a loaded machine for many calls; the first that fails ends the loop.
    const error = await failure(() => {
      for (let call = 0; call < 2000; call++) net.predict(X);
    });
    expect(error.message).toMatch(/a worker thread failed/);
    expect(bits(net.predict(X))).toBe(before);
    expect(engineOf(net).threads).toBe(2);
  });
});

describe('the threads\' scratch blocks', () => {
  it('lie at least SCRATCH_SEPARATION apart, the leader\'s and every worker\'s, also after workers restart', async () => {
    const heap = await Heap.threaded();
    const pool = heap.pool!;
    const apart = () => {
      const starts = [heap.scratch, ...pool.scratchBlocks].sort((a, b) => a - b);
      return starts.slice(1).map((start, i) => start - (starts[i]! + heap.kernels.gemmScratchBytes()));
    };
    await network(3);
    expect(pool.size).toBe(2);
    expect(Math.min(...apart())).toBeGreaterThanOrEqual(SCRATCH_SEPARATION);
    pool.injectFault(1);
    const { error } = await fitUntilFailure(await network(3), FITS[2]![1]);
    expect(error?.message).toMatch(/a worker thread failed/);
    await pool.ensure(3);
    expect(pool.size).toBe(2);
    expect(Math.min(...apart())).toBeGreaterThanOrEqual(SCRATCH_SEPARATION);
  });
});

describe('the lifetime of the workers', () => {
  it('the workers stop once the last threaded network is disposed, and start again for the next', async () => {
    const pool = (await Heap.threaded()).pool!;
    await network(2);
    expect(pool.size).toBeGreaterThan(0);
    for (const net of live.splice(0)) net.dispose();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(pool.size).toBe(0);
    const net = await network(3);
    expect(pool.size).toBe(2);
    const reference = await network(1);
    await Promise.all([net.fit(X, Y, FITS[2]![1]), reference.fit(X, Y, FITS[2]![1])]);
    expect(weightHash(net)).toBe(weightHash(reference));
  });
});
