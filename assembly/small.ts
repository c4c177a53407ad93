// Matrix products for shapes too small for gemm.ts's 4×8 tiles: a layer of a
// few units, or a batch of one row. There the tile kernel's fixed costs
// (packing, partial tiles, the scalar build's transpose in gemmNT) outweigh
// the arithmetic, so each element is a plain dot product instead.
//
// Summation order: the one gemm.ts documents. Every C element is accumulated
// from +0 in order p = 0, 1, …, K−1, one rounded multiply and one rounded add
// per term, so a product gives the same bits whichever file computes it.
//
// Memory contract: reads only inside A and B, writes only inside C's M×N block.

import { at } from "./memory";

/** Whether C[m×n] = A·B with inner size k is small enough for these loops to beat the tile kernel. */
@inline
export function isSmall(m: i32, n: i32, k: i32): bool {
  return m * n * k <= 64;
}

/** C[m×n] = A[m×k]·B[k×n]. */
export function smallNN(m: i32, n: i32, k: i32, a: usize, b: usize, c: usize): void {
  dots(m, n, k, a, k, 1, b, n, 1, c);
}

/** C[m×n] = A[k×m]ᵀ·B[k×n]. */
export function smallTN(m: i32, n: i32, k: i32, a: usize, b: usize, c: usize): void {
  dots(m, n, k, a, 1, m, b, n, 1, c);
}

/**
 * G[m×n] = scale·(A[k×m]ᵀ·B[k×n]) + decay·W[m×n]: the weight gradient, then optimizer.ts's
 * scaleAddWeights expression in a scalar loop, so the same bits; scalar, not that function's
 * vector loads of G right after smallTN's scalar stores, which the store buffer cannot forward.
 */
export function smallTNScaled(
  m: i32, n: i32, k: i32, a: usize, b: usize, g: usize, w: usize, scale: f32, decay: f32,
): void {
  smallTN(m, n, k, a, b, g);
  for (let i = 0, count = m * n; i < count; i++) {
    store<f32>(at(g, i), scale * load<f32>(at(g, i)) + decay * load<f32>(at(w, i)));
  }
}

/** C[m×n] = A[m×k]·B[n×k]ᵀ, reading B in place (no transpose). */
export function smallNT(m: i32, n: i32, k: i32, a: usize, b: usize, c: usize): void {
  dots(m, n, k, a, k, 1, b, 1, k, c);
}

// c(i, j) = Σ_p a(i, p)·b(p, j) with a(i, p) = A[i·rsA + p·csA], b(p, j) = B[p·rsB + j·csB],
// C row-major with n columns.
@inline
function dots(
  m: i32, n: i32, k: i32,
  a: usize, rsA: i32, csA: i32,
  b: usize, rsB: i32, csB: i32,
  c: usize,
): void {
  const aStep = <usize>csA << 2;
  const bStep = <usize>rsB << 2;
  let cp = c;
  for (let i = 0; i < m; i++) {
    const aRow = at(a, i * rsA);
    for (let j = 0; j < n; j++) {
      let ap = aRow;
      let bp = at(b, j * csB);
      let sum: f32 = 0;
      for (let p = 0; p < k; p++) {
        sum += load<f32>(ap) * load<f32>(bp);
        ap += aStep;
        bp += bStep;
      }
      store<f32>(cp, sum);
      cp += 4;
    }
  }
}
