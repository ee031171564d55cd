/**
 * TensorBoard's Event and Summary messages (tensorflow/core/util/event.proto, framework/summary.proto), only
 * the fields hpaic writes, with their published field numbers:
 * Event { double wall_time = 1; int64 step = 2; string file_version = 3; Summary summary = 5 }
 * Summary { repeated Value value = 1 }
 * Summary.Value { string tag = 1; float simple_value = 2; Image image = 4; HistogramProto histo = 5 }
 * Summary.Image { int32 height = 1; int32 width = 2; int32 colorspace = 3; bytes encoded_image_string = 4 }
 * HistogramProto { double min = 1, max = 2, num = 3, sum = 4, sum_squares = 5;
 *                  repeated double bucket_limit = 6 [packed], bucket = 7 [packed] }
 */
import { ProtoWriter } from './protoWriter.js';

/** The version string TensorBoard expects in the first event of a file. */
export const FILE_VERSION = 'brain.Event:2';

export type SummaryValue =
  | { tag: string; kind: 'scalar'; value: number }
  | { tag: string; kind: 'image'; png: Uint8Array; height: number; width: number; channels: 1 | 3 | 4 }
  | { tag: string; kind: 'histogram'; values: ArrayLike<number>; buckets?: number };

export function fileVersionEvent(wallTime: number): Uint8Array {
  return new ProtoWriter().double(1, wallTime).int(2, 0).string(3, FILE_VERSION).finish();
}

export function summaryEvent(wallTime: number, step: number, values: readonly SummaryValue[]): Uint8Array {
  const summary = new ProtoWriter();
  for (const v of values) summary.message(1, valueMessage(v));
  return new ProtoWriter().double(1, wallTime).int(2, step).message(5, summary).finish();
}

function valueMessage(v: SummaryValue): ProtoWriter {
  const m = new ProtoWriter().string(1, v.tag);
  if (v.kind === 'scalar') return m.float(2, v.value);
  if (v.kind === 'image') {
    const img = new ProtoWriter().int(1, v.height).int(2, v.width).int(3, v.channels).bytes(4, v.png);
    return m.message(4, img);
  }
  return m.message(5, histogramMessage(v.values, v.buckets ?? 30));
}

/** Equal-width buckets over [min, max]; bucket_limit holds each bucket's right edge (the last one is max). */
function histogramMessage(values: ArrayLike<number>, buckets: number): ProtoWriter {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let sumSq = 0;
  for (let i = 0; i < values.length; i++) {
    const x = values[i];
    if (x < min) min = x;
    if (x > max) max = x;
    sum += x;
    sumSq += x * x;
  }
  const h = new ProtoWriter();
  if (values.length === 0) return h.double(3, 0);
  const n = min === max ? 1 : buckets;
  const width = (max - min) / n;
  const counts = new Float64Array(n);
  for (let i = 0; i < values.length; i++) counts[width === 0 ? 0 : Math.min(n - 1, Math.floor((values[i] - min) / width))]++;
  const limits = Array.from({ length: n }, (_, b) => (b === n - 1 ? max : min + width * (b + 1)));
  return h.double(1, min).double(2, max).double(3, values.length).double(4, sum).double(5, sumSq).packedDoubles(6, limits).packedDoubles(7, counts);
}
