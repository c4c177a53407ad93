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

import {
  activate, activateLanes, activationBackward, activationBackwardLanes, hasLaneForm,
} from "./activation";
import { at, loadFew, storeFew } from "./memory";
import { smallNT } from "./small";

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
      for (; j + 4 <= n; j += 4) {
        v128.store(at(wp, j), sgdLanes(v128.load(at(wp, j)), vx, v128.load(at(d, j)), vlr, vdecay));
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

// w − lr·((0 + x·d) + decay·w) in each lane: sgdOuter's step.
@inline function sgdLanes(w: v128, x: v128, d: v128, lr: v128, decay: v128): v128 {
  const g = f32x4.add(f32x4.add(f32x4.splat(0), f32x4.mul(x, d)), f32x4.mul(decay, w));
  return f32x4.sub(w, f32x4.mul(lr, g));
}

// A layer of at most four units is narrow: its row of outputs, its delta and a row of its
// weights each fit one f32x4. Training a tiny network row by row, the time per row is the
// chain from one row's weight update through the next row's forward and backward pass to
// its update, so the SIMD build keeps a narrow layer's values in vectors from product to
// activation and walks its weights once in the backward pass instead of twice. The scalar
// build runs the kernels above. Same expressions as those, so the same bits.

/** Whether a layer of n units takes narrowForward and narrowBackward. */
@inline
export function isNarrow(n: i32): bool {
  return n <= 4;
}

/**
 * out[n] = g(x[k]·W[k×n] + bias) for n ≤ 4 (bias 0 for none): rowTimesMatrix, then
 * activation.ts's activate.
 */
@inline export function narrowForward(
  k: i32, n: i32, x: usize, w: usize, bias: usize, act: i32, alpha: f32, out: usize, pre: usize,
): void {
  if (!ASC_FEATURE_SIMD || !hasLaneForm(act)) {
    rowTimesMatrix(n, k, x, w, out);
    activate(out, 1, n, bias, act, alpha, pre);
    return;
  }
  const rowBytes = <usize>n << 2;
  let z = f32x4.splat(0);
  let wp = w;
  for (let p = 0; p < k; p++) {
    z = f32x4.add(z, f32x4.mul(v128.load32_splat(at(x, p)), loadFew(wp, n)));
    wp += rowBytes;
  }
  if (bias) z = f32x4.add(z, loadFew(bias, n));
  storeFew(out, activateLanes(z, act, alpha), n);
}

/**
 * For n ≤ 4, a layer's share of backpropagate at one row under plain SGD, from its delta d[n]
 * and its input x[k] (the outputs of the layer below, or the row):
 * - unless below is 0, the delta passed down, below[k] = (W[k×n]·d) ⊙ g'(x) for the layer
 *   below's activation act: smallNT's order, from W as it was, then activationBackward;
 * - W ← W − lr·((0 + x·dᵀ) + decay·W) as sgdOuter does, in the same pass over W;
 * - unless bias is 0, b ← b − lr·d as sgdBias does.
 * A narrow layer below gets its delta, and every row of W and b its update, as one vector
 * store, which the next vector load of it takes straight from the store buffer (a load
 * spanning several float stores would wait for them to reach the cache).
 */
@inline export function narrowBackward(
  k: i32, n: i32, x: usize, d: usize, w: usize, bias: usize, lr: f32, decay: f32,
  below: usize, act: i32, alpha: f32, pre: usize,
): void {
  if (!ASC_FEATURE_SIMD) {
    if (below) {
      smallNT(1, k, n, d, w, below);
      activationBackward(below, x, 1, k, act, alpha, pre);
    }
    sgdOuter(k, n, x, d, w, lr, decay);
    if (bias) sgdBias(n, d, bias, lr);
    return;
  }
  const rowBytes = <usize>n << 2;
  const vd = loadFew(d, n);
  const vlr = f32x4.splat(lr);
  if (bias) {
    storeFew(bias, f32x4.sub(loadFew(bias, n), f32x4.mul(vlr, f32x4.add(f32x4.splat(0), vd))), n);
  }
  const vdecay = f32x4.splat(decay);
  const inLanes = isNarrow(k) && hasLaneForm(act);
  let passed = f32x4.splat(0);
  // Last row first, so that shifting each sum into lane 0 leaves row p's in lane p.
  let wp = w + <usize>k * rowBytes;
  for (let p = k - 1; p >= 0; p--) {
    wp -= rowBytes;
    const row = loadFew(wp, n);
    if (below) {
      const sum = laneSum(f32x4.mul(vd, row), n);
      if (inLanes) passed = shiftIn(sum, passed);
      else store<f32>(at(below, p), sum);
    }
    storeFew(wp, sgdLanes(row, v128.load32_splat(at(x, p)), vd, vlr, vdecay), n);
  }
  if (!below) return;
  if (inLanes) storeFew(below, activationBackwardLanes(passed, loadFew(x, k), act, alpha), k);
  else activationBackward(below, x, 1, k, act, alpha, pre);
}

// [value, v0, v1, v2].
@inline export function shiftIn(value: f32, v: v128): v128 {
  return i8x16.shuffle(f32x4.splat(value), v, 0, 1, 2, 3, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27);
}

// The first n (1–4) lanes of v summed from +0 in lane order.
@inline export function laneSum(v: v128, n: i32): f32 {
  let sum: f32 = 0;
  sum += f32x4.extract_lane(v, 0);
  if (n > 1) sum += f32x4.extract_lane(v, 1);
  if (n > 2) sum += f32x4.extract_lane(v, 2);
  if (n > 3) sum += f32x4.extract_lane(v, 3);
  return sum;
}
