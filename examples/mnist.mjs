// The demo's MNIST path: reads the four idx files (gzipped or not) from a folder and
// trains 784-256-10 on the 60,000 training images, testing on the 10,000 others.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { trainClassifier } from './classifier.mjs';

const CLASSES = 10;

/** Settings that reach about 98% test accuracy in about 8 epochs; any of them can be overridden. */
export const MNIST_DEFAULTS = {
  seed: 42,
  hidden: [256],
  batchSize: 128,
  l2: 0.01,
  phases: [
    { epochs: 6, learningRate: 1e-3 },
    { epochs: 2, learningRate: 1e-4 },
  ],
};

/** Reads an idx file (gzipped or not): { dims: [count, …], data: Uint8Array }. Only unsigned bytes are supported. */
export function readIdx(file) {
  let bytes = readFileSync(file);
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = gunzipSync(bytes);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 4 || view.getUint16(0) !== 0 || bytes[2] !== 0x08) {
    throw new Error(`${file} is not an idx file of unsigned bytes (its magic number is wrong)`);
  }
  const rank = bytes[3];
  const dims = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i));
  const data = bytes.subarray(4 + 4 * rank);
  const size = dims.reduce((a, b) => a * b, 1);
  if (data.length !== size) throw new Error(`${file} holds ${data.length} bytes of data, but its header says ${size}`);
  return { dims, data };
}

// The file named, or the same name with .gz added.
function idxFile(dir, name) {
  for (const file of [join(dir, name), join(dir, `${name}.gz`)]) if (existsSync(file)) return file;
  throw new Error(`MNIST file ${name}(.gz) not found in ${dir}`);
}

function readSet(dir, prefix) {
  const images = readIdx(idxFile(dir, `${prefix}-images-idx3-ubyte`));
  const labels = readIdx(idxFile(dir, `${prefix}-labels-idx1-ubyte`));
  const [count, height, width] = images.dims;
  if (images.dims.length !== 3 || labels.dims.length !== 1 || labels.dims[0] !== count) {
    throw new Error(`MNIST ${prefix} files in ${dir}: images ${images.dims.join('×')} do not match labels ${labels.dims.join('×')}`);
  }
  const x = new Float32Array(images.data.length);
  for (let i = 0; i < x.length; i++) x[i] = images.data[i] / 255;
  return { x, labels: labels.data, pixels: height * width };
}

/** Reads the MNIST training and test sets from dir, with pixels scaled to [0, 1]. */
export function loadMnist(dir) {
  return { train: readSet(dir, 'train'), test: readSet(dir, 't10k') };
}

/**
 * Loads MNIST from dir, trains and tests. options: any of MNIST_DEFAULTS, plus onProgress
 * (see trainClassifier). Resolves with trainClassifier's result plus
 * { trainRows, testRows, loadSeconds, seconds } (seconds: the whole run).
 */
export async function trainMnist(dir, options = {}) {
  const started = performance.now();
  const settings = { ...MNIST_DEFAULTS, ...options };
  const { train, test } = loadMnist(dir);
  const loadSeconds = (performance.now() - started) / 1000;
  const result = await trainClassifier(train, test, {
    batchProgress: true,
    ...settings,
    inputs: train.pixels,
    classes: CLASSES,
  });
  return {
    ...result,
    trainRows: train.labels.length,
    testRows: test.labels.length,
    loadSeconds,
    seconds: (performance.now() - started) / 1000,
  };
}
