// assembly/activation.ts against the float64 reference (src/reference/ops.ts), for every
// activation of the table (src/activations.ts): an entry without a kernel case fails here.
//
// activate(z, m, n, bias, act, alpha) computes Z ← g(Z + bias) in place, with
// bias = 0 meaning no bias; the bias add is one float32 addition, so the
// reference is given fround(z + b). activationBackward(d, a, …) computes
// D ← D ⊙ g'(Z) from the outputs A = g(Z); the reference takes Z, so the
// kernel is given A = fround(g(Z)) and both are compared on the same Z.
//
// Tolerances (u = 2^-24, the float32 unit roundoff):
//   forward  linear, relu, leakyRelu   exact (one float32 multiply at most)
//            sigmoid, tanh             4 ULPs of the correctly rounded value
//            softmax                   relative (n + 6 + 2·max_k|z_k − max z|)·u: the
//                                      rounded z − max z is amplified by exp, then
//                                      n terms are summed and one division rounds
//            elu, softplus, softsign   relative 4u (expm1, log1p and e^x within an ULP or two)
//            selu                      relative 4u (one more product)
//            swish                     relative 8u (e^x, a sum and a quotient)
//            gelu                      relative 16u: Φ's fit (below 2u) from three e^x
//            hardSigmoid               absolute u: 0.2z + 0.5 cancels near z = −2.5
//            (relative bounds with an absolute floor of the smallest normal float32:
//            results that would be subnormal may come out as 0, as sigmoid's do)
//   backward linear, relu, leakyRelu   exact
//            sigmoid, tanh             absolute 6·u·|g|: the slope from the rounded A,
//                                      a(1 − a) or 1 − a², is within ≤ 4u of the exact
//                                      slope (which is ≤ 1), and the product rounds once
//            softmax                   (n + 4)·u·a_j·(|g_j| + Σ_k a_k·|g_k|): the dot product
//                                      Σ a_k g_k over n terms, one subtraction, one product
//            elu, softplus             absolute 2·u·|g|: a + 1 and 1 − e^−a from the rounded A
//            selu, softsign            absolute 4·u·|g|
//            hardSigmoid               absolute u·|g| (0.2 rounded to float32)
//            gelu                      absolute 8·u·|g|, from Z
//            swish                     absolute (6 + |z|)·u·|g|, from Z: z·(1 − σ) carries
//                                      the rounding of σ times z
//   any other activation of the table: relative 16u forward, absolute 8·u·|g| backward,
//   until it is given bounds of its own

import { beforeAll, describe, expect, it } from 'vitest';
import { type Activation, activationEntry, ACTIVATIONS } from '../src/activations.js';
import * as ref from '../src/reference/ops.js';
import { BUILDS, kernelHeap, type KernelHeap } from './support/kernels.js';
import {
  U, expectClose, expectGuardsIntact, expectSameBits, expectUlps, expectUnchanged, guarded, randomF32, seeded,
  snapshot, softmaxBackwardScale,
} from './support/numeric.js';

interface Act {
  readonly name: Activation;
  readonly id: number;
  readonly alpha: number;
}

// Every activation of the table, leakyRelu at two slopes.
const actOf = (name: Activation, alpha = 0): Act => ({ name, id: activationEntry(name).id, alpha: Math.fround(alpha) });
const ACTS: readonly Act[] = ACTIVATIONS.flatMap((name) => (name === 'leakyRelu' ? [actOf(name, 0.01), actOf(name, 0.3)] : [actOf(name)]));
const keepsZ = (act: Act): boolean => activationEntry(act.name).keepsPreactivations === true;

// The header's bounds for the activations computed one value at a time: forward relative (in u),
// backward absolute (in u·|g|, given z); an activation not named has the default ones.
const FORWARD_RELATIVE: Partial<Record<Activation, number>> = { elu: 4, selu: 4, gelu: 16, softplus: 4, swish: 8, softsign: 4 };
const DEFAULT_FORWARD_RELATIVE = 16;
const DEFAULT_BACKWARD_ABSOLUTE = (): number => 8;
const BACKWARD_ABSOLUTE: Partial<Record<Activation, (z: number) => number>> = {
  elu: () => 2, selu: () => 4, gelu: () => 8, softplus: () => 2, swish: (z) => 6 + Math.abs(z), softsign: () => 4, hardSigmoid: () => 1,
};
const SMALLEST_NORMAL = 2 ** -126;
const label = (act: Act): string => (act.name === 'leakyRelu' ? `leakyRelu α=${act.alpha}` : act.name);

const MS = [1, 3, 7, 17];
const NS = [1, 3, 5, 7, 17, 129];
const SHAPES = MS.flatMap((m) => NS.map((n): [number, number] => [m, n]));

// The activations the header comment calls exact, forward and backward: compared bit for bit.
const isExact = (act: Act): boolean => act.name === 'linear' || act.name === 'relu' || act.name === 'leakyRelu';

/** Compares forward outputs with the tolerance of the header comment. */
function expectForward(act: Act, got: Float32Array, z: ArrayLike<number>, m: number, n: number, what: string): void {
  const want = ref.activate(z, m, n, act.name, act.alpha);
  if (isExact(act)) return expectSameBits(got, Float32Array.from(want), what);
  switch (act.name) {
    case 'sigmoid':
    case 'tanh':
      expectUlps(got, want, 4, what);
      break;
    case 'hardSigmoid':
      expectClose(got, want, () => U, what);
      break;
    case 'softmax': {
      const slack = new Float64Array(m * n);
      for (let i = 0; i < m; i++) {
        let top = -Infinity;
        for (let j = 0; j < n; j++) top = Math.max(top, z[i * n + j]!);
        let range = 0;
        // exp(−∞) is exactly 0, so only finite logits carry rounding into exp.
        for (let j = 0; j < n; j++) if (Number.isFinite(z[i * n + j]!)) range = Math.max(range, top - z[i * n + j]!);
        slack.fill((n + 6 + 2 * range) * U, i * n, (i + 1) * n);
      }
      expectClose(got, want, (i) => slack[i]! * Math.abs(want[i]!), what);
      break;
    }
    default: {
      const relative = FORWARD_RELATIVE[act.name] ?? DEFAULT_FORWARD_RELATIVE;
      expectClose(got, want, (i) => relative * U * Math.abs(want[i]!) + SMALLEST_NORMAL, what);
    }
  }
}

/** Compares backward deltas with the tolerance of the header comment. */
function expectBackward(
  act: Act, got: Float32Array, g: ArrayLike<number>, z: ArrayLike<number>, a: ArrayLike<number>,
  m: number, n: number, what: string,
): void {
  const want = ref.activationBackward(g, z, m, n, act.name, act.alpha);
  if (isExact(act)) return expectSameBits(got, Float32Array.from(want), what);
  switch (act.name) {
    case 'sigmoid':
    case 'tanh':
      expectClose(got, want, (i) => 6 * U * Math.abs(g[i]!), what);
      break;
    case 'softmax': {
      const scale = softmaxBackwardScale(a, g, m, n);
      expectClose(got, want, (i) => (n + 4) * U * scale[i]!, what);
      break;
    }
    default: {
      const bound = BACKWARD_ABSOLUTE[act.name] ?? DEFAULT_BACKWARD_ABSOLUTE;
      expectClose(got, want, (i) => bound(z[i]!) * U * Math.abs(g[i]!), what);
    }
  }
}

describe.each(BUILDS)('%s build', (backend) => {
  let heap: KernelHeap;
  beforeAll(async () => {
    heap = await kernelHeap(backend);
  });

  /**
   * Runs activate on a copy of z (with bias b, or none) and returns the outputs; for an
   * activation that keeps Z, checks that it kept fround(z + b).
   */
  function activate(act: Act, z: ArrayLike<number>, m: number, n: number, b?: ArrayLike<number>): Float32Array {
    const pz = guarded(heap, m * n, z);
    const pb = b ? guarded(heap, n, b) : 0;
    const pre = keepsZ(act) ? guarded(heap, m * n) : 0;
    const bBefore = b ? snapshot(heap, pb, n) : undefined;
    heap.k.activate(pz, m, n, pb, act.id, act.alpha, pre);
    expectGuardsIntact(heap, pz, m * n, `activate ${label(act)} ${m}×${n}`);
    if (bBefore) expectUnchanged(heap, pb, bBefore, 'bias');
    if (pre) {
      expectGuardsIntact(heap, pre, m * n, `activate ${label(act)} ${m}×${n}: Z kept`);
      const zb = Float32Array.from(z, (v, i) => v + (b ? b[i % n]! : 0));
      expectSameBits(heap.read(pre, m * n), zb, `activate ${label(act)} ${m}×${n}: Z kept`);
    }
    return heap.read(pz, m * n);
  }

  /** Runs activationBackward on a copy of g with outputs a (and Z for the activations that read it) and returns the deltas. */
  function backward(act: Act, g: ArrayLike<number>, a: ArrayLike<number>, m: number, n: number, z?: ArrayLike<number>): Float32Array {
    const pd = guarded(heap, m * n, g);
    const pa = guarded(heap, m * n, a);
    const aBefore = snapshot(heap, pa, m * n);
    const pre = keepsZ(act) ? guarded(heap, m * n, z) : 0;
    heap.k.activationBackward(pd, pa, m, n, act.id, act.alpha, pre);
    expectGuardsIntact(heap, pd, m * n, `activationBackward ${label(act)} ${m}×${n}`);
    expectUnchanged(heap, pa, aBefore, 'A');
    return heap.read(pd, m * n);
  }

  describe.each(ACTS.map((act) => [label(act), act] as const))('%s', (_, act) => {
    it('activate without bias (bias address 0), every m in {1,3,7,17} and n in {1,3,5,7,17,129}', () => {
      for (const [m, n] of SHAPES) {
        heap.reset();
        const z = randomF32(seeded(m * 1009 + n), m * n, -4, 4);
        expectForward(act, activate(act, z, m, n), z, m, n, `${label(act)} ${m}×${n}`);
      }
    });

    it('activate with a bias row added first', () => {
      for (const [m, n] of SHAPES) {
        heap.reset();
        const rng = seeded(m * 2003 + n);
        const z = randomF32(rng, m * n, -3, 3);
        const b = randomF32(rng, n, -1, 1);
        const zb = z.map((v, i) => Math.fround(v + b[i % n]!));
        expectForward(act, activate(act, z, m, n, b), zb, m, n, `${label(act)} + bias ${m}×${n}`);
      }
    });

    it('activationBackward from the outputs A, every shape', () => {
      for (const [m, n] of SHAPES) {
        heap.reset();
        const rng = seeded(m * 3001 + n);
        const z = randomF32(rng, m * n, -4, 4);
        const g = randomF32(rng, m * n, -2, 2);
        const a = Float32Array.from(ref.activate(z, m, n, act.name, act.alpha));
        expectBackward(act, backward(act, g, a, m, n, z), g, z, a, m, n, `${label(act)}' ${m}×${n}`);
      }
    });

    // NaN at index 1 (inside the SIMD body) and 13 (in the scalar tail of 15 elements).
    const NAN_AT = [1, 13];

    it('NaN in Z gives NaN out, where the reference gives NaN (the whole row for softmax)', () => {
      heap.reset();
      const [m, n] = [3, 5];
      const z = randomF32(seeded(77), m * n, -4, 4);
      for (const i of NAN_AT) z[i] = NaN;
      const got = activate(act, z, m, n);
      for (const i of NAN_AT) expect(got[i], `${label(act)}(NaN) at ${i}`).toBeNaN();
      if (act.name === 'softmax') {
        for (const i of [0, 1, 2, 3, 4, 10, 11, 12, 13, 14]) expect(got[i], `softmax row with a NaN, at ${i}`).toBeNaN();
      }
      expectForward(act, got, z, m, n, `${label(act)} with NaN`);
    });

    it('NaN in D gives NaN out (the whole row for softmax)', () => {
      heap.reset();
      const [m, n] = [3, 5];
      const rng = seeded(78);
      const z = randomF32(rng, m * n, -4, 4);
      const g = randomF32(rng, m * n, -2, 2);
      for (const i of NAN_AT) g[i] = NaN;
      const a = Float32Array.from(ref.activate(z, m, n, act.name, act.alpha));
      const got = backward(act, g, a, m, n, z);
      for (const i of NAN_AT) expect(got[i], `${label(act)}' with D = NaN at ${i}`).toBeNaN();
      expectBackward(act, got, g, z, a, m, n, `${label(act)}' with NaN in D`);
    });
  });

  describe('saturation', () => {
    // Beyond e^x's range, where z² overflows float32, and at its largest values.
    const HAS_OWN_SATURATION_TESTS = new Set<Activation>(['linear', 'sigmoid', 'tanh', 'relu', 'leakyRelu', 'softmax']);
    const EXTREMES = [-3e38, -1e30, -1e20, -200, -100, -88, 88, 100, 200, 1e20, 1e30, 3e38];
    it.each(ACTS.filter((act) => !HAS_OWN_SATURATION_TESTS.has(act.name)).map((act) => [act.name, act] as const))(
      '%s and its slope are finite and within bounds from −3e38 to 3e38, and over [−100, 100]',
      (_, act) => {
        heap.reset();
        const count = 20_003;
        const sweep = Array.from({ length: count }, (_, i) => -100 + (200 * i) / (count - 1));
        const z = Float32Array.from([...EXTREMES, ...sweep]);
        const n = z.length;
        const a = activate(act, z, 1, n);
        expect(a.every(Number.isFinite), `${act.name} finite`).toBe(true);
        expectForward(act, a, z, 1, n, `${act.name} extremes and sweep`);
        const g = new Float32Array(n).fill(1);
        const slope = backward(act, g, a, 1, n, z);
        expect(slope.every(Number.isFinite), `${act.name}' finite`).toBe(true);
        expectBackward(act, slope, g, z, a, 1, n, `${act.name}' extremes and sweep`);
      },
    );

    it('sigmoid at ±100 and ±Infinity is 0 or 1 with no NaN, and its slope there is 0', () => {
      heap.reset();
      const z = [-Infinity, -100, -88, 88, 100, Infinity, -1e30, 1e30];
      const got = activate(actOf('sigmoid'), z, 1, z.length);
      // Below the smallest normal float32 counts as 0 (σ(−100) ≈ 3.7e-44 is subnormal).
      expectClose(got, [0, 0, 0, 1, 1, 1, 0, 1], () => 1.2e-38, 'sigmoid saturated');
      expect(got[4]).toBe(1);
      expect(got[5]).toBe(1);
      const slope = backward(actOf('sigmoid'), new Float32Array(z.length).fill(1), got, 1, z.length);
      expectClose(slope, new Float64Array(z.length), () => 1.2e-38, "sigmoid' saturated");
    });

    // exp is computed in float32 arithmetic (assembly/exp.ts); this sweeps every binade of its
    // argument that sigmoid can reach with a normal float32 result, in SIMD lanes and the tail.
    it('sigmoid stays within 4 ULPs for z from −87 to 88', () => {
      heap.reset();
      const count = 40_003;
      const z = Float32Array.from({ length: count }, (_, i) => -87 + (175 * i) / (count - 1));
      expectForward(actOf('sigmoid'), activate(actOf('sigmoid'), z, 1, count), z, 1, count, 'sigmoid sweep');
    });

    it('tanh at ±100 and ±Infinity is exactly ±1, and its slope there is 0', () => {
      heap.reset();
      const z = [-Infinity, -100, -20, 20, 100, Infinity];
      const got = activate(actOf('tanh'), z, 1, z.length);
      expectSameBits(got, [-1, -1, -1, 1, 1, 1], 'tanh saturated');
      const slope = backward(actOf('tanh'), new Float32Array(z.length).fill(1), got, 1, z.length);
      expectSameBits(slope, new Float32Array(z.length), "tanh' saturated");
    });

    it('softmax of large logits stays finite and sums to 1', () => {
      heap.reset();
      const rows = [
        [1000, 1001],
        [-1000, 1000],
        [3e38, 3e38, 3e38],
        [1e4, 1e4 + 1, 1e4 + 2, 1e4 - 50],
        [-Infinity, 0, 1],
      ];
      const act = actOf('softmax');
      for (const row of rows) {
        const n = row.length;
        const got = activate(act, row, 1, n);
        expect(got.every(Number.isFinite), `softmax(${row}) = ${got}`).toBe(true);
        const sum = got.reduce((s, v) => s + v, 0);
        expect(Math.abs(sum - 1), `softmax(${row}) sums to ${sum}`).toBeLessThanOrEqual((n + 2) * U);
        expectForward(act, got, Float32Array.from(row), 1, n, `softmax(${row})`);
      }
    });

    it('relu gives +0, not −0, for negative inputs and for −0; leakyRelu keeps large values', () => {
      heap.reset();
      const z = [-0, -1, -3e38, 3e38, 5, -Infinity, Infinity];
      expectSameBits(activate(actOf('relu'), z, 1, z.length), [0, 0, 0, 3e38, 5, 0, Infinity], 'relu');
      const alpha = actOf('leakyRelu', 0.3).alpha;
      expectSameBits(
        activate(actOf('leakyRelu', 0.3), z, 1, z.length),
        [-0, -alpha, Math.fround(-3e38 * alpha), 3e38, 5, -Infinity, Infinity],
        'leakyRelu',
      );
    });
  });

  it('relu′ and leakyRelu′ take a NaN activation as inactive, like the reference (z > 0 is false for NaN)', () => {
    heap.reset();
    const g = [1, -2, 3];
    const a = [NaN, NaN, 0.5];
    expectSameBits(backward(actOf('relu'), g, a, 1, 3), [0, -0, 3], "relu' at NaN");
    expectSameBits(backward(actOf('leakyRelu', 0.01), g, a, 1, 3), [Math.fround(0.01), Math.fround(-0.02), 3], "leakyRelu' at NaN");
    expect(Array.from(ref.activationBackward(g, [NaN, NaN, 0.5], 1, 3, 'relu'))).toEqual([0, -0, 3]);
  });
});
