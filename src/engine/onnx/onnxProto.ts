/**
 * ONNX's ModelProto, GraphProto, NodeProto, AttributeProto, TensorProto and ValueInfoProto as
 * plain records, encoded with the field numbers of onnx/onnx.proto (only the fields an exported
 * OptiDEL graph uses). Tensors are written as raw little-endian data, as onnx.numpy_helper does.
 */
import { bytesField, concat, floatField, messageField, packedVarintField, stringField, varintField } from './protobuf';

/** TensorProto.DataType values. */
export const DataType = { float: 1, int64: 7 } as const;
export type ElementType = keyof typeof DataType;

export interface Tensor {
  name: string;
  type: ElementType;
  dims: readonly number[];
  values: Float32Array | readonly number[];
}

/** An attribute's value: a float, an int, a list of ints, or a tensor (Constant's `value`). */
export type AttributeValue = { float: number } | { int: number } | { ints: readonly number[] } | { tensor: Tensor };

export interface Node {
  op: string;
  inputs: readonly string[];
  outputs: readonly string[];
  name: string;
  attributes?: Readonly<Record<string, AttributeValue>>;
}

/** A graph input or output: a dimension is a size or a symbolic name (a dynamic axis). */
export interface ValueInfo {
  name: string;
  type: ElementType;
  shape: ReadonlyArray<number | string>;
}

export interface Graph {
  name: string;
  nodes: readonly Node[];
  initializers: readonly Tensor[];
  inputs: readonly ValueInfo[];
  outputs: readonly ValueInfo[];
}

export interface Model {
  graph: Graph;
  opset: number;
  /** ONNX IR version (7 goes with opset 13). */
  irVersion: number;
  producer: string;
  producerVersion: string;
  docString?: string;
}

// AttributeProto.AttributeType values.
const ATTRIBUTE_TYPE = { float: 1, int: 2, tensor: 4, ints: 7 } as const;

function rawData(tensor: Tensor): Uint8Array {
  const size = tensor.dims.reduce((a, b) => a * b, 1);
  if (tensor.values.length !== size)
    throw new Error(`ONNX tensor ${tensor.name}: ${tensor.values.length} values for dims [${tensor.dims.join(', ')}]`);
  const width = tensor.type === 'float' ? 4 : 8;
  const bytes = new Uint8Array(size * width);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < size; i++) {
    const v = tensor.values[i]!;
    if (tensor.type === 'float') view.setFloat32(i * 4, v, true);
    else view.setBigInt64(i * 8, BigInt(v), true);
  }
  return bytes;
}

function tensorFields(tensor: Tensor): Uint8Array[] {
  return [
    ...(tensor.dims.length ? [packedVarintField(1, tensor.dims)] : []),
    varintField(2, DataType[tensor.type]),
    stringField(8, tensor.name),
    bytesField(9, rawData(tensor)),
  ];
}

function attributeFields(name: string, value: AttributeValue): Uint8Array[] {
  const fields = [stringField(1, name)];
  if ('float' in value) fields.push(floatField(2, value.float), varintField(20, ATTRIBUTE_TYPE.float));
  else if ('int' in value) fields.push(varintField(3, value.int), varintField(20, ATTRIBUTE_TYPE.int));
  else if ('ints' in value) fields.push(packedVarintField(8, value.ints), varintField(20, ATTRIBUTE_TYPE.ints));
  else fields.push(messageField(5, tensorFields(value.tensor)), varintField(20, ATTRIBUTE_TYPE.tensor));
  return fields;
}

function nodeFields(node: Node): Uint8Array[] {
  return [
    ...node.inputs.map((i) => stringField(1, i)),
    ...node.outputs.map((o) => stringField(2, o)),
    stringField(3, node.name),
    stringField(4, node.op),
    ...Object.entries(node.attributes ?? {}).map(([name, value]) => messageField(5, attributeFields(name, value))),
  ];
}

function valueInfoFields(info: ValueInfo): Uint8Array[] {
  // TensorShapeProto.Dimension: dim_value (1) or dim_param (2).
  const dims = info.shape.map((d) => messageField(1, [typeof d === 'number' ? varintField(1, d) : stringField(2, d)]));
  // TypeProto.tensor_type (1): elem_type (1), shape (2).
  const tensorType = messageField(1, [varintField(1, DataType[info.type]), messageField(2, dims)]);
  return [stringField(1, info.name), messageField(2, [tensorType])];
}

function graphFields(graph: Graph): Uint8Array[] {
  return [
    ...graph.nodes.map((n) => messageField(1, nodeFields(n))),
    stringField(2, graph.name),
    ...graph.initializers.map((t) => messageField(5, tensorFields(t))),
    ...graph.inputs.map((v) => messageField(11, valueInfoFields(v))),
    ...graph.outputs.map((v) => messageField(12, valueInfoFields(v))),
  ];
}

/** The bytes of an .onnx file. */
export function modelBytes(model: Model): Uint8Array {
  return concat([
    varintField(1, model.irVersion),
    stringField(2, model.producer),
    stringField(3, model.producerVersion),
    ...(model.docString ? [stringField(6, model.docString)] : []),
    messageField(7, graphFields(model.graph)),
    // OperatorSetIdProto: domain (1) left empty (the default ONNX domain), version (2).
    messageField(8, [varintField(2, model.opset)]),
  ]);
}
