// brain.js 1.6.1 NeuralNetwork on the CPU. It updates after every sample (no mini-batches),
// has one activation for all layers and no softmax: the workload's hidden activation is used
// throughout, with brain.js's own squared-error output deltas.

import brain from 'brain.js';
import { batchCursor, forEachBatch } from '../workloads.mjs';

export async function setup(workload, data) {
  const net = new brain.NeuralNetwork({
    hiddenLayers: workload.sizes.slice(1, -1),
    activation: workload.hidden,
    learningRate: workload.learningRate,
  });
  const { x, y, inputs, outputs } = data;
  const rows = Array.from({ length: data.rows }, (_, r) => ({
    input: x.subarray(r * inputs, (r + 1) * inputs),
    output: y.subarray(r * outputs, (r + 1) * outputs),
  }));
  // Sizes the layers and initialises the weights, as train() would before its first pass.
  net.verifyIsInitialized(rows.slice(0, 1));
  // Its unit of work is one row, so chunks are counted in rows, not batches.
  const nextTrain = batchCursor(data.rows, 1);
  const nextInfer = batchCursor(data.rows, 1);
  return {
    // trainPattern is the per-sample step train() loops over, without train()'s periodic
    // error-only passes, so this is brain.js at its fastest.
    trainChunk: (count) => forEachBatch(nextTrain(count), 1, (r) => net.trainPattern(rows[r])),
    infer: (count) => forEachBatch(nextInfer(count), 1, (r) => net.run(rows[r].input)),
    dispose() {},
  };
}
