// The summation order gemm.ts documents, emulated in float32: every C element summed from +0
// in order p = 0, 1, …, k−1 with one multiply-add per term, which each build performs its own way.

import type { Backend } from '../../src/wasm/load.js';
import { fusedMulAdd } from './numeric.js';

/** One term of the sum, sum + x·y, in float32. */
export type MulAdd = (x: number, y: number, sum: number) => number;
const unfused: MulAdd = (x, y, sum) => Math.fround(sum + Math.fround(x * y));
/** The multiply-adds each build may use: the relaxed build's may be fused, or not. */
export const MULTIPLY_ADDS: Record<Backend, MulAdd[]> = { simd: [unfused], scalar: [unfused], relaxed: [unfused, fusedMulAdd] };

/** C = A·B emulated in float32 in the documented order, with a(i,p) and b(p,j) given as accessors. */
export function emulate(
  m: number, n: number, k: number, a: (i: number, p: number) => number, b: (p: number, j: number) => number,
  madd: MulAdd,
): Float32Array {
  const c = new Float32Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let p = 0; p < k; p++) sum = madd(a(i, p), b(p, j), sum);
      c[i * n + j] = sum;
    }
  }
  return c;
}
