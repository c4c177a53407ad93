// synaptic 1.1.4 (Architect.Perceptron): one JavaScript object per neuron and per connection,
// trained per row with activate + propagate. Its squared-error output deltas and no softmax:
// the workload's hidden activation is used for the hidden layers and logistic for the outputs.

import synaptic from 'synaptic';
import { batchCursor, forEachBatch } from '../workloads.mjs';

const { Architect, Neuron } = synaptic;
const SQUASH = { sigmoid: Neuron.squash.LOGISTIC, relu: Neuron.squash.RELU, tanh: Neuron.squash.TANH };

/** W3 and W4 would build millions of connection objects: minutes of setup and gigabytes. */
export function unavailableReason(workload) {
  return workload.sizes[0] > 100 ? 'an object per connection: W3/W4 would need millions of objects' : null;
}

export async function setup(workload, data) {
  const net = new Architect.Perceptron(...workload.sizes);
  for (const layer of net.layers.hidden) layer.set({ squash: SQUASH[workload.hidden] });
  net.layers.output.set({ squash: Neuron.squash.LOGISTIC });
  const { x, y, inputs, outputs } = data;
  const rows = Array.from({ length: data.rows }, (_, r) => ({
    input: Array.from(x.subarray(r * inputs, (r + 1) * inputs)),
    output: Array.from(y.subarray(r * outputs, (r + 1) * outputs)),
  }));
  const rate = workload.learningRate;
  const nextTrain = batchCursor(data.rows, 1);
  const nextInfer = batchCursor(data.rows, 1);
  return {
    trainChunk: (count) => forEachBatch(nextTrain(count), 1, (r) => {
      net.activate(rows[r].input);
      net.propagate(rate, rows[r].output);
    }),
    infer: (count) => forEachBatch(nextInfer(count), 1, (r) => net.activate(rows[r].input)),
    dispose() {},
  };
}
