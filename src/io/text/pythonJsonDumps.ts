import { pyFloatRepr } from './pyRepr.js';

export interface PythonJsonOptions {
  /** Spaces per level (Python's `indent`). Default 4. */
  indent?: number;
  /**
   * Write integral numbers as Python ints (`5`) instead of floats (`5.0`). Default true. Pass false when every
   * number of the document is a Python float (e.g. threshold.json).
   */
  integersAsInt?: boolean;
}

/**
 * The text Python's `json.dump(value, f, indent=4)` writes (the seed's `save_json`): keys in insertion order,
 * `": "` and `","` separators, nested arrays one item per line, non-ASCII escaped as `\uXXXX`, floats as Python's
 * `repr`, no trailing newline. Only plain objects, arrays, strings, finite numbers, booleans and null.
 */
export function pythonJsonDumps(value: unknown, opts: PythonJsonOptions = {}): string {
  const indent = opts.indent ?? 4;
  const asInt = opts.integersAsInt ?? true;
  const out = (v: unknown, level: number): string => {
    if (v === null) return 'null';
    if (typeof v === 'boolean') return v ? 'true' : 'false';
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) return v > 0 ? 'Infinity' : v < 0 ? '-Infinity' : 'NaN';
      return asInt && Number.isInteger(v) && !Object.is(v, -0) ? String(v) : pyFloatRepr(v);
    }
    if (typeof v === 'string') return JSON.stringify(v).replace(/[\u007f-\uffff]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
    const pad = '\n' + ' '.repeat(indent * (level + 1));
    const end = '\n' + ' '.repeat(indent * level);
    if (Array.isArray(v) || ArrayBuffer.isView(v)) {
      const items = Array.from(v as ArrayLike<unknown>);
      return items.length === 0 ? '[]' : `[${items.map((x) => pad + out(x, level + 1)).join(',')}${end}]`;
    }
    if (typeof v === 'object') {
      const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined);
      return entries.length === 0 ? '{}' : `{${entries.map(([k, x]) => `${pad}${out(k, level + 1)}: ${out(x, level + 1)}`).join(',')}${end}}`;
    }
    throw new TypeError(`pythonJsonDumps: cannot serialise a value of type ${typeof v}`);
  };
  return out(value, 0);
}
