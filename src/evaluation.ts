// What evaluate reports beside the loss: the metrics its options name, computed by the metrics
// module over the network's outputs and the targets as staged.

import { ACC_BINARY, ACC_NONE } from './abi.js';
import { accuracyMode, type NetworkSpec, takesClassIndices } from './config.js';
import { SimdnetError } from './errors.js';
import {
  type ClassScores, confusionMatrix, f1, meanAbsoluteError, meanSquaredError, precision, r2, recall,
} from './metrics.js';
import { rowClasses } from './targets.js';
import { choice, plainObject } from './validate.js';

const CLASSIFICATION_METRICS = ['accuracy', 'precision', 'recall', 'f1', 'confusionMatrix'] as const;
const REGRESSION_METRICS = ['mse', 'mae', 'r2'] as const;
export const METRICS = [...CLASSIFICATION_METRICS, ...REGRESSION_METRICS] as const;
export type Metric = (typeof METRICS)[number];

export interface EvaluateOptions {
  /** Metrics to report beside the loss (and the accuracy of a classifier). */
  metrics?: readonly Metric[];
}

/** evaluate's answer: the mean loss, the accuracy of a classifier, and the metrics asked for. */
export interface Evaluation {
  /** Mean loss over the rows, without the L1 and L2 terms. */
  loss: number;
  /** The fraction of rows (units, for binary cross-entropy or one sigmoid unit) classified right. */
  accuracy?: number;
  precision?: ClassScores;
  recall?: ClassScores;
  f1?: ClassScores;
  /** confusionMatrix[i][j]: rows of class i predicted as class j. */
  confusionMatrix?: number[][];
  /** The mean over every output of (output − target)². */
  mse?: number;
  /** The mean over every output of |output − target|. */
  mae?: number;
  /** R² of each output column, averaged over the columns. */
  r2?: number;
}

/** The metrics evaluate's options ask for, checked against what the network can report. */
export function parseEvaluateOptions(options: unknown, spec: NetworkSpec): Metric[] {
  const o = plainObject(options ?? {}, 'evaluate options', ['metrics']);
  if (o.metrics === undefined) return [];
  if (!Array.isArray(o.metrics)) {
    throw new SimdnetError(`evaluate options.metrics must be an array of metric names, e.g. ['precision', 'recall']`);
  }
  const metrics = o.metrics.map((m: unknown, i: number) => choice(m, `evaluate options.metrics[${i}]`, METRICS));
  for (const metric of metrics) {
    if ((CLASSIFICATION_METRICS as readonly string[]).includes(metric)) {
      const why = classesUnavailable(spec);
      if (why) throw new SimdnetError(`evaluate metric '${metric}' needs a classifier, and ${why}`);
    } else if (takesClassIndices(spec.loss)) {
      throw new SimdnetError(
        `evaluate metric '${metric}' compares outputs with targets of the output's width; loss '${spec.loss}' takes class ` +
          "indices: use 'accuracy', 'precision', 'recall', 'f1' or 'confusionMatrix'",
      );
    }
  }
  return metrics;
}

// Why the network's outputs do not name one class per row, or undefined when they do.
function classesUnavailable(spec: NetworkSpec): string | undefined {
  const mode = accuracyMode(spec);
  const units = spec.layers.at(-1)!.units;
  if (mode === ACC_NONE) return `this network's outputs (${spec.layers.at(-1)!.activation}, loss '${spec.loss}') are not classes`;
  if (mode === ACC_BINARY && units > 1) return `this network's ${units} sigmoid units are independent labels, not one class per row`;
  return undefined;
}

/**
 * The metrics for rows of outputs (the output's units a row) against the targets as staged (the
 * target width a row), the accuracy excepted: the kernels count it with the loss.
 */
export function scoreOutputs(
  metrics: readonly Metric[], spec: NetworkSpec, outputs: Float32Array, targets: Float32Array, rows: number,
): Omit<Evaluation, 'loss' | 'accuracy'> {
  const units = spec.layers.at(-1)!.units;
  const result: Omit<Evaluation, 'loss' | 'accuracy'> = {};
  const sparse = takesClassIndices(spec.loss);
  const classes = units === 1 ? 2 : units;
  let labels: { actual: Int32Array; predicted: Int32Array } | undefined;
  for (const metric of metrics) {
    if (metric === 'accuracy') continue;
    if (metric === 'mse') result.mse = meanSquaredError(targets, outputs);
    else if (metric === 'mae') result.mae = meanAbsoluteError(targets, outputs);
    else if (metric === 'r2') result.r2 = r2(targets, outputs, units);
    else {
      labels ??= { actual: rowClasses(targets, rows, sparse ? 1 : units, sparse), predicted: rowClasses(outputs, rows, units) };
      const { actual, predicted } = labels;
      if (metric === 'confusionMatrix') result.confusionMatrix = confusionMatrix(actual, predicted, classes);
      else result[metric] = { precision, recall, f1 }[metric](actual, predicted, classes);
    }
  }
  return result;
}
