// bench/ceiling.ts's tinyRowLoop stands in the benchmark report as the floor for a 2-2-2 network
// trained row by row: the library's arithmetic with none of its overhead. That holds only while it
// computes the library's bits.

import { describe, expect, it } from 'vitest';
import { ceilingExports } from '../bench/gemm.mjs';
import { Network } from '../src/index.js';
import { expectSameBits } from './support/numeric.js';

describe("the benchmark's floor for a 2-2-2 network trained row by row", () => {
  it('tinyRowLoop trains a 2-2-2 sigmoid network row by row to the bits Network.fit gives', async () => {
    const net = await Network.create({
      inputs: 2,
      layers: [{ units: 2, activation: 'sigmoid' }, { units: 2, activation: 'sigmoid' }],
      loss: 'squaredError',
      seed: 11,
    });
    const x = [0, 0, 0, 1, 1, 0, 1, 1];
    const y = [0, 1, 1, 0, 1, 0, 0, 1];
    const lr = Math.fround(0.5);
    const epochs = 300;
    const initial = net.getWeights();
    // One f32x4 per row of W1, b1, W2, b2, lanes past the two units zero; then x and y.
    const start = initial.flatMap(({ weights, bias }) =>
      [weights.subarray(0, 2), weights.subarray(2, 4), bias!].flatMap((row) => [...row, 0, 0]));
    const floor = await ceilingExports('simd');
    const data = floor.heapBase();
    const floats = new Float32Array(floor.memory.buffer, data, floor.TINY_ROW_DATA_FLOATS.value);
    floats.set([...start, ...x, ...y]);
    floor.tinyRowLoop(4 * epochs, data, lr);
    const fromFloor = [0, 1, 2, 3, 4, 5].flatMap((row) => [floats[4 * row]!, floats[4 * row + 1]!]);

    await net.fit(new Float32Array(x), new Float32Array(y), { epochs, batchSize: 1, shuffle: false, optimizer: { type: 'sgd', learningRate: lr } });
    const flat = (layers: typeof initial): number[] => layers.flatMap(({ weights, bias }) => [...weights, ...bias!]);
    expectSameBits(fromFloor, flat(net.getWeights()), 'tinyRowLoop against fit');
    expect(fromFloor).not.toEqual(flat(initial));
  });
});
