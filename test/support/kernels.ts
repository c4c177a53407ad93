// Raw access to a wasm build for kernel tests: a heap of its own (a fresh
// instance with its products' scratch in place) handing out buffers as the
// arena's contract promises (16-byte aligned, zeroed, with at least 32
// readable bytes after each).

import { readFileSync } from 'node:fs';
import '../../src/index.js'; // registers the embedded wasm builds
import type { Backend } from '../../src/wasm/load.js';
import { Heap } from '../../src/wasm/heap.js';
import { init, relaxedSimdSupported } from '../../src/wasm/load.js';
import type { Kernels } from '../../src/wasm/kernels.js';

/** The builds that give bit-identical results. */
export const BACKENDS: readonly Backend[] = ['simd', 'scalar'];

/** Whether this engine runs the opt-in relaxed build (Node 20: vitest.config.ts gives the workers the flag). */
export const RELAXED = relaxedSimdSupported();
// The main entry reads the relaxed build from its own directory, which is dist/ when packaged
// but src/wasm/ here: the tests supply build/'s file instead.
if (RELAXED) await init({ relaxed: readFileSync(new URL('../../build/simdnet.relaxed.wasm', import.meta.url)) });

/** Every build this engine runs: BACKENDS, and the relaxed build where the engine has relaxed SIMD. */
export const BUILDS: readonly Backend[] = RELAXED ? [...BACKENDS, 'relaxed'] : BACKENDS;

export interface KernelHeap {
  readonly k: Kernels;
  /** Copies values into fresh f32 memory and returns its address. */
  f32(values: ArrayLike<number>): number;
  /** Fresh zeroed memory for n f32 (or u32) elements. */
  zeros(n: number): number;
  /** Copies values into fresh u32 memory. */
  u32(values: ArrayLike<number>): number;
  /** n f32 values read back from an address. */
  read(address: number, n: number): Float32Array;
  /** n u32 values read back from an address. */
  readU32(address: number, n: number): Uint32Array;
  /** Forgets every allocation. */
  reset(): void;
}

export async function kernelHeap(backend: Backend): Promise<KernelHeap> {
  const heap = await Heap.create(backend);
  const k = heap.kernels;
  const blocks: number[] = [];
  const alloc = (n: number): number => {
    const address = heap.alloc(n * 4 + 32, 'a kernel test');
    blocks.push(address);
    new Uint8Array(k.memory.buffer, address, n * 4 + 32).fill(0);
    return address;
  };
  return {
    k,
    f32(values) {
      const address = alloc(values.length);
      new Float32Array(k.memory.buffer, address, values.length).set(values);
      return address;
    },
    zeros: alloc,
    u32(values) {
      const address = alloc(values.length);
      new Uint32Array(k.memory.buffer, address, values.length).set(values);
      return address;
    },
    read: (address, n) => new Float32Array(k.memory.buffer, address, n).slice(),
    readU32: (address, n) => new Uint32Array(k.memory.buffer, address, n).slice(),
    reset() {
      for (const block of blocks.splice(0)) heap.free(block);
    },
  };
}
