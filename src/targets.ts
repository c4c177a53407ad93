// What each loss accepts as targets. Checked once, on y as staged in float32 (the values the
// kernels will read), before fit, evaluate or a gradient uses them.

import type { Loss } from './config.js';
import { cellName, type MatrixInput, rowName } from './data.js';
import { SimdnetError } from './errors.js';
import { shortestFloat32 } from './serialization.js';

/** How far a categorical target row's sum may be from 1 (soft labels rounded to float32 pass). */
const ROW_SUM_TOLERANCE = 1e-3;

/**
 * Checks the targets y (its rows first… first + rows − 1, all by default) staged at
 * values[offset…] against the loss: binary cross-entropy needs every target in [0, 1]; categorical cross-entropy needs every row to be a distribution
 * (targets in [0, 1] summing to 1 within ROW_SUM_TOLERANCE: one-hot or soft labels).
 * Squared error takes any finite target.
 */
export function checkTargets(
  values: Float32Array, offset: number, y: MatrixInput, loss: Loss, first = 0, rows = y.rows,
): void {
  if (loss === 'squaredError') return;
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
