// Mathf.expm1 and Mathf.log1p in four lanes, with the bits the scalar functions give, for the
// arguments elu, selu and softplus give them, so that the SIMD build computes those activations
// four at a time and still rounds as the scalar build does.
//
// Both follow AssemblyScript's ports of musl's expm1f and log1pf operation for operation: every
// lane computes each of their branches that its argument range can reach, and keeps its own
// branch's result. A select replaces each branch; the arithmetic is the same IEEE operations in
// the same order, which is all the bit-identity needs (wasm never fuses or reorders them).

// expm1f's constants (musl).
const LN2_HI: f32 = reinterpret<f32>(0x3F317180);
const LN2_LO: f32 = reinterpret<f32>(0x3717F7D1);
const INV_LN2: f32 = reinterpret<f32>(0x3FB8AA3B);
const Q1: f32 = reinterpret<f32>(0xBD088868);
const Q2: f32 = reinterpret<f32>(0x3ACF3010);

// log1pf's constants (musl).
const LG1: f32 = reinterpret<f32>(0x3F2AAAAA);
const LG2: f32 = reinterpret<f32>(0x3ECCCE13);
const LG3: f32 = reinterpret<f32>(0x3E91E9EE);
const LG4: f32 = reinterpret<f32>(0x3E789E26);

/**
 * Mathf.expm1(x) in each lane where x ≤ 0 or x is NaN (elu's side of it): −1 from x ≤ −18.7,
 * x itself for |x| < 2⁻²⁵; a lane with x > 0 gets some value.
 */
@inline
export function expm1v(x: v128): v128 {
  const hx = v128.and(x, i32x4.splat(0x7FFFFFFF));
  // |x| > ln2/2: x = k·ln2 + r, k = −1 below 1.5·ln2, else x/ln2 rounded half away from 0.
  const reduced = i32x4.gt_s(hx, i32x4.splat(0x3EB17218));
  const nearest = i32x4.trunc_sat_f32x4_s(f32x4.add(f32x4.mul(f32x4.splat(INV_LN2), x), f32x4.splat(-0.5)));
  const k = v128.and(v128.bitselect(i32x4.splat(-1), nearest, i32x4.lt_s(hx, i32x4.splat(0x3F851592))), reduced);
  // With k = 0 these leave x as it is and c = 0, as the unreduced branch has them.
  const t = f32x4.convert_i32x4_s(k);
  const hi = f32x4.sub(x, f32x4.mul(t, f32x4.splat(LN2_HI)));
  const lo = f32x4.mul(t, f32x4.splat(LN2_LO));
  const r = f32x4.sub(hi, lo);
  const c = f32x4.sub(f32x4.sub(hi, r), lo);
  const hfx = f32x4.mul(f32x4.splat(0.5), r);
  const hxs = f32x4.mul(r, hfx);
  const r1 = f32x4.add(f32x4.splat(1), f32x4.mul(hxs, f32x4.add(f32x4.splat(Q1), f32x4.mul(hxs, f32x4.splat(Q2)))));
  const t3 = f32x4.sub(f32x4.splat(3), f32x4.mul(r1, hfx));
  const e = f32x4.mul(hxs, f32x4.div(f32x4.sub(r1, t3), f32x4.sub(f32x4.splat(6), f32x4.mul(r, t3))));
  const unreduced = f32x4.sub(r, f32x4.sub(f32x4.mul(r, e), hxs));
  const e2 = f32x4.sub(f32x4.sub(f32x4.mul(r, f32x4.sub(e, c)), c), hxs);
  const kMinusOne = f32x4.sub(f32x4.mul(f32x4.splat(0.5), f32x4.sub(r, e2)), f32x4.splat(0.5));
  const twoToK = i32x4.shl(i32x4.add(k, i32x4.splat(0x7F)), 23);
  const kNegative = f32x4.sub(f32x4.mul(f32x4.add(f32x4.sub(r, e2), f32x4.splat(1)), twoToK), f32x4.splat(1));
  let y = v128.bitselect(v128.bitselect(kMinusOne, kNegative, i32x4.eq(k, i32x4.splat(-1))), unreduced, reduced);
  y = v128.bitselect(x, y, i32x4.lt_s(hx, i32x4.splat(0x33000000)));
  y = v128.bitselect(f32x4.splat(-1), y, i32x4.ge_s(hx, i32x4.splat(0x4195B844)));
  return v128.bitselect(x, y, f32x4.ne(x, x));
}

/**
 * Mathf.log1p(x) in each lane where x ≥ 0 or x is NaN (softplus's e^−|z|, in [0, 1]); a lane
 * with x < 0 gets some value.
 */
@inline
export function log1pv(x: v128): v128 {
  // x ≥ √2 − 1: 1 + x = 2^k·(1 + f) with √2/2 ≤ 1 + f < √2, and c the rounding error of 1 + x.
  const reduced = i32x4.ge_s(x, i32x4.splat(0x3ED413D0));
  const uf = f32x4.add(f32x4.splat(1), x);
  const iu = i32x4.add(uf, i32x4.splat(0x3F800000 - 0x3F3504F3));
  const k = i32x4.sub(i32x4.shr_u(iu, 23), i32x4.splat(0x7F));
  const error = v128.bitselect(
    f32x4.sub(f32x4.splat(1), f32x4.sub(uf, x)), f32x4.sub(x, f32x4.sub(uf, f32x4.splat(1))), i32x4.ge_s(k, i32x4.splat(2)),
  );
  const cReduced = v128.and(f32x4.div(error, uf), i32x4.lt_s(k, i32x4.splat(25)));
  const fReduced = f32x4.sub(i32x4.add(v128.and(iu, i32x4.splat(0x007FFFFF)), i32x4.splat(0x3F3504F3)), f32x4.splat(1));
  // Below √2 − 1, k = 0, c = 0 and f = x.
  const f = v128.bitselect(fReduced, x, reduced);
  const c = v128.and(cReduced, reduced);
  const dk = f32x4.convert_i32x4_s(v128.and(k, reduced));
  const s = f32x4.div(f, f32x4.add(f32x4.splat(2), f));
  const z = f32x4.mul(s, s);
  const w = f32x4.mul(z, z);
  const t1 = f32x4.mul(w, f32x4.add(f32x4.splat(LG2), f32x4.mul(w, f32x4.splat(LG4))));
  const t2 = f32x4.mul(z, f32x4.add(f32x4.splat(LG1), f32x4.mul(w, f32x4.splat(LG3))));
  const r = f32x4.add(t2, t1);
  const hfsq = f32x4.mul(f32x4.mul(f32x4.splat(0.5), f), f);
  let y = f32x4.add(f32x4.mul(s, f32x4.add(hfsq, r)), f32x4.add(f32x4.mul(dk, f32x4.splat(LN2_LO)), c));
  y = f32x4.add(f32x4.add(f32x4.sub(y, hfsq), f), f32x4.mul(dk, f32x4.splat(LN2_HI)));
  // x below 2⁻²⁴ (0 included), ∞ and NaN are their own log1p, as far as float32 can tell.
  const own = v128.or(i32x4.lt_s(x, i32x4.splat(0x33800000)), i32x4.ge_s(x, i32x4.splat(0x7F800000)));
  return v128.bitselect(x, y, own);
}
