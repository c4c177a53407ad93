// shortestFloat32, which writes every weight of toJSON: the decimal of fewest digits that reads back
// as the same float32, held against the search it replaced (toPrecision for every digit count).

import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { shortestFloat32 } from '../src/serialization.js';

function byToPrecision(x: number): number {
  for (let digits = 1; digits < 9; digits++) {
    const candidate = Number(x.toPrecision(digits));
    if (Math.fround(candidate) === x) return candidate;
  }
  return Number(x.toPrecision(9));
}

const f32 = new Float32Array(1);
const f32Bits = new Uint32Array(f32.buffer);
const fromBits = (bits: number) => ((f32Bits[0] = bits >>> 0), f32[0]!);
const bitsOf = (x: number) => ((f32[0] = x), f32Bits[0]!);

describe('shortestFloat32', () => {
  it('gives the known shortest forms', () => {
    expect(shortestFloat32(Math.fround(0.1))).toBe(0.1);
    expect(shortestFloat32(Math.fround(1 / 3))).toBe(0.33333334);
    expect(shortestFloat32(Math.fround(-2 / 3))).toBe(-0.6666667);
    expect(shortestFloat32(16777216)).toBe(16777216);
    expect(shortestFloat32(16777218)).toBe(16777218);
    expect(shortestFloat32(fromBits(0x7f7fffff))).toBe(3.4028235e38);
    expect(shortestFloat32(fromBits(1))).toBe(1e-45);
    expect(shortestFloat32(Math.fround(1e-7))).toBe(1e-7);
    expect(shortestFloat32(0)).toBe(0);
  });

  it('agrees with toPrecision for every digit count on random float32 values', () => {
    fc.assert(fc.property(fc.float({ noNaN: true }), (x) => Object.is(shortestFloat32(x), byToPrecision(x))), {
      numRuns: 20000, seed: 3,
    });
    fc.assert(fc.property(fc.integer({ min: 0, max: 0xffffffff }), (bits) => {
      const x = fromBits(bits);
      return Object.is(shortestFloat32(x), byToPrecision(x));
    }), { numRuns: 20000, seed: 5 });
  });

  it('agrees with toPrecision next to powers of ten and of two, where the decimal exponent or a tie is in doubt', () => {
    const mismatches: number[] = [];
    const check = (x: number) => {
      if (!Object.is(shortestFloat32(x), byToPrecision(x))) mismatches.push(x);
    };
    for (let e = -45; e <= 38; e++) {
      const near = bitsOf(Number(`1e${e}`));
      for (let d = -64; d <= 64; d++) check(fromBits(near + d));
    }
    for (let exponent = 0; exponent < 255; exponent++) {
      for (let d = -3; d <= 3; d++) check(fromBits(Math.max(0, exponent * 2 ** 23 + d)));
    }
    // Exact ties: base + 2^-k ends in the digit 5, halfway between two decimals one digit shorter.
    for (const base of [0.5, 1, 2, 3, 7, 10, 100, 1000]) {
      for (let k = 1; k <= 23; k++) {
        const tie = bitsOf(base + 2 ** -k);
        for (let d = -2; d <= 2; d++) check(fromBits(tie + d));
      }
    }
    expect(mismatches).toEqual([]);
  });

  it('keeps toPrecision\'s answers under a Math.log10 that errs next to powers of ten (engines may approximate it)', () => {
    const exactLog10 = Math.log10;
    for (const error of [1e-7, -1e-7]) {
      const log10 = vi.spyOn(Math, 'log10').mockImplementation((v) => exactLog10(v) + error);
      try {
        for (let e = -20; e <= 20; e++) {
          const near = bitsOf(Number(`1e${e}`));
          for (let d = -16; d <= 16; d++) expect(shortestFloat32(fromBits(near + d))).toBe(byToPrecision(fromBits(near + d)));
        }
      } finally {
        log10.mockRestore();
      }
    }
  });

  it('reads a double that is no float32 to nine digits, as the message of a bad target prints it', () => {
    expect(shortestFloat32(1.3)).toBe(1.3);
    expect(shortestFloat32(1 / 3)).toBe(0.333333333);
    expect(shortestFloat32(-Infinity)).toBe(-Infinity);
    expect(shortestFloat32(NaN)).toBeNaN();
  });
});
