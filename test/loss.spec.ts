// assembly/loss.ts against the float64 reference (src/reference/ops.ts).
//
// lossSum accumulates in float64 from float32 inputs, as the reference does:
// the two may differ only by the last bits of their logarithms, so the bound
// is 1e-13 of Σ|per-unit loss|.
//
// lossDelta with fuse off is ∂(loss)/∂A followed by the activation's
// derivative from A; the reference is lossGradient on the same float32 A,
// then activationBackward from Z. Tolerance, u = 2^-24: the float32 loss
// gradient is within 4u of its exact value, so elementwise
// |δ − δ_ref| ≤ 8u·|g|·S, with S the size of the terms of the slope (1 for
// linear, |slope| for relu and leakyRelu, a(1 + a) for sigmoid, 1 + a² for
// tanh); for softmax (n + 8)·u·a_j·(|g_j| + Σ_k a_k|g_k|).
//
// With fuse on, sigmoid + binary CE gives A − Y and softmax + categorical CE
// gives A·Σ_k y_k − Y: both are compared with the float64 chain rule run on
// the exact float64 activations (within 4u·(|a| + |y|), resp.
// (n + 4)·u·(a_j·Σ_k|y_k| + |y_j|)), and with the kernel's own unfused path.

import { beforeAll, describe, expect, it } from 'vitest';
import * as abi from '../src/abi.js';
import type { Activation, Loss } from '../src/config.js';
import * as ref from '../src/reference/ops.js';
import type { Rng } from '../src/random.js';
import { BUILDS, kernelHeap, type KernelHeap } from './support/kernels.js';
import {
  U, expectClose, expectGuardsIntact, expectSameBits, expectUnchanged, guarded, randomF32, seeded, snapshot,
  softmaxBackwardScale,
} from './support/numeric.js';

const LOSSES: readonly { name: Loss; id: number }[] = [
  { name: 'squaredError', id: abi.LOSS_SQUARED_ERROR },
  { name: 'binaryCrossentropy', id: abi.LOSS_BINARY_CROSSENTROPY },
  { name: 'categoricalCrossentropy', id: abi.LOSS_CATEGORICAL_CROSSENTROPY },
  { name: 'meanAbsoluteError', id: abi.LOSS_MEAN_ABSOLUTE_ERROR },
  { name: 'huber', id: abi.LOSS_HUBER },
  { name: 'sparseCategoricalCrossentropy', id: abi.LOSS_SPARSE_CATEGORICAL_CROSSENTROPY },
];

/** δ of the Huber loss in these tests: errors of targets in [−1, 1] fall either side of it. */
const HUBER_DELTA = Math.fround(0.7);

const isSparse = (loss: Loss): boolean => loss === 'sparseCategoricalCrossentropy';

/** The targets as the reference reads them: class indices as one-hot rows. */
const referenceTargets = (loss: Loss, y: ArrayLike<number>, n: number): ArrayLike<number> =>
  isSparse(loss) ? ref.oneHot(y, n) : y;

const ALPHA = Math.fround(0.1);
const ACTS: readonly { name: Activation; id: number; alpha: number }[] = [
  { name: 'linear', id: abi.ACT_LINEAR, alpha: 0 },
  { name: 'sigmoid', id: abi.ACT_SIGMOID, alpha: 0 },
  { name: 'tanh', id: abi.ACT_TANH, alpha: 0 },
  { name: 'relu', id: abi.ACT_RELU, alpha: 0 },
  { name: 'leakyRelu', id: abi.ACT_LEAKY_RELU, alpha: ALPHA },
  { name: 'softmax', id: abi.ACT_SOFTMAX, alpha: 0 },
];

const SHAPES: [number, number][] = [[1, 1], [3, 5], [7, 17], [17, 3], [2, 129], [5, 1]];

/**
 * Targets suited to a loss: any values for the regression losses, 0/1 for binary CE, one-hot rows
 * for categorical CE, a class index per row for the sparse loss.
 */
function targets(rng: Rng, loss: Loss, m: number, n: number): Float32Array {
  if (loss === 'squaredError' || loss === 'meanAbsoluteError' || loss === 'huber') return randomF32(rng, m * n, -1, 1);
  if (isSparse(loss)) return Float32Array.from({ length: m }, () => (n > 1 ? rng.below(n) : 0));
  const y = new Float32Array(m * n);
  if (loss === 'binaryCrossentropy') {
    for (let i = 0; i < y.length; i++) y[i] = rng.uniform() < 0.5 ? 0 : 1;
  } else {
    for (let r = 0; r < m; r++) y[r * n + (n > 1 ? rng.below(n) : 0)] = 1;
  }
  return y;
}

/** Rows of soft targets in [0, 1) whose sums are not 1, for the general softmax + CE shortcut. */
const softTargets = (rng: Rng, m: number, n: number): Float32Array => randomF32(rng, m * n, 0, 1);

/** Size of the terms that make up the activation's slope at output a (see the header). */
function slopeTerms(act: Activation, a: number, alpha: number): number {
  switch (act) {
    case 'linear': return 1;
    case 'relu': return a > 0 ? 1 : 0;
    case 'leakyRelu': return a > 0 ? 1 : alpha;
    case 'sigmoid': return a * (1 + a);
    case 'tanh': return 1 + a * a;
    case 'softmax': return NaN;
    default: throw new Error(`no slope terms for ${act}`);
  }
}

describe.each(BUILDS)('%s build', (backend) => {
  let heap: KernelHeap;
  beforeAll(async () => {
    heap = await kernelHeap(backend);
  });

  /** lossDelta on copies of a and y (and the row weights); returns δ after checking guards and inputs. */
  function lossDelta(
    a: ArrayLike<number>, y: ArrayLike<number>, m: number, n: number, loss: number, act: number, alpha: number,
    fuse: boolean, weights?: ArrayLike<number>,
  ): Float32Array {
    const pa = guarded(heap, m * n, a);
    const py = guarded(heap, y.length, y);
    const pd = guarded(heap, m * n);
    const pw = weights ? guarded(heap, m, weights) : 0;
    const aBefore = snapshot(heap, pa, m * n);
    const yBefore = snapshot(heap, py, y.length);
    heap.k.lossDelta(pa, py, m, n, loss, act, alpha, fuse ? 1 : 0, pd, HUBER_DELTA, pw, 0);
    expectGuardsIntact(heap, pd, m * n, 'lossDelta');
    expectUnchanged(heap, pa, aBefore, 'lossDelta: A');
    expectUnchanged(heap, py, yBefore, 'lossDelta: Y');
    return heap.read(pd, m * n);
  }

  describe('lossSum', () => {
    it.each(LOSSES)('$name on every count in {1,3,5,7,17,129}', ({ name, id }) => {
      for (const count of [1, 3, 5, 7, 17, 129]) {
        heap.reset();
        const rng = seeded(count * 17 + id);
        const regression = name === 'squaredError' || name === 'meanAbsoluteError' || name === 'huber';
        const a = regression ? randomF32(rng, count, -2, 2) : randomF32(rng, count, 0.001, 0.999);
        const y = targets(rng, name, 1, count);
        const got = heap.k.lossSum(guarded(heap, count, a), guarded(heap, y.length, y), 1, count, id, HUBER_DELTA, 0);
        const yRef = referenceTargets(name, y, count);
        const want = ref.lossSum(a, yRef, name, HUBER_DELTA);
        let terms = 0;
        for (let i = 0; i < count; i++) terms += Math.abs(ref.unitLoss(a[i]!, yRef[i]!, name, HUBER_DELTA));
        expect(Math.abs(got - want), `${name} count=${count}: got ${got}, want ${want}`).toBeLessThanOrEqual(
          1e-13 * terms,
        );
      }
    });

    it('binary CE with soft targets', () => {
      heap.reset();
      const rng = seeded(5);
      const a = randomF32(rng, 129, 0.001, 0.999);
      const y = randomF32(rng, 129, 0, 1);
      const got = heap.k.lossSum(heap.f32(a), heap.f32(y), 1, 129, abi.LOSS_BINARY_CROSSENTROPY, 1, 0);
      expect(got).toBeCloseTo(ref.lossSum(a, y, 'binaryCrossentropy'), 10);
    });

    it('clamps probabilities: outputs of exactly 0 or 1 give a large finite loss, never NaN or Infinity', () => {
      heap.reset();
      // −log(1e-7) ≈ 16.1 for a confidently wrong unit; ≈ 0 for a confidently right one.
      const a = [0, 1, 0, 1];
      const y = [1, 0, 0, 1];
      const bce = a.map((ai, i) => heap.k.lossSum(heap.f32([ai]), heap.f32([y[i]!]), 1, 1, abi.LOSS_BINARY_CROSSENTROPY, 1, 0));
      expect(bce.every(Number.isFinite), `BCE ${bce}`).toBe(true);
      expect(bce[0]).toBeGreaterThan(15);
      expect(bce[1]).toBeGreaterThan(15);
      expect(bce[2]).toBeLessThan(1e-6);
      expect(bce[3]).toBeLessThan(1e-6);
      bce.forEach((v, i) => expect(v).toBeCloseTo(ref.lossSum([a[i]!], [y[i]!], 'binaryCrossentropy'), 10));
      const cce = heap.k.lossSum(heap.f32([0, 1]), heap.f32([1, 0]), 1, 2, abi.LOSS_CATEGORICAL_CROSSENTROPY, 1, 0);
      expect(cce).toBeGreaterThan(15);
      expect(cce).toBeCloseTo(-Math.log(Math.fround(1e-7)), 10);
      const sparse = heap.k.lossSum(heap.f32([0, 1]), heap.f32([0]), 1, 2, abi.LOSS_SPARSE_CATEGORICAL_CROSSENTROPY, 1, 0);
      expect(sparse).toBe(cce);
    });

    it('categorical CE: an output that is NaN or +Infinity makes the sum NaN, also where its target is 0', () => {
      heap.reset();
      const y = heap.f32([0, 1, 0]);
      const sum = (a: number[], loss: number, targets = y) => heap.k.lossSum(heap.f32(a), targets, 1, 3, loss, 1, 0);
      for (const bad of [NaN, Infinity]) {
        expect(sum([bad, 0.7, 0.1], abi.LOSS_CATEGORICAL_CROSSENTROPY)).toBeNaN();
        expect(sum([0.2, 0.7, bad], abi.LOSS_SPARSE_CATEGORICAL_CROSSENTROPY, heap.f32([1]))).toBeNaN();
      }
      // −Infinity is clamped to the smallest probability, as any output under it is.
      expect(sum([-Infinity, 0.7, 0.1], abi.LOSS_CATEGORICAL_CROSSENTROPY)).toBe(sum([0.2, 0.7, 0.1], abi.LOSS_CATEGORICAL_CROSSENTROPY));
      expect(sum([0.2, 0.7, 0.1], abi.LOSS_CATEGORICAL_CROSSENTROPY)).toBeCloseTo(-Math.log(Math.fround(0.7)), 12);
    });

    it('mean absolute error is Σ|a − y|; Huber is ½e² up to δ and δ(|e| − ½δ) beyond, continuous at δ', () => {
      heap.reset();
      const a = heap.f32([0.5, -2, 3, 1.25]);
      const y = heap.f32([0, 1, 3, -0.75]);
      // |e| = 0.5, 3, 0, 2.
      expect(heap.k.lossSum(a, y, 1, 4, abi.LOSS_MEAN_ABSOLUTE_ERROR, 1, 0)).toBe(5.5);
      // δ = 1: 0.125 + (3 − 0.5) + 0 + (2 − 0.5) = 4.125; δ = 2: 0.125 + 2·(3 − 1) + 0 + 2 = 6.125.
      expect(heap.k.lossSum(a, y, 1, 4, abi.LOSS_HUBER, 1, 0)).toBe(4.125);
      expect(heap.k.lossSum(a, y, 1, 4, abi.LOSS_HUBER, 2, 0)).toBe(6.125);
      expect(heap.k.lossSum(a, y, 2, 2, abi.LOSS_HUBER, 2, 0)).toBe(6.125);
    });

    it.each(LOSSES)('$name with row weights: Σ_r w_r·(row r\'s loss), as the reference weighs rows', ({ name, id }) => {
      heap.reset();
      const [m, n] = [5, 3];
      const rng = seeded(300 + id);
      const a = isSparse(name) || name.endsWith('rossentropy') ? randomF32(rng, m * n, 0.01, 0.99) : randomF32(rng, m * n, -2, 2);
      const y = targets(rng, name, m, n);
      const w = [0.5, 0, 2, 1, 3.25];
      const got = heap.k.lossSum(heap.f32(a), heap.f32(y), m, n, id, HUBER_DELTA, heap.f32(w));
      const yRef = referenceTargets(name, y, n);
      let want = 0;
      for (let r = 0; r < m; r++) {
        want += w[r]! * ref.lossSum(a.subarray(r * n, (r + 1) * n), Array.from({ length: n }, (_, j) => yRef[r * n + j]!), name, HUBER_DELTA);
      }
      expect(Math.abs(got - want), `${name}: ${got} vs ${want}`).toBeLessThanOrEqual(1e-12 * Math.abs(want));
    });
  });

  describe('lossDelta, full chain rule (fuse off)', () => {
    for (const loss of LOSSES) {
      it.each(ACTS.map((act) => [act.name, act] as const))(`${loss.name} through %s`, (_, act) => {
        for (const [m, n] of SHAPES) {
          heap.reset();
          const rng = seeded(m * 1000 + n * 10 + loss.id + 100 * act.id);
          const z = randomF32(rng, m * n, -3, 3);
          const y = targets(rng, loss.name, m, n);
          const a = Float32Array.from(ref.activate(z, m, n, act.name, act.alpha));
          const got = lossDelta(a, y, m, n, loss.id, act.id, act.alpha, false);
          const g = ref.lossGradient(a, referenceTargets(loss.name, y, n), loss.name, HUBER_DELTA);
          const want = ref.activationBackward(g, z, m, n, act.name, act.alpha);
          const what = `${loss.name} ∘ ${act.name} ${m}×${n}`;
          if (act.name === 'softmax') {
            const scale = softmaxBackwardScale(a, g, m, n);
            expectClose(got, want, (i) => (n + 8) * U * scale[i]!, what);
          } else {
            expectClose(got, want, (i) => 8 * U * Math.abs(g[i]!) * slopeTerms(act.name, a[i]!, act.alpha), what);
          }
        }
      });
    }

    it('ignores fuse for every pair that has no shortcut (bit-identical with fuse off)', () => {
      for (const loss of LOSSES) {
        for (const act of ACTS) {
          const fused =
            (act.name === 'sigmoid' && loss.name === 'binaryCrossentropy') ||
            (act.name === 'softmax' && (loss.name === 'categoricalCrossentropy' || isSparse(loss.name)));
          if (fused) continue;
          heap.reset();
          const [m, n] = [3, 7];
          const rng = seeded(41 + loss.id + 10 * act.id);
          const z = randomF32(rng, m * n, -3, 3);
          const y = targets(rng, loss.name, m, n);
          const a = Float32Array.from(ref.activate(z, m, n, act.name, act.alpha));
          expectSameBits(
            lossDelta(a, y, m, n, loss.id, act.id, act.alpha, true),
            lossDelta(a, y, m, n, loss.id, act.id, act.alpha, false),
            `${loss.name} ∘ ${act.name} fused vs unfused`,
          );
        }
      }
    });
  });

  describe('lossDelta shortcuts (fuse on)', () => {
    it('sigmoid + binary CE gives A − Y, as the float64 chain rule and the unfused kernel do', () => {
      for (const [m, n] of SHAPES) {
        heap.reset();
        const rng = seeded(m * 31 + n);
        const z = randomF32(rng, m * n, -3, 3);
        // Hard and soft targets alike.
        const y = m % 2 ? targets(rng, 'binaryCrossentropy', m, n) : randomF32(rng, m * n, 0, 1);
        const exactA = ref.activate(z, m, n, 'sigmoid');
        const a = Float32Array.from(exactA);
        const fused = lossDelta(a, y, m, n, abi.LOSS_BINARY_CROSSENTROPY, abi.ACT_SIGMOID, 0, true);
        const unfused = lossDelta(a, y, m, n, abi.LOSS_BINARY_CROSSENTROPY, abi.ACT_SIGMOID, 0, false);
        const chain = ref.activationBackward(ref.lossGradient(exactA, y, 'binaryCrossentropy'), z, m, n, 'sigmoid');
        const tol = (i: number): number => 4 * U * (Math.abs(a[i]!) + Math.abs(y[i]!));
        expectClose(fused, chain, tol, `fused sigmoid+BCE ${m}×${n} vs float64 chain`);
        expectClose(fused, unfused, tol, `fused sigmoid+BCE ${m}×${n} vs unfused kernel`);
      }
    });

    it('softmax + categorical CE gives A·Σy − Y (A − Y for one-hot rows), as the chain rule does', () => {
      for (const [m, n] of SHAPES) {
        for (const soft of [false, true]) {
          heap.reset();
          const rng = seeded(m * 37 + n + (soft ? 1 : 0));
          const z = randomF32(rng, m * n, -3, 3);
          const y = soft ? softTargets(rng, m, n) : targets(rng, 'categoricalCrossentropy', m, n);
          const exactA = ref.activate(z, m, n, 'softmax');
          const a = Float32Array.from(exactA);
          const fused = lossDelta(a, y, m, n, abi.LOSS_CATEGORICAL_CROSSENTROPY, abi.ACT_SOFTMAX, 0, true);
          const unfused = lossDelta(a, y, m, n, abi.LOSS_CATEGORICAL_CROSSENTROPY, abi.ACT_SOFTMAX, 0, false);
          const chain = ref.activationBackward(
            ref.lossGradient(exactA, y, 'categoricalCrossentropy'), z, m, n, 'softmax',
          );
          const tol = (i: number): number => {
            const r = Math.floor(i / n);
            let ySum = 0;
            for (let j = 0; j < n; j++) ySum += Math.abs(y[r * n + j]!);
            return (n + 8) * U * (a[i]! * ySum + Math.abs(y[i]!));
          };
          const what = `fused softmax+CCE ${m}×${n}${soft ? ' soft targets' : ''}`;
          expectClose(fused, chain, tol, `${what} vs float64 chain`);
          expectClose(fused, unfused, tol, `${what} vs unfused kernel`);
          if (!soft) expectClose(fused, a.map((ai, i) => ai - y[i]!), tol, `${what} vs A − Y`);
        }
      }
    });

    it('softmax + sparse CE: the same bits as softmax + categorical CE on the one-hot rows, fused or not', () => {
      for (const [m, n] of SHAPES.filter(([, n]) => n > 1)) {
        heap.reset();
        const rng = seeded(m * 43 + n);
        const labels = targets(rng, 'sparseCategoricalCrossentropy', m, n);
        const a = Float32Array.from(ref.activate(randomF32(rng, m * n, -3, 3), m, n, 'softmax'));
        for (const fuse of [true, false]) {
          expectSameBits(
            lossDelta(a, labels, m, n, abi.LOSS_SPARSE_CATEGORICAL_CROSSENTROPY, abi.ACT_SOFTMAX, 0, fuse),
            lossDelta(a, ref.oneHot(labels, n), m, n, abi.LOSS_CATEGORICAL_CROSSENTROPY, abi.ACT_SOFTMAX, 0, fuse),
            `sparse vs one-hot ${m}×${n} fuse=${fuse}`,
          );
        }
      }
    });

    it('at saturated outputs (exactly 0 or 1) every delta is finite; the shortcuts keep the A − Y gradient', () => {
      heap.reset();
      const a = [0, 1, 0, 1, Math.fround(1e-7), 0.5];
      for (const loss of LOSSES) {
        const y = isSparse(loss.name) ? [4] : [1, 0, 0, 1, 1, 1];
        for (const act of ACTS) {
          for (const fuse of [false, true]) {
            const got = lossDelta(a, y, 1, a.length, loss.id, act.id, act.alpha, fuse);
            expect(got.every(Number.isFinite), `${loss.name} ∘ ${act.name} fuse=${fuse}: ${got}`).toBe(true);
          }
        }
      }
      const bce = abi.LOSS_BINARY_CROSSENTROPY;
      const y = [1, 0, 0, 1, 1, 1];
      expectSameBits(lossDelta(a, y, 1, 6, bce, abi.ACT_SIGMOID, 0, true), a.map((v, i) => v - y[i]!), 'fused');
      // Unfused, the clamp is active at 0 and 1: the derivative of the clamped loss is 0 there.
      const unfused = lossDelta(a, y, 1, 6, bce, abi.ACT_SIGMOID, 0, false);
      expectSameBits(unfused.subarray(0, 4), [0, 0, 0, 0], 'unfused at the clamp');
    });
  });

  describe('lossDelta with row weights', () => {
    it.each(LOSSES)('$name: each row of δ is the unweighted row times its weight, bit for bit', ({ name, id }) => {
      for (const [m, n] of SHAPES) {
        if (isSparse(name) && n < 2) continue;
        for (const act of ACTS) {
          heap.reset();
          const rng = seeded(m * 7 + n * 3 + id * 11 + act.id);
          const z = randomF32(rng, m * n, -3, 3);
          const a = Float32Array.from(ref.activate(z, m, n, act.name, act.alpha));
          const y = targets(rng, name, m, n);
          const w = randomF32(rng, m, 0, 3);
          const plain = lossDelta(a, y, m, n, id, act.id, act.alpha, true);
          const weighted = lossDelta(a, y, m, n, id, act.id, act.alpha, true, w);
          expectSameBits(weighted, plain.map((d, i) => Math.fround(d * w[Math.floor(i / n)]!)), `${name} ∘ ${act.name} ${m}×${n}`);
        }
      }
    });
  });

  describe('countCorrect', () => {
    it('ACC_INDEX counts rows whose first largest output is the class index; NaN never wins', () => {
      heap.reset();
      const a = heap.f32([0.1, 0.7, 0.2, 0.4, 0.1, 0.4, NaN, 0.2, 0.5, 0.9, 0, 0]);
      expect(heap.k.countCorrect(a, heap.f32([1, 0, 2, 0]), 4, 3, abi.ACC_INDEX)).toBe(4);
      expect(heap.k.countCorrect(a, heap.f32([1, 2, 2, 1]), 4, 3, abi.ACC_INDEX)).toBe(2);
    });

    it('ACC_BINARY counts units whose output and target fall on the same side of 0.5 (0.5 counts as positive)', () => {
      heap.reset();
      const a = heap.f32([0.2, 0.5, 0.7, 0.49999997, 0.9, 0.1]);
      const y = heap.f32([0, 1, 0, 1, 1, 0.5]);
      // Right, right, wrong, wrong, right, wrong: 3, whatever the m×n split.
      expect(heap.k.countCorrect(a, y, 1, 6, abi.ACC_BINARY)).toBe(3);
      expect(heap.k.countCorrect(a, y, 2, 3, abi.ACC_BINARY)).toBe(3);
      expect(heap.k.countCorrect(a, y, 6, 1, abi.ACC_BINARY)).toBe(3);
      expect(heap.k.countCorrect(a, y, 1, 3, abi.ACC_BINARY)).toBe(2);
    });

    it('ACC_ARGMAX counts rows whose first largest output is the first largest target; NaN never wins', () => {
      heap.reset();
      const rows: [number[], number[], boolean][] = [
        [[0.1, 0.7, 0.1, 0.1], [0, 1, 0, 0], true],
        [[0.4, 0.1, 0.4, 0.1], [0, 0, 1, 0], false], // a tie goes to the first: 0 ≠ 2
        [[0.3, 0.1, 0.3, 0.3], [1, 0, 0, 0], true],
        [[NaN, 0.2, 0.5, 0.1], [0, 0, 1, 0], true],
        [[0.5, NaN, 0.2, 0.1], [1, 0, 0, 0], true],
        [[0.9, 0, 0, 0], [0, 0, 0, 1], false],
        [[-3, -1, -2, -5], [0, 1, 0, 0], true],
      ];
      const a = heap.f32(rows.flatMap((r) => r[0]));
      const y = heap.f32(rows.flatMap((r) => r[1]));
      expect(heap.k.countCorrect(a, y, rows.length, 4, abi.ACC_ARGMAX)).toBe(rows.filter((r) => r[2]).length);
      rows.forEach(([, , right], r) => {
        expect(heap.k.countCorrect(a + 16 * r, y + 16 * r, 1, 4, abi.ACC_ARGMAX), `row ${r}`).toBe(right ? 1 : 0);
      });
      // One unit per row: every row agrees.
      expect(heap.k.countCorrect(a, y, 5, 1, abi.ACC_ARGMAX)).toBe(5);
    });

    it('ACC_NONE counts nothing', () => {
      heap.reset();
      const a = heap.f32([1, 0, 1]);
      expect(heap.k.countCorrect(a, a, 1, 3, abi.ACC_NONE)).toBe(0);
    });
  });
});
