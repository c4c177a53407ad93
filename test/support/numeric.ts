// Small numeric helpers shared by the kernel tests: seeded float32 data,
// float32 rounding facts, and comparators whose failure messages say where
// and by how much a result is off.

import { expect } from 'vitest';
import { Rng } from '../../src/random.js';
import type { KernelHeap } from './kernels.js';

/** Unit roundoff of float32 (round to nearest): |fl(x) − x| ≤ U·|x| for normal results. */
export const U = 2 ** -24;

/** Higham's γ_n = n·U / (1 − n·U): the relative bound of an n-term float32 dot product or sum. */
export const gamma = (n: number): number => (n * U) / (1 - n * U);

/** n float32 values uniform in [lo, hi), drawn from the library's seeded generator. */
export function randomF32(rng: Rng, n: number, lo = -1, hi = 1): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * rng.uniform();
  return out;
}

/** The seeded generator for a test, so every case can be replayed from its seed. */
export const seeded = (seed: number): Rng => Rng.fromSeed(seed);

/** Distance in float32 units in the last place between two float32 values (0 for +0 vs −0). */
export function ulpDistance(a: number, b: number): number {
  const bits = new Int32Array(new Float32Array([a, b]).buffer);
  // Map the sign-magnitude bit patterns onto a monotonic integer line.
  const ordered = (x: number): number => (x < 0 ? -2147483648 - x : x);
  return Math.abs(ordered(bits[0]!) - ordered(bits[1]!));
}

const fmt = (x: number): string => (Number.isNaN(x) ? 'NaN' : x.toPrecision(9));

function report(what: string, failures: string[], total: number): void {
  if (failures.length > 0) {
    expect.fail(
      `${what}: ${failures.length} of ${total} elements out of tolerance; first ones:\n  ` +
        failures.slice(0, 6).join('\n  '),
    );
  }
}

/**
 * Every got[i] is within tol(i) of want[i]. NaN is expected exactly where want is NaN.
 * Failures list index, values, difference and tolerance.
 */
export function expectClose(
  got: ArrayLike<number>,
  want: ArrayLike<number>,
  tol: (i: number) => number,
  what: string,
): void {
  expect(got.length, `${what}: length`).toBe(want.length);
  const failures: string[] = [];
  for (let i = 0; i < want.length; i++) {
    const g = got[i]!;
    const w = want[i]!;
    if (Number.isNaN(w) || Number.isNaN(g)) {
      if (Number.isNaN(w) !== Number.isNaN(g)) failures.push(`[${i}] got ${fmt(g)}, want ${fmt(w)}`);
      continue;
    }
    const t = tol(i);
    const diff = Math.abs(g - w);
    if (!(diff <= t)) {
      failures.push(`[${i}] got ${fmt(g)}, want ${fmt(w)}, |diff| ${diff.toExponential(3)} > tol ${t.toExponential(3)}`);
    }
  }
  report(what, failures, want.length);
}

/** Every got[i] (float32) is within maxUlps float32 ULPs of want[i] rounded to float32; NaN where want is NaN. */
export function expectUlps(got: ArrayLike<number>, want: ArrayLike<number>, maxUlps: number, what: string): void {
  expect(got.length, `${what}: length`).toBe(want.length);
  const failures: string[] = [];
  for (let i = 0; i < want.length; i++) {
    const g = got[i]!;
    const w = Math.fround(want[i]!);
    if (Number.isNaN(w) || Number.isNaN(g)) {
      if (Number.isNaN(w) !== Number.isNaN(g)) failures.push(`[${i}] got ${fmt(g)}, want ${fmt(w)}`);
      continue;
    }
    const d = ulpDistance(g, w);
    if (d > maxUlps) failures.push(`[${i}] got ${fmt(g)}, want ${fmt(w)}: ${d} ULPs > ${maxUlps}`);
  }
  report(what, failures, want.length);
}

/** The float32 bit patterns of values (so NaN, −0 and +0 compare exactly). */
export const f32Bits = (values: ArrayLike<number>): Uint32Array => new Uint32Array(Float32Array.from(values).buffer);

/**
 * got and want are the same float32 values bit for bit, except that any NaN matches any NaN
 * (WebAssembly leaves the sign and payload of a computed NaN unspecified).
 */
export function expectSameBits(got: ArrayLike<number>, want: ArrayLike<number>, what: string): void {
  expect(got.length, `${what}: length`).toBe(want.length);
  const g = f32Bits(got);
  const w = f32Bits(want);
  const failures: string[] = [];
  for (let i = 0; i < w.length; i++) {
    if (g[i] !== w[i] && !(Number.isNaN(got[i]!) && Number.isNaN(want[i]!))) {
      failures.push(
        `[${i}] got ${fmt(got[i]!)} (0x${g[i]!.toString(16)}), want ${fmt(want[i]!)} (0x${w[i]!.toString(16)})`,
      );
    }
  }
  report(what, failures, w.length);
}

/**
 * The value guard zones hold. Finite and negative, so a kernel that strays into a guard zone
 * changes it: relu sends it to 0, w − lr·g moves it (a NaN would survive arithmetic with its
 * payload intact, and 0 would survive w − lr·0).
 */
export const SENTINEL = Math.fround(-1234.5678);
export const SENTINEL_BITS = new Uint32Array(new Float32Array([SENTINEL]).buffer)[0]!;
/** Floats of guard zone kept on each side of a guarded buffer. */
export const GUARD = 16;

/**
 * A buffer of n floats holding values (or the sentinel when values is omitted),
 * with GUARD sentinel floats before and after it. Returns the buffer's address.
 * As an input, it makes a kernel that reads past the end see the sentinel rather than zeros.
 */
export function guarded(heap: KernelHeap, n: number, values?: ArrayLike<number>): number {
  const base = heap.zeros(GUARD + n + GUARD);
  new Uint32Array(heap.k.memory.buffer, base, GUARD + n + GUARD).fill(SENTINEL_BITS);
  const address = base + 4 * GUARD;
  if (values) new Float32Array(heap.k.memory.buffer, address, n).set(values);
  return address;
}

/** The guard zones around a guarded buffer of n floats still hold the sentinel. */
export function expectGuardsIntact(heap: KernelHeap, address: number, n: number, what: string): void {
  const before = heap.readU32(address - 4 * GUARD, GUARD);
  const after = heap.readU32(address + 4 * n, GUARD);
  const bad = [...before, ...after].findIndex((x) => x !== SENTINEL_BITS);
  expect(bad, `${what}: a kernel wrote ${bad < GUARD ? 'before' : 'after'} its output`).toBe(-1);
}

/** Snapshot of n floats' bit patterns, to check later that a kernel did not modify an input. */
export function snapshot(heap: KernelHeap, address: number, n: number): Uint32Array {
  return heap.readU32(address, n);
}

export function expectUnchanged(heap: KernelHeap, address: number, before: Uint32Array, what: string): void {
  const now = heap.readU32(address, before.length);
  const i = now.findIndex((x, j) => x !== before[j]);
  expect(i, `${what} was modified (first at element ${i})`).toBe(-1);
}

/** The float32 next to x (float32) in the direction of toward, by one unit in the last place. */
function nextF32(x: number, toward: number): number {
  if (x === toward) return x;
  const cell = new Float32Array([x]);
  const bits = new Int32Array(cell.buffer);
  if (x === 0) bits[0] = toward > 0 ? 1 : -2147483647;
  else bits[0]! += (x < toward) === (x > 0) ? 1 : -1;
  return cell[0]!;
}

/**
 * a·b + c for float32 a, b, c rounded once to float32, as a fused multiply-add gives (finite
 * values). a·b is exact in float64; s = a·b + c rounded to float64 carries the error e, exactly
 * (Knuth's TwoSum). Rounding s to float32 then rounds a·b + c correctly unless s lies exactly
 * halfway between two float32 and e ≠ 0, where e's sign decides.
 */
export function fusedMulAdd(a: number, b: number, c: number): number {
  const p = a * b;
  const s = p + c;
  const bv = s - p;
  const e = p - (s - bv) + (c - bv);
  const r = Math.fround(s);
  if (e === 0 || r === s) return r;
  const other = nextF32(r, s);
  if ((r + other) / 2 !== s) return r;
  return e > 0 ? Math.max(r, other) : Math.min(r, other);
}

/** got is bit for bit one of the candidates (any NaN matching any NaN); otherwise fails against the first. */
export function expectSameBitsAsOneOf(got: ArrayLike<number>, candidates: ArrayLike<number>[], what: string): void {
  const g = f32Bits(got);
  const matches = (want: ArrayLike<number>): boolean => {
    const w = f32Bits(want);
    return w.length === g.length && w.every((bits, i) => bits === g[i] || (Number.isNaN(got[i]!) && Number.isNaN(want[i]!)));
  };
  if (!candidates.some(matches)) expectSameBits(got, candidates[0]!, what);
}

/**
 * a_j·(|g_j| + Σ_k a_k·|g_k|) for each of m softmax rows of n outputs a and upstream gradients g:
 * the size of the terms in the row's backward product J·g, which its rounding error scales with.
 */
export function softmaxBackwardScale(a: ArrayLike<number>, g: ArrayLike<number>, m: number, n: number): Float64Array {
  const scale = new Float64Array(m * n);
  for (let r = 0; r < m; r++) {
    let weighted = 0;
    for (let k = 0; k < n; k++) weighted += a[r * n + k]! * Math.abs(g[r * n + k]!);
    for (let j = 0; j < n; j++) scale[r * n + j] = a[r * n + j]! * (Math.abs(g[r * n + j]!) + weighted);
  }
  return scale;
}
