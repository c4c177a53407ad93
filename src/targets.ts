// What each loss accepts as targets. Checked once, on y as staged in float32 (the values the
// kernels will read), before fit, evaluate or a gradient uses them.

import { type Loss, takesClassIndices } from './config.js';
import { cellName, type MatrixInput, readClassIndices, readMatrix, rowName } from './data.js';
import { SimdnetError } from './errors.js';
import { shortestFloat32 } from './serialization.js';

/** How far a categorical target row's sum may be from 1 (soft labels rounded to float32 pass). */
const ROW_SUM_TOLERANCE = 1e-3;

/**
 * Reads the targets y (named yName) of x's rows for a network with `outputs` units and this loss:
 * rows of the output's width, or one class index per row for the sparse loss. Targets of the
 * other kind get an error that names the loss that takes them.
 */
export function readTargets(y: unknown, yName: string, x: MatrixInput, xName: string, outputs: number, loss: Loss): MatrixInput {
  if (takesClassIndices(loss)) {
    const ys = readClassIndices(y, yName);
    if (ys.rows === x.rows * outputs) {
      throw new SimdnetError(
        `${yName} has ${ys.rows} values, ${outputs} for each of ${x.rows} rows of ${xName}, but loss '${loss}' takes one ` +
          "class index per row; for one-hot rows use loss 'categoricalCrossentropy'",
      );
    }
    return matchRows(x, xName, ys, yName);
  }
  if (y instanceof Int32Array || y instanceof Uint8Array) {
    throw new SimdnetError(
      `${yName} is an ${y.constructor.name}, which holds class indices for loss 'sparseCategoricalCrossentropy'; ` +
        `loss '${loss}' takes rows of ${outputs} targets as number[][], a flat number[], a Float32Array or a Float64Array`,
    );
  }
  if (outputs > 1 && isFlatArray(y) && (y as ArrayLike<unknown>).length === x.rows) {
    throw new SimdnetError(
      `${yName} has ${x.rows} values, one for each row of ${xName}: class indices need loss 'sparseCategoricalCrossentropy'; ` +
        `loss '${loss}' takes rows of ${outputs} targets (the output layer's units)`,
    );
  }
  return matchRows(x, xName, readMatrix(y, yName, outputs, "the output layer's units"), yName);
}

function isFlatArray(value: unknown): boolean {
  return (Array.isArray(value) && !Array.isArray(value[0])) || value instanceof Float32Array || value instanceof Float64Array;
}

function matchRows(x: MatrixInput, xName: string, y: MatrixInput, yName: string): MatrixInput {
  if (x.rows !== y.rows) throw new SimdnetError(`${xName} has ${x.rows} rows but ${yName} has ${y.rows}; they must match`);
  return y;
}

/**
 * Checks the targets y (its rows first… first + rows − 1, all by default) staged at
 * values[offset…] against the loss: binary cross-entropy needs every target in [0, 1];
 * categorical cross-entropy needs every row to be a distribution (targets in [0, 1] summing to 1
 * within ROW_SUM_TOLERANCE: one-hot or soft labels); the sparse loss needs whole numbers from 0 to
 * classes − 1. The other losses take any finite target.
 */
export function checkTargets(
  values: Float32Array, offset: number, y: MatrixInput, loss: Loss, classes: number, first = 0, rows = y.rows,
): void {
  if (takesClassIndices(loss)) {
    for (let r = first; r < first + rows; r++) {
      const v = values[offset + r - first]!;
      if (!(Number.isInteger(v) && v >= 0 && v < classes)) {
        throw new SimdnetError(
          `${cellName(y, r)} is ${shortestFloat32(v)}; with loss '${loss}' every target is a class index, a whole number from 0 to ${classes - 1}`,
        );
      }
    }
    return;
  }
  if (loss !== 'binaryCrossentropy' && loss !== 'categoricalCrossentropy') return;
  for (let r = first; r < first + rows; r++) {
    let sum = 0;
    for (let j = 0; j < y.width; j++) {
      const k = r * y.width + j;
      const v = values[offset + k - first * y.width]!;
      if (!(v >= 0 && v <= 1)) {
        throw new SimdnetError(`${cellName(y, k)} is ${shortestFloat32(v)}; with loss '${loss}' every target must be in [0, 1]`);
      }
      sum += v;
    }
    if (loss === 'categoricalCrossentropy' && Math.abs(sum - 1) > ROW_SUM_TOLERANCE) {
      throw new SimdnetError(
        `${rowName(y, r)} sums to ${Number(sum.toPrecision(6))}; with loss 'categoricalCrossentropy' each target row ` +
          `must sum to 1 (one-hot or soft labels, within ${ROW_SUM_TOLERANCE})`,
      );
    }
  }
}

/**
 * The class of each of `rows` rows of `width` values at values[from…]: the value itself for class
 * indices, ≥ 0.5 (class 1) or not (class 0) for a single column, else the first arg-max (NaN never
 * wins).
 */
export function rowClasses(
  values: ArrayLike<number>, rows: number, width: number, classIndices = false, from = 0,
): Int32Array {
  const classes = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    const at = from + r * width;
    if (classIndices) {
      classes[r] = values[at]!;
    } else if (width === 1) {
      classes[r] = values[at]! >= 0.5 ? 1 : 0;
    } else {
      let best = 0;
      for (let j = 1; j < width; j++) {
        const v = values[at + j]!;
        const top = values[at + best]!;
        if (v > top || top !== top) best = j;
      }
      classes[r] = best;
    }
  }
  return classes;
}
