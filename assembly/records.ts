// Reading the network and layer records laid out by src/abi.ts.

import {
  LAYER_BYTES, LAYER_INPUTS, LAYER_UNITS, LOSS_SPARSE_CATEGORICAL_CROSSENTROPY, NET_HEADER_BYTES, NET_LAYER_COUNT, NET_LOSS,
  RUN_RNG_SNAPSHOTS, RUN_SNAPSHOT0, RUN_SNAPSHOT1, RUN_STATS, RUN_STATS_CAPACITY, STATS_BYTES, STATS_CORRECT, STATS_LOSS,
  STATS_VAL_CORRECT, STATS_VAL_LOSS,
} from "../src/abi";

@inline export function layerRecord(net: usize, l: i32): usize {
  return net + NET_HEADER_BYTES + <usize>l * LAYER_BYTES;
}
@inline export function i32At(record: usize, offset: usize): i32 {
  return load<i32>(record + offset);
}
@inline export function ptrAt(record: usize, offset: usize): usize {
  return <usize>load<u32>(record + offset);
}
@inline export function f32At(record: usize, offset: usize): f32 {
  return load<f32>(record + offset);
}
@inline export function layerCount(net: usize): i32 {
  return i32At(net, NET_LAYER_COUNT);
}
@inline export function outputLayer(net: usize): usize {
  return layerRecord(net, layerCount(net) - 1);
}
@inline export function inputWidth(net: usize): i32 {
  return i32At(layerRecord(net, 0), LAYER_INPUTS);
}
@inline export function outputWidth(net: usize): i32 {
  return i32At(outputLayer(net), LAYER_UNITS);
}
/** Floats of one row of targets, given the output's units: those, or one class index for the sparse loss. */
@inline export function targetWidth(net: usize, units: i32): i32 {
  return i32At(net, NET_LOSS) == LOSS_SPARSE_CATEGORICAL_CROSSENTROPY ? 1 : units;
}

// The parameter snapshot and the generator-state snapshot (4 × u32) kept for epochs of parity
// epoch & 1: the start of the epoch in progress, and of the one before it.
@inline export function parameterSnapshot(run: usize, epoch: i32): usize {
  return ptrAt(run, epoch & 1 ? RUN_SNAPSHOT1 : RUN_SNAPSHOT0);
}
@inline export function rngSnapshot(run: usize, epoch: i32): usize {
  return run + RUN_RNG_SNAPSHOTS + (<usize>(epoch & 1) << 4);
}

/** The statistics record of an epoch. */
@inline export function statsOf(run: usize, epoch: i32): usize {
  return ptrAt(run, RUN_STATS) + <usize>(epoch % i32At(run, RUN_STATS_CAPACITY)) * STATS_BYTES;
}

/** Zeroes an epoch's statistics, one f64 store per field: memory.fill calls out of the compiled code. */
@inline export function zeroStats(stats: usize): void {
  store<f64>(stats + STATS_LOSS, 0);
  store<f64>(stats + STATS_CORRECT, 0);
  store<f64>(stats + STATS_VAL_LOSS, 0);
  store<f64>(stats + STATS_VAL_CORRECT, 0);
}
