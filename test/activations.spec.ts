// The activation table (src/activations.ts) itself, and the part of it the library exports:
// the kernel tests (activation.spec.ts) hold each entry's kernel to its reference.

import { describe, expect, it } from 'vitest';
import * as abi from '../src/abi.js';
import { activationEntry, ACTIVATIONS } from '../src/activations.js';
import { activationFunction, SimdnetError } from '../src/index.js';

describe('the activation table', () => {
  it('gives each activation an ACT_ constant of src/abi.ts of its own, and every ACT_ constant to one activation', () => {
    const ids = ACTIVATIONS.map((a) => activationEntry(a).id).sort((a, b) => a - b);
    const constants = Object.entries(abi).filter(([name]) => name.startsWith('ACT_')).map(([, value]) => value).sort((a, b) => a - b);
    expect(ids).toEqual(constants);
  });

  it('describes each activation in one line short enough for the CLI help', () => {
    for (const activation of ACTIVATIONS) {
      const { description } = activationEntry(activation);
      expect(description, activation).toMatch(/^[^\n]{1,40}$/);
    }
  });
});

describe('activationFunction', () => {
  // Values from the definitions (docs/conventions.md), worked by hand.
  const CASES: [Parameters<typeof activationFunction>[0], number | undefined, number, number][] = [
    ['linear', undefined, -2.5, -2.5],
    ['sigmoid', undefined, 0, 0.5],
    ['sigmoid', undefined, Math.log(3), 0.75],
    ['tanh', undefined, 0, 0],
    ['relu', undefined, -2, 0],
    ['relu', undefined, 3, 3],
    ['leakyRelu', undefined, -2, -0.02],
    ['leakyRelu', 0.3, -2, -0.6],
    ['leakyRelu', 0.3, 4, 4],
    ['elu', undefined, Math.log(0.25), -0.75],
    ['selu', undefined, 2, 2 * 1.0507009873554805],
    ['gelu', undefined, 0, 0],
    ['gelu', undefined, 40, 40],
    ['gelu', undefined, -40, 0],
    ['softplus', undefined, 0, Math.LN2],
    ['softplus', undefined, Math.log(3), Math.log(4)],
    ['swish', undefined, Math.log(3), Math.log(3) * 0.75],
    ['softsign', undefined, 1, 0.5],
    ['softsign', undefined, -3, -0.75],
    ['hardSigmoid', undefined, 1, 0.7],
    ['hardSigmoid', undefined, -3, 0],
    ['hardSigmoid', undefined, 3, 1],
  ];

  it.each(CASES)('%s (α = %s) at %f is %f', (activation, alpha, z, want) => {
    expect(activationFunction(activation, alpha)(z)).toBeCloseTo(want, 14);
  });

  it('refuses softmax, an unknown name and a bad slope with a SimdnetError naming the problem', () => {
    expect(() => activationFunction('softmax')).toThrow(SimdnetError);
    expect(() => activationFunction('softmax')).toThrow(/'softmax' acts on whole rows.*'linear', 'sigmoid'/);
    expect(() => activationFunction('relu6' as 'relu')).toThrow(/activation must be 'linear', .* got "relu6"/);
    expect(() => activationFunction('leakyRelu', -1)).toThrow(/alpha .*-1/);
    expect(() => activationFunction('leakyRelu', NaN)).toThrow(SimdnetError);
  });
});
