// 'simdnet/formats': networks to and from ONNX and TensorFlow.js (and through them PyTorch and
// Keras). A subpath of its own, so the main entry's bundle carries none of it; it loads the main
// entry ('simdnet') for the networks it builds, and once loaded, Network's toONNX, toTFJS,
// fromONNX and fromTFJS call these functions.

import { type Network, registerFormats } from '../index.js';
import { type ImportOptions, mlpOf, networkFromMlp } from './mlp.js';
import { mlpToONNX } from './onnx/export.js';
import { onnxToMlp } from './onnx/import.js';
import type { TFJSArtifacts, TFJSModelJSON } from './tfjs/artifacts.js';
import { mlpToTFJS } from './tfjs/export.js';
import { tfjsToMlp } from './tfjs/import.js';

export type { ImportOptions } from './mlp.js';
export type { TFJSArtifacts, TFJSModelJSON, TFJSWeightSpec } from './tfjs/artifacts.js';

/**
 * The network as an ONNX model (opset 13): per layer a Gemm and its activation, float32 input
 * 'input' of shape [batch, inputs] and output 'output' of shape [batch, outputs].
 */
export function toONNX(net: Network): Uint8Array {
  return mlpToONNX(mlpOf(net));
}

/**
 * Builds a network from an ONNX model of fully-connected layers (as PyTorch and Keras export
 * them). ONNX does not record the loss: see ImportOptions.loss for the default.
 */
export async function fromONNX(bytes: Uint8Array | ArrayBuffer, options?: ImportOptions): Promise<Network> {
  return networkFromMlp(onnxToMlp(bytes).mlp, options, 'fromONNX');
}

/**
 * The network as TensorFlow.js model artifacts (a Keras Sequential of Dense layers), which
 * tf.loadLayersModel(tf.io.fromMemory(artifacts)) loads.
 */
export function toTFJS(net: Network): TFJSArtifacts {
  return mlpToTFJS(mlpOf(net));
}

/**
 * Builds a network from TensorFlow.js model artifacts of a Sequential of Dense layers: what
 * model.save writes, or a converted Keras model's model.json with its weights
 * ({ ...modelJSON, weightData }). The loss is the one saved with the model, if any, else as
 * ImportOptions.loss says.
 */
export async function fromTFJS(artifacts: TFJSArtifacts | TFJSModelJSON, options?: ImportOptions): Promise<Network> {
  const { mlp, loss } = tfjsToMlp(artifacts);
  return networkFromMlp(mlp, options, 'fromTFJS', loss);
}

registerFormats({ toONNX, fromONNX, toTFJS, fromTFJS });
