// Scores of predictions against targets: the classification metrics over class indices
// (accuracy, per-class and macro precision, recall and F1, the confusion matrix) and the
// regression metrics over values (mean squared and absolute error, R²). Plain float64 loops over
// what the network predicted (argmaxRows turns rows of outputs into class indices); evaluate's
// `metrics` option and Model's scores use them.

import { describe, SimdnetError } from './errors.js';

/** A score per class (by class index) and their unweighted mean over the classes. */
export interface ClassScores {
  perClass: number[];
  macro: number;
}

/** The fraction of rows whose predicted class is the actual one. */
export function accuracy(actual: ArrayLike<number>, predicted: ArrayLike<number>): number {
  checkLabels(actual, predicted);
  let correct = 0;
  for (let r = 0; r < actual.length; r++) if (actual[r] === predicted[r]) correct++;
  return correct / actual.length;
}

/** counts[i][j]: the rows of actual class i predicted as class j, for classes 0 … classes − 1. */
export function confusionMatrix(actual: ArrayLike<number>, predicted: ArrayLike<number>, classes: number): number[][] {
  checkLabels(actual, predicted, classes);
  const counts = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  for (let r = 0; r < actual.length; r++) counts[actual[r]!]![predicted[r]!]!++;
  return counts;
}

/**
 * Per class, the fraction of the rows predicted as it that are of it: TP / (TP + FP), 0 for a class
 * never predicted (scikit-learn's zero_division=0). Macro: the mean over the classes.
 */
export function precision(actual: ArrayLike<number>, predicted: ArrayLike<number>, classes: number): ClassScores {
  return scores(confusionMatrix(actual, predicted, classes), (tp, predictedAs) => ratio(tp, predictedAs));
}

/** Per class, the fraction of its rows predicted as it: TP / (TP + FN), 0 for a class with no rows. */
export function recall(actual: ArrayLike<number>, predicted: ArrayLike<number>, classes: number): ClassScores {
  return scores(confusionMatrix(actual, predicted, classes), (tp, _, ofClass) => ratio(tp, ofClass));
}

/** Per class, the harmonic mean of precision and recall: 2TP / (2TP + FP + FN), 0 when both are 0. */
export function f1(actual: ArrayLike<number>, predicted: ArrayLike<number>, classes: number): ClassScores {
  return scores(confusionMatrix(actual, predicted, classes), (tp, predictedAs, ofClass) => ratio(2 * tp, predictedAs + ofClass));
}

/** The mean over every value of (predicted − actual)². */
export function meanSquaredError(actual: ArrayLike<number>, predicted: ArrayLike<number>): number {
  checkValues(actual, predicted);
  let sum = 0;
  for (let i = 0; i < actual.length; i++) sum += (predicted[i]! - actual[i]!) ** 2;
  return sum / actual.length;
}

/** The mean over every value of |predicted − actual|. */
export function meanAbsoluteError(actual: ArrayLike<number>, predicted: ArrayLike<number>): number {
  checkValues(actual, predicted);
  let sum = 0;
  for (let i = 0; i < actual.length; i++) sum += Math.abs(predicted[i]! - actual[i]!);
  return sum / actual.length;
}

/**
 * The coefficient of determination 1 − Σ(predicted − actual)² / Σ(actual − mean)² of each of
 * `width` columns (values row-major), averaged over the columns (scikit-learn's
 * 'uniform_average'); NaN when a column's actual values are all equal.
 */
export function r2(actual: ArrayLike<number>, predicted: ArrayLike<number>, width = 1): number {
  checkValues(actual, predicted);
  if (!(Number.isInteger(width) && width >= 1 && actual.length % width === 0)) {
    throw new SimdnetError(`r2: width must be a whole number that divides the ${actual.length} values, got ${describe(width)}`);
  }
  const rows = actual.length / width;
  let total = 0;
  for (let j = 0; j < width; j++) {
    let mean = 0;
    for (let r = 0; r < rows; r++) mean += actual[r * width + j]!;
    mean /= rows;
    let residual = 0;
    let spread = 0;
    for (let r = 0; r < rows; r++) {
      const v = actual[r * width + j]!;
      residual += (predicted[r * width + j]! - v) ** 2;
      spread += (v - mean) ** 2;
    }
    total += spread > 0 ? 1 - residual / spread : NaN;
  }
  return total / width;
}

// Per class i of the confusion matrix, score(true positives, rows predicted as i, rows of class i).
function scores(counts: number[][], score: (tp: number, predictedAs: number, ofClass: number) => number): ClassScores {
  const perClass = counts.map((row, i) => {
    let predictedAs = 0;
    for (const r of counts) predictedAs += r[i]!;
    const ofClass = row.reduce((s, v) => s + v, 0);
    return score(row[i]!, predictedAs, ofClass);
  });
  return { perClass, macro: perClass.reduce((s, v) => s + v, 0) / perClass.length };
}

const ratio = (a: number, b: number): number => (b === 0 ? 0 : a / b);

function checkLabels(actual: ArrayLike<number>, predicted: ArrayLike<number>, classes?: number): void {
  checkValues(actual, predicted);
  if (classes !== undefined && !(Number.isInteger(classes) && classes >= 1)) {
    throw new SimdnetError(`classes must be a whole number ≥ 1, got ${describe(classes)}`);
  }
  for (const [name, labels] of [['actual', actual], ['predicted', predicted]] as const) {
    for (let r = 0; r < labels.length; r++) {
      const c = labels[r]!;
      if (!(Number.isInteger(c) && c >= 0 && (classes === undefined || c < classes))) {
        const range = classes === undefined ? 'a whole number ≥ 0' : `a whole number from 0 to ${classes - 1}`;
        throw new SimdnetError(`${name}[${r}] is ${describe(c)}; a class index must be ${range}`);
      }
    }
  }
}

function checkValues(actual: ArrayLike<number>, predicted: ArrayLike<number>): void {
  for (const [name, values] of [['actual', actual], ['predicted', predicted]] as const) {
    if (values === null || typeof values !== 'object' || typeof values.length !== 'number') {
      throw new SimdnetError(`${name} must be an array of numbers, got ${describe(values)}`);
    }
  }
  if (actual.length === 0) throw new SimdnetError('actual is empty: it needs at least one value');
  if (actual.length !== predicted.length) {
    throw new SimdnetError(`actual has ${actual.length} values but predicted has ${predicted.length}; they must match`);
  }
}
