// Training a tiny network row by row: one or two layers of at most four units
// (row.ts's narrow layers), batches of one row, plain SGD without L1, L2,
// clipping, a schedule or row weights, as the textbook examples and small online learners
// train. A row then costs about as much as reading the network and run
// records, looping over the layers and going through train.ts's batch
// bookkeeping, so train.ts hands a run of such rows to this loop, which reads
// the records once and calls the very kernels train.ts's path calls for each
// row (row.ts's narrowForward and narrowBackward, loss.ts's lossSum,
// countCorrect and lossDelta), in the same order: the same bits.

import {
  CLIP_NONE, LAYER_ACTIVATION, LAYER_ALPHA, LAYER_BIAS, LAYER_DELTAS, LAYER_DROPPED, LAYER_FLAGS, LAYER_HAS_BIAS,
  LAYER_INPUTS, LAYER_OUTPUTS, LAYER_PREACTIVATIONS, LAYER_TRAIN_BIAS, LAYER_UNITS, LAYER_WEIGHTS, NET_ACCURACY,
  NET_HUBER_DELTA, NET_LOSS, OPT_SGD,
  RUN_BATCH_LOSS, RUN_BATCH_SIZE, RUN_CLIP, RUN_L1, RUN_L2, RUN_OPTIMIZER, RUN_ORDER, RUN_SCHEDULE, RUN_STEP, RUN_X,
  RUN_WEIGHTS, RUN_Y, SCHEDULE_CONSTANT, STATS_CORRECT, STATS_LOSS,
} from "../src/abi";
import { countCorrect, lossDelta, lossSum } from "./loss";
import { at } from "./memory";
import { f32At, i32At, layerCount, layerRecord, ptrAt, targetWidth } from "./records";
import { isNarrow, narrowBackward, narrowForward } from "./row";

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
 * to stats. Stops before a row whose objective is not finite, leaving it for trainBatch to meet.
 * Returns the rows trained.
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
  let lossTotal = load<f64>(stats + STATS_LOSS);
  let correct = load<f64>(stats + STATS_CORRECT);
  let objective: f64 = 0;
  let r = 0;
  for (; r < count; r++) {
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
  if (r > 0) {
    store<f64>(stats + STATS_LOSS, lossTotal);
    store<f64>(stats + STATS_CORRECT, correct);
    store<f64>(run + RUN_BATCH_LOSS, objective);
    store<i32>(run + RUN_STEP, i32At(run, RUN_STEP) + r);
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
