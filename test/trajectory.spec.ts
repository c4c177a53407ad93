// Training trajectories: from a seeded start, K optimizer steps of the wasm
// engine against the float64 reference trainer given the same shuffles.

import { describe, expect, it } from 'vitest';
import { type FitOptions, type History, Network } from '../src/index.js';
import { parseNetworkConfig } from '../src/config.js';
import { readMatrix } from '../src/data.js';
import { engineOf } from '../src/network.js';
import { initialWeights } from '../src/init.js';
import { Rng } from '../src/random.js';
import { ReferenceNetwork } from '../src/reference/network.js';
import type { ReferenceOptimizer } from '../src/reference/ops.js';
import { scheduledRate } from '../src/reference/schedule.js';
import { BACKENDS, BUILDS } from './support/kernels.js';
import { ulpDistance } from './support/numeric.js';

const ROWS = 30;
const rng = Rng.fromSeed(11);
const x = new Float32Array(ROWS * 3).map(() => rng.uniform() * 2 - 1);
const y = new Float32Array(ROWS * 2).map((_, i) => (i % 2 === 0 ? Number(x[(i / 2) * 3]! > 0) : Number(x[((i - 1) / 2) * 3]! <= 0)));
const config = {
  inputs: 3,
  layers: [{ units: 6, activation: 'tanh' }, { units: 4, activation: 'relu' }, { units: 2, activation: 'softmax' }],
  loss: 'categoricalCrossentropy',
  seed: 21,
} as const;

const optimizers: { name: string; optimizer: ReferenceOptimizer }[] = [
  { name: 'sgd', optimizer: { type: 'sgd', learningRate: 0.1 } },
  { name: 'momentum', optimizer: { type: 'momentum', learningRate: 0.05, momentum: 0.9 } },
  { name: 'nesterov', optimizer: { type: 'momentum', learningRate: 0.05, momentum: 0.8, nesterov: true } },
  { name: 'adam', optimizer: { type: 'adam', learningRate: 0.01, beta1: 0.85, beta2: 0.99, epsilon: 1e-7 } },
  { name: 'adamw', optimizer: { type: 'adamw', learningRate: 0.01, beta1: 0.85, beta2: 0.99, epsilon: 1e-7, weightDecay: 0.3 } },
  { name: 'rmsprop', optimizer: { type: 'rmsprop', learningRate: 0.01, rho: 0.8, epsilon: 1e-6 } },
  { name: 'adagrad', optimizer: { type: 'adagrad', learningRate: 0.1, initialAccumulatorValue: 0.2, epsilon: 1e-7 } },
];

/** What else a trajectory may be trained with, beside the optimizer: penalties, clipping, a schedule, the batch size (default 7). */
type Extras = Pick<FitOptions, 'l1' | 'clipNorm' | 'clipValue' | 'learningRateSchedule' | 'batchSize'>;

/** The schedule as the kernels receive it: its factors rounded to float32. */
function float32Schedule(schedule: Extras['learningRateSchedule']): Extras['learningRateSchedule'] {
  if (!schedule) return undefined;
  const rounded: Record<string, unknown> = { ...schedule };
  for (const key of ['factor', 'decayRate', 'alpha']) if (typeof rounded[key] === 'number') rounded[key] = Math.fround(rounded[key]);
  return rounded as unknown as Extras['learningRateSchedule'];
}

/** The float32 rate of each step: the reference's float64 rate from the float32 settings, rounded once. */
const referenceRate = (optimizer: ReferenceOptimizer, extras: Extras) => (step: number, epoch: number): number =>
  Math.fround(scheduledRate(float32Schedule(extras.learningRateSchedule), Math.fround(optimizer.learningRate), step, epoch));


/**
 * Trains the engine and the reference from the same seeded start, with the same shuffles, and
 * compares every parameter; returns the engine's history and network.
 */
async function trainBoth(
  backend: (typeof BUILDS)[number], optimizer: ReferenceOptimizer, extras: Extras, layers = config.layers,
): Promise<{ history: History; net: Network }> {
  const net = await Network.create({ ...config, layers: [...layers], backend });
  // The reference draws the same initial weights and then the same shuffles from its own copy of the seed.
  const spec = parseNetworkConfig({ ...config, layers: [...layers] });
  const referenceRng = Rng.fromSeed(config.seed);
  const start = spec.layers.map((layer) => ({ weights: initialWeights(layer, spec.init, referenceRng), bias: new Float32Array(layer.units) }));
  expect(net.getWeights()).toEqual(start);
  // A frozen bias starts away from 0, where a decay would move it.
  spec.layers.forEach((layer, l) => {
    if (!layer.trainBias) start[l]!.bias.fill(0.5);
  });
  net.setWeights(start);

  const reference = new ReferenceNetwork(spec.layers, spec.loss, start);
  const { l1, clipNorm, clipValue, batchSize = 7 } = extras;
  reference.fit(x, y, ROWS, {
    epochs: 8, batchSize, optimizer, l2: 0.01, l1, clipNorm, clipValue, learningRate: referenceRate(optimizer, extras), rng: referenceRng,
  });
  const history = await net.fit(x, y, { epochs: 8, batchSize, optimizer: optimizer as FitOptions['optimizer'], l2: 0.01, ...extras });

  const trained = net.getWeights();
  let moved = 0;
  reference.params.forEach((p, l) => {
    const compare = (engine: Float32Array, ref: Float64Array, was: Float32Array): void => {
      ref.forEach((r, i) => {
        expect(Math.abs(engine[i]! - r), `layer ${l}[${i}]: ${engine[i]} vs ${r}`).toBeLessThanOrEqual(2e-5 * (1 + Math.abs(r)));
        moved = Math.max(moved, Math.abs(r - was[i]!));
      });
    };
    compare(trained[l]!.weights, p.weights, start[l]!.weights);
    compare(trained[l]!.bias!, p.bias!, start[l]!.bias);
  });
  expect(moved, 'training moved the weights').toBeGreaterThan(0.01);
  return { history, net };
}

describe.each(BUILDS)('engine vs float64 reference trainer (%s)', (backend) => {
  it.each(optimizers)('$name: 8 epochs of shuffled batches of 7 (the last one short), with L2', async ({ optimizer }) => {
    const { net } = await trainBoth(backend, optimizer, {});
    net.dispose();
  });

  const sgd = optimizers[0]!.optimizer;
  const momentum = optimizers[1]!.optimizer;
  const adam = optimizers[3]!.optimizer;
  const adamw = optimizers[4]!.optimizer;
  const rmsprop = optimizers[5]!.optimizer;
  const controls: [string, ReferenceOptimizer, Extras][] = [
    ['L1 under SGD', sgd, { l1: 0.05 }],
    ['L1 under Adam', adam, { l1: 0.02 }],
    ['clipNorm under momentum', momentum, { clipNorm: 0.2 }],
    ['clipValue under Adam', adam, { clipValue: 0.02 }],
    ['clipValue under RMSprop, with L1', rmsprop, { clipValue: 0.05, l1: 0.01 }],
    ['a step schedule under SGD', sgd, { learningRateSchedule: { type: 'step', every: 3, factor: 0.3 } }],
    ['exponential decay under Adam', adam, { learningRateSchedule: { type: 'exponential', decaySteps: 10, decayRate: 0.4 } }],
    ['staircase exponential decay under momentum, clipped', momentum,
      { clipNorm: 0.5, learningRateSchedule: { type: 'exponential', decaySteps: 7, decayRate: 0.6, staircase: true } }],
    // 30 rows in batches of 7 make 5 steps an epoch. 5 warmup steps and 30 of decay: the last 5 of
    // the 40 steps run at α times the rate.
    ['cosine decay with warmup under AdamW', adamw, { learningRateSchedule: { type: 'cosine', decaySteps: 30, warmupSteps: 5, alpha: 0.1 } }],
    ['cosine decay under SGD, with L1 and clipNorm', sgd, { l1: 0.02, clipNorm: 0.3, learningRateSchedule: { type: 'cosine', decaySteps: 40 } }],
    // One row a batch under plain SGD: each layer is updated as it backpropagates (assembly/row.ts).
    ['exponential decay under SGD, row by row', sgd, { batchSize: 1, learningRateSchedule: { type: 'exponential', decaySteps: 30, decayRate: 0.5 } }],
    ['L1 under SGD, row by row', sgd, { batchSize: 1, l1: 0.01 }],
  ];
  it.each(controls)('%s', async (_, optimizer, extras) => {
    const { history, net } = await trainBoth(backend, optimizer, extras);
    // The history's rate of an epoch is its last step's, as the schedule defines it.
    const rate = referenceRate(optimizer, extras);
    const steps = Math.ceil(ROWS / (extras.batchSize ?? 7));
    history.learningRate.forEach((r, e) => {
      expect(ulpDistance(r, rate((e + 1) * steps - 1, e)), `epoch ${e + 1}: ${r}`).toBeLessThanOrEqual(1);
    });
    if (extras.learningRateSchedule) expect(new Set(history.learningRate).size).toBeGreaterThan(2);
    net.dispose();
  });

  it('AdamW leaves a frozen bias exactly as it was, and decays every trainable bias', async () => {
    const layers = [{ ...config.layers[0], trainBias: false }, config.layers[1], config.layers[2]] as const;
    const { net } = await trainBoth(backend, adamw, {}, layers);
    expect(net.getWeights()[0]!.bias).toEqual(new Float32Array(6).fill(0.5));
    net.dispose();
  });
});

describe('determinism', () => {
  it.each(BUILDS)('the same seed trains to bit-identical weights, twice (%s)', async (backend) => {
    const trainOnce = async (): Promise<Float32Array[]> => {
      const net = await Network.create({ ...config, layers: [...config.layers], backend });
      await net.fit(x, y, { epochs: 20, batchSize: 4, optimizer: { type: 'adam', learningRate: 0.01 }, validationSplit: 0.2 });
      const weights = net.getWeights().flatMap((l) => [l.weights, l.bias!]);
      net.dispose();
      return weights;
    };
    const [a, b] = [await trainOnce(), await trainOnce()];
    a.forEach((t, i) => expect(new Uint32Array(t.buffer)).toEqual(new Uint32Array(b[i]!.buffer)));
  });

  it('the SIMD and scalar builds train to bit-identical weights', async () => {
    const weights = await Promise.all(BACKENDS.map(async (backend) => {
      const net = await Network.create({ ...config, layers: [...config.layers], backend });
      await net.fit(x, y, { epochs: 20, batchSize: 5, optimizer: { type: 'momentum', learningRate: 0.05, nesterov: true } });
      const all = net.getWeights().flatMap((l) => [...l.weights, ...l.bias!]);
      net.dispose();
      return new Uint32Array(Float32Array.from(all).buffer);
    }));
    expect(weights[0]).toEqual(weights[1]);
  });

  it('a second fit continues the shuffle sequence instead of repeating it', async () => {
    const twice = await Network.create({ ...config, layers: [...config.layers] });
    await twice.fit(x, y, { epochs: 1, batchSize: 4, optimizer: { type: 'sgd', learningRate: 0.1 } });
    await twice.fit(x, y, { epochs: 1, batchSize: 4, optimizer: { type: 'sgd', learningRate: 0.1 } });
    const once = await Network.create({ ...config, layers: [...config.layers] });
    await once.fit(x, y, { epochs: 2, batchSize: 4, optimizer: { type: 'sgd', learningRate: 0.1 } });
    expect(twice.getWeights()).toEqual(once.getWeights());
    twice.dispose();
    once.dispose();
  });

  it.each(optimizers)('$name: the optimizer state carries over from one fit to the next', async ({ optimizer }) => {
    const options = { batchSize: 4, optimizer: optimizer as FitOptions['optimizer'] };
    const split = await Network.create({ ...config, layers: [...config.layers] });
    await split.fit(x, y, { ...options, epochs: 3 });
    await split.fit(x, y, { ...options, epochs: 2 });
    const whole = await Network.create({ ...config, layers: [...config.layers] });
    await whole.fit(x, y, { ...options, epochs: 5 });
    expect(split.getWeights()).toEqual(whole.getWeights());
    split.dispose();
    whole.dispose();
  });

  it('other optimizer settings, or setWeights, start the state afresh; a new learning rate does not', async () => {
    const adam = { type: 'adam', learningRate: 0.01 } as const;
    const train = async (second: FitOptions['optimizer'], replaceWeights: boolean): Promise<Float32Array[]> => {
      const net = await Network.create({ ...config, layers: [...config.layers] });
      await net.fit(x, y, { epochs: 3, batchSize: 4, shuffle: false, optimizer: adam });
      if (replaceWeights) net.setWeights(net.getWeights());
      await net.fit(x, y, { epochs: 2, batchSize: 4, shuffle: false, optimizer: second });
      const weights = net.getWeights().flatMap((l) => [l.weights, l.bias!]);
      net.dispose();
      return weights;
    };
    // A fresh start on the trained weights: what setWeights gives.
    const fresh = async (second: FitOptions['optimizer']): Promise<Float32Array[]> => train(second, true);
    const changedBeta = { ...adam, beta1: 0.8 };
    expect(await train(changedBeta, false)).toEqual(await fresh(changedBeta));
    expect(await train(adam, false)).not.toEqual(await fresh(adam));
    const slower = { ...adam, learningRate: 0.001 };
    expect(await train(slower, false)).not.toEqual(await fresh(slower));
  });
});

// Plain SGD on batches of one row takes assembly/row.ts, which updates each layer while it
// backpropagates; gradient() takes the batch path. Both must give the same bits.
describe.each(BACKENDS)('batches of one row under SGD (%s)', (backend) => {
  const rowConfigs = [
    {
      inputs: 3,
      layers: [
        { units: 9, activation: 'tanh', trainBias: false },
        { units: 6, activation: 'leakyRelu', alpha: 0.1 },
        { units: 2, activation: 'softmax' },
      ],
      loss: 'categoricalCrossentropy',
      seed: 5,
    },
    { inputs: 3, layers: [{ units: 5, activation: 'sigmoid' }, { units: 2, activation: 'sigmoid' }], loss: 'binaryCrossentropy', seed: 6 },
    { inputs: 3, layers: [{ units: 4, activation: 'relu' }, { units: 2, activation: 'linear' }], loss: 'squaredError', seed: 7 },
    // Layers of at most four units, which row.ts's narrow kernels take: the 2-2-2 shape, tanh's
    // fallback below a delta passed down in lanes, and the cross-entropies' unfused deltas.
    { inputs: 3, layers: [{ units: 2, activation: 'sigmoid' }, { units: 2, activation: 'sigmoid' }], loss: 'squaredError', seed: 8 },
    {
      inputs: 3,
      layers: [
        { units: 4, activation: 'tanh' },
        { units: 3, activation: 'leakyRelu', alpha: 0.1 },
        { units: 2, activation: 'linear' },
      ],
      loss: 'binaryCrossentropy',
      seed: 9,
    },
    {
      inputs: 3,
      layers: [{ units: 1, activation: 'relu', trainBias: false }, { units: 2, activation: 'sigmoid' }],
      loss: 'categoricalCrossentropy',
      seed: 10,
    },
  ] as const;

  it.each(rowConfigs.map((c) => [c.layers.map((l) => `${l.units} ${l.activation}`).join(', '), c] as const))(
    '%s: 2 epochs give the bits of gradient() then w ← w − lr·g, row by row, with L2',
    async (_, rowConfig) => {
      const lr = Math.fround(0.3);
      const l2 = 0.02;
      const create = (): Promise<Network> => Network.create({ ...rowConfig, layers: [...rowConfig.layers], backend });
      const fitted = await create();
      await fitted.fit(x, y, { epochs: 2, batchSize: 1, shuffle: false, l2, optimizer: { type: 'sgd', learningRate: lr } });

      const stepped = await create();
      const engine = engineOf(stepped);
      const f = Math.fround;
      for (let r = 0; r < 2 * ROWS; r++) {
        const row = r % ROWS;
        const rowX = readMatrix(x.subarray(row * 3, row * 3 + 3), 'x', 3, 'inputs');
        const rowY = readMatrix(y.subarray(row * 2, row * 2 + 2), 'y', 2, 'outputs');
        const { grads } = engine.gradient(rowX, rowY, l2, 0);
        stepped.setWeights(stepped.getWeights().map((layer, l) => ({
          weights: layer.weights.map((w, i) => f(w - f(lr * grads[l]!.weights[i]!))),
          bias: stepped.config.layers[l]!.trainBias ? layer.bias!.map((b, i) => f(b - f(lr * grads[l]!.bias![i]!))) : layer.bias,
        })));
      }
      const bits = (net: Network): Uint32Array =>
        new Uint32Array(Float32Array.from(net.getWeights().flatMap((l) => [...l.weights, ...l.bias!])).buffer);
      expect(bits(fitted)).toEqual(bits(stepped));
      expect(fitted.getWeights()).not.toEqual((await create()).getWeights());
      fitted.dispose();
      stepped.dispose();
    },
  );
});
