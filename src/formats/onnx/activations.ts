// Each simdnet activation as ONNX operators: the nodes the exporter writes after a layer's
// Gemm, and the operator the importer reads back as that activation. An activation added to
// the library is one entry here (the type makes a missing entry a compile error).

import { type Activation, DEFAULT_ALPHA } from '../../config.js';
import type { MlpLayer } from '../mlp.js';

/**
 * One node of an activation. Its inputs are 'x', the layer's pre-activation, or the index of an
 * earlier node of the same activation; without `inputs` it takes the output of the node before
 * it ('x' for the first), so a chain of one-input operators needs no inputs at all.
 */
export interface ActivationNode {
  op: string;
  inputs?: ('x' | number)[];
  floats?: Record<string, number>;
  ints?: Record<string, number>;
}

/** A node's attributes as the importer hands them to an activation, with ONNX's defaults applied by the caller. */
export interface NodeAttributes {
  float(name: string, fallback: number): number;
  int(name: string, fallback: number): number;
  /** Throws the importer's error for this node. */
  fail(what: string): never;
}

export interface OnnxActivation {
  /** The nodes that compute the activation from the layer's pre-activation; the last one's output is the layer's. */
  nodes(layer: MlpLayer): ActivationNode[];
  /** The operator that reads back as this activation, when one operator computes it. */
  op?: string;
  /** The layer options (alpha) held in that operator's attributes. */
  options?(attributes: NodeAttributes): { alpha?: number };
}

/** An activation that is a single operator without attributes. */
const operator = (op: string): OnnxActivation => ({ nodes: () => [{ op }], op });

export const ONNX_ACTIVATIONS: Record<Activation, OnnxActivation> = {
  linear: { nodes: () => [] },
  sigmoid: operator('Sigmoid'),
  tanh: operator('Tanh'),
  relu: operator('Relu'),
  leakyRelu: {
    nodes: (layer) => [{ op: 'LeakyRelu', floats: { alpha: layer.alpha ?? DEFAULT_ALPHA } }],
    op: 'LeakyRelu',
    // ONNX's default alpha, 0.01, is also simdnet's.
    options: (attributes) => ({ alpha: attributes.float('alpha', 0.01) }),
  },
  softmax: {
    nodes: () => [{ op: 'Softmax', ints: { axis: -1 } }],
    op: 'Softmax',
    options: (attributes) => {
      // Every tensor read is [batch, features]: axis 1 (the default before opset 13) is the last one too.
      const axis = attributes.int('axis', -1);
      if (axis !== -1 && axis !== 1) attributes.fail(`softmax over axis ${axis}; only the last axis (-1, or 1 of [batch, features]) is read`);
      return {};
    },
  },
};

/**
 * ONNX activation operators no simdnet activation reads back as yet, so the error can say that
 * rather than call them unknown operators.
 */
export const OTHER_ACTIVATION_OPS = new Set([
  'Elu', 'Selu', 'Celu', 'Gelu', 'Softplus', 'Softsign', 'HardSigmoid', 'HardSwish', 'Mish', 'PRelu', 'ThresholdedRelu', 'LogSoftmax',
]);
