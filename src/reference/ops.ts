// Float64 reference versions of the kernels, written for clarity rather
// than speed, and independently of assembly/: derivatives come from Z (the
// kernels use A), the chain rule is never fused, and nothing is vectorised.
// Tests hold the wasm kernels to these.

import { type Activation, activationEntry } from '../activations.js';
import type { Loss } from '../config.js';

export type Vector = Float64Array;

/** C[m×n] = A[m×k]·B[k×n]. */
export function matmul(a: ArrayLike<number>, b: ArrayLike<number>, m: number, k: number, n: number): Vector {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let p = 0; p < k; p++) sum += a[i * k + p]! * b[p * n + j]!;
      c[i * n + j] = sum;
    }
  }
  return c;
}

/** C[m×n] = A[k×m]ᵀ·B[k×n]. */
export function matmulTransA(a: ArrayLike<number>, b: ArrayLike<number>, k: number, m: number, n: number): Vector {
  return matmul(transpose(a, k, m), b, m, k, n);
}

/** C[m×n] = A[m×k]·B[n×k]ᵀ. */
export function matmulTransB(a: ArrayLike<number>, b: ArrayLike<number>, m: number, k: number, n: number): Vector {
  return matmul(a, transpose(b, n, k), m, k, n);
}

/** The cols × rows transpose of a rows × cols matrix. */
export function transpose(a: ArrayLike<number>, rows: number, cols: number): Vector {
  const t = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) t[j * rows + i] = a[i * cols + j]!;
  return t;
}

/** A = g(Z) for an m×n block (softmax row by row). */
export function activate(z: ArrayLike<number>, m: number, n: number, activation: Activation, alpha = 0): Vector {
  const a = new Float64Array(m * n);
  const { reference } = activationEntry(activation);
  if (reference === 'softmax') {
    for (let i = 0; i < m; i++) {
      const row = Array.from({ length: n }, (_, j) => z[i * n + j]!);
      const top = Math.max(...row);
      const exps = row.map((v) => Math.exp(v - top));
      const sum = exps.reduce((s, v) => s + v, 0);
      exps.forEach((e, j) => (a[i * n + j] = e / sum));
    }
    return a;
  }
  for (let i = 0; i < m * n; i++) a[i] = reference.g(z[i]!, alpha);
  return a;
}

/** ∂L/∂Z given G = ∂L/∂A for an m×n block: G ⊙ g'(Z), or the softmax Jacobian applied to each row of G. */
export function activationBackward(
  g: ArrayLike<number>,
  z: ArrayLike<number>,
  m: number,
  n: number,
  activation: Activation,
  alpha = 0,
): Vector {
  const d = new Float64Array(m * n);
  const { reference } = activationEntry(activation);
  if (reference === 'softmax') {
    const a = activate(z, m, n, activation);
    for (let i = 0; i < m; i++) {
      // J[j][k] = a_j (δ_jk − a_k), so (J·g)_j = a_j (g_j − Σ_k a_k g_k).
      let dot = 0;
      for (let k = 0; k < n; k++) dot += a[i * n + k]! * g[i * n + k]!;
      for (let j = 0; j < n; j++) d[i * n + j] = a[i * n + j]! * (g[i * n + j]! - dot);
    }
    return d;
  }
  for (let i = 0; i < m * n; i++) d[i] = g[i]! * reference.slope(z[i]!, alpha);
  return d;
}

/** Probabilities are clamped to [EPSILON, ONE_MINUS_EPSILON] inside logarithms (the float32 values the kernels use). */
export const EPSILON = Math.fround(1e-7);
export const ONE_MINUS_EPSILON = Math.fround(1 - EPSILON);

const clamp = (p: number): number => Math.min(Math.max(p, EPSILON), ONE_MINUS_EPSILON);

/**
 * The loss between output a and target y of one unit; the sparse loss is categorical cross-entropy
 * against the one-hot row, which the caller expands. huberDelta is δ of the Huber loss.
 */
export function unitLoss(a: number, y: number, loss: Loss, huberDelta = 1): number {
  const e = a - y;
  switch (loss) {
    case 'squaredError': return 0.5 * e * e;
    case 'meanAbsoluteError': return Math.abs(e);
    case 'huber': return Math.abs(e) <= huberDelta ? 0.5 * e * e : huberDelta * (Math.abs(e) - 0.5 * huberDelta);
    case 'binaryCrossentropy': return -(y * Math.log(clamp(a)) + (1 - y) * Math.log(1 - clamp(a)));
    case 'categoricalCrossentropy':
    case 'sparseCategoricalCrossentropy': return -y * Math.log(Math.max(a, EPSILON));
  }
}

/** ∂(unit loss)/∂a: zero where the clamp of a cross-entropy is active, and for |a − y| at 0. */
export function unitLossGradient(a: number, y: number, loss: Loss, huberDelta = 1): number {
  const e = a - y;
  switch (loss) {
    case 'squaredError': return e;
    case 'meanAbsoluteError': return Math.sign(e);
    case 'huber': return Math.min(Math.max(e, -huberDelta), huberDelta);
    case 'binaryCrossentropy': return a >= EPSILON && a <= ONE_MINUS_EPSILON ? -y / a + (1 - y) / (1 - a) : 0;
    case 'categoricalCrossentropy':
    case 'sparseCategoricalCrossentropy': return a >= EPSILON ? -y / a : 0;
  }
}

/** Σ over all units of the loss between outputs a and targets y. */
export function lossSum(a: ArrayLike<number>, y: ArrayLike<number>, loss: Loss, huberDelta = 1): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += unitLoss(a[i]!, y[i]!, loss, huberDelta);
  return sum;
}

/** ∂(Σ loss)/∂a for each unit. */
export function lossGradient(a: ArrayLike<number>, y: ArrayLike<number>, loss: Loss, huberDelta = 1): Vector {
  return Float64Array.from(a, (ai, i) => unitLossGradient(ai, y[i]!, loss, huberDelta));
}

/** Class indices (one per row) as one-hot rows of `classes` units. */
export function oneHot(labels: ArrayLike<number>, classes: number): Vector {
  const rows = new Float64Array(labels.length * classes);
  for (let r = 0; r < labels.length; r++) rows[r * classes + labels[r]!] = 1;
  return rows;
}

/** Optimizer state for one parameter tensor. */
export interface OptimizerState {
  /** Momentum's velocity. */
  velocity: Vector;
  /** Adam's first moment. */
  m: Vector;
  /** Adam's second moment, RMSprop's mean square, Adagrad's sum of squares. */
  v: Vector;
}

export interface ReferenceOptimizer {
  type: 'sgd' | 'momentum' | 'adam' | 'adamw' | 'rmsprop' | 'adagrad';
  learningRate: number;
  momentum?: number;
  nesterov?: boolean;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  rho?: number;
  initialAccumulatorValue?: number;
  weightDecay?: number;
}

/** The state of a tensor of `length` parameters before the first step. */
export function initialState(length: number, o: ReferenceOptimizer): OptimizerState {
  const v = new Float64Array(length).fill(o.type === 'adagrad' ? (o.initialAccumulatorValue ?? 0.1) : 0);
  return { velocity: new Float64Array(length), m: new Float64Array(length), v };
}

/** One optimizer step on w given gradient g, at rate lr (the optimizer's own unless a schedule says); t counts steps from 1. */
export function optimizerStep(
  w: Vector,
  g: ArrayLike<number>,
  state: OptimizerState,
  o: ReferenceOptimizer,
  t: number,
  lr = o.learningRate,
): void {
  for (let i = 0; i < w.length; i++) {
    const gi = g[i]!;
    switch (o.type) {
      case 'sgd':
        w[i]! -= lr * gi;
        break;
      case 'momentum': {
        const mu = o.momentum ?? 0.9;
        state.velocity[i] = mu * state.velocity[i]! - lr * gi;
        w[i]! += o.nesterov ? mu * state.velocity[i]! - lr * gi : state.velocity[i]!;
        break;
      }
      case 'adam':
      case 'adamw': {
        const { beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8 } = o;
        // AdamW (Loshchilov & Hutter; PyTorch's AdamW): the decay is applied to w directly, not through g.
        if (o.type === 'adamw') w[i]! *= 1 - lr * (o.weightDecay ?? 0.01);
        state.m[i] = beta1 * state.m[i]! + (1 - beta1) * gi;
        state.v[i] = beta2 * state.v[i]! + (1 - beta2) * gi * gi;
        const mHat = state.m[i]! / (1 - beta1 ** t);
        const vHat = state.v[i]! / (1 - beta2 ** t);
        w[i]! -= (lr * mHat) / (Math.sqrt(vHat) + epsilon);
        break;
      }
      case 'rmsprop': {
        const { rho = 0.9, epsilon = 1e-7 } = o;
        state.v[i] = rho * state.v[i]! + (1 - rho) * gi * gi;
        w[i]! -= (lr * gi) / Math.sqrt(state.v[i]! + epsilon);
        break;
      }
      case 'adagrad': {
        const { epsilon = 1e-7 } = o;
        state.v[i]! += gi * gi;
        w[i]! -= (lr * gi) / Math.sqrt(state.v[i]! + epsilon);
        break;
      }
    }
  }
}
