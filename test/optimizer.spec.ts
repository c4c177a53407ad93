// assembly/optimizer.ts against the float64 reference optimizer
// (src/reference/ops.ts optimizerStep): K = 20 steps from a seeded start,
// fed the same float32 gradients, on lengths around the 4-wide SIMD body.
//
// Hyperparameters are rounded to float32 before the reference sees them, as
// the kernels receive them. Adam's bias corrections are passed as
// c1 = 1/(1 − β1^t), c2 = 1/(1 − β2^t), computed as assembly/train.ts does.
//
// Tolerance, u = 2^-24: float32 rounding errors add up along the trajectory
// but are not amplified (lr·g does not depend on w), so after K steps
//   |w − w_ref| ≤ Σ_t (2u·|w_t| + c_t·T_t), where 2u·|w_t| covers the
//   rounding of the update itself and T_t is the size of step t's terms:
//   SGD      T = |lr·g_t|, c = 2u;
//   momentum T = (|v_t| + |lr·g_t|)/(1 − μ), c = 4u (a velocity error
//            decays by μ per step but reaches w on every later step);
//   Adam     T = |Δw_t| + lr·c1·m̄_t/(√v̂_t + ε), c = 4(t + 4)·u, with m̄
//            the first moment of |g| (the size of the terms summed into m,
//            which may itself cancel to near 0); the moments' own errors
//            grow with t.
//   AdamW    as Adam, plus 2u·|w_t| a step: keep = 1 − lr·λ reaches the
//            kernel rounded to float32, and keep·w is rounded once more.
//   RMSprop, Adagrad
//            T = |Δw_t|, c = 4(t + 4)·u: lr·g/√(s + ε) rounds four times,
//            plus half the relative error of s, which grows with t.
// Velocity: Σ_t 4u·(|v_t| + |lr·g_t|); first moment: Σ_t 4u·m̄_t; second
// moment, mean square and sum of squares: 3(K + 1)·u·v (positive terms only).
// The optimizer state (velocity, moments) is held to the same kind of bound.

import { beforeAll, describe, expect, it } from 'vitest';
import * as ref from '../src/reference/ops.js';
import { BUILDS, kernelHeap, type KernelHeap } from './support/kernels.js';
import {
  U, expectClose, expectGuardsIntact, expectUnchanged, guarded, randomF32, seeded, snapshot,
} from './support/numeric.js';

const LENGTHS = [1, 3, 5, 7, 17, 129];
const K = 20;
const f = Math.fround;

type Config =
  | { type: 'sgd'; lr: number }
  | { type: 'momentum'; lr: number; mu: number; nesterov: boolean }
  | { type: 'adam' | 'adamw'; lr: number; beta1: number; beta2: number; epsilon: number; weightDecay: number }
  | { type: 'rmsprop'; lr: number; rho: number; epsilon: number }
  | { type: 'adagrad'; lr: number; initial: number; epsilon: number };

const CONFIGS: readonly [string, Config][] = [
  ['sgd', { type: 'sgd', lr: f(0.1) }],
  ['momentum', { type: 'momentum', lr: f(0.05), mu: f(0.9), nesterov: false }],
  ['momentum (Nesterov)', { type: 'momentum', lr: f(0.05), mu: f(0.9), nesterov: true }],
  ['adam', { type: 'adam', lr: f(0.01), beta1: f(0.9), beta2: f(0.999), epsilon: f(1e-8), weightDecay: 0 }],
  ['adam (large ε, small β2)', { type: 'adam', lr: f(0.1), beta1: f(0.5), beta2: f(0.9), epsilon: f(0.01), weightDecay: 0 }],
  ['adamw', { type: 'adamw', lr: f(0.01), beta1: f(0.9), beta2: f(0.999), epsilon: f(1e-8), weightDecay: f(0.5) }],
  ['rmsprop', { type: 'rmsprop', lr: f(0.01), rho: f(0.9), epsilon: f(1e-7) }],
  ['rmsprop (ρ = 0, large ε)', { type: 'rmsprop', lr: f(0.02), rho: 0, epsilon: f(0.01) }],
  ['adagrad', { type: 'adagrad', lr: f(0.05), initial: f(0.1), epsilon: f(1e-7) }],
  ['adagrad (from zero)', { type: 'adagrad', lr: f(0.05), initial: 0, epsilon: f(1e-7) }],
];

function referenceOptimizer(c: Config): ref.ReferenceOptimizer {
  switch (c.type) {
    case 'sgd': return { type: 'sgd', learningRate: c.lr };
    case 'momentum': return { type: 'momentum', learningRate: c.lr, momentum: c.mu, nesterov: c.nesterov };
    case 'adam':
    case 'adamw':
      return { type: c.type, learningRate: c.lr, beta1: c.beta1, beta2: c.beta2, epsilon: c.epsilon, weightDecay: c.weightDecay };
    case 'rmsprop': return { type: 'rmsprop', learningRate: c.lr, rho: c.rho, epsilon: c.epsilon };
    case 'adagrad': return { type: 'adagrad', learningRate: c.lr, initialAccumulatorValue: c.initial, epsilon: c.epsilon };
  }
}

/** The first state block as the engine starts it: zeros, or Adagrad's initial accumulator. */
const startingState = (c: Config, n: number): Float32Array => new Float32Array(n).fill(c.type === 'adagrad' ? c.initial : 0);

/** Adam's bias corrections for step t (from 1), as assembly/train.ts computes them: in float64, then float32. */
const corrections = (beta1: number, beta2: number, t: number): [number, number] => [
  f(1 / (1 - Math.pow(beta1, t))),
  f(1 / (1 - Math.pow(beta2, t))),
];

describe.each(BUILDS)('%s build', (backend) => {
  let heap: KernelHeap;
  beforeAll(async () => {
    heap = await kernelHeap(backend);
  });

  describe.each(CONFIGS)('%s', (_, config) => {
    it.each(LENGTHS)(`${K} steps on %i parameters match the reference trajectory`, (n) => {
      heap.reset();
      const rng = seeded(n * 101 + Math.round(config.lr * 1e4));
      const w0 = randomF32(rng, n, -1, 1);
      const grads = Array.from({ length: K }, () => randomF32(rng, n, -1, 1));

      const pw = guarded(heap, n, w0);
      const pg = guarded(heap, n);
      const ps1 = guarded(heap, n, startingState(config, n));
      const ps2 = guarded(heap, n, new Float32Array(n));

      const w = Float64Array.from(w0);
      const o = referenceOptimizer(config);
      const state = ref.initialState(n, o);
      const budget = new Float64Array(n); // Σ_t of the size of step t's terms (see the header)
      const stateBudget = new Float64Array(n);
      const mAbs = new Float64Array(n);

      for (let t = 1; t <= K; t++) {
        const g = grads[t - 1]!;
        new Float32Array(heap.k.memory.buffer, pg, n).set(g);
        const gBefore = snapshot(heap, pg, n);
        const before = Float64Array.from(w);
        switch (config.type) {
          case 'sgd':
            heap.k.sgdStep(pw, pg, n, config.lr);
            break;
          case 'momentum':
            heap.k.momentumStep(pw, pg, ps1, n, config.lr, config.mu, config.nesterov ? 1 : 0);
            break;
          case 'adam':
          case 'adamw': {
            const [c1, c2] = corrections(config.beta1, config.beta2, t);
            // AdamW's keep = 1 − lr·λ, computed as assembly/train.ts does: in float64, then float32.
            const keep = f(1 - config.lr * config.weightDecay);
            heap.k.adamStep(pw, pg, ps1, ps2, n, config.lr, config.beta1, config.beta2, config.epsilon, c1, c2, keep);
            break;
          }
          case 'rmsprop':
            heap.k.rmspropStep(pw, pg, ps1, n, config.lr, config.rho, f(1 - config.rho), config.epsilon);
            break;
          case 'adagrad':
            heap.k.rmspropStep(pw, pg, ps1, n, config.lr, 1, 1, config.epsilon);
            break;
        }
        expectUnchanged(heap, pg, gBefore, `step ${t}: gradient`);
        ref.optimizerStep(w, g, state, o, t);

        // Rounding per unit of a step's terms: SGD rounds lr·g and nothing else feeds back;
        // momentum's velocity errors only decay; Adam's moments carry errors that grow with t.
        const c = config.type === 'sgd' ? 2 * U : config.type === 'momentum' ? 4 * U : 4 * (t + 4) * U;
        for (let i = 0; i < n; i++) {
          const step = Math.abs(config.lr * g[i]!);
          let terms = step;
          if (config.type === 'momentum') {
            stateBudget[i]! += c * (Math.abs(state.velocity[i]!) + step);
            terms = (Math.abs(state.velocity[i]!) + step) / (1 - config.mu);
          } else if (config.type === 'adam' || config.type === 'adamw') {
            mAbs[i] = config.beta1 * mAbs[i]! + (1 - config.beta1) * Math.abs(g[i]!);
            const vHat = state.v[i]! / (1 - config.beta2 ** t);
            const c1 = 1 / (1 - config.beta1 ** t);
            terms = Math.abs(w[i]! - before[i]!) + (config.lr * c1 * mAbs[i]!) / (Math.sqrt(vHat) + config.epsilon);
            stateBudget[i]! += 4 * U * mAbs[i]!;
            if (config.type === 'adamw') budget[i]! += 2 * U * Math.abs(before[i]!);
          } else if (config.type === 'rmsprop' || config.type === 'adagrad') {
            terms = Math.abs(w[i]! - before[i]!);
          }
          // The update itself rounds once (u·|w|); the step carries the error of its own terms.
          budget[i]! += 2 * U * Math.abs(w[i]!) + c * terms;
        }
      }

      const what = `${config.type} n=${n} after ${K} steps`;
      expectClose(heap.read(pw, n), w, (i) => budget[i]!, `${what}: weights`);
      expectGuardsIntact(heap, pw, n, `${what}: weights`);
      if (config.type === 'momentum') {
        expectClose(heap.read(ps1, n), state.velocity, (i) => stateBudget[i]!, `${what}: velocity`);
        expectGuardsIntact(heap, ps1, n, `${what}: velocity`);
      }
      if (config.type === 'rmsprop' || config.type === 'adagrad') {
        // A sum of positive terms, as Adam's v.
        expectClose(heap.read(ps1, n), state.v, (i) => 3 * (K + 1) * U * state.v[i]!, `${what}: squares`);
        expectGuardsIntact(heap, ps1, n, `${what}: squares`);
      }
      if (config.type === 'adam' || config.type === 'adamw') {
        expectClose(heap.read(ps1, n), state.m, (i) => stateBudget[i]!, `${what}: first moment`);
        // v is a sum of positive terms: its relative error grows by at most 3u per step.
        expectClose(heap.read(ps2, n), state.v, (i) => 3 * (K + 1) * U * state.v[i]!, `${what}: second moment`);
        expectGuardsIntact(heap, ps1, n, `${what}: first moment`);
        expectGuardsIntact(heap, ps2, n, `${what}: second moment`);
      }
      // The trajectory really moved: a kernel that did nothing would fail above by far more than the bound.
      expect(Math.max(...w.map((x, i) => Math.abs(x - w0[i]!)))).toBeGreaterThan(100 * Math.max(...budget));
    });
  });

  describe('sgdStep', () => {
    it.each(LENGTHS)('works in place with the gradient aliasing the weights (w ← w − lr·w), n = %i', (n) => {
      heap.reset();
      const w0 = randomF32(seeded(n), n, -2, 2);
      const pw = guarded(heap, n, w0);
      const lr = f(0.25);
      heap.k.sgdStep(pw, pw, n, lr);
      const want = Float64Array.from(w0);
      ref.optimizerStep(want, Float64Array.from(w0), { velocity: new Float64Array(n), m: new Float64Array(n), v: new Float64Array(n) }, { type: 'sgd', learningRate: lr }, 1);
      expectClose(heap.read(pw, n), want, (i) => 2 * U * (Math.abs(want[i]!) + Math.abs(lr * w0[i]!)), `sgd in place n=${n}`);
      expectGuardsIntact(heap, pw, n, 'sgd in place');
    });
  });

  describe('the passes over the gradient before a step', () => {
    const sign = (x: number): number => (x > 0 ? 1 : x < 0 ? -1 : 0);
    // Each computes one float32 operation on float32 operands: float64 holds the exact result of
    // the product or sum, which rounds once to float32 as the kernel does (2·24 + 2 ≤ 53 bits),
    // so fround of the float64 result is the kernel's exact answer.
    const passes: [string, (g: number, w: number) => number, (h: KernelHeap, pg: number, pw: number, n: number) => void][] = [
      ['addL1: g + λ1·sign(w), 0 where w is 0', (g, w) => f(g + f(0.003) * sign(w)), (h, pg, pw, n) => h.k.addL1(pg, pw, n, 0.003)],
      ['clipValues: min(max(g, −c), c)', (g) => Math.min(Math.max(g, -f(0.4)), f(0.4)), (h, pg, _, n) => h.k.clipValues(pg, n, 0.4)],
      ['scaleElements: s·g', (g) => f(f(0.37) * g), (h, pg, _, n) => h.k.scaleElements(pg, n, 0.37)],
    ];
    describe.each(passes)('%s', (_, expected, run) => {
      it.each(LENGTHS)('is exact, in place, leaving w and the guards alone, n = %i', (n) => {
        heap.reset();
        const rng = seeded(n * 13);
        const g0 = randomF32(rng, n, -1, 1);
        const w = randomF32(rng, n, -1, 1).map((x, i) => (i % 3 === 2 ? 0 : x));
        const pg = guarded(heap, n, g0);
        const pw = guarded(heap, n, w);
        const wBefore = snapshot(heap, pw, n);
        run(heap, pg, pw, n);
        const want = Array.from(g0, (g, i) => expected(g, w[i]!));
        expect(Array.from(heap.read(pg, n))).toEqual(want);
        expect(want.some((x, i) => x !== g0[i])).toBe(true);
        expectGuardsIntact(heap, pg, n, 'gradient');
        expectUnchanged(heap, pw, wBefore, 'w');
      });
    });
  });

  describe('scaleAddWeights', () => {
    // g ← scale·g + decay·w: two products and a sum, each rounded once: within 2u·(|scale·g| + |decay·w|).
    const cases = [
      [f(1 / 7), f(0.01 / 7)],
      [f(1), f(0)],
      [f(0.5), f(-3)],
    ] as const;
    it.each(LENGTHS)('matches scale·g + decay·w in float64, n = %i', (n) => {
      for (const [scale, decay] of cases) {
        heap.reset();
        const rng = seeded(n * 3);
        const g0 = randomF32(rng, n, -5, 5);
        const w = randomF32(rng, n, -1, 1);
        const pg = guarded(heap, n, g0);
        const pw = guarded(heap, n, w);
        const wBefore = snapshot(heap, pw, n);
        heap.k.scaleAddWeights(pg, pw, n, scale, decay);
        const want = Float64Array.from(g0, (gi, i) => scale * gi + decay * w[i]!);
        const tol = (i: number): number => 2 * U * (Math.abs(scale * g0[i]!) + Math.abs(decay * w[i]!));
        expectClose(heap.read(pg, n), want, tol, `scaleAddWeights n=${n} scale=${scale} decay=${decay}`);
        expectGuardsIntact(heap, pg, n, 'scaleAddWeights');
        expectUnchanged(heap, pw, wBefore, 'scaleAddWeights: w');
      }
    });

    it.each(LENGTHS)('works in place with w aliasing g (g ← (scale + decay)·g), n = %i', (n) => {
      heap.reset();
      const g0 = randomF32(seeded(n * 5), n, -5, 5);
      const pg = guarded(heap, n, g0);
      const [scale, decay] = [f(0.25), f(0.125)];
      heap.k.scaleAddWeights(pg, pg, n, scale, decay);
      // 0.25·g and 0.125·g are exact in float32, so one rounding of their sum: within u.
      expectClose(heap.read(pg, n), g0.map((x) => 0.375 * x), (i) => U * Math.abs(0.375 * g0[i]!), 'in place');
    });
  });

  describe('sumOfAbs', () => {
    it.each(LENGTHS)('is Σ |w| accumulated in float64, n = %i', (n) => {
      heap.reset();
      const w = randomF32(seeded(n * 11), n, -3, 3);
      const pw = guarded(heap, n, w);
      let want = 0;
      for (const x of w) want += Math.abs(x);
      // Each |w| is exact; the n additions round by n·2^-53 of the sum at most.
      expect(Math.abs(heap.k.sumOfAbs(pw, n) - want)).toBeLessThanOrEqual(n * 2 ** -53 * want);
      expect(heap.k.sumOfAbs(heap.f32([-0, 0]), 2)).toBe(0);
    });
  });

  describe('sumOfSquares', () => {
    it.each(LENGTHS)('is Σ w² accumulated in float64, n = %i', (n) => {
      heap.reset();
      const w = randomF32(seeded(n * 7), n, -3, 3);
      const pw = guarded(heap, n, w);
      const before = snapshot(heap, pw, n);
      let want = 0;
      for (const x of w) want += x * x;
      // Each square of a float32 is exact in float64; the n additions round by n·2^-53 of the sum at most.
      expect(Math.abs(heap.k.sumOfSquares(pw, n) - want)).toBeLessThanOrEqual(n * 2 ** -53 * want);
      expectUnchanged(heap, pw, before, 'sumOfSquares: w');
    });

    it('is 0 for no weights and large without overflow for float32 maxima', () => {
      heap.reset();
      expect(heap.k.sumOfSquares(heap.f32([1, 2]), 0)).toBe(0);
      const big = f(3e38);
      expect(heap.k.sumOfSquares(heap.f32([big, -big]), 2)).toBe(2 * big * big);
    });
  });
});
