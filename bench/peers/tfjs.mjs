// TensorFlow.js 4.22 (tfjs-layers Sequential, trainOnBatch / predict) on the cpu or the wasm
// backend, under Node or in a page (bench/browser.mjs). Every batch and inference block is a
// tensor made once in setup, so the timed loop is the library's own work plus reading the loss
// (trainOnBatch) or the outputs (dataSync) back into JavaScript.

import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-cpu';
import { setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { activationOf, batchCursor, forEachBatch, INFER_BLOCK, inferenceInputs } from '../workloads.mjs';

const LOSSES = { squaredError: 'meanSquaredError', categoricalCrossentropy: 'categoricalCrossentropy' };

/** variant.backend: 'cpu' or 'wasm'; variant.threads (wasm only): 1, or more for the threaded SIMD build (in a page only). */
export async function setup(workload, data, variant) {
  await selectBackend(variant);
  const model = tfl.sequential();
  workload.sizes.slice(1).forEach((units, i) => {
    model.add(tfl.layers.dense({ units, activation: activationOf(workload, i + 1), inputShape: i === 0 ? [workload.sizes[0]] : undefined }));
  });
  model.compile({ optimizer: tf.train.sgd(workload.learningRate), loss: LOSSES[workload.loss] });

  const { x, y, inputs, outputs } = data;
  const { batchSize } = workload;
  const batches = [];
  forEachBatch([{ start: 0, end: data.rows, epochs: 1 }], batchSize, (start, end) => {
    batches.push({
      x: tf.tensor2d(x.subarray(start * inputs, end * inputs), [end - start, inputs]),
      y: tf.tensor2d(y.subarray(start * outputs, end * outputs), [end - start, outputs]),
    });
  });
  const bulk = inferenceInputs(data);
  const blocks = [];
  forEachBatch([{ start: 0, end: bulk.rows, epochs: 1 }], INFER_BLOCK, (start, end) => {
    blocks.push(tf.tensor2d(bulk.x.subarray(start * inputs, end * inputs), [end - start, inputs]));
  });
  const nextTrain = batchCursor(data.rows, batchSize);
  const nextInfer = batchCursor(data.rows, batchSize);
  const nextBulk = batchCursor(bulk.rows, INFER_BLOCK);
  return {
    // trainOnBatch is async, so the due batches are listed first, then awaited one by one.
    async trainChunk(count) {
      const due = [];
      const rows = forEachBatch(nextTrain(count), batchSize, (start) => due.push(batches[start / batchSize]));
      for (const batch of due) await model.trainOnBatch(batch.x, batch.y);
      return rows;
    },
    infer(count) {
      return forEachBatch(nextInfer(count), batchSize, (start) => {
        tf.tidy(() => model.predict(batches[start / batchSize].x).dataSync());
      });
    },
    // predict's default batchSize of 32 would split a block; one call per block, like the others.
    inferBulk(count) {
      return forEachBatch(nextBulk(count), INFER_BLOCK, (start) => {
        tf.tidy(() => model.predict(blocks[start / INFER_BLOCK], { batchSize: INFER_BLOCK }).dataSync());
      });
    },
    dispose() {
      for (const batch of batches) tf.dispose([batch.x, batch.y]);
      tf.dispose(blocks);
      model.dispose();
    },
  };
}

async function selectBackend({ backend, threads = 1 }) {
  if (backend === 'wasm') {
    // One thread runs the SIMD build, as under Node, where TF.js has no threads
    // (tensorflow/tfjs#3830); more, the threaded SIMD build, which needs a cross-origin-isolated
    // page (bench/browser.mjs), whose server hands out the .wasm files under /node_modules/.
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', threads > 1);
    if (globalThis.document) setWasmPaths('/node_modules/@tensorflow/tfjs-backend-wasm/dist/');
    // TF.js runs no more threads than half navigator.hardwareConcurrency, taking every core for
    // two hyperthreads; on cores without them (this VM's) it would run one thread of two.
    if (threads > 1) Object.defineProperty(navigator, 'hardwareConcurrency', { value: 2 * threads });
    setThreadsCount(threads);
  }
  // setBackend only logs why a backend failed; keep that line for the report.
  const logged = [];
  const warn = console.warn;
  console.warn = (...args) => logged.push(args.join(' '));
  const ok = await tf.setBackend(backend).finally(() => (console.warn = warn));
  if (!ok) {
    const reason = logged
      .map((line) => line.split('\n')[0])
      .find((line) => !line.startsWith('Initialization of backend'));
    throw new Error(`tfjs backend '${backend}' failed to initialise: ${reason ?? 'no reason logged'}`);
  }
  await tf.ready();
  if (backend === 'wasm' && threads > 1) {
    const got = tf.backend().wasm.tfjs.getThreadsCount();
    if (got !== threads) throw new Error(`tfjs-backend-wasm runs ${got} thread(s), not ${threads}`);
  }
}
