// A network as TensorFlow.js artifacts: a Keras Sequential model of Dense layers (a LeakyReLU
// layer after those whose activation Keras applies as a layer, and a Dropout layer after those
// with dropout), the way tfjs-layers saves one.
// Keras's Dense kernel is inputs × units, row-major, like simdnet's: the weights are copied as is.

import { activationEntry } from '../../activations.js';
import type { Mlp } from '../mlp.js';
import type { KerasLayerJSON, TFJSArtifacts, TFJSWeightSpec } from './artifacts.js';

/** The artifacts of a Keras Sequential model computing the network; metadata becomes userDefinedMetadata. */
export function mlpToTFJS(mlp: Mlp, metadata?: Record<string, unknown>): TFJSArtifacts {
  const layers: KerasLayerJSON[] = [];
  const weightSpecs: TFJSWeightSpec[] = [];
  const arrays: Float32Array[] = [];
  const counts: Record<string, number> = {};
  const nameOf = (base: string) => `${base}_${(counts[base] = (counts[base] ?? 0) + 1)}`;
  mlp.layers.forEach((layer, l) => {
    const activation = activationEntry(layer.activation).keras;
    const name = nameOf('dense');
    layers.push({
      class_name: 'Dense',
      config: {
        name,
        trainable: true,
        dtype: 'float32',
        units: layer.units,
        activation: activation.name ?? 'linear',
        use_bias: layer.bias !== null,
        ...(l === 0 ? { batch_input_shape: [null, mlp.inputs] } : {}),
      },
    });
    const inputs = layer.weights.length / layer.units;
    weightSpecs.push({ name: `${name}/kernel`, shape: [inputs, layer.units], dtype: 'float32' });
    arrays.push(layer.weights);
    if (layer.bias) {
      weightSpecs.push({ name: `${name}/bias`, shape: [layer.units], dtype: 'float32' });
      arrays.push(layer.bias);
    }
    if (activation.name === undefined) {
      const applied = activation.layer!(layer);
      const base = applied.class_name.replace(/(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])/g, '_').toLowerCase();
      layers.push({ class_name: applied.class_name, config: { name: nameOf(base), trainable: true, dtype: 'float32', ...applied.config } });
    }
    if (layer.dropout !== undefined) {
      layers.push({ class_name: 'Dropout', config: { name: nameOf('dropout'), trainable: true, dtype: 'float32', rate: layer.dropout } });
    }
  });
  return {
    modelTopology: { class_name: 'Sequential', config: { name: 'simdnet', layers }, backend: 'tensor_flow.js' },
    format: 'layers-model',
    generatedBy: 'simdnet',
    convertedBy: null,
    weightSpecs,
    weightData: float32Buffer(arrays),
    ...(metadata ? { userDefinedMetadata: metadata } : {}),
  };
}

// The arrays' elements one after another, float32 little-endian, as tfjs reads weightData.
function float32Buffer(arrays: readonly Float32Array[]): ArrayBuffer {
  const total = arrays.reduce((n, a) => n + a.length, 0);
  const buffer = new ArrayBuffer(total * 4);
  const view = new DataView(buffer);
  let at = 0;
  for (const array of arrays) {
    for (const v of array) {
      view.setFloat32(at, v, true);
      at += 4;
    }
  }
  return buffer;
}
