// One row through predict or predictInto runs the predictRow kernel through buffers kept for it.
// It must give what the staged path gives at one row (the engine's predictInto, which reserves a
// workspace and runs the predict kernel): the same bits or the same error, for every activation,
// for shapes whose layers are narrow and wide, with and without bias, on random and extreme
// inputs, on every build and on two threads; and it must stay right while a fit waits between
// chunks and after wasm memory has grown.

import { describe, expect, it } from 'vitest';
import { type Activation, ACTIVATIONS } from '../src/config.js';
import { type Network, type NetworkConfig, NonFiniteOutputError } from '../src/index.js';
import { engineOf } from '../src/network.js';
import { Rng } from '../src/random.js';
import { BUILDS } from './support/kernels.js';
import { disposedAfterAll } from './support/networks.js';
import { f32Bits as bits } from './support/numeric.js';
import { expectNamedError, failure, weightHash } from './support/untouched.js';

const { network } = disposedAfterAll();
const rng = Rng.fromSeed(31);

// Inputs whose products reach exp's saturation, overflow, subnormals and signed zeros.
const EXTREMES = [0, -0, 1e-40, -1e-45, 1.17549435e-38, 0.5, -3, 30, -30, 100, -110, 1e4, -1e4, 3e38, -3e38];

/** rows one-row inputs of width n: uniform in [−2, 2), then extremes mixed with uniform values. */
function inputRows(n: number, rows: number): Float32Array[] {
  const uniform = () => rng.uniform() * 4 - 2;
  return Array.from({ length: rows }, (_, r) => Float32Array.from({ length: n }, (_, i) =>
    r < rows / 2 ? uniform() : EXTREMES[(r * 7 + i * 3) % EXTREMES.length]! * (i % 3 === 0 ? 1 : uniform())));
}

// Narrow (≤ 4 units, the lane path) and wide layers, a layer without bias, and enough hidden
// layers that both scratch rows are written more than once; a wide input and a wide output
// (past the 64 values copied by a loop); two narrow layers over at most four inputs (their
// hidden outputs held in a register) of every width, with and without each bias.
const SHAPES: [string, number, { units: number; bias?: boolean }[]][] = [
  ['3-2', 3, [{ units: 2 }]],
  ['2-2-2', 2, [{ units: 2 }, { units: 2 }]],
  ['4-3-1', 4, [{ units: 3, bias: false }, { units: 1 }]],
  ['1-4-4', 1, [{ units: 4 }, { units: 4, bias: false }]],
  ['3-1-3', 3, [{ units: 1 }, { units: 3 }]],
  ['5-4-1-7-3-2', 5, [{ units: 4 }, { units: 1, bias: false }, { units: 7 }, { units: 3 }, { units: 2 }]],
  ['70-9-66', 70, [{ units: 9, bias: false }, { units: 66 }]],
];

function config(inputs: number, layers: { units: number; bias?: boolean }[], activation: Activation, seed: number): NetworkConfig {
  // A one-unit softmax layer is refused; its neighbour's activation stands in.
  const act = (units: number): Activation => (activation === 'softmax' && units < 2 ? 'tanh' : activation);
  return {
    inputs,
    layers: layers.map((l) => ({ ...l, activation: act(l.units), ...(activation === 'leakyRelu' ? { alpha: 0.3 } : {}) })),
    loss: 'squaredError',
    seed,
  };
}

/** The bits written to out, or the error thrown, as one string to compare. */
function outcome(call: (out: Float32Array) => unknown, outputs: number): string {
  const out = new Float32Array(outputs).fill(7);
  try {
    call(out);
    return `bits ${bits(out).join(',')}`;
  } catch (error) {
    const row = error instanceof NonFiniteOutputError ? ` row ${error.row}` : '';
    return `${(error as Error).constructor.name}${row}: ${(error as Error).message}; out ${bits(out).join(',')}`;
  }
}

/** predictInto and predict of one row, each against the staged path at one row. */
function expectStagedOutcomes(net: Network, x: Float32Array): void {
  const staged = outcome((out) => engineOf(net).predictInto(x, out, 'predictInto'), net.outputs);
  expect(outcome((out) => net.predictInto(x, out), net.outputs)).toBe(staged);
  const stagedPredict = outcome((out) => engineOf(net).predictInto(x, out, 'predict'), net.outputs);
  expect(outcome((out) => out.set(net.predict(x)), net.outputs)).toBe(stagedPredict);
}

/** Gives every bias a random value (they start at zero, where a bias left out would go unseen). */
function withBiases(net: Network): Network {
  net.setWeights(net.getWeights().map(({ weights, bias }) => ({ weights, bias: bias?.map(() => rng.uniform() * 2 - 1) ?? null })));
  return net;
}

describe.each(BUILDS)('one row (%s build)', (backend) => {
  it.each(ACTIVATIONS)('%s: the staged path\'s bits or error, on every shape', async (activation) => {
    for (const [, inputs, layers] of SHAPES) {
      const net = withBiases(await network({ ...config(inputs, layers, activation, 5), backend }));
      for (const x of inputRows(inputs, 24)) expectStagedOutcomes(net, x);
    }
  });
});

it.each(ACTIVATIONS)('%s: the bits of one thread on two', async (activation) => {
  const [, inputs, layers] = SHAPES.find(([name]) => name === '5-4-1-7-3-2')!;
  const one = await network({ ...config(inputs, layers, activation, 6), threads: 1 });
  const two = await network({ ...config(inputs, layers, activation, 6), threads: 2 });
  for (const x of inputRows(inputs, 12)) {
    expect(outcome((out) => two.predictInto(x, out), two.outputs)).toBe(outcome((out) => one.predictInto(x, out), one.outputs));
    expectStagedOutcomes(two, x);
  }
});

describe('refused rows', () => {
  const CONFIG: NetworkConfig = {
    inputs: 2, layers: [{ units: 3, activation: 'sigmoid' }, { units: 2, activation: 'linear' }], loss: 'squaredError', seed: 8,
  };
  const CASES: [string, number[], RegExp][] = [
    ['NaN', [0.5, Number.NaN], /^x\[1\] \(row 0, column 1\) is NaN/],
    ['Infinity', [-Infinity, 0.5], /^x\[0\] \(row 0, column 0\) is Infinity or beyond the float32 range/],
  ];

  it.each(CASES)('%s in x: the staged path\'s error, with the network and out unchanged', async (_, values, message) => {
    const net = await network(CONFIG);
    const before = weightHash(net);
    const x = Float32Array.from(values);
    expectStagedOutcomes(net, x);
    const out = new Float32Array([7, 7]);
    expectNamedError(await failure(() => net.predictInto(x, out)), message);
    expectNamedError(await failure(() => net.predict(x)), message);
    expect([...out]).toEqual([7, 7]);
    expect(weightHash(net)).toBe(before);
  });

  it('outputs that overflow float32: a NonFiniteOutputError for row 0, out unchanged', async () => {
    const net = await network({ inputs: 2, layers: [{ units: 1, activation: 'linear' }], loss: 'squaredError' });
    net.setWeights([{ weights: [3e38, 3e38], bias: [0] }]);
    const out = new Float32Array([7]);
    const error = await failure(() => net.predictInto(new Float32Array([1, 1]), out));
    expect(error).toBeInstanceOf(NonFiniteOutputError);
    expect((error as NonFiniteOutputError).row).toBe(0);
    expect(error.message).toMatch(/^predictInto: the network's outputs for row 0 of x .*are NaN or Infinity/);
    expect([...out]).toEqual([7]);
  });
});

it('answers between the chunks of a fit without changing what the fit computes', async () => {
  const cfg: NetworkConfig = {
    inputs: 3, layers: [{ units: 6, activation: 'relu' }, { units: 2, activation: 'softmax' }], loss: 'categoricalCrossentropy', seed: 12,
  };
  const x = Float32Array.from({ length: 60 * 3 }, () => rng.uniform() * 2 - 1);
  const y = Float32Array.from({ length: 60 * 2 }, (_, i) => (i % 2 === (Math.floor(i / 2) % 3 === 0 ? 0 : 1) ? 1 : 0));
  const options = { epochs: 4, batchSize: 8, optimizer: { type: 'adam', learningRate: 0.01 } } as const;
  const quiet = await network(cfg);
  await quiet.fit(x, y, options);
  const asked = await network(cfg);
  const row = x.subarray(0, 3);
  let calls = 0;
  await asked.fit(x, y, {
    ...options,
    onEpochEnd: () => {
      expectStagedOutcomes(asked, row);
      calls++;
    },
  });
  expect(calls).toBe(4);
  expect(weightHash(asked)).toBe(weightHash(quiet));
  expect(bits(asked.predict(row))).toEqual(bits(quiet.predict(row)));
});

it.each([['one thread', 1], ['two threads', 2]] as const)('%s: reads the row buffers through views taken after memory grows', async (_, threads) => {
  const cfg: NetworkConfig = {
    inputs: 4, layers: [{ units: 5, activation: 'tanh' }, { units: 3, activation: 'sigmoid' }], loss: 'squaredError', seed: 13, threads,
  };
  const net = await network(cfg);
  const x = Float32Array.from([0.25, -1, 2, 0.5]);
  const before = net.predictInto(x, new Float32Array(3)).slice();
  const buffer = engineOf(net).arena.heap.kernels.memory.buffer;
  // A network in the same heap with more weights than memory holds: memory grows.
  const units = Math.ceil(buffer.byteLength / 4 / 1024) + 1;
  await network({ inputs: 1024, layers: [{ units, activation: 'linear' }], loss: 'squaredError', threads });
  expect(engineOf(net).arena.heap.kernels.memory.buffer).not.toBe(buffer);
  expect(bits(net.predictInto(x, new Float32Array(3)))).toEqual(bits(before));
  expect(bits(net.predict(x))).toEqual(bits(before));
});
