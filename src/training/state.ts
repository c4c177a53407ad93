// What one fit leaves for the next to continue, and when the next may: the
// optimizer's state (in the arena), its step count, the epochs trained (the
// schedules' counters) and the plateau's position.

import { type FitPlan, OPTIMIZER_KEYS, type OptimizerName, type OptimizerSpec } from '../fit-options.js';
import { type PlateauState, plateauStart, type ScheduleSpec } from './schedule.js';

/** Parameter-sized states each optimizer keeps: momentum's velocity, Adam's two moments, RMSprop's and Adagrad's squares. */
export const OPTIMIZER_STATES: Record<OptimizerName, number> = { sgd: 0, momentum: 1, adam: 2, adamw: 2, rmsprop: 1, adagrad: 1 };

export interface TrainingState {
  /** The settings it was reached under. */
  optimizer: OptimizerSpec;
  schedule: ScheduleSpec | undefined;
  /** Optimizer steps taken. */
  step: number;
  /** Epochs completed. */
  epochs: number;
  plateau: PlateauState | null;
}

/** The state of a fresh start under the plan's settings (the optimizer states are to be reset too). */
export function freshState(plan: FitPlan): TrainingState {
  const plateau = plan.schedule?.type === 'reduceOnPlateau' ? plateauStart(plan.optimizer.learningRate) : null;
  return { optimizer: plan.optimizer, schedule: plan.schedule, step: 0, epochs: 0, plateau };
}

/**
 * Whether a fit under the plan continues the state: the same optimizer settings but the learning
 * rate (lowering it between fits is a hand-made schedule), and the same schedule, which with a
 * schedule includes the learning rate it starts from.
 */
export function continues(state: TrainingState | null, plan: FitPlan): state is TrainingState {
  if (!state) return false;
  const [was, is] = [state.optimizer, plan.optimizer];
  if (was.type !== is.type || !sameSchedule(state.schedule, plan.schedule)) return false;
  return OPTIMIZER_KEYS[is.type].every((key) => was[key] === is[key] || (key === 'learningRate' && !plan.schedule));
}

function sameSchedule(was: ScheduleSpec | undefined, is: ScheduleSpec | undefined): boolean {
  if (!was || !is) return was === is;
  const [a, b] = [was as Record<string, unknown>, is as Record<string, unknown>];
  return Object.keys(a).every((key) => a[key] === b[key]);
}
