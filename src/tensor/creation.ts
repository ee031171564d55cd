/** Functions that make tensors: from data, filled, random, ranges, and joins of several tensors. */
import { Tensor, addon, type Device } from './Tensor.js';
import { type DType, DTYPE_CODE, dtypeOfArray, DTYPE_SIZE } from './dtype.js';

export interface CreateOptions {
  dtype?: DType;
  device?: Device | string;
  requiresGrad?: boolean;
}

function finish(t: Tensor, opts: CreateOptions): Tensor {
  if (opts.requiresGrad) t.requiresGrad = true;
  return t;
}

/**
 * A tensor from values. `data` is a typed array (its own dtype unless `dtype` says otherwise) or number[]
 * (float32 by default); `shape` defaults to [data.length].
 * @example const x = tensor(new Float32Array(8 * 3 * 64 * 64), [8, 3, 64, 64]);
 */
export function tensor(data: ArrayBufferView | number[] | number, shape?: number[], opts: CreateOptions = {}): Tensor {
  if (typeof data === 'number') return tensor([data], shape ?? [], opts);
  const natural = Array.isArray(data) ? undefined : dtypeOfArray(data);
  const dtype = opts.dtype ?? natural ?? 'float32';
  let view: ArrayBufferView;
  if (Array.isArray(data) || natural !== dtype) {
    view = toTypedArray(data as ArrayLike<number> | BigInt64Array, dtype);
  } else {
    view = data;
  }
  const n = view.byteLength / DTYPE_SIZE[dtype];
  const shp = shape ?? [n];
  const expected = shp.reduce((a, b) => a * b, 1);
  if (expected !== n) throw new RangeError(`tensor(): shape [${shp.join(', ')}] needs ${expected} values but received ${n}`);
  const device = opts.device ?? 'cpu';
  let t = new Tensor(addon().fromBuffer(view, shp, DTYPE_CODE[dtype]));
  if (device !== 'cpu') {
    const moved = t.to(device);
    t.dispose();
    t = moved;
  }
  return finish(t, opts);
}

function toTypedArray(data: ArrayLike<number> | BigInt64Array, dtype: DType): ArrayBufferView {
  switch (dtype) {
    case 'float32':
      return Float32Array.from(data as ArrayLike<number>, Number);
    case 'float64':
      return Float64Array.from(data as ArrayLike<number>, Number);
    case 'int64':
      return BigInt64Array.from(data as ArrayLike<number>, (v) => BigInt(Math.trunc(Number(v))));
    case 'int32':
      return Int32Array.from(data as ArrayLike<number>, Number);
    case 'int16':
      return Int16Array.from(data as ArrayLike<number>, Number);
    case 'int8':
      return Int8Array.from(data as ArrayLike<number>, Number);
    case 'uint8':
      return Uint8Array.from(data as ArrayLike<number>, Number);
    case 'bool':
      return Uint8Array.from(data as ArrayLike<number>, (v) => (Number(v) ? 1 : 0));
    default:
      throw new TypeError(`tensor(): create ${dtype} tensors from float32 data with .to('${dtype}')`);
  }
}

type Filler = 'zeros' | 'ones' | 'empty' | 'rand' | 'randn';
function filled(kind: Filler, shape: number[], opts: CreateOptions): Tensor {
  const dtype = DTYPE_CODE[opts.dtype ?? 'float32'];
  const device = opts.device ?? 'cpu';
  return finish(new Tensor(addon()[kind](shape, dtype, device)), opts);
}

export const zeros = (shape: number[], opts: CreateOptions = {}): Tensor => filled('zeros', shape, opts);
export const ones = (shape: number[], opts: CreateOptions = {}): Tensor => filled('ones', shape, opts);
export const empty = (shape: number[], opts: CreateOptions = {}): Tensor => filled('empty', shape, opts);
/** Uniform [0, 1) from libtorch's generator (seeded by `manualSeed`). */
export const rand = (shape: number[], opts: CreateOptions = {}): Tensor => filled('rand', shape, opts);
/** Standard normal from libtorch's generator (seeded by `manualSeed`). */
export const randn = (shape: number[], opts: CreateOptions = {}): Tensor => filled('randn', shape, opts);

export function full(shape: number[], value: number, opts: CreateOptions = {}): Tensor {
  return finish(new Tensor(addon().full(shape, DTYPE_CODE[opts.dtype ?? 'float32'], opts.device ?? 'cpu', value)), opts);
}
export function arange(start: number, end: number, step = 1, opts: CreateOptions = {}): Tensor {
  return new Tensor(addon().arange(start, end, step, DTYPE_CODE[opts.dtype ?? 'int64'], opts.device ?? 'cpu'));
}
export function randperm(n: number, opts: CreateOptions = {}): Tensor {
  return new Tensor(addon().randperm(n, DTYPE_CODE[opts.dtype ?? 'int64'], opts.device ?? 'cpu'));
}
export function cat(xs: Tensor[], dim = 0): Tensor {
  return new Tensor(addon().cat(xs.map((x) => x.handle), dim));
}
export function stack(xs: Tensor[], dim = 0): Tensor {
  return new Tensor(addon().stack(xs.map((x) => x.handle), dim));
}
export function where(cond: Tensor, a: Tensor, b: Tensor): Tensor {
  return new Tensor(addon().where(cond.handle, a.handle, b.handle));
}

/** A tensor from raw little-endian bytes of `dtype` (any dtype, float16/bfloat16 included). */
export function fromBytes(bytes: Uint8Array, shape: number[], dtype: DType): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  if (bytes.byteLength !== n * DTYPE_SIZE[dtype]) throw new RangeError(`fromBytes(): shape [${shape.join(', ')}] of ${dtype} needs ${n * DTYPE_SIZE[dtype]} bytes but received ${bytes.byteLength}`);
  return new Tensor(addon().fromBuffer(bytes, shape, DTYPE_CODE[dtype]));
}
