// Each simdnet activation in Keras terms: the Dense layer's `activation` where Keras has one of
// that name, or else the layer that applies it after a linear Dense layer. The importer reads
// both back. An activation added to the library is one entry here (the type makes a missing
// entry a compile error).

import { type Activation, DEFAULT_ALPHA } from '../../config.js';
import type { MlpLayer } from '../mlp.js';
import type { KerasLayerJSON } from './artifacts.js';

export interface KerasActivation {
  /** The name Dense's `activation` takes for it. */
  name?: string;
  /** The layer written after a linear Dense layer when no name does. */
  layer?(layer: MlpLayer): KerasLayerJSON;
  /** Other names Keras writes for it, with the options each implies. */
  aliases?: Record<string, { alpha?: number }>;
}

export const KERAS_ACTIVATIONS: Record<Activation, KerasActivation> = {
  linear: { name: 'linear' },
  sigmoid: { name: 'sigmoid' },
  tanh: { name: 'tanh' },
  relu: { name: 'relu' },
  // tfjs-layers has no 'leaky_relu' activation, only the layer; Keras 3's activation slopes 0.2 by default.
  leakyRelu: {
    layer: (layer) => ({ class_name: 'LeakyReLU', config: { alpha: layer.alpha ?? DEFAULT_ALPHA } }),
    aliases: { leaky_relu: { alpha: 0.2 } },
  },
  softmax: { name: 'softmax' },
};
