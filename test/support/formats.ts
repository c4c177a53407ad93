// What the ONNX and TF.js tests share: a network for every activation, and the comparisons.

import { expect } from 'vitest';
import { type Activation, ACTIVATIONS } from '../../src/config.js';
import { type LayerConfig, Network, type NetworkConfig } from '../../src/index.js';
import type { Rng } from '../../src/random.js';

/** Every activation of the library in a hidden layer, and at the output of a network without biases. */
export const ACTIVATION_CASES: { name: string; config: NetworkConfig }[] = ACTIVATIONS.flatMap((activation: Activation) => {
  const layer = (units: number, bias: boolean): LayerConfig => ({
    units, activation, bias, ...(activation === 'leakyRelu' ? { alpha: 0.2 } : {}),
  });
  return [
    { name: `${activation} hidden`, config: { inputs: 5, layers: [layer(7, true), { units: 3, activation: 'linear' }], loss: 'squaredError' } },
    { name: `${activation} output, no bias`, config: { inputs: 4, layers: [{ units: 6, activation: 'tanh', bias: false }, layer(3, false)], loss: 'squaredError' } },
  ];
});

/** Rows of uniform values in [-2, 2), flat. */
export const randomRows = (rng: Rng, rows: number, width: number): Float32Array =>
  Float32Array.from({ length: rows * width }, () => rng.uniform() * 4 - 2);

/** The bytes of a float32 array (null stays null), for bit-exact comparisons. */
export const bytesOf = (a: Float32Array | null): number[] | null =>
  (a ? Array.from(new Uint8Array(a.buffer, a.byteOffset, a.byteLength)) : null);

/** Asserts actual agrees with expected within 1e-5 relative (of 1 for values smaller than 1). */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>): void {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i]! - expected[i]!) / Math.max(1, Math.abs(expected[i]!)));
  expect(worst).toBeLessThan(1e-5);
}

/** Asserts that a network of config comes back through a format with its layers and bit-identical weights and biases. */
export async function expectRoundTrip(config: NetworkConfig, through: (net: Network) => Promise<Network>): Promise<void> {
  const net = await Network.create({ ...config, seed: 12 });
  const back = await through(net);
  try {
    expect(back.config.layers).toEqual(net.config.layers.map((l) => ({ ...l, trainBias: l.bias })));
    const weights = net.getWeights();
    back.getWeights().forEach((layer, l) => {
      expect(bytesOf(layer.weights)).toEqual(bytesOf(weights[l]!.weights));
      expect(bytesOf(layer.bias)).toEqual(bytesOf(weights[l]!.bias));
    });
  } finally {
    net.dispose();
    back.dispose();
  }
}
