/**
 * Pillow's `Image.resize(size, Image.LANCZOS)` for 8-bit images, reproduced integer for integer (Pillow 9.x
 * `libImaging/Resample.c`): separable convolution, horizontal pass first over the source rows the vertical pass
 * needs, coefficients normalised to sum 1 and then fixed-point with 22 fractional bits, round-half-up on the
 * accumulator and clipping to 0..255 after each pass. The seed's HPAv18 downloader resizes with PIL, so matching it
 * makes hpaic's PNGs the seed's PNGs. Pure TypeScript (the browser bundle of `hpaic export web` uses it);
 * pilResizeNative.ts runs the same resize in the ingest addon.
 */
import { LANCZOS_FILTER, resampleColumns, resampleCoeffs, resampleRows, type ResampleCoeffs } from './pilResample.js';

/**
 * Resize an interleaved 8-bit image of `channels` bands (1 or 3) from `inW × inH` to `outW × outH` with Pillow's
 * Lanczos filter. Returns a new interleaved buffer. Like Pillow, the horizontal pass only resamples the source
 * rows the vertical pass reads.
 */
export function pilResizeLanczos(src: Uint8Array, inW: number, inH: number, channels: number, outW: number, outH: number): Uint8Array {
  const plan = lanczosPlan(src, inW, inH, channels, outW, outH);
  let img = src;
  if (plan.horizontal) img = resampleRows(src, inW, channels, plan.firstRow, plan.rows, plan.horizontal);
  if (plan.vertical) img = resampleColumns(img, outW, channels, plan.vertical);
  return img === src ? src.slice() : img;
}

/** The passes of a Lanczos resize: null skips one; the horizontal pass covers source rows `firstRow ..< firstRow + rows`. */
export interface LanczosPlan {
  horizontal: ResampleCoeffs | null;
  vertical: ResampleCoeffs | null;
  firstRow: number;
  rows: number;
}

/**
 * Pillow's plan for a Lanczos resize, shared by this file and pilResizeNative.ts: like Pillow, the horizontal pass
 * only resamples the source rows the vertical pass reads, whose bounds are then relative to the first of them.
 */
export function lanczosPlan(src: Uint8Array, inW: number, inH: number, channels: number, outW: number, outH: number): LanczosPlan {
  if (src.length !== inW * inH * channels) throw new RangeError(`pilResizeLanczos: expected ${inW}×${inH}×${channels} bytes but received ${src.length}`);
  const vert = resampleCoeffs(inH, outH, LANCZOS_FILTER);
  let firstRow = 0;
  let rows = inH;
  if (outW !== inW) {
    firstRow = vert.bounds[0];
    rows = vert.bounds[outH * 2 - 2] + vert.bounds[outH * 2 - 1] - firstRow;
    for (let i = 0; i < outH; i++) vert.bounds[i * 2] -= firstRow;
  }
  return { horizontal: outW !== inW ? resampleCoeffs(inW, outW, LANCZOS_FILTER) : null, vertical: outH !== inH ? vert : null, firstRow, rows };
}

/**
 * Pillow's `convert('L')` of an RGB image: ITU-R 601-2 luma L = R·299/1000 + G·587/1000 + B·114/1000 in Pillow's
 * 16-bit fixed point, `(R·19595 + G·38470 + B·7471 + 0x8000) >> 16`.
 */
export function pilRgbToL(rgb: Uint8Array): Uint8Array {
  const n = rgb.length / 3;
  const out = new Uint8Array(n);
  for (let i = 0, j = 0; i < n; i++, j += 3) out[i] = (rgb[j] * 19595 + rgb[j + 1] * 38470 + rgb[j + 2] * 7471 + 0x8000) >>> 16;
  return out;
}
