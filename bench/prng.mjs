// The one seeded generator of the benchmark suite (mulberry32): data, weights and
// anything else random comes from here, never from Math.random.

/** A function returning uniform floats in [0, 1), fully determined by the 32-bit seed. */
export function prng(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A Float32Array of n uniform values in [lo, hi). */
export function uniform(random, n, lo = 0, hi = 1) {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * random();
  return out;
}
