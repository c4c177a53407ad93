// assembly/random.ts (xoshiro128** over 4 × u32 words at an address, s[0]
// first) against src/random.ts, the host's copy of the same generator, and
// both against the published reference algorithm.

import { beforeAll, describe, expect, it } from 'vitest';
import { Rng, type RngState } from '../src/random.js';
import { BUILDS, kernelHeap, type KernelHeap } from './support/kernels.js';

// First outputs of xoshiro128** from the state {1, 2, 3, 4}, produced by the
// C reference (https://prng.di.unimi.it/xoshiro128starstar.c: result =
// rotl(s[1]·5, 7)·9, t = s[1] << 9, rotation 11) compiled with gcc
// and printed with %u.
const REFERENCE_STATE: RngState = [1, 2, 3, 4];
const REFERENCE_OUTPUTS = [
  11520, 0, 5927040, 70819200, 2031721883, 1637235492, 1287239034, 3734860849, 3729100597, 4258142804,
];
// The same program from the state {0x9e3779b9, 0x7f4a7c15, 0xdeadbeef, 0x01234567}.
const SECOND_STATE: RngState = [0x9e3779b9, 0x7f4a7c15, 0xdeadbeef, 0x01234567];
const SECOND_OUTPUTS = [199744174, 3631572119, 1073906693, 4210912454, 2084002753, 3936010285];

const SEEDS = [0, 1, 42, 0xdeadbeef, 0xffffffff];

describe('src/random.ts Rng', () => {
  it('reproduces the reference xoshiro128** outputs', () => {
    for (const [state, outputs] of [[REFERENCE_STATE, REFERENCE_OUTPUTS], [SECOND_STATE, SECOND_OUTPUTS]] as const) {
      const rng = new Rng(state);
      expect(outputs.map(() => rng.nextU32())).toEqual(outputs);
    }
  });
});

describe.each(BUILDS)('%s build', (backend) => {
  let heap: KernelHeap;
  beforeAll(async () => {
    heap = await kernelHeap(backend);
  });

  /** The state words of rng copied into wasm memory (s[0] at the lowest address). */
  const stateOf = (rng: Rng): number => heap.u32(rng.state);
  /** rngNext as an unsigned number (the export's i32 result is signed in JavaScript). */
  const next = (state: number): number => heap.k.rngNext(state) >>> 0;

  it('rngNext reproduces the reference xoshiro128** outputs', () => {
    for (const [state, outputs] of [[REFERENCE_STATE, REFERENCE_OUTPUTS], [SECOND_STATE, SECOND_OUTPUTS]] as const) {
      heap.reset();
      const ps = heap.u32(state);
      expect(outputs.map(() => next(ps))).toEqual(outputs);
    }
  });

  it.each(SEEDS)('rngNext gives the same 1000 words as Rng and leaves the same state, seed %i', (seed) => {
    heap.reset();
    const rng = Rng.fromSeed(seed);
    const ps = stateOf(rng);
    const got = Array.from({ length: 1000 }, () => next(ps));
    const want = Array.from({ length: 1000 }, () => rng.nextU32());
    expect(got).toEqual(want);
    expect(Array.from(heap.readU32(ps, 4))).toEqual(rng.state);
  });

  const BOUNDS = [2, 3, 7, 10, 1000, 2 ** 31 - 1, 2 ** 31];
  it.each(BOUNDS)('rngBelow(%i) draws as Rng.below does, always below the bound', (bound) => {
    for (const seed of SEEDS) {
      heap.reset();
      const rng = Rng.fromSeed(seed);
      const ps = stateOf(rng);
      // 2^31 does not fit an i32 argument: it arrives as −2^31, whose bits are the u32 2^31.
      const got = Array.from({ length: 300 }, () => heap.k.rngBelow(ps, bound) >>> 0);
      const want = Array.from({ length: 300 }, () => rng.below(bound));
      expect(got).toEqual(want);
      expect(got.every((x) => x < bound)).toBe(true);
      expect(Array.from(heap.readU32(ps, 4)), 'same number of draws consumed').toEqual(rng.state);
    }
  });

  it('rngBelow(2) and rngBelow(3) hit every value (the mask keeps the low bits)', () => {
    heap.reset();
    const ps = stateOf(Rng.fromSeed(9));
    for (const bound of [2, 3]) {
      const seen = new Set(Array.from({ length: 200 }, () => heap.k.rngBelow(ps, bound)));
      expect([...seen].sort()).toEqual(Array.from({ length: bound }, (_, i) => i));
    }
  });

  it.each([1, 2, 10, 1000])('shuffle permutes %i u32 values exactly as Rng.shuffle does', (n) => {
    for (const seed of SEEDS) {
      heap.reset();
      const values = Array.from({ length: n }, (_, i) => (i * 2654435761 + 12345) >>> 0);
      const rng = Rng.fromSeed(seed);
      const pv = heap.u32(values);
      const ps = stateOf(rng);
      heap.k.shuffle(pv, n, ps);
      const want = [...values];
      rng.shuffle(want);
      const got = Array.from(heap.readU32(pv, n));
      expect(got).toEqual(want);
      expect([...got].sort((a, b) => a - b)).toEqual([...values].sort((a, b) => a - b));
      expect(Array.from(heap.readU32(ps, 4))).toEqual(rng.state);
      if (n >= 10) expect(got, 'a shuffle of 10 or more values moved something').not.toEqual(values);
    }
  });
});
