// Address arithmetic shared by the kernels.

/** Byte address of element i of an array of 4-byte elements (f32, i32, u32) starting at base. */
@inline
export function at(base: usize, i: i32): usize {
  return base + (<usize>i << 2);
}

/** Row r0 of an optional block of rows n elements wide (0 for none). */
@inline
export function rowsFrom(block: usize, r0: i32, n: i32): usize {
  return block != 0 ? at(block, r0 * n) : 0;
}

/**
 * Copies a handful of 4-byte elements by plain loads and stores: memory.copy calls out of the
 * compiled code, which costs more than copying a short row.
 */
@inline
export function copyFew(dst: usize, src: usize, count: i32): void {
  for (let i = 0; i < count; i++) store<u32>(at(dst, i), load<u32>(at(src, i)));
}

/** count (1–4) floats from src in the first lanes of an f32x4; the other lanes are zero. */
@inline
export function loadFew(src: usize, count: i32): v128 {
  if (count == 4) return v128.load(src);
  if (count == 1) return v128.load32_zero(src);
  const pair = v128.load64_zero(src);
  return count == 3 ? v128.load32_lane(src, pair, 2, 8) : pair;
}

/** The first count (1–4) lanes of v stored at dst. */
@inline
export function storeFew(dst: usize, v: v128, count: i32): void {
  if (count == 4) {
    v128.store(dst, v);
  } else if (count == 1) {
    v128.store32_lane(dst, v, 0);
  } else {
    v128.store64_lane(dst, v, 0);
    if (count == 3) v128.store32_lane(dst, v, 2, 8);
  }
}

/** Copies count 4-byte elements from src to dst (non-overlapping). */
export function copyElements(dst: usize, src: usize, count: i32): void {
  if (count > 16) memory.copy(dst, src, <usize>count << 2);
  else copyFew(dst, src, count);
}

const EXPONENT_BITS: u32 = 0x7f800000;

/**
 * Index of the first of count floats from p that is NaN or ±Infinity (all exponent bits set),
 * or −1 when every one is finite: the host's check on data it has just copied in. Sixteen lanes
 * are tested per branch (a branch per vector halves the rate); the vector holding the first
 * non-finite value, if any, is then found by the loops below.
 */
export function firstNonFinite(p: usize, count: i32): i32 {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const mask = i32x4.splat(EXPONENT_BITS);
    for (; i + 16 <= count; i += 16) {
      const a = i32x4.eq(v128.and(v128.load(at(p, i)), mask), mask);
      const b = i32x4.eq(v128.and(v128.load(at(p, i + 4)), mask), mask);
      const c = i32x4.eq(v128.and(v128.load(at(p, i + 8)), mask), mask);
      const d = i32x4.eq(v128.and(v128.load(at(p, i + 12)), mask), mask);
      if (v128.any_true(v128.or(v128.or(a, b), v128.or(c, d)))) break;
    }
    for (; i + 4 <= count; i += 4) {
      if (v128.any_true(i32x4.eq(v128.and(v128.load(at(p, i)), mask), mask))) break;
    }
  }
  for (; i < count; i++) {
    if ((load<u32>(at(p, i)) & EXPONENT_BITS) == EXPONENT_BITS) return i;
  }
  return -1;
}

/** First byte after the module's static data: the host lays out its buffers from here. */
export function heapBase(): usize {
  return __heap_base;
}
