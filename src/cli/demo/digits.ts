// The demo's core path on the UCI handwritten digits (1797 8×8 images, data/digits/):
// a seeded, stratified 80/20 split, a 64-128-128-10 network, test accuracy and a confusion matrix.

import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { trainTestSplit } from '../../index.js';
import { CliError } from '../errors.js';
import { packageFile } from '../files.js';
import { type ClassifierProgress, type ClassifierResult, type ClassifierSettings, trainClassifier } from './classifier.js';

const PIXELS = 64;
const CLASSES = 10;

/** Settings that reach about 98% test accuracy in about a second. */
export const DIGITS_DEFAULTS: ClassifierSettings & { testFraction: number } = {
  seed: 42,
  testFraction: 0.2,
  hidden: [128, 128],
  dropout: 0,
  batchSize: 32,
  l2: 0.01,
  phases: [
    { epochs: 30, learningRate: 2e-3 },
    { epochs: 10, learningRate: 2e-4 },
  ],
};

/** Reads the digits CSV (64 pixels 0..16 and a label per line): pixels scaled to [0, 1], and labels. */
function loadDigits(file = packageFile('data/digits/digits.csv.gz')): { x: Float32Array; labels: Uint8Array } {
  const lines = gunzipSync(readFileSync(file)).toString('utf8').trim().split('\n');
  const x = new Float32Array(lines.length * PIXELS);
  const labels = new Uint8Array(lines.length);
  lines.forEach((line, row) => {
    const values = line.split(',').map(Number);
    if (values.length !== PIXELS + 1 || values.some((v) => !Number.isInteger(v))) {
      throw new CliError(`${file}: line ${row + 1} is not 64 pixel values and a label`);
    }
    for (let j = 0; j < PIXELS; j++) x[row * PIXELS + j] = values[j]! / 16;
    labels[row] = values[PIXELS]!;
  });
  return { x, labels };
}

export interface DemoResult extends ClassifierResult {
  trainRows: number;
  testRows: number;
  /** The whole run, loading included. */
  seconds: number;
}

/** Loads the digits, splits them, trains and tests. */
export async function trainDigits(
  options: Partial<typeof DIGITS_DEFAULTS> & { onProgress?: (p: ClassifierProgress) => void } = {},
): Promise<DemoResult> {
  const started = performance.now();
  const settings = { ...DIGITS_DEFAULTS, ...options };
  const { x, labels } = loadDigits();
  const split = trainTestSplit(x, labels, { testSize: settings.testFraction, seed: settings.seed, stratify: true, width: PIXELS });
  const train = { x: split.xTrain, labels: split.yTrain };
  const test = { x: split.xTest, labels: split.yTest };
  const result = await trainClassifier(train, test, { ...settings, inputs: PIXELS, classes: CLASSES });
  return { ...result, trainRows: train.labels.length, testRows: test.labels.length, seconds: (performance.now() - started) / 1000 };
}
