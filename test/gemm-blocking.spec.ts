// The SIMD build's blocked GEMM (assembly/gemm.ts: KC = 128 values of p per
// block, MC = 64 rows per A pack, 4×8 tiles, A packed only when n > 16, Cᵀ
// computed when n ≤ 16 < m) on shapes that cross those boundaries, which
// test/gemm.spec.ts's sizes (k ≤ 129) barely reach. A block of p after the first continues from C's
// stored value, so the SIMD result must equal the scalar build's, which sums
// each element in the documented order without blocking, to the bit; and C
// must be written only inside its block.

import { beforeAll, describe, it } from 'vitest';
import { kernelHeap, type KernelHeap } from './support/kernels.js';
import { expectGuardsIntact, expectSameBits, guarded, randomF32, seeded } from './support/numeric.js';

const SHAPES: [number, number, number][] = [
  [64, 24, 128], [65, 17, 129], [63, 16, 257], [129, 40, 300], [1, 33, 513],
  [70, 9, 255], [5, 64, 383], [128, 131, 130], [7, 3, 1000], [12, 16, 300], [200, 10, 130],
];

describe('blocked GEMM across block boundaries: SIMD equals scalar to the bit', () => {
  let simd: KernelHeap;
  let scalar: KernelHeap;
  beforeAll(async () => {
    [simd, scalar] = await Promise.all([kernelHeap('simd'), kernelHeap('scalar')]);
  });

  it.each(['NN', 'TN', 'NT'] as const)('gemm%s', (form) => {
    for (const [m, n, k] of SHAPES) {
      const rng = seeded(m * 1009 + n * 31 + k);
      const a = randomF32(rng, m * k, -2, 2);
      const b = randomF32(rng, k * n, -2, 2);
      const what = `gemm${form} m=${m} n=${n} k=${k}`;
      const [fromSimd, fromScalar] = [simd, scalar].map((h) => {
        h.reset();
        const [pa, pb, pc] = [h.f32(a), h.f32(b), guarded(h, m * n)];
        if (form === 'NN') h.k.gemmNN(m, n, k, pa, pb, pc);
        else if (form === 'TN') h.k.gemmTN(m, n, k, pa, pb, pc);
        else h.k.gemmNT(m, n, k, pa, pb, pc, h.zeros(k * n));
        expectGuardsIntact(h, pc, m * n, what);
        return h.read(pc, m * n);
      });
      expectSameBits(fromSimd!, fromScalar!, what);
    }
  });
});
