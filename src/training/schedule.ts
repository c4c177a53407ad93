// Learning-rate schedules: their options, how the kernels are told them, and the
// reduce-on-plateau rule, which depends on epoch results and so runs here between
// epochs. The per-step and per-epoch formulas run in wasm (assembly/schedule.ts);
// src/reference/schedule.ts states them in float64.

import { SCHEDULE_CONSTANT, SCHEDULE_COSINE, SCHEDULE_EXPONENTIAL, SCHEDULE_STEP } from '../abi.js';
import { SimdnetError } from '../errors.js';
import { boolean, choice, finite, integer, orDefault, plainObject } from '../validate.js';
import { type EpochValues, improves, type Monitor, MONITORS } from './monitor.js';

/** The rate times `factor` every `every` epochs (PyTorch's StepLR). */
export interface StepSchedule {
  type: 'step';
  /** Epochs between two changes. */
  every: number;
  /** What each change multiplies the rate by (default 0.1). */
  factor?: number;
}
/** The rate times decayRate^(step / decaySteps), step by step (Keras's ExponentialDecay). */
export interface ExponentialSchedule {
  type: 'exponential';
  decaySteps: number;
  decayRate: number;
  /** Decay by whole periods: decayRate^⌊step / decaySteps⌋ (default false). */
  staircase?: boolean;
}
/**
 * Cosine decay (Loshchilov & Hutter's SGDR without restarts, Keras's CosineDecay) from the rate
 * to alpha × the rate over decaySteps steps, after an optional linear warmup from rate/warmupSteps
 * up to the rate over the first warmupSteps steps.
 */
export interface CosineSchedule {
  type: 'cosine';
  decaySteps: number;
  /** The final rate as a fraction of the initial one, in [0, 1] (default 0). */
  alpha?: number;
  /** Steps of linear warmup before the decay starts (default 0). */
  warmupSteps?: number;
}
/** The rate times factor once the monitored value stops improving (Keras's ReduceLROnPlateau). */
export interface ReduceOnPlateauSchedule {
  type: 'reduceOnPlateau';
  /** Default 'valLoss', which needs validation rows. */
  monitor?: Monitor;
  /** In (0, 1) (default 0.1). */
  factor?: number;
  /** Epochs without improvement before the rate is reduced (default 10). */
  patience?: number;
  /** How much a value must beat the best so far to count as an improvement (default 1e-4). */
  minDelta?: number;
  /** Epochs after a reduction during which no improvement is awaited (default 0). */
  cooldown?: number;
  /** The rate never goes below it (default 0). */
  minLearningRate?: number;
}
export type LearningRateSchedule = StepSchedule | ExponentialSchedule | CosineSchedule | ReduceOnPlateauSchedule;

/** A schedule with every setting resolved. */
export type ScheduleSpec = Required<LearningRateSchedule>;
export type PlateauSpec = Required<ReduceOnPlateauSchedule>;

const KEYS: Record<LearningRateSchedule['type'], readonly string[]> = {
  step: ['type', 'every', 'factor'],
  exponential: ['type', 'decaySteps', 'decayRate', 'staircase'],
  cosine: ['type', 'decaySteps', 'alpha', 'warmupSteps'],
  reduceOnPlateau: ['type', 'monitor', 'factor', 'patience', 'minDelta', 'cooldown', 'minLearningRate'],
};
const TYPES = Object.keys(KEYS) as LearningRateSchedule['type'][];
const ALL_KEYS = [...new Set(Object.values(KEYS).flat())];
const MAX_INT = 2 ** 31 - 1;

export function parseSchedule(value: unknown): ScheduleSpec | undefined {
  if (value === undefined) return undefined;
  const path = 'learningRateSchedule';
  const type = choice(plainObject(value, path, ALL_KEYS).type, `${path}.type`, TYPES);
  const o = plainObject(value, `${path} (${type})`, KEYS[type]);
  const count = (key: string, min: number, fallback?: number): number => {
    const check = (v: unknown): number => integer(v, `${path}.${key}`, min, MAX_INT);
    return fallback === undefined ? check(o[key]) : orDefault(o[key], fallback, check);
  };
  // Factors reach the kernels as float32, so their float32 values are what is checked.
  const number = (key: string, fallback: number | undefined, bounds: Parameters<typeof finite>[2]): number => {
    const check = (v: unknown): number => finite(v, `${path}.${key}`, { ...bounds, float32: true });
    return fallback === undefined ? check(o[key]) : orDefault(o[key], fallback, check);
  };
  const positive = { min: 0, openMin: true };
  switch (type) {
    case 'step':
      return { type, every: count('every', 1), factor: number('factor', 0.1, positive) };
    case 'exponential':
      return {
        type, decaySteps: count('decaySteps', 1), decayRate: number('decayRate', undefined, positive),
        staircase: orDefault(o.staircase, false, (v) => boolean(v, `${path}.staircase`)),
      };
    case 'cosine':
      return {
        type, decaySteps: count('decaySteps', 1), alpha: number('alpha', 0, { min: 0, max: 1 }),
        warmupSteps: count('warmupSteps', 0, 0),
      };
    case 'reduceOnPlateau':
      return {
        type,
        monitor: orDefault(o.monitor, 'valLoss' as Monitor, (v) => choice(v, `${path}.monitor`, MONITORS)),
        factor: number('factor', 0.1, { min: 0, max: 1, openMin: true, openMax: true }),
        patience: count('patience', 0, 10),
        minDelta: orDefault(o.minDelta, 1e-4, (v) => finite(v, `${path}.minDelta`, { min: 0 })),
        cooldown: count('cooldown', 0, 0),
        minLearningRate: number('minLearningRate', 0, { min: 0 }),
      };
  }
}

/** What the kernels are told of a schedule (the run record's SCHEDULE fields); reduceOnPlateau's rate is constant within an epoch. */
export function kernelSchedule(s: ScheduleSpec | undefined): { id: number; period: number; factor: number; warmup: number; staircase: boolean } {
  const none = { id: SCHEDULE_CONSTANT, period: 1, factor: 1, warmup: 0, staircase: false };
  switch (s?.type) {
    case 'step': return { ...none, id: SCHEDULE_STEP, period: s.every, factor: s.factor };
    case 'exponential': return { ...none, id: SCHEDULE_EXPONENTIAL, period: s.decaySteps, factor: s.decayRate, staircase: s.staircase };
    case 'cosine': return { ...none, id: SCHEDULE_COSINE, period: s.decaySteps, factor: s.alpha, warmup: s.warmupSteps };
    default: return none;
  }
}

/**
 * Refuses a schedule whose rate would stop being a finite float32 within this fit: the step and
 * exponential schedules with a factor above 1 grow without bound (the others never exceed the
 * initial rate). lastStep and lastEpoch index the fit's last step and epoch over the fits it continues.
 */
export function checkScheduleFinite(s: ScheduleSpec | undefined, learningRate: number, lastStep: number, lastEpoch: number): void {
  if (s?.type !== 'step' && s?.type !== 'exponential') return;
  const growth = s.type === 'step' ? Math.fround(s.factor) ** Math.floor(lastEpoch / s.every)
    : Math.fround(s.decayRate) ** (s.staircase ? Math.floor(lastStep / s.decaySteps) : lastStep / s.decaySteps);
  const rate = Math.fround(Math.fround(learningRate) * growth);
  if (!Number.isFinite(rate)) {
    const when = s.type === 'step' ? `epoch ${lastEpoch + 1}` : `step ${lastStep + 1}`;
    throw new SimdnetError(
      `learningRateSchedule (${s.type}) would raise the learning rate to ${rate} by ${when} of this fit, beyond float32's range; ` +
        `use a smaller ${s.type === 'step' ? 'factor' : 'decayRate'} or fewer epochs`,
    );
  }
}

/** Where a reduceOnPlateau schedule stands: the rate and Keras's counters. */
export interface PlateauState {
  rate: number;
  best: number | undefined;
  wait: number;
  cooldown: number;
}

/** Where a plateau starts: at the optimizer's rate (as float32, the kernels' precision). */
export const plateauStart = (learningRate: number): PlateauState => ({ rate: Math.fround(learningRate), best: undefined, wait: 0, cooldown: 0 });

/** Advances the state by one epoch's values, as Keras's ReduceLROnPlateau.on_epoch_end does. */
export function plateauEpoch(s: PlateauSpec, state: PlateauState, values: EpochValues): void {
  const value = values[s.monitor]!;
  if (state.cooldown > 0) {
    state.cooldown--;
    state.wait = 0;
  }
  if (improves(s.monitor, s.minDelta, value, state.best)) {
    state.best = value;
    state.wait = 0;
  } else if (state.cooldown === 0 && ++state.wait >= s.patience && state.rate > Math.fround(s.minLearningRate)) {
    state.rate = Math.max(Math.fround(state.rate * s.factor), Math.fround(s.minLearningRate));
    state.cooldown = s.cooldown;
    state.wait = 0;
  }
}
