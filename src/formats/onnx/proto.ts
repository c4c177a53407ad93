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
// Reading

const CONTEXT = 'fromONNX: the file is not a valid ONNX model:';

/** Reads an ONNX model file; throws a SimdnetError naming the message and offset of anything malformed. */
export function decodeModel(bytes: Uint8Array): OnnxModel {
  const r = new ProtoReader(bytes, `${CONTEXT} ModelProto`);
  const model: OnnxModel = { irVersion: 0, opsets: [], producerName: '', producerVersion: '', graph: emptyGraph(), metadata: [] };
  let hasGraph = false;
  while (!r.done) {
    const tag = r.tag();
    switch (tag.field) {
      case MODEL.irVersion:
        r.expect(tag, VARINT, 'ir_version');
        model.irVersion = r.int();
        break;
      case MODEL.producerName:
        r.expect(tag, LENGTH_DELIMITED, 'producer_name');
        model.producerName = r.string();
        break;
      case MODEL.producerVersion:
        r.expect(tag, LENGTH_DELIMITED, 'producer_version');
        model.producerVersion = r.string();
        break;
      case MODEL.graph:
        r.expect(tag, LENGTH_DELIMITED, 'graph');
        model.graph = readGraph(r.message(`${CONTEXT} GraphProto`));
        hasGraph = true;
        break;
      case MODEL.opsetImport:
        r.expect(tag, LENGTH_DELIMITED, 'opset_import');
        model.opsets.push(readOpset(r.message(`${CONTEXT} OperatorSetIdProto`)));
        break;
      case MODEL.metadataProps:
        r.expect(tag, LENGTH_DELIMITED, 'metadata_props');
        model.metadata.push(readEntry(r.message(`${CONTEXT} StringStringEntryProto`)));
        break;
      default:
        r.skip(tag.wireType);
    }
  }
  if (!hasGraph) r.fail('it has no graph (ModelProto field 7)', 0);
  return model;
}

const emptyGraph = (): OnnxGraph => ({ name: '', nodes: [], initializers: [], inputs: [], outputs: [] });

function readOpset(r: ProtoReader): { domain: string; version: number } {
  const opset = { domain: '', version: 0 };
  while (!r.done) {
    const tag = r.tag();
    if (tag.field === OPSET.domain) {
      r.expect(tag, LENGTH_DELIMITED, 'domain');
      opset.domain = r.string();
    } else if (tag.field === OPSET.version) {
      r.expect(tag, VARINT, 'version');
      opset.version = r.int();
    } else {
      r.skip(tag.wireType);
    }
  }
  return opset;
}

function readEntry(r: ProtoReader): { key: string; value: string } {
  const entry = { key: '', value: '' };
  while (!r.done) {
    const tag = r.tag();
    if (tag.field === ENTRY.key) {
      r.expect(tag, LENGTH_DELIMITED, 'key');
      entry.key = r.string();
    } else if (tag.field === ENTRY.value) {
      r.expect(tag, LENGTH_DELIMITED, 'value');
      entry.value = r.string();
    } else {
      r.skip(tag.wireType);
    }
  }
  return entry;
}

function readGraph(r: ProtoReader): OnnxGraph {
  const graph = emptyGraph();
  while (!r.done) {
    const tag = r.tag();
    switch (tag.field) {
      case GRAPH.node:
        r.expect(tag, LENGTH_DELIMITED, 'node');
        graph.nodes.push(readNode(r.message(`${CONTEXT} NodeProto`)));
        break;
      case GRAPH.name:
        r.expect(tag, LENGTH_DELIMITED, 'name');
        graph.name = r.string();
        break;
      case GRAPH.initializer:
        r.expect(tag, LENGTH_DELIMITED, 'initializer');
        graph.initializers.push(readTensor(r.message(`${CONTEXT} TensorProto`)));
        break;
      case GRAPH.input:
        r.expect(tag, LENGTH_DELIMITED, 'input');
        graph.inputs.push(readValueInfo(r.message(`${CONTEXT} ValueInfoProto`)));
        break;
      case GRAPH.output:
        r.expect(tag, LENGTH_DELIMITED, 'output');
        graph.outputs.push(readValueInfo(r.message(`${CONTEXT} ValueInfoProto`)));
        break;
      default:
        r.skip(tag.wireType);
    }
  }
  return graph;
}

function readNode(r: ProtoReader): OnnxNode {
  const node: OnnxNode = { name: '', opType: '', domain: '', inputs: [], outputs: [], attributes: [] };
  while (!r.done) {
    const tag = r.tag();
    switch (tag.field) {
      case NODE.input:
        r.expect(tag, LENGTH_DELIMITED, 'input');
        node.inputs.push(r.string());
        break;
      case NODE.output:
        r.expect(tag, LENGTH_DELIMITED, 'output');
        node.outputs.push(r.string());
        break;
      case NODE.name:
        r.expect(tag, LENGTH_DELIMITED, 'name');
        node.name = r.string();
        break;
      case NODE.opType:
        r.expect(tag, LENGTH_DELIMITED, 'op_type');
        node.opType = r.string();
        break;
      case NODE.attribute:
        r.expect(tag, LENGTH_DELIMITED, 'attribute');
        node.attributes.push(readAttribute(r.message(`${CONTEXT} AttributeProto`)));
        break;
      case NODE.domain:
        r.expect(tag, LENGTH_DELIMITED, 'domain');
        node.domain = r.string();
        break;
      default:
        r.skip(tag.wireType);
    }
  }
  return node;
}

function readAttribute(r: ProtoReader): OnnxAttribute {
  const a: OnnxAttribute = { name: '', type: 0, floats: [], ints: [] };
  while (!r.done) {
    const tag = r.tag();
    switch (tag.field) {
      case ATTRIBUTE.name:
        r.expect(tag, LENGTH_DELIMITED, 'name');
        a.name = r.string();
        break;
      case ATTRIBUTE.type:
        r.expect(tag, VARINT, 'type');
        a.type = r.int();
        break;
      case ATTRIBUTE.f:
        r.expect(tag, FIXED32, 'f');
        a.f = r.float();
        break;
      case ATTRIBUTE.i:
        r.expect(tag, VARINT, 'i');
        a.i = r.int();
        break;
      case ATTRIBUTE.s:
        r.expect(tag, LENGTH_DELIMITED, 's');
        a.s = r.bytes();
        break;
      case ATTRIBUTE.t:
        r.expect(tag, LENGTH_DELIMITED, 't');
        a.t = readTensor(r.message(`${CONTEXT} TensorProto`));
        break;
      case ATTRIBUTE.floats:
        if (tag.wireType !== FIXED32) r.expect(tag, LENGTH_DELIMITED, 'floats');
        r.floats(tag.wireType, a.floats);
        break;
      case ATTRIBUTE.ints:
        if (tag.wireType !== VARINT) r.expect(tag, LENGTH_DELIMITED, 'ints');
        r.ints(tag.wireType, a.ints);
        break;
      default:
        r.skip(tag.wireType);
    }
  }
  return a;
}

function readTensor(r: ProtoReader): OnnxTensor {
  const t: OnnxTensor = { name: '', dims: [], dataType: 0, floatData: [], int32Data: [], int64Data: [], doubleData: [], external: false };
  while (!r.done) {
    const tag = r.tag();
    switch (tag.field) {
      case TENSOR.dims:
        if (tag.wireType !== VARINT) r.expect(tag, LENGTH_DELIMITED, 'dims');
        r.ints(tag.wireType, t.dims);
        break;
      case TENSOR.dataType:
        r.expect(tag, VARINT, 'data_type');
        t.dataType = r.int();
        break;
      case TENSOR.floatData:
        if (tag.wireType !== FIXED32) r.expect(tag, LENGTH_DELIMITED, 'float_data');
        r.floats(tag.wireType, t.floatData);
        break;
      case TENSOR.int32Data:
        if (tag.wireType !== VARINT) r.expect(tag, LENGTH_DELIMITED, 'int32_data');
        r.ints(tag.wireType, t.int32Data);
        break;
      case TENSOR.int64Data:
        if (tag.wireType !== VARINT) r.expect(tag, LENGTH_DELIMITED, 'int64_data');
        r.ints(tag.wireType, t.int64Data);
        break;
      case TENSOR.doubleData:
        if (tag.wireType !== FIXED64) r.expect(tag, LENGTH_DELIMITED, 'double_data');
        r.doubles(tag.wireType, t.doubleData);
        break;
      case TENSOR.name:
        r.expect(tag, LENGTH_DELIMITED, 'name');
        t.name = r.string();
        break;
      case TENSOR.rawData:
        r.expect(tag, LENGTH_DELIMITED, 'raw_data');
        t.rawData = r.bytes();
        break;
      case TENSOR.dataLocation:
        r.expect(tag, VARINT, 'data_location');
        t.external = r.int() === DATA_LOCATION_EXTERNAL;
        break;
      default:
        r.skip(tag.wireType);
    }
  }
  return t;
}

function readValueInfo(r: ProtoReader): OnnxValueInfo {
  const info: OnnxValueInfo = { name: '' };
  while (!r.done) {
    const tag = r.tag();
    if (tag.field === VALUE_INFO.name) {
      r.expect(tag, LENGTH_DELIMITED, 'name');
      info.name = r.string();
    } else if (tag.field === VALUE_INFO.type) {
      r.expect(tag, LENGTH_DELIMITED, 'type');
      readType(r.message(`${CONTEXT} TypeProto`), info);
    } else {
      r.skip(tag.wireType);
    }
  }
  return info;
}

function readType(r: ProtoReader, info: OnnxValueInfo): void {
  while (!r.done) {
    const tag = r.tag();
    if (tag.field !== TYPE.tensorType) {
      r.skip(tag.wireType);
      continue;
    }
    r.expect(tag, LENGTH_DELIMITED, 'tensor_type');
    const tensor = r.message(`${CONTEXT} TypeProto.Tensor`);
    info.elementType = 0;
    while (!tensor.done) {
      const t = tensor.tag();
      if (t.field === TYPE_TENSOR.elemType) {
        tensor.expect(t, VARINT, 'elem_type');
        info.elementType = tensor.int();
      } else if (t.field === TYPE_TENSOR.shape) {
        tensor.expect(t, LENGTH_DELIMITED, 'shape');
        info.shape = readShape(tensor.message(`${CONTEXT} TensorShapeProto`));
      } else {
        tensor.skip(t.wireType);
      }
    }
  }
}

function readShape(r: ProtoReader): OnnxDimension[] {
  const shape: OnnxDimension[] = [];
  while (!r.done) {
    const tag = r.tag();
    if (tag.field !== SHAPE.dim) {
      r.skip(tag.wireType);
      continue;
    }
    r.expect(tag, LENGTH_DELIMITED, 'dim');
    const d = r.message(`${CONTEXT} TensorShapeProto.Dimension`);
    let dim: OnnxDimension = null;
    while (!d.done) {
      const t = d.tag();
      if (t.field === DIMENSION.dimValue) {
        d.expect(t, VARINT, 'dim_value');
        dim = d.int();
      } else if (t.field === DIMENSION.dimParam) {
        d.expect(t, LENGTH_DELIMITED, 'dim_param');
        dim = d.string();
      } else {
        d.skip(t.wireType);
      }
    }
    shape.push(dim);
  }
  return shape;
}
