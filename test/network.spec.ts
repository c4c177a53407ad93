// The Network API: data forms, history, validation split, serialization,
// weights access, lifecycle and the behaviour of fit while it runs.

import { describe, expect, it } from 'vitest';
import { DivergenceError, Network, type NetworkConfig, SimdnetError } from '../src/index.js';
import { Rng } from '../src/random.js';
import { ReferenceNetwork } from '../src/reference/network.js';
import { parseNetworkConfig } from '../src/config.js';
import { engineOf } from '../src/network.js';
import { BACKENDS } from './support/kernels.js';
import { f32Bits as bits } from './support/numeric.js';

const classifier: NetworkConfig = {
  inputs: 4,
  layers: [{ units: 8, activation: 'relu' }, { units: 3, activation: 'softmax' }],
  loss: 'categoricalCrossentropy',
  seed: 1,
};
const ROWS = 60;
const rng = Rng.fromSeed(99);
const xs = new Float32Array(ROWS * 4).map(() => rng.uniform() * 2 - 1);
const labels = Array.from({ length: ROWS }, (_, r) => (xs[r * 4]! > 0.3 ? 0 : xs[r * 4 + 1]! > 0 ? 1 : 2));
const ys = new Float32Array(ROWS * 3).map((_, i) => Number(labels[Math.floor(i / 3)] === i % 3));
const rowsOf = (flat: ArrayLike<number>, width: number): number[][] =>
  Array.from({ length: flat.length / width }, (_, r) => Array.from({ length: width }, (_, j) => flat[r * width + j]!));
const weightBits = (net: Network): Uint32Array => bits(net.getWeights().flatMap((l) => [...l.weights, ...(l.bias ?? [])]));

describe('data forms', () => {
  it('predict answers in the form it was given, with the same values', async () => {
    const net = await Network.create(classifier);
    const fromFloat32 = net.predict(xs);
    expect(fromFloat32).toBeInstanceOf(Float32Array);
    expect(fromFloat32).toHaveLength(ROWS * 3);
    const fromFloat64 = net.predict(Float64Array.from(xs));
    expect(fromFloat64).toBeInstanceOf(Float64Array);
    expect([...fromFloat64]).toEqual([...fromFloat32]);
    const fromFlat = net.predict([...xs]);
    expect(Array.isArray(fromFlat) && typeof fromFlat[0]).toBe('number');
    expect(fromFlat).toEqual([...fromFloat32]);
    expect(net.predict(rowsOf(xs, 4))).toEqual(rowsOf(fromFloat32, 3));
    net.dispose();
  });

  it('predict agrees with the float64 reference on more rows than one inference block', async () => {
    const net = await Network.create(classifier);
    const many = new Float32Array(300 * 4).map(() => rng.uniform() * 4 - 2);
    const reference = new ReferenceNetwork(parseNetworkConfig(classifier).layers, 'categoricalCrossentropy', net.getWeights());
    const expected = reference.predict(many, 300);
    net.predict(many).forEach((v, i) => expect(Math.abs(v - expected[i]!)).toBeLessThan(1e-6));
    net.dispose();
  });

  // One row runs through row.ts's vector loops, several through small.ts or gemm.ts: all must
  // give the same bits. Widths of 9 and 13 reach the 8- and 4-lane bodies and the tails.
  it.each(BACKENDS)('predicting rows one at a time gives the bits of predicting them together (%s)', async (backend) => {
    const net = await Network.create({
      inputs: 4,
      layers: [
        { units: 13, activation: 'tanh' },
        { units: 9, activation: 'leakyRelu', alpha: 0.05 },
        { units: 5, activation: 'sigmoid' },
        { units: 3, activation: 'softmax' },
      ],
      loss: 'categoricalCrossentropy',
      seed: 8,
      backend,
    });
    const together = net.predict(xs);
    const oneByOne = new Float32Array(ROWS * 3);
    for (let r = 0; r < ROWS; r++) oneByOne.set(net.predict(xs.subarray(r * 4, (r + 1) * 4)), r * 3);
    expect(bits(oneByOne)).toEqual(bits(together));
    net.dispose();
  });

  it('training on each form gives the same weights', async () => {
    const forms = [xs, Float64Array.from(xs), [...xs], rowsOf(xs, 4)] as const;
    const targets = [ys, Float64Array.from(ys), [...ys], rowsOf(ys, 3)] as const;
    const results = await Promise.all(forms.map(async (x, i) => {
      const net = await Network.create(classifier);
      await net.fit(x, targets[i]!, { epochs: 3, batchSize: 16 });
      const w = weightBits(net);
      net.dispose();
      return w;
    }));
    results.slice(1).forEach((w) => expect(w).toEqual(results[0]));
  });

  it('a flat length that does not divide into rows is an error naming both numbers', async () => {
    const net = await Network.create(classifier);
    expect(() => net.predict(new Float32Array(10))).toThrow(/10.*4|4.*10/);
    net.dispose();
  });
});

describe('fit and history', () => {
  it('history has one entry per epoch; loss is measured before each update', async () => {
    const net = await Network.create(classifier);
    const before = net.evaluate(xs, ys);
    const history = await net.fit(xs, ys, { epochs: 5, batchSize: ROWS, shuffle: false, optimizer: { type: 'sgd', learningRate: 0.5 } });
    expect(history.epochs).toBe(5);
    expect(history.loss).toHaveLength(5);
    expect(history.accuracy).toHaveLength(5);
    expect(history.valLoss).toBeUndefined();
    expect(history.stopped).toBeUndefined();
    // Full batch: the first epoch's loss is the loss of the starting weights.
    expect(history.loss[0]).toBeCloseTo(before.loss, 6);
    expect(history.accuracy![0]).toBeCloseTo(before.accuracy!, 12);
    expect(history.loss[4]!).toBeLessThan(history.loss[0]!);
    net.dispose();
  });

  it('validationSplit holds out the last rows and reports their loss and accuracy after each epoch', async () => {
    const net = await Network.create(classifier);
    const epochs: number[] = [];
    const history = await net.fit(xs, ys, {
      epochs: 4, batchSize: 10, validationSplit: 0.25, onEpochEnd: ({ epoch }) => epochs.push(epoch),
    });
    expect(epochs).toEqual([1, 2, 3, 4]);
    expect(history.valLoss).toHaveLength(4);
    expect(history.valAccuracy).toHaveLength(4);
    const held = net.evaluate(xs.subarray(45 * 4), ys.subarray(45 * 3));
    expect(history.valLoss![3]).toBeCloseTo(held.loss, 6);
    expect(history.valAccuracy![3]).toBeCloseTo(held.accuracy!, 12);
    net.dispose();
  });

  it('onBatchEnd sees every batch, numbered from 1 within its epoch', async () => {
    const net = await Network.create(classifier);
    const seen: string[] = [];
    await net.fit(xs, ys, { epochs: 2, batchSize: 25, onBatchEnd: ({ epoch, batch, loss }) => {
      expect(Number.isFinite(loss)).toBe(true);
      seen.push(`${epoch}.${batch}`);
    } });
    expect(seen).toEqual(['1.1', '1.2', '1.3', '2.1', '2.2', '2.3']);
    net.dispose();
  });

  it('batchSize larger than the data trains full-batch', async () => {
    const a = await Network.create(classifier);
    const b = await Network.create(classifier);
    await a.fit(xs, ys, { epochs: 2, batchSize: 1000, shuffle: false });
    await b.fit(xs, ys, { epochs: 2, batchSize: ROWS, shuffle: false });
    expect(weightBits(a)).toEqual(weightBits(b));
    a.dispose();
    b.dispose();
  });

  it('an AbortSignal stops fit between chunks and leaves finite weights', async () => {
    const net = await Network.create(classifier);
    const controller = new AbortController();
    const history = await net.fit(xs, ys, {
      epochs: 1000, batchSize: 4, signal: controller.signal,
      onEpochEnd: ({ epoch }) => { if (epoch === 3) controller.abort(); },
    });
    expect(history.stopped).toBe('aborted');
    expect(history.epochs).toBe(3);
    // The history holds the epochs run, not the 1000 asked for.
    for (const values of [history.loss, history.learningRate, history.accuracy]) expect(values).toHaveLength(3);
    expect(net.getWeights().every((l) => l.weights.every(Number.isFinite))).toBe(true);
    net.dispose();
  });

  it('a second fit while one runs is refused, and the first one finishes', async () => {
    const net = await Network.create(classifier);
    const first = net.fit(xs, ys, { epochs: 50, batchSize: 1 });
    await expect(net.fit(xs, ys, { epochs: 1 })).rejects.toThrow(/already running/);
    expect((await first).epochs).toBe(50);
    net.dispose();
  });

  it('divergence rejects with the epoch and learning rate and restores finite weights', async () => {
    const net = await Network.create({ inputs: 4, layers: [{ units: 3, activation: 'linear' }], loss: 'squaredError', seed: 2 });
    const error = await net.fit(xs, ys, { epochs: 50, batchSize: 60, optimizer: { type: 'sgd', learningRate: 1e6 }, onEpochEnd: () => {} })
      .then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(DivergenceError);
    expect(error).toBeInstanceOf(SimdnetError);
    expect((error as DivergenceError).learningRate).toBe(1e6);
    expect((error as DivergenceError).epoch).toBeGreaterThan(1);
    expect((error as Error).message).toMatch(/epoch \d+/);
    expect(net.getWeights().every((l) => l.weights.every(Number.isFinite) && l.bias!.every(Number.isFinite))).toBe(true);
    net.dispose();
  });
});

describe('evaluate', () => {
  it('gives mean loss and the fraction of rows classified right', async () => {
    const net = await Network.create(classifier);
    const outputs = net.predict(xs);
    let correct = 0;
    let loss = 0;
    for (let r = 0; r < ROWS; r++) {
      const row = [...outputs.subarray(r * 3, r * 3 + 3)];
      if (row.indexOf(Math.max(...row)) === labels[r]) correct++;
      loss -= Math.log(row[labels[r]!]!);
    }
    const result = net.evaluate(xs, ys);
    expect(result.accuracy).toBe(correct / ROWS);
    expect(result.loss).toBeCloseTo(loss / ROWS, 5);
    net.dispose();
  });

  it('reports no accuracy for regression', async () => {
    const net = await Network.create({ inputs: 4, layers: [{ units: 1, activation: 'linear' }], loss: 'squaredError' });
    expect(net.evaluate(xs, xs.subarray(0, ROWS))).not.toHaveProperty('accuracy');
    net.dispose();
  });
});

describe('serialization', () => {
  it.each(BACKENDS)('toJSON → JSON text → fromJSON gives bit-identical predictions (%s)', async (backend) => {
    const net = await Network.create({ ...classifier, layers: [
      { units: 5, activation: 'leakyRelu', alpha: 0.2 }, { units: 4, activation: 'tanh', bias: false },
      { units: 3, activation: 'softmax', trainBias: false },
    ] });
    await net.fit(xs, ys, { epochs: 5, batchSize: 8, optimizer: { type: 'adam', learningRate: 0.01 } });
    const copy = await Network.fromJSON(JSON.stringify(net.toJSON()), { backend });
    expect(copy.backend).toBe(backend);
    expect(copy.config).toEqual({ ...net.config, backend: backend });
    expect(bits(copy.predict(xs))).toEqual(bits(net.predict(xs)));
    expect(weightBits(copy)).toEqual(weightBits(net));
    net.dispose();
    copy.dispose();
  });

  it('the JSON is versioned and holds row-major weights', async () => {
    const net = await Network.create({ inputs: 2, layers: [{ units: 3, activation: 'sigmoid', bias: false }], loss: 'squaredError' });
    net.setWeights([{ weights: [1, 2, 3, 4, 5, 0.1] }]);
    const json = net.toJSON();
    expect(json).toMatchObject({ format: 'simdnet', version: 1, inputs: 2, loss: 'squaredError' });
    expect(json.layers[0]).toMatchObject({ units: 3, activation: 'sigmoid', bias: false, weights: [1, 2, 3, 4, 5, 0.1], biases: null });
    net.dispose();
  });
});

describe('weights', () => {
  it('getWeights returns copies; setWeights with any invalid layer changes nothing', async () => {
    const net = await Network.create(classifier);
    const original = weightBits(net);
    net.getWeights()[0]!.weights.fill(7);
    expect(weightBits(net)).toEqual(original);
    const [first] = net.getWeights();
    expect(() => net.setWeights([
      { weights: new Float32Array(first!.weights.length).fill(1), bias: new Float32Array(8) },
      { weights: new Float32Array(24), bias: [0, Number.NaN, 0] },
    ])).toThrow(/layers\[1\]\.bias/);
    expect(weightBits(net)).toEqual(original);
    net.dispose();
  });
});

describe('lifecycle', () => {
  it('reports its backend, inputs, outputs and resolved config', async () => {
    const net = await Network.create(classifier);
    expect(BACKENDS).toContain(net.backend);
    expect([net.inputs, net.outputs]).toEqual([4, 3]);
    expect(net.config).toEqual({
      inputs: 4, loss: 'categoricalCrossentropy', seed: 1, init: 'auto', backend: 'auto', threads: 'auto',
      layers: [
        { units: 8, activation: 'relu', bias: true, trainBias: true },
        { units: 3, activation: 'softmax', bias: true, trainBias: true },
      ],
    });
    net.dispose();
  });

  it('after dispose every call throws a clear error, and dispose again is harmless', async () => {
    const net = await Network.create(classifier);
    net.dispose();
    expect(net.disposed).toBe(true);
    expect(() => net.dispose()).not.toThrow();
    expect(() => net.predict(xs)).toThrow(/disposed/);
    expect(() => net.getWeights()).toThrow(/disposed/);
    expect(() => net.toJSON()).toThrow(/disposed/);
    await expect(net.fit(xs, ys)).rejects.toThrow(/disposed/);
  });

  it('dispose during fit stops it with an error', async () => {
    const net = await Network.create(classifier);
    const run = net.fit(xs, ys, { epochs: 1000, batchSize: 1, onEpochEnd: ({ epoch }) => { if (epoch === 2) net.dispose(); } });
    await expect(run).rejects.toThrow(/disposed/);
  });
});

describe('workspaces', () => {
  // Backward passes read each layer's delta, pre-activations (gelu, swish) and dropped outputs, a
  // batch's gathered rows and, in the scalar build, the transposed weights' scratch; a predict or
  // evaluate reads none of them, so its workspace (kept between calls) holds none.
  it.each(BACKENDS)('an inference workspace holds none of what backward passes read, a training one all of it (%s build)', async (backend) => {
    const net = await Network.create({
      inputs: 6, loss: 'categoricalCrossentropy', seed: 2, backend,
      layers: [{ units: 9, activation: 'swish', dropout: 0.25 }, { units: 5, activation: 'tanh' }, { units: 3, activation: 'softmax' }],
    });
    const { arena } = engineOf(net);
    const held = (ws: ReturnType<typeof arena.reserve>) => ({
      deltas: ws.deltas.map((a) => a > 0), preactivations: ws.preactivations.map((a) => a > 0),
      dropped: ws.dropped.map((a) => a > 0), batchRows: [ws.batchInputs > 0, ws.batchTargets > 0], scratch: ws.scratch > 0,
    });
    const inference = arena.reserve({ capacity: 8, inputs: 48, outputs: 24 }, 'predict');
    const inferenceBytes = inference.bytes;
    expect(held(inference)).toEqual({
      deltas: [false, false, false], preactivations: [false, false, false], dropped: [false, false, false],
      batchRows: [false, false], scratch: false,
    });
    expect(inference.activations.every((a) => a > 0)).toBe(true);
    arena.release(inference);
    const training = arena.reserve({ capacity: 8, inputs: 48, targets: 24, trains: true }, 'fit');
    expect(held(training)).toEqual({
      deltas: [true, true, true], preactivations: [true, false, false], dropped: [true, false, false],
      batchRows: [true, true], scratch: backend === 'scalar',
    });
    expect(inferenceBytes).toBeLessThan(training.bytes);
    arena.release(training);
    net.dispose();
  });
});
