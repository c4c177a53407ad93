// What the digits and MNIST demos share: one-hot targets, and training a softmax
// classifier that reports its progress and ends with test accuracy and a confusion matrix.

import { argmaxRows, LabelEncoder, metrics, Network } from '../../index.js';

/** Rows of a flat row-major matrix and their class labels. */
export interface LabelledRows {
  x: Float32Array;
  labels: ArrayLike<number>;
}

/** One adam phase: a number of epochs at one learning rate. */
export interface Phase {
  epochs: number;
  learningRate: number;
}

export interface ClassifierSettings {
  /** Units of each relu hidden layer. */
  hidden: number[];
  /** Each hidden layer's dropout rate (0: none). */
  dropout: number;
  seed: number;
  batchSize: number;
  l2: number;
  /** Run one after another; a short last phase at a lower rate settles the weights. */
  phases: Phase[];
}

/** What onProgress hears: after each batch (when batchProgress is set) and after each epoch. */
export type ClassifierProgress =
  | { type: 'batch'; epoch: number; epochs: number; rowsDone: number; rows: number; loss: number; samplesPerSecond: number }
  | { type: 'epoch'; epoch: number; epochs: number; loss: number; accuracy: number; seconds: number; samplesPerSecond: number };

export interface ClassifierResult {
  /** Fraction of the test rows classified right. */
  accuracy: number;
  /** confusion[actual][predicted]: test rows of class `actual` predicted as `predicted`. */
  confusion: number[][];
  predictions: Int32Array;
  trainSeconds: number;
  testSeconds: number;
  epochs: Extract<ClassifierProgress, { type: 'epoch' }>[];
  backend: string;
}

/** Trains a softmax classifier on train and scores it on test. */
export async function trainClassifier(
  train: LabelledRows,
  test: LabelledRows,
  options: ClassifierSettings & {
    inputs: number;
    classes: number;
    onProgress?: (progress: ClassifierProgress) => void;
    batchProgress?: boolean;
  },
): Promise<ClassifierResult> {
  const { inputs, classes, hidden, dropout, seed, batchSize, l2, phases, onProgress, batchProgress = false } = options;
  const network = await Network.create({
    inputs,
    layers: [...hidden.map((units) => ({ units, activation: 'relu' as const, ...(dropout > 0 ? { dropout } : {}) })), { units: classes, activation: 'softmax' }],
    loss: 'categoricalCrossentropy',
    seed,
  });
  try {
    const rows = train.labels.length;
    const epochs = phases.reduce((sum, phase) => sum + phase.epochs, 0);
    const y = new LabelEncoder(Array.from({ length: classes }, (_, k) => k)).oneHot(train.labels);
    const epochLogs: ClassifierResult['epochs'] = [];
    const started = performance.now();
    let epochStarted = started;
    let epochsBefore = 0;
    for (const phase of phases) {
      await network.fit(train.x, y, {
        epochs: phase.epochs,
        batchSize,
        l2,
        optimizer: { type: 'adam', learningRate: phase.learningRate },
        onEpochEnd: ({ epoch, loss, accuracy }) => {
          const now = performance.now();
          const seconds = (now - epochStarted) / 1000;
          epochStarted = now;
          const log = { type: 'epoch', epoch: epochsBefore + epoch, epochs, loss, accuracy: accuracy!, seconds, samplesPerSecond: rows / seconds } as const;
          epochLogs.push(log);
          onProgress?.(log);
        },
        ...(batchProgress && onProgress
          ? {
              onBatchEnd: ({ epoch, batch, loss }) => {
                const rowsDone = Math.min(batch * batchSize, rows);
                const samplesPerSecond = rowsDone / ((performance.now() - epochStarted) / 1000);
                onProgress({ type: 'batch', epoch: epochsBefore + epoch, epochs, rowsDone, rows, loss, samplesPerSecond });
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
    return {
      accuracy: metrics.accuracy(test.labels, predictions),
      confusion: metrics.confusionMatrix(test.labels, predictions, classes),
      predictions, trainSeconds, testSeconds, epochs: epochLogs, backend: network.backend,
    };
  } finally {
    network.dispose();
  }
}
