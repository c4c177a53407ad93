// GEMM micro-benchmark: simdnet's exported kernels (gemmNN forward, gemmTN weight
// gradients, gemmNT deltas) on the workloads' real shapes, in GFLOP/s, beside the
// f32x4 multiply-add ceiling measured by bench/ceiling.ts on the same core. The opt-in
// relaxed build, and a relaxed_madd ceiling for it, are measured where the engine has
// relaxed SIMD (Node 20: run.mjs passes --experimental-wasm-relaxed-simd) and reported
// as unavailable elsewhere. With W1 among the workloads, its floor (ceiling.ts tinyRowLoop)
// is measured here too, for the report to set W1's training rates against.

import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { calibrate, repetition, summarize } from './measure.mjs';
import { WORKLOADS } from './workloads.mjs';

const root = new URL('../', import.meta.url);
// bench/ceiling.ts and the library file it imports (the floor's sigmoid).
const CEILING_SOURCES = ['bench/ceiling.ts', 'assembly/exp.ts'].map((path) => fileURLToPath(new URL(path, root)));
const CEILING_WASM = { simd: 'build/bench-ceiling.wasm', relaxed: 'build/bench-ceiling.relaxed.wasm' };
const CEILING_FEATURES = { simd: 'simd', relaxed: 'simd,relaxed-simd' };
const KERNEL_WASM = { simd: 'build/simdnet.simd.wasm', relaxed: 'build/simdnet.relaxed.wasm', scalar: 'build/simdnet.scalar.wasm' };

/**
 * The products one training step of each workload runs, per layer of n_in → n_out on a batch
 * of m rows, as (M, N, K) of C[M×N]: forward A·W is NN(m, n_out, n_in); the weight gradient
 * Aᵀ·δ is TN(n_in, n_out, m); the delta below δ·Wᵀ is NT(m, n_in, n_out), which the first
 * layer skips. W1's 2×2 products are left out: at that size only call overhead is measured.
 */
function gemmShapes(workloads = WORKLOADS) {
  const shapes = new Map();
  for (const w of workloads.filter((w) => w.id !== 'W1')) {
    const m = w.batchSize;
    w.sizes.slice(1).forEach((nOut, l) => {
      const nIn = w.sizes[l];
      const add = (form, M, N, K) => {
        const key = `${form} ${M}×${N}×${K}`;
        if (!shapes.has(key)) shapes.set(key, { form, m: M, n: N, k: K, usedBy: [] });
        shapes.get(key).usedBy.push(`${w.id} L${l + 1}`);
      };
      add('NN', m, nOut, nIn);
      add('TN', nIn, nOut, m);
      if (l > 0) add('NT', m, nIn, nOut);
    });
  }
  return [...shapes.values()];
}

/**
 * { ceiling: { registers, cache }, relaxedCeiling: { registers, cache } | null,
 *   shapes: [{ form, m, n, k, usedBy, simd, relaxed (null when unavailable), scalar }] }, all GFLOP/s,
 * and w1Floor, W1's floor in rows/s (null when W1 is not among the workloads).
 */
export async function runGemmBenchmark(profile, workloads = WORKLOADS) {
  // Kernel calls take micro- to milliseconds, so shorter repetitions are as stable.
  const short = { ...profile, minRepSeconds: profile.minRepSeconds / 5, warmupSeconds: profile.warmupSeconds / 5 };
  const kernels = {};
  for (const [backend, path] of Object.entries(KERNEL_WASM)) {
    const bytes = readFileSync(new URL(path, root));
    // Validation fails for the relaxed build where the engine lacks relaxed SIMD.
    kernels[backend] = WebAssembly.validate(bytes) ? (await WebAssembly.instantiate(bytes, {})).instance.exports : null;
  }
  const builds = Object.keys(CEILING_WASM).filter((build) => kernels[build]);
  const loops = [];
  for (const build of builds) {
    for (const [loop, run] of Object.entries(await ceilingLoops(build))) loops.push({ key: `${build} ${loop}`, loop, run });
  }
  // The ceiling is the best the loops reach over the whole benchmark: they run before and
  // after the kernels and, the register loops, inside every shape's rounds, so that a busy
  // stretch of the machine cannot set it below the kernels it stands for.
  const pooled = new Map(loops.map(({ key }) => [key, []]));
  const pool = (rates) => {
    for (const [key, list] of rates) pooled.get(key)?.push(...list);
  };
  pool(await interleave(loops, short));
  const shapes = gemmShapes(workloads);
  for (const shape of shapes) {
    const runs = Object.entries(kernels).filter(([, k]) => k).map(([backend, k]) => ({ key: backend, run: gemmRunner(k, shape) }));
    const rates = await interleave([...runs, ...loops.filter(({ loop }) => loop === 'registers')], short);
    pool(rates);
    for (const backend of Object.keys(kernels)) shape[backend] = rates.has(backend) ? toGiga(summarize(rates.get(backend))) : null;
  }
  pool(await interleave(loops, short));
  const ceiling = (build) => {
    if (!builds.includes(build)) return null;
    return { registers: toGiga(summarize(pooled.get(`${build} registers`))), cache: toGiga(summarize(pooled.get(`${build} cache`))) };
  };
  const w1Floor = workloads.some((w) => w.id === 'W1') ? summarize((await interleave([await tinyRowRun()], short)).get('floor')) : null;
  return { ceiling: ceiling('simd'), relaxedCeiling: ceiling('relaxed'), shapes, w1Floor };
}

/** The ceiling a kernel is set against: the best repetition of either loop, { registers, cache }. */
export function bestCeiling({ registers, cache }) {
  return Math.max(registers.max, cache.max);
}

// W1's floor (bench/ceiling.ts tinyRowLoop) as a run: (units) → rows trained. Every call
// starts from the same parameters, so however long it runs, the values stay those of the
// first rows of training (about ±10: no infinities or denormals).
async function tinyRowRun() {
  const exports = await ceilingExports('simd');
  const data = exports.heapBase();
  const floats = new Float32Array(exports.memory.buffer, data, exports.TINY_ROW_DATA_FLOATS.value);
  // W1, b1, W2, b2 (the spec's worked 2-2-2 example, one f32x4 per row), then XOR's x and y.
  const start = [
    0.15, 0.25, 0, 0, 0.2, 0.3, 0, 0, 0.35, 0.35, 0, 0, 0.4, 0.5, 0, 0, 0.45, 0.55, 0, 0, 0.6, 0.6, 0, 0,
    0, 0, 0, 1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 0, 0, 1,
  ];
  const rowsPerUnit = 1e4;
  return {
    key: 'floor',
    run: (units) => {
      floats.set(start);
      exports.tinyRowLoop(units * rowsPerUnit, data, 0.5);
      return units * rowsPerUnit;
    },
  };
}

// Calibrates every run, then runs repetition r of each before repetition r + 1 (as run.mjs
// interleaves libraries), so a busy stretch lowers one repetition of each rather than one
// run's measurement. Returns key → rates.
async function interleave(runs, profile) {
  const units = [];
  for (const { run } of runs) units.push(await calibrate(run, profile));
  const rates = new Map(runs.map(({ key }) => [key, []]));
  for (let rep = 0; rep < profile.reps; rep++) {
    for (const [i, { key, run }] of runs.entries()) rates.get(key).push(await repetition(run, units[i], profile));
  }
  return rates;
}

// Lays out A, B, C (and the Bᵀ scratch of NT) in the module's memory, filled with a constant:
// away from denormals, values do not change the speed of f32 products.
function gemmRunner(k, { form, m, n, k: depth }) {
  const align = (bytes) => Math.ceil(bytes / 16) * 16;
  const sizes = { a: m * depth, b: form === 'NT' ? n * depth : depth * n, c: m * n, scratch: depth * n };
  let cursor = align(k.heapBase());
  const at = {};
  for (const [name, floats] of Object.entries(sizes)) {
    at[name] = cursor;
    cursor = align(cursor + floats * 4 + 32);
  }
  const missing = cursor - k.memory.buffer.byteLength;
  if (missing > 0) k.memory.grow(Math.ceil(missing / 65536));
  new Float32Array(k.memory.buffer, at.a, sizes.a + sizes.b).fill(0.5);
  const flops = 2 * m * n * depth;
  const call = {
    NN: () => k.gemmNN(m, n, depth, at.a, at.b, at.c),
    TN: () => k.gemmTN(m, n, depth, at.a, at.b, at.c),
    NT: () => k.gemmNT(m, n, depth, at.a, at.b, at.c, at.scratch),
  }[form];
  return (calls) => {
    for (let i = 0; i < calls; i++) call();
    return calls * flops;
  };
}

/** The exports of bench/ceiling.ts compiled for one build ('simd' or 'relaxed'), compiling it if stale. */
export async function ceilingExports(build) {
  return (await WebAssembly.instantiate(readFileSync(compileCeiling(build)), {})).instance.exports;
}

// The ceiling loops of one build (bench/ceiling.ts), as runs: (units) → flops done.
async function ceilingLoops(build) {
  const exports = await ceilingExports(build);
  const buffer = exports.heapBase();
  if (buffer + 4096 + 256 > exports.memory.buffer.byteLength) exports.memory.grow(1);
  new Float32Array(exports.memory.buffer, buffer, 1024 + 64).fill(1);
  const loop = (run, flops) => (units) => {
    run(units * 1e5);
    return units * 1e5 * flops;
  };
  return {
    registers: loop((n) => exports.registerLoop(n), exports.REGISTER_FLOPS_PER_ITERATION.value),
    cache: loop((n) => exports.cacheLoop(n, buffer), exports.CACHE_FLOPS_PER_ITERATION.value),
  };
}

// asc reads asconfig.json from its working directory, so it runs in bench/, away from the library's.
function compileCeiling(build) {
  const wasm = fileURLToPath(new URL(CEILING_WASM[build], root));
  if (existsSync(wasm) && CEILING_SOURCES.every((source) => statSync(wasm).mtimeMs >= statSync(source).mtimeMs)) return wasm;
  const asc = fileURLToPath(new URL('node_modules/assemblyscript/bin/asc.js', root));
  const args = [asc, 'ceiling.ts', '--outFile', wasm, '--enable', CEILING_FEATURES[build], '-O3', '--runtime', 'stub', '--noAssert'];
  const built = spawnSync(process.execPath, args, { cwd: fileURLToPath(new URL('bench/', root)), encoding: 'utf8' });
  if (built.status !== 0) throw new Error(`compiling bench/ceiling.ts failed: ${built.stderr || built.error}`);
  return wasm;
}

const toGiga = ({ median, min, max }) => ({ median: median / 1e9, min: min / 1e9, max: max / 1e9 });
