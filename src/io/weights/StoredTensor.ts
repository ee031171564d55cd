/**
 * Engine-free tensor records: what the weight-file readers produce and the writers consume. The engine converts
 * these to and from libtorch tensors; the file formats never see a live tensor.
 */

/** Element types a weight file can hold (PyTorch's names). */
export type StoredDType = 'float32' | 'float64' | 'float16' | 'bfloat16' | 'int64' | 'int32' | 'int16' | 'int8' | 'uint8' | 'bool';

/** A tensor's bytes: contiguous, little-endian, C (row-major) order; `data.byteLength === numel(shape) * itemSize`. */
export interface StoredTensor {
  dtype: StoredDType;
  shape: number[];
  data: Uint8Array;
}

/** A state dict: PyTorch state_dict keys (e.g. `layer1.0.conv1.weight`) to tensors, in insertion order. */
export type StateDict = Map<string, StoredTensor>;

/** Bytes per element of each dtype. */
export const DTYPE_SIZE: Readonly<Record<StoredDType, number>> = {
  float32: 4,
  float64: 8,
  float16: 2,
  bfloat16: 2,
  int64: 8,
  int32: 4,
  int16: 2,
  int8: 1,
  uint8: 1,
  bool: 1,
};

/** Number of elements of a shape (1 for a scalar `[]`). */
export function numelOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** True when `v` looks like a StoredTensor (a known dtype, a shape array and a Uint8Array of bytes). */
export function isStoredTensor(v: unknown): v is StoredTensor {
  if (typeof v !== 'object' || v === null) return false;
  const t = v as Partial<StoredTensor>;
  return typeof t.dtype === 'string' && t.dtype in DTYPE_SIZE && Array.isArray(t.shape) && t.data instanceof Uint8Array;
}

/** What is wrong with `t` (shape or byte count), or undefined when it is well-formed. Writers check this first. */
export function storedTensorProblem(t: StoredTensor): string | undefined {
  if (!t.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) return `shape [${t.shape.join(', ')}] must hold non-negative integers`;
  const want = numelOf(t.shape) * DTYPE_SIZE[t.dtype];
  if (t.data.byteLength !== want) return `${t.dtype} [${t.shape.join(', ')}] needs ${want} bytes but data has ${t.data.byteLength}`;
  return undefined;
}
