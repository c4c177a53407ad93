// The worker threads of the threaded build: one pool per process (or page),
// shared by every threaded network, never a set per network. Each worker
// instantiates the build over the threaded heap's shared memory and waits in
// assembly/parallel.ts's work() for the leader's jobs; the thread that calls
// into wasm leads.
//
// The workers run from source embedded here, as the wasm is: Node starts them
// with worker_threads (eval), browsers from a Blob URL, so no worker file has
// to be hosted or found by a bundler. Browsers need a cross-origin-isolated
// page for shared memory (the COOP and COEP headers); elsewhere networks run
// on one thread. Node's workers are unref'd: an idle pool never keeps the
// process alive.

import * as abi from '../abi.js';
import { SimdnetError } from '../errors.js';
import type { Heap } from './heap.js';

/** Whether this environment can run the threaded build: shared memory, and in a browser, a cross-origin-isolated page. */
export function threadsSupported(): boolean {
  if (typeof SharedArrayBuffer === 'undefined') return false;
  if (nodeWorkers()) return true;
  return typeof Worker !== 'undefined' && (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
}

/** Cores available to this process (Node) or page. */
export function availableCores(): number {
  const os = builtin<{ availableParallelism?: () => number; cpus: () => unknown[] }>('node:os');
  if (os) return os.availableParallelism?.() ?? os.cpus().length;
  return (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 1;
}

interface NodeWorker {
  unref(): void;
  terminate(): Promise<number>;
  on(event: 'message' | 'error' | 'exit', listener: (value: unknown) => void): void;
}
interface NodeWorkers {
  Worker: new (source: string, options: { eval: true; workerData: unknown }) => NodeWorker;
}

// node:worker_threads without an import statement, which browser bundlers would try to resolve.
function nodeWorkers(): NodeWorkers | undefined {
  return builtin<NodeWorkers>('node:worker_threads');
}

function builtin<T>(id: string): T | undefined {
  const process = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  return process?.getBuiltinModule?.(id) as T | undefined;
}

/** What a worker needs to start: the compiled build, the shared memory, its control block, scratch and index. */
interface WorkerStart {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  control: number;
  scratch: number;
  index: number;
}

// The body both kinds of worker run. A chunk that traps marks the pool failed and counts as
// done, so the leader stops waiting, finds the flag and reports the error instead of spinning forever.
const WORKER_BODY = `
function start(data, report) {
  const { module, memory, control, scratch, index } = data;
  const kernels = new WebAssembly.Instance(module, { env: { memory } }).exports;
  kernels.setGemmScratch(scratch);
  try {
    kernels.work(control, index);
  } catch (error) {
    const words = new Int32Array(memory.buffer);
    Atomics.store(words, (control + ${abi.CONTROL_FAILED}) >>> 2, 1);
    Atomics.add(words, (control + ${abi.CONTROL_DONE}) >>> 2, 1);
    report(String(error && error.message || error));
  }
}`;
// getBuiltinModule rather than require: the worker inherits the process's flags, and with
// --input-type=module its eval'd source is an ES module.
const NODE_WORKER = `${WORKER_BODY}
const { workerData, parentPort } = process.getBuiltinModule('node:worker_threads');
start(workerData, (message) => parentPort.postMessage(message));`;
const BROWSER_WORKER = `${WORKER_BODY}
onmessage = (event) => start(event.data, (message) => postMessage(message));`;

/** Milliseconds a new worker may take to instantiate and reach its wait. */
const START_TIMEOUT_MS = 30_000;
/**
 * Bytes left unused before each worker's scratch block, so that no two threads' scratch blocks
 * lie closer than this. On a two-vCPU cloud VM, in some minutes (not in others), a worker's
 * products ran about a fifth slower than the leader's while both ran, its packs lying right after
 * the leader's; 256 KiB apart they ran within a few per cent of each other, and 1 MiB apart no
 * better. Never touched, the gap takes address space, not memory.
 */
export const SCRATCH_SEPARATION = 256 * 1024;
/** Milliseconds idle workers live on after the last network that used them is disposed. */
const LINGER_MS = 1000;

let pool: Pool | undefined;

export class Pool {
  readonly #heap: Heap;
  readonly #module: WebAssembly.Module;
  /** The control block of the running workers: a fresh one each time workers start (see #stop). */
  #control = 0;
  /** Each worker and its scratch block, which lies SCRATCH_SEPARATION into the block allocated for it. */
  readonly #workers: { thread: NodeWorker | Worker; scratch: number }[] = [];
  /** Networks that use the pool; the workers stop a while after the last one is disposed. */
  #users = 0;
  #stopTimer: ReturnType<typeof setTimeout> | undefined;

  private constructor(heap: Heap, module: WebAssembly.Module) {
    this.#heap = heap;
    this.#module = module;
  }

  /** The process's pool over the threaded heap. */
  static of(heap: Heap, module: WebAssembly.Module): Pool {
    pool ??= new Pool(heap, module);
    return pool;
  }

  /** Workers running now. */
  get size(): number {
    return this.#workers.length;
  }

  /** The scratch blocks of the workers running now. */
  get scratchBlocks(): number[] {
    return this.#workers.map((worker) => worker.scratch);
  }

  /** Counts a network in and starts workers until `threads` threads (the caller's and the workers) can run its passes. */
  async retain(threads: number): Promise<void> {
    this.#users++;
    clearTimeout(this.#stopTimer);
    try {
      await this.ensure(threads);
    } catch (error) {
      this.release();
      throw error;
    }
  }

  /** Starts workers until `threads` threads can run (again, after a failure stopped them). */
  async ensure(threads: number): Promise<void> {
    await this.#grow(threads - 1);
  }

  /** Counts a network out; a while after the last one, the workers stop. */
  release(): void {
    if (--this.#users > 0) return;
    this.#users = 0;
    clearTimeout(this.#stopTimer);
    this.#stopTimer = setTimeout(() => this.#stop(), LINGER_MS);
    (this.#stopTimer as { unref?: () => void }).unref?.();
  }

  /**
   * What to throw for a call that trapped in the leader: if a worker failed, a SimdnetError saying
   * so (the workers then stop, and the next call starts new ones); else the trap itself.
   */
  trapped(error: unknown): unknown {
    if (this.#control === 0 || Atomics.load(this.#heap.i32, (this.#control + abi.CONTROL_FAILED) >>> 2) === 0) return error;
    this.#stop();
    return new SimdnetError(
      'a worker thread failed (its part of the work trapped); until the next fit starts new ones, calls run on one thread',
    );
  }

  /** Chunks of the latest job not done: 0 whenever no call is running, which the tests check. */
  get unfinishedChunks(): number {
    if (this.#control === 0) return 0;
    const words = this.#heap.i32;
    return Atomics.load(words, (this.#control + abi.CONTROL_PARTS) >>> 2) - Atomics.load(words, (this.#control + abi.CONTROL_DONE) >>> 2);
  }

  /** Makes worker `index` (from 1) trap on the next chunk it claims: for the tests of failure handling. */
  injectFault(index: number): void {
    Atomics.store(this.#heap.i32, (this.#control + abi.CONTROL_FAULT) >>> 2, index);
  }

  /** Makes worker `index` (from 1; 0: none) sleep a millisecond before each chunk it claims: for the tests of stealing. */
  injectPause(index: number): void {
    Atomics.store(this.#heap.i32, (this.#control + abi.CONTROL_PAUSE) >>> 2, index);
  }

  /** Chunks a thread has taken from another's block (assembly/parallel.ts) since the pool began: for the tests. */
  get stolenChunks(): number {
    return this.#control === 0 ? 0 : Atomics.load(this.#heap.i32, (this.#control + abi.CONTROL_STOLEN) >>> 2);
  }

  async #grow(workers: number): Promise<void> {
    if (this.#workers.length >= workers) return;
    if (this.#control === 0) {
      this.#control = this.#heap.alloc(abi.CONTROL_BYTES, "the thread pool's control block");
      this.#heap.i32.fill(0, this.#control >>> 2, (this.#control + abi.CONTROL_BYTES) >>> 2);
    }
    const words = this.#heap.i32;
    const ready = (this.#control + abi.CONTROL_READY) >>> 2;
    while (this.#workers.length < workers) {
      const scratch = SCRATCH_SEPARATION
        + this.#heap.alloc(SCRATCH_SEPARATION + this.#heap.kernels.gemmScratchBytes(), "a worker thread's scratch");
      const start: WorkerStart = {
        module: this.#module, memory: this.#heap.kernels.memory, control: this.#control, scratch, index: this.#workers.length + 1,
      };
      const before = Atomics.load(words, ready);
      let failedToStart: (reason: unknown) => void = () => {};
      const failure = new Promise<never>((_, reject) => {
        failedToStart = reject;
      });
      // What a worker reports after it has started is a trapped part, which the leader finds.
      const thread = spawn(start, (message) => failedToStart(new SimdnetError(`a worker thread failed to start: ${message}`)));
      this.#workers.push({ thread, scratch });
      try {
        await Promise.race([waitForChange(words, ready, before), failure]);
      } catch (error) {
        this.#stop();
        throw error;
      }
      // Only now: a wait on shared memory alone would not keep Node running until the worker starts.
      (thread as { unref?: () => void }).unref?.();
    }
    this.#heap.kernels.setPool(this.#control, this.#workers.length);
  }

  #stop(): void {
    this.#heap.kernels.setPool(0, 0);
    if (this.#control === 0) return;
    const words = this.#heap.i32;
    Atomics.store(words, (this.#control + abi.CONTROL_STOP) >>> 2, 1);
    Atomics.add(words, (this.#control + abi.CONTROL_GENERATION) >>> 2, 1);
    Atomics.notify(words, (this.#control + abi.CONTROL_GENERATION) >>> 2);
    // The control block is not freed: a worker winding down may still read it, and must not find
    // another block's data there. Its scratch it touches only within a job, and none is running.
    for (const { thread, scratch } of this.#workers.splice(0)) {
      void thread.terminate();
      this.#heap.free(scratch - SCRATCH_SEPARATION);
    }
    this.#control = 0;
  }
}

function spawn(start: WorkerStart, report: (message: string) => void): NodeWorker | Worker {
  const node = nodeWorkers();
  if (node) {
    const thread = new node.Worker(NODE_WORKER, { eval: true, workerData: start });
    thread.on('message', (message) => report(String(message)));
    thread.on('error', (error) => report(String(error)));
    return thread;
  }
  const url = URL.createObjectURL(new Blob([BROWSER_WORKER], { type: 'text/javascript' }));
  const thread = new Worker(url);
  URL.revokeObjectURL(url);
  thread.onmessage = (event: MessageEvent) => report(String(event.data));
  thread.onerror = (event: ErrorEvent) => report(event.message);
  thread.postMessage(start);
  return thread;
}

// Resolves once words[index] differs from `before`, without blocking the calling thread.
async function waitForChange(words: Int32Array, index: number, before: number): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  const waitAsync = (Atomics as { waitAsync?: (a: Int32Array, i: number, v: number, t: number) => { async: boolean; value: Promise<string> | string } }).waitAsync;
  while (Atomics.load(words, index) === before) {
    const left = deadline - Date.now();
    if (left <= 0) throw new SimdnetError(`a worker thread did not start within ${START_TIMEOUT_MS / 1000} s`);
    if (waitAsync) {
      const result = waitAsync(words, index, before, left);
      if (result.async) await result.value;
    } else {
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  }
}
