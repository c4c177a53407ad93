// How an activation is written as ONNX operators and read back: the shape of each activation's
// `onnx` entry in the activation table (src/activations.ts), and the helpers that build the common ones.

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
export const operator = (op: string): OnnxActivation => ({ nodes: () => [{ op }], op });

/**
 * An activation that is a single operator without options: check throws (by attributes.fail)
 * when an attribute read back makes it compute something else.
 */
export const checked = (node: ActivationNode, check: (attributes: NodeAttributes) => void): OnnxActivation => ({
  nodes: () => [node],
  op: node.op,
  options: (attributes) => {
    check(attributes);
    return {};
  },
});

/** An activation that is a single operator whose float attributes have fixed values (ONNX's defaults). */
export const fixed = (op: string, floats: Record<string, number>): OnnxActivation =>
  checked({ op, floats }, (attributes) => {
    for (const [name, value] of Object.entries(floats)) {
      const got = attributes.float(name, value);
      if (Math.fround(got) !== Math.fround(value)) attributes.fail(`${name} = ${got}; simdnet's ${op} has ${name} = ${value}`);
    }
  });

/**
 * ONNX activation operators no simdnet activation reads back as yet, so the error can say that
 * rather than call them unknown operators.
 */
export const OTHER_ACTIVATION_OPS = new Set([
  'Celu', 'HardSwish', 'Mish', 'PRelu', 'ThresholdedRelu', 'LogSoftmax',
]);
