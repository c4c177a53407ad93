// The SIMD build's blocked GEMM (assembly/gemm.ts: KC = 128 values of p per
// block, MC = 64 rows per A pack, NC = 256 columns per B pack, tiles of 4 or 3
// rows × 8 columns, A packed only when n > 16, Cᵀ computed when n ≤ 16 < m) on
// shapes that cross those boundaries, which
// test/gemm.spec.ts's sizes (k ≤ 129) barely reach. A block of p after the first continues from C's
// stored value, so the SIMD result must equal a float32 emulation of the
// documented order (each element from +0, p ascending) to the bit, as the
// unblocked scalar build must; and C must be written only inside its block.
// The opt-in relaxed build, whose multiply-add the engine may fuse, must equal
// the fused or the unfused summation in the same order to the bit.

import { beforeAll, describe, it } from 'vitest';
import { emulate, MULTIPLY_ADDS } from './support/gemm.js';
import { BUILDS, kernelHeap, type KernelHeap } from './support/kernels.js';
import { expectGuardsIntact, expectSameBitsAsOneOf, guarded, randomF32, seeded } from './support/numeric.js';

const SHAPES: [number, number, number][] = [
  [64, 24, 128], [65, 17, 129], [63, 16, 257], [129, 40, 300], [1, 33, 513],
  [70, 9, 255], [5, 64, 383], [128, 131, 130], [7, 3, 1000], [12, 16, 300], [200, 10, 130],
  [9, 300, 140], [300, 11, 150], [6, 40, 200], [2, 521, 129],
];
const FORMS = ['NN', 'TN', 'NT'] as const;
type Form = (typeof FORMS)[number];

/** Every shape's seeded A (m×k values) and B (k×n values), read by each form in its own layout. */
function* cases(form: Form): Generator<{ m: number; n: number; k: number; a: Float32Array; b: Float32Array; what: string }> {
  for (const [m, n, k] of SHAPES) {
    const rng = seeded(m * 1009 + n * 31 + k);
    yield { m, n, k, a: randomF32(rng, m * k, -2, 2), b: randomF32(rng, k * n, -2, 2), what: `gemm${form} m=${m} n=${n} k=${k}` };
  }
}

/** C of one form computed by a build, after checking that it wrote nothing outside C. */
function product(h: KernelHeap, form: Form, m: number, n: number, k: number, a: Float32Array, b: Float32Array, what: string): Float32Array {
  h.reset();
  const [pa, pb, pc] = [h.f32(a), h.f32(b), guarded(h, m * n)];
  if (form === 'NN') h.k.gemmNN(m, n, k, pa, pb, pc);
  else if (form === 'TN') h.k.gemmTN(m, n, k, pa, pb, pc);
  else h.k.gemmNT(m, n, k, pa, pb, pc, h.zeros(k * n));
  expectGuardsIntact(h, pc, m * n, what);
  return h.read(pc, m * n);
}

// Each build against the float32 emulation of the documented order (test/support/gemm.ts): the
// SIMD and scalar builds to the bit, the relaxed one to the bit of its fused or unfused form.
describe.each(BUILDS)('blocked GEMM across block boundaries (%s build) equals the emulated summation', (backend) => {
  let heap: KernelHeap;
  beforeAll(async () => {
    heap = await kernelHeap(backend);
  });

  it.each(FORMS)('gemm%s', (form) => {
    for (const { m, n, k, a, b, what } of cases(form)) {
      // NN reads A as m×k and B as k×n; TN reads A as k×m; NT reads B as n×k.
      const aAt = form === 'TN' ? (i: number, p: number) => a[p * m + i]! : (i: number, p: number) => a[i * k + p]!;
      const bAt = form === 'NT' ? (p: number, j: number) => b[j * k + p]! : (p: number, j: number) => b[p * n + j]!;
      const emulations = MULTIPLY_ADDS[backend].map((madd) => emulate(m, n, k, aAt, bAt, madd));
      expectSameBitsAsOneOf(product(heap, form, m, n, k, a, b, what), emulations, what);
    }
  });
});
