// Training trajectories: from a seeded start, K optimizer steps of the wasm
// engine against the float64 reference trainer given the same shuffles.

import { describe, expect, it } from 'vitest';
import { type FitOptions, Network } from '../src/index.js';
import { parseNetworkConfig } from '../src/config.js';
import { readMatrix } from '../src/data.js';
import { engineOf } from '../src/network.js';
import { initialWeights } from '../src/init.js';
import { Rng } from '../src/random.js';
import { ReferenceNetwork } from '../src/reference/network.js';
import type { ReferenceOptimizer } from '../src/reference/ops.js';
import { BACKENDS, BUILDS } from './support/kernels.js';

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
];

describe.each(BUILDS)('engine vs float64 reference trainer (%s)', (backend) => {
  it.each(optimizers)('$name: 8 epochs of shuffled batches of 7 (the last one short), with L2', async ({ optimizer }) => {
    const net = await Network.create({ ...config, layers: [...config.layers], backend });
    // The reference draws the same initial weights and then the same shuffles from its own copy of the seed.
    const spec = parseNetworkConfig(config);
    const referenceRng = Rng.fromSeed(config.seed);
    const start = spec.layers.map((layer) => ({ weights: initialWeights(layer, spec.init, referenceRng), bias: new Float32Array(layer.units) }));
    expect(net.getWeights()).toEqual(start);

    const reference = new ReferenceNetwork(spec.layers, spec.loss, start);
    reference.fit(x, y, ROWS, { epochs: 8, batchSize: 7, optimizer, l2: 0.01, rng: referenceRng });
    await net.fit(x, y, { epochs: 8, batchSize: 7, optimizer: optimizer as FitOptions['optimizer'], l2: 0.01 });

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
