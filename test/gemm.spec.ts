// assembly/gemm.ts against the float64 reference (src/reference/ops.ts).
//
// Tolerance: C[i][j] = Σ_p a(i,p)·b(p,j) summed in float32 with one rounded
// multiply and one rounded add per term is within γ_k·Σ_p |a(i,p)|·|b(p,j)|
// of the exact sum (Higham, Accuracy and Stability, eq. 3.5), with
// γ_k = k·u/(1 − k·u), u = 2^-24. The float64 reference adds k·2^-52 of the
// same magnitude at most. Inputs are float32, so the reference sees exactly
// the kernel's inputs.
//
// gemm.ts also documents its summation order (from +0, p = 0, 1, …, k−1); a
// float32 emulation of that order must match to the bit. The relaxed build's
// multiply-add may be fused (one rounding per term) or not, as the engine
// chooses: it must match the fused or the unfused emulation. The fused terms
// keep the same bound.
//
// gemm overwrites C (it is not C += A·B): C holds the guard sentinel
// (−1234.5678) beforehand, so any accumulation into it would show.

import { beforeAll, describe, expect, it } from 'vitest';
import * as ref from '../src/reference/ops.js';
import type { Backend } from '../src/wasm/load.js';
import { emulate, MULTIPLY_ADDS, type MulAdd } from './support/gemm.js';
import { BUILDS, kernelHeap, type KernelHeap } from './support/kernels.js';
import {
  expectClose, expectGuardsIntact, expectSameBits, expectSameBitsAsOneOf, expectUnchanged, gamma, guarded, randomF32,
  seeded, SENTINEL_BITS, snapshot, U,
} from './support/numeric.js';

const DIMS = [1, 3, 5, 7, 17, 129];
// The SIMD kernel's tile is 4 rows × 8 columns: sizes at, below, above and multiples of it.
const TILE_DIMS = [3, 4, 8, 9, 12, 16, 33];
const TILE_K = [1, 4, 9];

const cube = (ms: number[], ns: number[], ks: number[]): [number, number, number][] =>
  ms.flatMap((m) => ns.flatMap((n) => ks.map((k): [number, number, number] => [m, n, k])));

const ODD_SHAPES = cube(DIMS, DIMS, DIMS);
const TILE_SHAPES = cube(TILE_DIMS, TILE_DIMS, TILE_K);

const absAll = (x: ArrayLike<number>): Float64Array => Float64Array.from(x, Math.abs);

/** The product's error bound per element: γ_k·(|A|·|B|) plus the float64 reference's own error. */
const bound = (magnitudes: Float64Array, k: number) => (i: number) => (gamma(k) + k * 2 ** -52) * magnitudes[i]!;

type Form = 'NN' | 'TN' | 'NT';

/**
 * Runs one product form on random m×n×k data and checks it: tolerance against the reference,
 * bit-exact against the documented order, overwrite of C, guards around C, inputs untouched.
 */
function checkForm(heap: KernelHeap, backend: Backend, form: Form, m: number, n: number, k: number, seed: number): void {
  heap.reset();
  const rng = seeded(seed);
  const a = randomF32(rng, m * k);
  const b = randomF32(rng, k * n);
  const what = `gemm${form} m=${m} n=${n} k=${k}`;
  const pa = guarded(heap, a.length, a);
  const pb = guarded(heap, b.length, b);
  const pc = guarded(heap, m * n); // starts as the sentinel: accumulating into C would show
  const aBefore = snapshot(heap, pa, a.length);
  const bBefore = snapshot(heap, pb, b.length);

  let want: Float64Array;
  let magnitudes: Float64Array;
  let exact: (madd: MulAdd) => Float32Array;
  if (form === 'NN') {
    // A is m×k, B is k×n.
    heap.k.gemmNN(m, n, k, pa, pb, pc);
    want = ref.matmul(a, b, m, k, n);
    magnitudes = ref.matmul(absAll(a), absAll(b), m, k, n);
    exact = (madd) => emulate(m, n, k, (i, p) => a[i * k + p]!, (p, j) => b[p * n + j]!, madd);
  } else if (form === 'TN') {
    // A is k×m, B is k×n.
    heap.k.gemmTN(m, n, k, pa, pb, pc);
    want = ref.matmulTransA(a, b, k, m, n);
    magnitudes = ref.matmulTransA(absAll(a), absAll(b), k, m, n);
    exact = (madd) => emulate(m, n, k, (i, p) => a[p * m + i]!, (p, j) => b[p * n + j]!, madd);
  } else {
    // A is m×k, B is n×k; scratch holds Bᵀ (k×n floats; the heap adds the 32 readable bytes).
    const scratch = heap.zeros(k * n);
    heap.k.gemmNT(m, n, k, pa, pb, pc, scratch);
    want = ref.matmulTransB(a, b, m, k, n);
    magnitudes = ref.matmulTransB(absAll(a), absAll(b), m, k, n);
    exact = (madd) => emulate(m, n, k, (i, p) => a[i * k + p]!, (p, j) => b[j * k + p]!, madd);
  }
  const got = heap.read(pc, m * n);
  expectClose(got, want, bound(magnitudes, k), `${what} vs float64 reference`);
  expectSameBitsAsOneOf(got, MULTIPLY_ADDS[backend].map(exact), `${what} vs float32 emulation of the documented summation order`);
  expectGuardsIntact(heap, pc, m * n, what);
  expectUnchanged(heap, pa, aBefore, `${what}: A`);
  expectUnchanged(heap, pb, bBefore, `${what}: B`);
}

describe.each(BUILDS)('%s build', (backend) => {
  let heap: KernelHeap;
  beforeAll(async () => {
    heap = await kernelHeap(backend);
  });

  describe.each(['NN', 'TN', 'NT'] as const)('gemm%s', (form) => {
    it.each(DIMS)(`every n, k in {${DIMS}} for m = %i`, (m) => {
      for (const [mm, n, k] of ODD_SHAPES) if (mm === m) checkForm(heap, backend, form, m, n, k, 1000 * m + 10 * n + k);
    });

    it('tile boundaries: m, n in {3,4,8,9,12,16,33}, k in {1,4,9}', () => {
      for (const [m, n, k] of TILE_SHAPES) checkForm(heap, backend, form, m, n, k, 7 + m * n * k);
    });

    it('a product with k = 0 is a zero matrix (C overwritten, not left alone)', () => {
      heap.reset();
      const pa = heap.f32([1]);
      const pb = heap.f32([1]);
      const pc = guarded(heap, 3 * 5);
      const scratch = heap.zeros(8);
      if (form === 'NN') heap.k.gemmNN(3, 5, 0, pa, pb, pc);
      else if (form === 'TN') heap.k.gemmTN(3, 5, 0, pa, pb, pc);
      else heap.k.gemmNT(3, 5, 0, pa, pb, pc, scratch);
      expectSameBits(heap.read(pc, 15), new Float32Array(15), `gemm${form} k=0`);
      expectGuardsIntact(heap, pc, 15, `gemm${form} k=0`);
    });
  });

  describe('gemmStrided', () => {
    // A is read as a(i, p) = A[i·rsA + p·csA], B and C have row strides ldb ≥ n and ldc ≥ n:
    // the padding columns of C must keep their sentinel, and the padding of A and B is poison (NaN).
    const layouts = [
      { name: 'row-major A with padded rows', rsA: (m: number, k: number) => k + 3, csA: () => 1 },
      { name: 'column-major A (Aᵀ stored) with padded columns', rsA: () => 1, csA: (m: number) => m + 2 },
    ];

    it.each(layouts)('$name, padded B and C rows, against the reference', ({ rsA, csA }) => {
      const shapes = [...cube([1, 5, 17], [3, 7, 129], [1, 7, 17]), ...cube([4, 9], [8, 9, 16], [4])];
      for (const [m, n, k] of shapes) {
        heap.reset();
        const what = `gemmStrided m=${m} n=${n} k=${k}`;
        const rng = seeded(m * 7 + n * 131 + k);
        const dense = { a: randomF32(rng, m * k), b: randomF32(rng, k * n) };
        const rs = rsA(m, k);
        const cs = csA(m);
        const ldb = n + 5;
        const ldc = n + 2;
        const aLen = (m - 1) * rs + (k - 1) * cs + 1;
        const aBuf = new Float32Array(aLen).fill(NaN);
        for (let i = 0; i < m; i++) for (let p = 0; p < k; p++) aBuf[i * rs + p * cs] = dense.a[i * k + p]!;
        const bBuf = new Float32Array(k * ldb).fill(NaN);
        for (let p = 0; p < k; p++) for (let j = 0; j < n; j++) bBuf[p * ldb + j] = dense.b[p * n + j]!;
        const pa = heap.f32(aBuf);
        const pb = heap.f32(bBuf);
        const pc = guarded(heap, m * ldc);
        const aBefore = snapshot(heap, pa, aLen);
        const bBefore = snapshot(heap, pb, bBuf.length);

        heap.k.gemmStrided(m, n, k, pa, rs, cs, pb, ldb, pc, ldc);

        const cBuf = heap.read(pc, m * ldc);
        const got = new Float32Array(m * n);
        for (let i = 0; i < m; i++) got.set(cBuf.subarray(i * ldc, i * ldc + n), i * n);
        const want = ref.matmul(dense.a, dense.b, m, k, n);
        const magnitudes = ref.matmul(absAll(dense.a), absAll(dense.b), m, k, n);
        expectClose(got, want, bound(magnitudes, k), what);
        // The padding columns of C keep the sentinel guarded() put there.
        const padding = new Uint32Array(cBuf.buffer).filter((_, x) => x % ldc >= n);
        expect(padding.every((bits) => bits === SENTINEL_BITS), `${what}: wrote C's padding columns`).toBe(true);
        expectGuardsIntact(heap, pc, m * ldc, what);
        expectUnchanged(heap, pa, aBefore, `${what}: A`);
        expectUnchanged(heap, pb, bBefore, `${what}: B`);
      }
    });
  });

  describe('transpose', () => {
    it.each(DIMS)(`every cols in {${DIMS}} for rows = %i, exactly`, (rows) => {
      for (const cols of DIMS) {
        heap.reset();
        const src = randomF32(seeded(rows * 1000 + cols), rows * cols);
        const ps = guarded(heap, src.length, src);
        const pd = guarded(heap, rows * cols);
        const before = snapshot(heap, ps, src.length);
        heap.k.transpose(ps, rows, cols, pd);
        const what = `transpose ${rows}×${cols}`;
        expectSameBits(heap.read(pd, rows * cols), ref.transpose(src, rows, cols), what);
        expectGuardsIntact(heap, pd, rows * cols, what);
        expectUnchanged(heap, ps, before, `${what}: source`);
      }
    });
  });

  describe('columnSums', () => {
    // out[j] = scale·Σ_i A[i][j]: the sum is within γ_m·Σ_i|A[i][j]| and the scaling adds one
    // rounding, so |out − exact| ≤ |scale|·(γ_m + u)·Σ_i|A[i][j]| + u·|exact|, u = 2^-24.
    const shapes = [...cube(DIMS, DIMS, [0]), ...cube([1, 4, 9], TILE_DIMS, [0])];
    it.each([1, -0.375, 1 / 17])('all m, n in {1,3,5,7,17,129} and tile widths, scale %s', (scale) => {
      const s = Math.fround(scale);
      for (const [m, n] of shapes) {
        heap.reset();
        const a = randomF32(seeded(m * 313 + n), m * n, -2, 2);
        const pa = guarded(heap, a.length, a);
        const out = guarded(heap, n); // the sentinel beforehand: sums must overwrite, not accumulate
        const before = snapshot(heap, pa, a.length);
        heap.k.columnSums(pa, m, n, s, out);
        const ones = new Float64Array(m).fill(1);
        const sums = ref.matmul(ones, a, 1, m, n);
        const mags = ref.matmul(ones, absAll(a), 1, m, n);
        const want = sums.map((x) => x * s);
        const what = `columnSums ${m}×${n} scale ${s}`;
        expectClose(heap.read(out, n), want, (j) => Math.abs(s) * (gamma(m) + U) * mags[j]! + U * Math.abs(want[j]!), what);
        expectGuardsIntact(heap, out, n, what);
        expectUnchanged(heap, pa, before, `${what}: A`);
      }
    });
  });
});
