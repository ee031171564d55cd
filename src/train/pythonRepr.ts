/**
 * Python's text forms of numbers, strings and JSON, so that files the seed wrote with Python (summary.json,
 * threshold.json, metric-list strings) come out byte-identical from TypeScript.
 */

/** Python's `repr(float)`: shortest round-trip digits, fixed notation for exponents −4…15, else `1e-05` style. */
export function pyFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const sign = x < 0 ? '-' : '';
  const [mant, expText] = Math.abs(x).toExponential().split('e') as [string, string];
  const digits = mant.replace('.', '');
  const exp = Number(expText);
  if (exp < -4 || exp >= 16) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${sign}${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  const intPart = digits.slice(0, exp + 1).padEnd(exp + 1, '0');
  const frac = digits.slice(exp + 1);
  return `${sign}${intPart}.${frac || '0'}`;
}

/**
 * Python's `round(x, ndigits)` for floats: correctly rounded on the exact binary value, ties to even.
 * (`toFixed` is also exact but breaks ties away from zero, which only matters when x sits exactly on a tie.)
 */
export function pyRound(x: number, ndigits: number): number {
  if (!Number.isFinite(x) || x === 0 || Math.abs(x) >= 1e21) return x;
  const away = Number(x.toFixed(ndigits));
  const exact = Math.abs(x).toFixed(100);
  const dot = exact.indexOf('.');
  const rest = exact.slice(dot + 1 + ndigits);
  if (!/^50*$/.test(rest)) return away;
  const truncatedText = exact.slice(0, dot + 1 + ndigits);
  const lastDigit = Number(truncatedText[truncatedText.length - 1] === '.' ? truncatedText[truncatedText.length - 2] : truncatedText[truncatedText.length - 1]);
  const truncated = (x < 0 ? -1 : 1) * Number(truncatedText);
  return lastDigit % 2 === 0 ? truncated : away;
}

/** Python's `repr(str)` for the plain strings hpaic writes (class and metric names). */
export function pyStrRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = '';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '\\' || ch === quote) out += '\\' + ch;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return quote + out + quote;
}

export interface PythonJsonOptions {
  /** Like json.dump's indent (default: none, one line with ", " and ": " separators). */
  indent?: number;
  sortKeys?: boolean;
  /**
   * Whether the number at `path` is a Python int (written without ".0"). JavaScript cannot tell 1 from 1.0, so
   * the caller says; by default every integer value is written as an int.
   */
  isInt?: (path: readonly (string | number)[], value: number) => boolean;
}

/** `json.dumps(value, indent=…, sort_keys=…)` as Python writes it (ensure_ascii, NaN/Infinity, float repr). */
export function pythonJsonDumps(value: unknown, options: PythonJsonOptions = {}): string {
  const isInt = options.isInt ?? ((_p, v) => Number.isInteger(v));
  const indent = options.indent;
  const walk = (v: unknown, path: (string | number)[], depth: number): string => {
    if (v === null || v === undefined) return 'null';
    if (typeof v === 'boolean') return v ? 'true' : 'false';
    if (typeof v === 'number') {
      if (Number.isNaN(v)) return 'NaN';
      if (!Number.isFinite(v)) return v > 0 ? 'Infinity' : '-Infinity';
      return isInt(path, v) && Number.isInteger(v) ? BigInt(v).toString() : pyFloatRepr(v);
    }
    if (typeof v === 'string') return jsonString(v);
    const items: string[] = [];
    const isArray = Array.isArray(v);
    if (isArray) v.forEach((e, i) => items.push(walk(e, [...path, i], depth + 1)));
    else {
      const keys = Object.keys(v as object).filter((k) => (v as Record<string, unknown>)[k] !== undefined);
      if (options.sortKeys) keys.sort();
      for (const k of keys) items.push(`${jsonString(k)}: ${walk((v as Record<string, unknown>)[k], [...path, k], depth + 1)}`);
    }
    const [open, close] = isArray ? ['[', ']'] : ['{', '}'];
    if (items.length === 0) return open + close;
    if (indent === undefined) return open + items.join(', ') + close;
    const pad = ' '.repeat(indent * (depth + 1));
    return `${open}\n${pad}${items.join(`,\n${pad}`)}\n${' '.repeat(indent * depth)}${close}`;
  };
  return walk(value, [], 0);
}

/** A JSON string literal with Python's ensure_ascii escaping. */
function jsonString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const ch = s[i]!;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (c < 0x20 || c > 0x7e) out += `\\u${c.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return out + '"';
}
