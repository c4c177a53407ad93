// Activations and their derivatives over row-major m×n blocks, in place.
//
// Derivatives are taken from the outputs A = g(Z), which the forward pass
// keeps anyway, so Z never needs storing: σ' = a(1 − a), tanh' = 1 − a²,
// relu' = [a > 0], leakyRelu' = a > 0 ? 1 : α (α ≥ 0 keeps a > 0 ⇔ z > 0).
// Each SIMD body has a scalar tail computing the same expression, which is
// all the scalar build runs; both round identically. Sigmoid's and softmax's
// e^x, the costly ones, end instead on a partial vector (assembly/exp.ts
// computes the same bits either way).

import {
  ACT_LEAKY_RELU, ACT_RELU, ACT_SIGMOID, ACT_SOFTMAX, ACT_TANH,
} from "../src/abi";
import { expf, expv, sigmoidf, sigmoidv } from "./exp";
import { at, loadFew, storeFew } from "./memory";

/** Z[m×n] ← g(Z + bias) in place; bias is a row of n floats, or 0 for none. */
export function activate(z: usize, m: i32, n: i32, bias: usize, act: i32, alpha: f32): void {
  if (bias != 0) addBias(z, m, n, bias);
  const count = m * n;
  switch (act) {
    case ACT_SIGMOID: sigmoid(z, count); break;
    case ACT_TANH: tanh(z, count); break;
    case ACT_RELU: relu(z, count); break;
    case ACT_LEAKY_RELU: leakyRelu(z, count, alpha); break;
    case ACT_SOFTMAX: {
      for (let i = 0; i < m; i++) softmaxRow(at(z, i * n), n);
      break;
    }
    default: break; // linear
  }
}

/** Whether activateLanes computes act: every activation but tanh and softmax. */
@inline
export function hasLaneForm(act: i32): bool {
  return act != ACT_TANH && act != ACT_SOFTMAX;
}

/** g(z) in each of four lanes, with the bits activate gives, for an act with hasLaneForm. */
@inline
export function activateLanes(z: v128, act: i32, alpha: f32): v128 {
  if (act == ACT_SIGMOID) return sigmoidv(z);
  if (act == ACT_RELU) return reluLanes(z);
  if (act == ACT_LEAKY_RELU) return leakyReluLanes(z, f32x4.splat(alpha));
  return z; // linear
}

/**
 * d ⊙ g'(z) in each of four lanes, from the outputs a, with the bits activationBackward gives,
 * for an act with hasLaneForm.
 */
@inline
export function activationBackwardLanes(d: v128, a: v128, act: i32, alpha: f32): v128 {
  if (act == ACT_SIGMOID) return sigmoidBackwardLanes(d, a);
  if (act == ACT_RELU) return leakyReluBackwardLanes(d, a, f32x4.splat(0));
  if (act == ACT_LEAKY_RELU) return leakyReluBackwardLanes(d, a, f32x4.splat(alpha));
  return d; // linear
}

/** D[m×n] ← D ⊙ g'(Z), from the outputs A[m×n]; for softmax D ← J_softmax · D per row. */
export function activationBackward(d: usize, a: usize, m: i32, n: i32, act: i32, alpha: f32): void {
  const count = m * n;
  switch (act) {
    case ACT_SIGMOID: sigmoidBackward(d, a, count); break;
    case ACT_TANH: tanhBackward(d, a, count); break;
    case ACT_RELU: leakyReluBackward(d, a, count, 0); break;
    case ACT_LEAKY_RELU: leakyReluBackward(d, a, count, alpha); break;
    case ACT_SOFTMAX: {
      for (let i = 0; i < m; i++) softmaxRowBackward(at(d, i * n), at(a, i * n), n);
      break;
    }
    default: break; // linear
  }
}

function addBias(z: usize, m: i32, n: i32, bias: usize): void {
  for (let i = 0; i < m; i++) {
    const row = at(z, i * n);
    let j = 0;
    if (ASC_FEATURE_SIMD) {
      for (; j + 4 <= n; j += 4) {
        v128.store(at(row, j), f32x4.add(v128.load(at(row, j)), v128.load(at(bias, j))));
      }
    }
    for (; j < n; j++) store<f32>(at(row, j), load<f32>(at(row, j)) + load<f32>(at(bias, j)));
  }
}

function sigmoid(z: usize, count: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 4 <= count; i += 4) v128.store(at(z, i), sigmoidv(v128.load(at(z, i))));
    // The last one to three values as one partial vector, not one at a time.
    const rest = count - i;
    if (rest > 0) storeFew(at(z, i), sigmoidv(loadFew(at(z, i), rest)), rest);
  } else {
    for (; i < count; i++) store<f32>(at(z, i), sigmoidf(load<f32>(at(z, i))));
  }
}

function tanh(z: usize, count: i32): void {
  for (let i = 0; i < count; i++) {
    const p = at(z, i);
    store<f32>(p, Mathf.tanh(load<f32>(p)));
  }
}

// max, not a select, so negative inputs give +0 rather than −0; NaN stays NaN.
function relu(z: usize, count: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 4 <= count; i += 4) v128.store(at(z, i), reluLanes(v128.load(at(z, i))));
  }
  for (; i < count; i++) store<f32>(at(z, i), max<f32>(load<f32>(at(z, i)), 0));
}

function leakyRelu(z: usize, count: i32, alpha: f32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const va = f32x4.splat(alpha);
    for (; i + 4 <= count; i += 4) v128.store(at(z, i), leakyReluLanes(v128.load(at(z, i)), va));
  }
  for (; i < count; i++) {
    const x = load<f32>(at(z, i));
    store<f32>(at(z, i), select<f32>(x, x * alpha, x > 0));
  }
}

@inline function reluLanes(z: v128): v128 {
  return f32x4.max(z, f32x4.splat(0));
}

@inline function leakyReluLanes(z: v128, alpha: v128): v128 {
  return v128.bitselect(z, f32x4.mul(z, alpha), f32x4.gt(z, f32x4.splat(0)));
}

/** Numerically stable softmax of one row of n floats, in place. */
function softmaxRow(row: usize, n: i32): void {
  let top = load<f32>(row);
  for (let j = 1; j < n; j++) top = max<f32>(top, load<f32>(at(row, j)));
  let j = 0;
  if (ASC_FEATURE_SIMD) {
    const vtop = f32x4.splat(top);
    for (; j + 4 <= n; j += 4) v128.store(at(row, j), expv(f32x4.sub(v128.load(at(row, j)), vtop)));
    const rest = n - j;
    if (rest > 0) storeFew(at(row, j), expv(f32x4.sub(loadFew(at(row, j), rest), vtop)), rest);
  } else {
    for (; j < n; j++) store<f32>(at(row, j), expf(load<f32>(at(row, j)) - top));
  }
  let sum: f32 = 0;
  for (j = 0; j < n; j++) sum += load<f32>(at(row, j));
  for (let j = 0; j < n; j++) store<f32>(at(row, j), load<f32>(at(row, j)) / sum);
}

function sigmoidBackward(d: usize, a: usize, count: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 4 <= count; i += 4) {
      v128.store(at(d, i), sigmoidBackwardLanes(v128.load(at(d, i)), v128.load(at(a, i))));
    }
  }
  for (; i < count; i++) {
    const y = load<f32>(at(a, i));
    store<f32>(at(d, i), load<f32>(at(d, i)) * (y * (1 - y)));
  }
}

function tanhBackward(d: usize, a: usize, count: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 4 <= count; i += 4) {
      v128.store(at(d, i), tanhBackwardLanes(v128.load(at(d, i)), v128.load(at(a, i))));
    }
  }
  for (; i < count; i++) {
    const y = load<f32>(at(a, i));
    store<f32>(at(d, i), load<f32>(at(d, i)) * (1 - y * y));
  }
}

function leakyReluBackward(d: usize, a: usize, count: i32, alpha: f32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const va = f32x4.splat(alpha);
    for (; i + 4 <= count; i += 4) {
      v128.store(at(d, i), leakyReluBackwardLanes(v128.load(at(d, i)), v128.load(at(a, i)), va));
    }
  }
  for (; i < count; i++) {
    const x = load<f32>(at(d, i));
    store<f32>(at(d, i), select<f32>(x, x * alpha, load<f32>(at(a, i)) > 0));
  }
}

@inline function sigmoidBackwardLanes(d: v128, a: v128): v128 {
  return f32x4.mul(d, f32x4.mul(a, f32x4.sub(f32x4.splat(1), a)));
}

@inline function tanhBackwardLanes(d: v128, a: v128): v128 {
  return f32x4.mul(d, f32x4.sub(f32x4.splat(1), f32x4.mul(a, a)));
}

@inline function leakyReluBackwardLanes(d: v128, a: v128, alpha: v128): v128 {
  return v128.bitselect(d, f32x4.mul(d, alpha), f32x4.gt(a, f32x4.splat(0)));
}

// δ_j = a_j (g_j − Σ_k g_k a_k): the softmax Jacobian applied to g = ∂L/∂A.
function softmaxRowBackward(d: usize, a: usize, n: i32): void {
  let dot: f32 = 0;
  for (let j = 0; j < n; j++) dot += load<f32>(at(d, j)) * load<f32>(at(a, j));
  for (let j = 0; j < n; j++) {
    store<f32>(at(d, j), load<f32>(at(a, j)) * (load<f32>(at(d, j)) - dot));
  }
}
