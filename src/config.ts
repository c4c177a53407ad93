// The network's configuration: the names users write, their ids in the
// kernels (src/abi.ts), and the check that turns a user's object into a
// complete, validated NetworkSpec.

import {
  ACC_ARGMAX, ACC_BINARY, ACC_INDEX, ACC_NONE,
  LOSS_BINARY_CROSSENTROPY, LOSS_CATEGORICAL_CROSSENTROPY, LOSS_HUBER, LOSS_MEAN_ABSOLUTE_ERROR,
  LOSS_SPARSE_CATEGORICAL_CROSSENTROPY, LOSS_SQUARED_ERROR,
} from './abi.js';
import { type Activation, ACTIVATIONS, DEFAULT_ALPHA } from './activations.js';
import { SimdnetError } from './errors.js';
import { boolean, choice, finite, integer, orDefault, plainObject } from './validate.js';

// The activations have a table of their own (src/activations.ts); a configuration names them.
export { type Activation, ACTIVATIONS, DEFAULT_ALPHA };

export const LOSS_IDS = {
  squaredError: LOSS_SQUARED_ERROR,
  binaryCrossentropy: LOSS_BINARY_CROSSENTROPY,
  categoricalCrossentropy: LOSS_CATEGORICAL_CROSSENTROPY,
  meanAbsoluteError: LOSS_MEAN_ABSOLUTE_ERROR,
  huber: LOSS_HUBER,
  sparseCategoricalCrossentropy: LOSS_SPARSE_CATEGORICAL_CROSSENTROPY,
} as const;
export type Loss = keyof typeof LOSS_IDS;
export const LOSSES = Object.keys(LOSS_IDS) as Loss[];

/** Whether the loss takes one class index per row as its targets, rather than rows of the output's width. */
export function takesClassIndices(loss: Loss): boolean {
  return loss === 'sparseCategoricalCrossentropy';
}

/** The Huber loss's default δ (Keras's and PyTorch's). */
export const DEFAULT_HUBER_DELTA = 1;

export const INITS = ['auto', 'glorotUniform', 'glorotNormal', 'heUniform', 'heNormal'] as const;
export type Init = (typeof INITS)[number];

export const BACKENDS = ['auto', 'simd', 'scalar', 'relaxed'] as const;
export type BackendChoice = (typeof BACKENDS)[number];

/** The largest width of any layer or input. */
export const MAX_WIDTH = 1 << 24;

export interface LayerConfig {
  /** Number of units (outputs) of the layer. */
  units: number;
  activation: Activation;
  /** Whether the layer adds a bias vector (default true). */
  bias?: boolean;
  /** Whether training updates the bias (default: whether it has one). */
  trainBias?: boolean;
  /** leakyRelu only: the slope for negative inputs, ≥ 0 (default 0.01). */
  alpha?: number;
  /** Hidden layers only: the fraction of outputs training drops, 0 ≤ p < 1 (default 0). */
  dropout?: number;
}

export interface NetworkConfig {
  /** Number of input features. */
  inputs: number;
  /** The layers from the first hidden layer to the output layer. */
  layers: readonly LayerConfig[];
  loss: Loss;
  /** 'huber' only: δ > 0, where each unit's loss turns from ½e² to δ·(|e| − ½δ) (default 1). */
  huberDelta?: number;
  /** Seeds weight initialisation and shuffling (default 0): equal seeds give equal runs. */
  seed?: number;
  /** Weight initialisation; 'auto' (default) is He for relu, leakyRelu, elu, gelu and swish layers, Glorot otherwise. */
  init?: Init;
  /**
   * Which wasm build runs the kernels; 'auto' (default) picks SIMD where the engine supports it.
   * 'relaxed' (opt-in, never picked by 'auto') needs relaxed SIMD and may differ in the last bits between machines.
   */
  backend?: BackendChoice;
  /**
   * Threads its passes may be split across: a number, or 'auto' (default): all cores, when a row
   * holds enough work to pay for the threads to meet, else one. More than one needs the SIMD
   * build and shared memory (in browsers, a cross-origin-isolated page); where there is none, the
   * network runs on one thread. Results are the same bits for any number of threads.
   */
  threads?: ThreadsChoice;
}

export type ThreadsChoice = 'auto' | number;

/** The most threads a network may ask for. */
export const MAX_THREADS = 64;

/** A layer with every option resolved. */
export interface LayerSpec {
  inputs: number;
  units: number;
  activation: Activation;
  alpha: number;
  bias: boolean;
  trainBias: boolean;
  /** The dropout rate, 0 for none. */
  dropout: number;
}

/** A network configuration with every option resolved. */
export interface NetworkSpec {
  inputs: number;
  layers: LayerSpec[];
  loss: Loss;
  /** The Huber loss's δ (1 for the other losses, which do not read it). */
  huberDelta: number;
  seed: number;
  init: Init;
  backend: BackendChoice;
  threads: ThreadsChoice;
}

const NETWORK_KEYS = ['inputs', 'layers', 'loss', 'huberDelta', 'seed', 'init', 'backend', 'threads'] as const;
const LAYER_KEYS = ['units', 'activation', 'bias', 'trainBias', 'alpha', 'dropout'] as const;

/** Validates a user's network configuration and fills in its defaults. */
export function parseNetworkConfig(config: unknown): NetworkSpec {
  const c = plainObject(config, 'config', NETWORK_KEYS);
  const inputs = integer(c.inputs, 'config.inputs', 1, MAX_WIDTH);
  if (!Array.isArray(c.layers) || c.layers.length === 0) {
    throw new SimdnetError('config.layers must be a non-empty array of layers, e.g. [{ units: 1, activation: \'sigmoid\' }]');
  }
  let width = inputs;
  const layers = c.layers.map((layer: unknown, i: number): LayerSpec => {
    const spec = parseLayer(layer, `config.layers[${i}]`, width);
    width = spec.units;
    return spec;
  });
  if (layers.at(-1)!.dropout > 0) {
    throw new SimdnetError(`config.layers[${layers.length - 1}].dropout applies only to hidden layers, not the output layer`);
  }
  const loss = choice(c.loss, 'config.loss', LOSSES);
  const output = layers.at(-1)!;
  if ((loss === 'categoricalCrossentropy' || loss === 'sparseCategoricalCrossentropy') && output.units < 2) {
    throw new SimdnetError(
      `config.loss '${loss}' needs an output layer of at least 2 units; ` +
        "for one unit use 'binaryCrossentropy' with a sigmoid output",
    );
  }
  if (c.huberDelta !== undefined && loss !== 'huber') {
    throw new SimdnetError(`config.huberDelta applies only to loss 'huber', not '${loss}'`);
  }
  return {
    inputs,
    layers,
    loss,
    huberDelta: orDefault(c.huberDelta, DEFAULT_HUBER_DELTA, (v) => finite(v, 'config.huberDelta', { min: 0, openMin: true, float32: true })),
    seed: orDefault(c.seed, 0, (v) => integer(v, 'config.seed', 0, 0xffffffff)),
    init: orDefault(c.init, 'auto' as Init, (v) => choice(v, 'config.init', INITS)),
    backend: orDefault(c.backend, 'auto' as BackendChoice, (v) => choice(v, 'config.backend', BACKENDS)),
    threads: parseThreads(c.threads, 'config.threads'),
  };
}

/** A threads setting: 'auto' (the default) or a whole number from 1 to MAX_THREADS. */
export function parseThreads(value: unknown, path: string): ThreadsChoice {
  if (value === undefined || value === 'auto') return 'auto';
  if (typeof value === 'string') throw new SimdnetError(`${path} must be 'auto' or a whole number of threads, got ${JSON.stringify(value)}`);
  return integer(value, path, 1, MAX_THREADS);
}

function parseLayer(layer: unknown, path: string, inputs: number): LayerSpec {
  const l = plainObject(layer, path, LAYER_KEYS);
  const units = integer(l.units, `${path}.units`, 1, MAX_WIDTH);
  const activation = choice(l.activation, `${path}.activation`, ACTIVATIONS);
  if (activation === 'softmax' && units < 2) {
    throw new SimdnetError(`${path}: a softmax layer needs at least 2 units (one unit always outputs 1)`);
  }
  if (l.alpha !== undefined && activation !== 'leakyRelu') {
    throw new SimdnetError(`${path}.alpha applies only to 'leakyRelu' layers, not '${activation}'`);
  }
  const alpha = orDefault(l.alpha, DEFAULT_ALPHA, (v) => finite(v, `${path}.alpha`, { min: 0, float32: true }));
  const bias = orDefault(l.bias, true, (v) => boolean(v, `${path}.bias`));
  const trainBias = orDefault(l.trainBias, bias, (v) => boolean(v, `${path}.trainBias`));
  if (trainBias && !bias) throw new SimdnetError(`${path}.trainBias cannot be true when bias is false`);
  const dropout = orDefault(l.dropout, 0, (v) => finite(v, `${path}.dropout`, { min: 0, max: 1, openMax: true, float32: true }));
  return { inputs, units, activation, alpha: activation === 'leakyRelu' ? alpha : 0, bias, trainBias, dropout };
}

/**
 * How accuracy is counted for this network, if at all: by the arg-max against the class index for
 * the sparse loss, by arg-max for softmax or
 * categorical cross-entropy and for multi-unit sigmoid outputs under other losses,
 * per unit at 0.5 for one sigmoid unit or binary cross-entropy, and not for regression.
 */
export function accuracyMode(spec: NetworkSpec): number {
  const output = spec.layers.at(-1)!;
  if (spec.loss === 'binaryCrossentropy') return ACC_BINARY;
  if (spec.loss === 'sparseCategoricalCrossentropy') return ACC_INDEX;
  if (spec.loss === 'categoricalCrossentropy' || output.activation === 'softmax') return ACC_ARGMAX;
  if (output.activation === 'sigmoid') return output.units === 1 ? ACC_BINARY : ACC_ARGMAX;
  return ACC_NONE;
}
