/**
 * The ONNX ModelProto (onnx/onnx.proto, IR version 7, opset 13), hand-encoded with the protobuf writer the
 * TensorBoard files use: only the messages and fields an exported CNN needs. Field numbers are onnx.proto's.
 */
import { ProtoWriter } from '../io/tensorboard/protoWriter.js';

/** TensorProto.DataType codes used here. */
export const ONNX_FLOAT = 1;
export const ONNX_INT64 = 7;

export type AttributeValue = { f: number } | { i: number } | { ints: readonly number[] } | { s: string } | { floats: readonly number[] };

export interface OnnxNode {
  opType: string;
  inputs: readonly string[];
  outputs: readonly string[];
  name: string;
  attributes?: Record<string, AttributeValue>;
}

export interface OnnxTensor {
  name: string;
  dims: readonly number[];
  dataType: typeof ONNX_FLOAT | typeof ONNX_INT64;
  /** Little-endian raw values. */
  raw: Uint8Array;
}

/** A graph input or output: element type and dims (a string = a symbolic dimension such as `batch`). */
export interface OnnxValueInfo {
  name: string;
  elemType: number;
  dims: readonly (number | string)[];
}

export interface OnnxModel {
  graphName: string;
  nodes: readonly OnnxNode[];
  initializers: readonly OnnxTensor[];
  inputs: readonly OnnxValueInfo[];
  outputs: readonly OnnxValueInfo[];
  opset: number;
  producerName: string;
  producerVersion: string;
  docString?: string;
  metadata: Record<string, string>;
}

const ATTR_FLOAT = 1;
const ATTR_INT = 2;
const ATTR_STRING = 3;
const ATTR_FLOATS = 6;
const ATTR_INTS = 7;

function attribute(name: string, v: AttributeValue): ProtoWriter {
  const w = new ProtoWriter().string(1, name);
  if ('f' in v) return w.float(2, v.f).int(20, ATTR_FLOAT);
  if ('i' in v) return w.int(3, nonNegative(v.i, name)).int(20, ATTR_INT);
  if ('s' in v) return w.string(4, v.s).int(20, ATTR_STRING);
  if ('floats' in v) {
    for (const f of v.floats) w.float(7, f);
    return w.int(20, ATTR_FLOATS);
  }
  for (const i of v.ints) w.int(8, nonNegative(i, name));
  return w.int(20, ATTR_INTS);
}

/** ProtoWriter writes non-negative varints only; the exporter normalises axes so that none is negative. */
function nonNegative(v: number, what: string): number {
  if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`ONNX attribute ${what}: expected a non-negative integer, got ${v}`);
  return v;
}

function node(n: OnnxNode): ProtoWriter {
  const w = new ProtoWriter();
  for (const i of n.inputs) w.string(1, i);
  for (const o of n.outputs) w.string(2, o);
  w.string(3, n.name).string(4, n.opType);
  for (const [k, v] of Object.entries(n.attributes ?? {})) w.message(5, attribute(k, v));
  return w;
}

function tensorProto(t: OnnxTensor): ProtoWriter {
  const w = new ProtoWriter();
  for (const d of t.dims) w.int(1, d);
  return w.int(2, t.dataType).string(8, t.name).bytes(9, t.raw);
}

function valueInfo(v: OnnxValueInfo): ProtoWriter {
  const shape = new ProtoWriter();
  for (const d of v.dims) shape.message(1, typeof d === 'number' ? new ProtoWriter().int(1, d) : new ProtoWriter().string(2, d));
  const tensorType = new ProtoWriter().int(1, v.elemType).message(2, shape);
  return new ProtoWriter().string(1, v.name).message(2, new ProtoWriter().message(1, tensorType));
}

/** The serialized ModelProto. */
export function encodeOnnxModel(m: OnnxModel): Uint8Array {
  const g = new ProtoWriter();
  for (const n of m.nodes) g.message(1, node(n));
  g.string(2, m.graphName);
  for (const t of m.initializers) g.message(5, tensorProto(t));
  for (const i of m.inputs) g.message(11, valueInfo(i));
  for (const o of m.outputs) g.message(12, valueInfo(o));
  const model = new ProtoWriter()
    .int(1, 7)
    .string(2, m.producerName)
    .string(3, m.producerVersion);
  if (m.docString) model.string(6, m.docString);
  model.message(7, g).message(8, new ProtoWriter().string(1, '').int(2, m.opset));
  for (const [key, value] of Object.entries(m.metadata)) model.message(14, new ProtoWriter().string(1, key).string(2, value));
  return model.finish();
}
