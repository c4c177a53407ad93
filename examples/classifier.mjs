// What the digits and MNIST demos share: a seeded shuffle, one-hot targets,
// and training a softmax classifier that reports its progress and ends with
// test accuracy and a confusion matrix.

import { Network } from '../dist/index.js';

/** A seeded generator of floats in [0, 1) (mulberry32): enough to shuffle a demo's rows reproducibly. */
function seededRandom(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** Fisher–Yates shuffle of an array in place, seeded. */
function shuffleInPlace(array, seed) {
  const random = seededRandom(seed);
  for (let i = array.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [array[i], array[j]] = [array[j], array[i]];
  }
  return array;
}

/**
 * Splits row indices into train and test in a seeded random order, so that each class gives
 * testFraction of its rows (rounded) to the test set.
 */
export function stratifiedSplit(labels, testFraction, seed) {
  const counts = new Map();
  for (const label of labels) counts.set(label, (counts.get(label) ?? 0) + 1);
  const quota = new Map([...counts].map(([label, n]) => [label, Math.round(n * testFraction)]));
  const train = [];
  const test = [];
  for (const row of shuffleInPlace(Array.from(labels, (_, row) => row), seed)) {
    const left = quota.get(labels[row]);
    quota.set(labels[row], left - 1);
    (left > 0 ? test : train).push(row);
  }
  return { train, test };
}

/** The rows `indices` of a flat row-major matrix of the given width, as a new Float32Array. */
export function takeRows(x, width, indices) {
  const out = new Float32Array(indices.length * width);
  indices.forEach((row, k) => out.set(x.subarray(row * width, (row + 1) * width), k * width));
  return out;
}

/** Class indices 0..classes-1 as flat one-hot rows. */
function oneHot(labels, classes) {
  const y = new Float32Array(labels.length * classes);
  labels.forEach((label, row) => (y[row * classes + label] = 1));
  return y;
}

/** The index of the largest of each row of a flat row-major matrix. */
function argmaxRows(values, width) {
  const rows = values.length / width;
  const out = new Uint8Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let j = 1; j < width; j++) if (values[r * width + j] > values[r * width + best]) best = j;
    out[r] = best;
  }
  return out;
}

/** confusion[actual][predicted] = how many rows of class `actual` were predicted as `predicted`. */
function confusionMatrix(actual, predicted, classes) {
  const confusion = Array.from({ length: classes }, () => new Array(classes).fill(0));
  actual.forEach((label, row) => confusion[label][predicted[row]]++);
  return confusion;
}

/**
 * Trains a softmax classifier on train = { x, labels } and scores it on test.
 *
 * options: hidden (units of each relu layer), seed, batchSize, l2, and phases — a list of
 * { epochs, learningRate } run one after another with Adam (a short last phase at a lower
 * rate settles the weights). onProgress, if given, receives
 *   { type: 'batch', epoch, epochs, rowsDone, rows, loss, samplesPerSecond } (if batchProgress) and
 *   { type: 'epoch', epoch, epochs, loss, accuracy, seconds, samplesPerSecond } after each epoch.
 * Resolves with { accuracy, confusion, predictions, trainSeconds, testSeconds, epochs: [epoch logs] }.
 */
export async function trainClassifier(train, test, options) {
  const { inputs, classes, hidden, seed, batchSize, l2 = 0, phases, onProgress, batchProgress = false } = options;
  const network = await Network.create({
    inputs,
    layers: [...hidden.map((units) => ({ units, activation: 'relu' })), { units: classes, activation: 'softmax' }],
    loss: 'categoricalCrossentropy',
    seed,
  });
  try {
    const rows = train.labels.length;
    const totalEpochs = phases.reduce((sum, phase) => sum + phase.epochs, 0);
    const y = oneHot(train.labels, classes);
    const epochLogs = [];
    const started = performance.now();
    let epochStarted = started;
    let epochsBefore = 0;
    for (const phase of phases) {
      const report = (log) => onProgress?.({ ...log, epoch: epochsBefore + log.epoch, epochs: totalEpochs });
      await network.fit(train.x, y, {
        epochs: phase.epochs,
        batchSize,
        l2,
        optimizer: { type: 'adam', learningRate: phase.learningRate },
        onEpochEnd: ({ epoch, loss, accuracy }) => {
          const now = performance.now();
          const seconds = (now - epochStarted) / 1000;
          const log = { type: 'epoch', epoch, loss, accuracy, seconds, samplesPerSecond: rows / seconds };
          epochStarted = now;
          epochLogs.push({ ...log, epoch: epochsBefore + epoch });
          report(log);
        },
        ...(batchProgress && onProgress
          ? {
              onBatchEnd: ({ epoch, batch, loss }) => {
                const rowsDone = Math.min(batch * batchSize, rows);
                const samplesPerSecond = rowsDone / ((performance.now() - epochStarted) / 1000);
                report({ type: 'batch', epoch, rowsDone, rows, loss, samplesPerSecond });
              },
            }
          : {}),
      });
      epochsBefore += phase.epochs;
    }
    const trainSeconds = (performance.now() - started) / 1000;
    const testStarted = performance.now();
    const predictions = argmaxRows(network.predict(test.x), classes);
    const testSeconds = (performance.now() - testStarted) / 1000;
    const correct = predictions.reduce((n, p, row) => n + (p === test.labels[row] ? 1 : 0), 0);
    return {
      accuracy: correct / test.labels.length,
      confusion: confusionMatrix(test.labels, predictions, classes),
      predictions,
      trainSeconds,
      testSeconds,
      epochs: epochLogs,
      backend: network.backend,
    };
  } finally {
    network.dispose();
  }
}
