// Types for forward.js, which a test imports.

import type { LayerConfig, LayerWeights } from '../../src/index.js';

export function layerOutputs(
  layers: readonly Pick<LayerConfig, 'units' | 'activation' | 'alpha'>[],
  weights: readonly LayerWeights[],
  input: Float32Array,
  rows: number,
): Float32Array[];
