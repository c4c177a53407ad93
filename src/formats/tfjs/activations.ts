// An activation in Keras terms, the shape of each activation's `keras` entry in the activation
// table (src/activations.ts): the Dense layer's `activation` where Keras has one of that name, or
// else the layer that applies it after a linear Dense layer. The importer reads both back.

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
