// Backpropagation against finite differences: the float64 reference's own
// analytic gradient, and the wasm engine's float32 gradient (gradientCheck),
// for every hidden activation × output activation × loss among the first six
// activations, and each later one as the hidden activation before an output
// suited to each loss and as the output after tanh with every loss, without a
// penalty, with L2, with L1 and with row weights (whose subgradient at 0 no
// random weight meets), with trained, frozen and no biases. Then the float32
// gradient against the float64 reference's on odd shapes, for every activation
// with every loss.

import { describe, expect, it } from 'vitest';
import { gradientCheck, Network } from '../src/index.js';
import { type Activation, ACTIVATIONS, type Loss, LOSSES, parseNetworkConfig } from '../src/config.js';
import { ReferenceNetwork } from '../src/reference/network.js';
import { Rng } from '../src/random.js';
import { readMatrix } from '../src/data.js';
import { engineOf } from '../src/network.js';
import { readTargets } from '../src/targets.js';

const INPUTS = 4;
const HIDDEN = 5;
const OUTPUTS = 3;
const ROWS = 6;
/** One weight per row, a zero among them. */
const ROW_WEIGHTS = [0.5, 2, 0, 1, 3, 1.5];
const BIAS_MODES = [
  { name: 'trained bias', bias: true, trainBias: true },
  { name: 'frozen bias', bias: true, trainBias: false },
  { name: 'no bias', bias: false, trainBias: false },
] as const;

function targets(loss: Loss, rng: Rng): Float64Array {
  if (loss === 'sparseCategoricalCrossentropy') return Float64Array.from({ length: ROWS }, () => rng.below(OUTPUTS));
  const y = new Float64Array(ROWS * OUTPUTS);
  for (let r = 0; r < ROWS; r++) {
    if (loss === 'categoricalCrossentropy') y[r * OUTPUTS + rng.below(OUTPUTS)] = 1;
    else for (let j = 0; j < OUTPUTS; j++) y[r * OUTPUTS + j] = loss === 'binaryCrossentropy' ? rng.below(2) : rng.uniform();
  }
  return y;
}

// Two regimes: the seeded default initialisation with signed inputs (every
// kink and negative slope in play), and small positive weights and inputs that
// keep every output inside (0, 1), so cross-entropy on an unbounded output
// activation is not simply clamped to a zero gradient.
const REGIMES = ['signed', 'positive'] as const;

async function build(
  hidden: Activation, output: Activation, loss: Loss, mode: (typeof BIAS_MODES)[number], regime: (typeof REGIMES)[number],
): Promise<{ net: Network; x: Float64Array; y: Float64Array }> {
  const rng = Rng.fromSeed(ACTIVATIONS.indexOf(hidden) * 100 + ACTIVATIONS.indexOf(output) * 10 + LOSSES.indexOf(loss));
  const { bias, trainBias } = mode;
  const net = await Network.create({
    inputs: INPUTS,
    layers: [
      { units: HIDDEN, activation: hidden, bias, trainBias, ...(hidden === 'leakyRelu' ? { alpha: 0.1 } : {}) },
      { units: OUTPUTS, activation: output, bias, trainBias, ...(output === 'leakyRelu' ? { alpha: 0.1 } : {}) },
    ],
    loss,
    seed: 7,
  });
  const x = new Float64Array(ROWS * INPUTS).map(() => (regime === 'signed' ? rng.uniform() * 4 - 2 : 0.1 + 0.9 * rng.uniform()));
  if (regime === 'positive') {
    net.setWeights(net.getWeights().map(({ weights, bias: b }) => ({
      weights: weights.map(() => 0.02 + 0.13 * rng.uniform()),
      bias: b && b.map(() => 0.05 * rng.uniform()),
    })));
  } else if (bias) {
    net.setWeights(net.getWeights().map(({ weights, bias: b }) => ({ weights, bias: b!.map(() => rng.uniform() - 0.5) })));
  }
  return { net, x, y: targets(loss, rng) };
}

const FIRST_SIX = ACTIVATIONS.slice(0, 6);
const OUTPUTS_WITH_LOSS = [
  ['linear', 'squaredError'], ['sigmoid', 'binaryCrossentropy'], ['softmax', 'categoricalCrossentropy'],
  ['linear', 'meanAbsoluteError'], ['linear', 'huber'], ['softmax', 'sparseCategoricalCrossentropy'],
] as const;
const combinations = [
  ...FIRST_SIX.flatMap((hidden) => FIRST_SIX.flatMap((output) => LOSSES.map((loss) => ({ hidden, output, loss })))),
  ...ACTIVATIONS.slice(6).flatMap((activation) => [
    ...OUTPUTS_WITH_LOSS.map(([output, loss]) => ({ hidden: activation, output: output as Activation, loss: loss as Loss })),
    ...LOSSES.map((loss) => ({ hidden: 'tanh' as Activation, output: activation, loss })),
  ]),
];

describe.each(combinations)('hidden $hidden → output $output with $loss', ({ hidden, output, loss }) => {
  it.each(BIAS_MODES)('$name, no penalty, L2 0.5, L1 0.3 and weighted rows, both weight regimes', async (mode) => {
    for (const regime of REGIMES) {
      const { net, x, y } = await build(hidden, output, loss, mode, regime);
      const spec = parseNetworkConfig(net.config);
      const reference = new ReferenceNetwork(spec.layers, loss, net.getWeights());
      for (const penalty of [{}, { l2: 0.5 }, { l1: 0.3 }, { sampleWeight: ROW_WEIGHTS }]) {
        const label = `${regime}, ${JSON.stringify(penalty)}`;
        // float64: the reference's backpropagation against its own central differences.
        const analytic = reference.gradient(x, y, ROWS, penalty);
        const numeric = reference.numericalGradient(x, y, ROWS, penalty);
        const close = (g: number, n: number, name: string): void => {
          expect(Math.abs(g - n), `${label} ${name}: ${g} vs ${n}`).toBeLessThanOrEqual(1e-6 * (1 + Math.abs(n)));
        };
        analytic.forEach((p, l) => {
          p.weights.forEach((g, i) => close(g, numeric[l]!.weights[i]!, `layer ${l} w${i}`));
          if (mode.trainBias) p.bias!.forEach((g, i) => close(g, numeric[l]!.bias![i]!, `layer ${l} b${i}`));
        });

        // float32 engine against the same differences.
        const check = gradientCheck(net, x, y, penalty);
        expect(check.relativeError, label).toBeLessThan(1e-3);
        expect(check.layers.map((layer) => layer.bias === null), label).toEqual([!mode.trainBias, !mode.trainBias]);
        expect(check.parameters).toBe(INPUTS * HIDDEN + HIDDEN * OUTPUTS + (mode.trainBias ? HIDDEN + OUTPUTS : 0));
        if (regime === 'positive') expect(gradientNorm(analytic), `${label}: a gradient worth checking`).toBeGreaterThan(1e-4);
      }
      net.dispose();
    }
  });
});

// 45-65-33-7 on a batch of 37, every activation with every loss (softmax as the output, the others
// as both hidden layers before the output the loss suits), rows weighted and not; and 131 inputs
// (beyond a GEMM panel of 128) to 9 units, each activation with one loss in turn: the engine's
// float32 gradient within 1e-3 of the reference's float64 one, relative to its size.
const outputFor = (loss: Loss): Activation =>
  (loss.endsWith('ategoricalCrossentropy') ? 'softmax' : loss === 'binaryCrossentropy' ? 'sigmoid' : 'linear');

async function oddGradients(activation: Activation, loss: Loss, inputs: number, widths: readonly number[], weighted: boolean): Promise<void> {
  const rows = 37;
  const net = await Network.create({
    inputs,
    layers: widths.map((units, l) => ({
      units,
      activation: l === widths.length - 1 ? (activation === 'softmax' ? 'softmax' : outputFor(loss)) : activation === 'softmax' ? 'tanh' : activation,
    })),
    loss,
    ...(loss === 'huber' ? { huberDelta: 0.4 } : {}),
    seed: 11,
  });
  const rng = Rng.fromSeed(inputs * 100 + LOSSES.indexOf(loss));
  const x = Float64Array.from({ length: rows * inputs }, () => Math.fround(rng.uniform() * 4 - 2));
  const outputs = widths.at(-1)!;
  let y: Float64Array;
  if (loss === 'sparseCategoricalCrossentropy') y = Float64Array.from({ length: rows }, () => rng.below(outputs));
  else if (loss === 'categoricalCrossentropy') {
    y = new Float64Array(rows * outputs);
    for (let r = 0; r < rows; r++) y[r * outputs + rng.below(outputs)] = 1;
  } else if (loss === 'binaryCrossentropy') y = Float64Array.from({ length: rows * outputs }, () => rng.below(2));
  else y = Float64Array.from({ length: rows * outputs }, () => Math.fround(rng.uniform() * 2 - 1));
  const sampleWeight = weighted ? Float32Array.from({ length: rows }, () => 3 * rng.uniform()) : undefined;
  const engine = engineOf(net);
  const xs = readMatrix(x, 'x', inputs, '');
  const { grads: got, rowWeights } = engine.gradient(xs, readTargets(y, 'y', xs, 'x', outputs, loss), 0, 0, sampleWeight && engine.rowWeighting(sampleWeight, undefined, rows));
  const spec = parseNetworkConfig(net.config);
  const want = new ReferenceNetwork(spec.layers, loss, net.getWeights(), spec.huberDelta).gradient(x, y, rows, { sampleWeight: rowWeights });
  const difference = Math.hypot(...want.flatMap((g, l) => [
    ...g.weights.map((w, i) => w - got[l]!.weights[i]!), ...g.bias!.map((b, i) => b - got[l]!.bias![i]!),
  ]));
  const size = Math.hypot(...want.flatMap((g) => [...g.weights, ...g.bias!]));
  const what = `${activation} ${loss}${weighted ? ' weighted' : ''}`;
  expect(size, what).toBeGreaterThan(1e-3);
  expect(difference / size, what).toBeLessThan(1e-3);
  net.dispose();
}

describe.each(ACTIVATIONS)('%s on odd shapes', (activation) => {
  it.each(LOSSES)('45 inputs to layers of [65, 33, 7] units, batch 37: %s, rows weighted and not', async (loss) => {
    for (const weighted of [false, true]) await oddGradients(activation, loss, 45, [65, 33, 7], weighted);
  });

  const loss = LOSSES[ACTIVATIONS.indexOf(activation) % LOSSES.length]!;
  it(`131 inputs to layers of [9, 5] units, batch 37: ${loss}`, async () => {
    await oddGradients(activation, loss, 131, [9, 5], false);
  });
});

function gradientNorm(grads: { weights: Float64Array }[]): number {
  return Math.hypot(...grads.flatMap((g) => [...g.weights]));
}

describe('the L1 term', () => {
  it('adds λ1·Σ|w|/m to the objective and (λ1/m)·sign(w) to each weight\'s gradient, nothing to a bias\'s', async () => {
    const net = await Network.create({
      inputs: INPUTS, layers: [{ units: HIDDEN, activation: 'tanh' }, { units: OUTPUTS, activation: 'sigmoid' }], loss: 'binaryCrossentropy', seed: 3,
    });
    // One weight exactly 0, whose subgradient is 0.
    net.setWeights(net.getWeights().map(({ weights, bias }, l) => ({ weights: weights.map((w, i) => (l === 0 && i === 2 ? 0 : w)), bias })));
    const rng = Rng.fromSeed(31);
    const x = Float64Array.from({ length: ROWS * INPUTS }, () => rng.uniform() * 2 - 1);
    const y = targets('binaryCrossentropy', rng);
    const l1 = 0.3;
    const engine = engineOf(net);
    const [xs, ys] = [readMatrix(x, 'x', INPUTS, ''), readMatrix(y, 'y', OUTPUTS, '')];
    const plain = engine.gradient(xs, ys, 0, 0);
    const penalised = engine.gradient(xs, ys, 0, l1);
    const weights = net.getWeights();
    const absolutes = weights.reduce((sum, { weights: w }) => sum + w.reduce((s, v) => s + Math.abs(v), 0), 0);
    expect(penalised.objective - plain.objective).toBeCloseTo((l1 * absolutes) / ROWS, 6);
    weights.forEach(({ weights: w }, l) => {
      w.forEach((v, i) => {
        const added = penalised.grads[l]!.weights[i]! - plain.grads[l]!.weights[i]!;
        expect(Math.abs(added - (l1 / ROWS) * Math.sign(v)), `layer ${l} w${i}`).toBeLessThan(1e-6);
      });
      expect(penalised.grads[l]!.bias).toEqual(plain.grads[l]!.bias);
    });
    expect(penalised.grads[0]!.weights[2]).toBe(plain.grads[0]!.weights[2]);
    net.dispose();
  });
});

describe('gradientCheck', () => {
  it('reports a failure when the error exceeds the tolerance', async () => {
    const net = await Network.create({ inputs: 2, layers: [{ units: 2, activation: 'tanh' }], loss: 'squaredError', seed: 1 });
    const result = gradientCheck(net, [[0.3, -0.7]], [[1, 0]], { tolerance: 0 });
    expect(result.relativeError).toBeGreaterThan(0); // float32 vs float64 never agree exactly
    expect(result.ok).toBe(false);
    net.dispose();
  });

  it('rejects unknown options and mismatched rows', async () => {
    const net = await Network.create({ inputs: 2, layers: [{ units: 1, activation: 'sigmoid' }], loss: 'squaredError' });
    expect(() => gradientCheck(net, [[0, 1]], [[1]], { lambda: 1 } as never)).toThrow(/lambda/);
    expect(() => gradientCheck(net, [[0, 1]], [[1], [0]])).toThrow(/rows/);
    expect(() => gradientCheck(net, [[0, 1]], [[1]], { step: 0 })).toThrow(/step/);
    net.dispose();
  });

  it('names what it was given in place of a network, and a disposed one', async () => {
    for (const notANetwork of [undefined, null, 3, {}]) {
      expect(() => gradientCheck(notANetwork as never, [[0, 1]], [[1]])).toThrow(/^expected a Network, got /);
    }
    const net = await Network.create({ inputs: 2, layers: [{ units: 1, activation: 'sigmoid' }], loss: 'squaredError' });
    net.dispose();
    expect(() => gradientCheck(net, [[0, 1]], [[1]])).toThrow('this network has been disposed');
  });
});
