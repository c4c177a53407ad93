// The demo's MNIST path: reads the four idx files (gzipped or not) from a folder and
// trains 784-256-10 on the 60,000 training images, testing on the 10,000 others.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { CliError } from '../errors.js';
import { type ClassifierProgress, type ClassifierSettings, type LabelledRows, trainClassifier } from './classifier.js';
import type { DemoResult } from './digits.js';

const CLASSES = 10;

/** Settings that reach about 98% test accuracy in 8 epochs. */
export const MNIST_DEFAULTS: ClassifierSettings = {
  seed: 42,
  hidden: [256],
  dropout: 0,
  batchSize: 128,
  l2: 0.01,
  phases: [
    { epochs: 6, learningRate: 1e-3 },
    { epochs: 2, learningRate: 1e-4 },
  ],
};

/** Reads an idx file of unsigned bytes (gzipped or not). */
function readIdx(file: string): { dims: number[]; data: Uint8Array } {
  let bytes: Uint8Array = readFileSync(file);
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = gunzipSync(bytes);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 4 || view.getUint16(0) !== 0 || bytes[2] !== 0x08) {
    throw new CliError(`${file} is not an idx file of unsigned bytes (its magic number is wrong)`);
  }
  const rank = bytes[3]!;
  const dims = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i));
  const data = bytes.subarray(4 + 4 * rank);
  const size = dims.reduce((a, b) => a * b, 1);
  if (data.length !== size) throw new CliError(`${file} holds ${data.length} bytes of data, but its header says ${size}`);
  return { dims, data };
}

// The file named, or the same name with .gz added.
function idxFile(dir: string, name: string): string {
  for (const file of [join(dir, name), join(dir, `${name}.gz`)]) if (existsSync(file)) return file;
  throw new CliError(`MNIST file ${name}(.gz) not found in ${dir}`);
}

function readSet(dir: string, prefix: string): LabelledRows & { pixels: number } {
  const images = readIdx(idxFile(dir, `${prefix}-images-idx3-ubyte`));
  const labels = readIdx(idxFile(dir, `${prefix}-labels-idx1-ubyte`));
  const [count, height = 0, width = 0] = images.dims;
  if (images.dims.length !== 3 || labels.dims.length !== 1 || labels.dims[0] !== count) {
    throw new CliError(`MNIST ${prefix} files in ${dir}: images ${images.dims.join('×')} do not match labels ${labels.dims.join('×')}`);
  }
  const x = new Float32Array(images.data.length);
  for (let i = 0; i < x.length; i++) x[i] = images.data[i]! / 255;
  return { x, labels: labels.data, pixels: height * width };
}

/** Loads MNIST from dir, trains and tests; loadSeconds is the time spent reading the files. */
export async function trainMnist(
  dir: string,
  options: Partial<ClassifierSettings> & { onProgress?: (p: ClassifierProgress) => void } = {},
): Promise<DemoResult & { loadSeconds: number }> {
  const started = performance.now();
  const train = readSet(dir, 'train');
  const test = readSet(dir, 't10k');
  const loadSeconds = (performance.now() - started) / 1000;
  const result = await trainClassifier(train, test, {
    batchProgress: true, ...MNIST_DEFAULTS, ...options, inputs: train.pixels, classes: CLASSES,
  });
  return {
    ...result,
    trainRows: train.labels.length,
    testRows: test.labels.length,
    loadSeconds,
    seconds: (performance.now() - started) / 1000,
  };
}
