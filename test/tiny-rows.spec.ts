// assembly/tiny.ts trains networks of one or two layers of at most four units row by row under
// plain SGD, outside train.ts's per-batch loop. A fit it takes must give what train.ts's general
// path gives, bit for bit: the weights, every figure of the history, the generator's state, and a
// divergence's error and restored weights. clipValue at float32's largest value changes no
// gradient but sends every batch through the general path, which the comparison stands on.
// Without validation rows the tiny loop also ends epochs itself (all but a call's last), so fits
// of several epochs, and of more epochs than a call reports at once, are compared too.

import { describe, expect, it } from 'vitest';
import { DivergenceError, type FitOptions, Network, type NetworkConfig } from '../src/index.js';
import { trainingCalls } from '../src/engine.js';
import { engineOf } from '../src/network.js';
import { Rng } from '../src/random.js';
import { BACKENDS } from './support/kernels.js';
import { f32Bits as bits } from './support/numeric.js';
import { failure } from './support/untouched.js';

const GENERAL: FitOptions = { clipValue: 3.4e38 };
const rng = Rng.fromSeed(17);
const uniform = (n: number, lo = -1, hi = 1): Float32Array => Float32Array.from({ length: n }, () => lo + (hi - lo) * rng.uniform());

const CONFIGS: [string, NetworkConfig][] = [
  ['2-2-2 sigmoid, squared error', {
    inputs: 2, layers: [{ units: 2, activation: 'sigmoid' }, { units: 2, activation: 'sigmoid' }], loss: 'squaredError', seed: 1,
  }],
  ['2-2-1 linear without biases', {
    inputs: 2, layers: [{ units: 2, activation: 'linear', bias: false }, { units: 1, activation: 'linear', bias: false }], loss: 'squaredError', seed: 2,
  }],
  ['3→2 sigmoid, categorical cross-entropy', { inputs: 3, layers: [{ units: 2, activation: 'sigmoid' }], loss: 'categoricalCrossentropy', seed: 3 }],
  ['5-4-3 leakyRelu and sigmoid, binary cross-entropy, a frozen bias', {
    inputs: 5,
    layers: [{ units: 4, activation: 'leakyRelu', alpha: 0.2, trainBias: false }, { units: 3, activation: 'sigmoid' }],
    loss: 'binaryCrossentropy', seed: 4,
  }],
  ['3-1-4 relu and linear, squared error', {
    inputs: 3, layers: [{ units: 1, activation: 'relu' }, { units: 4, activation: 'linear' }], loss: 'squaredError', seed: 5,
  }],
  // tanh below a delta passed down takes row.ts's fallback, not the lanes.
  ['2-3-2 tanh and sigmoid, binary cross-entropy', {
    inputs: 2, layers: [{ units: 3, activation: 'tanh' }, { units: 2, activation: 'sigmoid' }], loss: 'binaryCrossentropy', seed: 6,
  }],
  // gelu and swish read the Z they keep; softplus and elu their outputs.
  ['3-4-2 gelu and swish, squared error', {
    inputs: 3, layers: [{ units: 4, activation: 'gelu' }, { units: 2, activation: 'swish' }], loss: 'squaredError', seed: 7,
  }],
  ['2-3-3 softplus and elu, squared error', {
    inputs: 2, layers: [{ units: 3, activation: 'softplus' }, { units: 3, activation: 'elu' }], loss: 'squaredError', seed: 8,
  }],
];

// Every shape of two narrow layers over at most four inputs, which tiny.ts keeps in registers,
// with each activation of a lane form in each layer, each loss and each bias setting in turn.
const LANE_ACTIVATIONS = ['sigmoid', 'linear', 'relu', 'leakyRelu'] as const;
const LOSSES = [
  'squaredError', 'binaryCrossentropy', 'meanAbsoluteError', 'huber', 'categoricalCrossentropy', 'sparseCategoricalCrossentropy',
] as const;
const SHAPES: [string, NetworkConfig][] = [];
for (let inputs = 1; inputs <= 4; inputs++) {
  for (let hidden = 1; hidden <= 4; hidden++) {
    for (let outputs = 1; outputs <= 4; outputs++) {
      const i = SHAPES.length;
      const first = LANE_ACTIVATIONS[i % 4]!;
      const last = LANE_ACTIVATIONS[(i >> 2) % 4]!;
      // The categorical losses need two outputs or more.
      const loss = LOSSES[i % (outputs > 1 ? 6 : 4)]!;
      SHAPES.push([`${inputs}-${hidden}-${outputs} ${first} and ${last}, ${loss}`, {
        inputs, loss, seed: 100 + i, ...(loss === 'huber' && { huberDelta: 0.4 }),
        layers: [
          { units: hidden, activation: first, ...(first === 'leakyRelu' && { alpha: 0.1 }), ...(i % 5 === 1 ? { bias: false } : { trainBias: i % 7 !== 2 }) },
          { units: outputs, activation: last, ...(last === 'leakyRelu' && { alpha: 0.3 }), ...(i % 6 === 3 ? { bias: false } : { trainBias: i % 4 !== 1 }) },
        ],
      }]);
    }
  }
}

function dataFor(config: NetworkConfig, rows: number): [Float32Array, Float32Array] {
  const outputs = config.layers.at(-1)!.units;
  const x = uniform(rows * config.inputs, -2, 2);
  if (config.loss === 'sparseCategoricalCrossentropy') return [x, Float32Array.from({ length: rows }, (_, r) => (r * 3) % outputs)];
  const y = new Float32Array(rows * outputs);
  for (let r = 0; r < rows; r++) {
    if (config.loss === 'categoricalCrossentropy') y[r * outputs + (r % outputs)] = 1;
    else for (let j = 0; j < outputs; j++) y[r * outputs + j] = config.loss === 'binaryCrossentropy' ? (r + j) % 2 : rng.uniform();
  }
  return [x, y];
}

// One row an epoch, each update about the cube of the weights: a step overflows while the
// outputs before it are finite.
const BLOWING_UP: NetworkConfig = {
  inputs: 1, layers: [{ units: 1, activation: 'linear' }, { units: 1, activation: 'linear' }], loss: 'squaredError', seed: 3,
};
const BLOW_UP: FitOptions = { epochs: 500, batchSize: 1, optimizer: { type: 'sgd', learningRate: 1.5 } };

const weightBits = (net: Network): Uint32Array => bits(net.getWeights().flatMap((l) => [...l.weights, ...(l.bias ?? [])]));

// A fit from the same start through the tiny loop and through the general path: everything it leaves.
async function bothWays(config: NetworkConfig, x: Float32Array, y: Float32Array, options: FitOptions) {
  const results = [];
  for (const extra of [{}, GENERAL]) {
    const net = await Network.create(config);
    const history = await net.fit(x, y, { batchSize: 1, optimizer: { type: 'sgd', learningRate: 0.2 }, ...options, ...extra });
    // A second fit goes on from the generator and the weights the first left.
    const next = await net.fit(x, y, { epochs: 1, batchSize: 1, optimizer: { type: 'sgd', learningRate: 0.2 }, ...extra });
    results.push({ weights: weightBits(net), history, next });
    net.dispose();
  }
  return results;
}

describe.each(BACKENDS)('tiny networks trained row by row (%s build)', (backend) => {
  it.each(CONFIGS)('%s: the bits of the general path, shuffled or not, with validation rows', async (_, base) => {
    const config = { ...base, backend };
    const [x, y] = dataFor(config, 13);
    for (const options of [
      { epochs: 5, shuffle: false },
      { epochs: 6, shuffle: true },
      { epochs: 4, shuffle: true, validationSplit: 0.25 },
    ] as FitOptions[]) {
      const [tiny, general] = await bothWays(config, x, y, options);
      expect(tiny!.weights).toEqual(general!.weights);
      expect(tiny!.history).toEqual(general!.history);
      expect(tiny!.next).toEqual(general!.next);
      expect(tiny!.history.loss[0]).not.toBe(tiny!.history.loss.at(-1));
    }
  });

  it('the bits of the general path for every shape and lane activation of two narrow layers', async () => {
    for (const [name, base] of SHAPES) {
      const config = { ...base, backend };
      const [x, y] = dataFor(config, 9);
      for (const options of [{ epochs: 3, shuffle: false }, { epochs: 2, shuffle: true }] as FitOptions[]) {
        const [tiny, general] = await bothWays(config, x, y, options);
        expect(tiny, name).toEqual(general);
      }
    }
  });

  it('the bits of the general path however the fit is cut into calls, and with onBatchEnd', async () => {
    const config = { ...CONFIGS[0]![1], backend };
    const [x, y] = dataFor(config, 7);
    const [whole] = await bothWays(config, x, y, { epochs: 6 });
    for (const batches of [1, 3, 5, 9]) {
      trainingCalls.batches = batches;
      try {
        const [cut, general] = await bothWays(config, x, y, { epochs: 6 });
        expect(cut).toEqual(whole);
        expect(general).toEqual(whole);
      } finally {
        trainingCalls.batches = 0;
      }
    }
    const losses: number[][] = [[], []];
    const [tiny, general] = await Promise.all([{}, GENERAL].map(async (extra, i) => {
      const net = await Network.create(config);
      await net.fit(x, y, {
        epochs: 2, batchSize: 1, optimizer: { type: 'sgd', learningRate: 0.2 }, ...extra,
        onBatchEnd: ({ loss }) => void losses[i]!.push(loss),
      });
      return weightBits(net);
    }));
    expect(tiny).toEqual(general);
    expect(losses[0]).toEqual(losses[1]);
    expect(losses[0]).toHaveLength(14);
  });

  it('the bits of the general path over more epochs than one call into wasm reports (1,024)', async () => {
    const config = { ...CONFIGS[0]![1], backend };
    const [x, y] = dataFor(config, 3);
    for (const shuffle of [false, true]) {
      const [tiny, general] = await bothWays(config, x, y, { epochs: 1500, shuffle });
      expect(tiny).toEqual(general);
      expect(tiny!.history.loss).toHaveLength(1500);
    }
  });

  it('diverges as the general path does: the same error and restored weights', async () => {
    const config = { ...CONFIGS[1]![1], backend };
    const x = new Float32Array([1, 2, 3, 4, 5, 6, 7, 8]);
    const y = new Float32Array([1e3, -1e3, 2e3, -2e3]);
    const outcomes = [];
    for (const extra of [{}, GENERAL]) {
      const net = await Network.create(config);
      const error = await failure(() => net.fit(x, y, { epochs: 50, batchSize: 1, optimizer: { type: 'sgd', learningRate: 0.5 }, ...extra }));
      expect(error).toBeInstanceOf(DivergenceError);
      const { epoch, batch, reason, restoredEpoch, history } = error as DivergenceError;
      outcomes.push({ epoch, batch, reason, restoredEpoch, history, weights: weightBits(net) });
      net.dispose();
    }
    expect(outcomes[0]).toEqual(outcomes[1]);
  });

  // BLOWING_UP's parameters fail as an epoch ends, and the network goes back to that epoch's
  // start, which the tiny loop saved from its registers.
  it('diverges on its parameters at an epoch\'s end as the general path does', async () => {
    const outcomes = [];
    for (const extra of [{}, GENERAL]) {
      const net = await Network.create({ ...BLOWING_UP, backend });
      const error = await failure(() => net.fit(new Float32Array([1]), new Float32Array([0.5]), { ...BLOW_UP, ...extra }));
      expect(error).toBeInstanceOf(DivergenceError);
      const { epoch, batch, reason, restoredEpoch, history } = error as DivergenceError;
      outcomes.push({ epoch, batch, reason, restoredEpoch, history, weights: weightBits(net) });
      net.dispose();
    }
    expect(outcomes[0]).toEqual(outcomes[1]);
    expect(outcomes[0]!.reason).toBe('parameters');
    expect(outcomes[0]!.restoredEpoch).toBe(outcomes[0]!.epoch);
    expect(outcomes[0]!.epoch).toBeGreaterThan(2);
  });

  // The snapshots may take over memory that held anything, and the tiny loop saves only the
  // tensors: the restored epoch (counted from 1 in the error) is one whose start it saved.
  it('leaves the gaps between parameter tensors zero when it puts back an epoch start it saved', async () => {
    const net = await Network.create({ ...BLOWING_UP, backend });
    const { arena } = engineOf(net);
    const dirty = arena.heap.alloc(2 ** 20, 'a dirty block');
    arena.heap.f32.fill(Number.NaN, dirty / 4, (dirty + 2 ** 20) / 4);
    arena.heap.free(dirty);
    // One call from the start, so that every epoch after the first begins in the tiny loop.
    trainingCalls.batches = 1000;
    try {
      const error = await failure(() => net.fit(new Float32Array([1]), new Float32Array([0.5]), BLOW_UP));
      expect((error as DivergenceError).restoredEpoch % 2).toBe(0);
    } finally {
      trainingCalls.batches = 0;
    }
    const [first, second] = net.getWeights();
    // Each tensor of one float starts a 16-byte row of the parameter block (src/arena.ts).
    const block = [...arena.f32.subarray(arena.params / 4, arena.params / 4 + arena.paramCount)];
    expect(block).toEqual([first!.weights[0], 0, 0, 0, first!.bias![0], 0, 0, 0, second!.weights[0], 0, 0, 0, second!.bias![0], 0, 0, 0]);
    net.dispose();
  });
});

it('gives the bits of one thread on two', async () => {
  const [, base] = CONFIGS[3]!;
  const [x, y] = dataFor(base, 11);
  const trained = [];
  for (const threads of [1, 2]) {
    const net = await Network.create({ ...base, threads });
    const history = await net.fit(x, y, { epochs: 3, batchSize: 1, optimizer: { type: 'sgd', learningRate: 0.2 } });
    trained.push({ weights: weightBits(net), history });
    net.dispose();
  }
  expect(trained[1]).toEqual(trained[0]);
});
