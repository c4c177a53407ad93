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
  /** The opset the operator needs, when later than the one the exporter writes by default. */
  opset?: number;
}

/** A node's attributes as the importer hands them to an activation, with ONNX's defaults applied by the caller. */
export interface NodeAttributes {
  float(name: string, fallback: number): number;
  int(name: string, fallback: number): number;
  string(name: string, fallback: string): string;
  /** Throws the importer's error for this node. */
  fail(what: string): never;
}

export interface OnnxActivation {
  /** The nodes that compute the activation from the layer's pre-activation; the last one's output is the layer's. */
  nodes(layer: MlpLayer): ActivationNode[];
  /** The operator that reads back as this activation, when one operator computes it (all but linear and swish). */
  op?: string;
  /** The layer options (alpha) held in that operator's attributes. */
  options?(attributes: NodeAttributes): { alpha?: number };
}

/** An activation that is a single operator without attributes. */
const operator = (op: string): OnnxActivation => ({ nodes: () => [{ op }], op });

/** An activation that is a single operator whose float attributes have fixed values (ONNX's defaults). */
const fixed = (op: string, floats: Record<string, number>): OnnxActivation => ({
  nodes: () => [{ op, floats }],
  op,
  options: (attributes) => {
    for (const [name, value] of Object.entries(floats)) {
      const got = attributes.float(name, value);
      if (Math.fround(got) !== Math.fround(value)) attributes.fail(`${name} = ${got}; simdnet's ${op} has ${name} = ${value}`);
    }
    return {};
  },
});

// Selu's constants (Klambauer et al. 2017), as ONNX's defaults.
const SELU_ALPHA = 1.6732632423543772;
const SELU_SCALE = 1.0507009873554805;

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
  elu: fixed('Elu', { alpha: 1 }),
  selu: fixed('Selu', { alpha: SELU_ALPHA, gamma: SELU_SCALE }),
  // Opset 20's Gelu, by default the exact z·Φ(z) (approximate = 'none'), as simdnet's.
  gelu: {
    nodes: () => [{ op: 'Gelu', opset: 20 }],
    op: 'Gelu',
    options: (attributes) => {
      const approximate = attributes.string('approximate', 'none');
      if (approximate !== 'none') attributes.fail(`approximate = '${approximate}'; simdnet's gelu is the exact one ('none')`);
      return {};
    },
  },
  softplus: operator('Softplus'),
  // x·Sigmoid(x): the importer reads a Sigmoid then that Mul back as swish.
  swish: { nodes: () => [{ op: 'Sigmoid' }, { op: 'Mul', inputs: ['x', 0] }] },
  softsign: operator('Softsign'),
  // ONNX's defaults, alpha 0.2 and beta 0.5, are simdnet's (and Keras 2's; Keras 3 slopes 1/6).
  hardSigmoid: fixed('HardSigmoid', { alpha: 0.2, beta: 0.5 }),
};

/**
 * ONNX activation operators no simdnet activation reads back as yet, so the error can say that
 * rather than call them unknown operators.
 */
export const OTHER_ACTIVATION_OPS = new Set([
  'Celu', 'HardSwish', 'Mish', 'PRelu', 'ThresholdedRelu', 'LogSoftmax',
]);
