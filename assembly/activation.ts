// Activations and their derivatives over row-major m×n blocks, in place.
//
// Derivatives are taken from the outputs A = g(Z), which the forward pass
// keeps anyway, so Z need not be stored: σ' = a(1 − a), tanh' = 1 − a²,
// relu' = [a > 0], leakyRelu' = a > 0 ? 1 : α (α ≥ 0 keeps a > 0 ⇔ z > 0),
// elu' = a > 0 ? 1 : a + 1, selu' = a > 0 ? λ : a + λα, softplus' = 1 − e^−a,
// softsign' = (1 − |a|)², hardSigmoid' = 0 < a < 1 ? 0.2 : 0. Gelu and swish
// are not monotonic, so their slopes need Z: activate keeps a copy of Z + bias
// at `pre` for them (the façade allocates it), which activationBackward reads.
// Each SIMD body has a scalar tail computing the same expression, which is
// all the scalar build runs; both round identically. Sigmoid's and softmax's
// e^x, the costly ones, end instead on a partial vector (assembly/exp.ts
// computes the same bits either way). The other activations run one value at
// a time (activateOne, slopeOne), but for those the SIMD build computes four at
// a time with the same IEEE operations in the same order (activateOneLanes,
// slopeOneLanes; expm1 and log1p from assembly/mathv.ts): elu, selu, softplus,
// softsign and hardSigmoid. Gelu and swish, whose slopes read Z, stay scalar.

import {
  ACT_ELU, ACT_GELU, ACT_HARD_SIGMOID, ACT_LEAKY_RELU, ACT_LINEAR, ACT_RELU, ACT_SELU, ACT_SIGMOID,
  ACT_SOFTMAX, ACT_SOFTPLUS, ACT_SOFTSIGN, ACT_SWISH, ACT_TANH,
} from "../src/abi";
import { expf, expv, sigmoidf, sigmoidv } from "./exp";
import { expm1v, log1pv } from "./mathv";
import { at, copyElements, loadFew, storeFew } from "./memory";

/**
 * Z[m×n] ← g(Z + bias) in place; bias is a row of n floats, or 0 for none. For an activation
 * that reads Z in its slope (gelu, swish), Z + bias is also copied to pre[m×n] (0 elsewhere).
 */
export function activate(z: usize, m: i32, n: i32, bias: usize, act: i32, alpha: f32, pre: usize): void {
  if (bias != 0) addBias(z, m, n, bias);
  const count = m * n;
  if (pre != 0) copyElements(pre, z, count);
  switch (act) {
    case ACT_LINEAR: break;
    case ACT_SIGMOID: sigmoid(z, count); break;
    case ACT_TANH: tanh(z, count); break;
    case ACT_RELU: relu(z, count); break;
    case ACT_LEAKY_RELU: leakyRelu(z, count, alpha); break;
    case ACT_SOFTMAX: {
      for (let i = 0; i < m; i++) softmaxRow(at(z, i * n), n);
      break;
    }
    default: {
      let i = 0;
      if (ASC_FEATURE_SIMD && hasOneLanes(act)) {
        for (; i + 4 <= count; i += 4) v128.store(at(z, i), activateOneLanes(v128.load(at(z, i)), act));
      }
      for (; i < count; i++) store<f32>(at(z, i), activateOne(load<f32>(at(z, i)), act));
    }
  }
}

/** Whether activateLanes computes act: linear, sigmoid, relu and leakyRelu. */
@inline
export function hasLaneForm(act: i32): bool {
  return act == ACT_LINEAR || act == ACT_SIGMOID || act == ACT_RELU || act == ACT_LEAKY_RELU;
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

/**
 * D[m×n] ← D ⊙ g'(Z), from the outputs A[m×n] (and Z at pre for gelu and swish); for softmax D ← J_softmax · D per row.
 */
export function activationBackward(d: usize, a: usize, m: i32, n: i32, act: i32, alpha: f32, pre: usize): void {
  const count = m * n;
  switch (act) {
    case ACT_LINEAR: break;
    case ACT_SIGMOID: sigmoidBackward(d, a, count); break;
    case ACT_TANH: tanhBackward(d, a, count); break;
    case ACT_RELU: leakyReluBackward(d, a, count, 0); break;
    case ACT_LEAKY_RELU: leakyReluBackward(d, a, count, alpha); break;
    case ACT_SOFTMAX: {
      for (let i = 0; i < m; i++) softmaxRowBackward(at(d, i * n), at(a, i * n), n);
      break;
    }
    default: {
      let i = 0;
      if (ASC_FEATURE_SIMD && hasOneLanes(act)) {
        for (; i + 4 <= count; i += 4) {
          v128.store(at(d, i), f32x4.mul(v128.load(at(d, i)), slopeOneLanes(v128.load(at(a, i)), act)));
        }
      }
      for (; i < count; i++) {
        const z: f32 = pre != 0 ? load<f32>(at(pre, i)) : 0;
        store<f32>(at(d, i), load<f32>(at(d, i)) * slopeOne(load<f32>(at(a, i)), z, act));
      }
    }
  }
}

const SELU_SCALE: f32 = 1.0507009873554804934;
// λ·α, as one float32 so that selu' = a + λα holds for the rounded product.
const SELU_SCALE_ALPHA: f32 = 1.7580993408473768599;
const HARD_SIGMOID_SLOPE: f32 = 0.2;
const HARD_SIGMOID_OFFSET: f32 = 0.5;
const HALF_SQRT2: f32 = 0.70710678118654752440;
const INV_SQRT_2PI: f32 = 0.39894228040143267794;

/** g(z) for an activation without a lane form (but tanh and softmax): the same bits in both builds. */
@inline function activateOne(z: f32, act: i32): f32 {
  switch (act) {
    case ACT_ELU:
    case ACT_SELU: {
      // One call of expm1 for both, which the optimizer would otherwise copy into each.
      const elu = z > 0 ? z : Mathf.expm1(z);
      return act == ACT_ELU ? elu : (z > 0 ? SELU_SCALE : SELU_SCALE_ALPHA) * elu;
    }
    case ACT_GELU: return z * normalCdf(z);
    case ACT_SOFTPLUS: return max<f32>(z, 0) + Mathf.log1p(exp(-abs<f32>(z)));
    case ACT_SWISH: return z * logistic(z);
    case ACT_SOFTSIGN: return z / (1 + abs<f32>(z));
    case ACT_HARD_SIGMOID: return min<f32>(max<f32>(HARD_SIGMOID_SLOPE * z + HARD_SIGMOID_OFFSET, 0), 1);
    default: return z;
  }
}

/** g'(z) from the output a (and z for gelu and swish) for an activation activateOne computes. */
@inline function slopeOne(a: f32, z: f32, act: i32): f32 {
  switch (act) {
    case ACT_ELU: return a > 0 ? 1 : a + 1;
    case ACT_SELU: return a > 0 ? SELU_SCALE : a + SELU_SCALE_ALPHA;
    case ACT_GELU: return normalCdf(z) + z * (INV_SQRT_2PI * exp(-0.5 * z * z));
    case ACT_SOFTPLUS: return 1 - exp(-a);
    case ACT_SWISH: {
      const s = logistic(z);
      return s * (1 + z * (1 - s));
    }
    case ACT_SOFTSIGN: {
      const rest: f32 = 1 - abs<f32>(a);
      return rest * rest;
    }
    case ACT_HARD_SIGMOID: return a > 0 && a < 1 ? HARD_SIGMOID_SLOPE : 0;
    default: return 1;
  }
}

/** Whether activateOneLanes and slopeOneLanes compute act: elu, selu, softplus, softsign and hardSigmoid. */
@inline function hasOneLanes(act: i32): bool {
  return act == ACT_ELU || act == ACT_SELU || act == ACT_SOFTPLUS || act == ACT_SOFTSIGN || act == ACT_HARD_SIGMOID;
}

/** activateOne in each of four lanes, with its bits, for an act with hasOneLanes. */
@inline function activateOneLanes(z: v128, act: i32): v128 {
  switch (act) {
    case ACT_ELU:
    case ACT_SELU: {
      const positive = f32x4.gt(z, f32x4.splat(0));
      const elu = v128.bitselect(z, expm1v(z), positive);
      if (act == ACT_ELU) return elu;
      return f32x4.mul(v128.bitselect(f32x4.splat(SELU_SCALE), f32x4.splat(SELU_SCALE_ALPHA), positive), elu);
    }
    case ACT_SOFTPLUS: return f32x4.add(f32x4.max(z, f32x4.splat(0)), log1pv(expv(f32x4.neg(f32x4.abs(z)))));
    case ACT_SOFTSIGN: return f32x4.div(z, f32x4.add(f32x4.splat(1), f32x4.abs(z)));
    default: { // hardSigmoid
      const line = f32x4.add(f32x4.mul(f32x4.splat(HARD_SIGMOID_SLOPE), z), f32x4.splat(HARD_SIGMOID_OFFSET));
      return f32x4.min(f32x4.max(line, f32x4.splat(0)), f32x4.splat(1));
    }
  }
}

/** slopeOne in each of four lanes, with its bits, for an act with hasOneLanes (none of which reads Z). */
@inline function slopeOneLanes(a: v128, act: i32): v128 {
  switch (act) {
    case ACT_ELU: return v128.bitselect(f32x4.splat(1), f32x4.add(a, f32x4.splat(1)), f32x4.gt(a, f32x4.splat(0)));
    case ACT_SELU: {
      return v128.bitselect(f32x4.splat(SELU_SCALE), f32x4.add(a, f32x4.splat(SELU_SCALE_ALPHA)), f32x4.gt(a, f32x4.splat(0)));
    }
    case ACT_SOFTPLUS: return f32x4.sub(f32x4.splat(1), expv(f32x4.neg(a)));
    case ACT_SOFTSIGN: {
      const rest = f32x4.sub(f32x4.splat(1), f32x4.abs(a));
      return f32x4.mul(rest, rest);
    }
    default: { // hardSigmoid
      const inside = v128.and(f32x4.gt(a, f32x4.splat(0)), f32x4.lt(a, f32x4.splat(1)));
      return v128.bitselect(f32x4.splat(HARD_SIGMOID_SLOPE), f32x4.splat(0), inside);
    }
  }
}

// expf as one function for the activations computed a value at a time, rather than a copy of
// it inlined at each of their uses.
function exp(x: f32): f32 {
  return expf(x);
}

// σ(z) from e^−|z|, which cannot overflow: for z ≪ 0, σ(z) ≈ e^z stays accurate where
// 1/(1 + e^−z) would overflow to 0, so swish's z·σ(z) keeps its relative accuracy for z ≪ 0.
function logistic(z: f32): f32 {
  const e = exp(-abs<f32>(z));
  return (z >= 0 ? 1 : e) / (1 + e);
}

// Φ(z) = erfc(−z/√2)/2, with erfc(x) for x ≥ 0 from Numerical Recipes' erfcc, t·e^(−x² + P(t)) with
// t = 1/(1 + x/2) (relative error below 1.2·10⁻⁷ for every x), and erfc(−x) = 2 − erfc(x).
// Computing the tail itself rather than 1 − Φ(−z) keeps gelu's relative accuracy for z ≪ 0. So
// does taking e^(−x²) = e^(−z²/2) from z, which is exact, as e^(−h²/2)·e^(−(z − h)(z + h)/2), h being
// z cut to 12 significant bits so that h²/2 is exact, the small second exponent summed with P:
// a rounded x² would carry an error of ulp(x²) into the exponent. For |z| so large that h² overflows, e^−∞ = 0 gives Φ = 0 or 1 exactly.
function normalCdf(z: f32): f32 {
  const x = abs<f32>(z) * HALF_SQRT2;
  const h = reinterpret<f32>(reinterpret<u32>(z) & 0xfffff000);
  const t: f32 = 1 / (1 + 0.5 * x);
  const p: f32 = -1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 +
    t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  const tail: f32 = 0.5 * t * exp(p - 0.5 * ((z - h) * (z + h))) * exp(-0.5 * (h * h));
  return z >= 0 ? 1 - tail : tail;
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
