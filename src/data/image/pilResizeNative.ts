import { loadIngestAddon } from '../../native/loadIngestAddon.js';
import { lanczosPlan } from './pilResize.js';

/**
 * {@link pilResizeLanczos} (then {@link pilRgbToL} when `luma`) on a libuv thread in the ingest addon, with the same
 * plan and fixed-point coefficients; undefined when the addon is not built (callers then run the JavaScript).
 */
export function pilResizeLanczosNative(src: Uint8Array, inW: number, inH: number, channels: number, outW: number, outH: number, luma: boolean): Promise<Uint8Array> | undefined {
  const { addon } = loadIngestAddon();
  if (!addon) return undefined;
  const plan = lanczosPlan(src, inW, inH, channels, outW, outH);
  return addon.resampleU8(src, inW, channels, plan.firstRow, plan.rows, plan.horizontal, plan.vertical, luma);
}
