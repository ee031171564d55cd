/** Bilinear resize exactly as Pillow's `Image.resize(size, BILINEAR)` on 8-bit images (through pilResample.ts). */
import { UsageError } from '../../errors.js';
import { type HwcImage, type ImageSize, checkImage } from './hwcImage.js';
import { BILINEAR_FILTER, resampleCoeffs, resampleColumns, resampleRows } from './pilResample.js';

// Resize: Pillow's ImagingResample with the bilinear ("triangle") filter (pilResample.ts), bit-identical.

function resampleHorizontal(src: HwcImage, outW: number): HwcImage {
  const data = resampleRows(src.data, src.width, src.channels, 0, src.height, resampleCoeffs(src.width, outW, BILINEAR_FILTER));
  return { data, height: src.height, width: outW, channels: src.channels };
}

function resampleVertical(src: HwcImage, outH: number): HwcImage {
  const data = resampleColumns(src.data, src.width, src.channels, resampleCoeffs(src.height, outH, BILINEAR_FILTER));
  return { data, height: outH, width: src.width, channels: src.channels };
}

// Pillow resizes LA/RGBA through premultiplied alpha ("La"/"RGBa"); these are its Convert.c conversions.
function premultiply(img: HwcImage): HwcImage {
  const C = img.channels;
  const out = new Uint8Array(img.data);
  for (let p = 0; p < out.length; p += C) {
    const a = out[p + C - 1];
    for (let c = 0; c < C - 1; c++) {
      const t = out[p + c] * a + 128;
      out[p + c] = ((t >> 8) + t) >> 8;
    }
  }
  return { ...img, data: out };
}

function unpremultiply(img: HwcImage): HwcImage {
  const C = img.channels;
  const out = img.data;
  for (let p = 0; p < out.length; p += C) {
    const a = out[p + C - 1];
    if (a === 255 || a === 0) continue;
    for (let c = 0; c < C - 1; c++) {
      const v = Math.trunc((255 * out[p + c]) / a);
      out[p + c] = v > 255 ? 255 : v;
    }
  }
  return img;
}

/**
 * Bilinear resize to `size`, like Pillow's `Image.resize(size, BILINEAR)` (antialiased when shrinking).
 * Returns the input itself when the size already matches (Pillow returns a copy; nothing here mutates).
 */
export function resizeBilinear(img: HwcImage, size: ImageSize): HwcImage {
  checkImage(img);
  const { height, width } = size;
  if (!(Number.isInteger(height) && Number.isInteger(width) && height > 0 && width > 0)) {
    throw new UsageError(`resize: expected a positive integer height and width, received ${height}×${width}`);
  }
  if (height === img.height && width === img.width) return img;
  const alpha = img.channels === 2 || img.channels === 4;
  let cur = alpha ? premultiply(img) : img;
  if (width !== cur.width) cur = resampleHorizontal(cur, width);
  if (height !== cur.height) cur = resampleVertical(cur, height);
  return alpha ? unpremultiply(cur) : cur;
}
