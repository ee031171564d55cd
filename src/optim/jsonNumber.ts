/**
 * JSON has no ±Infinity or NaN, but scheduler and early-stopping states start at −∞. State dicts therefore
 * store non-finite numbers as the strings "Infinity", "-Infinity" and "NaN" (Python's json writes the same
 * words unquoted).
 */
export type JsonNumber = number | 'Infinity' | '-Infinity' | 'NaN';

export function encodeNumber(x: number): JsonNumber {
  if (Number.isFinite(x)) return x;
  return Number.isNaN(x) ? 'NaN' : x > 0 ? 'Infinity' : '-Infinity';
}

export function decodeNumber(x: unknown, what: string): number {
  if (typeof x === 'number') return x;
  if (x === 'Infinity') return Infinity;
  if (x === '-Infinity') return -Infinity;
  if (x === 'NaN') return NaN;
  throw new TypeError(`${what}: expected a number or "Infinity", "-Infinity", "NaN" but received ${JSON.stringify(x)}`);
}
