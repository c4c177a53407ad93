// ONNX out and in, checked against ONNX Runtime (onnxruntime-web's wasm backend in Node): an
// exported network computes in ONNX Runtime what predict computes; files laid out as PyTorch
// and Keras (tf2onnx) export them compute, once imported, what ONNX Runtime computes on them;
// round trips keep every bit; malformed and hostile files get a SimdnetError.

import fc from 'fast-check';
import * as ort from 'onnxruntime-web';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Activation, activationEntry, ACTIVATIONS } from '../src/activations.js';
import { fromONNX, toONNX } from '../src/formats/index.js';
import { OPSET_VERSION } from '../src/formats/onnx/export.js';
import {
  ATTRIBUTE_TYPE, DATA_TYPE, decodeModel, encodeModel, type OnnxAttribute, type OnnxModel, type OnnxNode, type OnnxTensor,
} from '../src/formats/onnx/proto.js';
import { Network, SimdnetError } from '../src/index.js';
import { Rng } from '../src/random.js';
import { ACTIVATION_CASES, expectClose, expectRoundTrip, randomRows as rowsOf } from './support/formats.js';
import { expectNamedError, failure } from './support/untouched.js';

beforeAll(() => {
  ort.env.wasm.numThreads = 1;
});

const rng = Rng.fromSeed(7);
const randomRows = (rows: number, width: number): Float32Array => rowsOf(rng, rows, width);

/** What ONNX Runtime computes for rows of x (flat) given as a tensor of the given shape. */
async function runInOrt(bytes: Uint8Array, x: Float32Array, shape: number[]): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(bytes);
  try {
    const result = await session.run({ [session.inputNames[0]!]: new ort.Tensor('float32', x, shape) });
    return result[session.outputNames[0]!]!.data as Float32Array;
  } finally {
    await session.release();
  }
}




describe('the activation table', () => {
  it('maps every activation of the library', () => {
    for (const activation of ACTIVATIONS) {
      const entry = activationEntry(activation).onnx;
      expect(entry, `'${activation}' has no ONNX entry`).toBeDefined();
      const nodes = entry.nodes({ units: 2, activation, weights: new Float32Array(4), bias: null });
      expect(nodes.length > 0 || activation === 'linear', `'${activation}' writes no operator`).toBe(true);
      // Every activation but linear and swish (a Sigmoid and a Mul) reads back as one operator (the round trips below check how).
      expect(entry.op !== undefined || activation === 'linear' || activation === 'swish', `no operator reads back as '${activation}'`).toBe(true);
    }
  });
});

describe('toONNX', () => {
  it.each(ACTIVATION_CASES)('$name: ONNX Runtime computes what predict does, on a dynamic batch', async ({ config }) => {
    const net = await Network.create({ ...config, seed: 11 });
    const bytes = toONNX(net);
    for (const rows of [1, 9]) {
      const x = randomRows(rows, net.inputs);
      expectClose(await runInOrt(bytes, x, [rows, net.inputs]), net.predict(x));
    }
    net.dispose();
  });

  it('writes swish as a Sigmoid and a Mul of the pre-activation by it', async () => {
    const net = await Network.create({ inputs: 3, layers: [{ units: 4, activation: 'swish' }], loss: 'squaredError', seed: 3 });
    const bytes = toONNX(net);
    expect(decodeModel(bytes).graph.nodes.map((n) => [n.opType, n.inputs.filter((i) => !i.endsWith('weight') && !i.endsWith('bias'))])).toEqual([
      ['Gemm', ['input']], ['Sigmoid', ['layer1.z']], ['Mul', ['layer1.z', 'layer1.sigmoid0']],
    ]);
    const x = randomRows(5, 3);
    expectClose(await runInOrt(bytes, x, [5, 3]), net.predict(x));
    net.dispose();
  });

  it('leaves dropout out of the inference graph', async () => {
    const net = await Network.create({ inputs: 3, layers: [{ units: 4, activation: 'relu', dropout: 0.5 }, { units: 2, activation: 'linear' }], loss: 'squaredError' });
    const bytes = toONNX(net);
    expect(decodeModel(bytes).graph.nodes.map((n) => n.opType)).toEqual(['Gemm', 'Relu', 'Gemm']);
    const x = randomRows(4, 3);
    expectClose(await runInOrt(bytes, x, [4, 3]), net.predict(x));
    net.dispose();
  });

  it('declares opset 20 only for a network with gelu, whose Gelu needs it', async () => {
    for (const [activation, opset] of [['gelu', 20], ['elu', OPSET_VERSION]] as const) {
      const net = await Network.create({ inputs: 3, layers: [{ units: 4, activation }, { units: 2, activation: 'linear' }], loss: 'squaredError' });
      expect(decodeModel(toONNX(net)).opsets).toEqual([{ domain: '', version: opset }]);
      net.dispose();
    }
  });

  it('names the input and output, declares [batch, features] and opset 13', async () => {
    const net = await Network.create({ inputs: 3, layers: [{ units: 2, activation: 'softmax' }], loss: 'categoricalCrossentropy' });
    const model = decodeModel(toONNX(net));
    expect(model.opsets).toEqual([{ domain: '', version: OPSET_VERSION }]);
    expect(OPSET_VERSION).toBeGreaterThanOrEqual(13);
    expect(model.graph.inputs).toEqual([{ name: 'input', elementType: DATA_TYPE.FLOAT, shape: ['batch', 3] }]);
    expect(model.graph.outputs).toEqual([{ name: 'output', elementType: DATA_TYPE.FLOAT, shape: ['batch', 2] }]);
    expect(model.graph.nodes.map((n) => n.opType)).toEqual(['Gemm', 'Softmax']);
    expect(model.graph.nodes[1]!.attributes).toEqual([expect.objectContaining({ name: 'axis', i: -1 })]);
    const session = await ort.InferenceSession.create(toONNX(net));
    expect([session.inputNames, session.outputNames]).toEqual([['input'], ['output']]);
    await session.release();
    net.dispose();
  });

  it('writes a layer without bias as a Gemm of two inputs and no bias initializer', async () => {
    const net = await Network.create({ inputs: 2, layers: [{ units: 2, activation: 'relu', bias: false }, { units: 1, activation: 'linear' }], loss: 'squaredError' });
    const { graph } = decodeModel(toONNX(net));
    expect(graph.nodes[0]!.inputs).toEqual(['input', 'layer1.weight']);
    expect(graph.nodes[2]!.inputs).toEqual(['layer1.out', 'layer2.weight', 'layer2.bias']);
    expect(graph.initializers.map((t) => t.name)).toEqual(['layer1.weight', 'layer2.weight', 'layer2.bias']);
    net.dispose();
  });
});

describe('simdnet → ONNX → simdnet', () => {
  it.each(ACTIVATION_CASES)('$name: the same layers and bit-identical weights', ({ config }) =>
    expectRoundTrip(config, (net) => fromONNX(toONNX(net), { loss: config.loss })));

  it('picks the loss from the output layer unless told', async () => {
    const build = (activation: Activation, units: number) => Network.create({
      inputs: 2, layers: [{ units, activation }], loss: activation === 'softmax' ? 'categoricalCrossentropy' : 'squaredError',
    });
    for (const [activation, units, loss] of [
      ['softmax', 3, 'categoricalCrossentropy'], ['sigmoid', 1, 'binaryCrossentropy'], ['linear', 2, 'squaredError'], ['tanh', 1, 'squaredError'],
    ] as const) {
      const net = await build(activation, units);
      const back = await fromONNX(toONNX(net));
      expect(back.config.loss).toBe(loss);
      const chosen = await fromONNX(toONNX(net), { loss: 'squaredError', seed: 4 });
      expect([chosen.config.loss, chosen.config.seed]).toEqual(['squaredError', 4]);
      for (const n of [net, back, chosen]) n.dispose();
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Files as other exporters lay them out, built here node by node.

const tensor = (name: string, dims: number[], values: ArrayLike<number>, layout: 'raw' | 'listed' = 'raw'): OnnxTensor => {
  const t: OnnxTensor = { name, dims, dataType: DATA_TYPE.FLOAT, floatData: [], int32Data: [], int64Data: [], doubleData: [], external: false };
  if (layout === 'listed') t.floatData = Array.from(values, Math.fround);
  else t.rawData = new Uint8Array(Float32Array.from(values).buffer);
  return t;
};
const int64Tensor = (name: string, values: number[]): OnnxTensor => ({
  name, dims: [values.length], dataType: DATA_TYPE.INT64, rawData: new Uint8Array(BigInt64Array.from(values.map(BigInt)).buffer),
  floatData: [], int32Data: [], int64Data: [], doubleData: [], external: false,
});
const attribute = (name: string, value: number, type: 'int' | 'float' = 'int'): OnnxAttribute =>
  type === 'int' ? { name, type: ATTRIBUTE_TYPE.INT, i: value, floats: [], ints: [] } : { name, type: ATTRIBUTE_TYPE.FLOAT, f: value, floats: [], ints: [] };
const node = (opType: string, inputs: string[], output: string, attributes: OnnxAttribute[] = [], name = `${opType}_${output}`): OnnxNode =>
  ({ name, opType, domain: '', inputs, outputs: [output], attributes });
const randomValues = (n: number): number[] => Array.from({ length: n }, () => rng.uniform() * 2 - 1);

function model(nodes: OnnxNode[], initializers: OnnxTensor[], inputShape: (number | string)[], output: string, opset = 13): Uint8Array {
  const m: OnnxModel = {
    irVersion: 7, opsets: [{ domain: '', version: opset }], producerName: 'test', producerVersion: '', metadata: [],
    graph: {
      name: 'g', nodes, initializers,
      inputs: [{ name: 'x', elementType: DATA_TYPE.FLOAT, shape: inputShape }],
      outputs: [{ name: output, elementType: DATA_TYPE.FLOAT }],
    },
  };
  return encodeModel(m);
}

/** PyTorch's nn.Sequential(nn.Flatten(), nn.Linear(6, 5), nn.ReLU(), nn.Linear(5, 3), nn.Softmax(dim=1)): weights units × inputs, transB = 1. */
function pytorchLayout(layout: 'raw' | 'listed' = 'raw', opset = 11): Uint8Array {
  return model([
    node('Flatten', ['x'], 'flat', [attribute('axis', 1)], '/0/Flatten'),
    node('Gemm', ['flat', 'fc1.weight', 'fc1.bias'], 'h', [attribute('alpha', 1, 'float'), attribute('beta', 1, 'float'), attribute('transB', 1)], '/1/Gemm'),
    node('Relu', ['h'], 'a', [], '/2/Relu'),
    node('Gemm', ['a', 'fc2.weight', 'fc2.bias'], 'z', [attribute('transB', 1)], '/3/Gemm'),
    node('Softmax', ['z'], 'y', [attribute('axis', 1)], '/4/Softmax'),
  ], [
    tensor('fc1.weight', [5, 6], randomValues(30), layout), tensor('fc1.bias', [5], randomValues(5), layout),
    tensor('fc2.weight', [3, 5], randomValues(15), layout), tensor('fc2.bias', [3], randomValues(3), layout),
  ], ['N', 1, 2, 3], 'y', opset);
}

/** Keras through tf2onnx: Reshape, MatMul then Add, the second bias from a Constant node, a weight through an Identity. */
function kerasLayout(): Uint8Array {
  const bias2: OnnxAttribute = { name: 'value', type: ATTRIBUTE_TYPE.TENSOR, t: tensor('', [2], randomValues(2)), floats: [], ints: [] };
  return model([
    node('Reshape', ['x', 'shape'], 'flat'),
    node('MatMul', ['flat', 'dense/kernel'], 'mm1'),
    node('Add', ['mm1', 'dense/bias'], 'z1'),
    node('Tanh', ['z1'], 'a1'),
    node('Identity', ['a1'], 'a1_copy'),
    node('Constant', [], 'dense_1/bias', [bias2]),
    node('Identity', ['dense_1/kernel'], 'kernel_copy'),
    node('MatMul', ['a1_copy', 'kernel_copy'], 'mm2'),
    node('Add', ['dense_1/bias', 'mm2'], 'z2'),
    node('LeakyRelu', ['z2'], 'out', [attribute('alpha', 0.3, 'float')]),
  ], [
    int64Tensor('shape', [-1, 4]),
    tensor('dense/kernel', [4, 8], randomValues(32)), tensor('dense/bias', [8], randomValues(8)),
    tensor('dense_1/kernel', [8, 2], randomValues(16)),
  ], ['unk__6', 4], 'out');
}

/** Gemm with transB = 0, alpha and beta, a bias broadcast from [1, units], and no activation at the end. */
function scaledGemmLayout(): Uint8Array {
  return model([
    node('Gemm', ['x', 'w', 'b'], 'h', [attribute('alpha', 0.5, 'float'), attribute('beta', 2, 'float')]),
    node('Sigmoid', ['h'], 's'),
    node('Gemm', ['s', 'w2'], 'y', [attribute('transB', 1)]),
  ], [tensor('w', [3, 4], randomValues(12)), tensor('b', [1, 4], randomValues(4)), tensor('w2', [1, 4], randomValues(4))], ['batch', 3], 'y');
}

describe('fromONNX on files laid out as other exporters write them', () => {
  it.each([
    ['PyTorch: Flatten, Gemm (transB = 1), Relu, Softmax; raw_data', () => pytorchLayout('raw'), [4, 1, 2, 3]],
    ['PyTorch, weights as float_data, opset 13', () => pytorchLayout('listed', 13), [4, 1, 2, 3]],
    ['Keras (tf2onnx): Reshape, MatMul + Add, Identity, a Constant bias, an Identity of a weight, LeakyRelu', kerasLayout, [5, 4]],
    ['Gemm with transB = 0, alpha, beta, a [1, units] bias, a linear output', scaledGemmLayout, [6, 3]],
  ] as const)('%s: the network computes what ONNX Runtime computes', async (_, build, shape) => {
    const bytes = build();
    const net = await fromONNX(bytes);
    const rows = shape[0];
    const x = randomRows(rows, net.inputs);
    expectClose(net.predict(x), await runInOrt(bytes, x, [...shape]));
    net.dispose();
  });

  it('reads the layers as what they are', async () => {
    const torch = await fromONNX(pytorchLayout());
    expect(torch.inputs).toBe(6);
    expect(torch.config.layers.map((l) => [l.units, l.activation, l.bias])).toEqual([[5, 'relu', true], [3, 'softmax', true]]);
    expect(torch.config.loss).toBe('categoricalCrossentropy');
    const keras = await fromONNX(kerasLayout());
    expect(keras.config.layers.map((l) => [l.units, l.activation, l.alpha])).toEqual([[8, 'tanh', undefined], [2, 'leakyRelu', 0.3]]);
    torch.dispose();
    keras.dispose();
  });
});

describe('fromONNX refuses what it cannot read, naming it', () => {
  const one = (nodes: OnnxNode[], extra: OnnxTensor[] = [], output = 'y') =>
    model(nodes, [tensor('w', [2, 3], randomValues(6)), ...extra], ['batch', 2], output);

  it.each([
    ['an unsupported operator', one([node('Gemm', ['x', 'w'], 'h'), node('Cos', ['h'], 'y', [], 'weird')]), /node 'weird' \(Cos\): the operator is not supported; simdnet reads Gemm, MatMul/],
    ['an operator named like an Object method', one([node('Gemm', ['x', 'w'], 'h'), node('constructor', ['h'], 'y', [], 'proto')]), /node 'proto' \(constructor\): the operator is not supported/],
    ['an activation the library lacks', one([node('Gemm', ['x', 'w'], 'h'), node('Celu', ['h'], 'y', [], 'celu1')]), /node 'celu1' \(Celu\): simdnet has no activation that computes Celu; its activations are 'linear', .*'hardSigmoid'/],
    ['a tanh-approximated Gelu', one([node('Gemm', ['x', 'w'], 'h'), node('Gelu', ['h'], 'y', [{ name: 'approximate', type: ATTRIBUTE_TYPE.STRING, s: new TextEncoder().encode('tanh'), floats: [], ints: [] }], 'g')]), /node 'g' \(Gelu\): approximate = 'tanh'; simdnet's gelu is the exact one/],
    ['an Elu of another alpha', one([node('Gemm', ['x', 'w'], 'h'), node('Elu', ['h'], 'y', [attribute('alpha', 0.5, 'float')], 'e')]), /node 'e' \(Elu\): alpha = 0\.5; simdnet's Elu has alpha = 1/],
    ['a HardSigmoid of Keras 3\'s slope', one([node('Gemm', ['x', 'w'], 'h'), node('HardSigmoid', ['h'], 'y', [attribute('alpha', 1 / 6, 'float')], 'hs')]), /node 'hs' \(HardSigmoid\): alpha = 0\.16\d*; simdnet's HardSigmoid has alpha = 0\.2/],
    ['a Mul that is not swish', one([node('Gemm', ['x', 'w'], 'h'), node('Relu', ['h'], 'r'), node('Mul', ['h', 'r'], 'y', [], 'm')]), /node 'm' \(Mul\): only a Mul of a layer's pre-activation by its Sigmoid \(swish\) is read/],
    ['two activations in a row', one([node('Gemm', ['x', 'w'], 'h'), node('Relu', ['h'], 'r'), node('Sigmoid', ['r'], 'y', [], 's')]), /node 's' \(Sigmoid\): the layer it follows already has its activation \('relu'\)/],
    ['an activation before any layer', one([node('Relu', ['x'], 'r', [], 'first'), node('Gemm', ['r', 'w'], 'y')]), /node 'first' \(Relu\): an activation before any Gemm/],
    ['a branch', one([node('Gemm', ['x', 'w'], 'h'), node('Relu', ['h'], 'r'), node('Add', ['h', 'r'], 'y', [], 'skip')]), /node 'skip' \(Add\): only an Add of a bias right after a MatMul/],
    ['weights not stored in the file', one([node('Gemm', ['x', 'elsewhere'], 'y', [], 'g')]), /node 'g' \(Gemm\): its weights \(B\), 'elsewhere', is not an initializer or a Constant/],
    ['softmax over the batch', one([node('Gemm', ['x', 'w'], 'h'), node('Softmax', ['h'], 'y', [attribute('axis', 0)], 'sm')]), /node 'sm' \(Softmax\): softmax over axis 0/],
    ['a custom domain', one([{ ...node('FusedGemm', ['x', 'w'], 'y', [], 'fg'), domain: 'com.microsoft' }]), /node 'fg' \(FusedGemm\): its domain 'com.microsoft'/],
    ['widths that do not chain', one([node('Gemm', ['x', 'w'], 'h'), node('Gemm', ['h', 'w'], 'y', [], 'second')]), /node 'second' \(Gemm\): its weights take 2 inputs, but the layer before gives 3/],
    ['an output that is not the chain\'s end', one([node('Gemm', ['x', 'w'], 'h'), node('Relu', ['h'], 'y')], [], 'h'), /the graph's output 'h' is not the end of the chain of layers, 'y'/],
    ['integer weights', one([node('Gemm', ['x', 'wi'], 'y', [], 'g')], [{ ...int64Tensor('wi', [1, 2, 3, 4, 5, 6]), dims: [2, 3] }]), /node 'g' \(Gemm\): its weights \(B\), 'wi', holds INT64/],
    ['a weight count that does not match the dims', one([node('Gemm', ['x', 'short'], 'y', [], 'g')], [tensor('short', [2, 3], randomValues(5))]), /'short', has dims \[2, 3\] \(6 elements\) but 20 bytes of data, not 24/],
    ['huge dimensions claimed', one([node('Gemm', ['x', 'huge'], 'y', [], 'g')], [tensor('huge', [2 ** 40, 2 ** 40], randomValues(4))]), /'huge', claims dims \[1099511627776, 1099511627776\]/],
    ['non-finite weights', one([node('Gemm', ['x', 'nan'], 'y')], [tensor('nan', [2, 3], [1, 2, NaN, 4, 5, 6])]), /fromONNX: the network it describes cannot be built: layers\[0\]\.weights\[2\] must be a finite/],
  ])('%s', async (_, bytes, message) => {
    expectNamedError(await failure(() => fromONNX(bytes)), message);
  });

  it('names what it is given when it is not bytes', async () => {
    expectNamedError(await failure(() => fromONNX('model.onnx' as never)), /fromONNX needs the bytes of an \.onnx file \(a Uint8Array or an ArrayBuffer\), got string/);
    expectNamedError(await failure(() => fromONNX(kerasLayout(), { loss: 'hinge' as never })), /fromONNX options\.loss must be/);
    expectNamedError(await failure(() => fromONNX(kerasLayout(), { lr: 1 } as never)), /fromONNX options has an unknown option 'lr'/);
  });
});

describe('hostile files', () => {
  const valid = pytorchLayout();

  it('every truncation of a valid file gives a SimdnetError', async () => {
    for (let length = 0; length < valid.length; length += 1) {
      const error = await failure(() => fromONNX(valid.subarray(0, length)));
      expect(error, `truncated to ${length} bytes`).toBeInstanceOf(SimdnetError);
    }
  });

  it('names the message and offset of a malformed field', async () => {
    expectNamedError(await failure(() => fromONNX(new Uint8Array([0x3a, 0x05, 0x0a]))), /ModelProto at byte 1: a field of 5 bytes where 1 remain \(the file is truncated or corrupt\)/);
    expectNamedError(await failure(() => fromONNX(new Uint8Array([0x3d, 0, 0, 0, 0]))), /ModelProto at byte 1: field 7 \(graph\) is 32-bit, where ONNX declares it length-delimited/);
    expectNamedError(await failure(() => fromONNX(new Uint8Array([0x0b]))), /field 1 has wire type 3, which no ONNX field has/);
    expectNamedError(await failure(() => fromONNX(new Uint8Array([0x08, ...new Array(11).fill(0xff)]))), /a varint longer than ten bytes/);
    expectNamedError(await failure(() => fromONNX(new Uint8Array([0x12, 0x02, 0xc3, 0x28]))), /a string that is not UTF-8/);
    expectNamedError(await failure(() => fromONNX(new Uint8Array(0))), /it has no graph/);
  });

  it('skips deeply nested fields it does not read without recursing into them', async () => {
    // 100,000 levels of an unknown field (15) of ModelProto, each holding the next, before the real fields.
    const depth = 100_000;
    const lengths = [0];
    for (let k = 1; k <= depth; k++) lengths.push(1 + varint(lengths[k - 1]!).length + lengths[k - 1]!);
    const nested = new Uint8Array(lengths[depth]!);
    let at = 0;
    for (let k = depth; k >= 1; k--) {
      nested[at++] = 0x7a;
      for (const byte of varint(lengths[k - 1]!)) nested[at++] = byte;
    }
    const net = await fromONNX(concat(nested, valid));
    expect(net.inputs).toBe(6);
    net.dispose();
  });

  it('any mutation of a valid file gives a network or a SimdnetError, never another error', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ at: fc.nat({ max: valid.length - 1 }), byte: fc.integer({ min: 0, max: 255 }) }), { minLength: 1, maxLength: 4 }),
        async (mutations) => {
          const bytes = valid.slice();
          for (const { at, byte } of mutations) bytes[at] = byte;
          try {
            const net = await fromONNX(bytes);
            expect(net.predict(new Float32Array(net.inputs)).length).toBe(net.outputs);
            net.dispose();
          } catch (error) {
            expect(error).toBeInstanceOf(SimdnetError);
          }
        },
      ),
      { numRuns: 300, seed: 1 },
    );
  });
});

function varint(n: number): number[] {
  const out: number[] = [];
  for (; n >= 0x80; n = Math.floor(n / 0x80)) out.push((n % 0x80) | 0x80);
  out.push(n);
  return out;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
