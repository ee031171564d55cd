/** Element types, with the c10::ScalarType codes the addon uses and the typed arrays that hold them. */
import { SCALAR_TYPE_CODE, scalarTypeName, type ScalarTypeName } from '../native/scalarType.js';

export type DType = ScalarTypeName;

export const DTYPE_CODE: Readonly<Record<DType, number>> = SCALAR_TYPE_CODE;

export function dtypeFromCode(code: number): DType {
  const d = scalarTypeName(code);
  if (!d) throw new Error(`unsupported libtorch scalar type code ${code}`);
  return d;
}

export type TypedArrayFor<D extends DType> = D extends 'float32'
  ? Float32Array
  : D extends 'float64'
    ? Float64Array
    : D extends 'int64'
      ? BigInt64Array
      : D extends 'int32'
        ? Int32Array
        : D extends 'int16'
          ? Int16Array
          : D extends 'int8'
            ? Int8Array
            : D extends 'uint8' | 'bool'
              ? Uint8Array
              : Uint16Array;

export type AnyTypedArray = Float32Array | Float64Array | BigInt64Array | Int32Array | Int16Array | Int8Array | Uint8Array | Uint16Array;

/** Makes a typed array of `dtype` viewing `buffer` (float16/bfloat16 as raw Uint16 bits). */
export function typedArrayOf(dtype: DType, buffer: ArrayBuffer): AnyTypedArray {
  switch (dtype) {
    case 'float32':
      return new Float32Array(buffer);
    case 'float64':
      return new Float64Array(buffer);
    case 'int64':
      return new BigInt64Array(buffer);
    case 'int32':
      return new Int32Array(buffer);
    case 'int16':
      return new Int16Array(buffer);
    case 'int8':
      return new Int8Array(buffer);
    case 'uint8':
    case 'bool':
      return new Uint8Array(buffer);
    case 'float16':
    case 'bfloat16':
      return new Uint16Array(buffer);
  }
}

/** The dtype a typed array most naturally holds (used when `tensor()` gets no explicit dtype). */
export function dtypeOfArray(a: ArrayBufferView): DType | undefined {
  if (a instanceof Float32Array) return 'float32';
  if (a instanceof Float64Array) return 'float64';
  if (a instanceof BigInt64Array) return 'int64';
  if (a instanceof Int32Array) return 'int32';
  if (a instanceof Int16Array) return 'int16';
  if (a instanceof Int8Array) return 'int8';
  if (a instanceof Uint8Array) return 'uint8';
  return undefined;
}

export function isFloating(d: DType): boolean {
  return d === 'float32' || d === 'float64' || d === 'float16' || d === 'bfloat16';
}

/** Bytes per element. */
export const DTYPE_SIZE: Record<DType, number> = {
  uint8: 1, int8: 1, int16: 2, int32: 4, int64: 8, float16: 2, float32: 4, float64: 8, bool: 1, bfloat16: 2,
};
