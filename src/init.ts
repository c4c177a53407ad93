// Initial weights. Biases start at zero.

import { activationEntry } from './activations.js';
import type { Init, LayerSpec } from './config.js';
import type { Rng } from './random.js';

/** The scheme 'auto' picks for a layer: its activation's (He for the relu family, Glorot otherwise). */
export function schemeFor(layer: LayerSpec, init: Init): Exclude<Init, 'auto'> {
  return init === 'auto' ? activationEntry(layer.activation).init : init;
}

/**
 * A layer's weights (inputs × units, row-major), drawn in that order from rng:
 * Glorot (Glorot & Bengio 2010) scales by fan-in + fan-out, He (He et al. 2015) by fan-in;
 * uniform on [−limit, limit] with limit = √(6/fan), or normal with σ = √(2/fan).
 */
export function initialWeights(layer: LayerSpec, init: Init, rng: Rng): Float32Array {
  const scheme = schemeFor(layer, init);
  const fan = scheme.startsWith('glorot') ? layer.inputs + layer.units : layer.inputs;
  const weights = new Float32Array(layer.inputs * layer.units);
  if (scheme.endsWith('Uniform')) {
    const limit = Math.sqrt(6 / fan);
    for (let i = 0; i < weights.length; i++) weights[i] = (2 * rng.uniform() - 1) * limit;
  } else {
    const sigma = Math.sqrt(2 / fan);
    for (let i = 0; i < weights.length; i++) weights[i] = rng.normal() * sigma;
  }
  return weights;
}
