// The four fixed workloads, their seeded synthetic data, and how a run of
// batches maps onto rows (shared by every peer so all do the same work).

import { prng, uniform } from './prng.mjs';

/** Layer widths from the inputs to the outputs, activations per layer, and the training setup. */
export const WORKLOADS = [
  {
    id: 'W1', name: 'tiny 2-2-2', sizes: [2, 2, 2], hidden: 'sigmoid', output: 'sigmoid', loss: 'squaredError',
    batchSize: 1, learningRate: 0.5, samples: 4, seed: 1,
  },
  {
    id: 'W2', name: 'digits 64-32-10', sizes: [64, 32, 10], hidden: 'sigmoid', output: 'softmax',
    loss: 'categoricalCrossentropy', batchSize: 32, learningRate: 0.1, samples: 1797, seed: 2,
  },
  {
    id: 'W3', name: 'MNIST 784-128-64-10', sizes: [784, 128, 64, 10], hidden: 'relu', output: 'softmax',
    loss: 'categoricalCrossentropy', batchSize: 64, learningRate: 0.01, samples: 10_000, seed: 3,
  },
  {
    id: 'W4', name: 'wide 1024-1024-1024-10', sizes: [1024, 1024, 1024, 10], hidden: 'relu', output: 'softmax',
    loss: 'categoricalCrossentropy', batchSize: 128, learningRate: 0.01, samples: 2048, seed: 4,
  },
];

/** Rows per predict call when measuring inference, for every library with a batch API. */
export const INFER_BLOCK = 1024;

/**
 * The inputs inference runs over: the training inputs, repeated until there are at least
 * INFER_BLOCK rows (W1 has 4), as { x, rows }.
 */
export function inferenceInputs({ x, rows, inputs }) {
  const copies = Math.ceil(INFER_BLOCK / rows);
  if (copies <= 1) return { x, rows };
  const tiled = new Float32Array(copies * rows * inputs);
  for (let c = 0; c < copies; c++) tiled.set(x, c * rows * inputs);
  return { x: tiled, rows: copies * rows };
}

/** The workload with this id (case-insensitive), or undefined. */
export function findWorkload(id) {
  return WORKLOADS.find((w) => w.id.toLowerCase() === String(id).toLowerCase());
}

/** Weights plus biases of every layer. */
export function parameterCount({ sizes }) {
  let count = 0;
  for (let l = 1; l < sizes.length; l++) count += sizes[l - 1] * sizes[l] + sizes[l];
  return count;
}

/** Activation of layer l (1-based over sizes), hidden or output. */
export function activationOf(workload, l) {
  return l === workload.sizes.length - 1 ? workload.output : workload.hidden;
}

/**
 * Seeded rows: inputs uniform in [0, 1) like scaled pixels; targets one-hot over random
 * classes for classification, uniform in (0.05, 0.95) for the squared-error workload.
 * Both flat, row-major Float32Arrays.
 */
export function generateData(workload) {
  const random = prng(workload.seed);
  const inputs = workload.sizes[0];
  const outputs = workload.sizes.at(-1);
  const x = uniform(random, workload.samples * inputs);
  let y;
  if (workload.loss === 'categoricalCrossentropy') {
    y = new Float32Array(workload.samples * outputs);
    for (let r = 0; r < workload.samples; r++) y[r * outputs + Math.floor(random() * outputs)] = 1;
  } else {
    y = uniform(random, workload.samples * outputs, 0.05, 0.95);
  }
  return { x, y, rows: workload.samples, inputs, outputs };
}

/**
 * Row ranges covering `batches` consecutive batches of `batchSize` rows from batch index
 * `cursor`, cycling through `rows` rows (an epoch ends with a short batch when batchSize does
 * not divide rows). Consecutive batches merge into one span; whole epochs in the middle
 * come back as one span with epochs > 1, so a peer that trains by epochs can use them.
 * Returns the spans and the cursor after them.
 */
function batchSpans(rows, batchSize, cursor, batches) {
  const perEpoch = Math.ceil(rows / batchSize);
  const spans = [];
  let at = cursor % perEpoch;
  let left = batches;
  while (left > 0) {
    if (at === 0 && left >= perEpoch) {
      const epochs = Math.floor(left / perEpoch);
      spans.push({ start: 0, end: rows, epochs });
      left -= epochs * perEpoch;
      continue;
    }
    const take = Math.min(left, perEpoch - at);
    spans.push({ start: at * batchSize, end: Math.min(rows, (at + take) * batchSize), epochs: 1 });
    at = (at + take) % perEpoch;
    left -= take;
  }
  return { spans, cursor: (cursor + batches) % perEpoch };
}


/** Calls fn(start, end) for every batch of the spans, in order; returns the rows covered. */
export function forEachBatch(spans, batchSize, fn) {
  let rows = 0;
  for (const { start, end, epochs } of spans) {
    for (let e = 0; e < epochs; e++) {
      for (let b = start; b < end; b += batchSize) fn(b, Math.min(end, b + batchSize));
    }
    rows += (end - start) * epochs;
  }
  return rows;
}

/** A walk over the batches of the rows, wrapping around: each call returns the spans of the next `batches`. */
export function batchCursor(rows, batchSize) {
  let cursor = 0;
  return (batches) => {
    const next = batchSpans(rows, batchSize, cursor, batches);
    cursor = next.cursor;
    return next.spans;
  };
}
