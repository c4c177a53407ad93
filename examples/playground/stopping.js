// When the playground stops training by itself. Training has converged when either
// - every training and validation point has been classified correctly for PERFECT_EPOCHS epochs
//   in a row (more epochs would only sharpen a boundary that is already right), or
// - the validation loss has not gone below its best by at least MIN_IMPROVEMENT (a fraction of
//   the best) for PATIENCE epochs: the network has stopped getting better on unseen points, or
//   has begun to overfit the training points;
// and it stops at the epoch limit when the user has set one.

import { formatNumber } from './format.js';

export const PERFECT_EPOCHS = 100;
export const PATIENCE = 200;
export const MIN_IMPROVEMENT = 0.01;

/** The stop at the epoch limit, where the pace has one and `epoch` epochs have been trained; else null. */
export function epochLimit(epoch, { maxEpochs }) {
  return maxEpochs !== null && epoch >= maxEpochs
    ? { reason: 'epochLimit', message: `reached the limit of ${maxEpochs} epochs.` }
    : null;
}

/**
 * A watcher fed the record { epoch, accuracy, valAccuracy, valLoss } of every whole epoch and
 * the pace settings { stopAtConvergence, maxEpochs } in force; check answers why training
 * should stop now ({ reason: 'converged' | 'epochLimit', message }) or null. It counts epochs
 * from the one it is created at.
 */
export function stoppingRule(startEpoch) {
  let perfectSince = null;
  let best = { valLoss: Infinity, epoch: startEpoch };
  return {
    check({ epoch, accuracy, valAccuracy, valLoss }, pace) {
      const limit = epochLimit(epoch, pace);
      if (limit) return limit;
      perfectSince = accuracy === 1 && valAccuracy === 1 ? (perfectSince ?? epoch) : null;
      if (valLoss < best.valLoss * (1 - MIN_IMPROVEMENT)) best = { valLoss, epoch };
      if (!pace.stopAtConvergence) return null;
      if (perfectSince !== null && epoch - perfectSince + 1 >= PERFECT_EPOCHS) {
        return {
          reason: 'converged',
          message: `converged: every training and validation point classified correctly for ${PERFECT_EPOCHS} epochs.`,
        };
      }
      if (epoch - best.epoch >= PATIENCE) {
        return {
          reason: 'converged',
          message: `converged: the validation loss has not improved by ${MIN_IMPROVEMENT * 100} % on its best ` +
            `(${formatNumber(best.valLoss)} at epoch ${best.epoch}) for ${PATIENCE} epochs.`,
        };
      }
      return null;
    },
  };
}
