// Losses: their value, the output-layer delta, and accuracy counts.
//
// A row's loss is summed over its units (times the row's weight, when rows are weighted); the
// caller divides by the rows.
// Cross-entropies take logarithms of probabilities clamped to
// [EPSILON, 1 − EPSILON], so a saturated wrong output costs −log(1e-7) ≈ 16.1
// rather than Infinity. The derivative is that of the clamped function (zero
// where the clamp is active); the fused sigmoid+BCE and softmax+CCE deltas
// need no clamp and keep their gradient at saturation.

import {
  ACC_ARGMAX, ACC_BINARY, ACC_INDEX, ACT_SIGMOID, ACT_SOFTMAX,
  LOSS_BINARY_CROSSENTROPY, LOSS_CATEGORICAL_CROSSENTROPY, LOSS_HUBER, LOSS_MEAN_ABSOLUTE_ERROR,
  LOSS_SPARSE_CATEGORICAL_CROSSENTROPY, LOSS_SQUARED_ERROR,
} from "../src/abi";
import { activationBackward, activationBackwardLanes, hasLaneForm } from "./activation";
import { at, loadFew, storeFew } from "./memory";
import { isNarrow } from "./row";

const EPSILON: f32 = 1e-7;
const ONE_MINUS_EPSILON: f32 = 1 - EPSILON;

/** Whether the loss reads one class index per row rather than a row of targets. */
@inline
function isSparse(loss: i32): bool {
  return loss == LOSS_SPARSE_CATEGORICAL_CROSSENTROPY;
}

// Target j of row r: the stored value, or for class-index targets the one-hot row's entry, so
// the sparse loss runs the categorical expressions on the very values a one-hot row holds.
@inline
function targetAt(y: usize, r: i32, j: i32, n: i32, sparse: bool): f32 {
  if (sparse) return <i32>load<f32>(at(y, r)) == j ? 1 : 0;
  return load<f32>(at(y, r * n + j));
}

// One unit's loss, in f64.
@inline
function unitLoss(ai: f32, yi: f64, loss: i32, huberDelta: f32): f64 {
  const e = <f64>ai - yi;
  if (loss == LOSS_SQUARED_ERROR) return 0.5 * e * e;
  if (loss == LOSS_BINARY_CROSSENTROPY) {
    const p = <f64>min<f32>(max<f32>(ai, EPSILON), ONE_MINUS_EPSILON);
    return -(yi * Math.log(p) + (1 - yi) * Math.log(1 - p));
  }
  if (loss == LOSS_CATEGORICAL_CROSSENTROPY || loss == LOSS_SPARSE_CATEGORICAL_CROSSENTROPY) {
    // A unit whose target is 0 adds ±0, which leaves the sum as it was (a sum from +0 is never
    // −0): its logarithm, nearly all of the loss's time over one-hot rows, is taken only where
    // the output is not finite, so that NaN or +Infinity still makes the sum NaN.
    if (yi == 0 && isFinite(ai)) return 0;
    return -(yi * Math.log(<f64>max<f32>(ai, EPSILON)));
  }
  if (loss == LOSS_MEAN_ABSOLUTE_ERROR) return Math.abs(e);
  const d = <f64>huberDelta; // huber
  return Math.abs(e) <= d ? 0.5 * e * e : d * (Math.abs(e) - 0.5 * d);
}

/**
 * Σ over m rows of n units of the loss between outputs A and targets Y (a class index per row
 * for the sparse loss), each row's sum times its weight when weights is nonzero, in f64.
 */
export function lossSum(a: usize, y: usize, m: i32, n: i32, loss: i32, huberDelta: f32, weights: usize): f64 {
  const sparse = isSparse(loss);
  let sum: f64 = 0;
  if (!weights && !sparse) {
    for (let i = 0, count = m * n; i < count; i++) {
      sum += unitLoss(load<f32>(at(a, i)), <f64>load<f32>(at(y, i)), loss, huberDelta);
    }
    return sum;
  }
  for (let r = 0; r < m; r++) {
    if (weights) {
      let row: f64 = 0;
      for (let j = 0; j < n; j++) {
        row += unitLoss(load<f32>(at(a, r * n + j)), <f64>targetAt(y, r, j, n, sparse), loss, huberDelta);
      }
      sum += <f64>load<f32>(at(weights, r)) * row;
    } else {
      for (let j = 0; j < n; j++) {
        sum += unitLoss(load<f32>(at(a, r * n + j)), <f64>targetAt(y, r, j, n, sparse), loss, huberDelta);
      }
    }
  }
  return sum;
}

/** lossSum of one unweighted row of n ≤ 4 outputs held in the lanes of a, its targets in y's. */
@inline
export function rowLossLanes(a: v128, y: v128, n: i32, loss: i32, huberDelta: f32): f64 {
  let sum: f64 = 0;
  sum += unitLoss(f32x4.extract_lane(a, 0), <f64>f32x4.extract_lane(y, 0), loss, huberDelta);
  if (n > 1) sum += unitLoss(f32x4.extract_lane(a, 1), <f64>f32x4.extract_lane(y, 1), loss, huberDelta);
  if (n > 2) sum += unitLoss(f32x4.extract_lane(a, 2), <f64>f32x4.extract_lane(y, 2), loss, huberDelta);
  if (n > 3) sum += unitLoss(f32x4.extract_lane(a, 3), <f64>f32x4.extract_lane(y, 3), loss, huberDelta);
  return sum;
}

// ∂(unit loss)/∂a, without the activation's slope.
@inline
function unitGradient(ai: f32, yi: f32, loss: i32, huberDelta: f32): f32 {
  const e = ai - yi;
  if (loss == LOSS_SQUARED_ERROR) return e;
  if (loss == LOSS_BINARY_CROSSENTROPY) {
    return ai >= EPSILON && ai <= ONE_MINUS_EPSILON ? (ai - yi) / (ai * (1 - ai)) : 0;
  }
  if (loss == LOSS_CATEGORICAL_CROSSENTROPY || loss == LOSS_SPARSE_CATEGORICAL_CROSSENTROPY) {
    return ai >= EPSILON ? -yi / ai : 0;
  }
  if (loss == LOSS_MEAN_ABSOLUTE_ERROR) return e > 0 ? 1 : e < 0 ? -1 : 0;
  return min<f32>(max<f32>(e, -huberDelta), huberDelta); // huber
}

/**
 * δ[m×n] = ∂(row loss)/∂Z of the output layer, given its outputs A and targets Y (a class index
 * per row for the sparse loss), each row times its weight when weights is nonzero. With fuse set,
 * sigmoid+BCE gives A − Y and softmax+CCE gives A·Σ_k y_k − Y (which is A − Y for one-hot rows
 * and class indices); otherwise the chain rule runs in full, reading Z at pre for an activation
 * whose slope needs it.
 */
export function lossDelta(
  a: usize, y: usize, m: i32, n: i32,
  loss: i32, act: i32, alpha: f32, fuse: bool, delta: usize, huberDelta: f32, weights: usize, pre: usize,
): void {
  const sparse = isSparse(loss);
  if (ASC_FEATURE_SIMD && m == 1 && isNarrow(n) && hasLaneForm(act)) {
    const targets = sparse ? oneHotLanes(<i32>load<f32>(y)) : loadFew(y, n);
    let d = rowDeltaLanes(loadFew(a, n), targets, loss, act, alpha, fuse, huberDelta);
    if (weights) d = f32x4.mul(d, f32x4.splat(load<f32>(weights)));
    storeFew(delta, d, n);
    return;
  }
  unweightedDelta(a, y, m, n, loss, act, alpha, fuse, delta, huberDelta, sparse, pre);
  if (weights) {
    for (let r = 0; r < m; r++) {
      const w = load<f32>(at(weights, r));
      for (let j = 0; j < n; j++) store<f32>(at(delta, r * n + j), load<f32>(at(delta, r * n + j)) * w);
    }
  }
}

@inline
function unweightedDelta(
  a: usize, y: usize, m: i32, n: i32,
  loss: i32, act: i32, alpha: f32, fuse: bool, delta: usize, huberDelta: f32, sparse: bool, pre: usize,
): void {
  const count = m * n;
  if (fuse && act == ACT_SIGMOID && loss == LOSS_BINARY_CROSSENTROPY) {
    for (let i = 0; i < count; i++) {
      store<f32>(at(delta, i), load<f32>(at(a, i)) - load<f32>(at(y, i)));
    }
    return;
  }
  if (fuse && act == ACT_SOFTMAX && (loss == LOSS_CATEGORICAL_CROSSENTROPY || sparse)) {
    for (let r = 0; r < m; r++) {
      let targetSum: f32 = 0;
      for (let j = 0; j < n; j++) targetSum += targetAt(y, r, j, n, sparse);
      for (let j = 0; j < n; j++) {
        const i = r * n + j;
        store<f32>(at(delta, i), load<f32>(at(a, i)) * targetSum - targetAt(y, r, j, n, sparse));
      }
    }
    return;
  }
  for (let r = 0; r < m; r++) {
    for (let j = 0; j < n; j++) {
      const i = r * n + j;
      store<f32>(at(delta, i), unitGradient(load<f32>(at(a, i)), targetAt(y, r, j, n, sparse), loss, huberDelta));
    }
  }
  activationBackward(delta, a, m, n, act, alpha, pre);
}

// The one-hot row of class `label` in four lanes.
@inline
export function oneHotLanes(label: i32): v128 {
  return v128.and(i32x4.eq(i32x4(0, 1, 2, 3), i32x4.splat(label)), f32x4.splat(1));
}

// lossDelta's expressions for one row of a narrow output layer (row.ts) whose activation has a
// lane form, in lanes: the delta leaves in one vector store, which row.ts's narrowBackward
// loads straight from the store buffer, where a load over separate float stores would wait.
@inline
export function rowDeltaLanes(a: v128, y: v128, loss: i32, act: i32, alpha: f32, fuse: bool, huberDelta: f32): v128 {
  const error = f32x4.sub(a, y);
  if (loss == LOSS_SQUARED_ERROR) return activationBackwardLanes(error, a, act, alpha);
  if (fuse && act == ACT_SIGMOID && loss == LOSS_BINARY_CROSSENTROPY) return error;
  let g = error;
  if (loss == LOSS_BINARY_CROSSENTROPY) {
    const inside = v128.and(f32x4.ge(a, f32x4.splat(EPSILON)), f32x4.le(a, f32x4.splat(ONE_MINUS_EPSILON)));
    const slope = f32x4.div(error, f32x4.mul(a, f32x4.sub(f32x4.splat(1), a)));
    g = v128.and(slope, inside);
  } else if (loss == LOSS_CATEGORICAL_CROSSENTROPY || loss == LOSS_SPARSE_CATEGORICAL_CROSSENTROPY) {
    g = v128.and(f32x4.div(f32x4.neg(y), a), f32x4.ge(a, f32x4.splat(EPSILON)));
  } else if (loss == LOSS_MEAN_ABSOLUTE_ERROR) {
    const zero = f32x4.splat(0);
    g = v128.or(
      v128.and(f32x4.gt(error, zero), f32x4.splat(1)),
      v128.and(f32x4.lt(error, zero), f32x4.splat(-1)),
    );
  } else if (loss == LOSS_HUBER) {
    g = f32x4.min(f32x4.max(error, f32x4.splat(-huberDelta)), f32x4.splat(huberDelta));
  }
  return activationBackwardLanes(g, a, act, alpha);
}

/**
 * Rows (ACC_ARGMAX, ACC_INDEX: Y holds a class index per row) or units (ACC_BINARY, thresholded
 * at 0.5) of A[m×n] that agree with Y.
 */
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
  } else if (mode == ACC_INDEX) {
    for (let r = 0; r < m; r++) {
      if (argmax(at(a, r * n), n) == <i32>load<f32>(at(y, r))) correct++;
    }
  }
  return correct;
}

/**
 * countCorrect of one row of n ≤ 4 outputs held in the lanes of a, its targets in y's (for
 * ACC_INDEX, the row's class index in label).
 */
@inline
export function rowCorrectLanes(a: v128, y: v128, label: i32, n: i32, mode: i32): i32 {
  if (mode == ACC_BINARY) {
    const half = f32x4.splat(0.5);
    const agree = v128.not(v128.xor(f32x4.ge(a, half), f32x4.ge(y, half)));
    return popcnt<i32>(i32x4.bitmask(agree) & ((1 << n) - 1));
  }
  if (mode == ACC_ARGMAX) return <i32>(argmaxLanes(a, n) == argmaxLanes(y, n));
  if (mode == ACC_INDEX) return <i32>(argmaxLanes(a, n) == label);
  return 0;
}

// argmax's answer for the first n (1–4) lanes of v.
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
