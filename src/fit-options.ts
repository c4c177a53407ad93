// Options of Network.fit: the types users write, and their validation into a
// complete FitPlan.

import { OPT_ADAGRAD, OPT_ADAM, OPT_ADAMW, OPT_MOMENTUM, OPT_RMSPROP, OPT_SGD } from './abi.js';
import { describe, SimdnetError } from './errors.js';
import { type EarlyStoppingOptions, type EarlyStoppingSpec, parseEarlyStopping } from './training/early-stopping.js';
import { type LearningRateSchedule, parseSchedule, type ScheduleSpec } from './training/schedule.js';
import { parseValidationSplit, type ValidationSplit, type ValidationSplitOption } from './training/validation.js';
import { boolean, choice, finite, integer, orDefault, plainObject } from './validate.js';

export const OPTIMIZER_IDS = {
  sgd: OPT_SGD, momentum: OPT_MOMENTUM, adam: OPT_ADAM, rmsprop: OPT_RMSPROP, adagrad: OPT_ADAGRAD, adamw: OPT_ADAMW,
} as const;
export type OptimizerName = keyof typeof OPTIMIZER_IDS;
const OPTIMIZERS = Object.keys(OPTIMIZER_IDS) as OptimizerName[];

export interface SgdConfig {
  type: 'sgd';
  /** Step size η (default 0.01). */
  learningRate?: number;
}
export interface MomentumConfig {
  type: 'momentum';
  /** Step size η (default 0.01). */
  learningRate?: number;
  /** Velocity decay μ in [0, 1) (default 0.9). */
  momentum?: number;
  /** Nesterov's look-ahead form (default false). */
  nesterov?: boolean;
}
export interface AdamConfig {
  type: 'adam';
  /** Step size α (default 0.001). */
  learningRate?: number;
  /** First-moment decay β1 in [0, 1) (default 0.9). */
  beta1?: number;
  /** Second-moment decay β2 in [0, 1) (default 0.999). */
  beta2?: number;
  /** ε added to √v̂ (default 1e-8). */
  epsilon?: number;
}
/** Adam with decoupled weight decay, as PyTorch's AdamW (defaults included): every trainable parameter, biases too, decays. */
export interface AdamwConfig extends Omit<AdamConfig, 'type'> {
  type: 'adamw';
  /** λ: each step multiplies every trainable parameter by 1 − η·λ before Adam's update (default 0.01). */
  weightDecay?: number;
}
/** RMSprop in Keras's form (defaults included): s ← ρs + (1 − ρ)g², θ ← θ − η·g/√(s + ε). */
export interface RmspropConfig {
  type: 'rmsprop';
  /** Step size η (default 0.001). */
  learningRate?: number;
  /** Decay ρ of the mean square, in [0, 1) (default 0.9). */
  rho?: number;
  /** ε added to s under the square root (default 1e-7). */
  epsilon?: number;
}
/** Adagrad in Keras's form (defaults included): s ← s + g², θ ← θ − η·g/√(s + ε). */
export interface AdagradConfig {
  type: 'adagrad';
  /** Step size η (default 0.001). */
  learningRate?: number;
  /** Where every parameter's sum of squares s starts, ≥ 0 (default 0.1). */
  initialAccumulatorValue?: number;
  /** ε added to s under the square root (default 1e-7). */
  epsilon?: number;
}
export type OptimizerConfig = SgdConfig | MomentumConfig | AdamConfig | AdamwConfig | RmspropConfig | AdagradConfig;

/** What onEpochEnd receives. Losses are means over rows; accuracies are fractions. */
export interface EpochLog {
  /** Epochs completed, from 1. */
  epoch: number;
  /** Mean training objective over the epoch's batches, each measured before its update (includes the L1 and L2 terms). */
  loss: number;
  /** Training accuracy over the epoch, for classification outputs. */
  accuracy?: number;
  /** Loss on the validation rows after the epoch (no L1 or L2 term). */
  valLoss?: number;
  valAccuracy?: number;
  /** The learning rate of the epoch's last step. */
  learningRate: number;
}

/** What onBatchEnd receives. */
export interface BatchLog {
  /** The epoch the batch belongs to, from 1. */
  epoch: number;
  /** The batch within its epoch, from 1. */
  batch: number;
  /** The batch's objective, measured before its update. */
  loss: number;
  /** The learning rate of its step. */
  learningRate: number;
}

/** A callback may return a promise: fit waits for it, and rejects with its error if it rejects (or throws). */
export type Callback<T> = (log: T) => unknown;

export interface FitOptions {
  /** Passes over the training rows (default 1). */
  epochs?: number;
  /** Rows per gradient step (default 32; capped at the number of training rows). */
  batchSize?: number;
  /** Visit the training rows in a new seeded order each epoch (default true). */
  shuffle?: boolean;
  /** An optimizer name (with its defaults) or its settings (default 'adam'). */
  optimizer?: OptimizerName | OptimizerConfig;
  /** How the learning rate changes from step to step or epoch to epoch (default: it stays optimizer.learningRate). */
  learningRateSchedule?: LearningRateSchedule;
  /** L2 strength λ: adds (λ/2m)·Σw² over weights, not biases (default 0). */
  l2?: number;
  /** L1 strength λ1: adds (λ1/m)·Σ|w| over weights, not biases (default 0). */
  l1?: number;
  /** Scales each batch's gradient, all parameters together, to an L2 norm of at most clipNorm (global, like PyTorch's clip_grad_norm_). */
  clipNorm?: number;
  /** Clips each element of each batch's gradient into [−clipValue, clipValue]. */
  clipValue?: number;
  /**
   * Rows held out for validation: a fraction, taken from the END of x and y (the last rows, as
   * Keras's validation_split takes them, not shuffled in: data sorted by class validate on the
   * last class alone), or `{ fraction, shuffle: true }` for a seeded random choice (default 0).
   */
  validationSplit?: ValidationSplitOption;
  /** Validation rows of their own, [x, y], instead of validationSplit. */
  validationData?: readonly [unknown, unknown];
  /**
   * A weight ≥ 0 for each row of x: row r's loss, and so its share of each gradient, is multiplied
   * by sampleWeight[r]; the batch's weighted sum is still divided by its row count (default: 1 each).
   */
  sampleWeight?: ArrayLike<number>;
  /**
   * A weight ≥ 0 per class, by class index ({ 1: 5 } or [1, 5]): multiplies the weight of every
   * training row of that class (its target's class index, arg-max, or a single unit's target ≥ 0.5).
   * Classes left out weigh 1.
   */
  classWeight?: Readonly<Record<number, number>> | readonly number[];
  /** Stop once the monitored value stops improving (Keras's EarlyStopping). */
  earlyStopping?: EarlyStoppingOptions;
  /** Called after every epoch; training waits for it (and for the promise it returns). */
  onEpochEnd?: Callback<EpochLog>;
  /** Called after every batch, awaited likewise. Costs speed: each batch then becomes its own call into wasm. */
  onBatchEnd?: Callback<BatchLog>;
  /** Stops training between chunks of batches; fit then resolves with history.stopped = 'aborted'. */
  signal?: AbortSignal;
}

/** The optimizer with every setting resolved. */
export interface OptimizerSpec {
  type: OptimizerName;
  learningRate: number;
  momentum: number;
  nesterov: boolean;
  beta1: number;
  beta2: number;
  epsilon: number;
  rho: number;
  initialAccumulatorValue: number;
  weightDecay: number;
}

/** fit's options with every setting resolved. */
export interface FitPlan {
  epochs: number;
  batchSize: number;
  shuffle: boolean;
  optimizer: OptimizerSpec;
  schedule: ScheduleSpec | undefined;
  l2: number;
  l1: number;
  clip: { type: 'none' | 'value' | 'norm'; limit: number };
  validationSplit: ValidationSplit | undefined;
  validationData: readonly [unknown, unknown] | undefined;
  /** As given; checked against the rows of x by the engine. */
  sampleWeight: unknown;
  /** Class index → weight; undefined when no classWeight was given. */
  classWeight: Map<number, number> | undefined;
  earlyStopping: EarlyStoppingSpec | undefined;
  onEpochEnd?: Callback<EpochLog>;
  onBatchEnd?: Callback<BatchLog>;
  signal?: AbortSignal;
}

/** fitDataset's options: fit's but those about cutting rows into batches, which the dataset does, and sampleWeight, which its batches carry. */
export type FitDatasetOptions = Omit<FitOptions, 'batchSize' | 'shuffle' | 'validationSplit' | 'sampleWeight'>;

const FIT_KEYS = [
  'epochs', 'batchSize', 'shuffle', 'optimizer', 'learningRateSchedule', 'l2', 'l1', 'clipNorm', 'clipValue',
  'validationSplit', 'validationData', 'sampleWeight', 'classWeight', 'earlyStopping', 'onEpochEnd', 'onBatchEnd', 'signal',
] as const;
/** Each optimizer's settings; all but learningRate must match for a fit to continue the last one's state. */
export const OPTIMIZER_KEYS: Record<OptimizerName, readonly (keyof OptimizerSpec)[]> = {
  sgd: ['type', 'learningRate'],
  momentum: ['type', 'learningRate', 'momentum', 'nesterov'],
  adam: ['type', 'learningRate', 'beta1', 'beta2', 'epsilon'],
  adamw: ['type', 'learningRate', 'beta1', 'beta2', 'epsilon', 'weightDecay'],
  rmsprop: ['type', 'learningRate', 'rho', 'epsilon'],
  adagrad: ['type', 'learningRate', 'initialAccumulatorValue', 'epsilon'],
};
const ALL_OPTIMIZER_KEYS = [...new Set(Object.values(OPTIMIZER_KEYS).flat())];
const DEFAULT_LEARNING_RATE: Record<OptimizerName, number> = {
  sgd: 0.01, momentum: 0.01, adam: 0.001, adamw: 0.001, rmsprop: 0.001, adagrad: 0.001,
};
// Keras's ε where the update is Keras's form (ε under the root); PyTorch's and TF.js's for Adam and AdamW.
const defaultEpsilon = (type: OptimizerName): number => (type === 'rmsprop' || type === 'adagrad' ? 1e-7 : 1e-8);

const NOT_FOR_DATASETS: readonly string[] = ['batchSize', 'shuffle', 'validationSplit', 'sampleWeight'];
const DATASET_KEYS = FIT_KEYS.filter((key) => !NOT_FOR_DATASETS.includes(key));

/** Validates fit's options (fitDataset's, for a dataset) and fills in their defaults. */
export function parseFitOptions(options: unknown, dataset = false): FitPlan {
  if (dataset && typeof options === 'object' && options !== null && Object.hasOwn(options, 'sampleWeight')) {
    throw new SimdnetError('fitDataset takes no sampleWeight option: each batch carries its own, as { x, y, sampleWeight }');
  }
  const o = plainObject(options ?? {}, dataset ? 'fitDataset options' : 'fit options', dataset ? DATASET_KEYS : FIT_KEYS);
  // These settings reach the kernels as float32, so their float32 values are what is checked.
  const positive = { min: 0, openMin: true, float32: true };
  const clipNorm = orDefault(o.clipNorm, 0, (v) => finite(v, 'clipNorm', positive));
  const clipValue = orDefault(o.clipValue, 0, (v) => finite(v, 'clipValue', positive));
  if (clipNorm > 0 && clipValue > 0) throw new SimdnetError('clipNorm and clipValue cannot both be given; choose one');
  const validationSplit = parseValidationSplit(o.validationSplit);
  const validationData = pair(o.validationData);
  if (validationSplit && validationData) {
    throw new SimdnetError('validationSplit and validationData cannot both be given; choose one');
  }
  return {
    epochs: orDefault(o.epochs, 1, (v) => integer(v, 'epochs', 1, 2 ** 31 - 1)),
    batchSize: orDefault(o.batchSize, 32, (v) => integer(v, 'batchSize', 1, 2 ** 31 - 1)),
    shuffle: orDefault(o.shuffle, true, (v) => boolean(v, 'shuffle')),
    optimizer: parseOptimizer(o.optimizer ?? 'adam'),
    schedule: parseSchedule(o.learningRateSchedule),
    l2: orDefault(o.l2, 0, (v) => finite(v, 'l2', { min: 0, float32: true })),
    l1: orDefault(o.l1, 0, (v) => finite(v, 'l1', { min: 0, float32: true })),
    clip: clipNorm > 0 ? { type: 'norm', limit: clipNorm } : clipValue > 0 ? { type: 'value', limit: clipValue } : { type: 'none', limit: 0 },
    validationSplit,
    validationData,
    sampleWeight: o.sampleWeight,
    classWeight: parseClassWeight(o.classWeight),
    earlyStopping: parseEarlyStopping(o.earlyStopping),
    onEpochEnd: callback(o.onEpochEnd, 'onEpochEnd'),
    onBatchEnd: callback(o.onBatchEnd, 'onBatchEnd'),
    signal: abortSignal(o.signal),
  };
}

function parseOptimizer(value: unknown): OptimizerSpec {
  const config = typeof value === 'string' ? { type: choice(value, 'optimizer', OPTIMIZERS) } : value;
  const type = choice(plainObject(config, 'optimizer', ALL_OPTIMIZER_KEYS).type, 'optimizer.type', OPTIMIZERS);
  const o = plainObject(config, `optimizer (${type})`, OPTIMIZER_KEYS[type]);
  const unit = { min: 0, max: 1, openMax: true, float32: true };
  const positive = { min: 0, openMin: true, float32: true };
  return {
    type,
    learningRate: orDefault(o.learningRate, DEFAULT_LEARNING_RATE[type], (v) => finite(v, 'optimizer.learningRate', positive)),
    momentum: orDefault(o.momentum, 0.9, (v) => finite(v, 'optimizer.momentum', unit)),
    nesterov: orDefault(o.nesterov, false, (v) => boolean(v, 'optimizer.nesterov')),
    beta1: orDefault(o.beta1, 0.9, (v) => finite(v, 'optimizer.beta1', unit)),
    beta2: orDefault(o.beta2, 0.999, (v) => finite(v, 'optimizer.beta2', unit)),
    epsilon: orDefault(o.epsilon, defaultEpsilon(type), (v) => finite(v, 'optimizer.epsilon', positive)),
    rho: orDefault(o.rho, 0.9, (v) => finite(v, 'optimizer.rho', unit)),
    initialAccumulatorValue: orDefault(o.initialAccumulatorValue, 0.1, (v) =>
      finite(v, 'optimizer.initialAccumulatorValue', { min: 0, float32: true }),
    ),
    weightDecay: orDefault(o.weightDecay, 0.01, (v) => finite(v, 'optimizer.weightDecay', { min: 0, float32: true })),
  };
}

export function parseClassWeight(value: unknown): Map<number, number> | undefined {
  if (value === undefined) return undefined;
  const weights = new Map<number, number>();
  if (typeof value !== 'object' || value === null || ArrayBuffer.isView(value)) {
    throw new SimdnetError(`classWeight must be an object of class index → weight, or an array of weights by class, got ${describe(value)}`);
  }
  const entries = Array.isArray(value) ? Array.from(value, (w: unknown, c) => [String(c), w] as const) : Object.entries(value);
  for (const [key, weight] of entries) {
    const c = Number(key);
    if (!(Number.isInteger(c) && c >= 0 && String(c) === key)) {
      throw new SimdnetError(`classWeight has the key ${describe(key)}; its keys are class indices, whole numbers from 0`);
    }
    weights.set(c, finite(weight, `classWeight[${key}]`, { min: 0, float32: true }));
  }
  return weights;
}

function pair(value: unknown): readonly [unknown, unknown] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.length !== 2) {
    throw new SimdnetError(`validationData must be an array [x, y], got ${describe(value)}`);
  }
  return [value[0], value[1]];
}

function callback<T>(value: unknown, path: string): Callback<T> | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'function') throw new SimdnetError(`${path} must be a function, got ${describe(value)}`);
  return value as Callback<T>;
}

function abortSignal(value: unknown): AbortSignal | undefined {
  if (value === undefined) return undefined;
  const ok = typeof value === 'object' && value !== null && typeof (value as AbortSignal).aborted === 'boolean';
  if (!ok) throw new SimdnetError(`signal must be an AbortSignal, got ${describe(value)}`);
  return value as AbortSignal;
}
