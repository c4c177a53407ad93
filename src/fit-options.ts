// Options of Network.fit: the types users write, and their validation into a
// complete FitPlan.

import { OPT_ADAM, OPT_MOMENTUM, OPT_SGD } from './abi.js';
import { describe, SimdnetError } from './errors.js';
import { boolean, choice, finite, integer, orDefault, plainObject } from './validate.js';

export const OPTIMIZER_IDS = { sgd: OPT_SGD, momentum: OPT_MOMENTUM, adam: OPT_ADAM } as const;
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
export type OptimizerConfig = SgdConfig | MomentumConfig | AdamConfig;

/** What onEpochEnd receives. Losses are means over rows; accuracies are fractions. */
export interface EpochLog {
  /** Epochs completed, from 1. */
  epoch: number;
  /** Mean training objective over the epoch's batches, each measured before its update (includes the L2 term). */
  loss: number;
  /** Training accuracy over the epoch, for classification outputs. */
  accuracy?: number;
  /** Loss on the validation rows after the epoch (no L2 term). */
  valLoss?: number;
  valAccuracy?: number;
}

/** What onBatchEnd receives. */
export interface BatchLog {
  /** The epoch the batch belongs to, from 1. */
  epoch: number;
  /** The batch within its epoch, from 1. */
  batch: number;
  /** The batch's objective, measured before its update. */
  loss: number;
}

export interface FitOptions {
  /** Passes over the training rows (default 1). */
  epochs?: number;
  /** Rows per gradient step (default 32; capped at the number of training rows). */
  batchSize?: number;
  /** Visit the training rows in a new seeded order each epoch (default true). */
  shuffle?: boolean;
  /** An optimizer name (with its defaults) or its settings (default 'adam'). */
  optimizer?: OptimizerName | OptimizerConfig;
  /** L2 strength λ: adds (λ/2m)·Σw² over weights, not biases (default 0). */
  l2?: number;
  /** Fraction of rows, taken from the end before any shuffling, held out for validation (default 0). */
  validationSplit?: number;
  /** Called after every epoch; training waits while it runs. */
  onEpochEnd?: (log: EpochLog) => void;
  /** Called after every batch. Costs speed: each batch then becomes its own call into wasm. */
  onBatchEnd?: (log: BatchLog) => void;
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
}

/** fit's options with every setting resolved. */
export interface FitPlan {
  epochs: number;
  batchSize: number;
  shuffle: boolean;
  optimizer: OptimizerSpec;
  l2: number;
  validationSplit: number;
  onEpochEnd?: (log: EpochLog) => void;
  onBatchEnd?: (log: BatchLog) => void;
  signal?: AbortSignal;
}

const FIT_KEYS = [
  'epochs', 'batchSize', 'shuffle', 'optimizer', 'l2', 'validationSplit', 'onEpochEnd', 'onBatchEnd', 'signal',
] as const;
const OPTIMIZER_KEYS: Record<OptimizerName, readonly string[]> = {
  sgd: ['type', 'learningRate'],
  momentum: ['type', 'learningRate', 'momentum', 'nesterov'],
  adam: ['type', 'learningRate', 'beta1', 'beta2', 'epsilon'],
};
const ALL_OPTIMIZER_KEYS = [...new Set(Object.values(OPTIMIZER_KEYS).flat())];
const DEFAULT_LEARNING_RATE: Record<OptimizerName, number> = { sgd: 0.01, momentum: 0.01, adam: 0.001 };

/** Validates fit's options and fills in their defaults. */
export function parseFitOptions(options: unknown): FitPlan {
  const o = plainObject(options ?? {}, 'fit options', FIT_KEYS);
  return {
    epochs: orDefault(o.epochs, 1, (v) => integer(v, 'epochs', 1, 2 ** 31 - 1)),
    batchSize: orDefault(o.batchSize, 32, (v) => integer(v, 'batchSize', 1, 2 ** 31 - 1)),
    shuffle: orDefault(o.shuffle, true, (v) => boolean(v, 'shuffle')),
    optimizer: parseOptimizer(o.optimizer ?? 'adam'),
    l2: orDefault(o.l2, 0, (v) => finite(v, 'l2', { min: 0, float32: true })),
    validationSplit: orDefault(o.validationSplit, 0, (v) =>
      finite(v, 'validationSplit', { min: 0, max: 1, openMax: true }),
    ),
    onEpochEnd: callback(o.onEpochEnd, 'onEpochEnd'),
    onBatchEnd: callback(o.onBatchEnd, 'onBatchEnd'),
    signal: abortSignal(o.signal),
  };
}

function parseOptimizer(value: unknown): OptimizerSpec {
  const config = typeof value === 'string' ? { type: choice(value, 'optimizer', OPTIMIZERS) } : value;
  const type = choice(plainObject(config, 'optimizer', ALL_OPTIMIZER_KEYS).type, 'optimizer.type', OPTIMIZERS);
  const o = plainObject(config, `optimizer (${type})`, OPTIMIZER_KEYS[type]);
  // These settings reach the kernels as float32, so their float32 values are what is checked.
  const unit = { min: 0, max: 1, openMax: true, float32: true };
  const positive = { min: 0, openMin: true, float32: true };
  return {
    type,
    learningRate: orDefault(o.learningRate, DEFAULT_LEARNING_RATE[type], (v) =>
      finite(v, 'optimizer.learningRate', positive),
    ),
    momentum: orDefault(o.momentum, 0.9, (v) => finite(v, 'optimizer.momentum', unit)),
    nesterov: orDefault(o.nesterov, false, (v) => boolean(v, 'optimizer.nesterov')),
    beta1: orDefault(o.beta1, 0.9, (v) => finite(v, 'optimizer.beta1', unit)),
    beta2: orDefault(o.beta2, 0.999, (v) => finite(v, 'optimizer.beta2', unit)),
    epsilon: orDefault(o.epsilon, 1e-8, (v) => finite(v, 'optimizer.epsilon', positive)),
  };
}

function callback<T>(value: unknown, path: string): ((log: T) => void) | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'function') throw new SimdnetError(`${path} must be a function, got ${describe(value)}`);
  return value as (log: T) => void;
}

function abortSignal(value: unknown): AbortSignal | undefined {
  if (value === undefined) return undefined;
  const ok = typeof value === 'object' && value !== null && typeof (value as AbortSignal).aborted === 'boolean';
  if (!ok) throw new SimdnetError(`signal must be an AbortSignal, got ${describe(value)}`);
  return value as AbortSignal;
}
