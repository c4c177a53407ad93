// Every activation the library has, one entry each, holding all the TypeScript side knows of it:
// config validation, weight initialisation, the float64 reference, the ONNX and TF.js tables, the
// CLI's list and help and the playground all read this table.
//
// Adding an activation: an ACT_ id in src/abi.ts, an entry below, its kernel (a case in
// activateOne and one in slopeOne in assembly/activation.ts, and lanes there if it has them), and
// its row in docs/conventions.md's table. The tests enumerate the table, so none needs editing:
// test/activations.spec.ts matches the ids with src/abi.ts, test/activation.spec.ts holds the
// kernel to the entry's reference forward and slope (an entry without a kernel case fails there),
// test/gradient.spec.ts checks a network's gradients by finite differences, test/onnx.spec.ts and
// test/tfjs.spec.ts round-trip a network of it through ONNX Runtime and tfjs-layers,
// test/builds.spec.ts compares its bits across the builds and thread counts, and
// test/docs.spec.ts asks for its row.

import {
  ACT_ELU, ACT_GELU, ACT_HARD_SIGMOID, ACT_LEAKY_RELU, ACT_LINEAR, ACT_RELU, ACT_SELU, ACT_SIGMOID, ACT_SOFTMAX,
  ACT_SOFTPLUS, ACT_SOFTSIGN, ACT_SWISH, ACT_TANH,
} from './abi.js';
import { oneOf, SimdnetError } from './errors.js';
import { checked, fixed, type OnnxActivation, operator } from './formats/onnx/activations.js';
import type { KerasActivation } from './formats/tfjs/activations.js';
import { normalCdf } from './reference/normal.js';
import { choice, finite } from './validate.js';

/** An element-wise activation in float64: g(z) and g'(z), α being leakyRelu's slope (0 for the others). */
export interface Elementwise {
  g(z: number, alpha: number): number;
  slope(z: number, alpha: number): number;
}

export interface ActivationEntry {
  /** Its id in the kernels (src/abi.ts). */
  readonly id: number;
  /** What it computes, in one line: the CLI's help and the docs' table say it so. */
  readonly description: string;
  /** The initialisation 'auto' gives its layers: He for the relu family, Glorot otherwise. */
  readonly init: 'heUniform' | 'glorotUniform';
  /** Whether its slope needs Z, not only the outputs, so that a layer keeps Z while training. */
  readonly keepsPreactivations?: true;
  /**
   * The float64 reference the kernels are tested against (src/reference/ops.ts), written from
   * Z and independently of assembly/; 'softmax' for the one activation over a whole row.
   */
  readonly reference: Elementwise | 'softmax';
  /** How ONNX writes it and reads it back (src/formats/onnx). */
  readonly onnx: OnnxActivation;
  /** How Keras (TF.js layers) writes it and reads it back (src/formats/tfjs). */
  readonly keras: KerasActivation;
}

/** leakyRelu's default slope for negative inputs. */
export const DEFAULT_ALPHA = 0.01;

// Selu's constants (Klambauer et al. 2017), which are also ONNX's defaults.
const SELU_SCALE = 1.0507009873554804934193349852946;
const SELU_ALPHA = 1.6732632423543772848170429916717;

const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

const ACTIVATION_TABLE = {
  linear: {
    id: ACT_LINEAR,
    description: 'z',
    init: 'glorotUniform',
    reference: { g: (z) => z, slope: () => 1 },
    onnx: { nodes: () => [] },
    keras: { name: 'linear' },
  },
  sigmoid: {
    id: ACT_SIGMOID,
    description: '1 / (1 + e^−z)',
    init: 'glorotUniform',
    reference: { g: sigmoid, slope: (z) => sigmoid(z) * (1 - sigmoid(z)) },
    onnx: operator('Sigmoid'),
    keras: { name: 'sigmoid' },
  },
  tanh: {
    id: ACT_TANH,
    description: 'tanh z',
    init: 'glorotUniform',
    reference: { g: Math.tanh, slope: (z) => 1 - Math.tanh(z) ** 2 },
    onnx: operator('Tanh'),
    keras: { name: 'tanh' },
  },
  relu: {
    id: ACT_RELU,
    description: 'max(z, 0)',
    init: 'heUniform',
    reference: { g: (z) => Math.max(z, 0), slope: (z) => (z > 0 ? 1 : 0) },
    onnx: operator('Relu'),
    keras: { name: 'relu' },
  },
  leakyRelu: {
    id: ACT_LEAKY_RELU,
    description: 'z > 0 ? z : α·z',
    init: 'heUniform',
    reference: { g: (z, alpha) => (z > 0 ? z : alpha * z), slope: (z, alpha) => (z > 0 ? 1 : alpha) },
    onnx: {
      nodes: (layer) => [{ op: 'LeakyRelu', floats: { alpha: layer.alpha ?? DEFAULT_ALPHA } }],
      op: 'LeakyRelu',
      // ONNX's default alpha, 0.01, is also simdnet's.
      options: (attributes) => ({ alpha: attributes.float('alpha', 0.01) }),
    },
    // tfjs-layers has no 'leaky_relu' activation, only the layer; Keras 3's activation slopes 0.2 by default.
    keras: {
      layer: (layer) => ({ class_name: 'LeakyReLU', config: { alpha: layer.alpha ?? DEFAULT_ALPHA } }),
      aliases: { leaky_relu: { alpha: 0.2 } },
    },
  },
  softmax: {
    id: ACT_SOFTMAX,
    description: 'e^z_j / Σ_k e^z_k per row',
    init: 'glorotUniform',
    reference: 'softmax',
    onnx: checked({ op: 'Softmax', ints: { axis: -1 } }, (attributes) => {
      // Every tensor read is [batch, features]: axis 1 (the default before opset 13) is the last one too.
      const axis = attributes.int('axis', -1);
      if (axis !== -1 && axis !== 1) attributes.fail(`softmax over axis ${axis}; only the last axis (-1, or 1 of [batch, features]) is read`);
    }),
    keras: { name: 'softmax' },
  },
  elu: {
    id: ACT_ELU,
    description: 'z > 0 ? z : e^z − 1',
    init: 'heUniform',
    reference: { g: (z) => (z > 0 ? z : Math.expm1(z)), slope: (z) => (z > 0 ? 1 : Math.exp(z)) },
    onnx: fixed('Elu', { alpha: 1 }),
    keras: { name: 'elu' },
  },
  selu: {
    id: ACT_SELU,
    description: 'λ·(z > 0 ? z : α(e^z − 1))',
    init: 'glorotUniform',
    reference: {
      g: (z) => SELU_SCALE * (z > 0 ? z : SELU_ALPHA * Math.expm1(z)),
      slope: (z) => SELU_SCALE * (z > 0 ? 1 : SELU_ALPHA * Math.exp(z)),
    },
    onnx: fixed('Selu', { alpha: SELU_ALPHA, gamma: SELU_SCALE }),
    keras: { name: 'selu' },
  },
  gelu: {
    id: ACT_GELU,
    description: 'z·Φ(z)',
    init: 'heUniform',
    keepsPreactivations: true,
    reference: { g: (z) => z * normalCdf(z), slope: (z) => normalCdf(z) + (z * Math.exp(-0.5 * z * z)) / Math.sqrt(2 * Math.PI) },
    // Opset 20's Gelu, by default the exact z·Φ(z) (approximate = 'none'), as simdnet's.
    onnx: checked({ op: 'Gelu', opset: 20 }, (attributes) => {
      const approximate = attributes.string('approximate', 'none');
      if (approximate !== 'none') attributes.fail(`approximate = '${approximate}'; simdnet's gelu is the exact one ('none')`);
    }),
    // tfjs-layers' gelu is the exact z·Φ(z), as simdnet's; its 'gelu_new' is the tanh approximation.
    keras: { name: 'gelu' },
  },
  softplus: {
    id: ACT_SOFTPLUS,
    description: 'log(1 + e^z)',
    init: 'glorotUniform',
    reference: { g: (z) => Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z))), slope: sigmoid },
    onnx: operator('Softplus'),
    keras: { name: 'softplus' },
  },
  swish: {
    id: ACT_SWISH,
    description: 'z·σ(z) (SiLU)',
    init: 'heUniform',
    keepsPreactivations: true,
    reference: { g: (z) => z * sigmoid(z), slope: (z) => sigmoid(z) + z * sigmoid(z) * (1 - sigmoid(z)) },
    // x·Sigmoid(x): the importer reads a Sigmoid then that Mul back as swish.
    onnx: { nodes: () => [{ op: 'Sigmoid' }, { op: 'Mul', inputs: ['x', 0] }] },
    keras: { name: 'swish', aliases: { silu: {} } },
  },
  softsign: {
    id: ACT_SOFTSIGN,
    description: 'z / (1 + |z|)',
    init: 'glorotUniform',
    reference: { g: (z) => z / (1 + Math.abs(z)), slope: (z) => 1 / (1 + Math.abs(z)) ** 2 },
    onnx: operator('Softsign'),
    keras: { name: 'softsign' },
  },
  hardSigmoid: {
    id: ACT_HARD_SIGMOID,
    description: 'clip(0.2·z + 0.5, 0, 1)',
    init: 'glorotUniform',
    // Keras 2's, TF.js's and ONNX's default slope, 0.2 (Keras 3's is 1/6).
    reference: { g: (z) => Math.min(Math.max(0.2 * z + 0.5, 0), 1), slope: (z) => (z > -2.5 && z < 2.5 ? 0.2 : 0) },
    // ONNX's defaults, alpha 0.2 and beta 0.5, are simdnet's.
    onnx: fixed('HardSigmoid', { alpha: 0.2, beta: 0.5 }),
    // tfjs-layers' hardSigmoid is Keras 2's clip(0.2·z + 0.5, 0, 1), as simdnet's. Keras 3's 'hard_sigmoid'
    // slopes 1/6 instead, and Keras 2 wrote the same name, so that name is not read.
    keras: { name: 'hardSigmoid' },
  },
} satisfies Record<string, ActivationEntry>;

export type Activation = keyof typeof ACTIVATION_TABLE;
/** Every activation's name, in the table's order. */
export const ACTIVATIONS = Object.keys(ACTIVATION_TABLE) as Activation[];

/** The table's entry for an activation. */
export function activationEntry(activation: Activation): ActivationEntry {
  return ACTIVATION_TABLE[activation];
}

/** The activations computed value by value: every one but softmax. */
export const ELEMENTWISE_ACTIVATIONS = ACTIVATIONS.filter((a) => activationEntry(a).reference !== 'softmax');

/**
 * g(z) in float64, as the library defines it, for an element-wise activation (every one but
 * softmax, which acts on whole rows); alpha is leakyRelu's slope for negative inputs.
 */
export function activationFunction(activation: Activation, alpha = DEFAULT_ALPHA): (z: number) => number {
  const name = choice(activation, 'activation', ACTIVATIONS);
  const { reference } = activationEntry(name);
  if (reference === 'softmax') {
    throw new SimdnetError(`activation '${name}' acts on whole rows, not on one value; the element-wise ones are ${oneOf(ELEMENTWISE_ACTIVATIONS)}`);
  }
  const slope = finite(alpha, 'alpha', { min: 0 });
  return (z) => reference.g(z, slope);
}
