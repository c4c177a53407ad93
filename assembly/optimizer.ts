// Parameter updates over a contiguous block of n floats, and the pieces of
// the L2 penalty. Parameters, gradients and optimizer state share one
// layout, so a single call updates every layer. Each SIMD body has a scalar
// tail with the same expression (all the scalar build runs).

import { at } from "./memory";

/** Plain gradient descent: w ← w − lr·g. */
export function sgdStep(w: usize, g: usize, n: i32, lr: f32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const vlr = f32x4.splat(lr);
    for (; i + 4 <= n; i += 4) {
      v128.store(at(w, i), f32x4.sub(v128.load(at(w, i)), f32x4.mul(vlr, v128.load(at(g, i)))));
    }
  }
  for (; i < n; i++) store<f32>(at(w, i), load<f32>(at(w, i)) - lr * load<f32>(at(g, i)));
}

/** Classical momentum: v ← μ·v − lr·g, then w ← w + v, or with Nesterov w ← w + μ·v − lr·g. */
export function momentumStep(w: usize, g: usize, v: usize, n: i32, lr: f32, mu: f32, nesterov: bool): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const vlr = f32x4.splat(lr);
    const vmu = f32x4.splat(mu);
    for (; i + 4 <= n; i += 4) {
      const step = f32x4.mul(vlr, v128.load(at(g, i)));
      const vel = f32x4.sub(f32x4.mul(vmu, v128.load(at(v, i))), step);
      v128.store(at(v, i), vel);
      const delta = nesterov ? f32x4.sub(f32x4.mul(vmu, vel), step) : vel;
      v128.store(at(w, i), f32x4.add(v128.load(at(w, i)), delta));
    }
  }
  for (; i < n; i++) {
    const step = lr * load<f32>(at(g, i));
    const vel = mu * load<f32>(at(v, i)) - step;
    store<f32>(at(v, i), vel);
    const delta = nesterov ? mu * vel - step : vel;
    store<f32>(at(w, i), load<f32>(at(w, i)) + delta);
  }
}

/**
 * Adam (Kingma & Ba 2015, Algorithm 1): m ← β1·m + (1−β1)·g, v ← β2·v + (1−β2)·g²,
 * w ← w − lr·(m·c1) / (√(v·c2) + ε), with c1 = 1/(1−β1^t) and c2 = 1/(1−β2^t).
 */
export function adamStep(
  w: usize, g: usize, m: usize, v: usize, n: i32,
  lr: f32, beta1: f32, beta2: f32, epsilon: f32, c1: f32, c2: f32,
): void {
  const keep1: f32 = 1 - beta1;
  const keep2: f32 = 1 - beta2;
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const vb1 = f32x4.splat(beta1), vk1 = f32x4.splat(keep1);
    const vb2 = f32x4.splat(beta2), vk2 = f32x4.splat(keep2);
    const vc1 = f32x4.splat(c1), vc2 = f32x4.splat(c2);
    const vlr = f32x4.splat(lr), veps = f32x4.splat(epsilon);
    for (; i + 4 <= n; i += 4) {
      const gi = v128.load(at(g, i));
      const mi = f32x4.add(f32x4.mul(vb1, v128.load(at(m, i))), f32x4.mul(vk1, gi));
      const vi = f32x4.add(f32x4.mul(vb2, v128.load(at(v, i))), f32x4.mul(vk2, f32x4.mul(gi, gi)));
      v128.store(at(m, i), mi);
      v128.store(at(v, i), vi);
      const denom = f32x4.add(f32x4.sqrt(f32x4.mul(vi, vc2)), veps);
      const step = f32x4.div(f32x4.mul(vlr, f32x4.mul(mi, vc1)), denom);
      v128.store(at(w, i), f32x4.sub(v128.load(at(w, i)), step));
    }
  }
  for (; i < n; i++) {
    const gi = load<f32>(at(g, i));
    const mi = beta1 * load<f32>(at(m, i)) + keep1 * gi;
    const vi = beta2 * load<f32>(at(v, i)) + keep2 * (gi * gi);
    store<f32>(at(m, i), mi);
    store<f32>(at(v, i), vi);
    const denom = Mathf.sqrt(vi * c2) + epsilon;
    store<f32>(at(w, i), load<f32>(at(w, i)) - (lr * (mi * c1)) / denom);
  }
}

/** g ← scale·g + decay·w: turns a summed weight gradient into its mean and adds the L2 term. */
export function scaleAddWeights(g: usize, w: usize, n: i32, scale: f32, decay: f32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const vs = f32x4.splat(scale);
    const vd = f32x4.splat(decay);
    for (; i + 4 <= n; i += 4) {
      const gi = f32x4.mul(vs, v128.load(at(g, i)));
      v128.store(at(g, i), f32x4.add(gi, f32x4.mul(vd, v128.load(at(w, i)))));
    }
  }
  for (; i < n; i++) {
    store<f32>(at(g, i), scale * load<f32>(at(g, i)) + decay * load<f32>(at(w, i)));
  }
}

/** Σ w² over n floats, accumulated in f64. */
export function sumOfSquares(w: usize, n: i32): f64 {
  let sum: f64 = 0;
  for (let i = 0; i < n; i++) {
    const x = <f64>load<f32>(at(w, i));
    sum += x * x;
  }
  return sum;
}
