/**
 * The safetensors format (https://github.com/huggingface/safetensors): an 8-byte little-endian header length,
 * a JSON header `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {string: string}}`, then
 * the tensors' bytes back to back. No code, no pickle: the simplest file Python users can load
 * (`safetensors.torch.load_file`).
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { CheckpointError } from '../../errors.js';
import { DTYPE_SIZE, numelOf, storedTensorProblem, type StateDict, type StoredDType, type StoredTensor } from './StoredTensor.js';
import { writeChunksAtomic } from '../text/writeChunksAtomic.js';

const CODES: Record<StoredDType, string> = {
  float32: 'F32', float64: 'F64', float16: 'F16', bfloat16: 'BF16', int64: 'I64', int32: 'I32', int16: 'I16', int8: 'I8', uint8: 'U8', bool: 'BOOL',
};
const DTYPES = Object.fromEntries(Object.entries(CODES).map(([d, c]) => [c, d])) as Record<string, StoredDType>;
const MAX_HEADER = 100_000_000; // the reference implementation's limit

/** A safetensors file's content: the tensors in header order and the `__metadata__` string map. */
export interface SafetensorsContent {
  tensors: StateDict;
  metadata: Record<string, string>;
}

/**
 * Read a safetensors file. Validates the header as the reference implementation does (known dtypes, byte
 * ranges matching shapes, ranges covering the data without gaps or overlaps) and throws CheckpointError
 * naming the file and the offending tensor otherwise.
 */
export function readSafetensors(path: string): SafetensorsContent {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    throw new CheckpointError(`cannot open safetensors file ${path}: ${(err as Error).message}`, { cause: err });
  }
  const fail: (message: string) => never = (message) => {
    throw new CheckpointError(`${path}: ${message}`);
  };
  try {
    const size = fstatSync(fd).size;
    const read = (position: number, length: number): Uint8Array => {
      const out = new Uint8Array(length);
      let done = 0;
      while (done < length) {
        const n = readSync(fd, out, done, length - done, position + done);
        if (n === 0) fail(`the file ends at byte ${size}, before byte ${position + length}; the file is truncated`);
        done += n;
      }
      return out;
    };
    if (size < 8) fail(`truncated safetensors file: ${size} bytes, less than the 8-byte header length`);
    const n = new DataView(read(0, 8).buffer).getBigUint64(0, true);
    if (n > BigInt(Math.min(MAX_HEADER, size - 8))) {
      fail(n > BigInt(MAX_HEADER) ? `not a safetensors file: header length ${n} exceeds ${MAX_HEADER} bytes` : `truncated safetensors file: the header needs ${n} bytes but the file has ${size - 8} after the length`);
    }
    const headerText = Buffer.from(read(8, Number(n))).toString('utf8');
    let header: unknown;
    try {
      header = JSON.parse(headerText);
    } catch (err) {
      fail(`the safetensors header is not valid JSON (${(err as Error).message})`);
    }
    if (typeof header !== 'object' || header === null || Array.isArray(header)) fail('the safetensors header is not a JSON object');
    const dataStart = 8 + Number(n);
    const dataLen = size - dataStart;
    const metadata: Record<string, string> = {};
    const entries: { name: string; dtype: StoredDType; shape: number[]; begin: number; end: number }[] = [];
    for (const [name, info] of Object.entries(header as Record<string, unknown>)) {
      if (name === '__metadata__') {
        if (typeof info !== 'object' || info === null || Array.isArray(info)) fail('__metadata__ must be an object of strings');
        for (const [k, v] of Object.entries(info as Record<string, unknown>)) {
          if (typeof v !== 'string') fail(`__metadata__ value ${JSON.stringify(k)} must be a string, got ${JSON.stringify(v)}`);
          Object.defineProperty(metadata, k, { value: v, enumerable: true, writable: true, configurable: true }); // "__proto__" stays a key
        }
        continue;
      }
      const i = info as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
      const dtype = typeof i?.dtype === 'string' ? DTYPES[i.dtype] : undefined;
      if (!dtype) fail(`tensor ${JSON.stringify(name)} has dtype ${JSON.stringify(i?.dtype)}; hpaic reads ${Object.values(CODES).join(', ')}`);
      const ints = (v: unknown, len?: number): v is number[] => Array.isArray(v) && (len === undefined || v.length === len) && v.every((d) => Number.isSafeInteger(d) && d >= 0);
      if (!ints(i.shape)) fail(`tensor ${JSON.stringify(name)} has shape ${JSON.stringify(i.shape)}, not a list of non-negative integers`);
      if (!ints(i.data_offsets, 2)) fail(`tensor ${JSON.stringify(name)} has data_offsets ${JSON.stringify(i.data_offsets)}, not [begin, end]`);
      const [begin, end] = i.data_offsets as number[];
      const want = numelOf(i.shape as number[]) * DTYPE_SIZE[dtype];
      if (end - begin !== want) fail(`tensor ${JSON.stringify(name)}: ${dtype} [${(i.shape as number[]).join(', ')}] needs ${want} bytes but data_offsets [${begin}, ${end}] hold ${end - begin}`);
      entries.push({ name, dtype, shape: i.shape as number[], begin, end });
    }
    // The byte ranges must tile the data exactly (no gaps, overlaps, or bytes past the end).
    const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
    let at = 0;
    for (const e of sorted) {
      if (e.begin !== at) fail(`tensor ${JSON.stringify(e.name)} starts at data byte ${e.begin}, expected ${at} (ranges must be contiguous)`);
      at = e.end;
    }
    if (at > dataLen) fail(`truncated safetensors file: the tensors need ${at} data bytes but the file has ${dataLen}`);
    if (at < dataLen) fail(`the file has ${dataLen - at} bytes after the last tensor (data ends at ${at} of ${dataLen})`);
    const tensors: StateDict = new Map();
    for (const e of entries) tensors.set(e.name, { dtype: e.dtype, shape: e.shape, data: read(dataStart + e.begin, e.end - e.begin) });
    return { tensors, metadata };
  } finally {
    closeSync(fd);
  }
}

/**
 * Write tensors (and an optional `__metadata__` string map, e.g. input normalisation) as safetensors,
 * atomically. Header keys keep the map's order; bytes are laid out widest dtype first so every tensor is
 * aligned to its element size, as the reference writer does.
 */
export function writeSafetensors(path: string, tensors: StateDict | Readonly<Record<string, StoredTensor>>, metadata: Readonly<Record<string, string>> = {}): void {
  writeChunksAtomic(path, safetensorsChunks(tensors, metadata));
}

/** The bytes writeSafetensors writes, as one buffer. */
export function encodeSafetensors(tensors: StateDict | Readonly<Record<string, StoredTensor>>, metadata: Readonly<Record<string, string>> = {}): Uint8Array {
  return Buffer.concat(safetensorsChunks(tensors, metadata));
}

function safetensorsChunks(tensors: StateDict | Readonly<Record<string, StoredTensor>>, metadata: Readonly<Record<string, string>>): Uint8Array[] {
  const list = tensors instanceof Map ? [...tensors] : Object.entries(tensors);
  for (const [name, t] of list) {
    if (name === '__metadata__') throw new CheckpointError('cannot save a tensor named "__metadata__" in safetensors (the name is reserved)');
    const problem = storedTensorProblem(t);
    if (problem) throw new CheckpointError(`cannot save tensor ${JSON.stringify(name)}: ${problem}`);
  }
  for (const [k, v] of Object.entries(metadata)) {
    if (typeof v !== 'string') throw new CheckpointError(`safetensors metadata ${JSON.stringify(k)} must be a string, got ${typeof v}`);
  }
  const order = list.map((e, i) => ({ e, i })).sort((a, b) => DTYPE_SIZE[b.e[1].dtype] - DTYPE_SIZE[a.e[1].dtype] || a.i - b.i);
  const offsets = new Map<string, [number, number]>();
  let at = 0;
  for (const { e: [name, t] } of order) {
    offsets.set(name, [at, at + t.data.byteLength]);
    at += t.data.byteLength;
  }
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  for (const [name, t] of list) header[name] = { dtype: CODES[t.dtype], shape: t.shape, data_offsets: offsets.get(name) };
  let json = Buffer.from(JSON.stringify(header), 'utf8');
  const pad = (8 - (json.length % 8)) % 8; // spaces keep the data 8-byte aligned
  if (pad) json = Buffer.concat([json, Buffer.alloc(pad, ' ')]);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  return [len, json, ...order.map(({ e }) => e[1].data)];
}
