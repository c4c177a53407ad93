// The machine's f32x4 multiply-add ceiling as this engine compiles it, for the GEMM
// micro-benchmark to stand beside. Compiled by bench/gemm.mjs into build/bench-ceiling.wasm.
// WebAssembly SIMD has no fused multiply-add, so a multiply-add is f32x4.mul then f32x4.add:
// 8 flops per pair. Each loop keeps enough independent chains in flight that only the
// issue rate limits it, not an operation's latency, and none spills a register (checked in
// V8's code for them); a ceiling below the GEMM kernels' own speed would be no ceiling, as
// an earlier four-chain version was.
//
// Compiled with relaxed SIMD as well (build/bench-ceiling.relaxed.wasm), the same loops use
// f32x4.relaxed_madd, which the engine may fuse: the ceiling of the opt-in relaxed build,
// reported separately so the mul+add ceiling stays the one the SIMD build is measured against.
//
// tinyRowLoop, at the end, is W1's floor rather than a multiply-add ceiling.

import { sigmoidv } from "../assembly/exp";

/** Flops of one iteration of registerLoop. */
export const REGISTER_FLOPS_PER_ITERATION: i32 = 24 * 8;

/**
 * Registers only: six products that double then halve (exact, so no drift into denormals
 * or infinities), each feeding its own sum; four rounds make 24 multiply-adds an iteration.
 * Six chains of each: a multiply or an add waits three cycles for its operand on current
 * x64 cores, which issue two of each a cycle, so fewer chains would measure latency (four
 * reached 31 GFLOP/s here, below what the GEMM kernels reach) rather than the issue rate.
 * The four rounds are written out: with two an iteration, the loop's own counter and stack
 * check cost 10 % (31 against 34.5 GFLOP/s, alternated in one process).
 */
export function registerLoop(iterations: i32): f32 {
  if (ASC_FEATURE_RELAXED_SIMD) return registerLoopRelaxed(iterations);
  const two = f32x4.splat(2), half = f32x4.splat(0.5);
  let p0 = f32x4.splat(1.0), p1 = f32x4.splat(1.1), p2 = f32x4.splat(1.2);
  let p3 = f32x4.splat(1.3), p4 = f32x4.splat(1.4), p5 = f32x4.splat(1.5);
  let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0);
  let s3 = f32x4.splat(0), s4 = f32x4.splat(0), s5 = f32x4.splat(0);
  for (let i = 0; i < iterations; i++) {
    p0 = f32x4.mul(p0, two); p1 = f32x4.mul(p1, two); p2 = f32x4.mul(p2, two);
    p3 = f32x4.mul(p3, two); p4 = f32x4.mul(p4, two); p5 = f32x4.mul(p5, two);
    s0 = f32x4.add(s0, p0); s1 = f32x4.add(s1, p1); s2 = f32x4.add(s2, p2);
    s3 = f32x4.add(s3, p3); s4 = f32x4.add(s4, p4); s5 = f32x4.add(s5, p5);
    p0 = f32x4.mul(p0, half); p1 = f32x4.mul(p1, half); p2 = f32x4.mul(p2, half);
    p3 = f32x4.mul(p3, half); p4 = f32x4.mul(p4, half); p5 = f32x4.mul(p5, half);
    s0 = f32x4.add(s0, p0); s1 = f32x4.add(s1, p1); s2 = f32x4.add(s2, p2);
    s3 = f32x4.add(s3, p3); s4 = f32x4.add(s4, p4); s5 = f32x4.add(s5, p5);
    p0 = f32x4.mul(p0, two); p1 = f32x4.mul(p1, two); p2 = f32x4.mul(p2, two);
    p3 = f32x4.mul(p3, two); p4 = f32x4.mul(p4, two); p5 = f32x4.mul(p5, two);
    s0 = f32x4.add(s0, p0); s1 = f32x4.add(s1, p1); s2 = f32x4.add(s2, p2);
    s3 = f32x4.add(s3, p3); s4 = f32x4.add(s4, p4); s5 = f32x4.add(s5, p5);
    p0 = f32x4.mul(p0, half); p1 = f32x4.mul(p1, half); p2 = f32x4.mul(p2, half);
    p3 = f32x4.mul(p3, half); p4 = f32x4.mul(p4, half); p5 = f32x4.mul(p5, half);
    s0 = f32x4.add(s0, p0); s1 = f32x4.add(s1, p1); s2 = f32x4.add(s2, p2);
    s3 = f32x4.add(s3, p3); s4 = f32x4.add(s4, p4); s5 = f32x4.add(s5, p5);
  }
  const s = f32x4.add(f32x4.add(f32x4.add(s0, s1), f32x4.add(s2, s3)), f32x4.add(s4, s5));
  return f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1) + f32x4.extract_lane(s, 2) + f32x4.extract_lane(s, 3);
}

/**
 * 24 relaxed_madd an iteration into twelve sums, two each: a fused multiply-add's latency is
 * longer than an add's, and eight sums measured 10 % below twelve. The sums grow by at most
 * 1/512 an iteration until rounding stops them: no infinities or denormals.
 */
function registerLoopRelaxed(iterations: i32): f32 {
  const x = f32x4.splat(0.03125), y = f32x4.splat(0.03125);
  let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
  let s4 = f32x4.splat(0), s5 = f32x4.splat(0), s6 = f32x4.splat(0), s7 = f32x4.splat(0);
  let s8 = f32x4.splat(0), s9 = f32x4.splat(0), s10 = f32x4.splat(0), s11 = f32x4.splat(0);
  for (let i = 0; i < iterations; i++) {
    s0 = madd(x, y, s0); s1 = madd(x, y, s1); s2 = madd(x, y, s2); s3 = madd(x, y, s3);
    s4 = madd(x, y, s4); s5 = madd(x, y, s5); s6 = madd(x, y, s6); s7 = madd(x, y, s7);
    s8 = madd(x, y, s8); s9 = madd(x, y, s9); s10 = madd(x, y, s10); s11 = madd(x, y, s11);
    s0 = madd(x, y, s0); s1 = madd(x, y, s1); s2 = madd(x, y, s2); s3 = madd(x, y, s3);
    s4 = madd(x, y, s4); s5 = madd(x, y, s5); s6 = madd(x, y, s6); s7 = madd(x, y, s7);
    s8 = madd(x, y, s8); s9 = madd(x, y, s9); s10 = madd(x, y, s10); s11 = madd(x, y, s11);
  }
  const s = f32x4.add(f32x4.add(f32x4.add(s0, s1), f32x4.add(s2, s3)), f32x4.add(f32x4.add(s4, s5), f32x4.add(s6, s7)));
  const t = f32x4.add(s, f32x4.add(f32x4.add(s8, s9), f32x4.add(s10, s11)));
  return f32x4.extract_lane(t, 0) + f32x4.extract_lane(t, 1) + f32x4.extract_lane(t, 2) + f32x4.extract_lane(t, 3);
}

/** Flops of one iteration of cacheLoop. */
export const CACHE_FLOPS_PER_ITERATION: i32 = 8 * 8;

/**
 * A GEMM micro-kernel's inner loop without the address arithmetic: a 2×(4×4) tile of sums,
 * each step loading four vectors of a 4 KiB panel that stays in L1 and multiplying them by
 * two broadcasts, eight multiply-adds. One step an iteration: V8 loads all of an iteration's
 * vectors at its top, and two steps' eight spilled.
 */
export function cacheLoop(iterations: i32, panel: usize): f32 {
  const x0 = f32x4.splat(0.5), x1 = f32x4.splat(0.25);
  let c0 = f32x4.splat(0), c1 = f32x4.splat(0), c2 = f32x4.splat(0), c3 = f32x4.splat(0);
  let c4 = f32x4.splat(0), c5 = f32x4.splat(0), c6 = f32x4.splat(0), c7 = f32x4.splat(0);
  let p: usize = 0;
  for (let i = 0; i < iterations; i++) {
    const b = panel + p;
    const b0 = v128.load(b), b1 = v128.load(b, 16), b2 = v128.load(b, 32), b3 = v128.load(b, 48);
    c0 = madd(x0, b0, c0); c1 = madd(x0, b1, c1);
    c2 = madd(x0, b2, c2); c3 = madd(x0, b3, c3);
    c4 = madd(x1, b0, c4); c5 = madd(x1, b1, c5);
    c6 = madd(x1, b2, c6); c7 = madd(x1, b3, c7);
    p = (p + 64) & 4095;
  }
  const s = f32x4.add(f32x4.add(f32x4.add(c0, c1), f32x4.add(c2, c3)), f32x4.add(f32x4.add(c4, c5), f32x4.add(c6, c7)));
  return f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1) + f32x4.extract_lane(s, 2) + f32x4.extract_lane(s, 3);
}

// a·b + c: f32x4.relaxed_madd when compiled with relaxed SIMD, else a rounded multiply then add.
@inline
function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
}

/** First 16-byte aligned byte free for the caller's panel. */
export function heapBase(): usize {
  return (__heap_base + 15) & ~15;
}

/** Floats of tinyRowLoop's data: parameters (W1 rows, b1, W2 rows, b2), then x and y of four rows. */
export const TINY_ROW_DATA_FLOATS: i32 = 24 + 8 + 8;

/**
 * W1's floor: its 2-2-2 sigmoid network trained row by row under SGD (squared error,
 * learning rate lr), over the four rows at data + 96 (x) and data + 128 (y) in turn, with
 * every parameter in a register, each layer's units in the lanes of one f32x4 and none of
 * the library's bookkeeping (no loss, accuracy, epochs or records). The arithmetic is the
 * library's, in its order, so the parameters come out with its bits; what is left is one
 * row's chain, from its weight update through the next row's two sigmoids and deltas to
 * that row's update, which no implementation of this arithmetic can overlap.
 */
export function tinyRowLoop(rows: i32, data: usize, lr: f32): void {
  let w1r0 = v128.load(data), w1r1 = v128.load(data, 16), b1 = v128.load(data, 32);
  let w2r0 = v128.load(data, 48), w2r1 = v128.load(data, 64), b2 = v128.load(data, 80);
  const zero = f32x4.splat(0);
  const one = f32x4.splat(1);
  const rate = f32x4.splat(lr);
  for (let r = 0; r < rows; r++) {
    const row = <usize>(r & 3) << 3;
    const x0 = v128.load32_splat(data + 96 + row), x1 = v128.load32_splat(data + 100 + row);
    const y = v128.load64_zero(data + 128 + row);
    const h = sigmoidv(f32x4.add(f32x4.add(f32x4.add(zero, f32x4.mul(x0, w1r0)), f32x4.mul(x1, w1r1)), b1));
    const h0 = f32x4.splat(f32x4.extract_lane(h, 0)), h1 = f32x4.splat(f32x4.extract_lane(h, 1));
    const a = sigmoidv(f32x4.add(f32x4.add(f32x4.add(zero, f32x4.mul(h0, w2r0)), f32x4.mul(h1, w2r1)), b2));
    const d2 = f32x4.mul(f32x4.sub(a, y), f32x4.mul(a, f32x4.sub(one, a)));
    // The delta passed down, lane p = (0 + d2₀·W2[p][0]) + d2₁·W2[p][1], then ⊙ σ'(h).
    const t0 = f32x4.mul(d2, w2r0), t1 = f32x4.mul(d2, w2r1);
    const first = v128.shuffle<f32>(t0, t1, 0, 4, 0, 0), second = v128.shuffle<f32>(t0, t1, 1, 5, 1, 1);
    const d1 = f32x4.mul(f32x4.add(f32x4.add(zero, first), second), f32x4.mul(h, f32x4.sub(one, h)));
    w2r0 = sgd(w2r0, f32x4.mul(h0, d2), rate);
    w2r1 = sgd(w2r1, f32x4.mul(h1, d2), rate);
    b2 = sgd(b2, d2, rate);
    w1r0 = sgd(w1r0, f32x4.mul(x0, d1), rate);
    w1r1 = sgd(w1r1, f32x4.mul(x1, d1), rate);
    b1 = sgd(b1, d1, rate);
  }
  v128.store(data, w1r0); v128.store(data, w1r1, 16); v128.store(data, b1, 32);
  v128.store(data, w2r0, 48); v128.store(data, w2r1, 64); v128.store(data, b2, 80);
}

// w − lr·(0 + g): the library's SGD step with no L2 term.
@inline
function sgd(w: v128, g: v128, lr: v128): v128 {
  return f32x4.sub(w, f32x4.mul(lr, f32x4.add(f32x4.splat(0), g)));
}
