// The playground's page-free modules in Node: the JavaScript forward pass it draws every unit
// with against the library's own predict, the settings and their URL, when training stops, and
// how numbers are printed. test/playground.spec.ts drives the pages themselves in Chromium.

import { describe, expect, it } from 'vitest';
import { formatEpoch, formatNumber, formatPercent, formatTick } from '../examples/playground/format.js';
import { layerOutputs } from '../examples/playground/forward.js';
import {
  checkSettings, DEFAULTS, formatLayers, type HiddenLayer, OPTIMIZERS, parseLayers, readHash, writeHash,
} from '../examples/playground/settings.js';
import { MIN_IMPROVEMENT, PATIENCE, PERFECT_EPOCHS, stoppingRule } from '../examples/playground/stopping.js';
import { ACTIVATIONS } from '../src/activations.js';
import { type Activation, Network } from '../src/index.js';

describe('forward.js', () => {
  const rows = 37;
  const input = Float32Array.from({ length: rows * 2 }, (_, i) => Math.sin(i * 1.7) * 1.3);
  // A layer of every activation, of widths 2 to 7, and a leakyRelu layer of a slope of its own.
  const hidden: { units: number; activation: Activation; alpha?: number }[] = [
    ...ACTIVATIONS.map((activation, l) => ({ units: 2 + (l % 6), activation })),
    { units: 4, activation: 'leakyRelu', alpha: 0.2 },
  ];

  it("gives every layer's outputs as a network of the layers up to it predicts them, for every activation", async () => {
    const net = await Network.create({
      inputs: 2, layers: [...hidden, { units: 1, activation: 'sigmoid' }], loss: 'binaryCrossentropy', seed: 3,
    });
    const weights = net.getWeights();
    const outputs = layerOutputs(net.config.layers, weights, input, rows);
    for (let l = 0; l < net.config.layers.length; l++) {
      const prefix = await Network.create({ inputs: 2, layers: net.config.layers.slice(0, l + 1), loss: 'squaredError' });
      prefix.setWeights(weights.slice(0, l + 1));
      const expected = prefix.predict(input);
      const got = outputs[l]!;
      expect(got.length).toBe(expected.length);
      for (let i = 0; i < got.length; i++) expect(Math.abs(got[i]! - expected[i]!)).toBeLessThan(1e-5);
      prefix.dispose();
    }
    net.dispose();
  });
});

describe('settings.js', () => {
  const changed = {
    ...DEFAULTS, dataset: 'xor', noise: '0.1', seed: '42', layers: '3 relu, 2 leakyRelu(0.3)', optimizer: 'sgd',
    learningRate: '0.3', l2: '0.001', batchSize: '20', speed: 'full', maxEpochs: '500', stopAtConvergence: 'no',
  };

  it('reads back from the URL exactly the fields it wrote, invalid ones included', () => {
    for (const fields of [DEFAULTS, changed, { ...DEFAULTS, learningRate: 'abc', layers: '8 tanh, x' }]) {
      expect(readHash(writeHash(fields))).toEqual({ fields, unknown: [] });
    }
    expect(readHash('#seed=7&colour=red')).toEqual({ fields: { ...DEFAULTS, seed: '7' }, unknown: ['colour'] });
  });

  it('reads and writes hidden layers as "<units> <activation>", comma-separated', () => {
    const layers: HiddenLayer[] = [{ units: 8, activation: 'tanh' }, { units: 4, activation: 'leakyRelu', alpha: 0.2 }];
    expect(parseLayers('8 tanh,4  leakyRelu(0.2)')).toEqual({ layers });
    expect(parseLayers(formatLayers(layers))).toEqual({ layers });
    expect(parseLayers('  ')).toEqual({ layers: [] });
  });

  it('names what is wrong with each field instead of changing it', () => {
    const problems = (fields: Record<string, string>) => checkSettings({ ...DEFAULTS, ...fields }).problems;
    expect(problems({ layers: 'abc' }).layers!.error).toMatch(/layer 1: "abc" is not "<units> <activation>"/);
    expect(problems({ layers: '8 tanh, 9 relu' }).layers!.error).toMatch(/layer 2: "9" units/);
    expect(problems({ layers: '8 tanh, 4 mish' }).layers!.error).toMatch(/unknown activation "mish"/);
    expect(problems({ layers: '1 softmax' }).layers!.error).toMatch(/softmax layer needs at least 2 units/);
    expect(problems({ layers: '8 tanh(0.2)' }).layers!.error).toMatch(/only leakyRelu takes a slope/);
    expect(problems({ learningRate: 'abc' }).learningRate!.error).toBe('"abc" is not a number');
    expect(problems({ learningRate: '0' }).learningRate!.error).toBe('must be above 0');
    expect(problems({ batchSize: '2.5' }).batchSize!.error).toBe('2.5 is not a whole number');
    expect(problems({ noise: '0.7' }).noise!.error).toBe('must be at most 0.5');
    expect(problems({ dataset: 'moons' }).dataset!.error).toMatch(/"moons" is not one of spiral, xor, circle, gaussians/);
    expect(checkSettings({ ...DEFAULTS, seed: '-1' }).settings).toBeNull();
  });

  it('warns of settings the library accepts but that are unlikely to train', () => {
    const { settings, problems } = checkSettings({ ...DEFAULTS, learningRate: '50', batchSize: '300', l2: '5' });
    expect(settings?.training).toEqual({ optimizer: 'adam', learningRate: 50, l2: 5, batchSize: 300 });
    expect(problems.learningRate!.warning).toMatch(/50 is high for adam/);
    expect(problems.batchSize!.warning).toMatch(/more than the 200 training points/);
    expect(problems.l2!.warning).toMatch(/underfit/);
    expect(checkSettings(DEFAULTS).problems).toEqual({});
  });
  it.each(OPTIMIZERS)('offers %s, which the library trains with and which warns of a rate far too high', async (optimizer) => {
    const { settings } = checkSettings({ ...DEFAULTS, optimizer });
    const net = await Network.create({ inputs: 2, layers: [{ units: 3, activation: 'tanh' }, { units: 1, activation: 'sigmoid' }], loss: 'binaryCrossentropy', seed: 1 });
    const before = net.getWeights();
    const { learningRate } = settings!.training;
    await net.fit([[0, 1], [1, 0]], [[1], [0]], { epochs: 1, optimizer: { type: optimizer as 'adam', learningRate } });
    expect(net.getWeights()).not.toEqual(before);
    net.dispose();
    expect(checkSettings({ ...DEFAULTS, optimizer, learningRate: '1e6' }).problems.learningRate!.warning).toMatch(`is high for ${optimizer}`);
  });
});

describe('stopping.js', () => {
  const pace = { stopAtConvergence: true, maxEpochs: null };
  const run = (rule: ReturnType<typeof stoppingRule>, records: { accuracy: number; valAccuracy: number; valLoss: number }[], from = 1) =>
    records.map((record, i) => rule.check({ epoch: from + i, ...record }, pace)).findIndex(Boolean) + from;

  it(`stops once every point has been right for ${PERFECT_EPOCHS} epochs`, () => {
    const records = Array.from({ length: 400 }, (_, i) => ({ accuracy: i < 50 ? 0.9 : 1, valAccuracy: 1, valLoss: 1 / (i + 1) }));
    expect(run(stoppingRule(0), records)).toBe(50 + PERFECT_EPOCHS);
  });

  it(`stops when the validation loss has not improved by ${MIN_IMPROVEMENT * 100} % for ${PATIENCE} epochs`, () => {
    // The best comes at epoch 30; later losses improve on it by less than the margin.
    const records = Array.from({ length: 600 }, (_, i) => ({
      accuracy: 0.9, valAccuracy: 0.9, valLoss: i < 30 ? 1 - i / 100 : 0.71 * (1 - MIN_IMPROVEMENT / 2),
    }));
    expect(run(stoppingRule(0), records)).toBe(30 + PATIENCE);
    const stop = stoppingRule(0);
    records.slice(0, 30 + PATIENCE).forEach((r, i) => stop.check({ epoch: i + 1, ...r }, pace));
    expect(stop.check({ epoch: 30 + PATIENCE, ...records[0]! }, pace)?.message).toMatch(/best \(0\.71 at epoch 30\)/);
  });

  it('stops at the epoch limit, and only there when convergence is not wanted', () => {
    const rule = stoppingRule(0);
    const perfect = { accuracy: 1, valAccuracy: 1, valLoss: 0.5 };
    for (let epoch = 1; epoch < 300; epoch++) expect(rule.check({ epoch, ...perfect }, { stopAtConvergence: false, maxEpochs: 300 })).toBeNull();
    expect(rule.check({ epoch: 300, ...perfect }, { stopAtConvergence: false, maxEpochs: 300 })).toEqual({
      reason: 'epochLimit', message: 'reached the limit of 300 epochs.',
    });
  });
});

describe('format.js', () => {
  it('prints three significant digits, in exponent form when small, never 0.0000', () => {
    expect([0.693147, 0.0123456, 0.001, 0.00012345, 1e-7, 2.5e-12, 0, 12345, 1].map(formatNumber)).toEqual([
      '0.693', '0.0123', '0.001', '1.23e-4', '1e-7', '2.5e-12', '0', '1.23e4', '1',
    ]);
    expect([1, 0.975, 0.5].map(formatPercent)).toEqual(['100 %', '97.5 %', '50.0 %']);
  });

  it('prints epochs and axis ticks in full, however many', () => {
    expect([0, 286, 12345, 3.25].map(formatEpoch)).toEqual(['0', '286', '12,345', '3.25']);
    expect([0, 0.5, 20000, 0.1 + 0.2].map(formatTick)).toEqual(['0', '0.5', '20,000', '0.3']);
  });
});
