// Addresses past 2 GiB: wasm memory runs to 4 GiB, beyond the int32 range, so every address
// computation must stay unsigned. Each call below runs on a network laid out above 2^31 (the
// heap's test floor) and must give the bits the same call gives below it, in every input form
// and on both builds. Then one real call stages 2.5 GiB.

import { afterEach, describe, expect, it } from 'vitest';

import { stagingBudget } from '../src/engine.js';
import { type Backend, gradientCheck, type Matrix, Network, type NetworkConfig, SimdnetError } from '../src/index.js';
import { engineOf } from '../src/network.js';
import { Rng } from '../src/random.js';
import { heapFloor } from '../src/wasm/heap.js';
import { failure, weightHash } from './support/untouched.js';

const ABOVE_2_GIB = 2 ** 31 + 2 ** 16;

const BUDGET = stagingBudget.bytes;
afterEach(() => {
  heapFloor.bytes = 0;
  stagingBudget.bytes = BUDGET;
});

/** The same network twice: one laid out from the module's heap, one above `floor`. */
async function lowAndHigh(config: NetworkConfig, floor = ABOVE_2_GIB): Promise<[Network, Network]> {
  const low = await Network.create(config);
  heapFloor.bytes = floor;
  try {
    return [low, await Network.create(config)];
  } finally {
    heapFloor.bytes = 0;
  }
}

const ROWS = 300; // more than one 128-row block of inference
const rng = Rng.fromSeed(31);
const rowsOf = (rows: number, width: number, cell: (r: number, j: number) => number): number[][] =>
  Array.from({ length: rows }, (_, r) => Array.from({ length: width }, (_, j) => cell(r, j)));
const X = rowsOf(ROWS, 5, () => rng.uniform() * 2 - 1);
const Y = rowsOf(ROWS, 3, (r, j) => Number(j === r % 3));

const FORMS: [string, (rows: number[][]) => Matrix][] = [
  ['rows', (rows) => rows],
  ['a flat number[]', (rows) => rows.flat()],
  ['a Float32Array', (rows) => Float32Array.from(rows.flat())],
  ['a Float64Array', (rows) => Float64Array.from(rows.flat())],
];

/** Bit patterns of every number in a result, so -0, NaN payloads and float32 rounding all count. */
function bits(value: Matrix | number[]): string {
  const flat = ArrayBuffer.isView(value) ? Array.from(value) : (value as unknown[]).flat() as number[];
  return Buffer.from(Float64Array.from(flat).buffer).toString('hex');
}

describe.each(['simd', 'scalar'] as Backend[])('a network above 2 GiB (%s build)', (backend) => {
  const config: NetworkConfig = {
    inputs: 5, layers: [{ units: 7, activation: 'relu' }, { units: 3, activation: 'softmax' }],
    loss: 'categoricalCrossentropy', seed: 9, backend,
  };

  it('is laid out above 2^31, with the same initial weights', async () => {
    const [low, high] = await lowAndHigh(config);
    expect(engineOf(low).arena.params).toBeLessThan(2 ** 31);
    expect(engineOf(high).arena.params).toBeGreaterThan(2 ** 31);
    expect(weightHash(high)).toBe(weightHash(low));
  });

  it.each(FORMS.flatMap(([name, form]) => [
    [name, form, BUDGET],
    [`${name}, staged a window or a batch at a time`, form, 40 * 8 * 4],
  ] as const))('predicts, evaluates and trains on %s to the same bits', async (_, form, budget) => {
    const [low, high] = await lowAndHigh(config);
    stagingBudget.bytes = budget;
    expect(bits(high.predict(form(X)))).toBe(bits(low.predict(form(X))));
    expect(high.evaluate(form(X), form(Y))).toEqual(low.evaluate(form(X), form(Y)));
    for (const options of [
      { epochs: 3, batchSize: 16, validationSplit: 0.2, optimizer: 'adam' as const },
      { epochs: 2, batchSize: 1, optimizer: { type: 'sgd' as const, learningRate: 0.05 } },
      { epochs: 2, batchSize: ROWS, shuffle: false, l2: 0.1, optimizer: 'momentum' as const },
    ]) {
      expect(await high.fit(form(X), form(Y), options)).toEqual(await low.fit(form(X), form(Y), options));
      expect(weightHash(high)).toBe(weightHash(low));
    }
    expect(bits(high.predict(form(X)))).toBe(bits(low.predict(form(X))));
  });

  it('reads and writes weights, serialises and checks gradients the same', async () => {
    const [low, high] = await lowAndHigh(config);
    const weights = low.getWeights().map(({ weights, bias }) => ({
      weights: weights.map(() => rng.uniform() - 0.5),
      bias: bias!.map(() => rng.uniform() - 0.5),
    }));
    low.setWeights(weights);
    high.setWeights(weights);
    expect(high.getWeights()).toEqual(low.getWeights());
    expect(high.toJSON()).toEqual(low.toJSON());
    expect(gradientCheck(high, X.slice(0, 20), Y.slice(0, 20))).toEqual(gradientCheck(low, X.slice(0, 20), Y.slice(0, 20)));
    heapFloor.bytes = ABOVE_2_GIB;
    const copy = await Network.fromJSON(low.toJSON());
    heapFloor.bytes = 0;
    expect(engineOf(copy).arena.params).toBeGreaterThan(2 ** 31);
    expect(bits(copy.predict(X))).toBe(bits(low.predict(X)));
  });
});

describe('the end of the address space', () => {
  it('a call that needs more than 4 GiB is a SimdnetError that says so, and the network still works', async () => {
    const config: NetworkConfig = { inputs: 5, layers: [{ units: 3, activation: 'linear' }], loss: 'squaredError', seed: 2 };
    const [low, high] = await lowAndHigh(config, 2 ** 32 - 2 ** 20);
    const rows = new Float32Array(5 * 60_000);
    const error = await failure(() => high.predict(rows));
    expect(error).toBeInstanceOf(SimdnetError);
    expect(error.message).toMatch(/predict on 60000 rows needs .* of wasm memory .*limited to 4 GiB/);
    expect(bits(high.predict(X))).toBe(bits(low.predict(X)));
  });

  it('stages 2.5 GiB of rows in one predict and gives the bits of predicting them in two halves, and of a window at a time', async () => {
    const inputs = 784;
    const rows = Math.ceil((2.5 * 2 ** 30) / (inputs * 4));
    const net = await Network.create({
      inputs, layers: [{ units: 6, activation: 'tanh' }, { units: 4, activation: 'softmax' }], loss: 'categoricalCrossentropy', seed: 4,
    });
    const x = new Float32Array(rows * inputs);
    for (let i = 0; i < x.length; i++) x[i] = ((i * 2654435761) >>> 20) / 4096;
    const windowed = net.predict(x);
    expect(engineOf(net).arena.heap.memoryBytes).toBeLessThan(BUDGET + 2 ** 20 * 16);
    stagingBudget.bytes = 2 ** 32;
    const whole = net.predict(x);
    expect(engineOf(net).arena.heap.memoryBytes).toBeGreaterThan(2.5 * 2 ** 30);
    expect(Buffer.compare(Buffer.from(whole.buffer), Buffer.from(windowed.buffer))).toBe(0);
    const half = Math.floor(rows / 2) * inputs;
    const first = net.predict(x.subarray(0, half));
    const second = net.predict(x.subarray(half));
    expect(whole.length).toBe(rows * 4);
    expect(Buffer.compare(Buffer.from(whole.buffer, 0, first.byteLength), Buffer.from(first.buffer))).toBe(0);
    expect(Buffer.compare(Buffer.from(whole.buffer, first.byteLength), Buffer.from(second.buffer))).toBe(0);
    for (let r = rows - 3; r < rows; r++) expect(whole[r * 4]! + whole[r * 4 + 1]! + whole[r * 4 + 2]! + whole[r * 4 + 3]!).toBeCloseTo(1, 5);
    net.dispose();
  }, 120_000);
});
