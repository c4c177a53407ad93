// The seeded generator that shuffles rows: xoshiro128** (Blackman & Vigna,
// 2018) over four u32 words kept in linear memory. src/random.ts is the same
// generator for the host; test/random.spec.ts holds the two to one stream.

import { at } from "./memory";

/** Advances the xoshiro128** state (4 × u32 at state) and returns its next output. */
export function rngNext(state: usize): u32 {
  let s0 = load<u32>(state, 0);
  let s1 = load<u32>(state, 4);
  let s2 = load<u32>(state, 8);
  let s3 = load<u32>(state, 12);
  const result = rotl<u32>(s1 * 5, 7) * 9;
  const t = s1 << 9;
  s2 ^= s0;
  s3 ^= s1;
  s1 ^= s2;
  s0 ^= s3;
  s2 ^= t;
  s3 = rotl<u32>(s3, 11);
  store<u32>(state, s0, 0);
  store<u32>(state, s1, 4);
  store<u32>(state, s2, 8);
  store<u32>(state, s3, 12);
  return result;
}

/** Uniform integer in [0, bound) for 2 ≤ bound ≤ 2^31: masked draws, rejected until below bound. */
export function rngBelow(state: usize, bound: u32): u32 {
  const mask = <u32>0xffffffff >>> clz<u32>(bound - 1);
  let x = rngNext(state) & mask;
  while (x >= bound) x = rngNext(state) & mask;
  return x;
}

/** Fisher–Yates shuffle of n u32 values in place. */
export function shuffle(values: usize, n: i32, state: usize): void {
  for (let i = n - 1; i > 0; i--) {
    const j = <i32>rngBelow(state, <u32>(i + 1));
    const vi = load<u32>(at(values, i));
    store<u32>(at(values, i), load<u32>(at(values, j)));
    store<u32>(at(values, j), vi);
  }
}

/**
 * The order of an epoch's rows: 0..rows-1 permuted afresh each epoch, so that it depends only on
 * the generator's state and not on where earlier fit calls left the order.
 */
export function shuffleRows(order: usize, rows: i32, state: usize): void {
  for (let r = 0; r < rows; r++) store<u32>(order + (<usize>r << 2), r);
  shuffle(order, rows, state);
}
