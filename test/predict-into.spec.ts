// predictInto: the outputs of predict, written into the caller's array. One row (through
// predictRow, see predict-row.spec.ts), a few rows (checked and copied in JavaScript) and many
// (staged as predict stages them) give predict's bits on every build and thread count, agree
// with the float64 reference, may be computed in place, and bad arguments are errors that leave
// the network and out as they were.

import { describe, expect, it } from 'vitest';
import { Network, type NetworkConfig, NonFiniteOutputError } from '../src/index.js';
import { parseNetworkConfig } from '../src/config.js';
import { stagingBudget } from '../src/engine.js';
import { Rng } from '../src/random.js';
import { ReferenceNetwork } from '../src/reference/network.js';
import { BACKENDS } from './support/kernels.js';
import { f32Bits as bits } from './support/numeric.js';
import { expectNamedError, failure, weightHash } from './support/untouched.js';

const rng = Rng.fromSeed(24);
const uniform = (n: number): Float32Array => Float32Array.from({ length: n }, () => rng.uniform() * 4 - 2);

// The worked example's 2-2-2 shape, and one with every activation the one-row kernels have.
const CONFIGS: [string, NetworkConfig][] = [
  ['2-2-2 sigmoid', {
    inputs: 2, layers: [{ units: 2, activation: 'sigmoid' }, { units: 2, activation: 'sigmoid' }], loss: 'squaredError', seed: 3,
  }],
  ['3-5-4-3-2 of every activation', {
    inputs: 3,
    layers: [
      { units: 5, activation: 'tanh' }, { units: 4, activation: 'leakyRelu', alpha: 0.1 },
      { units: 3, activation: 'relu' }, { units: 2, activation: 'softmax' },
    ],
    loss: 'categoricalCrossentropy', seed: 4,
  }],
];

// Row counts on either side of the few-values path (up to 64 values) and past an inference block.
const ROW_COUNTS = [1, 2, 7, 21, 22, 300];

describe.each(BACKENDS)('predictInto (%s build)', (backend) => {
  it.each(CONFIGS)('%s: writes the bits predict answers, for any number of rows', async (_, config) => {
    const net = await Network.create({ ...config, backend });
    for (const rows of ROW_COUNTS) {
      const x = uniform(rows * net.inputs);
      const out = new Float32Array(rows * net.outputs).fill(Number.NaN);
      expect(net.predictInto(x, out)).toBe(out);
      expect(bits(out)).toEqual(bits(net.predict(x)));
      expect(bits(out)).toEqual(bits(net.predict(Array.from(x)) as number[]));
      // Row by row, into a kept array, as a per-frame caller does.
      const row = new Float32Array(net.outputs);
      for (let r = 0; r < rows; r++) {
        net.predictInto(x.subarray(r * net.inputs, (r + 1) * net.inputs), row);
        expect(bits(row)).toEqual(bits(out.subarray(r * net.outputs, (r + 1) * net.outputs)));
      }
    }
    net.dispose();
  });

  it('agrees with the float64 reference', async () => {
    const [, config] = CONFIGS[1]!;
    const net = await Network.create({ ...config, backend });
    const reference = new ReferenceNetwork(parseNetworkConfig(config).layers, config.loss, net.getWeights());
    const x = uniform(50 * net.inputs);
    const expected = reference.predict(x, 50);
    const out = new Float32Array(50 * net.outputs);
    const row = new Float32Array(net.outputs);
    net.predictInto(x, out);
    for (let r = 0; r < 50; r++) {
      net.predictInto(x.subarray(r * 3, r * 3 + 3), row);
      for (let j = 0; j < 2; j++) {
        expect(Math.abs(row[j]! - expected[r * 2 + j]!)).toBeLessThan(1e-6);
        expect(Math.abs(out[r * 2 + j]! - expected[r * 2 + j]!)).toBeLessThan(1e-6);
      }
    }
    net.dispose();
  });
});

it('gives the bits of one thread on two', async () => {
  const config: NetworkConfig = {
    inputs: 2, layers: [{ units: 3, activation: 'relu' }, { units: 2, activation: 'sigmoid' }], loss: 'squaredError', seed: 9,
  };
  const one = await Network.create({ ...config, threads: 1 });
  const two = await Network.create({ ...config, threads: 2 });
  const x = uniform(2);
  const a = new Float32Array(2);
  const b = new Float32Array(2);
  expect(bits(two.predictInto(x, b))).toEqual(bits(one.predictInto(x, a)));
  one.dispose();
  two.dispose();
});

it('stages rows beyond the staging budget a window at a time, to the same bits', async () => {
  const [, config] = CONFIGS[1]!;
  const net = await Network.create(config);
  const x = uniform(1000 * net.inputs);
  const whole = net.predictInto(x, new Float32Array(1000 * net.outputs));
  const saved = stagingBudget.bytes;
  stagingBudget.bytes = 4096;
  try {
    expect(bits(net.predictInto(x, new Float32Array(1000 * net.outputs)))).toEqual(bits(whole));
  } finally {
    stagingBudget.bytes = saved;
  }
  net.dispose();
});

it('computes in place: out may be x itself, or overlap it', async () => {
  const net = await Network.create({ inputs: 2, layers: [{ units: 2, activation: 'tanh' }], loss: 'squaredError', seed: 5 });
  for (const rows of [1, 3, 40]) {
    const x = uniform(rows * 2);
    const expected = net.predict(x);
    const same = Float32Array.from(x);
    net.predictInto(same, same);
    expect(bits(same)).toEqual(bits(expected));
    const buffer = new Float32Array(rows * 2 + 1);
    buffer.set(x, 1);
    net.predictInto(buffer.subarray(1), buffer.subarray(0, rows * 2));
    expect(bits(buffer.subarray(0, rows * 2))).toEqual(bits(expected));
  }
  net.dispose();
});

describe('bad arguments', () => {
  const config: NetworkConfig = {
    inputs: 2, layers: [{ units: 3, activation: 'sigmoid' }, { units: 1, activation: 'linear' }], loss: 'squaredError', seed: 6,
  };
  const CASES: [string, (net: Network) => unknown, RegExp][] = [
    ['x as a number[]', (net) => net.predictInto([1, 2] as unknown as Float32Array, new Float32Array(1)), /^predictInto: x must be a Float32Array, got an array of length 2/],
    ['x as a Float64Array', (net) => net.predictInto(new Float64Array(2) as unknown as Float32Array, new Float32Array(1)), /x must be a Float32Array, got a Float64Array/],
    ['x empty', (net) => net.predictInto(new Float32Array(0), new Float32Array(0)), /x is empty/],
    ['x not whole rows', (net) => net.predictInto(new Float32Array(3), new Float32Array(2)), /x has 3 values, which is not a whole number of rows of 2/],
    ['out too short', (net) => net.predictInto(new Float32Array(4), new Float32Array(1)), /out must be a Float32Array of 2 values \(2 rows × 1 outputs\), got one of 1/],
    ['out a number[]', (net) => net.predictInto(new Float32Array(2), [0] as unknown as Float32Array), /out must be a Float32Array of 1 values .*got an array of length 1/],
    ['NaN in x', (net) => net.predictInto(new Float32Array([0, 1, 2, Number.NaN]), new Float32Array(2)), /x\[3\] \(row 1, column 1\) is NaN/],
    ['Infinity in many rows of x', (net) => {
      const x = new Float32Array(200);
      x[151] = -Infinity;
      return net.predictInto(x, new Float32Array(100));
    }, /x\[151\] \(row 75, column 1\) is Infinity/],
  ];

  it.each(CASES)('%s: a SimdnetError, with the network and out unchanged', async (_, call, message) => {
    const net = await Network.create(config);
    const before = weightHash(net);
    const probe = new Float32Array([0.25, -0.5]);
    const answer = net.predict(probe);
    expectNamedError(await failure(() => call(net)), message);
    expect(weightHash(net)).toBe(before);
    expect(bits(net.predict(probe))).toEqual(bits(answer));
    net.dispose();
  });

  it('leaves out untouched when x is refused', async () => {
    const net = await Network.create(config);
    const out = new Float32Array([7, 7]);
    await failure(() => net.predictInto(new Float32Array([1, 2, Number.NaN, 0]), out));
    expect([...out]).toEqual([7, 7]);
    net.dispose();
  });

  it('outputs that overflow float32 are a NonFiniteOutputError naming predictInto and the row', async () => {
    const net = await Network.create({ inputs: 2, layers: [{ units: 1, activation: 'linear' }], loss: 'squaredError' });
    net.setWeights([{ weights: [3e38, 3e38], bias: [0] }]);
    for (const x of [new Float32Array([0.5, -0.5, 1, 1]), new Float32Array([1, 1])]) {
      const error = await failure(() => net.predictInto(x, new Float32Array(x.length / 2)));
      expect(error).toBeInstanceOf(NonFiniteOutputError);
      expect((error as NonFiniteOutputError).row).toBe(x.length === 4 ? 1 : 0);
      expect(error.message).toMatch(/^predictInto: the network's outputs for row \d of x/);
    }
    net.dispose();
  });

  it('throws once the network is disposed', async () => {
    const net = await Network.create(config);
    net.dispose();
    expectNamedError(await failure(() => net.predictInto(new Float32Array(2), new Float32Array(1))), /disposed/);
  });
});
