// Reads the multilayer perceptrons that PyTorch (torch.onnx.export of nn.Linear layers: Gemm
// with transB = 1) and Keras (tf2onnx: MatMul then Add) write, and what simdnet writes. The
// graph must be one chain from its one input to its one output: per layer a Gemm, or a MatMul
// and an optional Add of a bias, then at most one activation. Flatten, Reshape to
// [batch, features], Identity and Dropout are passed through; Constant nodes, and Identity nodes
// of initializers, supply tensors like initializers do.

import { ACTIVATIONS, activationEntry } from '../../activations.js';
import { MAX_WIDTH } from '../../config.js';
import { oneOf } from '../../errors.js';
import { SimdnetError } from '../../index.js';
import { shortestFloat32 } from '../../serialization.js';
import type { Mlp, MlpLayer } from '../mlp.js';
import { type NodeAttributes, type OnnxActivation, OTHER_ACTIVATION_OPS } from './activations.js';
import { ATTRIBUTE_TYPE, DATA_TYPE, DATA_TYPE_NAMES, decodeModel, type OnnxNode, type OnnxTensor } from './proto.js';

const ACTIVATION_BY_OP = new Map(
  ACTIVATIONS.map((activation) => ({ activation, ...activationEntry(activation).onnx })).filter((a) => a.op !== undefined).map((a) => [a.op!, a]),
) as Map<string, OnnxActivation & { activation: MlpLayer['activation'] }>;

const READ_OPS = ['Gemm', 'MatMul', 'Add', ...ACTIVATION_BY_OP.keys(), 'Mul', 'Flatten', 'Reshape', 'Identity', 'Dropout', 'Constant'];

/** A network read from an ONNX file, and the file's metadata_props. */
export interface OnnxImport {
  mlp: Mlp;
  metadata: Map<string, string>;
}

/** Reads an ONNX model's network; throws a SimdnetError naming the node and operator it cannot read. */
export function onnxToMlp(file: unknown): OnnxImport {
  const model = decodeModel(bytesOf(file));
  const { graph } = model;
  // ONNX requires both; a file cut short between its fields lacks the last of them.
  if (model.irVersion <= 0) throw new SimdnetError('fromONNX: the file is not a valid ONNX model: it has no ir_version');
  if (!model.opsets.some((o) => o.domain === '' || o.domain === 'ai.onnx')) {
    throw new SimdnetError('fromONNX: the file is not a valid ONNX model: it imports no standard opset (opset_import), or it is truncated');
  }
  const constants = new Map<string, OnnxTensor>(graph.initializers.map((t) => [t.name, t]));
  const dataInputs = graph.inputs.filter((input) => !constants.has(input.name));
  if (dataInputs.length !== 1) {
    throw new SimdnetError(
      `fromONNX: the graph must have one input (besides initializers), it has ${dataInputs.length}` +
        (dataInputs.length > 0 ? `: ${dataInputs.map((i) => `'${i.name}'`).join(', ')}` : ''),
    );
  }
  if (graph.outputs.length !== 1) throw new SimdnetError(`fromONNX: the graph must have one output, it has ${graph.outputs.length}`);
  const input = dataInputs[0]!;
  if (input.elementType !== undefined && input.elementType !== DATA_TYPE.FLOAT) {
    throw new SimdnetError(`fromONNX: the input '${input.name}' holds ${typeName(input.elementType)}; simdnet reads float32 (FLOAT) inputs`);
  }
  const chain = new Chain(input.name, input.shape);
  graph.nodes.forEach((node, index) => chain.read(node, index, constants));
  const output = graph.outputs[0]!.name;
  if (chain.tensor !== output) {
    throw new SimdnetError(`fromONNX: the graph's output '${output}' is not the end of the chain of layers, '${chain.tensor}'`);
  }
  return { mlp: chain.finish(), metadata: new Map(model.metadata.map(({ key, value }) => [key, value])) };
}

function bytesOf(file: unknown): Uint8Array {
  if (file instanceof Uint8Array) return file;
  if (file instanceof ArrayBuffer) return new Uint8Array(file);
  if (ArrayBuffer.isView(file)) return new Uint8Array(file.buffer, file.byteOffset, file.byteLength);
  const got = file === null ? 'null' : Array.isArray(file) ? 'an array' : typeof file;
  throw new SimdnetError(`fromONNX needs the bytes of an .onnx file (a Uint8Array or an ArrayBuffer), got ${got}`);
}

/** The layers read so far, and where the chain has got to. */
class Chain {
  /** The name of the tensor the next node must read. */
  tensor: string;
  readonly #layers: MlpLayer[] = [];
  /** The width of the tensor, once known: from the input's shape, or from the first weights. */
  #width: number | undefined;
  /** The tensor's rank: 2 once flat ([batch, features]); an input of higher rank needs a Flatten or Reshape first. */
  #rank: number;
  /** Whether the last layer still takes a bias and an activation: nothing but its Gemm or MatMul has been read. */
  #open = false;
  /** The first layer's inputs: the network's. */
  #inputs: number | undefined;
  /** The tensor the last layer's activation read, its pre-activation, while a Mul may make its Sigmoid a swish. */
  #preactivation: string | undefined;

  constructor(input: string, shape: (number | string | null)[] | undefined) {
    this.tensor = input;
    this.#rank = shape?.length ?? 2;
    if (shape && shape.length < 2) {
      throw new SimdnetError(`fromONNX: the input '${input}' has rank ${shape.length}; simdnet reads inputs of shape [batch, features]`);
    }
    const features = shape?.slice(1);
    if (features?.every((d): d is number => typeof d === 'number' && d > 0)) {
      this.#width = features.reduce((a, b) => a * b, 1);
    }
  }

  /** How each operator other than the activations is read. */
  readonly #operators = new Map<string, (at: NodeReader) => void>([
    ['Gemm', (at) => this.#gemm(at)],
    ['MatMul', (at) => this.#matMul(at)],
    ['Add', (at) => this.#add(at)],
    ['Mul', (at) => this.#mul(at)],
    ['Flatten', (at) => this.#flatten(at)],
    ['Reshape', (at) => this.#reshape(at)],
    ['Identity', (at) => at.firstInputIs(this.tensor)],
    ['Dropout', (at) => at.firstInputIs(this.tensor)],
  ]);

  read(node: OnnxNode, index: number, constants: Map<string, OnnxTensor>): void {
    const at = new NodeReader(node, index, constants);
    if (node.domain !== '' && node.domain !== 'ai.onnx') {
      at.fail(`its domain '${node.domain}' is not the standard ONNX one; simdnet reads only standard operators (${READ_OPS.join(', ')})`);
    }
    if (node.opType === 'Constant') {
      constants.set(at.output(), at.constantValue());
      return;
    }
    // PyTorch writes an Identity of an initializer where a module's weights are used twice.
    if (node.opType === 'Identity' && node.inputs[0] !== this.tensor && constants.has(node.inputs[0] ?? '')) {
      constants.set(at.output(), constants.get(node.inputs[0]!)!);
      return;
    }
    if (!node.inputs.includes(this.tensor)) {
      at.fail(`it does not read '${this.tensor}', the output of the node before it; simdnet reads one chain of layers from the input to the output`);
    }
    const activation = ACTIVATION_BY_OP.get(node.opType);
    const read = activation ? (r: NodeReader) => this.#activation(r, activation) : this.#operators.get(node.opType);
    if (read) read(at);
    else if (OTHER_ACTIVATION_OPS.has(node.opType)) {
      at.fail(`simdnet has no activation that computes ${node.opType}; its activations are ${oneOf(ACTIVATIONS)}`);
    } else {
      at.fail(`the operator is not supported; simdnet reads ${READ_OPS.join(', ')}`);
    }
    this.tensor = at.output();
  }

  finish(): Mlp {
    if (this.#layers.length === 0) throw new SimdnetError('fromONNX: the graph has no Gemm or MatMul layer');
    return { inputs: this.#inputs!, layers: this.#layers };
  }

  #gemm(at: NodeReader): void {
    at.firstInputIs(this.tensor);
    if (at.int('transA', 0) !== 0) at.fail('transA = 1 (a transposed input) is not read');
    const transB = at.int('transB', 0);
    const alpha = at.float('alpha', 1);
    const beta = at.float('beta', 1);
    const b = at.constant(1, 'its weights (B)');
    if (b.dims.length !== 2) at.fail(`its weights (B) must be a matrix, got dims [${b.dims.join(', ')}]`);
    const [rows, columns] = b.dims as [number, number];
    const [inputs, units] = transB ? [columns, rows] : [rows, columns];
    const values = at.floats(b, 'its weights (B)');
    const weights = transB ? transpose(values, rows, columns) : values;
    if (alpha !== 1) weights.forEach((w, i) => { weights[i] = alpha * w; });
    let bias: Float32Array | null = null;
    if (at.hasInput(2)) {
      bias = at.biasValues(at.constant(2, 'its bias (C)'), units, 'its bias (C)');
      if (beta !== 1) bias.forEach((v, i) => { bias![i] = beta * v; });
    }
    this.#addLayer(at, inputs, units, weights, bias);
  }

  #matMul(at: NodeReader): void {
    at.firstInputIs(this.tensor);
    const w = at.constant(1, 'its weights');
    if (w.dims.length !== 2) at.fail(`its weights must be a matrix, got dims [${w.dims.join(', ')}]`);
    const [inputs, units] = w.dims as [number, number];
    this.#addLayer(at, inputs, units, at.floats(w, 'its weights'), null);
  }

  #add(at: NodeReader): void {
    const layer = this.#layers.at(-1);
    if (!layer || !this.#open || layer.bias !== null) {
      at.fail('only an Add of a bias right after a MatMul (or a Gemm without bias) is read');
    }
    const other = at.node.inputs.length === 2 ? at.node.inputs.findIndex((name) => name !== this.tensor) : -1;
    if (other < 0) at.fail('an Add must have two inputs: the layer\'s output and a constant bias');
    layer.bias = at.biasValues(at.constant(other, 'the bias it adds'), layer.units, 'the bias it adds');
  }

  #activation(at: NodeReader, activation: OnnxActivation & { activation: MlpLayer['activation'] }): void {
    at.firstInputIs(this.tensor);
    const layer = this.#layers.at(-1);
    if (!layer) at.fail('an activation before any Gemm or MatMul cannot be read: a simdnet layer is an affine map, then its activation');
    if (!this.#open) {
      at.fail(`the layer it follows already has its activation ('${layer.activation}'); a simdnet layer has one activation`);
    }
    layer.activation = activation.activation;
    this.#preactivation = this.tensor;
    const options = activation.options?.(at) ?? {};
    // Attributes are float32: the shortest decimal of the same float32 is the alpha simdnet was given.
    if (options.alpha !== undefined) layer.alpha = shortestFloat32(options.alpha);
    this.#open = false;
  }

  // Swish as exporters write it: x·Sigmoid(x).
  #mul(at: NodeReader): void {
    const layer = this.#layers.at(-1);
    const [a, b, ...more] = at.node.inputs;
    const pair = new Set([a, b]);
    const swish = layer?.activation === 'sigmoid' && more.length === 0 && this.#preactivation !== undefined &&
      pair.has(this.tensor) && pair.has(this.#preactivation);
    if (!swish) at.fail('only a Mul of a layer\'s pre-activation by its Sigmoid (swish) is read');
    layer!.activation = 'swish';
    this.#preactivation = undefined;
  }

  #flatten(at: NodeReader): void {
    at.firstInputIs(this.tensor);
    const axis = at.int('axis', 1);
    if (axis !== 1 && !(axis === -1 && this.#rank === 2)) at.fail(`axis ${axis}: only a Flatten to [batch, features] (axis 1) is read`);
    if (this.#rank > 2 && this.#width === undefined) at.fail('the input\'s shape does not say how many features it flattens to');
    this.#flat();
  }

  #reshape(at: NodeReader): void {
    at.firstInputIs(this.tensor);
    const shape = at.ints(at.constant(1, 'its shape'), 'its shape');
    const [batch, features] = shape;
    const flat = shape.length === 2 && (batch === 0 || batch === -1) &&
      (features === -1 ? batch === 0 : features === this.#width || (this.#width === undefined && features! > 0));
    if (!flat) at.fail(`shape [${shape.join(', ')}]: only a Reshape to [batch, features] (such as [-1, ${this.#width ?? 'features'}]) is read`);
    if (features! > 0) this.#width = features;
    else if (this.#rank > 2 && this.#width === undefined) at.fail('the input\'s shape does not say how many features it flattens to');
    this.#flat();
  }

  #flat(): void {
    this.#rank = 2;
  }

  #addLayer(at: NodeReader, inputs: number, units: number, weights: Float32Array, bias: Float32Array | null): void {
    if (this.#rank !== 2) at.fail(`its input has rank ${this.#rank}; a Flatten or Reshape to [batch, features] must come first`);
    for (const [what, n] of [['inputs', inputs], ['units', units]] as const) {
      if (n < 1 || n > MAX_WIDTH) at.fail(`its weights have ${n} ${what}; simdnet layers have 1 to ${MAX_WIDTH}`);
    }
    if (this.#width !== undefined && inputs !== this.#width) {
      const before = this.#layers.length === 0 ? 'the input has' : 'the layer before gives';
      at.fail(`its weights take ${inputs} inputs, but ${before} ${this.#width}`);
    }
    this.#inputs ??= inputs;
    this.#layers.push({ units, activation: 'linear', weights, bias });
    this.#width = units;
    this.#open = true;
    this.#preactivation = undefined;
  }
}

/** One node's inputs, attributes and constants, with errors that name the node. */
class NodeReader implements NodeAttributes {
  constructor(
    readonly node: OnnxNode,
    readonly index: number,
    readonly constants: Map<string, OnnxTensor>,
  ) {}

  fail(what: string): never {
    const name = this.node.name ? `'${this.node.name}'` : `#${this.index}`;
    throw new SimdnetError(`fromONNX: node ${name} (${this.node.opType || 'no operator'}): ${what}`);
  }

  output(): string {
    const output = this.node.outputs[0];
    if (!output) this.fail('it has no output');
    return output;
  }

  firstInputIs(tensor: string): void {
    if (this.node.inputs[0] !== tensor) this.fail(`its first input must be '${tensor}', the output of the node before it`);
  }

  hasInput(i: number): boolean {
    return (this.node.inputs[i] ?? '') !== '';
  }

  /** The initializer or Constant output that input i names. */
  constant(i: number, what: string): OnnxTensor {
    const name = this.node.inputs[i];
    if (!name) this.fail(`${what} is missing`);
    const tensor = this.constants.get(name);
    if (!tensor) this.fail(`${what}, '${name}', is not an initializer or a Constant; simdnet reads weights stored in the file`);
    return tensor;
  }

  #attribute(name: string, type: number) {
    const a = this.node.attributes.find((x) => x.name === name);
    if (a === undefined) return undefined;
    // Files from before IR version 2 have no type; the field that is set then says it.
    const actual = a.type || (a.f !== undefined ? ATTRIBUTE_TYPE.FLOAT : a.i !== undefined ? ATTRIBUTE_TYPE.INT : a.t ? ATTRIBUTE_TYPE.TENSOR : 0);
    if (actual !== type) this.fail(`its attribute '${name}' has type ${actual}, not ${type}`);
    return a;
  }

  float(name: string, fallback: number): number {
    const value = this.#attribute(name, ATTRIBUTE_TYPE.FLOAT)?.f ?? fallback;
    if (!Number.isFinite(value)) this.fail(`its attribute '${name}' is ${value}`);
    return value;
  }

  int(name: string, fallback: number): number {
    return this.#attribute(name, ATTRIBUTE_TYPE.INT)?.i ?? fallback;
  }

  string(name: string, fallback: string): string {
    const bytes = this.#attribute(name, ATTRIBUTE_TYPE.STRING)?.s;
    return bytes === undefined ? fallback : new TextDecoder().decode(bytes);
  }

  /** The tensor a Constant node holds. */
  constantValue(): OnnxTensor {
    const [a, ...more] = this.node.attributes;
    if (!a || more.length > 0) this.fail('a Constant must have exactly one attribute');
    const tensor = (dims: number[], dataType: number, values: number[]): OnnxTensor => ({
      name: this.output(), dims, dataType, floatData: dataType === DATA_TYPE.FLOAT ? values : [],
      int32Data: [], int64Data: dataType === DATA_TYPE.INT64 ? values : [], doubleData: [], external: false,
    });
    switch (a.name) {
      case 'value':
        if (!a.t) this.fail('its attribute \'value\' holds no tensor');
        return { ...a.t, name: this.output() };
      case 'value_float':
        return tensor([], DATA_TYPE.FLOAT, [this.float('value_float', NaN)]);
      case 'value_floats':
        return tensor([a.floats.length], DATA_TYPE.FLOAT, a.floats);
      case 'value_int':
        return tensor([], DATA_TYPE.INT64, [this.int('value_int', 0)]);
      case 'value_ints':
        return tensor([a.ints.length], DATA_TYPE.INT64, a.ints);
      default:
        return this.fail(`a Constant's '${a.name}' is not read; simdnet reads value, value_float(s) and value_int(s)`);
    }
  }

  /** A float tensor's elements as float32, after checking that there are as many as its dims say. */
  floats(t: OnnxTensor, what: string): Float32Array {
    if (t.external) this.fail(`${what}, '${t.name}', is stored in a separate file; save the model with its weights inside (onnx.save_model(model, path, save_as_external_data=False))`);
    const count = this.#count(t, what);
    if (t.dataType === DATA_TYPE.FLOAT) {
      if (t.rawData) return Float32Array.from(elements(this.#raw(t, count, 4, what), count, 4, (v, i) => v.getFloat32(i, true)));
      return Float32Array.from(this.#listed(t.floatData, count, what));
    }
    if (t.dataType === DATA_TYPE.DOUBLE) {
      if (t.rawData) return Float32Array.from(elements(this.#raw(t, count, 8, what), count, 8, (v, i) => v.getFloat64(i, true)));
      return Float32Array.from(this.#listed(t.doubleData, count, what));
    }
    return this.fail(`${what}, '${t.name}', holds ${typeName(t.dataType)}; simdnet reads FLOAT (or DOUBLE) weights`);
  }

  /** An integer tensor's elements (a Reshape's shape). */
  ints(t: OnnxTensor, what: string): number[] {
    const count = this.#count(t, what);
    if (t.dataType === DATA_TYPE.INT64) {
      if (t.rawData) return Array.from(elements(this.#raw(t, count, 8, what), count, 8, (v, i) => Number(v.getBigInt64(i, true))));
      return this.#listed(t.int64Data, count, what);
    }
    if (t.dataType === DATA_TYPE.INT32) {
      if (t.rawData) return Array.from(elements(this.#raw(t, count, 4, what), count, 4, (v, i) => v.getInt32(i, true)));
      return this.#listed(t.int32Data, count, what);
    }
    return this.fail(`${what}, '${t.name}', holds ${typeName(t.dataType)}, not integers`);
  }

  /** A bias of `units` values, from a tensor of dims [units], [1, units], or one value for all units. */
  biasValues(t: OnnxTensor, units: number, what: string): Float32Array {
    const values = this.floats(t, what);
    const dims = t.dims.filter((d) => d !== 1);
    if (values.length === 1) return new Float32Array(units).fill(values[0]!);
    if (dims.length === 1 && dims[0] === units && t.dims.at(-1) === units) return values;
    return this.fail(`${what}, '${t.name}', has dims [${t.dims.join(', ')}]; a bias of this layer has dims [${units}]`);
  }

  // The element count its dims give, after checking each is a size; never more than the file could hold.
  #count(t: OnnxTensor, what: string): number {
    let count = 1;
    for (const d of t.dims) {
      if (!Number.isSafeInteger(d) || d < 0) this.fail(`${what}, '${t.name}', has a dimension of ${d}`);
      count *= d;
    }
    if (count > 2 ** 32) this.fail(`${what}, '${t.name}', claims dims [${t.dims.join(', ')}], more elements than any file holds`);
    return count;
  }

  #raw(t: OnnxTensor, count: number, size: number, what: string): DataView {
    const raw = t.rawData!;
    if (raw.length !== count * size) {
      this.fail(`${what}, '${t.name}', has dims [${t.dims.join(', ')}] (${count} elements) but ${raw.length} bytes of data, not ${count * size}`);
    }
    return new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  }

  #listed(values: number[], count: number, what: string): number[] {
    if (values.length !== count) this.fail(`${what} has dims of ${count} elements but holds ${values.length}`);
    return values;
  }
}

// The elements of raw little-endian data, each `size` bytes.
function* elements(view: DataView, count: number, size: number, read: (view: DataView, at: number) => number): Generator<number> {
  for (let i = 0; i < count; i++) yield read(view, i * size);
}

function transpose(values: Float32Array, rows: number, columns: number): Float32Array {
  const out = new Float32Array(values.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < columns; c++) out[c * rows + r] = values[r * columns + c]!;
  return out;
}

function typeName(dataType: number): string {
  return DATA_TYPE_NAMES[dataType] ?? `data type ${dataType}`;
}
