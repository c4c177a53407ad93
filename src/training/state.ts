// What one fit leaves for the next to continue, and when the next may: the
// optimizer's state (in the arena), its step count, the epochs trained (the
// schedules' counters) and the plateau's position.

import { type FitPlan, OPTIMIZER_KEYS, type OptimizerName } from '../fit-options.js';
import { type PlateauState, plateauStart } from './schedule.js';

/** Parameter-sized states each optimizer keeps: momentum's velocity, Adam's two moments, RMSprop's and Adagrad's squares. */
export const OPTIMIZER_STATES: Record<OptimizerName, number> = { sgd: 0, momentum: 1, adam: 2, adamw: 2, rmsprop: 1, adagrad: 1 };

export interface TrainingState {
  /** The settings it was reached under (trainingKey). */
  key: string;
  /** Optimizer steps taken. */
  step: number;
  /** Epochs completed. */
  epochs: number;
  plateau: PlateauState | null;
}

/**
 * What must match for a fit to continue the previous fit's state: the optimizer's settings but
 * the learning rate (lowering it between fits is a hand-made schedule), and the schedule's, which
 * with a schedule include the learning rate it starts from.
 */
export function trainingKey(plan: FitPlan): string {
  const o = plan.optimizer;
  const settings = OPTIMIZER_KEYS[o.type].filter((k) => plan.schedule || k !== 'learningRate').map((k) => o[k]);
  return JSON.stringify([settings, plan.schedule ?? null]);
}

/** The state of a fresh start under the plan's settings (the optimizer states are to be reset too). */
export function freshState(plan: FitPlan): TrainingState {
  const plateau = plan.schedule?.type === 'reduceOnPlateau' ? plateauStart(plan.optimizer.learningRate) : null;
  return { key: trainingKey(plan), step: 0, epochs: 0, plateau };
}
