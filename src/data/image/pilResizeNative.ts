import { loadIngestAddon } from '../../native/loadIngestAddon.js';
import { LANCZOS_FILTER, resampleCoeffs } from './pilResample.js';

/**
 * {@link pilResizeLanczos} (then {@link pilRgbToL} when `luma`) on a libuv thread in the ingest addon, with the same
 * fixed-point coefficients; undefined when the addon is not built (callers then run the JavaScript).
 */
export function pilResizeLanczosNative(src: Uint8Array, inW: number, inH: number, channels: number, outW: number, outH: number, luma: boolean): Promise<Uint8Array> | undefined {
  const { addon } = loadIngestAddon();
  if (!addon) return undefined;
  if (src.length !== inW * inH * channels) throw new RangeError(`pilResizeLanczos: expected ${inW}×${inH}×${channels} bytes but received ${src.length}`);
  const vert = resampleCoeffs(inH, outH, LANCZOS_FILTER);
  let firstRow = 0;
  let rows = inH;
  if (outW !== inW) {
    firstRow = vert.bounds[0];
    rows = vert.bounds[outH * 2 - 2] + vert.bounds[outH * 2 - 1] - firstRow;
    for (let i = 0; i < outH; i++) vert.bounds[i * 2] -= firstRow;
  }
  return addon.resampleU8(src, inW, channels, firstRow, rows, outW !== inW ? resampleCoeffs(inW, outW, LANCZOS_FILTER) : null, outH !== inH ? vert : null, luma);
}
