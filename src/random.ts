// The library's one pseudo-random generator: xoshiro128** (Blackman & Vigna,
// 2018), its state expanded from a 32-bit seed by SplitMix32. Weight
// initialisation draws from it here; shuffling draws from the same state
// inside wasm (assembly/random.ts), which test/random.spec.ts holds to this
// implementation word for word.

export type RngState = [number, number, number, number];

// SplitMix32: a Weyl sequence (step 0x9e3779b9) through MurmurHash3's 32-bit
// finaliser, a bijection, so the four state words are distinct and never all 0.
function splitMix32(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (x + 0x9e3779b9) >>> 0;
    let z = x;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

const rotl = (x: number, k: number): number => ((x << k) | (x >>> (32 - k))) >>> 0;

export class Rng {
  readonly state: RngState;

  constructor(state: RngState) {
    this.state = [...state];
  }

  /** The generator for a 32-bit seed: its state is four successive SplitMix32 outputs. */
  static fromSeed(seed: number): Rng {
    const next = splitMix32(seed);
    return new Rng([next(), next(), next(), next()]);
  }

  /** Next 32-bit output, as an unsigned integer. */
  nextU32(): number {
    const s = this.state;
    const result = Math.imul(rotl(Math.imul(s[1], 5) >>> 0, 7), 9) >>> 0;
    const t = (s[1] << 9) >>> 0;
    s[2] = (s[2] ^ s[0]) >>> 0;
    s[3] = (s[3] ^ s[1]) >>> 0;
    s[1] = (s[1] ^ s[2]) >>> 0;
    s[0] = (s[0] ^ s[3]) >>> 0;
    s[2] = (s[2] ^ t) >>> 0;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** Uniform in [0, 1), from the top 24 bits (every value exactly representable in float32). */
  uniform(): number {
    return (this.nextU32() >>> 8) / 0x1000000;
  }

  /** Standard normal, by the Box–Muller transform of two uniforms. */
  normal(): number {
    const u = 1 - this.uniform(); // (0, 1]: log(u) stays finite
    const v = this.uniform();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Uniform integer in [0, bound) for 2 ≤ bound ≤ 2^31, the same draws as assembly/random.ts rngBelow. */
  below(bound: number): number {
    const mask = 0xffffffff >>> Math.clz32(bound - 1);
    let x = (this.nextU32() & mask) >>> 0;
    while (x >= bound) x = (this.nextU32() & mask) >>> 0;
    return x;
  }

  /** Fisher–Yates shuffle in place, the same swaps as assembly/random.ts shuffle. */
  shuffle(values: { length: number; [i: number]: number }): void {
    for (let i = values.length - 1; i > 0; i--) {
      const j = this.below(i + 1);
      const vi = values[i]!;
      values[i] = values[j]!;
      values[j] = vi;
    }
  }
}
