// assembly/memory.ts's firstNonFinite: the engine's check that staged data is finite.

import { beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, kernelHeap, type KernelHeap } from './support/kernels.js';
import { randomF32, seeded } from './support/numeric.js';

const LARGEST = 3.4028234663852886e38;

describe.each(BACKENDS)('firstNonFinite (%s build)', (backend) => {
  let h: KernelHeap;
  beforeAll(async () => {
    h = await kernelHeap(backend);
  });

  it('is −1 for finite values, the extremes and subnormals included, and for no values', () => {
    h.reset();
    const values = randomF32(seeded(1), 37, -5, 5);
    values.set([LARGEST, -LARGEST, 1.4e-45, -1.4e-45, 0, -0, 1e-40], 9);
    expect(h.k.firstNonFinite(h.f32(values), values.length)).toBe(-1);
    expect(h.k.firstNonFinite(h.f32([NaN]), 0)).toBe(-1);
  });

  // Lengths around the 16- and 4-lane bodies, with the value at every position: in either body
  // and in the tail.
  it.each([NaN, Infinity, -Infinity])('finds %s at every index of arrays of 1 to 37 values', (bad) => {
    for (let n = 1; n <= 37; n++) {
      for (let at = 0; at < n; at++) {
        h.reset();
        const values = randomF32(seeded(n * 100 + at), n, -1, 1);
        values[at] = bad;
        expect(h.k.firstNonFinite(h.f32(values), n), `n=${n}, at ${at}`).toBe(at);
      }
    }
  });

  it('reports the first of several, and looks at count values only', () => {
    h.reset();
    const values = randomF32(seeded(3), 20, -1, 1);
    values[6] = Infinity;
    values[5] = NaN;
    values[17] = NaN;
    const p = h.f32(values);
    expect(h.k.firstNonFinite(p, 20)).toBe(5);
    expect(h.k.firstNonFinite(p + 28, 16)).toBe(10);
    expect(h.k.firstNonFinite(p, 5)).toBe(-1);
    expect(h.k.firstNonFinite(p + 24, 14)).toBe(0);
    expect(h.k.firstNonFinite(p + 28, 10)).toBe(-1);
  });
});
