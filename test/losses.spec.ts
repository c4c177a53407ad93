// The losses beyond squared error and the cross-entropies, class-index targets and row weights,
// through the whole network: gradient checks on odd shapes, the sparse loss against categorical
// cross-entropy on the one-hot rows, weighted training against the float64 reference, the same
// bits on every build and thread count, their errors, and their JSON.

import { describe, expect, it } from 'vitest';
import { type FitOptions, gradientCheck, Network, type NetworkConfig } from '../src/index.js';
import { type Loss, LOSSES, parseNetworkConfig } from '../src/config.js';
import { readMatrix } from '../src/data.js';
import { parseClassWeight } from '../src/fit-options.js';
import { stagingBudget } from '../src/engine.js';
import { engineOf } from '../src/network.js';
import { readTargets } from '../src/targets.js';
import { oneHot } from '../src/reference/ops.js';
import { ReferenceNetwork } from '../src/reference/network.js';
import { Rng } from '../src/random.js';
import { BACKENDS, RELAXED } from './support/kernels.js';
import { expectNamedError, expectUntouched, failure, weightHash } from './support/untouched.js';
import { disposedAfterAll } from './support/networks.js';

const { network, keep } = disposedAfterAll();

const uniform = (rng: Rng, n: number, lo: number, hi: number): Float32Array =>
  Float32Array.from({ length: n }, () => lo + (hi - lo) * rng.uniform());

/** Targets each loss takes for rows × classes outputs: class indices for the sparse loss. */
function targetsFor(loss: Loss, rng: Rng, rows: number, classes: number): Float32Array {
  if (loss === 'sparseCategoricalCrossentropy') return Float32Array.from({ length: rows }, () => rng.below(classes));
  if (loss === 'categoricalCrossentropy') return Float32Array.from(oneHot(Array.from({ length: rows }, () => rng.below(classes)), classes));
  if (loss === 'binaryCrossentropy') return Float32Array.from({ length: rows * classes }, () => rng.below(2));
  return uniform(rng, rows * classes, -1, 1);
}

const outputActivation = (loss: Loss) => (loss.endsWith('ategoricalCrossentropy') ? 'softmax' : loss === 'binaryCrossentropy' ? 'sigmoid' : 'linear');

// 45-65-33-7 has thousands of parameters, too many for float64 central differences in a unit test:
// its float32 gradient is compared with the reference's backpropagation, which gradient.spec.ts
// checks against central differences for every loss; 131-9-5 goes through gradientCheck itself.
describe('gradients on odd shapes, every loss, rows weighted and not', () => {
  const build = async (loss: Loss, sizes: number[], rows: number) => {
    const [inputs, ...units] = sizes;
    const rng = Rng.fromSeed(rows * 100 + LOSSES.indexOf(loss));
    const net = await network({
      inputs: inputs!,
      layers: units.map((u, l) => ({ units: u, activation: l + 1 < units.length ? 'tanh' : outputActivation(loss) })),
      loss,
      ...(loss === 'huber' ? { huberDelta: 0.4 } : {}),
      seed: 5,
    });
    const classes = units.at(-1)!;
    const x = uniform(rng, rows * inputs!, -1, 1);
    const y = targetsFor(loss, rng, rows, classes);
    const sampleWeight = uniform(rng, rows, 0, 3);
    const classWeight = Array.from({ length: classes }, (_, c) => 0.5 + c / 2);
    return { net, x, y, variants: [{}, { sampleWeight }, { sampleWeight, classWeight }, { l2: 0.2 }] };
  };

  it.each(LOSSES)('45-65-33-7, 37 rows: %s, against the float64 backpropagation', async (loss) => {
    const { net, x, y, variants } = await build(loss, [45, 65, 33, 7], 37);
    const engine = engineOf(net);
    const spec = engine.spec;
    const xs = readMatrix(x, 'x', 45, '');
    const ys = readTargets(y, 'y', xs, 'x', 7, loss);
    for (const variant of variants) {
      const what = `${loss} ${Object.keys(variant).join(', ')}`;
      const { l2 = 0 } = variant as { l2?: number };
      const weighting = engine.rowWeighting(
        (variant as { sampleWeight?: Float32Array }).sampleWeight, parseClassWeight((variant as { classWeight?: number[] }).classWeight), 37,
      );
      const { grads, rowWeights } = engine.gradient(xs, ys, l2, 0, weighting);
      const reference = new ReferenceNetwork(spec.layers, loss, net.getWeights(), spec.huberDelta);
      const want = reference.gradient(Float64Array.from(x), Float64Array.from(y), 37, { l2, sampleWeight: rowWeights });
      let diff2 = 0;
      let norm2 = 0;
      grads.forEach((g, l) => {
        g.weights.forEach((v, i) => {
          diff2 += (v - want[l]!.weights[i]!) ** 2;
          norm2 += want[l]!.weights[i]! ** 2;
        });
        g.bias!.forEach((v, i) => {
          diff2 += (v - want[l]!.bias![i]!) ** 2;
          norm2 += want[l]!.bias![i]! ** 2;
        });
      });
      expect(norm2, `${what}: a gradient worth checking`).toBeGreaterThan(1e-8);
      expect(Math.sqrt(diff2 / norm2), what).toBeLessThan(1e-4);
    }
  });

  it.each(LOSSES)('131-9-5, 11 rows (more than 128 inputs): %s, against central differences', async (loss) => {
    const { net, x, y, variants } = await build(loss, [131, 9, 5], 11);
    for (const variant of variants) {
      const check = gradientCheck(net, x, y, variant);
      expect(check.relativeError, `${loss} ${Object.keys(variant).join(', ')}`).toBeLessThan(1e-3);
    }
  });
});

describe('sparseCategoricalCrossentropy', () => {
  const ROWS = 90;
  const rng = Rng.fromSeed(12);
  const X = uniform(rng, ROWS * 6, -1, 1);
  const LABELS = Int32Array.from({ length: ROWS }, (_, r) => (r * 7 + Math.floor(X[r * 6]! * 3 + 3)) % 4);
  const ONE_HOT = Float32Array.from(oneHot(LABELS, 4));
  const config = (loss: Loss): NetworkConfig => ({
    inputs: 6, layers: [{ units: 9, activation: 'relu' }, { units: 4, activation: 'softmax' }], loss, seed: 3,
  });
  const FIT: FitOptions = {
    epochs: 6, batchSize: 16, optimizer: { type: 'adam', learningRate: 0.02 }, validationSplit: { fraction: 0.2, shuffle: true },
    earlyStopping: { monitor: 'valAccuracy', patience: 2, restoreBestWeights: true },
  };

  it('trains to the bits of categorical cross-entropy on the one-hot rows: weights, history, evaluation', async () => {
    const sparse = await network(config('sparseCategoricalCrossentropy'));
    const dense = await network(config('categoricalCrossentropy'));
    const histories = [await sparse.fit(X, LABELS, FIT), await dense.fit(X, ONE_HOT, FIT)];
    expect(histories[0]).toEqual(histories[1]);
    expect(histories[0]!.valAccuracy!.length).toBe(histories[0]!.epochs);
    expect(weightHash(sparse)).toBe(weightHash(dense));
    expect(sparse.evaluate(X, LABELS)).toEqual(dense.evaluate(X, ONE_HOT));
  });

  it('takes class indices as an Int32Array, a Uint8Array, a number[] or a Float32Array, all alike', async () => {
    const results = [];
    for (const labels of [LABELS, Uint8Array.from(LABELS), Array.from(LABELS), Float32Array.from(LABELS)]) {
      const net = await network(config('sparseCategoricalCrossentropy'));
      await net.fit(X, labels, { epochs: 2, batchSize: 8, validationData: [X.subarray(0, 60), labels.slice(0, 10)] });
      results.push({ weights: weightHash(net), evaluation: net.evaluate(X, labels) });
    }
    for (const result of results.slice(1)) expect(result).toEqual(results[0]);
  });

  it('counts a row right when the arg-max of its outputs is its class index', async () => {
    const net = await network(config('sparseCategoricalCrossentropy'));
    const outputs = net.predict(X);
    let right = 0;
    for (let r = 0; r < ROWS; r++) {
      const row = Array.from(outputs.subarray(r * 4, r * 4 + 4));
      if (row.indexOf(Math.max(...row)) === LABELS[r]) right++;
    }
    expect(net.evaluate(X, LABELS).accuracy).toBe(right / ROWS);
  });

  it('says which loss takes which targets, and leaves the network as it was', async () => {
    const sparseConfig = config('sparseCategoricalCrossentropy');
    const sparse = await network(sparseConfig);
    const before = weightHash(sparse);
    expectNamedError(await failure(() => sparse.fit(X, ONE_HOT)), /360 values, 4 for each of 90 rows of x.*one class index per row; for one-hot rows use loss 'categoricalCrossentropy'/);
    expectNamedError(await failure(() => sparse.fit(X, Array.from({ length: ROWS }, (_, r) => [LABELS[r]!]))), /given as rows.*one class index per row/);
    expectNamedError(await failure(() => sparse.fit(X, LABELS.map((c) => c + 1))), /is 4; .*a whole number from 0 to 3/);
    expectNamedError(await failure(() => sparse.fit(X, Float32Array.from(LABELS, (c) => c + 0.5))), /is 0\.5|is 1\.5|is 2\.5|is 3\.5/);
    expectNamedError(await failure(() => sparse.fit(X, LABELS.subarray(1))), /x has 90 rows but y has 89/);
    await expectUntouched(sparse, before, sparseConfig, X, LABELS);

    const dense = await network(config('categoricalCrossentropy'));
    expectNamedError(await failure(() => dense.fit(X, Array.from(LABELS))), /90 values, one for each row of x: class indices need loss 'sparseCategoricalCrossentropy'/);
    expectNamedError(await failure(() => dense.fit(X, LABELS)), /Int32Array, which holds class indices for loss 'sparseCategoricalCrossentropy'/);
    expectNamedError(await failure(() => dense.evaluate(X, Uint8Array.from(LABELS))), /Uint8Array/);
  });

  it('needs at least two output units', async () => {
    expectNamedError(
      await failure(() => Network.create({ inputs: 2, layers: [{ units: 1, activation: 'sigmoid' }], loss: 'sparseCategoricalCrossentropy' })),
      /'sparseCategoricalCrossentropy' needs an output layer of at least 2 units/,
    );
  });
});

describe('row weights', () => {
  const ROWS = 40;
  const rng = Rng.fromSeed(77);
  const X = uniform(rng, ROWS * 5, -1, 1);
  const Y = Float32Array.from(oneHot(Array.from({ length: ROWS }, (_, r) => (r % 5) % 3), 3));
  const CONFIG: NetworkConfig = {
    inputs: 5, layers: [{ units: 8, activation: 'tanh' }, { units: 3, activation: 'softmax' }], loss: 'categoricalCrossentropy', seed: 9,
  };
  const FIT: FitOptions = { epochs: 3, batchSize: 7, optimizer: { type: 'adam', learningRate: 0.05 } };

  it('all ones give the bits of no weights', async () => {
    const [plain, ones] = [await network(CONFIG), await network(CONFIG)];
    const histories = [await plain.fit(X, Y, FIT), await ones.fit(X, Y, { ...FIT, sampleWeight: new Array(ROWS).fill(1) })];
    expect(histories[1]).toEqual(histories[0]);
    expect(weightHash(ones)).toBe(weightHash(plain));
  });

  it('classWeight weighs each row by its class: the bits of the same weights given per row', async () => {
    const classWeight = { 0: 0.25, 2: 4 };
    const byRow = Array.from({ length: ROWS }, (_, r) => [0.25, 1, 4][(r % 5) % 3]! * (r % 2 ? 2 : 1));
    const [byClass, bySample] = [await network(CONFIG), await network(CONFIG)];
    const sampleWeight = Array.from({ length: ROWS }, (_, r) => (r % 2 ? 2 : 1));
    const histories = [
      await byClass.fit(X, Y, { ...FIT, sampleWeight, classWeight, validationSplit: 0.25 }),
      await bySample.fit(X, Y, { ...FIT, sampleWeight: byRow, validationSplit: 0.25 }),
    ];
    expect(histories[0]).toEqual(histories[1]);
    expect(weightHash(byClass)).toBe(weightHash(bySample));
    const asArray = await network(CONFIG);
    await asArray.fit(X, Y, { ...FIT, sampleWeight, classWeight: [0.25, 1, 4], validationSplit: 0.25 });
    expect(weightHash(asArray)).toBe(weightHash(byClass));
  });

  it('train as the float64 reference trains with the same weights (the weighted sum divided by the rows)', async () => {
    const net = await network(CONFIG);
    const sampleWeight = Array.from({ length: ROWS }, (_, r) => (r * 0.37) % 2);
    const reference = new ReferenceNetwork(parseNetworkConfig(CONFIG).layers, 'categoricalCrossentropy', net.getWeights());
    const optimizer = { type: 'sgd', learningRate: 0.3 } as const;
    await net.fit(X, Y, { epochs: 4, batchSize: 9, shuffle: false, optimizer, sampleWeight });
    reference.fit(X, Y, ROWS, { epochs: 4, batchSize: 9, optimizer, sampleWeight });
    net.getWeights().forEach(({ weights, bias }, l) => {
      weights.forEach((w, i) => expect(Math.abs(w - reference.params[l]!.weights[i]!)).toBeLessThan(1e-5));
      bias!.forEach((b, i) => expect(Math.abs(b - reference.params[l]!.bias![i]!)).toBeLessThan(1e-5));
    });
    // A row of weight 0 teaches nothing: the same fit without it gives the same weights.
    const zeroed = sampleWeight.map((w, r) => (r === 0 ? 0 : w));
    const [withRow, withoutRow] = [await network(CONFIG), await network(CONFIG)];
    await withRow.fit(X, Y, { epochs: 1, batchSize: ROWS, shuffle: false, optimizer, sampleWeight: zeroed });
    // Full batch: dropping row 0 changes the divisor from 40 to 39, so its weights scale to match.
    await withoutRow.fit(X.subarray(5), Y.subarray(3), {
      epochs: 1, batchSize: ROWS - 1, shuffle: false, optimizer: { type: 'sgd', learningRate: (0.3 * (ROWS - 1)) / ROWS },
      sampleWeight: zeroed.slice(1),
    });
    withRow.getWeights().forEach(({ weights }, l) => {
      weights.forEach((w, i) => expect(Math.abs(w - withoutRow.getWeights()[l]!.weights[i]!)).toBeLessThan(1e-6));
    });
  });

  it('are checked before anything changes', async () => {
    const net = await network(CONFIG);
    const before = weightHash(net);
    expectNamedError(await failure(() => net.fit(X, Y, { sampleWeight: [1, 2] })), /sampleWeight has 2 weights but x has 40 rows/);
    expectNamedError(await failure(() => net.fit(X, Y, { sampleWeight: new Array(ROWS).fill(1).fill(-1, 3, 4) })), /sampleWeight\[3\] is -1/);
    expectNamedError(await failure(() => net.fit(X, Y, { sampleWeight: new Array(ROWS).fill(NaN) })), /sampleWeight\[0\] is NaN/);
    expectNamedError(await failure(() => net.fit(X, Y, { sampleWeight: 'heavy' as never })), /sampleWeight must be/);
    expectNamedError(await failure(() => net.fit(X, Y, { classWeight: { 3: 1 } })), /classWeight has class 3, but the output has 3 classes/);
    expectNamedError(await failure(() => net.fit(X, Y, { classWeight: { cats: 1 } as never })), /classWeight has the key "cats"/);
    expectNamedError(await failure(() => net.fit(X, Y, { classWeight: [1, -2] })), /classWeight\[1\]/);
    await expectUntouched(net, before, CONFIG, X, Y);
  });
});

describe('the same bits on every build and thread count', () => {
  const ROWS = 150;
  const INPUTS = 257;
  const rng = Rng.fromSeed(5);
  const X = uniform(rng, ROWS * INPUTS, -1, 1);
  // Each with a second, narrow network trained row by row: one row of at most four outputs takes
  // the SIMD build's vector form of the output delta.
  const CASES: { loss: Loss; units: number; y: Float32Array; narrow: { activation: 'tanh' | 'linear' | 'sigmoid'; y: Float32Array } }[] = [
    { loss: 'meanAbsoluteError', units: 3, y: uniform(rng, ROWS * 3, -1, 1), narrow: { activation: 'tanh', y: uniform(rng, ROWS * 4, -1, 1) } },
    { loss: 'huber', units: 3, y: uniform(rng, ROWS * 3, -2, 2), narrow: { activation: 'linear', y: uniform(rng, ROWS * 4, -2, 2) } },
    {
      loss: 'sparseCategoricalCrossentropy', units: 7, y: Float32Array.from({ length: ROWS }, (_, r) => r % 7),
      narrow: { activation: 'sigmoid', y: Float32Array.from({ length: ROWS }, (_, r) => r % 4) },
    },
  ];
  const FIT: FitOptions = {
    epochs: 2, batchSize: 32, validationSplit: 0.1, sampleWeight: Array.from({ length: ROWS }, (_, r) => 0.5 + (r % 4)),
  };
  // One row: the single-row path, whose vector form the SIMD build takes for narrow outputs.
  const ROW_FIT: FitOptions = { epochs: 2, batchSize: 1, optimizer: { type: 'sgd', learningRate: 0.01 }, sampleWeight: FIT.sampleWeight };

  it.each(CASES)('$loss, rows weighted, batches of 32 and of 1', async ({ loss, units, y, narrow }) => {
    const runs: { backend: string; threads: number }[] = [
      ...BACKENDS.map((backend) => ({ backend, threads: 1 })),
      ...(RELAXED ? [{ backend: 'relaxed', threads: 1 }] : []),
      { backend: 'simd', threads: 2 }, { backend: 'simd', threads: 3 }, { backend: 'simd', threads: 4 },
    ];
    const outcomes = [];
    for (const { backend, threads } of runs) {
      const config: NetworkConfig = {
        inputs: INPUTS,
        layers: [{ units: 130, activation: 'relu' }, { units, activation: loss === 'huber' ? 'linear' : loss === 'meanAbsoluteError' ? 'tanh' : 'softmax' }],
        loss, seed: 4, backend: backend as NetworkConfig['backend'], threads,
        ...(loss === 'huber' ? { huberDelta: 0.5 } : {}),
      };
      const net = await network(config);
      const history = await net.fit(X, y, FIT);
      const single = await network({ ...config, inputs: 5, layers: [{ units: 3, activation: 'sigmoid' }, { units: 4, activation: narrow.activation }] });
      await single.fit(X.subarray(0, ROWS * 5), narrow.y, ROW_FIT);
      // Without weights, the tiny network's row loop (assembly/tiny.ts) trains it.
      const tiny = await network({ ...config, inputs: 5, layers: [{ units: 3, activation: 'sigmoid' }, { units: 4, activation: narrow.activation }] });
      await tiny.fit(X.subarray(0, ROWS * 5), narrow.y, { ...ROW_FIT, sampleWeight: undefined });
      outcomes.push({ history, weights: weightHash(net), single: weightHash(single), tiny: weightHash(tiny), evaluation: net.evaluate(X, y) });
    }
    // The relaxed build may round its matrix products differently; everything else is the same bits.
    const exact = outcomes.filter((_, i) => runs[i]!.backend !== 'relaxed');
    for (const outcome of exact.slice(1)) expect(outcome).toEqual(exact[0]);
  });
});

describe('huberDelta', () => {
  it('sets where the loss turns linear: the loss of outputs against targets, with the default 1', async () => {
    const layers = [{ units: 2, activation: 'linear' as const, bias: false }];
    const net = await network({ inputs: 1, layers, loss: 'huber', huberDelta: 2 });
    net.setWeights([{ weights: [1, 1] }]);
    // Errors 0.5 and 3: δ = 2 gives 0.125 + 2·(3 − 1) = 4.125; δ = 1 gives 0.125 + 2.5 = 2.625.
    expect(net.evaluate([[3]], [[2.5, 0]]).loss).toBe(4.125);
    const standard = await network({ inputs: 1, layers, loss: 'huber' });
    standard.setWeights([{ weights: [1, 1] }]);
    expect(standard.evaluate([[3]], [[2.5, 0]]).loss).toBe(2.625);
    expect(standard.config.huberDelta).toBe(1);
    const mae = await network({ inputs: 1, layers, loss: 'meanAbsoluteError' });
    mae.setWeights([{ weights: [1, 1] }]);
    expect(mae.evaluate([[3]], [[2.5, 0]]).loss).toBe(3.5);
  });

  it('is checked, and belongs to the Huber loss alone', async () => {
    const base = { inputs: 1, layers: [{ units: 1, activation: 'linear' as const }] };
    expectNamedError(await failure(() => Network.create({ ...base, loss: 'huber', huberDelta: 0 })), /config\.huberDelta must be a finite number > 0/);
    expectNamedError(await failure(() => Network.create({ ...base, loss: 'squaredError', huberDelta: 1 })), /huberDelta applies only to loss 'huber'/);
  });

  it('round-trips through JSON with the loss; files without it load with the default', async () => {
    const net = await network({ inputs: 2, layers: [{ units: 2, activation: 'linear' }], loss: 'huber', huberDelta: 0.3, seed: 2 });
    const json = net.toJSON();
    expect(json.huberDelta).toBe(0.3);
    const copy = await Network.fromJSON(JSON.stringify(json));
    keep(copy);
    expect(copy.config).toEqual(net.config);
    expect(weightHash(copy)).toBe(weightHash(net));
    const { huberDelta: _, ...older } = json;
    const defaulted = await Network.fromJSON(older);
    keep(defaulted);
    expect(defaulted.config.huberDelta).toBe(1);
    for (const loss of ['meanAbsoluteError', 'sparseCategoricalCrossentropy'] as const) {
      const other = await network({ inputs: 2, layers: [{ units: 2, activation: 'softmax' }], loss });
      expect(other.toJSON()).not.toHaveProperty('huberDelta');
      const back = await Network.fromJSON(other.toJSON());
      keep(back);
      expect(back.config.loss).toBe(loss);
    }
  });
});

describe('beyond the staging budget', () => {
  it('class indices staged a window at a time, or streamed, train to the bits of staging them whole, weighted by class and row', async () => {
    const rng = Rng.fromSeed(19);
    const x = uniform(rng, 200 * 6, -1, 1);
    const labels = Int32Array.from({ length: 200 }, (_, r) => r % 3);
    const config: NetworkConfig = {
      inputs: 6, layers: [{ units: 5, activation: 'tanh' }, { units: 3, activation: 'softmax' }], loss: 'sparseCategoricalCrossentropy', seed: 6,
    };
    const fit: FitOptions = { epochs: 2, batchSize: 16, validationSplit: 0.1 };
    const sampleWeight = Array.from({ length: 200 }, (_, r) => 1 + (r % 5) / 4);
    const weighted: FitOptions = { ...fit, sampleWeight, classWeight: { 0: 3, 2: 0.5 } };
    const [whole, wholeWeighted] = [await network(config), await network(config)];
    const wholeHistory = await whole.fit(x, labels, fit);
    const weightedHistory = await wholeWeighted.fit(x, labels, weighted);
    expect(weightHash(wholeWeighted)).not.toBe(weightHash(whole));
    const budget = stagingBudget.bytes;
    stagingBudget.bytes = 1024;
    try {
      const windowed = await network(config);
      expect(await windowed.fit(x, labels, fit)).toEqual(wholeHistory);
      expect(weightHash(windowed)).toBe(weightHash(whole));
      expect(windowed.evaluate(x, labels)).toEqual(whole.evaluate(x, labels));
      const windowedWeighted = await network(config);
      expect(await windowedWeighted.fit(x, labels, weighted)).toEqual(weightedHistory);
      expect(weightHash(windowedWeighted)).toBe(weightHash(wholeWeighted));
      // A dataset's batches of class indices: the bits of fit without shuffling, batch for batch,
      // the classes weighted from the labels.
      const [streamed, unshuffled] = [await network(config), await network(config)];
      const batches = Array.from({ length: 10 }, (_, b) => ({
        x: x.subarray(b * 120, (b + 1) * 120), y: labels.subarray(b * 20, (b + 1) * 20), sampleWeight: sampleWeight.slice(b * 20, (b + 1) * 20),
      }));
      const classWeight = [0.25, 2];
      await streamed.fitDataset(batches, { epochs: 2, classWeight });
      await unshuffled.fit(x, labels, { epochs: 2, batchSize: 20, shuffle: false, sampleWeight, classWeight });
      expect(weightHash(streamed)).toBe(weightHash(unshuffled));
    } finally {
      stagingBudget.bytes = budget;
    }
  });
});
