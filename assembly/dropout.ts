// Inverted dropout: while training, each output of a layer is kept with probability 1 − p and
// scaled by 1/(1 − p), or dropped to +0, so that its expectation is unchanged and inference
// needs no rescaling. Whether element i of a batch's m×n block is kept is a counter-based hash
// of (key, i); the key mixes the training generator's state (src/abi.ts's RUN_RNG, which only
// shuffling moves) with the optimizer step and the layer. Nothing is drawn from the generator,
// so dropout leaves shuffling as it was, and every build, thread count and cut of a fit into
// calls gets the same masks. The backward pass recomputes the mask instead of storing it.

import { at } from "./memory";

const MUL1: u32 = 0x7feb352d;
const MUL2: u32 = 0x846ca68b;

// Chris Wellons' lowbias32, a bijective mix of 32 bits, in one lane or four.
function mix(x: u32): u32 {
  x ^= x >> 16;
  x *= MUL1;
  x ^= x >> 15;
  x *= MUL2;
  return x ^ (x >> 16);
}
@inline function mixLanes(x: v128): v128 {
  x = v128.xor(x, i32x4.shr_u(x, 16));
  x = i32x4.mul(x, i32x4.splat(MUL1));
  x = v128.xor(x, i32x4.shr_u(x, 15));
  x = i32x4.mul(x, i32x4.splat(MUL2));
  return v128.xor(x, i32x4.shr_u(x, 16));
}

/** The key of layer l's mask at optimizer step `step`, from the generator state at rng (4 × u32). */
export function dropoutKey(rng: usize, step: i32, layer: i32): u32 {
  let h = mix(<u32>step ^ mix(<u32>layer));
  for (let i = 0; i < 4; i++) h = mix(h ^ load<u32>(rng + (<usize>i << 2)));
  return h;
}

/**
 * dst[i] = src[i]·1/(1 − rate) where the mask of key keeps element i, else +0, for i < count;
 * in place when dst = src. The forward pass applies it to a layer's outputs, the backward pass
 * to the gradient reaching them. Element i is kept when the top 24 bits of mix(mix(i) ^ key)
 * are at least rate·2²⁴.
 */
export function dropout(src: usize, dst: usize, count: i32, rate: f32, key: u32): void {
  const threshold = <u32>(<f64>rate * 16777216);
  const scale: f32 = 1 / (1 - rate);
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const vkey = i32x4.splat(key);
    const vthreshold = i32x4.splat(threshold);
    const vscale = f32x4.splat(scale);
    let index = i32x4(0, 1, 2, 3);
    for (; i + 4 <= count; i += 4) {
      const bits = mixLanes(v128.xor(mixLanes(index), vkey));
      const keep = i32x4.ge_u(i32x4.shr_u(bits, 8), vthreshold);
      v128.store(at(dst, i), v128.and(f32x4.mul(v128.load(at(src, i)), vscale), keep));
      index = i32x4.add(index, i32x4.splat(4));
    }
  }
  for (; i < count; i++) {
    const keep = mix(mix(<u32>i) ^ key) >> 8 >= threshold;
    store<f32>(at(dst, i), select<f32>(load<f32>(at(src, i)) * scale, 0, keep));
  }
}
