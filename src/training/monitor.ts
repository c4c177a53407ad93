// The per-epoch quantities that early stopping and the reduce-on-plateau schedule
// watch, and when a new value counts as an improvement (Keras's rule).

import { SimdnetError } from '../errors.js';

/** What an epoch reports that early stopping or reduceOnPlateau may watch. */
export type Monitor = 'valLoss' | 'loss' | 'valAccuracy' | 'accuracy';
export const MONITORS: readonly Monitor[] = ['valLoss', 'loss', 'valAccuracy', 'accuracy'];

/** The values an epoch reports, by monitor name (undefined where the fit has none). */
export type EpochValues = Partial<Record<Monitor, number>>;

/**
 * Whether value improves on best (the first value always does): a loss by falling below
 * best − minDelta, an accuracy by rising above best + minDelta.
 */
export function improves(monitor: Monitor, minDelta: number, value: number, best: number | undefined): boolean {
  if (best === undefined) return true;
  return monitor === 'loss' || monitor === 'valLoss' ? value < best - minDelta : value > best + minDelta;
}

/** Refuses a monitor this fit will not report: validation values without validation rows, accuracy without classification outputs. */
export function checkMonitor(monitor: Monitor, path: string, fit: { validation: boolean; accuracy: boolean }): void {
  if (monitor.startsWith('val') && !fit.validation) {
    throw new SimdnetError(`${path} '${monitor}' needs validation rows: give validationSplit or validationData, or monitor 'loss'`);
  }
  if (monitor.endsWith('ccuracy') && !fit.accuracy) {
    throw new SimdnetError(
      `${path} '${monitor}' needs classification outputs (softmax, categorical or binary cross-entropy, or one sigmoid unit); monitor a loss instead`,
    );
  }
}
