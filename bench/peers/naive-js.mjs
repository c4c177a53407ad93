// The MLP a user would write by hand: Float32Array weights (units × inputs, so each dot
// product walks memory in order), plain loops, mini-batch SGD, no library.

import { prng } from '../prng.mjs';
import { activationOf, batchCursor, forEachBatch, INFER_BLOCK, inferenceInputs } from '../workloads.mjs';

const ACTIVATIONS = {
  sigmoid: { f: (z) => 1 / (1 + Math.exp(-z)), df: (a) => a * (1 - a) },
  relu: { f: (z) => (z > 0 ? z : 0), df: (a) => (a > 0 ? 1 : 0) },
};

export async function setup(workload, data) {
  const random = prng(workload.seed);
  const { sizes, batchSize } = workload;
  const capacity = Math.max(batchSize, INFER_BLOCK);
  const layers = sizes.slice(1).map((units, i) => {
    const inputs = sizes[i];
    const limit = Math.sqrt(6 / (inputs + units));
    const w = new Float32Array(units * inputs).map(() => (2 * random() - 1) * limit);
    return {
      inputs, units, w, b: new Float32Array(units), activation: activationOf(workload, i + 1),
      gw: new Float32Array(units * inputs), gb: new Float32Array(units),
      a: new Float32Array(capacity * units), d: new Float32Array(batchSize * units),
    };
  });
  const { x, y, inputs, outputs } = data;

  function forward(source, start, rows) {
    let input = source.subarray(start * inputs, (start + rows) * inputs);
    for (const L of layers) {
      for (let s = 0; s < rows; s++) {
        for (let j = 0; j < L.units; j++) {
          let z = L.b[j];
          for (let k = 0; k < L.inputs; k++) z += input[s * L.inputs + k] * L.w[j * L.inputs + k];
          L.a[s * L.units + j] = z;
        }
        if (L.activation === 'softmax') softmax(L.a, s * L.units, L.units);
      }
      if (L.activation !== 'softmax') {
        const f = ACTIVATIONS[L.activation].f;
        for (let i = 0; i < rows * L.units; i++) L.a[i] = f(L.a[i]);
      }
      input = L.a;
    }
    return input;
  }

  function trainBatch(start, end) {
    const rows = end - start;
    const out = forward(x, start, rows);
    const last = layers.at(-1);
    const target = y.subarray(start * outputs, end * outputs);
    // Softmax + cross-entropy gives a − y; squared error needs the activation's derivative too.
    const df = last.activation === 'softmax' ? () => 1 : ACTIVATIONS[last.activation].df;
    for (let i = 0; i < rows * outputs; i++) last.d[i] = (out[i] - target[i]) * df(out[i]);
    for (let l = layers.length - 1; l >= 0; l--) {
      const L = layers[l];
      const input = l === 0 ? x.subarray(start * inputs, end * inputs) : layers[l - 1].a;
      L.gw.fill(0);
      L.gb.fill(0);
      for (let s = 0; s < rows; s++) {
        for (let j = 0; j < L.units; j++) {
          const dj = L.d[s * L.units + j];
          L.gb[j] += dj;
          for (let k = 0; k < L.inputs; k++) L.gw[j * L.inputs + k] += dj * input[s * L.inputs + k];
        }
      }
      if (l > 0) {
        const below = layers[l - 1];
        const dfBelow = ACTIVATIONS[below.activation].df;
        for (let s = 0; s < rows; s++) {
          for (let k = 0; k < L.inputs; k++) {
            let sum = 0;
            for (let j = 0; j < L.units; j++) sum += L.d[s * L.units + j] * L.w[j * L.inputs + k];
            below.d[s * L.inputs + k] = sum * dfBelow(below.a[s * L.inputs + k]);
          }
        }
      }
      const step = workload.learningRate / rows;
      for (let i = 0; i < L.w.length; i++) L.w[i] -= step * L.gw[i];
      for (let j = 0; j < L.units; j++) L.b[j] -= step * L.gb[j];
    }
  }

  const nextTrain = batchCursor(data.rows, batchSize);
  const nextInfer = batchCursor(data.rows, batchSize);
  const bulk = inferenceInputs(data);
  const nextBulk = batchCursor(bulk.rows, INFER_BLOCK);
  return {
    trainChunk: (batches) => forEachBatch(nextTrain(batches), batchSize, trainBatch),
    infer: (batches) => forEachBatch(nextInfer(batches), batchSize, (start, end) => forward(x, start, end - start)),
    inferBulk: (blocks) => forEachBatch(nextBulk(blocks), INFER_BLOCK, (start, end) => forward(bulk.x, start, end - start)),
    dispose() {},
  };
}

function softmax(a, offset, n) {
  let max = -Infinity;
  for (let j = 0; j < n; j++) max = Math.max(max, a[offset + j]);
  let sum = 0;
  for (let j = 0; j < n; j++) sum += a[offset + j] = Math.exp(a[offset + j] - max);
  for (let j = 0; j < n; j++) a[offset + j] /= sum;
}
