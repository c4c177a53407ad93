// Reads a Keras Sequential model of Dense layers from TensorFlow.js artifacts: as tfjs-layers
// saves it, and as tensorflowjs_converter writes Keras 2 and Keras 3 models (Keras 3 names an
// InputLayer's shape batch_shape, LeakyReLU's slope negative_slope, and its weights
// layer/vars/0). InputLayer, Dropout and Flatten pass through; an Activation, LeakyReLU, ReLU or
// Softmax layer gives the linear Dense layer before it its activation.

import { ACTIVATIONS, activationEntry } from '../../activations.js';
import { type Activation, type Loss, MAX_WIDTH } from '../../config.js';
import { describe } from '../../errors.js';
import { SimdnetError } from '../../index.js';
import type { Mlp, MlpLayer } from '../mlp.js';
import type { TFJSWeightSpec } from './artifacts.js';

const READ_LAYERS = ['Dense', 'InputLayer', 'Dropout', 'Flatten', 'Activation', 'LeakyReLU', 'ReLU', 'Softmax'];

/** Keras activation names (as Dense and Activation layers write them) and what each reads as. */
const ACTIVATION_BY_NAME = new Map<string, { activation: Activation; alpha?: number }>();
for (const activation of ACTIVATIONS) {
  const { keras } = activationEntry(activation);
  if (keras.name !== undefined) ACTIVATION_BY_NAME.set(keras.name, { activation });
  for (const [alias, options] of Object.entries(keras.aliases ?? {})) ACTIVATION_BY_NAME.set(alias, { activation, ...options });
}

/** Keras loss names (snake_case or camelCase, lowercased without underscores) that name a simdnet loss. */
const LOSS_BY_NAME: Record<string, Loss> = {
  categoricalcrossentropy: 'categoricalCrossentropy',
  binarycrossentropy: 'binaryCrossentropy',
  meansquarederror: 'squaredError',
  mse: 'squaredError',
  meanabsoluteerror: 'meanAbsoluteError',
  mae: 'meanAbsoluteError',
  huber: 'huber',
  sparsecategoricalcrossentropy: 'sparseCategoricalCrossentropy',
};

type Json = Record<string, unknown>;

/** A Dense layer read, before its weights are found. */
interface DenseLayer extends MlpLayer {
  name: string;
  /** Whether an activation has been given to it (by itself or by a layer after it). */
  activated: boolean;
}

/** Reads the network of TF.js artifacts, and the loss saved with it if there is one simdnet has. */
export function tfjsToMlp(input: unknown): { mlp: Mlp; loss?: Loss } {
  const artifacts = object(input, 'fromTFJS: the artifacts');
  let topology = object(artifacts.modelTopology, 'fromTFJS: modelTopology');
  if (topology.model_config !== undefined) topology = object(topology.model_config, 'fromTFJS: modelTopology.model_config');
  if (topology.class_name !== 'Sequential') {
    throw new SimdnetError(`fromTFJS: the model is a ${describe(topology.class_name)}; simdnet reads Keras Sequential models of Dense layers`);
  }
  // Keras before 2.2.3 wrote a Sequential's config as the list of its layers.
  const layerList = Array.isArray(topology.config) ? topology.config : object(topology.config, 'fromTFJS: modelTopology.config').layers;
  if (!Array.isArray(layerList)) throw new SimdnetError('fromTFJS: modelTopology.config.layers must be a list of layers');
  const { inputs, dense } = readLayers(layerList);
  const weights = new WeightTable(artifacts, dense);
  const layers = dense.map((layer, l) => weights.assign(layer, l === 0 ? inputs : dense[l - 1]!.units, l));
  const loss = trainingLoss(artifacts.trainingConfig);
  return { mlp: { inputs: inputs ?? layers[0]!.weights.length / layers[0]!.units, layers }, ...(loss ? { loss } : {}) };
}

function readLayers(list: unknown[]): { inputs: number | undefined; dense: DenseLayer[] } {
  const dense: DenseLayer[] = [];
  /** The shape of a sample where the layers have got to, once known: [n] when flat. */
  let shape: number[] | undefined;
  let inputs: number | undefined;
  list.forEach((raw, i) => {
    const layer = object(raw, `fromTFJS: layer ${i}`);
    const className = layer.class_name;
    const config = object(layer.config ?? {}, `fromTFJS: layer ${i}'s config`);
    const where = `fromTFJS: layer ${i} (${typeof className === 'string' ? className : 'no class_name'}${typeof config.name === 'string' ? ` '${config.name}'` : ''})`;
    const fail = (what: string): never => {
      throw new SimdnetError(`${where}: ${what}`);
    };
    const declared = declaredShape(config, where);
    if (declared) {
      if (shape === undefined && dense.length === 0) shape = declared;
      else if (shape && declared.join() !== shape.join()) fail(`it takes samples of shape [${declared.join(', ')}], but the model gives it [${shape.join(', ')}]`);
    }
    const last = dense.at(-1);
    const activate = (activation: Activation, alpha?: number): void => {
      if (!last) return fail('an activation before any Dense layer cannot be read: a simdnet layer is a Dense layer, then its activation');
      if (last.activated) fail(`the Dense layer before it already has its activation ('${last.activation}'); a simdnet layer has one activation`);
      last.activation = activation;
      if (alpha !== undefined) last.alpha = alpha;
      last.activated = true;
    };
    switch (className) {
      case 'InputLayer':
        break;
      case 'Dropout': {
        // Kept as the rate of the Dense layer it follows; a no-op at inference, so ignored before
        // the first Dense layer and after the last one.
        const rate = finiteNumber(config.rate ?? 0, `${where}: rate`);
        if (!(rate >= 0 && rate < 1)) fail(`rate ${rate} must be ≥ 0 and < 1`);
        if (last && rate > 0) last.dropout = rate;
        break;
      }
      case 'Flatten':
        if (shape) shape = [shape.reduce((a, b) => a * b, 1)];
        break;
      case 'Dense': {
        if (shape && shape.length !== 1) fail(`its input has shape [${shape.join(', ')}]; a Flatten must come first`);
        const units = integer(config.units, `${where}: units`, 1, MAX_WIDTH);
        if (dense.length === 0) inputs = shape?.[0];
        const named = activationNamed(config.activation ?? 'linear', where);
        const useBias = config.use_bias ?? true;
        if (typeof useBias !== 'boolean') fail(`use_bias must be true or false, got ${describe(useBias)}`);
        dense.push({
          name: typeof config.name === 'string' ? config.name : `dense ${dense.length}`,
          units,
          activation: named.activation,
          ...(named.alpha === undefined ? {} : { alpha: named.alpha }),
          activated: named.activation !== 'linear',
          weights: new Float32Array(0),
          bias: useBias ? new Float32Array(0) : null,
        });
        shape = [units];
        break;
      }
      case 'Activation': {
        const named = activationNamed(config.activation, where);
        if (named.activation !== 'linear') activate(named.activation, named.alpha);
        break;
      }
      case 'LeakyReLU':
        // tfjs-layers and Keras 2 call the slope alpha, Keras 3 negative_slope; all default to 0.3.
        activate('leakyRelu', slope(config.negative_slope ?? config.alpha ?? 0.3, `${where}: alpha`));
        break;
      case 'ReLU': {
        if (config.max_value != null) fail(`max_value ${describe(config.max_value)}: a capped ReLU is not a simdnet activation`);
        if ((config.threshold ?? 0) !== 0) fail(`threshold ${describe(config.threshold)}: a shifted ReLU is not a simdnet activation`);
        const negative = slope(config.negative_slope ?? 0, `${where}: negative_slope`);
        activate(negative === 0 ? 'relu' : 'leakyRelu', negative === 0 ? undefined : negative);
        break;
      }
      case 'Softmax': {
        const axis = config.axis ?? -1;
        if (axis !== -1 && !(Array.isArray(axis) && axis.length === 1 && axis[0] === -1)) {
          fail(`softmax over axis ${describe(axis)}; only the last axis (-1) is read`);
        }
        activate('softmax');
        break;
      }
      default:
        fail(`the layer is not read; simdnet reads Sequential models of ${READ_LAYERS.join(', ')} layers`);
    }
  });
  if (dense.length === 0) throw new SimdnetError('fromTFJS: the model has no Dense layer');
  delete dense.at(-1)!.dropout;
  return { inputs, dense };
}

// A layer's declared input shape without the batch dimension: batch_input_shape (tfjs-layers,
// Keras 2), batch_shape (Keras 3's InputLayer) or input_shape.
function declaredShape(config: Json, where: string): number[] | undefined {
  const batch = config.batch_input_shape ?? config.batch_shape;
  const raw = batch !== undefined && batch !== null ? batch : config.input_shape;
  if (raw === undefined || raw === null) return undefined;
  if (!Array.isArray(raw)) throw new SimdnetError(`${where}: its input shape must be a list, got ${describe(raw)}`);
  const dims = batch !== undefined && batch !== null ? raw.slice(1) : raw;
  if (dims.length === 0) throw new SimdnetError(`${where}: its input shape [${raw.join(', ')}] has no features`);
  return dims.map((d, k) => integer(d, `${where}: dimension ${k + 1} of its input shape`, 1, MAX_WIDTH));
}

function activationNamed(value: unknown, where: string): { activation: Activation; alpha?: number } {
  // Keras 3 may write an activation as a serialized function: { class_name: 'function', config: 'relu' }.
  const key = typeof value === 'object' && value !== null ? ((value as Json).config ?? (value as Json).class_name) : value;
  const found = typeof key === 'string' ? ACTIVATION_BY_NAME.get(key) : undefined;
  if (!found) {
    throw new SimdnetError(`${where}: the activation ${describe(key)} is not one simdnet has; it reads ${[...ACTIVATION_BY_NAME.keys()].map((k) => `'${k}'`).join(', ')}`);
  }
  return found;
}

function trainingLoss(config: unknown): Loss | undefined {
  const loss = typeof config === 'object' && config !== null ? (config as Json).loss : undefined;
  const name = typeof loss === 'string' ? loss.replace(/_/g, '').toLowerCase() : '';
  return Object.hasOwn(LOSS_BY_NAME, name) ? LOSS_BY_NAME[name] : undefined;
}

/** Bytes per stored element, by dtype (or quantization dtype). */
const ELEMENT_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, complex64: 8, uint8: 1, uint16: 2, float16: 2 };

interface StoredWeight {
  spec: TFJSWeightSpec;
  /** Where its bytes start in the weight data. */
  offset: number;
  count: number;
}

/** The weights of artifacts: each spec, where its bytes are, and the Dense layers' kernels and biases found among them. */
class WeightTable {
  readonly #data: Uint8Array;
  readonly #weights: StoredWeight[] = [];
  readonly #model: StoredWeight[];
  /** Where each Dense layer's kernel is among the model's weights, if they are taken in order. */
  readonly #positions: number[];
  /** How many weights the Dense layers have. */
  readonly #expected: number;
  #matchedByName = true;

  constructor(artifacts: Json, dense: readonly DenseLayer[]) {
    let at = 0;
    this.#positions = dense.map((layer) => {
      const position = at;
      at += layer.bias ? 2 : 1;
      return position;
    });
    this.#expected = at;
    const specs = weightSpecs(artifacts);
    this.#data = weightBytes(artifacts.weightData);
    let offset = 0;
    specs.forEach((raw, i) => {
      const spec = object(raw, `fromTFJS: weightSpecs[${i}]`) as unknown as TFJSWeightSpec;
      const where = `fromTFJS: weightSpecs[${i}]${typeof spec.name === 'string' ? ` ('${spec.name}')` : ''}`;
      if (typeof spec.name !== 'string') throw new SimdnetError(`${where}: name must be a string`);
      if (!Array.isArray(spec.shape)) throw new SimdnetError(`${where}: shape must be a list of sizes, got ${describe(spec.shape)}`);
      const stored = spec.quantization ? object(spec.quantization, `${where}: quantization`).dtype : spec.dtype;
      const size = typeof stored === 'string' && Object.hasOwn(ELEMENT_BYTES, stored) ? ELEMENT_BYTES[stored]! : undefined;
      if (size === undefined) throw new SimdnetError(`${where}: weights stored as ${describe(stored)} are not read`);
      let count = 1;
      spec.shape.forEach((d, k) => { count *= integer(d, `${where}: shape[${k}]`, 0, MAX_WIDTH); });
      if (offset + count * size > this.#data.length) {
        throw new SimdnetError(`${where}: its ${count} elements end at byte ${offset + count * size}, but weightData holds ${this.#data.length} bytes`);
      }
      this.#weights.push({ spec, offset, count });
      offset += count * size;
    });
    this.#model = this.#weights.filter((w) => w.spec.group !== 'optimizer');
  }

  /** The Dense layer with its kernel and bias filled in, checked against the width before it. */
  assign(layer: DenseLayer, inputs: number | undefined, index: number): MlpLayer {
    const kernel = this.#find(layer, 'kernel', index);
    const [rows, columns] = kernel.spec.shape;
    const where = `fromTFJS: the kernel of Dense layer '${layer.name}' ('${kernel.spec.name}')`;
    if (kernel.spec.shape.length !== 2 || columns !== layer.units) {
      throw new SimdnetError(`${where} has shape [${kernel.spec.shape.join(', ')}]; a layer of ${layer.units} units needs [inputs, ${layer.units}]`);
    }
    if (inputs !== undefined && rows !== inputs) throw new SimdnetError(`${where} takes ${rows} inputs, but the layer before gives ${inputs}`);
    const { name: _, activated: __, ...mlpLayer } = layer;
    mlpLayer.weights = this.#values(kernel);
    if (layer.bias) {
      const bias = this.#find(layer, 'bias', index);
      if (bias.spec.shape.length !== 1 || bias.spec.shape[0] !== layer.units) {
        throw new SimdnetError(`fromTFJS: the bias of Dense layer '${layer.name}' ('${bias.spec.name}') has shape [${bias.spec.shape.join(', ')}], not [${layer.units}]`);
      }
      mlpLayer.bias = this.#values(bias);
    }
    return mlpLayer;
  }

  // By name ('dense_1/kernel', Keras 3's 'dense_1/vars/0', with or without ':0' and scopes); or,
  // when the names match no layer, in order: kernel then bias, layer after layer, as every saver writes them.
  #find(layer: DenseLayer, kind: 'kernel' | 'bias', index: number): StoredWeight {
    if (this.#matchedByName) {
      const found = this.#model.find((w) => {
        const parts = w.spec.name.replace(/:\d+$/, '').split('/').filter((p) => p !== 'vars' && !/^_?layer_checkpoint_dependencies$/.test(p));
        const last = parts.at(-1);
        return parts.at(-2) === layer.name && (kind === 'kernel' ? last === 'kernel' || last === '0' : last === 'bias' || last === '1');
      });
      if (found) return found;
      this.#matchedByName = false;
    }
    if (this.#model.length !== this.#expected) {
      throw new SimdnetError(
        `fromTFJS: no weight is named for the ${kind} of Dense layer '${layer.name}', and the ${this.#model.length} weights ` +
          'are not one kernel and one bias per Dense layer to take in order',
      );
    }
    return this.#model[this.#positions[index]! + (kind === 'bias' ? 1 : 0)]!;
  }

  #values({ spec, offset, count }: StoredWeight): Float32Array {
    const view = new DataView(this.#data.buffer, this.#data.byteOffset + offset, this.#data.byteLength - offset);
    const out = new Float32Array(count);
    const q = spec.quantization;
    if (!q) {
      if (spec.dtype !== 'float32') throw new SimdnetError(`fromTFJS: weight '${spec.name}' has dtype ${describe(spec.dtype)}; simdnet reads float32 weights`);
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(i * 4, true);
    } else if (q.dtype === 'float16') {
      for (let i = 0; i < count; i++) out[i] = float16(view.getUint16(i * 2, true));
    } else {
      const scale = finiteNumber(q.scale, `fromTFJS: weight '${spec.name}': quantization.scale`);
      const min = finiteNumber(q.min, `fromTFJS: weight '${spec.name}': quantization.min`);
      for (let i = 0; i < count; i++) out[i] = (q.dtype === 'uint8' ? view.getUint8(i) : view.getUint16(i * 2, true)) * scale + min;
    }
    return out;
  }
}

function weightSpecs(artifacts: Json): unknown[] {
  if (artifacts.weightSpecs !== undefined) {
    if (!Array.isArray(artifacts.weightSpecs)) throw new SimdnetError(`fromTFJS: weightSpecs must be a list, got ${describe(artifacts.weightSpecs)}`);
    return artifacts.weightSpecs;
  }
  if (!Array.isArray(artifacts.weightsManifest)) {
    throw new SimdnetError('fromTFJS: the artifacts have neither weightSpecs (tf.io.ModelArtifacts) nor weightsManifest (a model.json file)');
  }
  return artifacts.weightsManifest.flatMap((group, g) => {
    const weights = object(group, `fromTFJS: weightsManifest[${g}]`).weights;
    if (!Array.isArray(weights)) throw new SimdnetError(`fromTFJS: weightsManifest[${g}].weights must be a list`);
    return weights;
  });
}

// The weight data as one run of bytes: shards (a model.json's weight files, in order) are joined.
function weightBytes(data: unknown): Uint8Array {
  const bytes = (part: unknown, what: string): Uint8Array => {
    if (part instanceof ArrayBuffer) return new Uint8Array(part);
    if (ArrayBuffer.isView(part)) return new Uint8Array(part.buffer, part.byteOffset, part.byteLength);
    throw new SimdnetError(`fromTFJS: ${what} must be an ArrayBuffer or a Uint8Array (the weight files' bytes), got ${describe(part)}`);
  };
  if (!Array.isArray(data)) return bytes(data, 'weightData');
  const parts = data.map((part, i) => bytes(part, `weightData[${i}]`));
  const joined = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    joined.set(part, at);
    at += part.length;
  }
  return joined;
}

// IEEE 754 half precision to a number.
function float16(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction ? NaN : sign * Infinity;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

function object(value: unknown, path: string): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || ArrayBuffer.isView(value)) {
    throw new SimdnetError(`${path} must be an object, got ${describe(value)}`);
  }
  return value as Json;
}

function integer(value: unknown, path: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new SimdnetError(`${path} must be an integer from ${min} to ${max}, got ${describe(value)}`);
  }
  return value;
}

function finiteNumber(value: unknown, path: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new SimdnetError(`${path} must be a finite number, got ${describe(value)}`);
  return value;
}

function slope(value: unknown, path: string): number {
  const alpha = finiteNumber(value, path);
  if (alpha < 0) throw new SimdnetError(`${path} must be ≥ 0, got ${alpha}`);
  return alpha;
}
