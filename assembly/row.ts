// Kernels for a batch of one row: the vector-times-matrix product of the
// forward pass (the backward one is small.ts's smallNT at m = 1, whose dot
// products already walk memory in order), and for plain SGD the weight and bias updates
// that train.ts applies as soon as a layer's delta has been passed down, with
// no gradient block in between.
//
// At batch size 1 (per-row training, as in the textbook examples and small
// online learners) the work per layer is a few multiply-adds, so the cost is
// in passes over memory and calls; this path makes one pass per layer.
//
// Every value is computed with the expressions the batch path uses (gemm.ts's
// summation order; optimizer.ts's sgdStep after small.ts's smallTNScaled and
// gemm.ts's columnSums), so a network trained here has the same bits as one
// trained through gradient() and sgdStep.

import { at } from "./memory";

/** c[n] = a[k]·B[k×n], each element summed from +0 in order p = 0 … k−1. */
export function rowTimesMatrix(n: i32, k: i32, a: usize, b: usize, c: usize): void {
  const rowBytes = <usize>n << 2;
  let j = 0;
  if (ASC_FEATURE_SIMD) {
    for (; j + 8 <= n; j += 8) {
      let c0 = f32x4.splat(0);
      let c1 = f32x4.splat(0);
      let bp = at(b, j);
      for (let p = 0; p < k; p++) {
        const ap = f32x4.splat(load<f32>(at(a, p)));
        c0 = f32x4.add(c0, f32x4.mul(ap, v128.load(bp)));
        c1 = f32x4.add(c1, f32x4.mul(ap, v128.load(bp, 16)));
        bp += rowBytes;
      }
      v128.store(at(c, j), c0);
      v128.store(at(c, j), c1, 16);
    }
    for (; j + 4 <= n; j += 4) {
      let c0 = f32x4.splat(0);
      let bp = at(b, j);
      for (let p = 0; p < k; p++) {
        c0 = f32x4.add(c0, f32x4.mul(f32x4.splat(load<f32>(at(a, p))), v128.load(bp)));
        bp += rowBytes;
      }
      v128.store(at(c, j), c0);
    }
  }
  for (; j < n; j++) {
    let sum: f32 = 0;
    let bp = at(b, j);
    for (let p = 0; p < k; p++) {
      sum += load<f32>(at(a, p)) * load<f32>(bp);
      bp += rowBytes;
    }
    store<f32>(at(c, j), sum);
  }
}

/** W[k×n] ← W − lr·((0 + x_p·δ_j) + decay·W): small.ts's smallTNScaled at scale 1, then sgdStep. */
export function sgdOuter(k: i32, n: i32, x: usize, d: usize, w: usize, lr: f32, decay: f32): void {
  let wp = w;
  for (let p = 0; p < k; p++) {
    const xp = load<f32>(at(x, p));
    let j = 0;
    if (ASC_FEATURE_SIMD) {
      const vx = f32x4.splat(xp);
      const vlr = f32x4.splat(lr);
      const vdecay = f32x4.splat(decay);
      const zero = f32x4.splat(0);
      for (; j + 4 <= n; j += 4) {
        const wj = v128.load(at(wp, j));
        const g = f32x4.add(f32x4.add(zero, f32x4.mul(vx, v128.load(at(d, j)))), f32x4.mul(vdecay, wj));
        v128.store(at(wp, j), f32x4.sub(wj, f32x4.mul(vlr, g)));
      }
    }
    for (; j < n; j++) {
      const wj = load<f32>(at(wp, j));
      let sum: f32 = 0;
      sum += xp * load<f32>(at(d, j));
      store<f32>(at(wp, j), wj - lr * (sum + decay * wj));
    }
    wp = at(wp, n);
  }
}

/** b[n] ← b − lr·((0 + δ_j)·1): gemm.ts's columnSums over one row at scale 1, then sgdStep. */
export function sgdBias(n: i32, d: usize, b: usize, lr: f32): void {
  for (let j = 0; j < n; j++) {
    let sum: f32 = 0;
    sum += load<f32>(at(d, j));
    store<f32>(at(b, j), load<f32>(at(b, j)) - lr * sum);
  }
}
