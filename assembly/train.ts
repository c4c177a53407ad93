// Whole-network passes over the network record (see src/abi.ts): forward,
// backward, the optimizer step, and the training loop that runs any number
// of batches, across epochs, in one call from the host.

import {
  LAYER_ACTIVATION, LAYER_ALPHA, LAYER_BIAS, LAYER_BIAS_GRADS, LAYER_DELTAS, LAYER_DROPOUT, LAYER_DROPPED,
  LAYER_FLAGS, LAYER_HAS_BIAS, LAYER_INPUTS, LAYER_OUTPUTS, LAYER_PANELS, LAYER_PREACTIVATIONS, LAYER_TRAIN_BIAS, LAYER_UNITS,
  LAYER_WEIGHT_GRADS, LAYER_WEIGHTS,
  NET_ACCURACY, NET_BATCH_X, NET_BATCH_Y, NET_CAPACITY, NET_GRADS, NET_HUBER_DELTA, NET_LOSS,
  NET_PARAM_COUNT, NET_PARAMS, NET_SCRATCH, NET_THREADS,
  OPT_ADAGRAD, OPT_ADAM, OPT_ADAMW, OPT_MOMENTUM, OPT_RMSPROP, OPT_SGD,
  CLIP_NONE, CLIP_VALUE,
  DIVERGED_FINAL, DIVERGED_LOSS, DIVERGED_PARAMETERS, DIVERGED_VALIDATION,
  RUN_BATCH, RUN_BATCH_LOSS, RUN_BATCH_SIZE, RUN_BATCH_WEIGHTS, RUN_BETA1, RUN_BETA2, RUN_CLIP, RUN_CLIP_LIMIT, RUN_DIVERGED,
  RUN_DIVERGED_BATCH, RUN_EPOCH, RUN_EPOCH_BATCHES, RUN_EPOCHS, RUN_FIRST_BLOCKED, RUN_FIRST_BLOCKS, RUN_HEAD_ROWS, RUN_HEAD_X, RUN_HEAD_Y, RUN_EPSILON, RUN_L1, RUN_L2, RUN_MOMENTUM,
  RUN_NESTEROV, RUN_OPTIMIZER, RUN_ORDER, RUN_PANELS_READY, RUN_RESTORED_EPOCH, RUN_RHO, RUN_RNG, RUN_ROWS,
  RUN_STATE1, RUN_STATE2, RUN_STATUS, RUN_STEP, RUN_VAL_ROWS, RUN_VAL_X, RUN_VAL_Y, RUN_WEIGHT_DECAY, RUN_WEIGHTS, RUN_X,
  RUN_Y,
  STATS_CORRECT, STATS_LEARNING_RATE, STATS_LOSS, STATS_VAL_LOSS,
  STATUS_DIVERGED, STATUS_DONE, STATUS_RUNNING,
} from "../src/abi";
import { activate } from "./activation";
import { dropout, dropoutKey } from "./dropout";
import { columnSums, gemmAInPlace, gemmBlock, gemmPanels, packWeights } from "./gemm";
import { countCorrect, lossDelta, lossSum } from "./loss";
import { at, copyElements, firstNonFinite, rowsFrom } from "./memory";
import {
  adamStep, addL1, momentumStep, rmspropStep, scaleAddWeights, sgdStep, sumOfAbs, sumOfSquares,
} from "./optimizer";
import {
  chunksPerFirstBlock, columnBlockStart, cutsByRows, firstLayerParts, parallelActivate, parallelActivationBackward,
  parallelAddL1, parallelClipValues, parallelColumnSums, parallelFirstLayer, parallelGather, parallelGradients,
  parallelNN, parallelNT, parallelRows, parallelScale, parallelScaleAdd, parallelStep, parallelTN, productPartsAmong,
  rowBlockStart,
} from "./parallel";
import { shuffleRows } from "./random";
import { scheduledRate } from "./schedule";
import {
  f32At, i32At, inputWidth, layerCount, layerRecord, outputLayer, outputWidth, parameterSnapshot, ptrAt, rngSnapshot,
  statsOf, targetWidth, zeroStats,
} from "./records";
import { isNarrow, narrowBackward, narrowForward, rowTimesMatrix, sgdBias, sgdOuter } from "./row";
import { isSmall, smallNN, smallNT, smallTNScaled } from "./small";
import { predictTinyRow, registerShape, tinyRowsApply, trainTinyRows } from "./tiny";

// A layer's products: row.ts's vector loop or small.ts's dot products for a single row,
// small.ts's plain loops when the shape is tiny, gemm.ts's tiles otherwise (split across the
// network's threads in the threaded build); all sum in the same order, so the choice never
// changes a bit.
@inline function productNN(threads: i32, m: i32, n: i32, k: i32, a: usize, b: usize, c: usize): void {
  if (m == 1) rowTimesMatrix(n, k, a, b, c);
  else if (isSmall(m, n, k)) smallNN(m, n, k, a, b, c);
  else parallelNN(threads, m, n, k, a, b, c);
}
@inline function productNT(threads: i32, m: i32, n: i32, k: i32, a: usize, b: usize, c: usize, scratch: usize): void {
  if (m == 1 || isSmall(m, n, k)) smallNT(m, n, k, a, b, c);
  else parallelNT(threads, m, n, k, a, b, c, scratch);
}

// Layer l's outputs (or the gradient reaching them) through its dropout mask at the run's step.
@inline function applyDropout(run: usize, layer: usize, l: i32, src: usize, dst: usize, count: i32): void {
  dropout(src, dst, count, f32At(layer, LAYER_DROPOUT), dropoutKey(run + RUN_RNG, i32At(run, RUN_STEP), l));
}

// Runs m rows of X (m ≤ capacity) through every layer; returns the address of the output
// activations. While training (run not 0) layers with dropout feed the next one their dropped
// outputs. Inlined into trainBatch, as backpropagate and outputDelta are: when a tiny
// network trains row by row, calls are a large part of the time per row.
@inline function forwardLayers(net: usize, x: usize, m: i32, run: usize): usize {
  if (ASC_FEATURE_THREADS) {
    if (rowsInOneJob(net, m, run)) {
      parallelRows(i32At(net, NET_THREADS), net, x, 0, 0, m, rowWork(net, m, false, 0), false, 0);
      return ptrAt(outputLayer(net), LAYER_OUTPUTS);
    }
  }
  return forwardRows(i32At(net, NET_THREADS), net, x, 0, m, run, false, 0);
}

// m rows through every layer from layer `from` (the layers below have run), as forwardLayers,
// into rows [r0, r0 + m) of the workspace: X holds the inputs of the first of them (read where
// `from` is 0). Dropout (run not 0) for whole batches only (r0 = 0), as its masks run over a
// layer's whole block. With panels, the layers that have panels read their weights from them
// (see trainBatch).
@inline function forwardRows(
  threads: i32, net: usize, x: usize, r0: i32, m: i32, run: usize, panels: bool, from: i32,
): usize {
  let input = from > 0
    ? at(ptrAt(layerRecord(net, from - 1), LAYER_OUTPUTS), r0 * i32At(layerRecord(net, from - 1), LAYER_UNITS))
    : x;
  for (let l = from, layers = layerCount(net); l < layers; l++) {
    const layer = layerRecord(net, l);
    const units = i32At(layer, LAYER_UNITS);
    const out = at(ptrAt(layer, LAYER_OUTPUTS), r0 * units);
    const packed = panels ? ptrAt(layer, LAYER_PANELS) : 0;
    forwardLayer(threads, layer, input, m, out, rowsFrom(ptrAt(layer, LAYER_PREACTIVATIONS), r0, units), packed);
    input = out;
    const dropped = ptrAt(layer, LAYER_DROPPED);
    if (run && dropped) {
      applyDropout(run, layer, l, out, dropped, m * units);
      input = dropped;
    }
  }
  return input;
}

// Whether the passes of a batch of m rows that stay within a row run as one job of blocks of rows
// (parallelRows, threaded build): as rowPassesInOneJob says, and while training (run not 0)
// without dropout.
@inline function rowsInOneJob(net: usize, m: i32, run: usize): bool {
  return !(run && hasDropout(net)) && rowPassesInOneJob(net, m);
}

/**
 * Whether a batch of m rows, dropout aside, runs the passes that stay within a row as one job of
 * blocks of rows (parallelRows, threaded build; false in the others): on more than one thread, and
 * where every product among them would be cut by rows anyway (one that parallel.ts cuts by columns
 * packs less that way). Only then does training read the weights' panels, so the host reserves
 * them only then.
 */
export function rowPassesInOneJob(net: usize, m: i32): bool {
  if (!ASC_FEATURE_THREADS || i32At(net, NET_THREADS) <= 1 || m <= 1) return false;
  for (let l = 0, layers = layerCount(net); l < layers; l++) {
    const layer = layerRecord(net, l);
    if (!cutsByRows(m, i32At(layer, LAYER_UNITS)) || (l > 0 && !cutsByRows(m, i32At(layer, LAYER_INPUTS)))) return false;
  }
  return true;
}

// ---- the first layer by blocks of columns (threaded build) ----
//
// Cut by rows, a batch's first layer has every thread read all of its weights' panels, half of
// them packed by another thread after the last batch's step: on a two-core VM, each thread's share
// of a 784-128-64-10 batch took about a quarter longer than half of one thread's batch, most of it
// in moving the weights between the cores. Where the host reserves room for it (RUN_FIRST_BLOCKS:
// a fit on threads whose batches read panels, that neither clips nor penalizes the weights, of more
// than one layer, the first large and taken element by element; arena.ts), each batch whose row
// passes run as one job runs the first layer forward by blocks of output columns (a job of its
// own) and takes that layer's gradients and step by the same blocks, each block owned by the same
// thread in both jobs (parallel.ts's leadOwned), so that its weights, gradients and optimizer state
// stay in that thread's cache; a block is cut into a few chunks (by columns forward, by rows of its
// weights in the gradient job), which another thread takes when its owner falls behind. The
// layer's parameters are then held in blocks, each block's columns contiguous: row-major, the
// blocks' rows interleave, and each thread's passes over its block drew the other's lines (slower
// than sharing every panel). The forward job reads its block of weights where it lies, packing it
// a block of KC rows at a time as a product does, rather than from panels that the step packed
// whole: written whole while the other thread wrote its own, the panels took a 784-128-64-10 batch
// three times as long to pack as on one thread. The parameters go back to the layer's own arrays
// before anything else reads them: a batch not run so, an epoch's end, a divergence, the end of
// the call. A block's elements are computed as the row-major layer's are, in the same order, so
// the bits are the same.

/**
 * Chunk `chunk` of the first layer's output columns for the m rows of the batch at X, on this
 * thread: block chunk / each of the `parts` blocks the layer is held in, cut into `each` chunks of
 * whole panels.
 */
export function firstLayerColumns(net: usize, run: usize, x: usize, m: i32, chunk: i32, parts: i32, each: i32): void {
  const layer = layerRecord(net, 0);
  const units = i32At(layer, LAYER_UNITS);
  const inputs = i32At(layer, LAYER_INPUTS);
  const part = chunk / each, share = chunk % each;
  const b0 = columnBlockStart(units, part, parts), width = columnBlockStart(units, part + 1, parts) - b0;
  const j0 = b0 + columnBlockStart(width, share, each), cols = b0 + columnBlockStart(width, share + 1, each) - j0;
  if (cols <= 0) return;
  const out = ptrAt(layer, LAYER_OUTPUTS);
  // Every block reads all of X: packed (each value splat to four lanes), it would be packed whole
  // by every thread. A block's columns lie one row after another, so that a chunk's lie a row of
  // the block apart.
  const weights = at(firstBlock(run, layer, FIRST_WEIGHTS, b0), j0 - b0);
  gemmAInPlace(m, cols, inputs, x, inputs, 1, weights, width, 1, at(out, j0), units);
  const bias = i32At(layer, LAYER_FLAGS) & LAYER_HAS_BIAS ? at(ptrAt(layer, LAYER_BIAS), j0) : 0;
  const pre = ptrAt(layer, LAYER_PREACTIVATIONS);
  const act = i32At(layer, LAYER_ACTIVATION);
  const alpha = f32At(layer, LAYER_ALPHA);
  for (let r = 0; r < m; r++) {
    activate(at(out, r * units + j0), 1, cols, bias, act, alpha, pre ? at(pre, r * units + j0) : 0);
  }
}

// Chunk `chunk` of the first layer's share of a batch's gradient job: of block chunk / each of the
// `parts` blocks, a range of its rows (whole panels of the product run transposed): their weight
// gradients, scaled by invM with the L2 decay and the L1 term (NaN: none) added, and the run's step
// at rate lr over them.
function firstLayerGradientChunk(
  net: usize, run: usize, x: usize, m: i32, chunk: i32, parts: i32, each: i32, invM: f32, decay: f32, l1Term: f32,
  lr: f32,
): void {
  const layer = layerRecord(net, 0);
  const units = i32At(layer, LAYER_UNITS);
  const inputs = i32At(layer, LAYER_INPUTS);
  const part = chunk / each, share = chunk % each;
  const j0 = columnBlockStart(units, part, parts), cols = columnBlockStart(units, part + 1, parts) - j0;
  const i0 = columnBlockStart(inputs, share, each), rows = columnBlockStart(inputs, share + 1, each) - i0;
  if (cols <= 0 || rows <= 0) return;
  const count = rows * cols;
  const first = <usize>(i0 * cols) << 2;
  const weights = firstBlock(run, layer, FIRST_WEIGHTS, j0) + first;
  const grads = firstBlock(run, layer, FIRST_GRADS, j0) + first;
  // Run transposed, its A (Xᵀ, inputs × m) is packed as a B is rather than splat to four lanes.
  gemmBlock(rows, cols, m, at(x, i0), 1, inputs, at(ptrAt(layer, LAYER_DELTAS), j0), units, 1, grads, cols, true);
  scaleAddWeights(grads, weights, count, invM, decay);
  if (!isNaN(l1Term)) addL1(grads, weights, count, l1Term);
  stepArrays(
    run, weights, grads, firstBlock(run, layer, FIRST_STATE1, j0) + first, firstBlock(run, layer, FIRST_STATE2, j0) + first,
    count, lr,
  );
}

/** Blocks the run holds the first layer in (parallel.ts), or 0 where it holds it whole. */
export function firstLayerBlocks(run: usize): i32 {
  return run ? i32At(run, RUN_FIRST_BLOCKED) : 0;
}

/** Chunks of the gradient job in each block the run holds the first layer in (firstLayerBlocks). */
export function firstBlockChunks(net: usize, run: usize): i32 {
  return chunksPerFirstBlock(i32At(layerRecord(net, 0), LAYER_UNITS), firstLayerBlocks(run));
}

// The arrays of the first layer's blocks, each the size of its weights, in the order they lie.
const FIRST_WEIGHTS = 0;
const FIRST_GRADS = 1;
const FIRST_STATE1 = 2;
const FIRST_STATE2 = 3;

// The address of the block whose columns begin at j0 in array `array` (FIRST_*) of the first
// layer's blocks: inputs rows of its columns, one after another.
@inline function firstBlock(run: usize, layer: usize, array: i32, j0: i32): usize {
  const inputs = i32At(layer, LAYER_INPUTS);
  return ptrAt(run, RUN_FIRST_BLOCKS) + (<usize>(array * inputs * i32At(layer, LAYER_UNITS) + inputs * j0) << 2);
}

// Whether a batch of the run whose row passes run as one job runs its first layer by columns: where
// the host reserved the blocks, and the run's objective and step read no weights of the layer but
// its blocks' (no penalty on the weights, no clipping of the gradient as a whole).
@inline function firstLayerByColumns(run: usize): bool {
  return ptrAt(run, RUN_FIRST_BLOCKS) != 0 && f32At(run, RUN_L1) == 0 && f32At(run, RUN_L2) == 0
    && i32At(run, RUN_CLIP) == CLIP_NONE;
}

// Copies the first layer's weights and optimizer states from the layer's own arrays into `parts`
// blocks (toBlocks), or back.
function moveFirstLayer(net: usize, run: usize, parts: i32, toBlocks: bool): void {
  const layer = layerRecord(net, 0);
  const weights = ptrAt(layer, LAYER_WEIGHTS);
  const offset = weights - ptrAt(net, NET_PARAMS);
  const state1 = ptrAt(run, RUN_STATE1);
  const state2 = ptrAt(run, RUN_STATE2);
  moveColumns(run, layer, weights, FIRST_WEIGHTS, parts, toBlocks);
  if (state1) moveColumns(run, layer, state1 + offset, FIRST_STATE1, parts, toBlocks);
  if (state2) moveColumns(run, layer, state2 + offset, FIRST_STATE2, parts, toBlocks);
}

// Copies a row-major array the size of the first layer's weights, at own, into `parts` blocks of
// array `array` (FIRST_*) of the layer's blocks (toBlocks), or back.
function moveColumns(run: usize, layer: usize, own: usize, array: i32, parts: i32, toBlocks: bool): void {
  const units = i32At(layer, LAYER_UNITS);
  const inputs = i32At(layer, LAYER_INPUTS);
  for (let b = 0; b < parts; b++) {
    const j0 = columnBlockStart(units, b, parts), cols = columnBlockStart(units, b + 1, parts) - j0;
    let block = firstBlock(run, layer, array, j0);
    for (let i = 0; i < inputs; i++) {
      const row = at(own, i * units + j0);
      if (toBlocks) copyElements(block, row, cols);
      else copyElements(row, block, cols);
      block += <usize>cols << 2;
    }
  }
}

// Holds the first layer's weights and optimizer states in `parts` blocks, moving them there unless
// they are already.
function blockFirstLayer(net: usize, run: usize, parts: i32): void {
  if (i32At(run, RUN_FIRST_BLOCKED) == parts) return;
  unblockFirstLayer(net, run);
  moveFirstLayer(net, run, parts, true);
  store<i32>(run + RUN_FIRST_BLOCKED, parts);
}

// Puts the first layer's weights and optimizer states back in the layer's own arrays, if they are
// held in blocks.
function unblockFirstLayer(net: usize, run: usize): void {
  const parts = i32At(run, RUN_FIRST_BLOCKED);
  if (!parts) return;
  moveFirstLayer(net, run, parts, false);
  store<i32>(run + RUN_FIRST_BLOCKED, 0);
}

// Multiply-adds of the row passes of m rows: the forward product of every layer from layer
// `from`, and with deltas the products that pass them down.
function rowWork(net: usize, m: i32, deltas: bool, from: i32): i64 {
  let work: i64 = 0;
  for (let l = from, layers = layerCount(net); l < layers; l++) {
    const layer = layerRecord(net, l);
    const size = <i64>i32At(layer, LAYER_INPUTS) * i32At(layer, LAYER_UNITS);
    work += deltas && l > 0 ? 2 * size : size;
  }
  return work * m;
}

/**
 * Rows [r0, r1) of the batch at X through the passes that stay within a row, on this thread:
 * forward through every layer from layer `from` (reading the weights' panels where panels is
 * true) and, given targets Y (not 0, with row weights w or 0), the output delta and each layer's
 * delta down to the first. parallelRows runs a batch's blocks of rows on the threads as one job.
 */
export function rowPasses(net: usize, x: usize, y: usize, w: usize, r0: i32, r1: i32, panels: bool, from: i32): void {
  const m = r1 - r0;
  forwardRows(1, net, at(x, r0 * inputWidth(net)), r0, m, 0, panels, from);
  if (!y) return;
  outputDelta(net, y, w, r0, m);
  for (let l = layerCount(net) - 1; l > 0; l--) passDelta(1, net, 0, l, r0, m);
}

// out[m×units] = g(X[m×inputs]·W + bias) for one layer, and Z + bias at pre (when not 0) for an
// activation whose slope reads it; W read from its panels where panels is not 0.
@inline function forwardLayer(threads: i32, layer: usize, x: usize, m: i32, out: usize, pre: usize, panels: usize): void {
  const units = i32At(layer, LAYER_UNITS);
  const inputs = i32At(layer, LAYER_INPUTS);
  const weights = ptrAt(layer, LAYER_WEIGHTS);
  const bias = i32At(layer, LAYER_FLAGS) & LAYER_HAS_BIAS ? ptrAt(layer, LAYER_BIAS) : 0;
  const act = i32At(layer, LAYER_ACTIVATION);
  const alpha = f32At(layer, LAYER_ALPHA);
  if (m == 1 && isNarrow(units)) {
    narrowForward(inputs, units, x, weights, bias, act, alpha, out, pre);
  } else {
    if (ASC_FEATURE_THREADS && panels) gemmPanels(m, units, inputs, x, panels, out);
    else productNN(threads, m, units, inputs, x, weights, out);
    parallelActivate(threads, out, m, units, bias, act, alpha, pre);
  }
}

// Fills the gradient block with ∂J/∂θ for the m rows just run forward from X with targets Y (and
// row weights w, or 0; with the dropout masks of run, or none when run is 0), where
// J = (Σ_rows w·loss + (λ2/2)·Σ w² + λ1·Σ|w|) / m; biases that are absent or frozen keep a
// zero gradient.
function backward(net: usize, run: usize, x: usize, y: usize, w: usize, m: i32, l2: f32, l1: f32): void {
  outputDelta(net, y, w, 0, m);
  backpropagate(net, run, x, m, l2, l1, false, 0, false, false);
}

// From the output delta down: each layer passes its delta to the layer below (through the
// weights as they were), then either stores its gradient or, with sgdInPlace (one row under
// plain SGD without L1 or clipping, see row.ts), applies the SGD step to its weights and bias
// directly. sgdInPlace never meets dropout. Where every delta has been passed down already
// (deltasPassed, threaded build: by rowPasses, or by trainBatch), every layer's gradient is one
// job (parallelGradients), whose chunks also take the optimizer step at rate lr with stepsInJob.
@inline function backpropagate(
  net: usize, run: usize, x: usize, m: i32, l2: f32, l1: f32, sgdInPlace: bool, lr: f32, deltasPassed: bool,
  stepsInJob: bool,
): void {
  const invM: f32 = 1 / <f32>m;
  const decay: f32 = l2 * invM;
  const l1Term: f32 = l1 * invM;
  const threads = i32At(net, NET_THREADS);
  if (ASC_FEATURE_THREADS) {
    if (deltasPassed) {
      // A layer's weight gradient takes as many multiply-adds as its forward product.
      parallelGradients(
        threads, net, x, m, rowWork(net, m, false, 0), invM, decay, l1 != 0 ? l1Term : NaN, stepsInJob ? run : 0, lr,
      );
      return;
    }
  }
  for (let l = layerCount(net) - 1; l >= 0; l--) {
    const layer = layerRecord(net, l);
    const inputs = i32At(layer, LAYER_INPUTS);
    const units = i32At(layer, LAYER_UNITS);
    const weights = ptrAt(layer, LAYER_WEIGHTS);
    const delta = ptrAt(layer, LAYER_DELTAS);
    const below = l > 0 ? layerRecord(net, l - 1) : 0;
    const belowOutputs = below ? ptrAt(below, LAYER_OUTPUTS) : 0;
    const dropped = run && below ? ptrAt(below, LAYER_DROPPED) : 0;
    const input = dropped ? dropped : below ? belowOutputs : x;
    const belowDelta = below ? ptrAt(below, LAYER_DELTAS) : 0;
    const belowAct = below ? i32At(below, LAYER_ACTIVATION) : 0;
    const belowAlpha = below ? f32At(below, LAYER_ALPHA) : 0;
    const belowPre = below ? ptrAt(below, LAYER_PREACTIVATIONS) : 0;
    const trainBias = i32At(layer, LAYER_FLAGS) & LAYER_TRAIN_BIAS;
    const bias = trainBias ? ptrAt(layer, LAYER_BIAS) : 0;
    if (sgdInPlace && isNarrow(units)) {
      narrowBackward(inputs, units, input, delta, weights, bias, lr, decay, belowDelta, belowAct, belowAlpha, belowPre);
      continue;
    }
    if (below) passDelta(threads, net, run, l, 0, m);
    if (sgdInPlace) {
      sgdOuter(inputs, units, input, delta, weights, lr, decay);
      if (bias) sgdBias(units, delta, bias, lr);
      continue;
    }
    const weightGrads = ptrAt(layer, LAYER_WEIGHT_GRADS);
    if (isSmall(inputs, units, m)) {
      smallTNScaled(inputs, units, m, input, delta, weightGrads, weights, invM, decay);
    } else {
      parallelTN(threads, inputs, units, m, input, delta, weightGrads);
      parallelScaleAdd(threads, weightGrads, weights, inputs * units, invM, decay);
    }
    if (l1 != 0) parallelAddL1(threads, weightGrads, weights, inputs * units, l1Term);
    if (trainBias) parallelColumnSums(threads, delta, m, units, invM, ptrAt(layer, LAYER_BIAS_GRADS));
  }
}

// Rows [r0, r0 + m) of layer l's delta passed down: through its weights (as they are) to the layer
// below, that layer's dropout mask (run not 0; whole batches only) and its activation's slope.
@inline function passDelta(threads: i32, net: usize, run: usize, l: i32, r0: i32, m: i32): void {
  const layer = layerRecord(net, l);
  const below = layerRecord(net, l - 1);
  const inputs = i32At(layer, LAYER_INPUTS);
  const units = i32At(layer, LAYER_UNITS);
  const belowDelta = at(ptrAt(below, LAYER_DELTAS), r0 * inputs);
  productNT(
    threads, m, inputs, units, at(ptrAt(layer, LAYER_DELTAS), r0 * units), ptrAt(layer, LAYER_WEIGHTS), belowDelta,
    ptrAt(net, NET_SCRATCH),
  );
  const dropped = run ? ptrAt(below, LAYER_DROPPED) : 0;
  if (dropped) applyDropout(run, below, l - 1, belowDelta, belowDelta, m * inputs);
  parallelActivationBackward(
    threads, belowDelta, at(ptrAt(below, LAYER_OUTPUTS), r0 * inputs), m, inputs, i32At(below, LAYER_ACTIVATION),
    f32At(below, LAYER_ALPHA), rowsFrom(ptrAt(below, LAYER_PREACTIVATIONS), r0, inputs),
  );
}

// Chunks of layer l's share of a batch's gradient job on `threads` threads in all, with the run
// `run` (or 0): the blocks the first layer is held in, if it is, or the blocks of rows a product of
// the weight gradient would be cut into, or one where small.ts computes it.
@inline function gradientChunksOf(threads: i32, net: usize, run: usize, l: i32, m: i32): i32 {
  if (ASC_FEATURE_THREADS && l == 0 && firstLayerBlocks(run)) return firstLayerBlocks(run) * firstBlockChunks(net, run);
  const layer = layerRecord(net, l);
  const inputs = i32At(layer, LAYER_INPUTS);
  const units = i32At(layer, LAYER_UNITS);
  return isSmall(inputs, units, m) ? 1 : productPartsAmong(threads, <i64>inputs * units * m, inputs);
}

/** Chunks of the gradient job of a batch of m rows on `threads` threads in all (gradientChunk). */
export function gradientChunks(net: usize, run: usize, threads: i32, m: i32): i32 {
  let chunks = 0;
  for (let l = 0, layers = layerCount(net); l < layers; l++) chunks += gradientChunksOf(threads, net, run, l, m);
  return chunks;
}

/**
 * Chunk `chunk` of the gradient job of a batch of m rows whose deltas are all in place, on
 * `threads` threads in all (as gradientChunks), computed as backpropagate does layer by layer: in
 * the layer it falls in, a block of rows of the weight gradient, scaled by invM with the L2 decay
 * and the L1 term (NaN: none) added, and with the layer's first block its bias gradient. Each
 * layer's gradients read only its inputs and delta, so a batch's are one job, its small layers'
 * chunks filling in after the large ones. With a run (not 0), the chunk then takes the run's
 * optimizer step at rate lr over the parameters whose gradients it computed, as optimizerStep
 * would over the whole block once the job ended, while they are still in cache.
 */
export function gradientChunk(
  net: usize, x: usize, m: i32, threads: i32, chunk: i32, invM: f32, decay: f32, l1Term: f32, run: usize, lr: f32,
): void {
  let l = 0;
  let parts = gradientChunksOf(threads, net, run, 0, m);
  while (chunk >= parts) {
    chunk -= parts;
    parts = gradientChunksOf(threads, net, run, ++l, m);
  }
  const layer = layerRecord(net, l);
  const inputs = i32At(layer, LAYER_INPUTS);
  const units = i32At(layer, LAYER_UNITS);
  const weights = ptrAt(layer, LAYER_WEIGHTS);
  const delta = ptrAt(layer, LAYER_DELTAS);
  const input = l > 0 ? ptrAt(layerRecord(net, l - 1), LAYER_OUTPUTS) : x;
  const weightGrads = ptrAt(layer, LAYER_WEIGHT_GRADS);
  if (ASC_FEATURE_THREADS && l == 0 && firstLayerBlocks(run)) {
    firstLayerGradientChunk(net, run, x, m, chunk, firstLayerBlocks(run), firstBlockChunks(net, run), invM, decay, l1Term, lr);
  } else if (isSmall(inputs, units, m)) {
    smallTNScaled(inputs, units, m, input, delta, weightGrads, weights, invM, decay);
    if (!isNaN(l1Term)) addL1(weightGrads, weights, inputs * units, l1Term);
    if (run) stepWeightRows(net, run, layer, 0, inputs, lr);
  } else {
    const i0 = rowBlockStart(inputs, units, chunk, parts), i1 = rowBlockStart(inputs, units, chunk + 1, parts);
    const first = i0 * units, count = (i1 - i0) * units;
    if (count > 0) {
      gemmBlock(i1 - i0, units, m, at(input, i0), 1, inputs, delta, units, 1, at(weightGrads, first), units);
      scaleAddWeights(at(weightGrads, first), at(weights, first), count, invM, decay);
      if (!isNaN(l1Term)) addL1(at(weightGrads, first), at(weights, first), count, l1Term);
      if (run) stepWeightRows(net, run, layer, i0, i1, lr);
    }
  }
  if (chunk != 0) return;
  const flags = i32At(layer, LAYER_FLAGS);
  if (flags & LAYER_TRAIN_BIAS) columnSums(delta, m, units, invM, ptrAt(layer, LAYER_BIAS_GRADS));
  if (run && (flags & LAYER_HAS_BIAS) && !keepsBias(run, layer)) stepRange(net, run, ptrAt(layer, LAYER_BIAS), units, lr);
}

// Whether the run's step leaves the layer's bias as it is: AdamW's decay must not reach a frozen
// bias, which training leaves as it is. (A frozen bias's gradient is zero, which makes the other
// optimizers' steps on it zero.)
@inline function keepsBias(run: usize, layer: usize): bool {
  return (i32At(layer, LAYER_FLAGS) & (LAYER_HAS_BIAS | LAYER_TRAIN_BIAS)) == LAYER_HAS_BIAS
    && i32At(run, RUN_OPTIMIZER) == OPT_ADAMW;
}

// The run's step at rate lr over rows [i0, i1) of a layer's weights, then those rows packed into the
// layer's panels (if it has any), while they are in cache: the next batch's chunks of rows read the
// panels instead of each packing the weights again.
@inline function stepWeightRows(net: usize, run: usize, layer: usize, i0: i32, i1: i32, lr: f32): void {
  const units = i32At(layer, LAYER_UNITS);
  const weights = ptrAt(layer, LAYER_WEIGHTS);
  stepRange(net, run, at(weights, i0 * units), (i1 - i0) * units, lr);
  const panels = ptrAt(layer, LAYER_PANELS);
  if (ASC_FEATURE_THREADS && panels) packWeights(weights, units, i0, i1, panels);
}

// The output layer's delta for rows [r0, r0 + m) of those just run forward, with targets Y and
// row weights w (or 0).
@inline function outputDelta(net: usize, y: usize, w: usize, r0: i32, m: i32): void {
  const last = outputLayer(net);
  const units = i32At(last, LAYER_UNITS);
  lossDelta(
    at(ptrAt(last, LAYER_OUTPUTS), r0 * units), at(y, r0 * targetWidth(net, units)), m, units, i32At(net, NET_LOSS),
    i32At(last, LAYER_ACTIVATION), f32At(last, LAYER_ALPHA), true, at(ptrAt(last, LAYER_DELTAS), r0 * units),
    f32At(net, NET_HUBER_DELTA), rowsFrom(w, r0, 1), rowsFrom(ptrAt(last, LAYER_PREACTIVATIONS), r0, units),
  );
}

// Σ over m rows of the loss between outputs A and targets Y, each row times its weight in w (or 0).
@inline function netLossSum(net: usize, a: usize, y: usize, w: usize, m: i32): f64 {
  return lossSum(a, y, m, outputWidth(net), i32At(net, NET_LOSS), f32At(net, NET_HUBER_DELTA), w);
}

// (λ2/2)·Σ w² + λ1·Σ|w| over the weights (not biases), in f64.
function weightPenalty(net: usize, l2: f32, l1: f32): f64 {
  let squares: f64 = 0;
  let absolutes: f64 = 0;
  for (let l = 0, layers = layerCount(net); l < layers; l++) {
    const layer = layerRecord(net, l);
    const weights = ptrAt(layer, LAYER_WEIGHTS);
    const count = i32At(layer, LAYER_INPUTS) * i32At(layer, LAYER_UNITS);
    if (l2 != 0) squares += sumOfSquares(weights, count);
    if (l1 != 0) absolutes += sumOfAbs(weights, count);
  }
  return 0.5 * <f64>l2 * squares + <f64>l1 * absolutes;
}

/** m·J for the rows whose outputs forward() just produced: Σ_rows w·loss + (λ2/2)·Σ w² + λ1·Σ|w|. */
function batchObjective(net: usize, y: usize, w: usize, m: i32, l2: f32, l1: f32): f64 {
  let sum = netLossSum(net, ptrAt(outputLayer(net), LAYER_OUTPUTS), y, w, m);
  if (l2 != 0 || l1 != 0) sum += weightPenalty(net, l2, l1);
  return sum;
}

/**
 * Forward and backward on m rows (m ≤ capacity) with row weights w (0: every row weighs 1),
 * leaving ∂J/∂θ in the gradient block; returns J.
 */
export function gradient(net: usize, x: usize, y: usize, w: usize, m: i32, l2: f32, l1: f32): f64 {
  forwardLayers(net, x, m, 0);
  const objective = batchObjective(net, y, w, m, l2, l1);
  backward(net, 0, x, y, w, m, l2, l1);
  return objective / <f64>m;
}

/**
 * Outputs of every row of X, written row by row to out, computed in blocks of the network's
 * capacity. Returns the index in out of the first output that is NaN or ±Infinity, or −1.
 */
export function predict(net: usize, x: usize, rows: i32, out: usize): i32 {
  const capacity = i32At(net, NET_CAPACITY);
  const inputs = inputWidth(net);
  const units = outputWidth(net);
  let firstBad = -1;
  for (let start = 0; start < rows; start += capacity) {
    const m = min(capacity, rows - start);
    const bad = copyOutputs(forwardLayers(net, at(x, start * inputs), m, 0), at(out, start * units), m * units);
    if (firstBad < 0 && bad >= 0) firstBad = start * units + bad;
  }
  return firstBad;
}

/**
 * predict's outputs of m rows at X, on this thread alone, written to out through rows
 * [r0, r0 + m) of the workspace (which must hold them); returns predict's index of a bad output
 * in out.
 */
export function predictBlock(net: usize, x: usize, m: i32, r0: i32, out: usize): i32 {
  if (r0 + m > i32At(net, NET_CAPACITY)) unreachable();
  return copyOutputs(forwardRows(1, net, x, r0, m, 0, false, 0), out, m * outputWidth(net));
}

// Copies count outputs to out; returns the index of the first that is NaN or ±Infinity, or −1.
@inline function copyOutputs(outputs: usize, out: usize, count: i32): i32 {
  copyElements(out, outputs, count);
  return firstNonFinite(out, count);
}

/**
 * The outputs of one row x, written to out: predict at one row, with its bits, the hidden layers
 * writing in turn to two scratch rows (each as wide as the widest layer) rather than to the
 * network record's workspace, so that the host binds none for it; a network tiny.ts can hold in
 * registers keeps its hidden outputs there instead. Returns the index in out of the first output
 * that is NaN or ±Infinity, or −1.
 */
export function predictRow(net: usize, x: usize, out: usize, scratch0: usize, scratch1: usize): i32 {
  if (ASC_FEATURE_SIMD && registerShape(net)) return predictTinyRow(net, x, out);
  const threads = i32At(net, NET_THREADS);
  const last = layerCount(net) - 1;
  let input = x;
  for (let l = 0; l < last; l++) {
    const into = l & 1 ? scratch1 : scratch0;
    forwardLayer(threads, layerRecord(net, l), input, 1, into, 0, 0);
    input = into;
  }
  forwardLayer(threads, layerRecord(net, last), input, 1, out, 0, 0);
  return firstNonFinite(out, outputWidth(net));
}

/**
 * Adds to sums[0] (f64) the loss over the rows of X, Y (no L2 term), and to sums[1] (f64) the
 * count of correct rows or units (per NET_ACCURACY), computed in blocks of the network's capacity,
 * and writes the outputs to out unless it is 0. Accumulating in place lets the host evaluate rows
 * staged a window at a time with the same sums.
 */
export function evaluate(net: usize, x: usize, y: usize, rows: i32, sums: usize, out: usize): void {
  const capacity = i32At(net, NET_CAPACITY);
  const inputs = inputWidth(net);
  const units = outputWidth(net);
  const targets = targetWidth(net, units);
  const accuracy = i32At(net, NET_ACCURACY);
  let sum = load<f64>(sums);
  let correct = load<f64>(sums, 8);
  for (let start = 0; start < rows; start += capacity) {
    const m = min(capacity, rows - start);
    const yBlock = at(y, start * targets);
    const outputs = forwardLayers(net, at(x, start * inputs), m, 0);
    sum += netLossSum(net, outputs, yBlock, 0, m);
    correct += <f64>countCorrect(outputs, yBlock, m, units, accuracy);
    if (out) copyElements(at(out, start * units), outputs, m * units);
  }
  store<f64>(sums, sum);
  store<f64>(sums, correct, 8);
}

// Counts one more optimizer step (Adam's bias correction and the schedules read it).
@inline function nextStep(run: usize): void {
  store<i32>(run + RUN_STEP, i32At(run, RUN_STEP) + 1);
}

/**
 * One optimizer step at rate lr over the whole parameter block, from the gradient block
 * (clipped first if the run asks for it).
 */
function optimizerStep(net: usize, run: usize, lr: f32): void {
  const params = ptrAt(net, NET_PARAMS);
  const count = i32At(net, NET_PARAM_COUNT);
  const end = params + (<usize>count << 2);
  const threads = i32At(net, NET_THREADS);
  nextStep(run);
  clipGradient(run, threads, ptrAt(net, NET_GRADS), count);
  // The step runs over each stretch of parameters between the biases it keeps (keepsBias).
  let from = params;
  for (let l = 0, layers = layerCount(net); l < layers; l++) {
    const layer = layerRecord(net, l);
    if (!keepsBias(run, layer)) continue;
    stepSpan(threads, net, run, from, ptrAt(layer, LAYER_BIAS), lr);
    from = l + 1 < layers ? ptrAt(layerRecord(net, l + 1), LAYER_WEIGHTS) : end;
  }
  stepSpan(threads, net, run, from, end, lr);
}

// The step over the parameters at [from, to), split across threads.
@inline function stepSpan(threads: i32, net: usize, run: usize, from: usize, to: usize, lr: f32): void {
  const n = <i32>((to - from) >> 2);
  parallelStep(threads, net, run, from, n, lr, <i64>n * stepCost(i32At(run, RUN_OPTIMIZER)));
}

// Work of the optimizer's step per parameter, in the units the parallel passes count.
@inline function stepCost(optimizer: i32): i32 {
  if (optimizer == OPT_ADAM || optimizer == OPT_ADAMW) return 8;
  if (optimizer == OPT_RMSPROP || optimizer == OPT_ADAGRAD) return 6;
  return optimizer == OPT_MOMENTUM ? 3 : 2;
}

/**
 * The run's optimizer step (its count already advanced) at rate lr over the n parameters from p,
 * an address in the parameter block, from the gradients and optimizer state at the same offsets
 * in theirs. Every element's update reads only its own gradient and state, so the block may be
 * stepped in ranges, in any order, with the same bits.
 */
export function stepRange(net: usize, run: usize, p: usize, n: i32, lr: f32): void {
  const offset = p - ptrAt(net, NET_PARAMS);
  stepArrays(run, p, ptrAt(net, NET_GRADS) + offset, ptrAt(run, RUN_STATE1) + offset, ptrAt(run, RUN_STATE2) + offset, n, lr);
}

// The run's step over the n parameters at p from the gradients at g and the optimizer's states at
// state1 and state2 (those it has).
function stepArrays(run: usize, p: usize, g: usize, state1: usize, state2: usize, n: i32, lr: f32): void {
  const optimizer = i32At(run, RUN_OPTIMIZER);
  if (optimizer == OPT_ADAM || optimizer == OPT_ADAMW) {
    const beta1 = f32At(run, RUN_BETA1);
    const beta2 = f32At(run, RUN_BETA2);
    const step = i32At(run, RUN_STEP);
    const c1 = <f32>(1 / (1 - Math.pow(<f64>beta1, <f64>step)));
    const c2 = <f32>(1 / (1 - Math.pow(<f64>beta2, <f64>step)));
    const keep: f32 = optimizer == OPT_ADAMW ? <f32>(1 - <f64>lr * <f64>f32At(run, RUN_WEIGHT_DECAY)) : 1;
    adamStep(p, g, state1, state2, n, lr, beta1, beta2, f32At(run, RUN_EPSILON), c1, c2, keep);
  } else if (optimizer == OPT_RMSPROP || optimizer == OPT_ADAGRAD) {
    const rmsprop = optimizer == OPT_RMSPROP;
    const rho: f32 = rmsprop ? f32At(run, RUN_RHO) : 1;
    rmspropStep(p, g, state1, n, lr, rho, rmsprop ? 1 - rho : 1, f32At(run, RUN_EPSILON));
  } else if (optimizer == OPT_MOMENTUM) {
    momentumStep(p, g, state1, n, lr, f32At(run, RUN_MOMENTUM), i32At(run, RUN_NESTEROV) != 0);
  } else {
    sgdStep(p, g, n, lr);
  }
}

// Clips the gradient block as the run asks: each element (split by ranges), or the whole to a
// global norm, whose sum of squares is taken on this thread in one order so that the bits do not
// depend on the thread count.
function clipGradient(run: usize, threads: i32, grads: usize, count: i32): void {
  const clip = i32At(run, RUN_CLIP);
  if (clip == CLIP_NONE) return;
  const limit = f32At(run, RUN_CLIP_LIMIT);
  if (clip == CLIP_VALUE) {
    parallelClipValues(threads, grads, count, limit);
    return;
  }
  const norm = Math.sqrt(sumOfSquares(grads, count));
  if (norm > <f64>limit) parallelScale(threads, grads, count, <f32>(<f64>limit / norm));
}

/**
 * Trains one batch, the m rows at X, Y: forward, objective, backward, optimizer step at rate lr.
 * Returns m·J measured before the step, and skips the step when that is not finite. Adds correct
 * counts to stats. A single row under plain SGD (no L1, no clipping) is updated layer by layer as
 * it backpropagates (sgdInPlace).
 */
function trainBatch(net: usize, run: usize, x: usize, y: usize, w: usize, m: i32, stats: usize, lr: f32): f64 {
  const units = outputWidth(net);
  const l2 = f32At(run, RUN_L2);
  const l1 = f32At(run, RUN_L1);
  // Where the row passes run as one job, it passes the deltas down too: they read only weights
  // and the batch, and go unused if the objective is not finite. Its forward products read the
  // weights from their panels where the last batch's step left them packed; a batch that does not
  // pack them again after its step leaves them stale.
  let deltasPassed = false;
  if (ASC_FEATURE_THREADS) {
    const panels = takePanels(run);
    deltasPassed = rowsInOneJob(net, m, run);
    const threads = i32At(net, NET_THREADS);
    const byColumns = deltasPassed && firstLayerByColumns(run);
    if (byColumns) {
      const first = layerRecord(net, 0);
      const units = i32At(first, LAYER_UNITS);
      const parts = firstLayerParts(threads, <i64>i32At(first, LAYER_INPUTS) * units * m, units);
      blockFirstLayer(net, run, parts);
      parallelFirstLayer(threads, net, run, x, m);
    } else {
      unblockFirstLayer(net, run);
    }
    if (deltasPassed) parallelRows(threads, net, x, y, w, m, rowWork(net, m, true, byColumns ? 1 : 0), panels, byColumns ? 1 : 0);
  }
  const outputs = deltasPassed ? ptrAt(outputLayer(net), LAYER_OUTPUTS) : forwardLayers(net, x, m, run);
  const objective = batchObjective(net, y, w, m, l2, l1);
  if (!isFinite(objective)) return objective;
  const correct = countCorrect(outputs, y, m, units, i32At(net, NET_ACCURACY));
  store<f64>(stats + STATS_CORRECT, load<f64>(stats + STATS_CORRECT) + <f64>correct);
  if (
    m == 1 && i32At(run, RUN_OPTIMIZER) == OPT_SGD && l1 == 0 && i32At(run, RUN_CLIP) == CLIP_NONE && !hasDropout(net)
  ) {
    nextStep(run);
    outputDelta(net, y, w, 0, 1);
    backpropagate(net, run, x, 1, l2, 0, true, lr, false, false);
  } else {
    if (!deltasPassed) {
      outputDelta(net, y, w, 0, m);
      // On threads, every delta is passed down first (a job per product and per slope), so that
      // every layer's gradients and their step are then one job, as after the row passes: one
      // wait for the slowest thread instead of one per product and per pass, and each block of
      // weights stepped while its gradients are in cache.
      if (gradientsInOneJob(net, m)) {
        for (let l = layerCount(net) - 1; l > 0; l--) passDelta(i32At(net, NET_THREADS), net, run, l, 0, m);
        deltasPassed = true;
      }
    }
    // The gradient job steps each block of parameters as it completes their gradients, unless
    // the run clips the gradient, which optimizerStep does over the whole block before its step.
    const stepsInJob = deltasPassed && i32At(run, RUN_CLIP) == CLIP_NONE;
    if (stepsInJob) nextStep(run);
    backpropagate(net, run, x, m, l2, l1, false, lr, deltasPassed, stepsInJob);
    if (stepsInJob) store<i32>(run + RUN_PANELS_READY, 1);
    else optimizerStep(net, run, lr);
  }
  return objective;
}

// Whether a training batch of m rows whose deltas are all passed down computes every layer's
// gradients as one job (parallelGradients, threaded build): on more than one thread, and without
// dropout, whose dropped inputs the job's chunks do not read.
@inline function gradientsInOneJob(net: usize, m: i32): bool {
  return ASC_FEATURE_THREADS && i32At(net, NET_THREADS) > 1 && m > 1 && !hasDropout(net);
}

// Whether any layer drops outputs while training (those layers have a dropped-outputs buffer).
@inline function hasDropout(net: usize): bool {
  for (let l = 0, layers = layerCount(net); l < layers; l++) {
    if (ptrAt(layerRecord(net, l), LAYER_DROPPED)) return true;
  }
  return false;
}

// Saves what diverge puts back as an epoch begins: the parameters and the generator state.
function saveEpochStart(net: usize, run: usize, epoch: i32): void {
  copyElements(parameterSnapshot(run, epoch), ptrAt(net, NET_PARAMS), i32At(net, NET_PARAM_COUNT));
  copyElements(rngSnapshot(run, epoch), run + RUN_RNG, 4);
}

// Marks the run diverged and puts back the network as epoch `restored` began: the latest epoch
// start whose first batch had a finite objective, so the restored weights are known to give
// one. It depends only on the data and the settings, never on how the fit was cut into calls.
function diverge(net: usize, run: usize, cause: i32, batch: i32, restored: i32): void {
  if (ASC_FEATURE_THREADS) unblockFirstLayer(net, run);
  store<i32>(run + RUN_STATUS, STATUS_DIVERGED);
  store<i32>(run + RUN_DIVERGED, cause);
  store<i32>(run + RUN_DIVERGED_BATCH, batch);
  store<i32>(run + RUN_RESTORED_EPOCH, restored);
  copyElements(ptrAt(net, NET_PARAMS), parameterSnapshot(run, restored), i32At(net, NET_PARAM_COUNT));
  copyElements(run + RUN_RNG, rngSnapshot(run, restored), 4);
}

// Whether the weights the last batch left give a finite objective on the head rows (the first
// batch's worth of training rows as stored). Every batch checks the weights it starts from, so
// only the final ones need this.
function finalWeightsHold(net: usize, run: usize): bool {
  const m = i32At(run, RUN_HEAD_ROWS);
  forwardLayers(net, ptrAt(run, RUN_HEAD_X), m, 0);
  return isFinite(batchObjective(net, ptrAt(run, RUN_HEAD_Y), 0, m, f32At(run, RUN_L2), f32At(run, RUN_L1)));
}

/**
 * Ends the run between two batches at the host's request, checking the weights the last batch
 * left as an epoch's end and the final epoch would: if they fail, the network goes back to how the
 * epoch that produced them began (status DIVERGED).
 */
export function abortRun(net: usize, run: usize): void {
  const epoch = i32At(run, RUN_EPOCH);
  const batch = i32At(run, RUN_BATCH);
  if (epoch == 0 && batch == 0) return;
  const producer = batch > 0 ? epoch : epoch - 1;
  const last = batch > 0 ? batch - 1 : i32At(run, RUN_EPOCH_BATCHES) - 1;
  if (firstNonFinite(ptrAt(net, NET_PARAMS), i32At(net, NET_PARAM_COUNT)) >= 0) {
    diverge(net, run, DIVERGED_PARAMETERS, last, producer);
  } else if (!finalWeightsHold(net, run)) {
    diverge(net, run, DIVERGED_FINAL, last, producer);
  }
}

// Begins epoch `epoch`: saves what diverge puts back, zeroes its statistics and draws its row order.
function beginEpoch(net: usize, run: usize, epoch: i32, stats: usize): void {
  saveEpochStart(net, run, epoch);
  zeroStats(stats);
  const order = ptrAt(run, RUN_ORDER);
  if (order) shuffleRows(order, i32At(run, RUN_ROWS), run + RUN_RNG);
}

// Trains batch `batch` of epoch `epoch` (see trainBatch) and adds its objective to the epoch's
// statistics; returns false, the run diverged, if that objective is not finite.
@inline function trainedBatch(
  net: usize, run: usize, epoch: i32, batch: i32, x: usize, y: usize, w: usize, m: i32, stats: usize, lr: f32,
): bool {
  const objective = trainBatch(net, run, x, y, w, m, stats, lr);
  if (!isFinite(objective)) {
    // A first batch that fails condemns the weights this epoch began with.
    diverge(net, run, DIVERGED_LOSS, batch, batch == 0 ? max(epoch - 1, 0) : epoch);
    return false;
  }
  store<f64>(run + RUN_BATCH_LOSS, objective / <f64>m);
  store<f64>(stats + STATS_LOSS, load<f64>(stats + STATS_LOSS) + objective);
  return true;
}

// Ends epoch `epoch` after its last batch, `batch`, trained at rate lr: checks the parameters, the
// validation loss and (after the last epoch) the final weights, then moves the run to the next
// epoch. Returns false if the run diverged.
function endEpoch(net: usize, run: usize, epoch: i32, batch: i32, stats: usize, lr: f32): bool {
  if (ASC_FEATURE_THREADS) unblockFirstLayer(net, run);
  store<f64>(stats + STATS_LEARNING_RATE, lr);
  if (firstNonFinite(ptrAt(net, NET_PARAMS), i32At(net, NET_PARAM_COUNT)) >= 0) {
    diverge(net, run, DIVERGED_PARAMETERS, batch, epoch);
    return false;
  }
  const valRows = i32At(run, RUN_VAL_ROWS);
  if (valRows > 0) {
    evaluate(net, ptrAt(run, RUN_VAL_X), ptrAt(run, RUN_VAL_Y), valRows, stats + STATS_VAL_LOSS, 0);
    if (!isFinite(load<f64>(stats + STATS_VAL_LOSS))) {
      diverge(net, run, DIVERGED_VALIDATION, batch, epoch);
      return false;
    }
  }
  const last = epoch + 1 == i32At(run, RUN_EPOCHS);
  if (last && !finalWeightsHold(net, run)) {
    diverge(net, run, DIVERGED_FINAL, batch, epoch);
    return false;
  }
  store<i32>(run + RUN_BATCH, 0);
  store<i32>(run + RUN_EPOCH, epoch + 1);
  if (last) store<i32>(run + RUN_STATUS, STATUS_DONE);
  return true;
}

// The host may have written the weights since the last call (between two fits), or bound the
// layers to another workspace's panels: the next batch packs the weights as it goes. A fit whose
// host stages the batches begins each epoch with beginStagedEpoch, then one call per batch.
@inline function forgetPanels(run: usize): void {
  store<i32>(run + RUN_PANELS_READY, 0);
}

// Whether the weights' panels hold the weights as they are, forgetting it: the batch that reads
// them steps the weights after, and packs them again only if its gradient job steps.
@inline function takePanels(run: usize): bool {
  const ready = i32At(run, RUN_PANELS_READY) != 0;
  forgetPanels(run);
  return ready;
}

/**
 * Runs the fit described by the run record, over the rows staged at RUN_X and RUN_Y, for up to
 * maxBatches batches, crossing epoch boundaries, and stops early once maxEpochs epochs have ended
 * in this call, when the last epoch ends (status DONE), or when a batch's objective, a parameter
 * at an epoch's end, the validation loss after it or the final weights' objective is not finite
 * (status DIVERGED; see diverge). Returns the batches run.
 */
export function train(net: usize, run: usize, maxBatches: i32, maxEpochs: i32): i32 {
  forgetPanels(run);
  const rows = i32At(run, RUN_ROWS);
  const batchSize = i32At(run, RUN_BATCH_SIZE);
  const batchesPerEpoch = i32At(run, RUN_EPOCH_BATCHES);
  const order = ptrAt(run, RUN_ORDER);
  const inputs = inputWidth(net);
  const targets = targetWidth(net, outputWidth(net));
  let batches = 0;
  let epochsEnded = 0;
  // The rate of the latest step goes to its epoch's statistics as an epoch ends and as this call
  // returns (for onBatchEnd, or a divergence), not at every step: a tiny network trains a row in
  // the time of a few stores.
  let lastRate: f32 = 0;
  let lastStats: usize = 0;
  // Runs of rows a tiny network trains without the per-batch bookkeeping below (tiny.ts), across
  // the ends of epochs that have nothing to check but the parameters (no validation rows).
  const tinyRows = tinyRowsApply(net, run);
  const tinyEpochs = tinyRows && i32At(run, RUN_VAL_ROWS) == 0;
  while (batches < maxBatches && i32At(run, RUN_STATUS) == STATUS_RUNNING) {
    let epoch = i32At(run, RUN_EPOCH);
    let batch = i32At(run, RUN_BATCH);
    let stats = statsOf(run, epoch);
    if (batch == 0) beginEpoch(net, run, epoch, stats);
    const lr = scheduledRate(run, epoch);
    if (tinyRows) {
      // Epoch ends left to tiny.ts: none that ends the fit or this call, which endEpoch below makes.
      const ends = tinyEpochs ? max(0, min(i32At(run, RUN_EPOCHS) - 1 - epoch, maxEpochs - 1 - epochsEnded)) : 0;
      const count = min<i64>(maxBatches - batches, <i64>(batchesPerEpoch - batch) + <i64>ends * batchesPerEpoch);
      const ran = trainTinyRows(net, run, batch, <i32>count, stats, lr);
      const ended = i32At(run, RUN_EPOCH) - epoch;
      batches += ran;
      batch += ran - ended * batchesPerEpoch;
      if (ended > 0) {
        epoch += ended;
        epochsEnded += ended;
        stats = statsOf(run, epoch);
      }
    }
    lastRate = lr;
    lastStats = stats;
    if (batch < batchesPerEpoch && batches < maxBatches) {
      const start = batch * batchSize;
      const m = min(batchSize, rows - start);
      let x = ptrAt(run, RUN_X);
      let y = ptrAt(run, RUN_Y);
      let w = ptrAt(run, RUN_WEIGHTS);
      if (order && m == 1) {
        const row = <i32>load<u32>(at(order, start));
        x = at(x, row * inputs);
        y = at(y, row * targets);
        if (w) w = at(w, row);
      } else if (order) {
        const threads = i32At(net, NET_THREADS);
        parallelGather(threads, x, inputs, order, start, m, ptrAt(net, NET_BATCH_X));
        parallelGather(threads, y, targets, order, start, m, ptrAt(net, NET_BATCH_Y));
        x = ptrAt(net, NET_BATCH_X);
        y = ptrAt(net, NET_BATCH_Y);
        if (w) {
          parallelGather(threads, w, 1, order, start, m, ptrAt(run, RUN_BATCH_WEIGHTS));
          w = ptrAt(run, RUN_BATCH_WEIGHTS);
        }
      } else {
        x = at(x, start * inputs);
        y = at(y, start * targets);
        if (w) w = at(w, start);
      }
      if (!trainedBatch(net, run, epoch, batch, x, y, w, m, stats, lr)) break;
      batches++;
      batch++;
    }
    if (batch < batchesPerEpoch) {
      store<i32>(run + RUN_BATCH, batch);
      continue;
    }
    if (!endEpoch(net, run, epoch, batch - 1, stats, lr)) break;
    if (++epochsEnded == maxEpochs) break;
  }
  if (ASC_FEATURE_THREADS) unblockFirstLayer(net, run);
  if (lastStats) store<f64>(lastStats + STATS_LEARNING_RATE, lastRate);
  return batches;
}

/**
 * Begins the epoch in progress for a run whose batches the host stages (trainStaged): saves its
 * start, zeroes its statistics, and draws its row order into RUN_ORDER when there is one, for the
 * host to gather the epoch's rows by.
 */
export function beginStagedEpoch(net: usize, run: usize): void {
  forgetPanels(run);
  const epoch = i32At(run, RUN_EPOCH);
  beginEpoch(net, run, epoch, statsOf(run, epoch));
}

/**
 * Trains the next batch of the run, the m rows the host staged at X, Y (with their weights at W,
 * or 0 when each weighs 1) in the epoch's order, and ends the epoch after it when `last` (see
 * train for what ends it and how a run diverges). Returns the batches run: 1, or 0 if its
 * objective was not finite.
 */
export function trainStaged(net: usize, run: usize, x: usize, y: usize, w: usize, m: i32, last: bool): i32 {
  const epoch = i32At(run, RUN_EPOCH);
  const batch = i32At(run, RUN_BATCH);
  const stats = statsOf(run, epoch);
  const lr = scheduledRate(run, epoch);
  store<f64>(stats + STATS_LEARNING_RATE, lr);
  if (!trainedBatch(net, run, epoch, batch, x, y, w, m, stats, lr)) return 0;
  if (last) endEpoch(net, run, epoch, batch, stats, lr);
  else store<i32>(run + RUN_BATCH, batch + 1);
  return 1;
}
