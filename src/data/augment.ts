/**
 * Image augmentation on uint8 height × width × channels images (interleaved, C = 1..4), in plain TypeScript.
 *
 * Each transform reproduces what the seed's torchvision 0.2 / Pillow pipeline does to an 8-bit PIL image
 * (seed-spec §10), integer arithmetic included, so results match Pillow pixel for pixel (see
 * docs/augmentation-loader.md for the measured differences). Channel count ↔ PIL mode: 1 = "L", 2 = "LA",
 * 3 = "RGB", 4 = "RGBA"; as in Pillow, the colour adjustments leave the alpha channel (the 2nd of 2, the
 * 4th of 4) unchanged.
 */
import { UsageError } from '../errors.js';
import { type Rng, shuffleInPlace, uniform } from './seededRandom.js';

/** An 8-bit image: pixel (y, x) channel c is at `(y * width + x) * channels + c`. */
export interface HwcImage {
  readonly data: Uint8Array;
  readonly height: number;
  readonly width: number;
  readonly channels: number;
}

/** One augmentation step; serialisable, so op lists travel to loader worker threads. */
export type AugOp =
  | { readonly kind: 'hflip' }
  | { readonly kind: 'vflip' }
  | { readonly kind: 'transpose' }
  /** Counter-clockwise degrees about the centre, nearest neighbour, fill 0. */
  | { readonly kind: 'rotate'; readonly degrees: number }
  | { readonly kind: 'brightness'; readonly factor: number }
  | { readonly kind: 'contrast'; readonly factor: number }
  | { readonly kind: 'saturation'; readonly factor: number };

/** Target size of the resize step. */
export interface ImageSize {
  readonly height: number;
  readonly width: number;
}

function checkImage(img: HwcImage): void {
  const { data, height, width, channels } = img;
  if (!(channels >= 1 && channels <= 4) || data.length !== height * width * channels) {
    throw new UsageError(`augment: expected a uint8 HWC image with 1..4 channels and ${height}×${width}×${channels} bytes, received ${data.length} bytes`);
  }
}

function blank(height: number, width: number, channels: number): HwcImage {
  return { data: new Uint8Array(height * width * channels), height, width, channels };
}

// ---------------------------------------------------------------------------------------------------------------
// Resize: Pillow's ImagingResample with the bilinear ("triangle") filter. When shrinking, the filter support is
// scaled by the reduction factor (this is the antialiasing). Coefficients are normalised, converted to 22-bit
// fixed point, and the image is resampled horizontally then vertically with a uint8 intermediate — exactly as
// Pillow's Resample.c does, so results are bit-identical.
// ---------------------------------------------------------------------------------------------------------------
const PRECISION_BITS = 32 - 8 - 2;

interface Coeffs {
  ksize: number;
  bounds: Int32Array; // [xmin, count] per output pixel
  kk: Int32Array; // fixed-point weights, ksize per output pixel
}

function resampleCoeffs(inSize: number, outSize: number): Coeffs {
  const scale = inSize / outSize;
  const filterscale = Math.max(scale, 1);
  const support = 1.0 * filterscale;
  const ksize = Math.ceil(support) * 2 + 1;
  const bounds = new Int32Array(outSize * 2);
  const kk = new Int32Array(outSize * ksize);
  const k = new Float64Array(ksize);
  const ss = 1.0 / filterscale;
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    let xmin = Math.trunc(center - support + 0.5);
    if (xmin < 0) xmin = 0;
    let xmax = Math.trunc(center + support + 0.5);
    if (xmax > inSize) xmax = inSize;
    xmax -= xmin;
    let ww = 0;
    for (let x = 0; x < xmax; x++) {
      const t = Math.abs((x + xmin - center + 0.5) * ss);
      const w = t < 1 ? 1 - t : 0;
      k[x] = w;
      ww += w;
    }
    for (let x = 0; x < xmax; x++) {
      const w = ww !== 0 ? k[x] / ww : k[x];
      const f = w * (1 << PRECISION_BITS);
      kk[xx * ksize + x] = w < 0 ? Math.trunc(-0.5 + f) : Math.trunc(0.5 + f);
    }
    bounds[xx * 2] = xmin;
    bounds[xx * 2 + 1] = xmax;
  }
  return { ksize, bounds, kk };
}

function clip8(ss: number): number {
  const v = ss >> PRECISION_BITS;
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

function resampleHorizontal(src: HwcImage, outW: number): HwcImage {
  const { height, width, channels: C, data } = src;
  const { ksize, bounds, kk } = resampleCoeffs(width, outW);
  const out = blank(height, outW, C);
  const o = out.data;
  const half = 1 << (PRECISION_BITS - 1);
  for (let y = 0; y < height; y++) {
    const rowIn = y * width * C;
    const rowOut = y * outW * C;
    for (let xx = 0; xx < outW; xx++) {
      const xmin = bounds[xx * 2];
      const n = bounds[xx * 2 + 1];
      const kb = xx * ksize;
      for (let c = 0; c < C; c++) {
        let ss = half;
        let p = rowIn + xmin * C + c;
        for (let x = 0; x < n; x++, p += C) ss += data[p] * kk[kb + x];
        o[rowOut + xx * C + c] = clip8(ss);
      }
    }
  }
  return out;
}

function resampleVertical(src: HwcImage, outH: number): HwcImage {
  const { height, width, channels: C, data } = src;
  const { ksize, bounds, kk } = resampleCoeffs(height, outH);
  const out = blank(outH, width, C);
  const o = out.data;
  const rowLen = width * C;
  const half = 1 << (PRECISION_BITS - 1);
  for (let yy = 0; yy < outH; yy++) {
    const ymin = bounds[yy * 2];
    const n = bounds[yy * 2 + 1];
    const kb = yy * ksize;
    const rowOut = yy * rowLen;
    for (let i = 0; i < rowLen; i++) {
      let ss = half;
      let p = ymin * rowLen + i;
      for (let y = 0; y < n; y++, p += rowLen) ss += data[p] * kk[kb + y];
      o[rowOut + i] = clip8(ss);
    }
  }
  return out;
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

// ---------------------------------------------------------------------------------------------------------------
// Flips and transpose (exact pixel moves).
// ---------------------------------------------------------------------------------------------------------------

/** Flips and transpose in one pass: flip horizontally (`h`) and vertically (`v`) first, then transpose (`t`). */
function dihedral(img: HwcImage, h: boolean, v: boolean, t: boolean): HwcImage {
  const { height: H, width: W, channels: C, data } = img;
  const outH = t ? W : H;
  const outW = t ? H : W;
  const out = blank(outH, outW, C);
  const o = out.data;
  // Output (y', x') reads the flipped image at (y, x) = t ? (x', y') : (y', x'); flips map that back to the source.
  let q = 0;
  for (let yo = 0; yo < outH; yo++) {
    for (let xo = 0; xo < outW; xo++) {
      let y = t ? xo : yo;
      let x = t ? yo : xo;
      if (h) x = W - 1 - x;
      if (v) y = H - 1 - y;
      const p = (y * W + x) * C;
      if (C === 3) {
        o[q] = data[p];
        o[q + 1] = data[p + 1];
        o[q + 2] = data[p + 2];
        q += 3;
      } else {
        for (let c = 0; c < C; c++) o[q++] = data[p + c];
      }
    }
  }
  return out;
}

/** Mirror left ↔ right (PIL `FLIP_LEFT_RIGHT`, torchvision `hflip`). */
export function hflip(img: HwcImage): HwcImage {
  checkImage(img);
  return dihedral(img, true, false, false);
}

/** Mirror top ↔ bottom (PIL `FLIP_TOP_BOTTOM`, torchvision `vflip`). */
export function vflip(img: HwcImage): HwcImage {
  checkImage(img);
  return dihedral(img, false, true, false);
}

/** Swap the x and y axes, the main-diagonal mirror (PIL `TRANSPOSE`; numpy `swapaxes(0, 1)`). */
export function transpose(img: HwcImage): HwcImage {
  checkImage(img);
  return dihedral(img, false, false, true);
}

// ---------------------------------------------------------------------------------------------------------------
// Rotation: Pillow's Image.rotate(angle, NEAREST, expand=False) → Image.transform(AFFINE) → Geometry.c's
// affine loop. The matrix maps output pixel centres to input coordinates (inverse mapping: output (x, y) reads
// input (a0·(x+½) + a1·(y+½) + a2, a3·(x+½) + a4·(y+½) + a5), with a = rotation by −angle about the centre);
// the loop accumulates the coordinates incrementally and floors them (outside → left at 0).
// ---------------------------------------------------------------------------------------------------------------

// Python's round(x, 15): decimal rounding of the exact binary value, parsed back.
function round15(x: number): number {
  return Number(x.toFixed(15));
}

/**
 * Rotate by `degrees` counter-clockwise about the image centre, nearest neighbour, same canvas, uncovered
 * pixels 0 — Pillow's `Image.rotate(degrees, resample=NEAREST)` (torchvision `rotate` on a PIL image).
 */
export function rotate(img: HwcImage, degrees: number): HwcImage {
  checkImage(img);
  if (!Number.isFinite(degrees)) throw new UsageError(`rotate: expected a finite angle in degrees, received ${degrees}`);
  const { height: H, width: W, channels: C, data } = img;
  const angle = ((degrees % 360) + 360) % 360; // Python's modulo: result in [0, 360)
  if (angle === 0) return img;
  // Pillow short-cuts these to exact transposes.
  if (angle === 180) return dihedral(img, true, true, false);
  if (angle === 90 && W === H) return dihedral(img, true, false, true);
  if (angle === 270 && W === H) return dihedral(img, false, true, true);
  const rad = -(angle * (Math.PI / 180));
  const cos = round15(Math.cos(rad));
  const sin = round15(Math.sin(rad));
  const a0 = cos;
  const a1 = sin;
  const a3 = round15(-Math.sin(rad));
  const a4 = cos;
  const cx = W / 2.0;
  const cy = H / 2.0;
  let a2 = a0 * -cx + a1 * -cy + 0.0;
  let a5 = a3 * -cx + a4 * -cy + 0.0;
  a2 += cx;
  a5 += cy;
  const out = blank(H, W, C);
  const o = out.data;
  // Geometry.c uses 16.16 fixed point whenever the mapped corners stay within ±32768 (always, for images up
  // to ~20k pixels wide); otherwise doubles. Both are reproduced: the rounding decides border pixels.
  const fits = (x: number, y: number) => Math.abs(x * a0 + y * a1 + a2) < 32768 && Math.abs(x * a3 + y * a4 + a5) < 32768;
  if (fits(0, 0) && fits(W, H)) {
    const fix = (v: number) => Math.floor(v * 65536.0 + 0.5);
    const f0 = fix(a0);
    const f1 = fix(a1);
    const f3 = fix(a3);
    const f4 = fix(a4);
    let fx = fix(a2 + a1 * 0.5 + a0 * 0.5);
    let fy = fix(a5 + a4 * 0.5 + a3 * 0.5);
    for (let y = 0; y < H; y++) {
      let xx = fx;
      let yy = fy;
      let q = y * W * C;
      for (let x = 0; x < W; x++, q += C) {
        const xi = xx >> 16;
        const yi = yy >> 16;
        if (xi >= 0 && xi < W && yi >= 0 && yi < H) {
          const p = (yi * W + xi) * C;
          for (let c = 0; c < C; c++) o[q + c] = data[p + c];
        }
        xx += f0;
        yy += f3;
      }
      fx += f1;
      fy += f4;
    }
    return out;
  }
  let xo = a2 + a1 * 0.5 + a0 * 0.5;
  let yo = a5 + a4 * 0.5 + a3 * 0.5;
  for (let y = 0; y < H; y++) {
    let xx = xo;
    let yy = yo;
    let q = y * W * C;
    for (let x = 0; x < W; x++, q += C) {
      // COORD(v): v < 0 → -1, else (int)v
      if (xx >= 0 && yy >= 0) {
        const xi = Math.trunc(xx);
        const yi = Math.trunc(yy);
        if (xi < W && yi < H) {
          const p = (yi * W + xi) * C;
          for (let c = 0; c < C; c++) o[q + c] = data[p + c];
        }
      }
      xx += a0;
      yy += a3;
    }
    xo += a1;
    yo += a4;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Colour: Pillow ImageEnhance = Image.blend(degenerate, image, factor) = degenerate + factor·(image − degenerate),
// computed in float32 (Blend.c), truncated to uint8, clipped to [0, 255] when extrapolating.
// ---------------------------------------------------------------------------------------------------------------

function blendValue(deg: number, pix: number, alpha: number): number {
  const v = Math.fround(deg + Math.fround(alpha * (pix - deg)));
  return v <= 0 ? 0 : v >= 255 ? 255 : Math.trunc(v);
}

/** Channels the colour adjustments change: all but the alpha channel of LA / RGBA. */
function colourChannels(C: number): number {
  return C === 2 || C === 4 ? C - 1 : C;
}

function checkFactor(op: string, factor: number): number {
  if (!(Number.isFinite(factor) && factor >= 0)) throw new UsageError(`${op}: expected a finite factor ≥ 0, received ${factor}`);
  return Math.fround(factor);
}

function blendWithConstant(img: HwcImage, deg: number, alpha: number): HwcImage {
  const lut = new Uint8Array(256);
  for (let i = 0; i < 256; i++) lut[i] = blendValue(deg, i, alpha);
  const { data, channels: C } = img;
  const out = new Uint8Array(data.length);
  const nc = colourChannels(C);
  if (nc === C) {
    for (let i = 0; i < data.length; i++) out[i] = lut[data[i]];
  } else {
    for (let p = 0; p < data.length; p += C) {
      for (let c = 0; c < nc; c++) out[p + c] = lut[data[p + c]];
      out[p + C - 1] = data[p + C - 1];
    }
  }
  return { ...img, data: out };
}

/** Luma of pixel `p` as Pillow's RGB→L conversion (ITU-R 601-2, 16-bit fixed point, rounded). */
function lumaAt(data: Uint8Array, p: number, C: number): number {
  if (C < 3) return data[p];
  return (data[p] * 19595 + data[p + 1] * 38470 + data[p + 2] * 7471 + 0x8000) >> 16;
}

/** Pillow `ImageEnhance.Brightness(img).enhance(factor)`: blend with black (torchvision `adjust_brightness`). */
export function adjustBrightness(img: HwcImage, factor: number): HwcImage {
  checkImage(img);
  return blendWithConstant(img, 0, checkFactor('brightness', factor));
}

/**
 * Pillow `ImageEnhance.Contrast(img).enhance(factor)`: blend with a uniform grey at the mean luma rounded to an
 * integer (torchvision `adjust_contrast` on a PIL image).
 */
export function adjustContrast(img: HwcImage, factor: number): HwcImage {
  checkImage(img);
  const alpha = checkFactor('contrast', factor);
  const { data, channels: C } = img;
  let sum = 0;
  for (let p = 0; p < data.length; p += C) sum += lumaAt(data, p, C);
  const n = img.height * img.width;
  const mean = Math.floor(sum / n + 0.5);
  return blendWithConstant(img, mean, alpha);
}

/**
 * Pillow `ImageEnhance.Color(img).enhance(factor)`: blend with the image's own luma (torchvision
 * `adjust_saturation` on a PIL image). A grey image ("L") is unchanged.
 */
export function adjustSaturation(img: HwcImage, factor: number): HwcImage {
  checkImage(img);
  const alpha = checkFactor('saturation', factor);
  const { data, channels: C } = img;
  if (C < 3) return { ...img, data: new Uint8Array(data) };
  const out = new Uint8Array(data.length);
  for (let p = 0; p < data.length; p += C) {
    const l = lumaAt(data, p, C);
    out[p] = blendValue(l, data[p], alpha);
    out[p + 1] = blendValue(l, data[p + 1], alpha);
    out[p + 2] = blendValue(l, data[p + 2], alpha);
    if (C === 4) out[p + 3] = data[p + 3];
  }
  return { ...img, data: out };
}

/** Apply one op. */
export function applyOp(img: HwcImage, op: AugOp): HwcImage {
  switch (op.kind) {
    case 'hflip':
      return hflip(img);
    case 'vflip':
      return vflip(img);
    case 'transpose':
      return transpose(img);
    case 'rotate':
      return rotate(img, op.degrees);
    case 'brightness':
      return adjustBrightness(img, op.factor);
    case 'contrast':
      return adjustContrast(img, op.factor);
    case 'saturation':
      return adjustSaturation(img, op.factor);
    default:
      throw new UsageError(`augment: unknown op ${JSON.stringify(op)}`);
  }
}

/**
 * Apply ops in order. Consecutive flips/transposes are fused into one pixel pass (the dihedral group is
 * closed, so the result is identical to applying them one by one).
 */
export function applyOps(img: HwcImage, ops: readonly AugOp[]): HwcImage {
  let cur = img;
  let i = 0;
  while (i < ops.length) {
    // Track the composite of a run of flips/transposes as "hflip? vflip? then transpose?".
    let h = false;
    let v = false;
    let t = false;
    let j = i;
    for (; j < ops.length; j++) {
      const k = ops[j].kind;
      if (k === 'hflip') {
        if (t) v = !v; // after a transpose, a horizontal flip of the output is a vertical flip of the input
        else h = !h;
      } else if (k === 'vflip') {
        if (t) h = !h;
        else v = !v;
      } else if (k === 'transpose') t = !t;
      else break;
    }
    if (j > i) {
      checkImage(cur);
      if (h || v || t) cur = dihedral(cur, h, v, t);
      i = j;
    } else {
      cur = applyOp(cur, ops[i]);
      i++;
    }
  }
  return cur;
}

/** Draw the random part of the seed's training augmentation (seed-spec §10.1 steps 2–6) as an op list. */
export function drawTrainOps(rng: Rng): AugOp[] {
  const ops: AugOp[] = [];
  if (rng() < 0.5) ops.push({ kind: 'hflip' });
  if (rng() < 0.5) ops.push({ kind: 'vflip' });
  if (rng() < 0.5) ops.push({ kind: 'transpose' });
  if (rng() < 0.5) ops.push({ kind: 'rotate', degrees: uniform(rng, -20, 20) });
  if (rng() < 0.5) {
    // torchvision ColorJitter(0.25, 0.25, 0.25): factors from U(0.75, 1.25), applied in a random order.
    const jitter: AugOp[] = [
      { kind: 'brightness', factor: uniform(rng, 0.75, 1.25) },
      { kind: 'contrast', factor: uniform(rng, 0.75, 1.25) },
      { kind: 'saturation', factor: uniform(rng, 0.75, 1.25) },
    ];
    ops.push(...shuffleInPlace(jitter, rng));
  }
  return ops;
}

/**
 * The seed's training augmentation (seed-spec §10.1): resize, hflip p=.5, vflip p=.5, transpose p=.5,
 * rotation U(−20°, 20°) p=.5, colour jitter 0.25 brightness/contrast/saturation p=.5. Deterministic for a
 * given `rng` state. Follow with `toFloatCHW`.
 */
export function trainAugmentation(img: HwcImage, size: ImageSize, rng: Rng): HwcImage {
  return applyOps(resizeBilinear(img, size), drawTrainOps(rng));
}

const INV255 = (() => {
  const lut = new Float32Array(256);
  for (let i = 0; i < 256; i++) lut[i] = i / 255;
  return lut;
})();

/**
 * uint8 HWC → float32 CHW in [0, 1] (torchvision `to_tensor`: value / 255). Writes into `out` at `offset`
 * when given (a slot of a batch buffer), else into a fresh array; returns the array written.
 */
export function toFloatCHW(img: HwcImage, out?: Float32Array, offset = 0): Float32Array {
  checkImage(img);
  const { data, height, width, channels: C } = img;
  const hw = height * width;
  const dst = out ?? new Float32Array(hw * C);
  if (offset + hw * C > dst.length) throw new UsageError(`toFloatCHW: output of ${dst.length} floats is too small for ${C}×${height}×${width} at offset ${offset}`);
  for (let c = 0; c < C; c++) {
    const base = offset + c * hw;
    for (let p = 0, s = c; p < hw; p++, s += C) dst[base + p] = INV255[data[s]];
  }
  return dst;
}
