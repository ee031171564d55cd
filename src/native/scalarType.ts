/** The c10::ScalarType codes the addon passes for element types (c10/core/ScalarType.h), by hpaic's dtype names. */
export const SCALAR_TYPE_CODE = {
  uint8: 0,
  int8: 1,
  int16: 2,
  int32: 3,
  int64: 4,
  float16: 5,
  float32: 6,
  float64: 7,
  bool: 11,
  bfloat16: 15,
} as const;

export type ScalarTypeName = keyof typeof SCALAR_TYPE_CODE;

const NAMES = new Map<number, ScalarTypeName>(Object.entries(SCALAR_TYPE_CODE).map(([k, v]) => [v, k as ScalarTypeName]));

/** The dtype name of a code, or undefined for a type hpaic does not handle. */
export function scalarTypeName(code: number): ScalarTypeName | undefined {
  return NAMES.get(code);
}
