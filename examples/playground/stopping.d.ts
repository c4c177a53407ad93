// Types for stopping.js, which a test imports.

export const PERFECT_EPOCHS: number;
export const PATIENCE: number;
export const MIN_IMPROVEMENT: number;

export interface EpochRecord { epoch: number; accuracy: number; valAccuracy: number; valLoss: number }
export interface Stop { reason: 'converged' | 'epochLimit'; message: string }

export function epochLimit(epoch: number, pace: { maxEpochs: number | null }): Stop | null;
export function stoppingRule(startEpoch: number): {
  check(record: EpochRecord, pace: { stopAtConvergence: boolean; maxEpochs: number | null }): Stop | null;
};
