// A wasm instance, its linear memory, and an allocator of blocks in it.
//
// Networks of one build share one heap per process, so a thousand small
// networks cost their parameters and not a thousand memories; a network
// whose parameters alone take more than PRIVATE_HEAP_BYTES gets a heap of
// its own, which the garbage collector returns whole once it is disposed.
// Memory only grows: a freed block is reused by later allocations, never
// given back to the system.
//
// The allocator's bookkeeping lives here, not in wasm memory: blocks start
// on 16-byte boundaries, and the free ranges are kept sorted by address and
// merged with their neighbours.

import { SimdnetError } from '../errors.js';
import type { Kernels } from './kernels.js';
import { type Backend, type Build, compileKernels } from './load.js';
import { Pool } from './pool.js';

const ALIGN = 16;
const PAGE = 65536;
/** The wasm32 address space. Engines may grant less; growth failures are reported either way. */
const ADDRESS_SPACE = 2 ** 32;

/** Parameter bytes above which a network gets a heap of its own. */
export const PRIVATE_HEAP_BYTES = 32 * 2 ** 20;

export const alignUp = (bytes: number): number => Math.ceil(bytes / ALIGN) * ALIGN;

const mib = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)} MiB`;

const sharedHeaps = new Map<Backend, Promise<Heap>>();
let threadedHeap: Promise<Heap> | undefined;

/**
 * When nonzero, every network gets a heap of its own that hands out addresses from here up. Always
 * 0 in use; tests raise it past 2 GiB to run every call with its addresses above the int32 range.
 */
export const heapFloor = { bytes: 0 };

export class Heap {
  /** Starts of the free ranges, ascending, and their ends (exclusive). */
  readonly #starts: number[] = [];
  readonly #ends: number[] = [];
  /** Size of every allocated block, by address. */
  readonly #blocks = new Map<number, number>();
  #buffer: ArrayBufferLike | undefined;
  #f32 = new Float32Array(0);
  #f64 = new Float64Array(0);
  #i32 = new Int32Array(0);
  #u32 = new Uint32Array(0);

  /** The pool of worker threads, for the threaded heap. */
  readonly pool: Pool | undefined;
  /** The scratch block of the products run on the thread that calls in (gemmScratchBytes). */
  readonly scratch: number;

  private constructor(
    readonly kernels: Kernels,
    readonly backend: Backend,
    /** The first address the heap hands out. */
    readonly first: number,
    threads?: WebAssembly.Module,
  ) {
    const end = kernels.memory.buffer.byteLength;
    if (first < end) this.#release(first, end);
    this.scratch = this.alloc(kernels.gemmScratchBytes(), 'the matrix products\' scratch');
    kernels.setGemmScratch(this.scratch);
    this.pool = threads && Pool.of(this, threads);
  }

  /**
   * The heap of the threaded build, over shared memory, with its pool of workers: one per process,
   * made on first use, shared by every network that runs on more than one thread.
   */
  static threaded(): Promise<Heap> {
    threadedHeap ??= (async () => {
      const module = await compileKernels('threads');
      const memory = new WebAssembly.Memory({ initial: 1, maximum: ADDRESS_SPACE / PAGE, shared: true });
      const instance = await WebAssembly.instantiate(module, { env: { memory } });
      const kernels = instance.exports as unknown as Kernels;
      return new Heap(kernels, 'simd', alignUp(kernels.heapBase()), module);
    })();
    threadedHeap.catch(() => {
      threadedHeap = undefined;
    });
    return threadedHeap;
  }

  /** The heap the networks of a build share, made on first use. */
  static shared(backend: Backend): Promise<Heap> {
    let heap = sharedHeaps.get(backend);
    if (!heap) {
      heap = Heap.create(backend);
      sharedHeaps.set(backend, heap);
      heap.catch(() => sharedHeaps.delete(backend));
    }
    return heap;
  }

  /** A heap of its own, allocating from `floor` (at least the module's heap base) upwards. */
  static async create(backend: Backend, floor = 0): Promise<Heap> {
    const instance = await WebAssembly.instantiate(await compileKernels(backend satisfies Build), {});
    const kernels = instance.exports as unknown as Kernels;
    return new Heap(kernels, backend, alignUp(Math.max(kernels.heapBase(), floor)));
  }

  /** Bytes of wasm memory the heap holds. */
  get memoryBytes(): number {
    return this.kernels.memory.buffer.byteLength;
  }

  get f32(): Float32Array {
    this.#refreshViews();
    return this.#f32;
  }
  get f64(): Float64Array {
    this.#refreshViews();
    return this.#f64;
  }
  get i32(): Int32Array {
    this.#refreshViews();
    return this.#i32;
  }
  get u32(): Uint32Array {
    this.#refreshViews();
    return this.#u32;
  }

  /**
   * The address of a fresh block of at least `bytes` (contents undefined), growing memory if no
   * free range holds it. Throws a SimdnetError naming the purpose if memory cannot grow.
   */
  alloc(bytes: number, purpose: string | (() => string)): number {
    const size = alignUp(Math.max(bytes, ALIGN));
    let best = -1;
    for (let i = 0; i < this.#starts.length; i++) {
      const room = this.#ends[i]! - this.#starts[i]!;
      if (room >= size && (best < 0 || room < this.#ends[best]! - this.#starts[best]!)) best = i;
    }
    if (best < 0) best = this.#grow(size, purpose);
    const address = this.#starts[best]!;
    if (this.#ends[best]! - address === size) {
      this.#starts.splice(best, 1);
      this.#ends.splice(best, 1);
    } else {
      this.#starts[best] = address + size;
    }
    this.#blocks.set(address, size);
    return address;
  }

  /** Returns a block to the heap. */
  free(address: number): void {
    const size = this.#blocks.get(address);
    if (size === undefined) throw new Error(`simdnet internal error: freeing ${address}, which is not an allocated block`);
    this.#blocks.delete(address);
    this.#release(address, address + size);
  }

  /** Bytes of a block, as allocated. */
  sizeOf(address: number): number {
    return this.#blocks.get(address) ?? 0;
  }

  // Adds [start, end) to the free ranges, merged with the ranges it touches.
  #release(start: number, end: number): void {
    let i = 0;
    let hi = this.#starts.length;
    while (i < hi) {
      const mid = (i + hi) >>> 1;
      if (this.#starts[mid]! < start) i = mid + 1;
      else hi = mid;
    }
    const mergesBefore = i > 0 && this.#ends[i - 1] === start;
    const mergesAfter = i < this.#starts.length && this.#starts[i] === end;
    if (mergesBefore && mergesAfter) {
      this.#ends[i - 1] = this.#ends[i]!;
      this.#starts.splice(i, 1);
      this.#ends.splice(i, 1);
    } else if (mergesBefore) {
      this.#ends[i - 1] = end;
    } else if (mergesAfter) {
      this.#starts[i] = start;
    } else {
      this.#starts.splice(i, 0, start);
      this.#ends.splice(i, 0, end);
    }
  }

  // Grows memory so that a free range at its end holds `size` bytes; returns that range's index.
  #grow(size: number, purpose: string | (() => string)): number {
    const memory = this.kernels.memory;
    const have = memory.buffer.byteLength;
    const last = this.#starts.length - 1;
    const top = Math.max(have, this.first);
    const tailFree = last >= 0 && this.#ends[last] === have ? have - this.#starts[last]! : 0;
    const needed = top + size - tailFree;
    const refuse = (why: string): never => {
      throw new SimdnetError(
        `${typeof purpose === 'string' ? purpose : purpose()} needs ${mib(size)} of wasm memory ` +
          `(${mib(have)} are in use or reserved now); ${why}`,
      );
    };
    if (needed > ADDRESS_SPACE) refuse('WebAssembly memory is limited to 4 GiB');
    try {
      memory.grow(Math.ceil((needed - have) / PAGE));
    } catch {
      refuse('the engine refused to grow wasm memory that far');
    }
    this.#buffer = undefined;
    this.#release(top, memory.buffer.byteLength);
    return this.#starts.length - 1;
  }

  // Only #grow grows memory (the kernels never do), and it drops the views, so a buffer in hand
  // means the views are current, without asking the Memory object (a slow call) every time.
  #refreshViews(): void {
    if (this.#buffer !== undefined) return;
    const buffer = this.kernels.memory.buffer;
    this.#buffer = buffer;
    this.#f32 = new Float32Array(buffer);
    this.#f64 = new Float64Array(buffer);
    this.#i32 = new Int32Array(buffer);
    this.#u32 = new Uint32Array(buffer);
  }
}
