import { NativeError, UsageError } from '../errors.js';
import type { AddonBinding, Handle } from './binding.js';
import { OP_ARGS, type ArgKind } from './opTable.js';
import { scalarTypeName } from './scalarType.js';

/**
 * The one path every native call takes: `guardAddon(raw)` returns the addon with each function wrapped so that
 * (1) integer and shape arguments are checked in TypeScript first (N-API turns NaN and ∞ into 0, so `zeros([NaN])`
 * would quietly make an empty tensor), and (2) a libtorch or argument-conversion failure becomes a NativeError
 * naming the op and its inputs (`matmul(float32[2,3]@cpu, float32[2,3]@cpu): …`), which the CLI prints as one line.
 */
export function guardAddon(raw: AddonBinding): AddonBinding {
  const guarded: Record<string, unknown> = {};
  for (const [op, kinds] of Object.entries(OP_ARGS) as [keyof AddonBinding, readonly ArgKind[]][]) {
    const f = raw[op] as unknown as (...args: unknown[]) => unknown;
    if (typeof f !== 'function') throw new NativeError(`the native addon has no function ${op}; rebuild it with npm run build:native`);
    guarded[op] = (...args: unknown[]): unknown => {
      checkArgs(op, kinds, args);
      try {
        return f(...args);
      } catch (err) {
        throw nativeError(raw, op, kinds, args, err);
      }
    };
  }
  return guarded as unknown as AddonBinding;
}

function isInt(x: unknown): boolean {
  return typeof x === 'number' && Number.isSafeInteger(x);
}

function checkArgs(op: string, kinds: readonly ArgKind[], args: unknown[]): void {
  for (let i = 0; i < kinds.length; i++) {
    const k = kinds[i];
    const a = args[i];
    if ((k === 'ints?' || k === 'number?' || k === 'tensor?') && (a === null || a === undefined)) continue;
    if (k === 'int' && !isInt(a)) throw argError(op, i, 'an integer', a);
    if ((k === 'ints' || k === 'ints?') && !(Array.isArray(a) && a.every(isInt))) throw argError(op, i, 'an array of integers', a);
    if ((k === 'number' || k === 'number?') && typeof a !== 'number') throw argError(op, i, 'a number', a);
  }
}

function argError(op: string, i: number, expected: string, got: unknown): UsageError {
  const shown = Array.isArray(got) ? `[${got.map(String).join(', ')}]` : typeof got === 'number' || got === null || got === undefined ? String(got) : typeof got;
  return new UsageError(`${op}: argument ${i + 1} must be ${expected}, received ${shown}`);
}

function nativeError(raw: AddonBinding, op: string, kinds: readonly ArgKind[], args: unknown[], err: unknown): Error {
  const e = err as Error & { code?: string };
  if (e.code !== 'ERR_LIBTORCH' && !(e instanceof TypeError)) return e;
  const inputs = args.map((a, i) => describe(raw, kinds[i], a)).join(', ');
  const msg = e.message.startsWith(`${op}: `) ? e.message.slice(op.length + 2) : e.message;
  return new NativeError(`${op}(${inputs}): ${msg}`, { cause: e });
}

function describe(raw: AddonBinding, kind: ArgKind | undefined, a: unknown): string {
  if (a === null || a === undefined) return String(a);
  if (kind === 'handle') return '<c10d handle>';
  if (kind === 'tensors' && Array.isArray(a)) return `[${a.map((t) => describe(raw, 'tensor', t)).join(', ')}]`;
  if ((kind === 'tensor' || kind === 'tensor?' || kind === 'operand') && typeof a === 'object') {
    try {
      const h = a as Handle;
      return `${scalarTypeName(raw.dtype(h)) ?? 'dtype' + raw.dtype(h)}[${raw.shape(h).join(',')}]@${raw.device(h)}`;
    } catch {
      return '<tensor>';
    }
  }
  if (Array.isArray(a)) return `[${a.join(',')}]`;
  return typeof a === 'string' ? a : String(a);
}
