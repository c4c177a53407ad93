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
  elu: { name: 'elu' },
  selu: { name: 'selu' },
  // tfjs-layers' gelu is the exact z·Φ(z), as simdnet's; its 'gelu_new' is the tanh approximation.
  gelu: { name: 'gelu' },
  softplus: { name: 'softplus' },
  swish: { name: 'swish', aliases: { silu: {} } },
  softsign: { name: 'softsign' },
  // tfjs-layers' hardSigmoid is Keras 2's clip(0.2·z + 0.5, 0, 1), as simdnet's. Keras 3's 'hard_sigmoid'
  // slopes 1/6 instead, and Keras 2 wrote the same name, so that name is not read.
  hardSigmoid: { name: 'hardSigmoid' },
};
