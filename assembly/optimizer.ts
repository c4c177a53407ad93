// Parameter updates over a contiguous block of n floats, what is done to the
// gradient before them (clipping, the L1 term), and the pieces of the
// L1 and L2 penalties. Parameters, gradients and optimizer state share one
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
 * w ← keep·w − lr·(m·c1) / (√(v·c2) + ε), with c1 = 1/(1−β1^t) and c2 = 1/(1−β2^t).
 * keep = 1 − lr·λ is AdamW's decoupled weight decay (Loshchilov & Hutter 2019, as PyTorch's
 * AdamW applies it); plain Adam passes 1, which leaves w's bits as w − step would.
 */
export function adamStep(
  w: usize, g: usize, m: usize, v: usize, n: i32,
  lr: f32, beta1: f32, beta2: f32, epsilon: f32, c1: f32, c2: f32, keep: f32,
): void {
  const keep1: f32 = 1 - beta1;
  const keep2: f32 = 1 - beta2;
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const vb1 = f32x4.splat(beta1), vk1 = f32x4.splat(keep1);
    const vb2 = f32x4.splat(beta2), vk2 = f32x4.splat(keep2);
    const vc1 = f32x4.splat(c1), vc2 = f32x4.splat(c2);
    const vlr = f32x4.splat(lr), veps = f32x4.splat(epsilon), vkeep = f32x4.splat(keep);
    for (; i + 4 <= n; i += 4) {
      const gi = v128.load(at(g, i));
      const mi = f32x4.add(f32x4.mul(vb1, v128.load(at(m, i))), f32x4.mul(vk1, gi));
      const vi = f32x4.add(f32x4.mul(vb2, v128.load(at(v, i))), f32x4.mul(vk2, f32x4.mul(gi, gi)));
      v128.store(at(m, i), mi);
      v128.store(at(v, i), vi);
      const denom = f32x4.add(f32x4.sqrt(f32x4.mul(vi, vc2)), veps);
      const step = f32x4.div(f32x4.mul(vlr, f32x4.mul(mi, vc1)), denom);
      v128.store(at(w, i), f32x4.sub(f32x4.mul(vkeep, v128.load(at(w, i))), step));
    }
  }
  for (; i < n; i++) {
    const gi = load<f32>(at(g, i));
    const mi = beta1 * load<f32>(at(m, i)) + keep1 * gi;
    const vi = beta2 * load<f32>(at(v, i)) + keep2 * (gi * gi);
    store<f32>(at(m, i), mi);
    store<f32>(at(v, i), vi);
    const denom = Mathf.sqrt(vi * c2) + epsilon;
    store<f32>(at(w, i), keep * load<f32>(at(w, i)) - (lr * (mi * c1)) / denom);
  }
}

/**
 * RMSprop (Hinton's lecture 6e, in Keras's form): s ← ρ·s + scale·g², w ← w − lr·g / √(s + ε),
 * with scale = 1 − ρ. Adagrad (Duchi et al. 2011, in Keras's form) is the case ρ = scale = 1,
 * where s sums the squares (1·s and 1·g² are exact, so no separate kernel is needed).
 */
export function rmspropStep(w: usize, g: usize, s: usize, n: i32, lr: f32, rho: f32, scale: f32, epsilon: f32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const vrho = f32x4.splat(rho), vscale = f32x4.splat(scale);
    const vlr = f32x4.splat(lr), veps = f32x4.splat(epsilon);
    for (; i + 4 <= n; i += 4) {
      const gi = v128.load(at(g, i));
      const si = f32x4.add(f32x4.mul(vrho, v128.load(at(s, i))), f32x4.mul(vscale, f32x4.mul(gi, gi)));
      v128.store(at(s, i), si);
      const step = f32x4.div(f32x4.mul(vlr, gi), f32x4.sqrt(f32x4.add(si, veps)));
      v128.store(at(w, i), f32x4.sub(v128.load(at(w, i)), step));
    }
  }
  for (; i < n; i++) {
    const gi = load<f32>(at(g, i));
    const si = rho * load<f32>(at(s, i)) + scale * (gi * gi);
    store<f32>(at(s, i), si);
    store<f32>(at(w, i), load<f32>(at(w, i)) - (lr * gi) / Mathf.sqrt(si + epsilon));
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

/** g ← g + l1·sign(w), with sign(0) = 0: the L1 term's subgradient. */
export function addL1(g: usize, w: usize, n: i32, l1: f32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const vplus = f32x4.splat(l1), vminus = f32x4.splat(-l1), zero = f32x4.splat(0);
    for (; i + 4 <= n; i += 4) {
      const wi = v128.load(at(w, i));
      const term = v128.or(v128.and(f32x4.gt(wi, zero), vplus), v128.and(f32x4.lt(wi, zero), vminus));
      v128.store(at(g, i), f32x4.add(v128.load(at(g, i)), term));
    }
  }
  for (; i < n; i++) {
    const wi = load<f32>(at(w, i));
    const term: f32 = wi > 0 ? l1 : wi < 0 ? -l1 : 0;
    store<f32>(at(g, i), load<f32>(at(g, i)) + term);
  }
}

/** g ← min(max(g, −limit), limit) element by element. */
export function clipValues(g: usize, n: i32, limit: f32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const vhi = f32x4.splat(limit), vlo = f32x4.splat(-limit);
    for (; i + 4 <= n; i += 4) v128.store(at(g, i), f32x4.min(f32x4.max(v128.load(at(g, i)), vlo), vhi));
  }
  for (; i < n; i++) store<f32>(at(g, i), min(max(load<f32>(at(g, i)), -limit), limit));
}

/** g ← scale·g. */
export function scaleElements(g: usize, n: i32, scale: f32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const vs = f32x4.splat(scale);
    for (; i + 4 <= n; i += 4) v128.store(at(g, i), f32x4.mul(vs, v128.load(at(g, i))));
  }
  for (; i < n; i++) store<f32>(at(g, i), scale * load<f32>(at(g, i)));
}

/** Σ |w| over n floats, accumulated in f64. */
export function sumOfAbs(w: usize, n: i32): f64 {
  let sum: f64 = 0;
  for (let i = 0; i < n; i++) sum += Math.abs(<f64>load<f32>(at(w, i)));
  return sum;
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
