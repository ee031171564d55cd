/** Python's repr() and round() of floats and strings, for files the seed's Python code wrote with str()/json. */

/**
 * Python's `round(x, ndigits)`: correctly rounded on the exact binary value, exact ties to even.
 */
export function pyRound(x: number, ndigits = 4): number {
  const ax = Math.abs(x);
  if (!Number.isFinite(x) || ax >= 1e21) return x;
  // toFixed rounds the exact binary value correctly but breaks exact ties upwards; Python breaks them to even.
  const exact = ax.toFixed(100);
  const dot = exact.indexOf('.');
  if (/^50*$/.test(exact.slice(dot + 1 + ndigits))) {
    const last = exact.charCodeAt(ndigits === 0 ? dot - 1 : dot + ndigits) - 48;
    const mag = last % 2 === 1 ? Number(ax.toFixed(ndigits)) : Number(exact.slice(0, dot + 1 + ndigits));
    return x < 0 ? -mag : mag;
  }
  return Number(x.toFixed(ndigits));
}

/** Python's `repr(float)`: shortest round-trip digits, `1.0` for integral values, `1e-05` style exponents. */
export function pyFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const ax = Math.abs(x);
  if (ax >= 1e16 || ax < 1e-4) {
    // Python: mantissa + 'e' + sign + at least two exponent digits.
    const [m, e] = x.toExponential().split('e');
    const exp = Number(e);
    return `${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  const s = String(x);
  return s.includes('.') || s.includes('e') ? s : `${s}.0`;
}

/** Python's repr of a str (enough for metric names: single quotes unless the text holds one). */
export function pyStrRepr(s: string): string {
  const esc = (t: string) => t.replace(/\\/g, '\\\\');
  if (s.includes("'") && !s.includes('"')) return `"${esc(s)}"`;
  return `'${esc(s).replace(/'/g, "\\'")}'`;
}
