// assembly/small.ts: the plain-loop products train.ts uses for tiny shapes
// must give the bits of gemm.ts's products (and of gemm + scaleAddWeights
// for the weight gradient), so switching between them never changes a
// result. Checked on both builds, on every shape up to 4×4×4 and a few past
// the switch-over, with signed zeros, infinities and NaN among the inputs.

import { beforeAll, describe, it } from 'vitest';
import { activationEntry, ACTIVATIONS as NAMES } from '../src/activations.js';
import { BACKENDS, kernelHeap, type KernelHeap } from './support/kernels.js';
import { expectGuardsIntact, expectSameBits, expectUnchanged, guarded, randomF32, seeded, snapshot } from './support/numeric.js';

const SHAPES: [number, number, number][] = [];
for (let m = 1; m <= 4; m++) for (let n = 1; n <= 4; n++) for (let k = 0; k <= 4; k++) SHAPES.push([m, n, k]);
SHAPES.push([1, 8, 8], [2, 9, 3], [5, 7, 9], [9, 2, 1], [1, 1, 65], [3, 17, 2]);

/** Random values with the edge cases products must round alike: ±0, ±Infinity, NaN, subnormals, huge. */
function values(seed: number, n: number): Float32Array {
  const rng = seeded(seed);
  const v = randomF32(rng, n, -3, 3);
  const specials = [0, -0, Infinity, -Infinity, NaN, 1e-40, -3e38, 3e38];
  for (let i = 0; i < n; i++) if (rng.uniform() < 0.15) v[i] = specials[Math.floor(rng.uniform() * specials.length)]!;
  return v;
}

describe.each(BACKENDS)('small.ts products equal gemm.ts bit for bit (%s build)', (backend) => {
  let h: KernelHeap;
  beforeAll(async () => {
    h = await kernelHeap(backend);
  });

  it.each(SHAPES)('m=%i n=%i k=%i', (m, n, k) => {
    h.reset();
    const seed = m * 10_000 + n * 100 + k;
    const a = values(seed, m * k);
    const b = values(seed + 1, k * n);
    const bt = values(seed + 2, n * k);
    const at = values(seed + 3, k * m);
    const w = values(seed + 4, m * n);
    const scale = Math.fround(1 / Math.max(k, 1));
    const decay = Math.fround(0.003);
    const pa = guarded(h, m * k, a);
    const pb = guarded(h, k * n, b);
    const pbt = guarded(h, n * k, bt);
    const pat = guarded(h, k * m, at);
    const pw = guarded(h, m * n, w);
    const inputs = [pa, pb, pbt, pat, pw].map((p, i) => [p, snapshot(h, p, [m * k, k * n, n * k, k * m, m * n][i]!)] as const);

    const run = (what: string, product: (c: number) => void): Float32Array => {
      const c = guarded(h, m * n);
      product(c);
      expectGuardsIntact(h, c, m * n, what);
      return h.read(c, m * n);
    };
    const shape = `${m}×${n}×${k}`;
    expectSameBits(
      run('smallNN', (c) => h.k.smallNN(m, n, k, pa, pb, c)),
      run('gemmNN', (c) => h.k.gemmNN(m, n, k, pa, pb, c)),
      `NN ${shape}`,
    );
    expectSameBits(
      run('smallTN', (c) => h.k.smallTN(m, n, k, pat, pb, c)),
      run('gemmTN', (c) => h.k.gemmTN(m, n, k, pat, pb, c)),
      `TN ${shape}`,
    );
    expectSameBits(
      run('smallNT', (c) => h.k.smallNT(m, n, k, pa, pbt, c)),
      run('gemmNT', (c) => h.k.gemmNT(m, n, k, pa, pbt, c, h.zeros(n * k))),
      `NT ${shape}`,
    );
    expectSameBits(
      run('smallTNScaled', (g) => h.k.smallTNScaled(m, n, k, pat, pb, g, pw, scale, decay)),
      run('gemmTN + scaleAddWeights', (g) => {
        h.k.gemmTN(m, n, k, pat, pb, g);
        h.k.scaleAddWeights(g, pw, m * n, scale, decay);
      }),
      `TN scaled ${shape}`,
    );
    for (const [p, before] of inputs) expectUnchanged(h, p, before, `an input of ${shape}`);
  });
});

// The one-row kernels of the per-row SGD path (row.ts, and small.ts's smallNT at m = 1) against the batch kernels
// (and the SGD step after them), on widths that reach the 8- and 4-lane bodies and the tails.
const ROW_SHAPES: [number, number][] = [[1, 1], [2, 2], [3, 4], [5, 8], [9, 13], [4, 17], [7, 33], [2, 129]];

describe.each(BACKENDS)('row.ts kernels equal the batch kernels at one row (%s build)', (backend) => {
  let h: KernelHeap;
  beforeAll(async () => {
    h = await kernelHeap(backend);
  });

  it.each(ROW_SHAPES)('k=%i n=%i', (k, n) => {
    h.reset();
    const seed = 7_000 + k * 100 + n;
    const x = values(seed, k);
    const b = values(seed + 1, k * n);
    const d = values(seed + 2, n);
    // A zero input over a row of −0 weights: x·d is then −0 wherever d < 0, and only a sum
    // started from +0, as the batch kernels start theirs, rounds the step to the batch path's zero.
    x[0] = 0;
    b.fill(-0, 0, n);
    const px = guarded(h, k, x);
    const pb = guarded(h, k * n, b);
    const pd = guarded(h, n, d);
    const lr = Math.fround(0.37);
    const decay = Math.fround(0.003);
    // Runs a kernel on a guarded buffer of the given size (holding start, if given) and reads it back.
    const output = (what: string, size: number, kernel: (c: number) => void, start?: Float32Array): Float32Array => {
      const c = guarded(h, size, start);
      kernel(c);
      expectGuardsIntact(h, c, size, what);
      return h.read(c, size);
    };
    const updated = (what: string, start: Float32Array, kernel: (w: number) => void): Float32Array =>
      output(what, start.length, kernel, start);
    const shape = `${k}×${n}`;
    expectSameBits(
      output('rowTimesMatrix', n, (c) => h.k.rowTimesMatrix(n, k, px, pb, c)),
      output('gemmNN', n, (c) => h.k.gemmNN(1, n, k, px, pb, c)),
      `x·B ${shape}`,
    );
    expectSameBits(
      output('smallNT at one row', k, (c) => h.k.smallNT(1, k, n, pd, pb, c)),
      output('gemmNT', k, (c) => h.k.gemmNT(1, k, n, pd, pb, c, h.zeros(k * n))),
      `B·d ${shape}`,
    );
    const gradient = guarded(h, k * n);
    const weights = guarded(h, k * n, b);
    h.k.gemmTN(k, n, 1, px, pd, gradient);
    h.k.scaleAddWeights(gradient, weights, k * n, 1, decay);
    expectSameBits(
      updated('sgdOuter', b, (w) => h.k.sgdOuter(k, n, px, pd, w, lr, decay)),
      updated('gemmTN + scaleAddWeights + sgdStep', b, (w) => h.k.sgdStep(w, gradient, k * n, lr)),
      `W − lr·(x·dᵀ + decay·W) ${shape}`,
    );
    const bias = x.slice(0, Math.min(k, n)).map((v) => v * 0.5);
    const biasGradient = guarded(h, bias.length);
    h.k.columnSums(pd, 1, bias.length, 1, biasGradient);
    expectSameBits(
      updated('sgdBias', bias, (c) => h.k.sgdBias(bias.length, pd, c, lr)),
      updated('columnSums + sgdStep', bias, (c) => h.k.sgdStep(c, biasGradient, bias.length, lr)),
      `b − lr·d ${shape}`,
    );
    for (const [p, size] of [[px, k], [pb, k * n], [pd, n]] as const) expectGuardsIntact(h, p, size, `an input of ${shape}`);
  });
});

// row.ts's narrow kernels (layers of at most four units, one row) against the row kernels
// they fuse, for every activation: those with a lane form take the vector body in the SIMD
// build, tanh and softmax fall back. Inputs of 1–4 also pass the delta down in lanes.
const ACTIVATIONS = NAMES.map((a) => activationEntry(a).id);
const NARROW_SHAPES: [number, number][] = [];
for (const k of [1, 2, 3, 4, 5, 33]) for (let n = 1; n <= 4; n++) NARROW_SHAPES.push([k, n]);

describe.each(BACKENDS)('row.ts narrow kernels equal the row kernels they fuse (%s build)', (backend) => {
  let h: KernelHeap;
  beforeAll(async () => {
    h = await kernelHeap(backend);
  });

  it.each(NARROW_SHAPES)('k=%i n=%i', (k, n) => {
    const alpha = Math.fround(0.05);
    const lr = Math.fround(0.37);
    const decay = Math.fround(0.003);
    for (const act of ACTIVATIONS) {
      h.reset();
      const seed = 9_000 + k * 100 + n * 10 + act;
      // x stands for the outputs of the layer below, so it is in that activation's range
      // only loosely: the derivatives are defined for any value.
      const x = values(seed, k);
      const w = values(seed + 1, k * n);
      const bias = values(seed + 2, n);
      const d = values(seed + 3, n);
      // Z of this layer (forward) and of the layer below (backward), for the activations that keep it.
      const [zOut, zBelow] = [guarded(h, n), guarded(h, k, values(seed + 4, k))];
      const [px, pw, pb, pd] = [guarded(h, k, x), guarded(h, k * n, w), guarded(h, n, bias), guarded(h, n, d)];
      const shape = `${k}×${n} activation ${act}`;
      const run = (what: string, size: number, kernel: (c: number) => void, start?: Float32Array): Float32Array => {
        const c = guarded(h, size, start);
        kernel(c);
        expectGuardsIntact(h, c, size, what);
        return h.read(c, size);
      };
      for (const withBias of [true, false]) {
        const b = withBias ? pb : 0;
        expectSameBits(
          run('narrowForward', n, (out) => h.k.narrowForward(k, n, px, pw, b, act, alpha, out, zOut)),
          run('rowTimesMatrix + activate', n, (out) => {
            h.k.rowTimesMatrix(n, k, px, pw, out);
            h.k.activate(out, 1, n, b, act, alpha, zOut);
          }),
          `g(x·W${withBias ? ' + b' : ''}) ${shape}`,
        );
      }

      // Each result of narrowBackward: W, b, and the delta passed down (when asked for).
      const backward = (passDown: boolean, withBias: boolean): Float32Array[] => {
        const [wt, bt] = [guarded(h, k * n, w), guarded(h, n, bias)];
        const below = passDown ? guarded(h, k) : 0;
        h.k.narrowBackward(k, n, px, pd, wt, withBias ? bt : 0, lr, decay, below, act, alpha, zBelow);
        expectGuardsIntact(h, wt, k * n, 'narrowBackward: W');
        expectGuardsIntact(h, bt, n, 'narrowBackward: b');
        const out = [h.read(wt, k * n), h.read(bt, n)];
        if (below) {
          expectGuardsIntact(h, below, k, 'narrowBackward: delta below');
          out.push(h.read(below, k));
        }
        return out;
      };
      const passed = run('smallNT + activationBackward', k, (c) => {
        h.k.smallNT(1, k, n, pd, pw, c);
        h.k.activationBackward(c, px, 1, k, act, alpha, zBelow);
      });
      const weights = run('sgdOuter', k * n, (c) => h.k.sgdOuter(k, n, px, pd, c, lr, decay), w);
      const biases = run('sgdBias', n, (c) => h.k.sgdBias(n, pd, c, lr), bias);
      for (const passDown of [true, false]) {
        for (const withBias of [true, false]) {
          const [gotW, gotB, gotPassed] = backward(passDown, withBias);
          const variant = `${shape}${passDown ? '' : ', nothing passed down'}${withBias ? '' : ', no bias'}`;
          expectSameBits(gotW!, weights, `W − lr·(x·dᵀ + decay·W) ${variant}`);
          expectSameBits(gotB!, withBias ? biases : bias, `b − lr·d ${variant}`);
          if (passDown) expectSameBits(gotPassed!, passed, `(W·d) ⊙ g'(x) ${variant}`);
        }
      }
      for (const [p, size] of [[px, k], [pw, k * n], [pb, n], [pd, n]] as const) {
        expectGuardsIntact(h, p, size, `an input of ${shape}`);
      }
    }
  });
});
