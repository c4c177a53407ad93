// Types for the part of gemm.mjs that tests import.

/** The exports of bench/ceiling.ts compiled for one build, compiling it if stale. */
export function ceilingExports(build: 'simd' | 'relaxed'): Promise<{
  memory: WebAssembly.Memory;
  heapBase(): number;
  TINY_ROW_DATA_FLOATS: WebAssembly.Global;
  tinyRowLoop(rows: number, data: number, lr: number): void;
}>;
