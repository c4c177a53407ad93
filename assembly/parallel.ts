// Work split across threads, in the threaded build (ASC_FEATURE_THREADS).
//
// The thread that called into wasm leads: at each pass worth splitting (a
// matrix product, an element-wise pass, the optimizer step) it writes the job
// into the control block, cut into a few chunks per thread, and wakes the
// pool's workers; then every thread, the leader included, claims chunks one at
// a time until none is left, and the leader waits for the last to finish. A
// worker that the system has not scheduled, on a busy machine, then costs the
// leader at most the chunk it holds, not its share. A product is cut into one
// chunk per thread unless its chunks stay MIN_PRODUCT_SPAN wide: each chunk
// packs an operand again, which on smaller products costs more than a late
// worker's share. The leader only spins,
// never waits with atomic.wait, so a browser's main thread may lead; workers
// spin a while, then sleep on the generation counter.
//
// Every job ends in a wait for its slowest thread, so a batch whose products
// would all be cut by rows runs as two: the passes that stay within a row
// (forward through every layer, the output delta, each delta passed down) by
// blocks of rows, then every layer's gradients, each chunk taking the
// optimizer step over the parameters it has the gradients of (a third job when
// the run clips the gradient as a whole first, or first of all the first
// layer's forward pass where that layer is held in blocks of columns, train.ts,
// whose chunks each thread takes from its own block first: leadOwned); other
// batches (dropout aside) as a job per product and per element-wise pass
// forward and down, then the same gradient job. The chunk that steps a block of
// a layer's weights also packs it into the layer's panels (unless the layer is
// held in blocks, which are read where they lie), which every chunk of the next
// batch's row passes reads: one pack per batch, rather than one per chunk of
// rows (on one core, 64-row batches of 784-128-64-10 cut into 8 chunks of rows
// spend about a fifth less on their row passes so).
//
// Same bits for any thread count: a job is split only where the pieces are
// independent. A product by blocks of rows or columns of its output, every
// element still summed over the whole inner dimension in order (gemm.ts); an
// element-wise pass by rows or index ranges; bias gradients by columns. Sums
// across rows (the loss, counts, Σw²) stay with the leader, in one order.
// Other builds compile every job straight into a call on the leader.
//
// Control block (src/abi.ts CONTROL_*): the generation, the job kind, its chunk
// count and arguments, the 64-bit claim word (the job's tag in the high half,
// the next chunk in the low, so a claim made with a stale word fails), the
// count of blocks threads own, the stop flag, a fault and a pause to inject
// (tests); on a line of their own the chunks done, the failure flag, the count
// of workers started and of chunks taken from another's block (tests); then a
// line per owned block, its word tagged as the claim word is.

import {
  CONTROL_ARGS, CONTROL_CLAIM, CONTROL_DONE, CONTROL_FAILED, CONTROL_FAULT, CONTROL_GENERATION, CONTROL_KIND,
  CONTROL_OWNED, CONTROL_OWNED_STEP, CONTROL_OWNERS, CONTROL_PARTS, CONTROL_PAUSE, CONTROL_READY, CONTROL_STAGED,
  CONTROL_STOLEN, CONTROL_STOP, CONTROL_THREADS, NET_THREADS,
} from "../src/abi";
import { activate, activationBackward } from "./activation";
import { columnSums, columnSumsStrided, gemmBlock, gemmNN, gemmNT, gemmTN, MR, NR, runsTransposed } from "./gemm";
import { at, copyElements, firstNonFinite, rowsFrom } from "./memory";
import { addL1, clipValues, scaleAddWeights, scaleElements } from "./optimizer";
import { i32At, inputWidth, outputWidth } from "./records";
import {
  firstBlockChunks, firstLayerBlocks, firstLayerColumns, gradientChunk, gradientChunks, predictBlock, rowPasses, stepRange,
} from "./train";

// Job kinds.
const JOB_PRODUCT = 1;
const JOB_ACTIVATE = 2;
const JOB_ACTIVATION_BACKWARD = 3;
const JOB_SCALE_ADD = 4;
const JOB_COLUMN_SUMS = 5;
const JOB_STEP = 6;
const JOB_GATHER = 7;
const JOB_ADD_L1 = 8;
const JOB_CLIP_VALUES = 9;
const JOB_SCALE = 10;
const JOB_ROWS = 11;
const JOB_GRADIENTS = 12;
const JOB_FIRST_NON_FINITE = 13;
const JOB_FIRST_LAYER = 14;
const JOB_PREDICT = 15;

/** The argument slot where the chunks of a finiteness check leave the least index they found. */
const FOUND_ARG = 15;
/** Where the chunks of a streamed prediction leave the least index of a bad input they found. */
const BAD_INPUT_ARG = 14;

/** Work (about one multiply-add, or one element) under which a job runs on the leader alone. */
const MIN_WORK_PER_PART: i32 = 16384;
/** Chunks per thread a job is cut into, at most, so that a late worker's share is spread. */
const CHUNKS_PER_THREAD: i32 = 2;
/**
 * Rows or columns of C a product's chunk keeps at least before the product is cut into more
 * chunks than threads: every chunk packs the other operand's whole block again.
 */
const MIN_PRODUCT_SPAN: i32 = 128;
/** The chunk half of a claim word no chunk count reaches: nothing to claim. */
const CLOSED: i64 = i32.MAX_VALUE;
/** How long a worker set to pause (CONTROL_PAUSE) sleeps before each chunk, in nanoseconds. */
const PAUSE_NS: i64 = 1_000_000;
/** Spins of an idle worker before it sleeps. */
const SPINS_BEFORE_SLEEP: i32 = 1 << 16;

let control: usize = 0;
let workers: i32 = 0;
/** The tag of the leader's latest job. */
let job: u32 = 0;

/** Makes this instance lead `count` workers through the control block at `ctl` (threaded build). */
export function setPool(ctl: usize, count: i32): void {
  control = ctl;
  workers = count;
}

// Threads that run a job of a network set to `threads`: no more than the pool has, with the leader.
// Only the leader knows the pool: a job whose chunks its threads work out passes them this count.
@inline function threadsFor(threads: i32): i32 {
  return min(threads, workers + 1);
}

// Chunks to cut `work` into for `threads` threads (the network's setting): a few per thread,
// each with at least MIN_WORK_PER_PART; 1 runs the job on the leader alone.
@inline function partsFor(threads: i32, work: i64): i32 {
  if (!ASC_FEATURE_THREADS) return 1;
  return partsAmong(threadsFor(threads), work);
}

// partsFor for `each` threads in all (threadsFor).
@inline function partsAmong(each: i32, work: i64): i32 {
  if (each <= 1) return 1;
  return <i32>max<i64>(1, min<i64>(<i64>(each * CHUNKS_PER_THREAD), work / MIN_WORK_PER_PART));
}

// Chunks to cut a product into along a dimension of C of `span` rows or columns: as partsFor, but
// no more than one per thread where more would leave chunks under MIN_PRODUCT_SPAN.
@inline function productPartsFor(threads: i32, work: i64, span: i32): i32 {
  return productPartsAmong(threadsFor(threads), work, span);
}

/** productPartsFor for `each` threads in all: what any thread running a job can work out. */
@inline export function productPartsAmong(each: i32, work: i64, span: i32): i32 {
  const parts = partsAmong(each, work);
  return parts <= each ? parts : max(each, min(parts, span / MIN_PRODUCT_SPAN));
}

@inline function setArg(i: i32, value: i32): void {
  store<i32>(control + CONTROL_ARGS + (<usize>i << 2), value);
}
@inline function setFloatArg(i: i32, value: f32): void {
  store<f32>(control + CONTROL_ARGS + (<usize>i << 2), value);
}
@inline function arg(ctl: usize, i: i32): i32 {
  return load<i32>(ctl + CONTROL_ARGS + (<usize>i << 2));
}
@inline function floatArg(ctl: usize, i: i32): f32 {
  return load<f32>(ctl + CONTROL_ARGS + (<usize>i << 2));
}
@inline function pointerArg(ctl: usize, i: i32): usize {
  return <usize>load<u32>(ctl + CONTROL_ARGS + (<usize>i << 2));
}

// [start, end) of part `part` of `parts` over count items, in multiples of `grain`.
@inline function rangeStart(count: i32, grain: i32, part: i32, parts: i32): i32 {
  const units = (count + grain - 1) / grain;
  return min(count, <i32>((<i64>units * part) / parts) * grain);
}

// Runs the job in the control block, cut into `parts` chunks, on the leader and the workers of a
// network set to `threads`.
function lead(kind: i32, parts: i32, threads: i32): void {
  if (ASC_FEATURE_THREADS) {
    // The leader takes the first chunk before waking the workers, so that with a chunk per thread
    // each thread runs the same block job after job, and finds its data in its own cache.
    open(kind, parts, 1, threads, 0, 0);
    runPart(control, kind, 0, parts, 0);
    atomic.add<i32>(control + CONTROL_DONE, 1);
    finish(parts);
  }
}

// Runs a job whose first owners·each chunks lie in `owners` blocks of `each`, block t owned by
// thread t, followed by `others` chunks that any thread claims, on a network set to `threads`.
// Each thread runs its own block's chunks from the first, then the others, then takes chunks from
// the end of blocks not yet done: job after job a thread finds its block's data in its own cache,
// while a thread that the system runs slower, or not at all for a while, hands its last chunks to
// the rest rather than keeping them waiting (one core of a two-core VM running at 70 % of the
// other's made two threads no faster than two of the slower).
function leadOwned(kind: i32, owners: i32, each: i32, others: i32, threads: i32): void {
  if (ASC_FEATURE_THREADS) {
    const parts = owners * each + others;
    open(kind, parts, owners * each, threads, owners, each);
    finish(parts);
  }
}

// Opens a job of `parts` chunks, of which the leader has already claimed the first `claimed` or
// `owners` threads own the first blocks of `each` (leadOwned), for the threads of a network set to
// `threads`, and wakes the workers: a pool started for a network set to more would otherwise run
// this one's chunks on more threads than it was given.
function open(kind: i32, parts: i32, claimed: i32, threads: i32, owners: i32, each: i32): void {
  if (ASC_FEATURE_THREADS) {
    job++;
    const tag = <i64>job << 32;
    // Closed before the chunk count changes: a worker that read the last job's spent word and then
    // this job's larger count would otherwise claim a chunk past the last job's end, and run it
    // with this job's arguments while the leader resets the count of chunks done. The last job's
    // blocks are spent too: every chunk of a job is claimed before the next opens.
    atomic.store<i64>(control + CONTROL_CLAIM, tag | CLOSED);
    store<i32>(control + CONTROL_KIND, kind);
    atomic.store<i32>(control + CONTROL_PARTS, parts);
    atomic.store<i32>(control + CONTROL_DONE, 0);
    atomic.store<i32>(control + CONTROL_THREADS, threadsFor(threads));
    for (let t = 0; t < owners; t++) {
      atomic.store<i64>(ownedBlock(control, t), tag | <i64>(t * each) << 16 | <i64>((t + 1) * each));
    }
    atomic.store<i32>(control + CONTROL_OWNERS, owners);
    atomic.store<i64>(control + CONTROL_CLAIM, tag | claimed);
    atomic.add<i32>(control + CONTROL_GENERATION, 1);
    atomic.notify(control + CONTROL_GENERATION, workers);
  }
}

@inline function ownedBlock(ctl: usize, owner: i32): usize {
  return ctl + CONTROL_OWNED + <usize>owner * CONTROL_OWNED_STEP;
}

// Claims the next chunk of thread `owner`'s block (fromEnd: its last), or returns −1 when the
// block has none left. The word carries the job's tag, as the claim word does (runChunks).
function claimOwned(ctl: usize, owner: i32, fromEnd: bool): i32 {
  if (ASC_FEATURE_THREADS) {
    while (true) {
      const word = atomic.load<i64>(ownedBlock(ctl, owner));
      const next = <i32>(word >> 16) & 0xffff, end = <i32>word & 0xffff;
      if (next >= end) return -1;
      const claimed = fromEnd ? word - 1 : word + (1 << 16);
      if (atomic.cmpxchg<i64>(ownedBlock(ctl, owner), word, claimed) == word) return fromEnd ? end - 1 : next;
    }
  }
  return -1;
}

// Runs chunks of the open job on the leader until none is left, then waits for the workers' last.
function finish(parts: i32): void {
  if (ASC_FEATURE_THREADS) {
    runChunks(control, 0);
    while (atomic.load<i32>(control + CONTROL_DONE) < parts) {
      // A worker whose chunk failed counted it done; its output is missing, so the call must not go on.
    }
    if (atomic.load<i32>(control + CONTROL_FAILED)) unreachable();
  }
}

// Claims and runs chunks of the current job until none is left. thread: 0 for the leader.
function runChunks(ctl: usize, thread: i32): void {
  if (ASC_FEATURE_THREADS) {
    while (true) {
      if (thread >= atomic.load<i32>(ctl + CONTROL_THREADS)) return;
      const owners = atomic.load<i32>(ctl + CONTROL_OWNERS);
      if (thread < owners) {
        const own = claimOwned(ctl, thread, false);
        if (own >= 0) {
          runClaimed(ctl, own, thread);
          continue;
        }
      }
      const word = atomic.load<i64>(ctl + CONTROL_CLAIM);
      const chunk = <i32>word;
      if (chunk < atomic.load<i32>(ctl + CONTROL_PARTS)) {
        // The word carries the job's tag: if the leader has moved on, the exchange fails and the
        // next word read belongs to the new job, whose kind and arguments are in place. The tag
        // has 32 bits so that it cannot come round again while a worker sits between its reads
        // and the exchange, with a chunk count read from another job.
        if (atomic.cmpxchg<i64>(ctl + CONTROL_CLAIM, word, word + 1) == word) runClaimed(ctl, chunk, thread);
        continue;
      }
      let taken = -1;
      for (let i = 1; i <= owners && taken < 0; i++) {
        const owner = (thread + i) % owners;
        if (owner != thread) taken = claimOwned(ctl, owner, true);
      }
      if (taken < 0) return;
      atomic.add<i32>(ctl + CONTROL_STOLEN, 1);
      runClaimed(ctl, taken, thread);
    }
  }
}

// Runs chunk `chunk` of the current job, claimed by `thread`, and counts it done.
function runClaimed(ctl: usize, chunk: i32, thread: i32): void {
  if (thread > 0) {
    if (atomic.load<i32>(ctl + CONTROL_FAULT) == thread) unreachable();
    // Sleeps until the timeout: the word holds `thread` until the test that set it clears it.
    if (atomic.load<i32>(ctl + CONTROL_PAUSE) == thread) atomic.wait<i32>(ctl + CONTROL_PAUSE, thread, PAUSE_NS);
  }
  runPart(ctl, load<i32>(ctl + CONTROL_KIND), chunk, atomic.load<i32>(ctl + CONTROL_PARTS), thread);
  atomic.add<i32>(ctl + CONTROL_DONE, 1);
}

/**
 * A worker's life: waits for each new job and runs chunks of it until none is left, until the
 * stop flag. index is from 1 (the leader is 0).
 */
export function work(ctl: usize, index: i32): void {
  if (ASC_FEATURE_THREADS) {
    let seen = atomic.load<i32>(ctl + CONTROL_GENERATION);
    atomic.add<i32>(ctl + CONTROL_READY, 1);
    atomic.notify(ctl + CONTROL_READY);
    while (true) {
      let spins = 0;
      let generation = atomic.load<i32>(ctl + CONTROL_GENERATION);
      while (generation == seen) {
        if (++spins == SPINS_BEFORE_SLEEP) {
          atomic.wait<i32>(ctl + CONTROL_GENERATION, seen, -1);
          spins = 0;
        }
        generation = atomic.load<i32>(ctl + CONTROL_GENERATION);
      }
      seen = generation;
      if (atomic.load<i32>(ctl + CONTROL_STOP)) return;
      runChunks(ctl, index);
    }
  } else {
    unreachable();
  }
}

function runPart(ctl: usize, kind: i32, part: i32, parts: i32, thread: i32): void {
  switch (kind) {
    case JOB_PRODUCT: productPart(ctl, part, parts); break;
    case JOB_ACTIVATE: {
      const m = arg(ctl, 1), n = arg(ctl, 2);
      const r0 = rangeStart(m, 1, part, parts), r1 = rangeStart(m, 1, part + 1, parts);
      activate(
        at(pointerArg(ctl, 0), r0 * n), r1 - r0, n, pointerArg(ctl, 3), arg(ctl, 4), floatArg(ctl, 5),
        rowsFrom(pointerArg(ctl, 6), r0, n),
      );
      break;
    }
    case JOB_ACTIVATION_BACKWARD: {
      const m = arg(ctl, 2), n = arg(ctl, 3);
      const r0 = rangeStart(m, 1, part, parts), r1 = rangeStart(m, 1, part + 1, parts);
      activationBackward(
        at(pointerArg(ctl, 0), r0 * n), at(pointerArg(ctl, 1), r0 * n), r1 - r0, n, arg(ctl, 4), floatArg(ctl, 5),
        rowsFrom(pointerArg(ctl, 6), r0, n),
      );
      break;
    }
    case JOB_COLUMN_SUMS: {
      const m = arg(ctl, 1), n = arg(ctl, 2);
      const j0 = rangeStart(n, 4, part, parts), j1 = rangeStart(n, 4, part + 1, parts);
      if (j1 > j0) columnSumsStrided(at(pointerArg(ctl, 0), j0), m, j1 - j0, n, floatArg(ctl, 3), at(pointerArg(ctl, 4), j0));
      break;
    }
    case JOB_ROWS: {
      const m = arg(ctl, 4);
      const r0 = rangeStart(m, MR, part, parts), r1 = rangeStart(m, MR, part + 1, parts);
      if (r1 > r0) {
        rowPasses(
          pointerArg(ctl, 0), pointerArg(ctl, 1), pointerArg(ctl, 2), pointerArg(ctl, 3), r0, r1, arg(ctl, 5) != 0, arg(ctl, 6),
        );
      }
      break;
    }
    case JOB_FIRST_LAYER: {
      const net = pointerArg(ctl, 0), run = pointerArg(ctl, 1);
      firstLayerColumns(net, run, pointerArg(ctl, 2), arg(ctl, 3), part, firstLayerBlocks(run), firstBlockChunks(net, run));
      break;
    }
    case JOB_GRADIENTS:
      gradientChunk(
        pointerArg(ctl, 0), pointerArg(ctl, 1), arg(ctl, 2), arg(ctl, 3), part, floatArg(ctl, 4), floatArg(ctl, 5),
        floatArg(ctl, 6), pointerArg(ctl, 7), floatArg(ctl, 8),
      );
      break;
    case JOB_PREDICT: predictPart(ctl, part, thread); break;
    case JOB_FIRST_NON_FINITE: {
      const count = arg(ctl, 5);
      const i0 = rangeStart(count, 16, part, parts), i1 = rangeStart(count, 16, part + 1, parts);
      const found = firstNonFinite(at(pointerArg(ctl, 0), i0), i1 - i0);
      if (found >= 0) lowerFound(ctl, FOUND_ARG, i0 + found);
      break;
    }
    case JOB_GATHER: {
      const m = arg(ctl, 4);
      const r0 = rangeStart(m, 1, part, parts), r1 = rangeStart(m, 1, part + 1, parts);
      gatherPart(pointerArg(ctl, 0), arg(ctl, 1), pointerArg(ctl, 2), arg(ctl, 3), r0, r1, pointerArg(ctl, 5));
      break;
    }
    default: {
      // The element-wise passes over a parameter-sized range: arguments 0–1 are the arrays
      // (weights, gradients; 0 where a pass has none), 5 the count. The optimizer step finds
      // its gradients and state from the network and run records, arguments 7 and 8.
      const n = arg(ctl, 5);
      const i0 = rangeStart(n, 16, part, parts), i1 = rangeStart(n, 16, part + 1, parts);
      if (i1 > i0) updatePart(ctl, kind, i0, i1 - i0);
    }
  }
}

// ---- matrix products ----

/** C[m×n] = A[m×k]·B[k×n] (gemmNN), split across threads. */
export function parallelNN(threads: i32, m: i32, n: i32, k: i32, a: usize, b: usize, c: usize): void {
  if (ASC_FEATURE_THREADS) parallelProduct(threads, m, n, k, a, k, 1, b, n, 1, c, n);
  else gemmNN(m, n, k, a, b, c);
}

/** C[m×n] = A[k×m]ᵀ·B[k×n] (gemmTN), split across threads. */
export function parallelTN(threads: i32, m: i32, n: i32, k: i32, a: usize, b: usize, c: usize): void {
  if (ASC_FEATURE_THREADS) parallelProduct(threads, m, n, k, a, 1, m, b, n, 1, c, n);
  else gemmTN(m, n, k, a, b, c);
}

/** C[m×n] = A[m×k]·B[n×k]ᵀ (gemmNT, whose scratch the scalar build needs), split across threads. */
export function parallelNT(threads: i32, m: i32, n: i32, k: i32, a: usize, b: usize, c: usize, scratch: usize): void {
  if (ASC_FEATURE_THREADS) parallelProduct(threads, m, n, k, a, k, 1, b, 1, k, c, n);
  else gemmNT(m, n, k, a, b, c, scratch);
}

/** Whether a product whose C is m×n is split by blocks of rows (else of columns) across threads. */
@inline export function cutsByRows(m: i32, n: i32): bool {
  return n < 4 * m;
}

// C = A·B with a(i, p) = A[i·rsA + p·csA], b(p, j) = B[p·rsB + j·csB] and row stride ldc, split
// by blocks of C's columns or of its rows, whichever repacks less: a block of columns packs all
// of A (m × k values) again, a block of rows all of B (k × n). A's pack stores every value splat
// to four lanes, four times the bytes of B's, so columns pay only where C is at least four times
// as wide as tall. A C with fewer panels (NR columns) than chunks is cut by rows, so that no chunk
// is left empty.
function parallelProduct(
  threads: i32, m: i32, n: i32, k: i32,
  a: usize, rsA: i32, csA: i32, b: usize, rsB: i32, csB: i32, c: usize, ldc: i32,
): void {
  const wide = !cutsByRows(m, n);
  const parts = productPartsFor(threads, <i64>m * n * k, wide ? n : m);
  const byColumns = wide && n >= NR * parts;
  if (parts == 1) {
    gemmBlock(m, n, k, a, rsA, csA, b, rsB, csB, c, ldc);
    return;
  }
  setArg(0, m); setArg(1, n); setArg(2, k);
  setArg(3, <i32>a); setArg(4, rsA); setArg(5, csA);
  setArg(6, <i32>b); setArg(7, rsB); setArg(8, csB);
  setArg(9, <i32>c); setArg(10, ldc); setArg(11, byColumns ? 1 : 0);
  lead(JOB_PRODUCT, parts, threads);
}

function productPart(ctl: usize, part: i32, parts: i32): void {
  const m = arg(ctl, 0), n = arg(ctl, 1), k = arg(ctl, 2);
  let a = pointerArg(ctl, 3);
  const rsA = arg(ctl, 4), csA = arg(ctl, 5);
  let b = pointerArg(ctl, 6);
  const rsB = arg(ctl, 7), csB = arg(ctl, 8);
  let c = pointerArg(ctl, 9);
  const ldc = arg(ctl, 10);
  // Blocks of whole panels (NR columns) keep every part's tiles full, as rowBlockStart's blocks do.
  if (arg(ctl, 11)) {
    const j0 = columnBlockStart(n, part, parts), j1 = columnBlockStart(n, part + 1, parts);
    if (j1 > j0) gemmBlock(m, j1 - j0, k, a, rsA, csA, at(b, j0 * csB), rsB, csB, at(c, j0), ldc);
  } else {
    const i0 = rowBlockStart(m, n, part, parts), i1 = rowBlockStart(m, n, part + 1, parts);
    if (i1 > i0) gemmBlock(i1 - i0, n, k, at(a, i0 * rsA), rsA, csA, b, rsB, csB, at(c, i0 * ldc), ldc);
  }
}

/**
 * First row of block `part` of `parts` of a product's C (m×n) cut by rows: whole tiles (MR rows)
 * keep every block's tiles full, and whole panels (NR) where the blocks run transposed (gemm.ts),
 * with their rows along the panels.
 */
@inline export function rowBlockStart(m: i32, n: i32, part: i32, parts: i32): i32 {
  return rangeStart(m, runsTransposed(m / parts, n) ? NR : MR, part, parts);
}

/** First column of block `part` of `parts` of a C of n columns cut by columns: whole panels (NR). */
@inline export function columnBlockStart(n: i32, part: i32, parts: i32): i32 {
  return rangeStart(n, NR, part, parts);
}

/**
 * Blocks of columns to hold the first layer in for a training batch of `work` multiply-adds, for a
 * network set to `threads` (train.ts): no more than the threads, so that each thread keeps to its own.
 */
export function firstLayerParts(threads: i32, work: i64, units: i32): i32 {
  return min(threadsFor(threads), productPartsFor(threads, work, units));
}

/**
 * Chunks each of the `parts` blocks of a first layer of `units` columns is cut into, in its forward
 * job and its share of the gradient job: chunks that another thread may take (leadOwned), each at
 * least two panels wide in the forward pass, and no more than four.
 */
export function chunksPerFirstBlock(units: i32, parts: i32): i32 {
  return min(max(columnBlockStart(units, 1, parts) / (2 * NR), 1), 4);
}

/**
 * The first layer's forward pass over the m rows of a training batch at X of run `run`, by the
 * blocks of columns the run holds the layer in (firstLayerBlocks), each cut into the chunks its
 * gradient job cuts it into too (firstBlockChunks; firstLayerColumns, train.ts), block t owned by
 * thread t.
 */
export function parallelFirstLayer(threads: i32, net: usize, run: usize, x: usize, m: i32): void {
  const parts = firstLayerBlocks(run);
  if (parts == 1) {
    firstLayerColumns(net, run, x, m, 0, 1, 1);
    return;
  }
  setArg(0, <i32>net); setArg(1, <i32>run); setArg(2, <i32>x); setArg(3, m);
  leadOwned(JOB_FIRST_LAYER, parts, firstBlockChunks(net, run), 0, threads);
}

/**
 * rowPasses (train.ts) over the m rows of a batch from layer `from`, with `work` multiply-adds in
 * all, split by blocks of rows: the passes that stay within a row as one job, rather than a job
 * per product and per activation, each ending in a wait for every thread.
 */
export function parallelRows(
  threads: i32, net: usize, x: usize, y: usize, w: usize, m: i32, work: i64, panels: bool, from: i32,
): void {
  // A training batch's passes are cut into a few chunks per thread, though each chunk packs the
  // weights again where their panels are not ready (a call's first batch): the job is short and
  // ends in a wait, which a thread fallen behind would otherwise make the other spin through
  // (64-row batches of 784-128-64-10 on two threads: about 2 % faster). A forward pass alone, over
  // predict's longer blocks, is cut as a product is.
  const parts = y ? partsFor(threads, work) : productPartsFor(threads, work, m);
  if (parts == 1) {
    rowPasses(net, x, y, w, 0, m, panels, from);
    return;
  }
  setArg(0, <i32>net); setArg(1, <i32>x); setArg(2, <i32>y); setArg(3, <i32>w); setArg(4, m); setArg(5, panels ? 1 : 0);
  setArg(6, from);
  lead(JOB_ROWS, parts, threads);
}

/**
 * Every chunk of a batch's gradient job (gradientChunk, train.ts) of m rows, `work` multiply-adds
 * in all, for a network set to `threads`, split across them: each layer's weight and bias
 * gradients as one job, or all on the leader where the work is too little to split.
 */
export function parallelGradients(
  threads: i32, net: usize, x: usize, m: i32, work: i64, invM: f32, decay: f32, l1Term: f32, run: usize, lr: f32,
): void {
  const each = threadsFor(threads);
  const chunks = gradientChunks(net, run, each, m);
  if (partsAmong(each, work) == 1) {
    for (let chunk = 0; chunk < chunks; chunk++) gradientChunk(net, x, m, each, chunk, invM, decay, l1Term, run, lr);
    return;
  }
  setArg(0, <i32>net); setArg(1, <i32>x); setArg(2, m); setArg(3, each);
  setFloatArg(4, invM); setFloatArg(5, decay); setFloatArg(6, l1Term); setArg(7, <i32>run); setFloatArg(8, lr);
  // The first layer held in blocks: its gradients come first, each block's on the thread that ran
  // it forward.
  const blocks = firstLayerBlocks(run);
  if (blocks > 0) {
    const perBlock = firstBlockChunks(net, run);
    leadOwned(JOB_GRADIENTS, blocks, perBlock, chunks - blocks * perBlock, threads);
  } else {
    lead(JOB_GRADIENTS, chunks, threads);
  }
}

/**
 * memory.ts's firstNonFinite over count floats from p, split by ranges across `threads`: each
 * chunk finds the first in its range, and the least of those is the first of all.
 */
export function parallelFirstNonFinite(threads: i32, p: usize, count: i32): i32 {
  const parts = partsFor(threads, count);
  if (parts == 1) return firstNonFinite(p, count);
  setArg(0, <i32>p); setArg(5, count); setArg(FOUND_ARG, i32.MAX_VALUE);
  lead(JOB_FIRST_NON_FINITE, parts, threads);
  const found = arg(control, FOUND_ARG);
  return found == i32.MAX_VALUE ? -1 : found;
}

// Lowers the index found in argument slot `found` to i, unless a chunk has found a lower one.
function lowerFound(ctl: usize, found: i32, i: i32): void {
  const slot = ctl + CONTROL_ARGS + (<usize>found << 2);
  let seen = atomic.load<i32>(slot);
  while (i < seen) {
    const was = atomic.cmpxchg<i32>(slot, seen, i);
    if (was == seen) return;
    seen = was;
  }
}

// ---- predictions streamed in as they are staged ----
//
// Staging a prediction's rows is the caller's copy into wasm memory, on the leader alone. A
// prediction on threads is therefore a job opened before the copy: the workers run its chunks of
// rows, a block of the network's capacity per thread, as the leader stages them, and the leader
// joins them once it has staged the last (on two cores, 1,024 rows of 784-128-64-10 spent about
// a tenth of their time being copied). Each chunk checks its own inputs before it runs them.
//
// The chunks shrink towards the end (guided self-scheduling): once fewer than a full chunk per
// thread are left, each takes an even share of what is left, so that the threads run out of rows
// together rather than one waiting out another's last full chunk, which on two threads cost 1,024
// rows of 784-128-64-10 or 1024-1024-1024-10 3-4 % of their time.

/** Rows under which the last chunks of a streamed prediction are not cut further. */
const MIN_PREDICTION_CHUNK: i32 = 16;

// Rows of the chunk that begins `left` rows before the end of a prediction run on `each` threads
// in chunks of at most chunkRows.
@inline function predictionChunkRows(left: i32, chunkRows: i32, each: i32): i32 {
  return min(left, max(MIN_PREDICTION_CHUNK, min(chunkRows, (left + each - 1) / each)));
}

// Chunks of chunkRows that begin a prediction of `rows` rows: those that begin with more than
// (chunkRows − 1)·each rows left, where predictionChunkRows gives chunkRows.
@inline function fullPredictionChunks(rows: i32, chunkRows: i32, each: i32): i32 {
  return max(0, (rows - (chunkRows - 1) * each + chunkRows - 1) / chunkRows);
}

// The first row of chunk `chunk` of a prediction of `rows` rows.
function predictionChunkStart(rows: i32, chunkRows: i32, each: i32, chunk: i32): i32 {
  const full = fullPredictionChunks(rows, chunkRows, each);
  if (chunk <= full) return chunk * chunkRows;
  let start = full * chunkRows;
  for (let c = full; c < chunk; c++) start += predictionChunkRows(rows - start, chunkRows, each);
  return start;
}

/**
 * Opens the prediction of `rows` rows at X (not yet staged), their outputs to out, as a job of
 * chunks of at most chunkRows rows, each run through rows [t·chunkRows, (t + 1)·chunkRows) of the
 * network's workspace by thread t (the workspace holds a block per thread the network runs on). The
 * caller then stages the rows in order, saying how many are in place with stagedRows, and ends
 * the job with endPrediction, also when it abandons the staging (stagedRows(−1)).
 */
export function beginPrediction(net: usize, x: usize, rows: i32, out: usize, chunkRows: i32): void {
  if (!ASC_FEATURE_THREADS || control == 0) unreachable();
  setArg(0, <i32>net); setArg(1, <i32>x); setArg(2, rows); setArg(3, <i32>out); setArg(4, chunkRows);
  const each = threadsFor(i32At(net, NET_THREADS));
  setArg(5, each);
  setArg(FOUND_ARG, i32.MAX_VALUE); setArg(BAD_INPUT_ARG, i32.MAX_VALUE);
  stagedRows(0);
  let chunks = fullPredictionChunks(rows, chunkRows, each);
  for (let start = chunks * chunkRows; start < rows; chunks++) start += predictionChunkRows(rows - start, chunkRows, each);
  open(JOB_PREDICT, chunks, 0, i32At(net, NET_THREADS), 0, 0);
}

/** Says that the first `rows` rows of the prediction begun are staged, or −1: none will be. */
export function stagedRows(rows: i32): void {
  if (ASC_FEATURE_THREADS) atomic.store<i32>(control + CONTROL_STAGED, rows);
}

/**
 * Runs what is left of the prediction begun on the leader too, and waits for the rest. Returns
 * the index in out of the first output that is NaN or ±Infinity, or −1 (as predict does), or,
 * where an input is, −2 − its index in X.
 */
export function endPrediction(): i32 {
  finish(load<i32>(control + CONTROL_PARTS));
  const badInput = arg(control, BAD_INPUT_ARG);
  if (badInput != i32.MAX_VALUE) return -2 - badInput;
  const found = arg(control, FOUND_ARG);
  return found == i32.MAX_VALUE ? -1 : found;
}

function predictPart(ctl: usize, chunk: i32, thread: i32): void {
  const net = pointerArg(ctl, 0), x = pointerArg(ctl, 1), rows = arg(ctl, 2), out = pointerArg(ctl, 3);
  const chunkRows = arg(ctl, 4), each = arg(ctl, 5);
  const r0 = predictionChunkStart(rows, chunkRows, each, chunk), m = predictionChunkRows(rows - r0, chunkRows, each);
  if (ASC_FEATURE_THREADS) {
    let staged = atomic.load<i32>(ctl + CONTROL_STAGED);
    while (staged >= 0 && staged < r0 + m) staged = atomic.load<i32>(ctl + CONTROL_STAGED);
    if (staged < 0) return;
  }
  const inputs = inputWidth(net), units = outputWidth(net);
  const rowsIn = at(x, r0 * inputs);
  const badInput = firstNonFinite(rowsIn, m * inputs);
  if (badInput >= 0) {
    lowerFound(ctl, BAD_INPUT_ARG, r0 * inputs + badInput);
    return;
  }
  const bad = predictBlock(net, rowsIn, m, thread * chunkRows, at(out, r0 * units));
  if (bad >= 0) lowerFound(ctl, FOUND_ARG, r0 * units + bad);
}

// ---- element-wise passes ----

/** Z[m×n] ← g(Z + bias) in place (keeping Z + bias at pre when not 0), split by rows. */
export function parallelActivate(threads: i32, z: usize, m: i32, n: i32, bias: usize, act: i32, alpha: f32, pre: usize): void {
  const parts = partsFor(threads, <i64>m * n * 8);
  if (parts == 1) {
    activate(z, m, n, bias, act, alpha, pre);
    return;
  }
  setArg(0, <i32>z); setArg(1, m); setArg(2, n); setArg(3, <i32>bias); setArg(4, act); setFloatArg(5, alpha);
  setArg(6, <i32>pre);
  lead(JOB_ACTIVATE, parts, threads);
}

/** D[m×n] ← D ⊙ g'(Z) from the outputs A (and Z at pre when not 0), split by rows. */
export function parallelActivationBackward(
  threads: i32, d: usize, a: usize, m: i32, n: i32, act: i32, alpha: f32, pre: usize,
): void {
  const parts = partsFor(threads, <i64>m * n * 4);
  if (parts == 1) {
    activationBackward(d, a, m, n, act, alpha, pre);
    return;
  }
  setArg(0, <i32>d); setArg(1, <i32>a); setArg(2, m); setArg(3, n); setArg(4, act); setFloatArg(5, alpha);
  setArg(6, <i32>pre);
  lead(JOB_ACTIVATION_BACKWARD, parts, threads);
}

/** out[n] = scale · (column sums of A[m×n]), split by columns. */
export function parallelColumnSums(threads: i32, a: usize, m: i32, n: i32, scale: f32, out: usize): void {
  const parts = partsFor(threads, <i64>m * n);
  if (parts == 1) {
    columnSums(a, m, n, scale, out);
    return;
  }
  setArg(0, <i32>a); setArg(1, m); setArg(2, n); setFloatArg(3, scale); setArg(4, <i32>out);
  lead(JOB_COLUMN_SUMS, parts, threads);
}

/** Copies the rows order[start .. start+m) of a rows×width matrix to dst, split by rows. */
export function parallelGather(threads: i32, src: usize, width: i32, order: usize, start: i32, m: i32, dst: usize): void {
  const parts = partsFor(threads, <i64>m * width);
  if (parts == 1) {
    gatherPart(src, width, order, start, 0, m, dst);
    return;
  }
  setArg(0, <i32>src); setArg(1, width); setArg(2, <i32>order); setArg(3, start); setArg(4, m); setArg(5, <i32>dst);
  lead(JOB_GATHER, parts, threads);
}

function gatherPart(src: usize, width: i32, order: usize, start: i32, r0: i32, r1: i32, dst: usize): void {
  for (let r = r0; r < r1; r++) {
    const row = <i32>load<u32>(at(order, start + r));
    copyElements(at(dst, r * width), at(src, row * width), width);
  }
}

// ---- parameter updates ----

/** g ← scale·g + decay·w over n floats, split by ranges. */
export function parallelScaleAdd(threads: i32, g: usize, w: usize, n: i32, scale: f32, decay: f32): void {
  const parts = partsFor(threads, <i64>n * 2);
  if (parts == 1) {
    scaleAddWeights(g, w, n, scale, decay);
    return;
  }
  setArg(0, <i32>w); setArg(1, <i32>g); setArg(5, n); setFloatArg(6, scale); setFloatArg(7, decay);
  lead(JOB_SCALE_ADD, parts, threads);
}

/**
 * train.ts's stepRange over the n parameters from p, split by ranges; work is the step's cost
 * over all n.
 */
export function parallelStep(threads: i32, net: usize, run: usize, p: usize, n: i32, lr: f32, work: i64): void {
  const parts = partsFor(threads, work);
  if (parts == 1) {
    stepRange(net, run, p, n, lr);
    return;
  }
  setArg(0, <i32>p); setArg(1, 0); setArg(5, n); setFloatArg(6, lr); setArg(7, <i32>net); setArg(8, <i32>run);
  lead(JOB_STEP, parts, threads);
}

/** addL1 (g ← g + l1·sign(w)), split by ranges. */
export function parallelAddL1(threads: i32, g: usize, w: usize, n: i32, l1: f32): void {
  const parts = partsFor(threads, <i64>n * 2);
  if (parts == 1) {
    addL1(g, w, n, l1);
    return;
  }
  setArg(0, <i32>w); setArg(1, <i32>g); setArg(5, n); setFloatArg(6, l1);
  lead(JOB_ADD_L1, parts, threads);
}

/** clipValues (g into [−limit, limit]), split by ranges. */
export function parallelClipValues(threads: i32, g: usize, n: i32, limit: f32): void {
  const parts = partsFor(threads, n);
  if (parts == 1) {
    clipValues(g, n, limit);
    return;
  }
  setArg(0, 0); setArg(1, <i32>g); setArg(5, n); setFloatArg(6, limit);
  lead(JOB_CLIP_VALUES, parts, threads);
}

/** scaleElements (g ← scale·g), split by ranges. */
export function parallelScale(threads: i32, g: usize, n: i32, scale: f32): void {
  const parts = partsFor(threads, n);
  if (parts == 1) {
    scaleElements(g, n, scale);
    return;
  }
  setArg(0, 0); setArg(1, <i32>g); setArg(5, n); setFloatArg(6, scale);
  lead(JOB_SCALE, parts, threads);
}

// Elements [i0, i0 + n) of an update job.
function updatePart(ctl: usize, kind: i32, i0: i32, n: i32): void {
  const w = at(pointerArg(ctl, 0), i0);
  const g = at(pointerArg(ctl, 1), i0);
  switch (kind) {
    case JOB_SCALE_ADD: scaleAddWeights(g, w, n, floatArg(ctl, 6), floatArg(ctl, 7)); break;
    case JOB_STEP: stepRange(pointerArg(ctl, 7), pointerArg(ctl, 8), w, n, floatArg(ctl, 6)); break;
    case JOB_ADD_L1: addL1(g, w, n, floatArg(ctl, 6)); break;
    case JOB_CLIP_VALUES: clipValues(g, n, floatArg(ctl, 6)); break;
    case JOB_SCALE: scaleElements(g, n, floatArg(ctl, 6)); break;
    default: unreachable();
  }
}
