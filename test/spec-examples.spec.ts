// The worked examples of docs/conventions.md, each with its printed numbers.
// The float64 reference must reproduce every printed digit (within half a unit
// of the last printed place); the float32 engine must agree to float32 precision.

import { describe, expect, it } from 'vitest';
import { gradientCheck, Network } from '../src/index.js';
import type { LayerSpec } from '../src/config.js';
import { readMatrix } from '../src/data.js';
import { engineOf } from '../src/network.js';
import { ReferenceNetwork } from '../src/reference/network.js';
import { Rng } from '../src/random.js';
import { BUILDS } from './support/kernels.js';

/** |actual − printed| ≤ half a unit in the printed value's last decimal place. */
function expectPrinted(actual: number, printed: string): void {
  const decimals = printed.split('.')[1]?.length ?? 0;
  const tolerance = 0.5 * 10 ** -decimals * (1 + 1e-9);
  expect(Math.abs(actual - Number(printed)), `${actual} printed as ${printed}`).toBeLessThanOrEqual(tolerance);
}

/** Float32 engine vs a float64 value: a few float32 rounding steps relative, with an absolute floor. */
function expectFloat32(actual: number, expected: number, relative = 4e-6, absolute = 1e-9): void {
  expect(Math.abs(actual - expected), `${actual} vs ${expected}`).toBeLessThanOrEqual(relative * Math.abs(expected) + absolute);
}

function layerSpec(inputs: number, units: number, activation: LayerSpec['activation'], bias: boolean, trainBias = bias): LayerSpec {
  return { inputs, units, activation, alpha: 0, bias, trainBias };
}

describe.each(BUILDS)('worked example 1: the 2-2-2 sigmoid network (%s)', (backend) => {
  // h1 = w1·i1 + w2·i2 + b1 and h2 = w3·i1 + w4·i2 + b1, so in the row-major
  // inputs × units layout (weights[i*units + j] connects input i to unit j)
  // the hidden weights are [w1, w3, w2, w4]; likewise [w5, w7, w6, w8].
  const hidden = { weights: [0.15, 0.25, 0.2, 0.3], bias: [0.35, 0.35] };
  const output = { weights: [0.4, 0.5, 0.45, 0.55], bias: [0.6, 0.6] };
  const x = [[0.05, 0.1]];
  const y = [[0.01, 0.99]];
  const layers = [
    { units: 2, activation: 'sigmoid', trainBias: false },
    { units: 2, activation: 'sigmoid', trainBias: false },
  ] as const;
  const sgd = { type: 'sgd', learningRate: 0.5 } as const;
  const referenceOf = (): ReferenceNetwork => new ReferenceNetwork(
    [layerSpec(2, 2, 'sigmoid', true, false), layerSpec(2, 2, 'sigmoid', true, false)], 'squaredError', [hidden, output],
  );
  const create = async (): Promise<Network> => {
    const net = await Network.create({ inputs: 2, layers: [...layers], loss: 'squaredError', backend });
    net.setWeights([hidden, output]);
    return net;
  };
  // ∂E/∂w in the order w1..w8, mapped onto the row-major layout above.
  const gradientOrder = (g: { weights: ArrayLike<number> }[]): number[] => {
    const [h, o] = [g[0]!.weights, g[1]!.weights];
    return [h[0]!, h[2]!, h[1]!, h[3]!, o[0]!, o[2]!, o[1]!, o[3]!];
  };
  const printedGradients = [
    '0.000438568', '0.000877135', '0.000497713', '0.000995425',
    '0.082167041', '0.082667628', '-0.022602540', '-0.022740242',
  ];
  const printedStep = [
    '0.149780716', '0.199561432', '0.249751144', '0.299502287',
    '0.358916480', '0.408666186', '0.511301270', '0.561370121',
  ];

  it('forward pass: hidden and output activations, total error', async () => {
    const ref = referenceOf();
    const { a } = ref.forward([0.05, 0.1], 1);
    expectPrinted(a[0]![0]!, '0.593269992');
    expectPrinted(a[0]![1]!, '0.596884378');
    expectPrinted(a[1]![0]!, '0.751365070');
    expectPrinted(a[1]![1]!, '0.772928465');
    expectPrinted(ref.objective([0.05, 0.1], [0.01, 0.99], 1), '0.298371109');

    const net = await create();
    const [o1, o2] = net.predict(x)[0]!;
    expectFloat32(o1!, 0.75136507);
    expectFloat32(o2!, 0.772928465);
    expectFloat32(net.evaluate(x, y).loss, 0.298371109);
    // The hidden layer alone, as a one-layer engine network.
    const first = await Network.create({ inputs: 2, layers: [layers[0]], loss: 'squaredError', backend });
    first.setWeights([hidden]);
    const [h1, h2] = first.predict(x)[0]!;
    expectFloat32(h1!, 0.593269992);
    expectFloat32(h2!, 0.596884378);
    net.dispose();
    first.dispose();
  });

  it('all eight gradients', async () => {
    const reference = gradientOrder(referenceOf().gradient([0.05, 0.1], [0.01, 0.99], 1));
    reference.forEach((g, i) => expectPrinted(g, printedGradients[i]!));

    const net = await create();
    const { grads } = engineOf(net).gradient(readMatrix(x, 'x', 2, ''), readMatrix(y, 'y', 2, ''), 0, 0);
    gradientOrder(grads).forEach((g, i) => expectFloat32(g, Number(printedGradients[i]!), 1e-5, 2e-9));
    // Frozen biases get no gradient.
    expect([...grads[0]!.bias!, ...grads[1]!.bias!]).toEqual([0, 0, 0, 0]);
    net.dispose();
  });

  it('weights and total error after one step of SGD', async () => {
    const ref = referenceOf();
    ref.fit([0.05, 0.1], [0.01, 0.99], 1, { epochs: 1, batchSize: 1, optimizer: sgd });
    gradientOrder(ref.params).forEach((w, i) => expectPrinted(w, printedStep[i]!));
    expectPrinted(ref.objective([0.05, 0.1], [0.01, 0.99], 1), '0.291027774');
    expect([...ref.params[0]!.bias!, ...ref.params[1]!.bias!]).toEqual([0.35, 0.35, 0.6, 0.6]);

    const net = await create();
    await net.fit(x, y, { epochs: 1, batchSize: 1, optimizer: sgd });
    const weights = net.getWeights();
    gradientOrder(weights).forEach((w, i) => expectFloat32(w, Number(printedStep[i]!), 1e-6));
    expect([...weights[0]!.bias!, ...weights[1]!.bias!]).toEqual([0.35, 0.35, 0.6, 0.6].map(Math.fround));
    expectFloat32(net.evaluate(x, y).loss, 0.291027774, 1e-5);
    net.dispose();
  });

  it('error and outputs after 10,000 steps', async () => {
    const ref = referenceOf();
    ref.fit([0.05, 0.1], [0.01, 0.99], 1, { epochs: 10_000, batchSize: 1, optimizer: sgd });
    expectPrinted(ref.objective([0.05, 0.1], [0.01, 0.99], 1) * 1e5, '3.5102');
    const [r1, r2] = ref.predict([0.05, 0.1], 1);
    expectPrinted(r1!, '0.015914');
    expectPrinted(r2!, '0.984064');

    const net = await create();
    const history = await net.fit(x, y, { epochs: 10_000, batchSize: 1, optimizer: sgd });
    expect(history.loss).toHaveLength(10_000);
    const [o1, o2] = net.predict(x)[0]!;
    // A float32 engine lands within 1e-5 of the blog's printed outputs.
    expect(Math.abs(o1! - 0.015912196)).toBeLessThan(1e-5);
    expect(Math.abs(o2! - 0.984065734)).toBeLessThan(1e-5);
    expect(Math.abs(net.evaluate(x, y).loss - 3.5102e-5)).toBeLessThan(1e-7);
    net.dispose();
  });
});

describe.each(BUILDS)('worked example 2: the linear 2-2-1 network without biases (%s)', (backend) => {
  // h1 = w1·i1 + w2·i2, h2 = w3·i1 + w4·i2, out = w5·h1 + w6·h2.
  const start = [{ weights: [0.11, 0.12, 0.21, 0.08] }, { weights: [0.14, 0.15] }];
  const printedStep = ['0.121326', '0.226989', '0.132135', '0.0982025', '0.1743825', '0.169416'];
  const inOrder = (w: { weights: ArrayLike<number> }[]): number[] => {
    const [h, o] = [w[0]!.weights, w[1]!.weights];
    return [h[0]!, h[2]!, h[1]!, h[3]!, o[0]!, o[1]!];
  };

  it('prediction, one step, prediction again', async () => {
    const ref = new ReferenceNetwork(
      [layerSpec(2, 2, 'linear', false), layerSpec(2, 1, 'linear', false)], 'squaredError',
      start.map((p) => ({ ...p, bias: null })),
    );
    expectPrinted(ref.predict([2, 3], 1)[0]!, '0.191');
    ref.fit([2, 3], [1], 1, { epochs: 1, batchSize: 1, optimizer: { type: 'sgd', learningRate: 0.05 } });
    inOrder(ref.params).forEach((w, i) => expectPrinted(w, printedStep[i]!));
    expectPrinted(ref.predict([2, 3], 1)[0]!, '0.2557458');

    const net = await Network.create({
      inputs: 2,
      layers: [{ units: 2, activation: 'linear', bias: false }, { units: 1, activation: 'linear', bias: false }],
      loss: 'squaredError',
      backend,
    });
    net.setWeights(start);
    expectFloat32(net.predict([[2, 3]])[0]![0]!, 0.191);
    await net.fit([[2, 3]], [[1]], { epochs: 1, batchSize: 1, optimizer: { type: 'sgd', learningRate: 0.05 } });
    inOrder(net.getWeights()).forEach((w, i) => expectFloat32(w, Number(printedStep[i]!)));
    expect(net.getWeights().map((l) => l.bias)).toEqual([null, null]);
    expectFloat32(net.predict([[2, 3]])[0]![0]!, 0.2557458);
    net.dispose();
  });
});

describe.each(BUILDS)('worked example 3: 3→2 sigmoid layer with negative log-likelihood (%s)', (backend) => {
  it('one step of size 0.01 lowers the loss, and the gradient matches finite differences', async () => {
    const net = await Network.create({
      inputs: 3, layers: [{ units: 2, activation: 'sigmoid' }], loss: 'categoricalCrossentropy', seed: 3, backend,
    });
    const x = [[2, 4, -2]];
    const y = [[1, 0]];
    const check = gradientCheck(net, x, y);
    expect(check.relativeError).toBeLessThan(1e-4);
    expect(check.parameters).toBe(8);

    // −log σ(z₀) has ∂/∂W[i][0] = (σ(z₀) − 1)·x_i and no dependence on unit 1.
    const [w] = net.getWeights();
    const z0 = 2 * w!.weights[0]! + 4 * w!.weights[2]! - 2 * w!.weights[4]! + w!.bias![0]!;
    const s0 = 1 / (1 + Math.exp(-z0));
    const { grads } = engineOf(net).gradient(readMatrix(x, 'x', 3, ''), readMatrix(y, 'y', 2, ''), 0, 0);
    [2, 4, -2].forEach((xi, i) => {
      expectFloat32(grads[0]!.weights[2 * i]!, (s0 - 1) * xi, 1e-5);
      expect(grads[0]!.weights[2 * i + 1]).toBe(0);
    });
    expectFloat32(net.evaluate(x, y).loss, -Math.log(s0), 1e-5);

    const before = net.evaluate(x, y).loss;
    await net.fit(x, y, { epochs: 1, batchSize: 1, optimizer: { type: 'sgd', learningRate: 0.01 } });
    expect(net.evaluate(x, y).loss).toBeLessThan(before);
    net.dispose();
  });
});

describe('worked example 4: regularised network, full-batch, binary cross-entropy over K outputs', () => {
  const rows = 12;
  const rng = Rng.fromSeed(4);
  const x = Array.from({ length: rows * 5 }, () => rng.uniform() * 2 - 1);
  const y = Array.from({ length: rows * 3 }, () => (rng.uniform() < 0.5 ? 0 : 1));
  const layers = [{ units: 4, activation: 'sigmoid' }, { units: 3, activation: 'sigmoid' }] as const;
  const specs = [layerSpec(5, 4, 'sigmoid', true), layerSpec(4, 3, 'sigmoid', true)];

  it('float64: backpropagation D = (Δ + λΘ)/m agrees with central differences below 1e-4', async () => {
    const net = await Network.create({ inputs: 5, layers: [...layers], loss: 'binaryCrossentropy', seed: 4 });
    const ref = new ReferenceNetwork(specs, 'binaryCrossentropy', net.getWeights());
    for (const l2 of [0, 0.7]) {
      const analytic = ref.gradient(x, y, rows, { l2 }).flatMap((p) => [...p.weights, ...p.bias!]);
      const numeric = ref.numericalGradient(x, y, rows, { l2 }).flatMap((p) => [...p.weights, ...p.bias!]);
      const norm = (v: number[]): number => Math.hypot(...v);
      const diff = norm(analytic.map((a, i) => a - numeric[i]!));
      expect(diff / (norm(analytic) + norm(numeric))).toBeLessThan(1e-4);
    }
    net.dispose();
  });

  it('the L2 term penalises weights but not biases', async () => {
    const net = await Network.create({ inputs: 5, layers: [...layers], loss: 'binaryCrossentropy', seed: 4 });
    const ref = new ReferenceNetwork(specs, 'binaryCrossentropy', net.getWeights());
    const plain = ref.gradient(x, y, rows);
    const regularised = ref.gradient(x, y, rows, { l2: 0.7 });
    regularised.forEach((p, l) => {
      p.weights.forEach((g, i) => expect(g - plain[l]!.weights[i]!).toBeCloseTo((0.7 / rows) * ref.params[l]!.weights[i]!, 12));
      expect([...p.bias!]).toEqual([...plain[l]!.bias!]);
    });
    net.dispose();
  });

  it.each(BUILDS)('float32 engine (%s) agrees with the float64 reference to about 1e-3', async (backend) => {
    const net = await Network.create({ inputs: 5, layers: [...layers], loss: 'binaryCrossentropy', seed: 4, backend });
    for (const l2 of [0, 0.7]) {
      const check = gradientCheck(net, new Float64Array(x), new Float64Array(y), { l2 });
      expect(check.ok).toBe(true);
      expect(check.relativeError).toBeLessThan(1e-3);
    }
    net.dispose();
  });
});

describe('worked example 5: single-neuron networks and deeper ones on the same data', () => {
  // y = 3·x0 − 2·x1 + 0.5·x2 + 1 + small noise; the least-squares answer solves the normal equations.
  const rows = 200;
  const rng = Rng.fromSeed(5);
  const x = new Float32Array(rows * 3).map(() => rng.uniform() * 2 - 1);
  const y = new Float32Array(rows).map((_, r) => 3 * x[3 * r]! - 2 * x[3 * r + 1]! + 0.5 * x[3 * r + 2]! + 1 + 0.05 * rng.normal());

  function leastSquares(): number[] {
    // [X 1]ᵀ[X 1] β = [X 1]ᵀ y, by Gaussian elimination with partial pivoting.
    const n = 4;
    const a = Array.from({ length: n }, () => new Array<number>(n + 1).fill(0));
    for (let r = 0; r < rows; r++) {
      const row = [x[3 * r]!, x[3 * r + 1]!, x[3 * r + 2]!, 1];
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) a[i]![j]! += row[i]! * row[j]!;
        a[i]![n]! += row[i]! * y[r]!;
      }
    }
    for (let c = 0; c < n; c++) {
      const p = a.slice(c).reduce((best, row, i) => (Math.abs(row[c]!) > Math.abs(a[best]![c]!) ? c + i : best), c);
      [a[c], a[p]] = [a[p]!, a[c]!];
      for (let r = 0; r < n; r++) {
        if (r === c) continue;
        const f = a[r]![c]! / a[c]![c]!;
        for (let j = c; j <= n; j++) a[r]![j]! -= f * a[c]![j]!;
      }
    }
    return a.map((row, i) => row[n]! / a[i]![i]!);
  }

  it.each(BUILDS)('linear regression by full-batch gradient descent reaches the least-squares solution (%s)', async (backend) => {
    const net = await Network.create({ inputs: 3, layers: [{ units: 1, activation: 'linear' }], loss: 'squaredError', seed: 5, backend });
    await net.fit(x, y, { epochs: 2000, batchSize: rows, shuffle: false, optimizer: { type: 'sgd', learningRate: 0.5 } });
    const [{ weights, bias }] = net.getWeights() as [{ weights: Float32Array; bias: Float32Array }];
    const solution = leastSquares();
    [...weights, bias[0]!].forEach((w, i) => expect(Math.abs(w - solution[i]!)).toBeLessThan(1e-4));
    expect(Math.abs(solution[0]! - 3)).toBeLessThan(0.05); // the data is what it claims to be
    net.dispose();
  });

  // Two classes separated by a random hyperplane, with 5% of labels flipped.
  const samples = 1000;
  const features = 20;
  const rngC = Rng.fromSeed(55);
  const normal = Array.from({ length: features }, () => rngC.normal());
  const xc = new Float32Array(samples * features).map(() => rngC.normal());
  const yc = new Float32Array(samples).map((_, r) => {
    const side = normal.reduce((s, n, j) => s + n * xc[r * features + j]!, 0) > 0 ? 1 : 0;
    return rngC.uniform() < 0.05 ? 1 - side : side;
  });

  it.each([
    { name: 'logistic regression', layers: [{ units: 1, activation: 'sigmoid' }] },
    { name: 'a two-layer network', layers: [{ units: 8, activation: 'tanh' }, { units: 1, activation: 'sigmoid' }] },
    {
      name: 'a deeper network',
      layers: [{ units: 16, activation: 'relu' }, { units: 8, activation: 'relu' }, { units: 1, activation: 'sigmoid' }],
    },
  ] as const)('$name reaches ≥ 90% train accuracy on 1000 × 20 separable-ish data', async ({ layers }) => {
    const net = await Network.create({ inputs: features, layers: [...layers], loss: 'binaryCrossentropy', seed: 5 });
    const before = net.evaluate(xc, yc);
    await net.fit(xc, yc, { epochs: 300, batchSize: samples, shuffle: false, optimizer: { type: 'sgd', learningRate: 0.5 } });
    const after = net.evaluate(xc, yc);
    expect(after.accuracy).toBeGreaterThanOrEqual(0.9);
    expect(after.loss).toBeLessThan(before.loss / 2);
    net.dispose();
  });
});

describe.each(BUILDS)('worked example 6: XOR (%s)', (backend) => {
  it.each([3, 5])('a 2-%i-1 sigmoid network converges from a seeded random start', async (hidden) => {
    const net = await Network.create({
      inputs: 2, layers: [{ units: hidden, activation: 'sigmoid' }, { units: 1, activation: 'sigmoid' }],
      loss: 'squaredError', seed: 6, backend,
    });
    const x = [[0, 0], [0, 1], [1, 0], [1, 1]];
    const y = [[0], [1], [1], [0]];
    await net.fit(x, y, { epochs: 5000, batchSize: 4, optimizer: { type: 'sgd', learningRate: 2 } });
    const out = net.predict(x).map((r) => r[0]!);
    out.forEach((o, i) => expect(Math.abs(o - y[i]![0]!)).toBeLessThan(0.1));
    expect(net.evaluate(x, y).accuracy).toBe(1);
    net.dispose();
  });
});
