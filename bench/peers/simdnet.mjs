// simdnet through its public API: flat Float32Arrays, one fit call per span of batches.

import { Network } from '../../dist/index.js';
import { activationOf, batchCursor, forEachBatch, INFER_BLOCK, inferenceInputs } from '../workloads.mjs';

/** variant.backend: 'simd', 'scalar' or 'relaxed'; variant.threads: 1, 2 or 'auto'. */
export async function setup(workload, data, variant) {
  const net = await Network.create({
    inputs: workload.sizes[0],
    layers: workload.sizes.slice(1).map((units, i) => ({ units, activation: activationOf(workload, i + 1) })),
    loss: workload.loss,
    seed: workload.seed,
    backend: variant.backend,
    threads: variant.threads,
  });
  const { x, y, inputs, outputs } = data;
  const { batchSize } = workload;
  const fitOptions = { batchSize, shuffle: false, optimizer: { type: 'sgd', learningRate: workload.learningRate } };
  const rowsOf = (a, width, start, end) => a.subarray(start * width, end * width);
  const nextTrain = batchCursor(data.rows, batchSize);
  const nextInfer = batchCursor(data.rows, batchSize);
  const nextInto = batchCursor(data.rows, batchSize);
  // Each batch's inputs (and predictInto's outputs), made ahead, as a per-frame caller keeps its
  // arrays and as the other peers' inputs are made once (their rows converted ahead).
  const kept = Array.from({ length: Math.ceil(data.rows / batchSize) }, (_, b) => {
    const start = b * batchSize, end = Math.min(data.rows, start + batchSize);
    return [rowsOf(x, inputs, start, end), new Float32Array((end - start) * outputs)];
  });
  const keptFor = (start) => kept[start / batchSize];
  const bulk = inferenceInputs(data);
  const nextBulk = batchCursor(bulk.rows, INFER_BLOCK);
  return {
    async trainChunk(batches) {
      let rows = 0;
      for (const { start, end, epochs } of nextTrain(batches)) {
        await net.fit(rowsOf(x, inputs, start, end), rowsOf(y, outputs, start, end), { ...fitOptions, epochs });
        rows += (end - start) * epochs;
      }
      return rows;
    },
    infer(batches) {
      return forEachBatch(nextInfer(batches), batchSize, (start) => net.predict(keptFor(start)[0]));
    },
    inferInto(batches) {
      return forEachBatch(nextInto(batches), batchSize, (start) => net.predictInto(...keptFor(start)));
    },
    inferBulk(blocks) {
      return forEachBatch(nextBulk(blocks), INFER_BLOCK, (start, end) => net.predict(rowsOf(bulk.x, inputs, start, end)));
    },
    dispose() {
      net.dispose();
    },
  };
}
