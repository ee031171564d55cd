import { ConfigError } from '../../errors.js';

/** Stored channel index of each filter letter (the HDF5 store keeps red, green, blue, yellow). */
const CHANNEL_OF: Record<string, number> = { r: 0, g: 1, b: 2, y: 3 };

/**
 * The seed's channel selection (`filters` in the config): each letter of r, g, b, y picks a stored channel, in
 * the order written. Returns the stored channel indices. Case-insensitive, as the seed lower-cases it.
 * @throws ConfigError for an empty string or a letter outside r, g, b, y.
 */
export function parseChannelFilter(filters: string): number[] {
  const f = filters.toLowerCase();
  if (f.length === 0) throw new ConfigError('filters: expected one or more of the letters r, g, b, y (e.g. "rgb") but received ""');
  return [...f].map((ch, i) => {
    const c = CHANNEL_OF[ch];
    if (c === undefined) throw new ConfigError(`filters: letter ${i + 1} of "${filters}" is "${ch}"; expected one of r, g, b, y`);
    return c;
  });
}

/** Channels the filter produces: 3 for `rygb` (yellow is mixed into red and green), else one per letter. */
export function filterChannelCount(filters: string): number {
  return filters.toLowerCase() === 'rygb' ? 3 : parseChannelFilter(filters).length;
}

/**
 * Apply the seed's channel filter to one stored image (`height × width × 4` RGBY, interleaved) and return a new
 * `height × width × C` interleaved uint8 buffer.
 *
 * `rygb` is the seed's special case (seed-spec §1.5): red and green keep their values where they are non-zero and
 * take the yellow value where they are exactly 0; blue is unchanged; the result has 3 channels.
 */
export function applyChannelFilter(rgby: Uint8Array, height: number, width: number, filters: string): Uint8Array {
  const n = height * width;
  if (rgby.length !== n * 4) {
    throw new RangeError(`applyChannelFilter: expected ${height}×${width}×4 = ${n * 4} bytes but received ${rgby.length}`);
  }
  if (filters.toLowerCase() === 'rygb') {
    const out = new Uint8Array(n * 3);
    for (let p = 0, i = 0, o = 0; p < n; p++, i += 4, o += 3) {
      const r = rgby[i];
      const g = rgby[i + 1];
      const y = rgby[i + 3];
      out[o] = r > 0 ? r : y;
      out[o + 1] = g > 0 ? g : y;
      out[o + 2] = rgby[i + 2];
    }
    return out;
  }
  const chans = parseChannelFilter(filters);
  const c = chans.length;
  const out = new Uint8Array(n * c);
  if (c === 3 && chans[0] === 0 && chans[1] === 1 && chans[2] === 2) {
    // The common `rgb` case, without the inner loop.
    for (let p = 0, i = 0, o = 0; p < n; p++, i += 4, o += 3) {
      out[o] = rgby[i];
      out[o + 1] = rgby[i + 1];
      out[o + 2] = rgby[i + 2];
    }
    return out;
  }
  for (let p = 0, i = 0, o = 0; p < n; p++, i += 4, o += c) {
    for (let k = 0; k < c; k++) out[o + k] = rgby[i + chans[k]];
  }
  return out;
}
