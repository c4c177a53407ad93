// Training a tiny network row by row: one or two layers of at most four units
// (row.ts's narrow layers), batches of one row, plain SGD without L1, L2,
// clipping, a schedule or row weights, as the textbook examples and small online learners
// train. A row then costs about as much as reading the network and run
// records, looping over the layers and going through train.ts's batch
// bookkeeping, so train.ts hands a run of such rows to this loop, which reads
// the records once and calls the very kernels train.ts's path calls for each
// row (row.ts's narrowForward and narrowBackward, loss.ts's lossSum,
// countCorrect and lossDelta), in the same order: the same bits. Two layers
// over at most four inputs whose activations have a lane form run those
// kernels' expressions with the parameters held in registers (registerRows),
// which also ends the epochs train.ts lets it end and begins the next, so that
// the parameters stay in registers across many epochs. predictTinyRow answers
// one row of such a network the same way, for train.ts's predictRow.

import {
  CLIP_NONE, LOSS_SPARSE_CATEGORICAL_CROSSENTROPY, LAYER_ACTIVATION, LAYER_ALPHA, LAYER_BIAS, LAYER_DELTAS, LAYER_DROPPED,
  LAYER_FLAGS, LAYER_HAS_BIAS, LAYER_INPUTS, LAYER_OUTPUTS, LAYER_PREACTIVATIONS, LAYER_TRAIN_BIAS, LAYER_UNITS,
  LAYER_WEIGHTS, NET_ACCURACY, NET_HUBER_DELTA, NET_LOSS, OPT_SGD,
  NET_PARAMS, RUN_BATCH, RUN_BATCH_LOSS, RUN_BATCH_SIZE, RUN_CLIP, RUN_EPOCH, RUN_EPOCH_BATCHES, RUN_L1, RUN_L2,
  RUN_OPTIMIZER, RUN_ORDER, RUN_RNG, RUN_ROWS, RUN_SCHEDULE, RUN_STEP, RUN_X, RUN_WEIGHTS, RUN_Y, SCHEDULE_CONSTANT,
  STATS_CORRECT, STATS_LEARNING_RATE, STATS_LOSS,
} from "../src/abi";
import { activateLanes, activationBackwardLanes, hasLaneForm } from "./activation";
import {
  countCorrect, lossDelta, lossSum, oneHotLanes, rowCorrectLanes, rowDeltaLanes, rowLossLanes,
} from "./loss";
import { at, copyFew, loadFew, storeFew } from "./memory";
import { shuffleRows } from "./random";
import {
  f32At, i32At, layerCount, layerRecord, parameterSnapshot, ptrAt, rngSnapshot, statsOf, targetWidth, zeroStats,
} from "./records";
import { isNarrow, laneSum, narrowBackward, narrowForward, shiftIn } from "./row";

/** Whether trainTinyRows can run the run's batches on this network. */
export function tinyRowsApply(net: usize, run: usize): bool {
  const layers = layerCount(net);
  if (layers > 2) return false;
  for (let l = 0; l < layers; l++) {
    const layer = layerRecord(net, l);
    // Dropout keeps a network off the in-place path, as in train.ts's trainBatch.
    if (!isNarrow(i32At(layer, LAYER_UNITS)) || ptrAt(layer, LAYER_DROPPED)) return false;
  }
  return i32At(run, RUN_BATCH_SIZE) == 1 && i32At(run, RUN_OPTIMIZER) == OPT_SGD && f32At(run, RUN_L1) == 0
    && f32At(run, RUN_L2) == 0 && i32At(run, RUN_CLIP) == CLIP_NONE && i32At(run, RUN_SCHEDULE) == SCHEDULE_CONSTANT
    && ptrAt(run, RUN_WEIGHTS) == 0;
}

/**
 * Trains up to `count` batches of one row from batch `batch` of the epoch in progress at rate lr,
 * as train.ts's trainBatch would one after another, and adds their objectives and correct counts
 * to stats. Rows past the epoch's end go on into the next epochs where the register loop runs
 * (train.ts asks for them only when it may end those epochs as endEpoch would with no validation
 * rows, and not the fit's last); the epochs it ends then leave their statistics and the run's
 * epoch moves on, as endEpoch and beginEpoch leave them. Stops before a row whose objective is not
 * finite, leaving it for trainBatch to meet, and at an epoch's end where a parameter is not
 * finite, leaving it for endEpoch. Returns the rows trained.
 */
export function trainTinyRows(net: usize, run: usize, batch: i32, count: i32, stats: usize, lr: f32): i32 {
  const two = layerCount(net) == 2;
  const first = layerRecord(net, 0);
  const last = two ? layerRecord(net, 1) : first;
  // The first layer's fields, then the last's (the same layer when there is one).
  const inputs = i32At(first, LAYER_INPUTS);
  const hidden = i32At(first, LAYER_UNITS);
  const weights1 = ptrAt(first, LAYER_WEIGHTS);
  const bias1 = biasOf(first);
  const trained1 = trainedBiasOf(first);
  const act1 = i32At(first, LAYER_ACTIVATION);
  const alpha1 = f32At(first, LAYER_ALPHA);
  const out1 = ptrAt(first, LAYER_OUTPUTS);
  const pre1 = ptrAt(first, LAYER_PREACTIVATIONS);
  const delta1 = ptrAt(first, LAYER_DELTAS);
  const units = i32At(last, LAYER_UNITS);
  const weights2 = ptrAt(last, LAYER_WEIGHTS);
  const bias2 = biasOf(last);
  const trained2 = trainedBiasOf(last);
  const act2 = i32At(last, LAYER_ACTIVATION);
  const alpha2 = f32At(last, LAYER_ALPHA);
  const outputs = ptrAt(last, LAYER_OUTPUTS);
  const pre2 = ptrAt(last, LAYER_PREACTIVATIONS);
  const delta2 = ptrAt(last, LAYER_DELTAS);
  const loss = i32At(net, NET_LOSS);
  const huberDelta = f32At(net, NET_HUBER_DELTA);
  const targets = targetWidth(net, units);
  const accuracy = i32At(net, NET_ACCURACY);
  const order = ptrAt(run, RUN_ORDER);
  const xs = ptrAt(run, RUN_X);
  const ys = ptrAt(run, RUN_Y);
  // Rows the register loop below trains; the rest go through memory, up to the epoch's end.
  let done = 0;
  if (ASC_FEATURE_SIMD && registerShape(net)) {
    const epoch = i32At(run, RUN_EPOCH);
    done = registerRows(
      inputs, hidden, units, weights1, bias1, trained1, act1, alpha1, out1, delta1,
      weights2, bias2, trained2, act2, alpha2, outputs, delta2, loss, huberDelta, targets, accuracy,
      order, xs, ys, ptrAt(net, NET_PARAMS), run, batch, count, stats, lr,
    );
    // Past an epoch's end, train.ts takes the rest on.
    if (done == count || i32At(run, RUN_EPOCH) != epoch) return done;
  }
  const end = min(count, i32At(run, RUN_EPOCH_BATCHES) - batch);
  let lossTotal = load<f64>(stats + STATS_LOSS);
  let correct = load<f64>(stats + STATS_CORRECT);
  let objective: f64 = 0;
  let r = done;
  for (; r < end; r++) {
    const row = order ? <i32>load<u32>(at(order, batch + r)) : batch + r;
    const x = at(xs, row * inputs);
    const y = at(ys, row * targets);
    narrowForward(inputs, hidden, x, weights1, bias1, act1, alpha1, out1, pre1);
    if (two) narrowForward(hidden, units, out1, weights2, bias2, act2, alpha2, outputs, pre2);
    const rowObjective = lossSum(outputs, y, 1, units, loss, huberDelta, 0);
    if (!isFinite(rowObjective)) break;
    objective = rowObjective;
    lossTotal += objective;
    correct += <f64>countCorrect(outputs, y, 1, units, accuracy);
    lossDelta(outputs, y, 1, units, loss, act2, alpha2, true, delta2, huberDelta, 0, pre2);
    // train.ts's backpropagate under SGD in place, without L2: the last layer passes its delta
    // down and is updated, then the first is.
    if (two) narrowBackward(hidden, units, out1, delta2, weights2, trained2, lr, 0, delta1, act1, alpha1, pre1);
    narrowBackward(inputs, hidden, x, delta1, weights1, trained1, lr, 0, 0, 0, 0, 0);
  }
  if (r > done) {
    store<f64>(stats + STATS_LOSS, lossTotal);
    store<f64>(stats + STATS_CORRECT, correct);
    store<f64>(run + RUN_BATCH_LOSS, objective);
    store<i32>(run + RUN_STEP, i32At(run, RUN_STEP) + r - done);
  }
  return r;
}

// A layer's bias as forwardLayers adds it, and as backpropagate updates it (0: none).
@inline function biasOf(layer: usize): usize {
  return i32At(layer, LAYER_FLAGS) & LAYER_HAS_BIAS ? ptrAt(layer, LAYER_BIAS) : 0;
}
@inline function trainedBiasOf(layer: usize): usize {
  return i32At(layer, LAYER_FLAGS) & LAYER_TRAIN_BIAS ? ptrAt(layer, LAYER_BIAS) : 0;
}

// trainTinyRows for two layers of at most four units over at most four inputs, both with a
// lane form, in the SIMD build. Once parameters live in memory, each row's chain runs through
// a store and a load of every weight row; here they stay in registers for the whole run, row p
// of a layer's weights in one vector (its units in lanes) as narrowForward and narrowBackward
// load it, and go back to memory when the run ends. Each value is the expression those
// kernels and lossDelta compute, in their order, so the bits are theirs. Lanes past a
// layer's width hold values no stored lane depends on. The row's objective and correct count
// come from the lanes too, with no call (a call would send every register to the stack): they
// feed only the sums and the finite check, off the chain from one row's update to the next's.
// An epoch's end is train.ts's endEpoch and beginEpoch from the registers: the parameters'
// finite check, the epoch's statistics, and the next epoch's snapshot (the parameter block's
// layout at parameterSnapshot, its gaps left as they are, zero), statistics and order.
function registerRows(
  inputs: i32, hidden: i32, units: i32, weights1: usize, bias1: usize, trained1: usize, act1: i32, alpha1: f32,
  out1: usize, delta1: usize, weights2: usize, bias2: usize, trained2: usize, act2: i32, alpha2: f32,
  outputs: usize, delta2: usize, loss: i32, huberDelta: f32, targets: i32, accuracy: i32,
  order: usize, xs: usize, ys: usize, params: usize,
  run: usize, batch: i32, count: i32, stats: usize, lr: f32,
): i32 {
  const sparse = loss == LOSS_SPARSE_CATEGORICAL_CROSSENTROPY;
  const row1 = <usize>hidden << 2;
  const row2 = <usize>units << 2;
  const zero = f32x4.splat(0);
  let w10 = weightRow(weights1, 0, inputs, row1, hidden);
  let w11 = weightRow(weights1, 1, inputs, row1, hidden);
  let w12 = weightRow(weights1, 2, inputs, row1, hidden);
  let w13 = weightRow(weights1, 3, inputs, row1, hidden);
  let b1 = biasLanes(bias1, hidden);
  let w20 = weightRow(weights2, 0, hidden, row2, units);
  let w21 = weightRow(weights2, 1, hidden, row2, units);
  let w22 = weightRow(weights2, 2, hidden, row2, units);
  let w23 = weightRow(weights2, 3, hidden, row2, units);
  let b2 = biasLanes(bias2, units);
  const vlr = f32x4.splat(lr);
  const widths = (1 << hidden) - 1 | ((1 << units) - 1) << 4;
  let h = zero, a = zero, d1 = zero, d2 = zero;
  let lossTotal = load<f64>(stats + STATS_LOSS);
  let correct = load<f64>(stats + STATS_CORRECT);
  let objective: f64 = 0;
  const epochBatches = i32At(run, RUN_EPOCH_BATCHES);
  let epoch = i32At(run, RUN_EPOCH);
  let b = batch;
  let r = 0;
  for (; r < count; r++, b++) {
    if (b == epochBatches) {
      const bad1 = v128.or(
        v128.or(notFinite(w10), notFinite(w11)), v128.or(v128.or(notFinite(w12), notFinite(w13)), notFinite(b1)),
      );
      const bad2 = v128.or(
        v128.or(notFinite(w20), notFinite(w21)), v128.or(v128.or(notFinite(w22), notFinite(w23)), notFinite(b2)),
      );
      if ((i32x4.bitmask(bad1) | i32x4.bitmask(bad2) << 4) & widths) break;
      store<f64>(stats + STATS_LOSS, lossTotal);
      store<f64>(stats + STATS_CORRECT, correct);
      store<f64>(stats + STATS_LEARNING_RATE, lr);
      store<i32>(run + RUN_BATCH, 0);
      store<i32>(run + RUN_EPOCH, ++epoch);
      storeParameters(
        parameterSnapshot(run, epoch) - params, inputs, hidden, units, weights1, bias1, weights2, bias2,
        w10, w11, w12, w13, b1, w20, w21, w22, w23, b2,
      );
      copyFew(rngSnapshot(run, epoch), run + RUN_RNG, 4);
      stats = statsOf(run, epoch);
      zeroStats(stats);
      lossTotal = 0;
      correct = 0;
      if (order) shuffleRows(order, i32At(run, RUN_ROWS), run + RUN_RNG);
      b = 0;
    }
    const row = order ? <i32>load<u32>(at(order, b)) : b;
    const x = at(xs, row * inputs);
    const y = at(ys, row * targets);
    // narrowForward twice.
    const x0 = inputSplat(x, 0, inputs);
    const x1 = inputSplat(x, 1, inputs);
    const x2 = inputSplat(x, 2, inputs);
    const x3 = inputSplat(x, 3, inputs);
    const z1 = narrowSums(inputs, x0, x1, x2, x3, w10, w11, w12, w13, bias1 != 0, b1);
    h = activateLanes(z1, act1, alpha1);
    const h0 = f32x4.splat(f32x4.extract_lane(h, 0));
    const h1 = f32x4.splat(f32x4.extract_lane(h, 1));
    const h2 = f32x4.splat(f32x4.extract_lane(h, 2));
    const h3 = f32x4.splat(f32x4.extract_lane(h, 3));
    const z = narrowSums(hidden, h0, h1, h2, h3, w20, w21, w22, w23, bias2 != 0, b2);
    // Sums that are all finite mean every weight was (see sgdStep); otherwise the memory path
    // (past an epoch's end, train.ts) takes this row on.
    if ((i32x4.bitmask(notFinite(z1)) | i32x4.bitmask(notFinite(z)) << 4) & widths) break;
    a = activateLanes(z, act2, alpha2);
    // A class index reads as the one-hot row lossSum and lossDelta read it as.
    const label = sparse ? <i32>load<f32>(y) : 0;
    const target = sparse ? oneHotLanes(label) : loadFew(y, units);
    const rowObjective = rowLossLanes(a, target, units, loss, huberDelta);
    if (!isFinite(rowObjective)) break;
    objective = rowObjective;
    lossTotal += objective;
    correct += <f64>rowCorrectLanes(a, target, label, units, accuracy);
    d2 = rowDeltaLanes(a, target, loss, act2, alpha2, true, huberDelta);
    // narrowBackward for the last layer: its bias, then its rows from the last, each passing
    // its sum down before its update.
    if (trained2) b2 = f32x4.sub(b2, f32x4.mul(vlr, f32x4.add(zero, d2)));
    let passed = zero;
    if (hidden > 3) {
      passed = shiftIn(laneSum(f32x4.mul(d2, w23), units), passed);
      w23 = sgdStep(w23, h3, d2, vlr);
    }
    if (hidden > 2) {
      passed = shiftIn(laneSum(f32x4.mul(d2, w22), units), passed);
      w22 = sgdStep(w22, h2, d2, vlr);
    }
    if (hidden > 1) {
      passed = shiftIn(laneSum(f32x4.mul(d2, w21), units), passed);
      w21 = sgdStep(w21, h1, d2, vlr);
    }
    passed = shiftIn(laneSum(f32x4.mul(d2, w20), units), passed);
    w20 = sgdStep(w20, h0, d2, vlr);
    d1 = activationBackwardLanes(passed, h, act1, alpha1);
    // narrowBackward for the first layer.
    if (trained1) b1 = f32x4.sub(b1, f32x4.mul(vlr, f32x4.add(zero, d1)));
    if (inputs > 3) w13 = sgdStep(w13, x3, d1, vlr);
    if (inputs > 2) w12 = sgdStep(w12, x2, d1, vlr);
    if (inputs > 1) w11 = sgdStep(w11, x1, d1, vlr);
    w10 = sgdStep(w10, x0, d1, vlr);
  }
  // What the memory path leaves: the parameters (a frozen bias as it was), the last row's
  // outputs and the last trained row's deltas.
  storeParameters(
    0, inputs, hidden, units, weights1, bias1, weights2, bias2, w10, w11, w12, w13, b1, w20, w21, w22, w23, b2,
  );
  if (count > 0) {
    storeFew(out1, h, hidden);
    storeFew(outputs, a, units);
  }
  if (r > 0) {
    storeFew(delta1, d1, hidden);
    storeFew(delta2, d2, units);
    store<f64>(stats + STATS_LOSS, lossTotal);
    store<f64>(stats + STATS_CORRECT, correct);
    store<f64>(run + RUN_BATCH_LOSS, objective);
    store<i32>(run + RUN_STEP, i32At(run, RUN_STEP) + r);
  }
  return r;
}

// Row i of a layer's `rows` weight rows (rowBytes apart), its first `width` floats; zeros past
// the last row, where narrowSums does not read it. Row 0 is always there: i == 0, a constant
// where this is inlined, leaves its load without a comparison.
@inline function weightRow(weights: usize, i: i32, rows: i32, rowBytes: usize, width: i32): v128 {
  return i == 0 || i < rows ? loadFew(weights + <usize>i * rowBytes, width) : f32x4.splat(0);
}

// A layer's bias, its first `width` floats, or zeros for a layer without one.
@inline function biasLanes(bias: usize, width: i32): v128 {
  return bias ? loadFew(bias, width) : f32x4.splat(0);
}

// Input i of the `count` at x, in four lanes; zeros past the last, where narrowSums does not read
// it. Input 0 is always there, as weightRow's row 0.
@inline function inputSplat(x: usize, i: i32, count: i32): v128 {
  return i == 0 || i < count ? v128.load32_splat(x + (<usize>i << 2)) : f32x4.splat(0);
}

// narrowForward's sum for k (1–4) inputs given as splats and the weight rows they multiply:
// 0 + x0·w0 + x1·w1 + … (+ b when hasBias), in that order.
@inline function narrowSums(
  k: i32, x0: v128, x1: v128, x2: v128, x3: v128, w0: v128, w1: v128, w2: v128, w3: v128, hasBias: bool, b: v128,
): v128 {
  let z = f32x4.add(f32x4.splat(0), f32x4.mul(x0, w0));
  if (k > 1) z = f32x4.add(z, f32x4.mul(x1, w1));
  if (k > 2) z = f32x4.add(z, f32x4.mul(x2, w2));
  if (k > 3) z = f32x4.add(z, f32x4.mul(x3, w3));
  if (hasBias) z = f32x4.add(z, b);
  return z;
}

/**
 * Whether registerRows and predictTinyRow can hold the network in registers: two narrow layers
 * over at most four inputs, both activations with a lane form.
 */
export function registerShape(net: usize): bool {
  if (layerCount(net) != 2) return false;
  const first = layerRecord(net, 0);
  const last = layerRecord(net, 1);
  return isNarrow(i32At(first, LAYER_INPUTS)) && isNarrow(i32At(first, LAYER_UNITS)) && isNarrow(i32At(last, LAYER_UNITS))
    && hasLaneForm(i32At(first, LAYER_ACTIVATION)) && hasLaneForm(i32At(last, LAYER_ACTIVATION));
}

/**
 * train.ts's predictRow for a network registerShape accepts: narrowForward for both layers,
 * the hidden outputs kept in a register rather than stored and read back. Returns the index
 * of the first output that is NaN or ±Infinity, or −1. Its loads are registerRows' (one row,
 * so written out rather than shared through memory or a call).
 */
export function predictTinyRow(net: usize, x: usize, out: usize): i32 {
  const first = layerRecord(net, 0);
  const last = layerRecord(net, 1);
  const inputs = i32At(first, LAYER_INPUTS);
  const hidden = i32At(first, LAYER_UNITS);
  const units = i32At(last, LAYER_UNITS);
  const weights1 = ptrAt(first, LAYER_WEIGHTS);
  const weights2 = ptrAt(last, LAYER_WEIGHTS);
  const bias1 = biasOf(first);
  const bias2 = biasOf(last);
  const row1 = <usize>hidden << 2;
  const row2 = <usize>units << 2;
  const z1 = narrowSums(
    inputs, inputSplat(x, 0, inputs), inputSplat(x, 1, inputs), inputSplat(x, 2, inputs), inputSplat(x, 3, inputs),
    weightRow(weights1, 0, inputs, row1, hidden), weightRow(weights1, 1, inputs, row1, hidden),
    weightRow(weights1, 2, inputs, row1, hidden), weightRow(weights1, 3, inputs, row1, hidden),
    bias1 != 0, biasLanes(bias1, hidden),
  );
  const h = activateLanes(z1, i32At(first, LAYER_ACTIVATION), f32At(first, LAYER_ALPHA));
  const z2 = narrowSums(
    hidden,
    f32x4.splat(f32x4.extract_lane(h, 0)), f32x4.splat(f32x4.extract_lane(h, 1)),
    f32x4.splat(f32x4.extract_lane(h, 2)), f32x4.splat(f32x4.extract_lane(h, 3)),
    weightRow(weights2, 0, hidden, row2, units), weightRow(weights2, 1, hidden, row2, units),
    weightRow(weights2, 2, hidden, row2, units), weightRow(weights2, 3, hidden, row2, units),
    bias2 != 0, biasLanes(bias2, units),
  );
  const a = activateLanes(z2, i32At(last, LAYER_ACTIVATION), f32At(last, LAYER_ALPHA));
  storeFew(out, a, units);
  const bad = i32x4.bitmask(notFinite(a)) & ((1 << units) - 1);
  return bad ? ctz(bad) : -1;
}

// The parameters registerRows holds, stored at their addresses plus `offset`.
@inline function storeParameters(
  offset: usize, inputs: i32, hidden: i32, units: i32, weights1: usize, bias1: usize, weights2: usize, bias2: usize,
  w10: v128, w11: v128, w12: v128, w13: v128, b1: v128, w20: v128, w21: v128, w22: v128, w23: v128, b2: v128,
): void {
  const row1 = <usize>hidden << 2;
  const row2 = <usize>units << 2;
  const first = weights1 + offset;
  const second = weights2 + offset;
  storeFew(first, w10, hidden);
  if (inputs > 1) storeFew(first + row1, w11, hidden);
  if (inputs > 2) storeFew(first + 2 * row1, w12, hidden);
  if (inputs > 3) storeFew(first + 3 * row1, w13, hidden);
  if (bias1) storeFew(bias1 + offset, b1, hidden);
  storeFew(second, w20, units);
  if (hidden > 1) storeFew(second + row2, w21, units);
  if (hidden > 2) storeFew(second + 2 * row2, w22, units);
  if (hidden > 3) storeFew(second + 3 * row2, w23, units);
  if (bias2) storeFew(bias2 + offset, b2, units);
}

// All ones in the lanes of v that are NaN or ±Infinity (x − x is 0 only for a finite x).
@inline function notFinite(v: v128): v128 {
  return f32x4.ne(f32x4.sub(v, v), f32x4.splat(0));
}

// narrowBackward's step at decay 0, w − lr·((0 + x·d) + 0·w), without its last term: 0 + x·d is
// never −0, so adding 0·w, ±0 for a finite w, changes nothing. For an infinite or NaN w that
// term makes the step NaN; registerRows hands such rows to the memory path, as a weight that is
// not finite makes the sum it enters not finite.
@inline function sgdStep(w: v128, x: v128, d: v128, lr: v128): v128 {
  return f32x4.sub(w, f32x4.mul(lr, f32x4.add(f32x4.splat(0), f32x4.mul(x, d))));
}
