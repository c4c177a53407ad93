// A network as an ONNX model: per layer a Gemm (its weights as stored, inputs × units, so
// transB = 0 and not a bit changes) then the activation's nodes; float32 input and output
// of shape [batch, features] with a dynamic batch dimension.

import { activationEntry } from '../../activations.js';
import type { Mlp } from '../mlp.js';
import type { ActivationNode } from './activations.js';
import { ATTRIBUTE_TYPE, DATA_TYPE, encodeModel, type OnnxAttribute, type OnnxNode, type OnnxTensor } from './proto.js';

/** The opset written unless an activation needs a later one: Softmax over the last axis by default, Gemm's bias optional. */
export const OPSET_VERSION = 13;
/** The IR versions that go with opset 13 and with opsets 19 to 20. */
const IR_VERSION = 7;
const LATER_IR_VERSION = 9;

/** The graph's input and output names. */
export const INPUT_NAME = 'input';
export const OUTPUT_NAME = 'output';
/** The name of the dynamic batch dimension. */
const BATCH = 'batch';

/** The bytes of an ONNX model that computes the network's predictions; metadata goes into metadata_props. */
export function mlpToONNX(mlp: Mlp, metadata: Record<string, string> = {}): Uint8Array {
  const nodes: OnnxNode[] = [];
  const initializers: OnnxTensor[] = [];
  let x = INPUT_NAME;
  let opset = OPSET_VERSION;
  mlp.layers.forEach((layer, l) => {
    const prefix = `layer${l + 1}`;
    const last = l === mlp.layers.length - 1;
    const activation = activationEntry(layer.activation).onnx.nodes(layer);
    for (const a of activation) opset = Math.max(opset, a.opset ?? OPSET_VERSION);
    const z = activation.length === 0 && last ? OUTPUT_NAME : `${prefix}.z`;
    const inputs = layer.weights.length / layer.units;
    initializers.push(floatTensor(`${prefix}.weight`, [inputs, layer.units], layer.weights));
    const gemmInputs = [x, `${prefix}.weight`];
    if (layer.bias) {
      initializers.push(floatTensor(`${prefix}.bias`, [layer.units], layer.bias));
      gemmInputs.push(`${prefix}.bias`);
    }
    nodes.push(node(`${prefix}.gemm`, 'Gemm', gemmInputs, z, [intAttribute('transB', 0)]));
    x = activationNodes(nodes, prefix, z, activation, last ? OUTPUT_NAME : `${prefix}.out`);
  });
  const outputs = mlp.layers.at(-1)!.units;
  return encodeModel({
    irVersion: opset > OPSET_VERSION ? LATER_IR_VERSION : IR_VERSION,
    opsets: [{ domain: '', version: opset }],
    producerName: 'simdnet',
    producerVersion: '',
    graph: {
      name: 'simdnet',
      nodes,
      initializers,
      inputs: [{ name: INPUT_NAME, elementType: DATA_TYPE.FLOAT, shape: [BATCH, mlp.inputs] }],
      outputs: [{ name: OUTPUT_NAME, elementType: DATA_TYPE.FLOAT, shape: [BATCH, outputs] }],
    },
    metadata: Object.entries(metadata).map(([key, value]) => ({ key, value })),
  });
}

// Appends an activation's nodes, reading z; the last one writes `out`. Returns the layer's output name.
function activationNodes(nodes: OnnxNode[], prefix: string, z: string, activation: ActivationNode[], out: string): string {
  const names: string[] = [];
  activation.forEach((a, k) => {
    const name = k === activation.length - 1 ? out : `${prefix}.${a.op.toLowerCase()}${k}`;
    const inputs = (a.inputs ?? [k === 0 ? 'x' : k - 1]).map((input) => (input === 'x' ? z : names[input]!));
    const attributes = [
      ...Object.entries(a.floats ?? {}).map(([key, value]) => floatAttribute(key, value)),
      ...Object.entries(a.ints ?? {}).map(([key, value]) => intAttribute(key, value)),
    ];
    nodes.push(node(`${prefix}.${a.op.toLowerCase()}${activation.length > 1 ? k : ''}`, a.op, inputs, name, attributes));
    names.push(name);
  });
  return names.at(-1) ?? z;
}

function node(name: string, opType: string, inputs: string[], output: string, attributes: OnnxAttribute[]): OnnxNode {
  return { name, opType, domain: '', inputs, outputs: [output], attributes };
}

function floatAttribute(name: string, f: number): OnnxAttribute {
  return { name, type: ATTRIBUTE_TYPE.FLOAT, f, floats: [], ints: [] };
}

function intAttribute(name: string, i: number): OnnxAttribute {
  return { name, type: ATTRIBUTE_TYPE.INT, i, floats: [], ints: [] };
}

/** A float32 initializer, its elements as raw little-endian bytes. */
function floatTensor(name: string, dims: number[], values: Float32Array): OnnxTensor {
  const rawData = new Uint8Array(values.length * 4);
  const view = new DataView(rawData.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i]!, true);
  return { name, dims, dataType: DATA_TYPE.FLOAT, rawData, floatData: [], int32Data: [], int64Data: [], doubleData: [], external: false };
}
