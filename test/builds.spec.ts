// The wasm builds: the SIMD build and the scalar build must compute the same
// float32 bits (the kernels document one rounding order for both), and
// vectorisation must not vanish silently from the SIMD build's hot kernels.
// The opt-in relaxed build is the SIMD build but for the GEMM tile's
// multiply-add (f32x4.relaxed_madd, fused or not as the engine chooses): it is
// excluded from the GEMM comparison and must match the SIMD build elsewhere.

import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import * as abi from '../src/abi.js';
import { activationEntry, ACTIVATIONS } from '../src/activations.js';
import type { Backend } from '../src/wasm/load.js';
import { kernelHeap, type KernelHeap, RELAXED } from './support/kernels.js';
import { expectSameBits, randomF32, seeded } from './support/numeric.js';

const ACTS: number[] = ACTIVATIONS.map((a) => activationEntry(a).id);
// The activations whose slope reads Z, which activate keeps at its pre address.
const KEEPS_Z = new Set<number>(ACTIVATIONS.filter((a) => activationEntry(a).keepsPreactivations).map((a) => activationEntry(a).id));
const LOSSES = [
  abi.LOSS_SQUARED_ERROR, abi.LOSS_BINARY_CROSSENTROPY, abi.LOSS_CATEGORICAL_CROSSENTROPY, abi.LOSS_MEAN_ABSOLUTE_ERROR,
  abi.LOSS_HUBER, abi.LOSS_SPARSE_CATEGORICAL_CROSSENTROPY,
];
const HUBER_DELTA = Math.fround(0.3);
const ALPHA = Math.fround(0.05);
const GEMM_SHAPES: [number, number, number][] = [
  [1, 1, 1], [5, 7, 9], [4, 8, 1], [17, 33, 3], [33, 129, 17], [129, 17, 65], [3, 9, 12],
];

type Pair = { other: Backend; title: string; gemm: boolean };
const PAIRS: Pair[] = [{ other: 'scalar', title: 'SIMD and scalar builds give bit-identical results', gemm: true }];
if (RELAXED) PAIRS.push({ other: 'relaxed', title: 'SIMD and relaxed builds give bit-identical results outside the GEMM tile', gemm: false });

describe.each(PAIRS)('$title', ({ other, gemm }) => {
  let simd: KernelHeap;
  let second: KernelHeap;
  beforeAll(async () => {
    [simd, second] = await Promise.all([kernelHeap('simd'), kernelHeap(other)]);
  });

  /** Runs the same computation on both builds and compares every float32 it returns, bit for bit. */
  function same(what: string, run: (heap: KernelHeap) => ArrayLike<number>): void {
    simd.reset();
    second.reset();
    expectSameBits(run(simd), run(second), `${what}: SIMD vs ${other}`);
  }

  const data = (m: number, n: number, k: number): [Float32Array, Float32Array] => {
    const rng = seeded(m * n * k);
    return [randomF32(rng, m * k, -3, 3), randomF32(rng, k * n, -3, 3)];
  };

  it.runIf(gemm).each(GEMM_SHAPES)('gemmNN, gemmTN and gemmNT, m=%i n=%i k=%i', (m, n, k) => {
    const [a, b] = data(m, n, k);
    same('gemmNN', (h) => {
      const c = h.zeros(m * n);
      h.k.gemmNN(m, n, k, h.f32(a), h.f32(b), c);
      return h.read(c, m * n);
    });
    same('gemmTN', (h) => {
      const c = h.zeros(m * n);
      h.k.gemmTN(m, n, k, h.f32(a), h.f32(b), c);
      return h.read(c, m * n);
    });
    same('gemmNT', (h) => {
      const c = h.zeros(m * n);
      h.k.gemmNT(m, n, k, h.f32(a), h.f32(b), c, h.zeros(k * n));
      return h.read(c, m * n);
    });
  });

  it.each(GEMM_SHAPES)('columnSums, m=%i n=%i k=%i', (m, n, k) => {
    const [, b] = data(m, n, k);
    same('columnSums', (h) => {
      const out = h.zeros(n);
      h.k.columnSums(h.f32(b), k, n, Math.fround(1 / k), out);
      return h.read(out, n);
    });
  });

  it.each(ACTS)('activate (with bias) and activationBackward, activation %i', (act) => {
    // Widths 10, 3 and 6 end softmax's e^x on a partial vector of 2, 3 and 2 lanes.
    for (const [m, n] of [[1, 1], [3, 5], [7, 17], [2, 129], [1, 10], [3, 3], [2, 6]] as const) {
      const rng = seeded(act * 100 + m * n);
      const z = randomF32(rng, m * n, -6, 6);
      z[0] = NaN;
      // Beyond e^x's range, where x² overflows, and beyond float32.
      if (m * n > 4) z.set([1e30, -1e30, Infinity, -Infinity], 1);
      const bias = randomF32(rng, n, -1, 1);
      const g = randomF32(rng, m * n, -2, 2);
      let a: Float32Array = new Float32Array(0);
      let kept: Float32Array = new Float32Array(0);
      same(`activate ${act} ${m}×${n}`, (h) => {
        const pz = h.f32(z);
        const pre = KEEPS_Z.has(act) ? h.zeros(m * n) : 0;
        h.k.activate(pz, m, n, h.f32(bias), act, ALPHA, pre);
        a = h.read(pz, m * n);
        kept = pre ? h.read(pre, m * n) : new Float32Array(0);
        return Float32Array.of(...a, ...kept);
      });
      same(`activationBackward ${act} ${m}×${n}`, (h) => {
        const pd = h.f32(g);
        h.k.activationBackward(pd, h.f32(a), m, n, act, ALPHA, KEEPS_Z.has(act) ? h.f32(kept) : 0);
        return h.read(pd, m * n);
      });
    }
  });

  // The SIMD build computes these four at a time with the scalar forms' operations (musl's
  // expm1f and log1pf for elu, selu and softplus, branch by branch): every 4099th float32 bit
  // pattern, and either side of each bound where those functions change branch.
  it.each(['elu', 'selu', 'softplus', 'softsign', 'hardSigmoid'] as const)('activate and activationBackward of %s, over the float32 range', (name) => {
    const act = activationEntry(name).id;
    const bits: number[] = [];
    for (let b = 0; b < 2 ** 32; b += 4099) bits.push(b);
    const BOUNDS = [0x33000000, 0x33800000, 0x3EB17218, 0x3ED413D0, 0x3F851592, 0x4195B844, 0x42B17217, 0x7F800000, 0x7F800001];
    for (const bound of BOUNDS) for (let d = -3; d <= 3; d++) bits.push(bound + d, (bound + d + 2 ** 31) % 2 ** 32);
    const z = new Float32Array(Uint32Array.from(bits).buffer);
    const g = randomF32(seeded(act), z.length, -2, 2);
    let a: Float32Array = new Float32Array(0);
    same(`activate ${name} over the range`, (h) => {
      const pz = h.f32(z);
      h.k.activate(pz, 1, z.length, 0, act, 0, 0);
      return (a = h.read(pz, z.length));
    });
    same(`activationBackward ${name} over the range`, (h) => {
      const pd = h.f32(g);
      h.k.activationBackward(pd, h.f32(a), 1, z.length, act, 0, 0);
      return h.read(pd, z.length);
    });
  });

  // One row of at most four outputs takes lossDelta's vector body in the SIMD build.
  const LOSS_SHAPES = [[5, 7], [1, 1], [1, 2], [1, 3], [1, 4]] as const;

  it.each(LOSSES)('lossDelta (fused and not) and lossSum, loss %i', (loss) => {
    for (const [m, n] of LOSS_SHAPES) {
      for (const act of ACTS) {
        const rng = seeded(loss * 10 + act + m * n * 100);
        const y = loss === abi.LOSS_SPARSE_CATEGORICAL_CROSSENTROPY
          ? Float32Array.from({ length: m }, () => (n > 1 ? rng.below(n) : 0))
          : randomF32(rng, m * n, 0, 1);
        const w = randomF32(rng, m, 0, 2);
        const z = randomF32(rng, m * n, -3, 3); // Z for the activations whose slope reads it
        // An output at 0, at 1, and at and either side of the cross-entropies' clamps.
        for (const edge of [0, 1, 1e-7, 9e-8, 1 - 1e-7, 1 - 2e-7]) {
          const a = randomF32(rng, m * n, 0, 1);
          a[Math.floor(rng.uniform() * a.length)] = edge;
          for (const fuse of [0, 1]) {
            for (const weighted of [false, true]) {
              same(`lossDelta ${m}×${n} loss ${loss} act ${act} fuse ${fuse} weighted ${weighted}`, (h) => {
                const d = h.zeros(m * n);
                h.k.lossDelta(
                  h.f32(a), h.f32(y), m, n, loss, act, ALPHA, fuse, d, HUBER_DELTA, weighted ? h.f32(w) : 0,
                  KEEPS_Z.has(act) ? h.f32(z) : 0,
                );
                return h.read(d, m * n);
              });
            }
          }
          simd.reset();
          second.reset();
          const sums = [simd, second].map((h) => h.k.lossSum(h.f32(a), h.f32(y), m, n, loss, HUBER_DELTA, h.f32(w)));
          expect(sums[0]).toBe(sums[1]);
        }
      }
    }
  });

  it('optimizer steps and the passes over the gradient', () => {
    const n = 131;
    const rng = seeded(3);
    const w = randomF32(rng, n, -1, 1);
    const g = randomF32(rng, n, -1, 1);
    const v = randomF32(rng, n, -0.1, 0.1);
    const v2 = randomF32(rng, n, 0, 0.01);
    same('sgdStep', (h) => {
      const pw = h.f32(w);
      h.k.sgdStep(pw, h.f32(g), n, 0.1);
      return h.read(pw, n);
    });
    for (const nesterov of [0, 1]) {
      same(`momentumStep nesterov=${nesterov}`, (h) => {
        const [pw, pv] = [h.f32(w), h.f32(v)];
        h.k.momentumStep(pw, h.f32(g), pv, n, 0.05, 0.9, nesterov);
        return [...h.read(pw, n), ...h.read(pv, n)];
      });
    }
    for (const keep of [1, 0.9995]) {
      same(`adamStep keep=${keep}`, (h) => {
        const [pw, pm, pv] = [h.f32(w), h.f32(v), h.f32(v2)];
        h.k.adamStep(pw, h.f32(g), pm, pv, n, 0.01, 0.9, 0.999, 1e-8, 1 / (1 - 0.9 ** 3), 1 / (1 - 0.999 ** 3), keep);
        return [...h.read(pw, n), ...h.read(pm, n), ...h.read(pv, n)];
      });
    }
    for (const [rho, scale] of [[0.9, 0.1], [1, 1]]) {
      same(`rmspropStep rho=${rho}`, (h) => {
        const [pw, ps] = [h.f32(w), h.f32(v2)];
        h.k.rmspropStep(pw, h.f32(g), ps, n, 0.01, rho!, scale!, 1e-7);
        return [...h.read(pw, n), ...h.read(ps, n)];
      });
    }
    same('scaleAddWeights', (h) => {
      const pg = h.f32(g);
      h.k.scaleAddWeights(pg, h.f32(w), n, 1 / 7, 0.001);
      return h.read(pg, n);
    });
    // Zero weights and gradients beyond the limit exercise every lane's branch.
    const sparse = w.map((x, i) => (i % 5 === 0 ? 0 : x));
    same('addL1', (h) => {
      const pg = h.f32(g);
      h.k.addL1(pg, h.f32(sparse), n, 0.003);
      return h.read(pg, n);
    });
    same('clipValues', (h) => {
      const pg = h.f32(g);
      h.k.clipValues(pg, n, 0.4);
      return h.read(pg, n);
    });
    same('scaleElements', (h) => {
      const pg = h.f32(g);
      h.k.scaleElements(pg, n, 0.37);
      return h.read(pg, n);
    });
  });
});

/** Function name → its text, from a .wat file written by asc. */
function watFunctions(path: string): Map<string, string> {
  const text = readFileSync(new URL(`../build/${path}`, import.meta.url), 'utf8');
  const functions = new Map<string, string>();
  for (const chunk of text.split(/\n (?=\(func )/).slice(1)) {
    const name = /^\(func (\$\S+)/.exec(chunk)?.[1];
    if (name) functions.set(name, chunk);
  }
  return functions;
}

/** The text of a function and of every function it calls, transitively (inlining may move code either way). */
function reachable(functions: Map<string, string>, name: string): string {
  const seen = new Set<string>();
  const stack = [name];
  while (stack.length > 0) {
    const next = stack.pop()!;
    if (seen.has(next) || !functions.has(next)) continue;
    seen.add(next);
    for (const call of functions.get(next)!.matchAll(/\bcall (\$[^\s)]+)/g)) stack.push(call[1]!);
  }
  return [...seen].map((f) => functions.get(f)!).join('\n');
}

describe('vectorisation in the release builds', () => {
  const simd = watFunctions('simdnet.simd.wat');

  it.each([
    ['gemm', ['gemmNN', 'gemmTN', 'gemmNT', 'gemmStrided'], ['f32x4.mul', 'f32x4.add', 'v128.load32_splat']],
    ['gemm', ['columnSums'], ['f32x4.add', 'f32x4.mul']],
    // f32x4.abs: softsign's lanes; f32x4.min and f32x4.lt: hardSigmoid's; i32x4.shl: softplus's slope (e^x).
    ['activation', ['activate'], ['f32x4.max', 'f32x4.add', 'f32x4.abs', 'f32x4.min']],
    ['activation', ['activationBackward'], ['f32x4.mul', 'v128.bitselect', 'f32x4.abs', 'f32x4.lt', 'i32x4.shl']],
    ['row', ['narrowForward', 'narrowBackward'], ['f32x4.mul', 'f32x4.add', 'v128.load32_splat']],
    ['loss', ['lossDelta'], ['f32x4.sub', 'v128.bitselect']],
    ['optimizer', ['sgdStep', 'momentumStep', 'scaleAddWeights'], ['f32x4.mul']],
    ['optimizer', ['adamStep', 'rmspropStep'], ['f32x4.sqrt', 'f32x4.div']],
    ['optimizer', ['addL1'], ['f32x4.gt', 'f32x4.lt', 'f32x4.add']],
    ['optimizer', ['clipValues'], ['f32x4.min', 'f32x4.max']],
    ['optimizer', ['scaleElements'], ['f32x4.mul']],
  ] as const)('the SIMD %s kernels %j use %j', (file, kernels, instructions) => {
    for (const kernel of kernels) {
      const name = `$assembly/${file}/${kernel}`;
      expect(simd.has(name), `${name} in simdnet.simd.wat`).toBe(true);
      const code = reachable(simd, name);
      for (const instruction of instructions) expect(code, `${kernel} lacks ${instruction}`).toContain(instruction);
    }
  });

  it('the scalar build has no v128 type or SIMD instruction anywhere', () => {
    const text = readFileSync(new URL('../build/simdnet.scalar.wat', import.meta.url), 'utf8');
    expect(text).toContain('$assembly/gemm/gemmNN');
    expect(text.match(/v128|\b[if](8x16|16x8|32x4|64x2)\./g)).toBeNull();
  });

  it('only the relaxed build uses relaxed SIMD, and there only in the GEMM, whose kernels all reach f32x4.relaxed_madd', () => {
    const relaxed = watFunctions('simdnet.relaxed.wat');
    for (const kernel of ['gemmNN', 'gemmTN', 'gemmNT', 'gemmStrided']) {
      expect(reachable(relaxed, `$assembly/gemm/${kernel}`), `${kernel} lacks f32x4.relaxed_madd`).toContain('f32x4.relaxed_madd');
    }
    const users = [...relaxed].filter(([, code]) => /\brelaxed_/.test(code)).map(([name]) => name);
    expect(users.length).toBeGreaterThan(0);
    expect(users.filter((name) => !name.startsWith('$assembly/gemm/'))).toEqual([]);
    expect(readFileSync(new URL('../build/simdnet.simd.wat', import.meta.url), 'utf8')).not.toMatch(/\brelaxed_/);
  });

  it('the release builds are the ones the library embeds (the opt-in relaxed build is not embedded)', () => {
    const embedded = readFileSync(new URL('../build/wasm-bytes.js', import.meta.url), 'utf8');
    for (const build of ['simd', 'scalar']) {
      const bytes = readFileSync(new URL(`../build/simdnet.${build}.wasm`, import.meta.url)).toString('base64');
      expect(embedded.includes(`'${bytes}'`), `build/wasm-bytes.js embeds build/simdnet.${build}.wasm`).toBe(true);
    }
    const relaxed = readFileSync(new URL('../build/simdnet.relaxed.wasm', import.meta.url)).toString('base64');
    expect(embedded.includes(relaxed)).toBe(false);
  });
});
