// The versioned JSON form of a network: its configuration and its weights.
// Every float32 weight is written as the shortest decimal that reads back as
// the same float32, so a round trip is exact.

import {
  type Activation, ACTIVATIONS, type LayerConfig, type Loss, LOSSES, MAX_WIDTH, type NetworkConfig, type NetworkSpec,
} from './config.js';
import { describe, SimdnetError } from './errors.js';
import { boolean, choice, finite, float32Values, integer, plainObject } from './validate.js';

export const FORMAT = 'simdnet';
export const VERSION = 1;

export interface LayerJSON {
  units: number;
  activation: Activation;
  /** leakyRelu only. */
  alpha?: number;
  bias: boolean;
  trainBias: boolean;
  /** inputs × units, row-major: weights[i * units + j] connects input i to unit j. */
  weights: number[];
  /** units values, or null for a layer without bias. */
  biases: number[] | null;
}

export interface NetworkJSON {
  format: typeof FORMAT;
  version: typeof VERSION;
  inputs: number;
  loss: Loss;
  /** 'huber' only. */
  huberDelta?: number;
  seed: number;
  layers: LayerJSON[];
}

/** A layer's parameters: weights (inputs × units, row-major) and bias (units, or null without bias). */
export interface LayerWeights {
  weights: Float32Array;
  bias: Float32Array | null;
}

// 10^0 … 10^22: every one exact in a double.
const EXACT_POWERS_OF_TEN = Array.from({ length: 23 }, (_, i) => Number(`1e${i}`));

/**
 * The shortest decimal that reads back as the same float32: x.toPrecision(p) for the fewest
 * digits p that read back as x. Each p's candidate is computed in double arithmetic: x scaled by
 * an exact power of ten is rounded once, so Math.round picks toPrecision's digits unless the
 * scaled value is within that rounding of a tie, and m / 10^k (or m · 10^k) is rounded once, as
 * parsing the digits would be. Near ties (where Math.round does pick the other neighbour for a few
 * float32 values, all at nine digits), powers of ten beyond 10^22 and magnitudes next to a power
 * of ten go to toPrecision itself.
 */
export function shortestFloat32(x: number): number {
  const magnitude = Math.abs(x);
  const exponent = Math.floor(Math.log10(magnitude));
  if (!(Math.abs(exponent) <= 22)) return byPrecision(x, 1); // also 0, ±Infinity, NaN
  // Next to a power of ten an approximate log10 may give an exponent one off. One too high would
  // leave the nine-digit candidate untried; one too low only starts the search at two digits,
  // where it finds the same numbers (a one-digit answer is also the nearest two-digit decimal).
  if (scaleByPowerOfTen(magnitude, -exponent) < 1 + 1e-9) return byPrecision(x, 1);
  for (let digits = 1; digits <= 9; digits++) {
    const k = digits - 1 - exponent;
    if (k > 22 || k < -22) return byPrecision(x, digits);
    const scaled = scaleByPowerOfTen(magnitude, k);
    if (Math.abs(scaled - Math.floor(scaled) - 0.5) < 1e-6) return byPrecision(x, digits);
    const candidate = scaleByPowerOfTen(Math.round(scaled), -k);
    if (Math.fround(candidate) === magnitude) return x < 0 ? -candidate : candidate;
  }
  return byPrecision(x, 9);
}

// value · 10^k, rounded once: |k| ≤ 22.
function scaleByPowerOfTen(value: number, k: number): number {
  return k >= 0 ? value * EXACT_POWERS_OF_TEN[k]! : value / EXACT_POWERS_OF_TEN[-k]!;
}

// The search by toPrecision, from `digits` digits on; nine always read back as a float32.
function byPrecision(x: number, digits: number): number {
  for (; digits < 9; digits++) {
    const candidate = Number(x.toPrecision(digits));
    if (Math.fround(candidate) === x) return candidate;
  }
  return Number(x.toPrecision(9));
}

// Each weight as its shortest decimal. Pushed rather than stored into new Array(n), which V8 makes
// holey: JSON.stringify walks a holey array more slowly than a packed one.
function floats(values: Float32Array): number[] {
  const out: number[] = [];
  for (const v of values) out.push(shortestFloat32(v));
  return out;
}

export function networkToJSON(spec: NetworkSpec, weights: readonly LayerWeights[]): NetworkJSON {
  return {
    format: FORMAT,
    version: VERSION,
    inputs: spec.inputs,
    loss: spec.loss,
    ...(spec.loss === 'huber' ? { huberDelta: spec.huberDelta } : {}),
    seed: spec.seed,
    layers: spec.layers.map((layer, l) => ({
      units: layer.units,
      activation: layer.activation,
      ...(layer.activation === 'leakyRelu' ? { alpha: layer.alpha } : {}),
      bias: layer.bias,
      trainBias: layer.trainBias,
      weights: floats(weights[l]!.weights),
      biases: weights[l]!.bias ? floats(weights[l]!.bias!) : null,
    })),
  };
}

const TOP_KEYS = ['format', 'version', 'inputs', 'loss', 'huberDelta', 'seed', 'layers'] as const;
const LAYER_KEYS = ['units', 'activation', 'alpha', 'bias', 'trainBias', 'weights', 'biases'] as const;

/** Validates a network's JSON (object or text) and splits it into a configuration and weights. */
export function parseNetworkJSON(json: unknown): { config: NetworkConfig; weights: LayerWeights[] } {
  let value = json;
  if (typeof json === 'string') {
    try {
      value = JSON.parse(json);
    } catch (error) {
      throw new SimdnetError(`fromJSON: the text is not valid JSON (${(error as Error).message})`);
    }
  }
  if (typeof value === 'object' && value !== null && Object.hasOwn(value, 'network')) {
    throw new SimdnetError(
      'fromJSON: this is a saved model (a network with its features and target, as simdnet train --save writes), ' +
        'not a network: load it with Model.load(json), or pass its "network" field to Network.fromJSON',
    );
  }
  const o = plainObject(value, 'fromJSON: the network', TOP_KEYS);
  if (o.format !== FORMAT) {
    throw new SimdnetError(`fromJSON: format must be '${FORMAT}', got ${describe(o.format)}`);
  }
  if (o.version !== VERSION) {
    throw new SimdnetError(`fromJSON: version ${describe(o.version)} is not supported; this simdnet reads version ${VERSION}`);
  }
  const inputs = integer(o.inputs, 'fromJSON: inputs', 1, MAX_WIDTH);
  if (!Array.isArray(o.layers) || o.layers.length === 0) {
    throw new SimdnetError(`fromJSON: layers must be a non-empty array, got ${describe(o.layers)}`);
  }
  const layers: LayerConfig[] = [];
  const weights: LayerWeights[] = [];
  let width = inputs;
  o.layers.forEach((raw: unknown, l: number) => {
    const path = `fromJSON: layers[${l}]`;
    const layer = plainObject(raw, path, LAYER_KEYS);
    const units = integer(layer.units, `${path}.units`, 1, MAX_WIDTH);
    const activation = choice(layer.activation, `${path}.activation`, ACTIVATIONS);
    const bias = boolean(layer.bias, `${path}.bias`);
    const trainBias = boolean(layer.trainBias, `${path}.trainBias`);
    const alpha = layer.alpha === undefined ? {} : { alpha: finite(layer.alpha, `${path}.alpha`, { min: 0, float32: true }) };
    layers.push({ units, activation, bias, trainBias, ...alpha });
    weights.push({
      weights: float32Values(layer.weights, `${path}.weights`, width * units),
      bias: bias ? float32Values(layer.biases, `${path}.biases`, units) : nullBiases(layer.biases, path),
    });
    width = units;
  });
  const config: NetworkConfig = {
    inputs,
    loss: choice(o.loss, 'fromJSON: loss', LOSSES),
    ...(o.huberDelta === undefined ? {} : { huberDelta: finite(o.huberDelta, 'fromJSON: huberDelta', { min: 0, openMin: true, float32: true }) }),
    seed: integer(o.seed, 'fromJSON: seed', 0, 0xffffffff),
    layers,
  };
  return { config, weights };
}

function nullBiases(value: unknown, path: string): null {
  if (value !== null) throw new SimdnetError(`${path}.biases must be null for a layer without bias, got ${describe(value)}`);
  return null;
}
