// Losses: their value, the output-layer delta, and accuracy counts.
//
// A row's loss is summed over its units; the caller divides by the rows.
// Cross-entropies take logarithms of probabilities clamped to
// [EPSILON, 1 − EPSILON], so a saturated wrong output costs −log(1e-7) ≈ 16.1
// rather than Infinity. The derivative is that of the clamped function (zero
// where the clamp is active); the fused sigmoid+BCE and softmax+CCE deltas
// need no clamp and keep their gradient at saturation.

import {
  ACC_ARGMAX, ACC_BINARY, ACT_SIGMOID, ACT_SOFTMAX,
  LOSS_BINARY_CROSSENTROPY, LOSS_CATEGORICAL_CROSSENTROPY,
} from "../src/abi";
import { activationBackward, activationBackwardLanes, hasLaneForm } from "./activation";
import { at, loadFew, storeFew } from "./memory";
import { isNarrow } from "./row";

const EPSILON: f32 = 1e-7;
const ONE_MINUS_EPSILON: f32 = 1 - EPSILON;

/** Σ over count units of the loss between outputs A and targets Y, in f64. */
export function lossSum(a: usize, y: usize, count: i32, loss: i32): f64 {
  let sum: f64 = 0;
  for (let i = 0; i < count; i++) sum = addLoss(sum, load<f32>(at(a, i)), load<f32>(at(y, i)), loss);
  return sum;
}

/** lossSum of one row of n ≤ 4 outputs held in the lanes of a, its targets in y's. */
@inline
export function rowLossLanes(a: v128, y: v128, n: i32, loss: i32): f64 {
  let sum = addLoss(0, f32x4.extract_lane(a, 0), f32x4.extract_lane(y, 0), loss);
  if (n > 1) sum = addLoss(sum, f32x4.extract_lane(a, 1), f32x4.extract_lane(y, 1), loss);
  if (n > 2) sum = addLoss(sum, f32x4.extract_lane(a, 2), f32x4.extract_lane(y, 2), loss);
  if (n > 3) sum = addLoss(sum, f32x4.extract_lane(a, 3), f32x4.extract_lane(y, 3), loss);
  return sum;
}

// sum plus one output's loss.
@inline
function addLoss(sum: f64, ai: f32, target: f32, loss: i32): f64 {
  const yi = <f64>target;
  if (loss == LOSS_BINARY_CROSSENTROPY) {
    const p = <f64>min<f32>(max<f32>(ai, EPSILON), ONE_MINUS_EPSILON);
    return sum - (yi * Math.log(p) + (1 - yi) * Math.log(1 - p));
  }
  if (loss == LOSS_CATEGORICAL_CROSSENTROPY) return sum - yi * Math.log(<f64>max<f32>(ai, EPSILON));
  const e = <f64>ai - yi;
  return sum + 0.5 * e * e;
}

/**
 * δ[m×n] = ∂(row loss)/∂Z of the output layer, given its outputs A and targets Y.
 * With fuse set, sigmoid+BCE gives A − Y and softmax+CCE gives A·Σ_k y_k − Y
 * (which is A − Y for one-hot rows); otherwise the chain rule runs in full.
 */
export function lossDelta(
  a: usize, y: usize, m: i32, n: i32,
  loss: i32, act: i32, alpha: f32, fuse: bool, delta: usize,
): void {
  if (ASC_FEATURE_SIMD && m == 1 && isNarrow(n) && hasLaneForm(act)) {
    storeFew(delta, rowDeltaLanes(loadFew(a, n), loadFew(y, n), loss, act, alpha, fuse), n);
    return;
  }
  const count = m * n;
  if (fuse && act == ACT_SIGMOID && loss == LOSS_BINARY_CROSSENTROPY) {
    for (let i = 0; i < count; i++) {
      store<f32>(at(delta, i), load<f32>(at(a, i)) - load<f32>(at(y, i)));
    }
    return;
  }
  if (fuse && act == ACT_SOFTMAX && loss == LOSS_CATEGORICAL_CROSSENTROPY) {
    for (let r = 0; r < m; r++) {
      let targetSum: f32 = 0;
      for (let j = 0; j < n; j++) targetSum += load<f32>(at(y, r * n + j));
      for (let j = 0; j < n; j++) {
        const i = r * n + j;
        store<f32>(at(delta, i), load<f32>(at(a, i)) * targetSum - load<f32>(at(y, i)));
      }
    }
    return;
  }
  for (let i = 0; i < count; i++) {
    const ai = load<f32>(at(a, i));
    const yi = load<f32>(at(y, i));
    let g: f32;
    if (loss == LOSS_BINARY_CROSSENTROPY) {
      g = ai >= EPSILON && ai <= ONE_MINUS_EPSILON ? (ai - yi) / (ai * (1 - ai)) : 0;
    } else if (loss == LOSS_CATEGORICAL_CROSSENTROPY) {
      g = ai >= EPSILON ? -yi / ai : 0;
    } else {
      g = ai - yi;
    }
    store<f32>(at(delta, i), g);
  }
  activationBackward(delta, a, m, n, act, alpha);
}

// lossDelta's expressions for one row of a narrow output layer (row.ts) whose activation has a
// lane form, in lanes: the delta leaves in one vector store, which row.ts's narrowBackward
// loads straight from the store buffer, where a load over separate float stores would wait.
@inline
export function rowDeltaLanes(a: v128, y: v128, loss: i32, act: i32, alpha: f32, fuse: bool): v128 {
  const error = f32x4.sub(a, y);
  if (fuse && act == ACT_SIGMOID && loss == LOSS_BINARY_CROSSENTROPY) return error;
  let g = error;
  if (loss == LOSS_BINARY_CROSSENTROPY) {
    const inside = v128.and(f32x4.ge(a, f32x4.splat(EPSILON)), f32x4.le(a, f32x4.splat(ONE_MINUS_EPSILON)));
    const slope = f32x4.div(error, f32x4.mul(a, f32x4.sub(f32x4.splat(1), a)));
    g = v128.and(slope, inside);
  } else if (loss == LOSS_CATEGORICAL_CROSSENTROPY) {
    g = v128.and(f32x4.div(f32x4.neg(y), a), f32x4.ge(a, f32x4.splat(EPSILON)));
  }
  return activationBackwardLanes(g, a, act, alpha);
}

/** Rows (ACC_ARGMAX) or units (ACC_BINARY, thresholded at 0.5) of A[m×n] that agree with Y. */
export function countCorrect(a: usize, y: usize, m: i32, n: i32, mode: i32): i32 {
  let correct = 0;
  if (mode == ACC_BINARY) {
    for (let i = 0; i < m * n; i++) {
      if ((load<f32>(at(a, i)) >= 0.5) == (load<f32>(at(y, i)) >= 0.5)) correct++;
    }
  } else if (mode == ACC_ARGMAX) {
    for (let r = 0; r < m; r++) {
      if (argmax(at(a, r * n), n) == argmax(at(y, r * n), n)) correct++;
    }
  }
  return correct;
}

/** countCorrect of one row of n ≤ 4 outputs held in the lanes of a, its targets in y's. */
@inline
export function rowCorrectLanes(a: v128, y: v128, n: i32, mode: i32): i32 {
  if (mode == ACC_BINARY) {
    const half = f32x4.splat(0.5);
    const agree = v128.not(v128.xor(f32x4.ge(a, half), f32x4.ge(y, half)));
    return popcnt<i32>(i32x4.bitmask(agree) & ((1 << n) - 1));
  }
  if (mode == ACC_ARGMAX) return <i32>(argmaxLanes(a, n) == argmaxLanes(y, n));
  return 0;
}

// argmax over the first n (1–4) lanes of v.
@inline
function argmaxLanes(v: v128, n: i32): i32 {
  let best = 0;
  let top = f32x4.extract_lane(v, 0);
  if (n > 1) {
    const value = f32x4.extract_lane(v, 1);
    if (value > top || top != top) { best = 1; top = value; }
  }
  if (n > 2) {
    const value = f32x4.extract_lane(v, 2);
    if (value > top || top != top) { best = 2; top = value; }
  }
  if (n > 3) {
    const value = f32x4.extract_lane(v, 3);
    if (value > top || top != top) best = 3;
  }
  return best;
}

// Index of the first largest of n floats; NaN never wins.
function argmax(row: usize, n: i32): i32 {
  let best = 0;
  let top = load<f32>(row);
  for (let j = 1; j < n; j++) {
    const v = load<f32>(at(row, j));
    if (v > top || top != top) {
      best = j;
      top = v;
    }
  }
  return best;
}
