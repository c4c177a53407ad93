// The ONNX messages simdnet reads and writes (onnx/onnx.proto: ModelProto, GraphProto,
// NodeProto, AttributeProto, TensorProto, ValueInfoProto, TypeProto), as plain objects, with
// their encoding and decoding. Fields simdnet has no use for are skipped when read; subgraphs,
// sparse tensors and training information are never looked into.

import { FIXED32, FIXED64, LENGTH_DELIMITED, ProtoReader, ProtoWriter, VARINT } from '../protobuf.js';

/** TensorProto.DataType values. */
export const DATA_TYPE = { FLOAT: 1, INT32: 6, INT64: 7, DOUBLE: 11 } as const;

/** Names of the TensorProto.DataType values, for error messages. */
export const DATA_TYPE_NAMES = [
  'UNDEFINED', 'FLOAT', 'UINT8', 'INT8', 'UINT16', 'INT16', 'INT32', 'INT64', 'STRING', 'BOOL', 'FLOAT16', 'DOUBLE',
  'UINT32', 'UINT64', 'COMPLEX64', 'COMPLEX128', 'BFLOAT16',
];

/** AttributeProto.AttributeType values. */
export const ATTRIBUTE_TYPE = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, FLOATS: 6, INTS: 7 } as const;

export interface OnnxTensor {
  name: string;
  dims: number[];
  dataType: number;
  /** Little-endian elements, when the tensor stores them as raw_data. */
  rawData?: Uint8Array;
  floatData: number[];
  int32Data: number[];
  int64Data: number[];
  doubleData: number[];
  /** Whether the elements live in a separate file (data_location EXTERNAL). */
  external: boolean;
}

export interface OnnxAttribute {
  name: string;
  type: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  t?: OnnxTensor;
  floats: number[];
  ints: number[];
}

export interface OnnxNode {
  name: string;
  opType: string;
  domain: string;
  inputs: string[];
  outputs: string[];
  attributes: OnnxAttribute[];
}

/** A dimension of a declared shape: a size, a symbolic name (a dynamic dimension), or unknown. */
export type OnnxDimension = number | string | null;

export interface OnnxValueInfo {
  name: string;
  /** The element type of a tensor value (TensorProto.DataType), or undefined for other values. */
  elementType?: number;
  /** The declared shape, or undefined where none is declared. */
  shape?: OnnxDimension[];
}

export interface OnnxGraph {
  name: string;
  nodes: OnnxNode[];
  initializers: OnnxTensor[];
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
}

export interface OnnxModel {
  irVersion: number;
  opsets: { domain: string; version: number }[];
  producerName: string;
  producerVersion: string;
  graph: OnnxGraph;
  metadata: { key: string; value: string }[];
}

// Field numbers, from onnx.proto.
const MODEL = { irVersion: 1, producerName: 2, producerVersion: 3, graph: 7, opsetImport: 8, metadataProps: 14 } as const;
const OPSET = { domain: 1, version: 2 } as const;
const ENTRY = { key: 1, value: 2 } as const;
const GRAPH = { node: 1, name: 2, initializer: 5, input: 11, output: 12 } as const;
const NODE = { input: 1, output: 2, name: 3, opType: 4, attribute: 5, domain: 7 } as const;
const ATTRIBUTE = { name: 1, f: 2, i: 3, s: 4, t: 5, floats: 7, ints: 8, type: 20 } as const;
const TENSOR = {
  dims: 1, dataType: 2, floatData: 4, int32Data: 5, int64Data: 7, name: 8, rawData: 9, doubleData: 10, dataLocation: 14,
} as const;
const VALUE_INFO = { name: 1, type: 2 } as const;
const TYPE = { tensorType: 1 } as const;
const TYPE_TENSOR = { elemType: 1, shape: 2 } as const;
const SHAPE = { dim: 1 } as const;
const DIMENSION = { dimValue: 1, dimParam: 2 } as const;
const DATA_LOCATION_EXTERNAL = 1;

// ---------------------------------------------------------------------------------------------
// Writing

/** The bytes of an ONNX model file. */
export function encodeModel(model: OnnxModel): Uint8Array {
  const w = new ProtoWriter();
  w.varint(MODEL.irVersion, model.irVersion);
  if (model.producerName) w.string(MODEL.producerName, model.producerName);
  if (model.producerVersion) w.string(MODEL.producerVersion, model.producerVersion);
  w.message(MODEL.graph, (g) => writeGraph(g, model.graph));
  for (const { domain, version } of model.opsets) {
    w.message(MODEL.opsetImport, (o) => {
      if (domain) o.string(OPSET.domain, domain);
      o.varint(OPSET.version, version);
    });
  }
  for (const { key, value } of model.metadata) {
    w.message(MODEL.metadataProps, (e) => e.string(ENTRY.key, key).string(ENTRY.value, value));
  }
  return w.finish();
}

function writeGraph(w: ProtoWriter, graph: OnnxGraph): void {
  for (const node of graph.nodes) w.message(GRAPH.node, (n) => writeNode(n, node));
  w.string(GRAPH.name, graph.name);
  for (const tensor of graph.initializers) w.message(GRAPH.initializer, (t) => writeTensor(t, tensor));
  for (const input of graph.inputs) w.message(GRAPH.input, (v) => writeValueInfo(v, input));
  for (const output of graph.outputs) w.message(GRAPH.output, (v) => writeValueInfo(v, output));
}

function writeNode(w: ProtoWriter, node: OnnxNode): void {
  for (const input of node.inputs) w.string(NODE.input, input);
  for (const output of node.outputs) w.string(NODE.output, output);
  w.string(NODE.name, node.name);
  w.string(NODE.opType, node.opType);
  for (const attribute of node.attributes) w.message(NODE.attribute, (a) => writeAttribute(a, attribute));
  if (node.domain) w.string(NODE.domain, node.domain);
}

function writeAttribute(w: ProtoWriter, a: OnnxAttribute): void {
  w.string(ATTRIBUTE.name, a.name);
  if (a.f !== undefined) w.float(ATTRIBUTE.f, a.f);
  if (a.i !== undefined) w.varint(ATTRIBUTE.i, a.i);
  if (a.s !== undefined) w.bytes(ATTRIBUTE.s, a.s);
  if (a.t !== undefined) w.message(ATTRIBUTE.t, (t) => writeTensor(t, a.t!));
  for (const f of a.floats) w.float(ATTRIBUTE.floats, f);
  for (const i of a.ints) w.varint(ATTRIBUTE.ints, i);
  w.varint(ATTRIBUTE.type, a.type);
}

function writeTensor(w: ProtoWriter, t: OnnxTensor): void {
  for (const dim of t.dims) w.varint(TENSOR.dims, dim);
  w.varint(TENSOR.dataType, t.dataType);
  if (t.floatData.length > 0) w.packedFloats(TENSOR.floatData, t.floatData);
  w.string(TENSOR.name, t.name);
  if (t.rawData) w.bytes(TENSOR.rawData, t.rawData);
}

function writeValueInfo(w: ProtoWriter, v: OnnxValueInfo): void {
  w.string(VALUE_INFO.name, v.name);
  if (v.elementType === undefined) return;
  w.message(VALUE_INFO.type, (type) => type.message(TYPE.tensorType, (tensor) => {
    tensor.varint(TYPE_TENSOR.elemType, v.elementType!);
    if (v.shape) {
      tensor.message(TYPE_TENSOR.shape, (shape) => {
        for (const dim of v.shape!) {
          shape.message(SHAPE.dim, (d) => {
            if (typeof dim === 'number') d.varint(DIMENSION.dimValue, dim);
            else if (typeof dim === 'string') d.string(DIMENSION.dimParam, dim);
          });
        }
      });
    }
  }));
}

// ---------------------------------------------------------------------------------------------
// Reading: each message is a table of the fields read, by number; other fields are skipped.

const CONTEXT = 'fromONNX: the file is not a valid ONNX model:';

interface Field<T> {
  name: string;
  wireTypes: readonly number[];
  read(r: ProtoReader, message: T, wireType: number): void;
}
type Fields<T> = Record<number, Field<T>>;

function readMessage<T>(r: ProtoReader, message: T, fields: Fields<T>): T {
  while (!r.done) {
    const tag = r.tag();
    const field = fields[tag.field];
    if (!field) {
      r.skip(tag.wireType);
      continue;
    }
    r.expect(tag, field.wireTypes, field.name);
    field.read(r, message, tag.wireType);
  }
  return message;
}

const text = <T>(name: string, set: (m: T, v: string) => void): Field<T> =>
  ({ name, wireTypes: [LENGTH_DELIMITED], read: (r, m) => set(m, r.string()) });
const int = <T>(name: string, set: (m: T, v: number) => void): Field<T> =>
  ({ name, wireTypes: [VARINT], read: (r, m) => set(m, r.int()) });
const nested = <T, U>(name: string, type: string, fields: () => Fields<U>, make: () => U, set: (m: T, v: U) => void): Field<T> =>
  ({ name, wireTypes: [LENGTH_DELIMITED], read: (r, m) => set(m, readMessage(r.message(`${CONTEXT} ${type}`), make(), fields())) });
// Repeated numbers: packed, or one field each.
const floats = <T>(name: string, list: (m: T) => number[]): Field<T> =>
  ({ name, wireTypes: [LENGTH_DELIMITED, FIXED32], read: (r, m, w) => r.floats(w, list(m)) });
const doubles = <T>(name: string, list: (m: T) => number[]): Field<T> =>
  ({ name, wireTypes: [LENGTH_DELIMITED, FIXED64], read: (r, m, w) => r.doubles(w, list(m)) });
const ints = <T>(name: string, list: (m: T) => number[]): Field<T> =>
  ({ name, wireTypes: [LENGTH_DELIMITED, VARINT], read: (r, m, w) => r.ints(w, list(m)) });

const emptyGraph = (): OnnxGraph => ({ name: '', nodes: [], initializers: [], inputs: [], outputs: [] });
const emptyTensor = (): OnnxTensor =>
  ({ name: '', dims: [], dataType: 0, floatData: [], int32Data: [], int64Data: [], doubleData: [], external: false });

const TENSOR_FIELDS: Fields<OnnxTensor> = {
  [TENSOR.dims]: ints('dims', (t) => t.dims),
  [TENSOR.dataType]: int('data_type', (t, v) => { t.dataType = v; }),
  [TENSOR.floatData]: floats('float_data', (t) => t.floatData),
  [TENSOR.int32Data]: ints('int32_data', (t) => t.int32Data),
  [TENSOR.int64Data]: ints('int64_data', (t) => t.int64Data),
  [TENSOR.doubleData]: doubles('double_data', (t) => t.doubleData),
  [TENSOR.name]: text('name', (t, v) => { t.name = v; }),
  [TENSOR.rawData]: { name: 'raw_data', wireTypes: [LENGTH_DELIMITED], read: (r, t) => { t.rawData = r.bytes(); } },
  [TENSOR.dataLocation]: int('data_location', (t, v) => { t.external = v === DATA_LOCATION_EXTERNAL; }),
};

const ATTRIBUTE_FIELDS: Fields<OnnxAttribute> = {
  [ATTRIBUTE.name]: text('name', (a, v) => { a.name = v; }),
  [ATTRIBUTE.type]: int('type', (a, v) => { a.type = v; }),
  [ATTRIBUTE.f]: { name: 'f', wireTypes: [FIXED32], read: (r, a) => { a.f = r.float(); } },
  [ATTRIBUTE.i]: int('i', (a, v) => { a.i = v; }),
  [ATTRIBUTE.s]: { name: 's', wireTypes: [LENGTH_DELIMITED], read: (r, a) => { a.s = r.bytes(); } },
  [ATTRIBUTE.t]: nested('t', 'TensorProto', () => TENSOR_FIELDS, emptyTensor, (a, t) => { a.t = t; }),
  [ATTRIBUTE.floats]: floats('floats', (a) => a.floats),
  [ATTRIBUTE.ints]: ints('ints', (a) => a.ints),
};

const NODE_FIELDS: Fields<OnnxNode> = {
  [NODE.input]: text('input', (n, v) => n.inputs.push(v)),
  [NODE.output]: text('output', (n, v) => n.outputs.push(v)),
  [NODE.name]: text('name', (n, v) => { n.name = v; }),
  [NODE.opType]: text('op_type', (n, v) => { n.opType = v; }),
  [NODE.attribute]: nested('attribute', 'AttributeProto', () => ATTRIBUTE_FIELDS, () => ({ name: '', type: 0, floats: [], ints: [] }), (n, a) => n.attributes.push(a)),
  [NODE.domain]: text('domain', (n, v) => { n.domain = v; }),
};

// A dimension is a size or a symbolic name (dynamic); neither set, unknown.
const DIMENSION_FIELDS: Fields<{ dim: OnnxDimension }> = {
  [DIMENSION.dimValue]: int('dim_value', (d, v) => { d.dim = v; }),
  [DIMENSION.dimParam]: text('dim_param', (d, v) => { d.dim = v; }),
};
const SHAPE_FIELDS: Fields<OnnxDimension[]> = {
  [SHAPE.dim]: nested('dim', 'TensorShapeProto.Dimension', () => DIMENSION_FIELDS, () => ({ dim: null as OnnxDimension }), (s, d) => s.push(d.dim)),
};
const TYPE_TENSOR_FIELDS: Fields<OnnxValueInfo> = {
  [TYPE_TENSOR.elemType]: int('elem_type', (v, t) => { v.elementType = t; }),
  [TYPE_TENSOR.shape]: nested('shape', 'TensorShapeProto', () => SHAPE_FIELDS, (): OnnxDimension[] => [], (v, s) => { v.shape = s; }),
};
// A value's type is read into the value itself: only tensor types are of interest.
const TYPE_FIELDS: Fields<OnnxValueInfo> = {
  [TYPE.tensorType]: {
    name: 'tensor_type',
    wireTypes: [LENGTH_DELIMITED],
    read: (r, v) => {
      v.elementType = 0;
      readMessage(r.message(`${CONTEXT} TypeProto.Tensor`), v, TYPE_TENSOR_FIELDS);
    },
  },
};
const VALUE_INFO_FIELDS: Fields<OnnxValueInfo> = {
  [VALUE_INFO.name]: text('name', (v, name) => { v.name = name; }),
  [VALUE_INFO.type]: { name: 'type', wireTypes: [LENGTH_DELIMITED], read: (r, v) => { readMessage(r.message(`${CONTEXT} TypeProto`), v, TYPE_FIELDS); } },
};

const GRAPH_FIELDS: Fields<OnnxGraph> = {
  [GRAPH.node]: nested('node', 'NodeProto', () => NODE_FIELDS, () => ({ name: '', opType: '', domain: '', inputs: [], outputs: [], attributes: [] }), (g, n) => g.nodes.push(n)),
  [GRAPH.name]: text('name', (g, v) => { g.name = v; }),
  [GRAPH.initializer]: nested('initializer', 'TensorProto', () => TENSOR_FIELDS, emptyTensor, (g, t) => g.initializers.push(t)),
  [GRAPH.input]: nested('input', 'ValueInfoProto', () => VALUE_INFO_FIELDS, (): OnnxValueInfo => ({ name: '' }), (g, v) => g.inputs.push(v)),
  [GRAPH.output]: nested('output', 'ValueInfoProto', () => VALUE_INFO_FIELDS, (): OnnxValueInfo => ({ name: '' }), (g, v) => g.outputs.push(v)),
};

const OPSET_FIELDS: Fields<{ domain: string; version: number }> = {
  [OPSET.domain]: text('domain', (o, v) => { o.domain = v; }),
  [OPSET.version]: int('version', (o, v) => { o.version = v; }),
};
const ENTRY_FIELDS: Fields<{ key: string; value: string }> = {
  [ENTRY.key]: text('key', (e, v) => { e.key = v; }),
  [ENTRY.value]: text('value', (e, v) => { e.value = v; }),
};

const MODEL_FIELDS: Fields<OnnxModel & { hasGraph: boolean }> = {
  [MODEL.irVersion]: int('ir_version', (m, v) => { m.irVersion = v; }),
  [MODEL.producerName]: text('producer_name', (m, v) => { m.producerName = v; }),
  [MODEL.producerVersion]: text('producer_version', (m, v) => { m.producerVersion = v; }),
  [MODEL.graph]: nested('graph', 'GraphProto', () => GRAPH_FIELDS, emptyGraph, (m, g) => { m.graph = g; m.hasGraph = true; }),
  [MODEL.opsetImport]: nested('opset_import', 'OperatorSetIdProto', () => OPSET_FIELDS, () => ({ domain: '', version: 0 }), (m, o) => m.opsets.push(o)),
  [MODEL.metadataProps]: nested('metadata_props', 'StringStringEntryProto', () => ENTRY_FIELDS, () => ({ key: '', value: '' }), (m, e) => m.metadata.push(e)),
};

/** Reads an ONNX model file; throws a SimdnetError naming the message and offset of anything malformed. */
export function decodeModel(bytes: Uint8Array): OnnxModel {
  const r = new ProtoReader(bytes, `${CONTEXT} ModelProto`);
  const { hasGraph, ...model } = readMessage(r, {
    irVersion: 0, opsets: [], producerName: '', producerVersion: '', graph: emptyGraph(), metadata: [], hasGraph: false,
  }, MODEL_FIELDS);
  if (!hasGraph) r.fail('it has no graph (ModelProto field 7)', 0);
  return model;
}
