/**
 * Image augmentation on uint8 height × width × channels images (interleaved, C = 1..4), in plain TypeScript.
 *
 * Each transform reproduces what the seed's torchvision 0.2 / Pillow pipeline does to an 8-bit PIL image
 * (seed-spec §10), integer arithmetic included, so results match Pillow pixel for pixel (see
 * docs/augmentation-loader.md for the measured differences). Channel count ↔ PIL mode: 1 = "L", 2 = "LA",
 * 3 = "RGB", 4 = "RGBA"; as in Pillow, the colour adjustments leave the alpha channel (the 2nd of 2, the
 * 4th of 4) unchanged.
 */
import { UsageError } from '../../errors.js';
import { type Rng, shuffleInPlace, uniform } from '../loader/seededRandom.js';
import { BILINEAR_FILTER, resampleColumns, resampleCoeffs, resampleRows } from './pilResample.js';

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
  | { readonly kind: 'saturation'; readonly factor: number }
  /** Hue shift in fractions of the colour circle, within [−0.5, 0.5] (torchvision `adjust_hue`). */
  | { readonly kind: 'hue'; readonly factor: number };

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

/** i / 255 as float32: torchvision's to_tensor scaling. */
const INV255 = (() => {
  const lut = new Float32Array(256);
  for (let i = 0; i < 256; i++) lut[i] = i / 255;
  return lut;
})();

function blank(height: number, width: number, channels: number): HwcImage {
  return { data: new Uint8Array(height * width * channels), height, width, channels };
}

// ---------------------------------------------------------------------------------------------------------------
// Resize: Pillow's ImagingResample with the bilinear ("triangle") filter (pilResample.ts), bit-identical.
// ---------------------------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------------------------
// Flips and transpose (exact pixel moves).
// ---------------------------------------------------------------------------------------------------------------

/** A run of flips/transposes as one element of the dihedral group: flip (`h`, `v`) first, then transpose (`t`). */
interface Dihedral {
  h: boolean;
  v: boolean;
  t: boolean;
}

/** Compose `state` with one more flip/transpose applied after it (the group is closed, so this stays exact). */
function composeDihedral(state: Dihedral, kind: 'hflip' | 'vflip' | 'transpose'): void {
  if (kind === 'transpose') state.t = !state.t;
  // After a transpose, flipping the output horizontally is flipping the input vertically, and vice versa.
  else if ((kind === 'hflip') !== state.t) state.h = !state.h;
  else state.v = !state.v;
}

/**
 * One pass over the output: pixel (y, x) reads the dihedral-transformed source, optionally through a
 * fixed-point rotation of the intermediate image (Pillow's affine loop), picking `chanMap` channels (the
 * channel filter, fused). Source offsets are linear in the intermediate coordinates, so no per-pixel branches.
 */
function gather(src: HwcImage, chanMap: readonly number[], d: Dihedral, rot: FixedRotation | null, into?: Uint8Array): HwcImage {
  const { height: H, width: W, channels: sc, data } = src;
  const Hi = d.t ? W : H;
  const Wi = d.t ? H : W;
  const C = chanMap.length;
  const base = ((d.v ? H - 1 : 0) * W + (d.h ? W - 1 : 0)) * sc;
  const rowStep = (d.v ? -1 : 1) * W * sc;
  const colStep = (d.h ? -1 : 1) * sc;
  const dy = d.t ? colStep : rowStep;
  const dx = d.t ? rowStep : colStep;
  const out = into ? into.subarray(0, Hi * Wi * C) : new Uint8Array(Hi * Wi * C);
  const c0 = chanMap[0];
  const c1 = chanMap[1] ?? 0;
  const c2 = chanMap[2] ?? 0;
  if (!rot) {
    let q = 0;
    for (let y = 0; y < Hi; y++) {
      let p = base + y * dy;
      if (C === 3) {
        for (let x = 0; x < Wi; x++, p += dx, q += 3) {
          out[q] = data[p + c0];
          out[q + 1] = data[p + c1];
          out[q + 2] = data[p + c2];
        }
      } else {
        for (let x = 0; x < Wi; x++, p += dx) for (let c = 0; c < C; c++) out[q++] = data[p + chanMap[c]];
      }
    }
  } else {
    const { f0, f1, f3, f4 } = rot;
    let fx = rot.fx;
    let fy = rot.fy;
    for (let y = 0; y < Hi; y++) {
      let xx = fx;
      let yy = fy;
      let q = y * Wi * C;
      for (let x = 0; x < Wi; x++, q += C) {
        const xi = xx >> 16;
        const yi = yy >> 16;
        if (xi >= 0 && xi < Wi && yi >= 0 && yi < Hi) {
          const p = base + yi * dy + xi * dx;
          if (C === 3) {
            out[q] = data[p + c0];
            out[q + 1] = data[p + c1];
            out[q + 2] = data[p + c2];
          } else {
            for (let c = 0; c < C; c++) out[q + c] = data[p + chanMap[c]];
          }
        } else {
          for (let c = 0; c < C; c++) out[q + c] = 0; // uncovered (the buffer may be reused)
        }
        xx += f0;
        yy += f3;
      }
      fx += f1;
      fy += f4;
    }
  }
  return { data: out, height: Hi, width: Wi, channels: C };
}

/** `gather` writing float CHW /255 straight into `dst` at `offset` (the loader's path when no colour op follows). */
function gatherToFloat(src: HwcImage, chanMap: readonly number[], d: Dihedral, rot: FixedRotation | null, dst: Float32Array, offset: number): void {
  const { height: H, width: W, channels: sc, data } = src;
  const Hi = d.t ? W : H;
  const Wi = d.t ? H : W;
  const C = chanMap.length;
  const hw = Hi * Wi;
  if (offset + hw * C > dst.length) throw new UsageError(`augment: output of ${dst.length} floats is too small for ${C}×${Hi}×${Wi} at offset ${offset}`);
  const base = ((d.v ? H - 1 : 0) * W + (d.h ? W - 1 : 0)) * sc;
  const rowStep = (d.v ? -1 : 1) * W * sc;
  const colStep = (d.h ? -1 : 1) * sc;
  const dy = d.t ? colStep : rowStep;
  const dx = d.t ? rowStep : colStep;
  const inv = INV255;
  if (C !== 3) {
    // Rare (1-, 2- or 4-channel filters): via the uint8 gather.
    toFloatCHW(gather(src, chanMap, d, rot), dst, offset);
    return;
  }
  // One pass over the pixels writing the three planes side by side (the source is read once, in output order).
  const c0 = chanMap[0];
  const c1 = chanMap[1];
  const c2 = chanMap[2];
  const o1 = offset + hw;
  const o2 = offset + 2 * hw;
  if (!rot) {
    for (let y = 0, o = offset; y < Hi; y++) {
      let p = base + y * dy;
      for (let x = 0; x < Wi; x++, p += dx, o++) {
        dst[o] = inv[data[p + c0]];
        dst[o + hw] = inv[data[p + c1]];
        dst[o + 2 * hw] = inv[data[p + c2]];
      }
    }
    return;
  }
  const { f0, f1, f3, f4 } = rot;
  let fx = rot.fx;
  let fy = rot.fy;
  for (let y = 0, q = 0; y < Hi; y++) {
    let xx = fx;
    let yy = fy;
    for (let x = 0; x < Wi; x++, q++) {
      const xi = xx >> 16;
      const yi = yy >> 16;
      if (xi >= 0 && xi < Wi && yi >= 0 && yi < Hi) {
        const p = base + yi * dy + xi * dx;
        dst[offset + q] = inv[data[p + c0]];
        dst[o1 + q] = inv[data[p + c1]];
        dst[o2 + q] = inv[data[p + c2]];
      } else {
        dst[offset + q] = 0;
        dst[o1 + q] = 0;
        dst[o2 + q] = 0;
      }
      xx += f0;
      yy += f3;
    }
    fx += f1;
    fy += f4;
  }
}

const IDENTITY_CHANNELS = [[0], [0, 1], [0, 1, 2], [0, 1, 2, 3]];

function dihedral(img: HwcImage, h: boolean, v: boolean, t: boolean): HwcImage {
  return gather(img, IDENTITY_CHANNELS[img.channels - 1], { h, v, t }, null);
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

/** Geometry.c's 16.16 fixed-point affine loop parameters. */
interface FixedRotation {
  f0: number;
  f1: number;
  f3: number;
  f4: number;
  fx: number;
  fy: number;
}

/** How Pillow rotates a W×H image by `degrees`. */
type RotationPlan =
  | { kind: 'ops'; ops: readonly ('hflip' | 'vflip' | 'transpose')[] } // 0, 180, and 90/270 on squares: exact transposes
  | { kind: 'fixed'; rot: FixedRotation }
  | { kind: 'float'; a: number[] };

function planRotation(W: number, H: number, degrees: number): RotationPlan {
  if (!Number.isFinite(degrees)) throw new UsageError(`rotate: expected a finite angle in degrees, received ${degrees}`);
  const angle = ((degrees % 360) + 360) % 360; // Python's modulo: result in [0, 360)
  if (angle === 0) return { kind: 'ops', ops: [] };
  if (angle === 180) return { kind: 'ops', ops: ['hflip', 'vflip'] };
  if (angle === 90 && W === H) return { kind: 'ops', ops: ['hflip', 'transpose'] };
  if (angle === 270 && W === H) return { kind: 'ops', ops: ['vflip', 'transpose'] };
  const rad = -(angle * (Math.PI / 180));
  const a0 = round15(Math.cos(rad));
  const a1 = round15(Math.sin(rad));
  const a3 = round15(-Math.sin(rad));
  const a4 = a0;
  const cx = W / 2.0;
  const cy = H / 2.0;
  const a2 = a0 * -cx + a1 * -cy + 0.0 + cx;
  const a5 = a3 * -cx + a4 * -cy + 0.0 + cy;
  // Geometry.c uses 16.16 fixed point whenever the mapped corners stay within ±32768 (always, for images up
  // to ~20k pixels wide); otherwise doubles. Both are reproduced: the rounding decides border pixels.
  const fits = (x: number, y: number) => Math.abs(x * a0 + y * a1 + a2) < 32768 && Math.abs(x * a3 + y * a4 + a5) < 32768;
  if (fits(0, 0) && fits(W, H)) {
    const fix = (v: number) => Math.floor(v * 65536.0 + 0.5);
    const rot = { f0: fix(a0), f1: fix(a1), f3: fix(a3), f4: fix(a4), fx: fix(a2 + a1 * 0.5 + a0 * 0.5), fy: fix(a5 + a4 * 0.5 + a3 * 0.5) };
    return { kind: 'fixed', rot };
  }
  return { kind: 'float', a: [a0, a1, a2, a3, a4, a5] };
}

function rotateFloat(img: HwcImage, a: number[]): HwcImage {
  const { height: H, width: W, channels: C, data } = img;
  const [a0, a1, a2, a3, a4, a5] = a;
  const out = blank(H, W, C);
  const o = out.data;
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

/**
 * Rotate by `degrees` counter-clockwise about the image centre, nearest neighbour, same canvas, uncovered
 * pixels 0 — Pillow's `Image.rotate(degrees, resample=NEAREST)` (torchvision `rotate` on a PIL image).
 */
export function rotate(img: HwcImage, degrees: number): HwcImage {
  checkImage(img);
  const plan = planRotation(img.width, img.height, degrees);
  if (plan.kind === 'float') return rotateFloat(img, plan.a);
  if (plan.kind === 'fixed') return gather(img, IDENTITY_CHANNELS[img.channels - 1], { h: false, v: false, t: false }, plan.rot);
  if (plan.ops.length === 0) return img;
  const d = { h: false, v: false, t: false };
  for (const k of plan.ops) composeDihedral(d, k);
  return gather(img, IDENTITY_CHANNELS[img.channels - 1], d, null);
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

function lutColourChannels(img: HwcImage, lut: Uint8Array): void {
  const { data, channels: C } = img;
  const nc = colourChannels(C);
  if (nc === C) {
    for (let i = 0; i < data.length; i++) data[i] = lut[data[i]];
  } else {
    for (let p = 0; p < data.length; p += C) for (let c = 0; c < nc; c++) data[p + c] = lut[data[p + c]];
  }
}

function constantBlendLut(deg: number, alpha: number): Uint8Array {
  const lut = new Uint8Array(256);
  for (let i = 0; i < 256; i++) lut[i] = blendValue(deg, i, alpha);
  return lut;
}

function brightnessInPlace(img: HwcImage, factor: number): void {
  lutColourChannels(img, constantBlendLut(0, checkFactor('brightness', factor)));
}

/** Pillow's contrast degenerate: the mean luma (ImageStat over the L image), rounded half up — of the image with `pre` applied to its colour channels. */
function contrastMean(img: HwcImage, pre: Uint8Array | null = null): number {
  const { data, channels: C } = img;
  const m = pre ?? IDENTITY_LUT;
  let sum = 0;
  if (C >= 3) {
    for (let p = 0; p < data.length; p += C) sum += (m[data[p]] * 19595 + m[data[p + 1]] * 38470 + m[data[p + 2]] * 7471 + 0x8000) >> 16;
  } else {
    for (let p = 0; p < data.length; p += C) sum += m[data[p]];
  }
  return Math.floor(sum / (img.height * img.width) + 0.5);
}

function contrastInPlace(img: HwcImage, factor: number): void {
  const alpha = checkFactor('contrast', factor);
  lutColourChannels(img, constantBlendLut(contrastMean(img), alpha));
}

// Per-thread scratch buffers for the loader path: fresh multi-megabyte allocations per sample cost page faults
// (kernel time), noticeably so in worker threads. Everything here is synchronous, so reuse is safe.
const SAT_LUT = new Uint8Array(65536);
const SAT_LUT_F32 = new Float32Array(65536);
let scratch = new Uint8Array(0);
function scratchU8(n: number): Uint8Array {
  if (scratch.length < n) scratch = new Uint8Array(n);
  return scratch;
}

/** blend(luma, value) for every (luma, value) pair: 64 Ki entries, cheaper than 3 float blends per pixel. */
function saturationLut(alpha: number): Uint8Array {
  const prod = new Float64Array(511);
  for (let d = -255; d <= 255; d++) prod[d + 255] = Math.fround(alpha * d);
  const lut = SAT_LUT; // consumed before the next call
  for (let l = 0; l < 256; l++) {
    for (let x = 0, k = l << 8; x < 256; x++, k++) {
      const v = Math.fround(l + prod[x - l + 255]); // = blendValue(l, x, alpha)
      lut[k] = v <= 0 ? 0 : v >= 255 ? 255 : Math.trunc(v);
    }
  }
  return lut;
}

/** Saturation in place; `pre` (a value LUT still to be applied to the colour channels) is applied first. */
function saturationInPlace(img: HwcImage, factor: number, pre: Uint8Array | null = null): void {
  const alpha = checkFactor('saturation', factor);
  const { data, channels: C } = img;
  if (C < 3) {
    if (pre) lutColourChannels(img, pre); // a grey image is its own luma
    return;
  }
  const lut = saturationLut(alpha);
  const m = pre ?? IDENTITY_LUT;
  for (let p = 0; p < data.length; p += C) {
    const r = m[data[p]];
    const g = m[data[p + 1]];
    const b = m[data[p + 2]];
    const l = ((r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16) << 8;
    data[p] = lut[l | r];
    data[p + 1] = lut[l | g];
    data[p + 2] = lut[l | b];
  }
}

const IDENTITY_LUT = Uint8Array.from({ length: 256 }, (_, i) => i);

/** `outer ∘ inner` as one value LUT (`inner` null = identity). */
function composeLut(outer: Uint8Array, inner: Uint8Array | null): Uint8Array {
  if (!inner) return outer;
  const r = new Uint8Array(256);
  for (let i = 0; i < 256; i++) r[i] = outer[inner[i]];
  return r;
}

function copyOf(img: HwcImage): HwcImage {
  return { ...img, data: new Uint8Array(img.data) };
}

/** Pillow `ImageEnhance.Brightness(img).enhance(factor)`: blend with black (torchvision `adjust_brightness`). */
export function adjustBrightness(img: HwcImage, factor: number): HwcImage {
  checkImage(img);
  const out = copyOf(img);
  brightnessInPlace(out, factor);
  return out;
}

/**
 * Pillow `ImageEnhance.Contrast(img).enhance(factor)`: blend with a uniform grey at the mean luma rounded to an
 * integer (torchvision `adjust_contrast` on a PIL image).
 */
export function adjustContrast(img: HwcImage, factor: number): HwcImage {
  checkImage(img);
  const out = copyOf(img);
  contrastInPlace(out, factor);
  return out;
}

/**
 * Pillow `ImageEnhance.Color(img).enhance(factor)`: blend with the image's own luma (torchvision
 * `adjust_saturation` on a PIL image). A grey image ("L") is unchanged.
 */
export function adjustSaturation(img: HwcImage, factor: number): HwcImage {
  checkImage(img);
  const out = copyOf(img);
  saturationInPlace(out, factor);
  return out;
}

/**
 * torchvision `adjust_hue` on a PIL image: convert to Pillow's 8-bit HSV, add `round-toward-zero(factor·255)`
 * to H modulo 256, convert back (Pillow's Convert.c rgb2hsv / hsv2rgb, float32 where Pillow uses float). A grey
 * image is unchanged; as in Pillow, an alpha channel comes back as 255.
 */
export function adjustHue(img: HwcImage, factor: number): HwcImage {
  checkImage(img);
  if (!(Number.isFinite(factor) && factor >= -0.5 && factor <= 0.5)) throw new UsageError(`hue: expected a factor within [-0.5, 0.5], received ${factor}`);
  const { data, channels: C } = img;
  if (C < 3) return copyOf(img);
  const shift = Math.trunc(factor * 255) & 255; // np.uint8(factor * 255): C cast, negative values wrap
  const f32 = Math.fround;
  const out = new Uint8Array(data.length);
  const clip8 = (v: number) => (v <= 0 ? 0 : v >= 255 ? 255 : v);
  for (let p = 0; p < data.length; p += C) {
    const r = data[p];
    const g = data[p + 1];
    const b = data[p + 2];
    const maxc = Math.max(r, g, b);
    const minc = Math.min(r, g, b);
    let uh = 0;
    let us = 0;
    const v = maxc;
    if (minc !== maxc) {
      const cr = maxc - minc;
      const s = f32(cr / maxc);
      const rc = f32((maxc - r) / cr);
      const gc = f32((maxc - g) / cr);
      const bc = f32((maxc - b) / cr);
      let h: number;
      if (r === maxc) h = f32(bc - gc);
      else if (g === maxc) h = f32(2.0 + rc - bc);
      else h = f32(4.0 + gc - rc);
      h = f32((h / 6.0 + 1.0) % 1.0);
      uh = clip8(Math.trunc(h * 255.0));
      us = clip8(Math.trunc(s * 255.0));
    }
    const hh = (uh + shift) & 255;
    let o0 = v;
    let o1 = v;
    let o2 = v;
    if (us !== 0) {
      const i = Math.floor(f32(hh) * 6.0 / 255.0);
      const f = f32(f32(hh) * 6.0 / 255.0 - i);
      const fs = f32(f * us);
      const pp = clip8(Math.round(f32(v) * (255.0 - us) / 255.0));
      const q = clip8(Math.round(f32(v) * (255.0 - fs) / 255.0));
      const t = clip8(Math.round(f32(v) * (255.0 - us + fs) / 255.0));
      switch (i % 6) {
        case 0: o1 = t; o2 = pp; break;
        case 1: o0 = q; o2 = pp; break;
        case 2: o0 = pp; o2 = t; break;
        case 3: o0 = pp; o1 = q; break;
        case 4: o0 = t; o1 = pp; break;
        default: o1 = pp; o2 = q; break;
      }
    }
    out[p] = o0;
    out[p + 1] = o1;
    out[p + 2] = o2;
    if (C === 4) out[p + 3] = 255;
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
    case 'hue':
      return adjustHue(img, op.factor);
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
    const d = { h: false, v: false, t: false };
    let j = i;
    for (; j < ops.length; j++) {
      const k = ops[j].kind;
      if (k === 'hflip' || k === 'vflip' || k === 'transpose') composeDihedral(d, k);
      else break;
    }
    if (j > i) {
      checkImage(cur);
      if (d.h || d.v || d.t) cur = dihedral(cur, d.h, d.v, d.t);
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
  if (C === 3) {
    for (let p = 0, s = 0, o = offset; p < hw; p++, s += 3, o++) {
      dst[o] = INV255[data[s]];
      dst[o + hw] = INV255[data[s + 1]];
      dst[o + 2 * hw] = INV255[data[s + 2]];
    }
    return dst;
  }
  for (let c = 0; c < C; c++) {
    const base = offset + c * hw;
    for (let p = 0, s = c; p < hw; p++, s += C) dst[base + p] = INV255[data[s]];
  }
  return dst;
}

/**
 * The loader's fast path, identical in result to `toFloatCHW(applyOps(pick(src, channelMap), ops), out, offset)`:
 * the leading flips/transposes and the first rotation are fused with the channel pick into one gather pass,
 * the colour ops then run in place, and the result is written as float CHW. `channelMap` picks source channels
 * (e.g. `[0, 1, 2]` of a stored RGBY image); default all of them.
 */
export function augmentToFloatCHW(src: HwcImage, ops: readonly AugOp[], out: Float32Array, offset = 0, channelMap?: readonly number[]): Float32Array {
  checkImage(src);
  const map = channelMap ?? IDENTITY_CHANNELS[src.channels - 1];
  if (map.length < 1 || map.length > 4 || map.some((c) => !(Number.isInteger(c) && c >= 0 && c < src.channels))) {
    throw new UsageError(`augment: channel map [${map.join(', ')}] does not fit a ${src.channels}-channel image`);
  }
  const d = { h: false, v: false, t: false };
  let rot: FixedRotation | null = null;
  let i = 0;
  for (; i < ops.length; i++) {
    const op = ops[i];
    if (op.kind === 'hflip' || op.kind === 'vflip' || op.kind === 'transpose') {
      composeDihedral(d, op.kind);
      continue;
    }
    if (op.kind !== 'rotate') break;
    const plan = planRotation(d.t ? src.height : src.width, d.t ? src.width : src.height, op.degrees);
    if (plan.kind === 'ops') {
      for (const k of plan.ops) composeDihedral(d, k);
      continue;
    }
    if (plan.kind === 'fixed') {
      rot = plan.rot;
      i++;
    }
    break; // a float-path rotation (huge images) runs below, on the gathered image
  }
  if (i === ops.length) {
    gatherToFloat(src, map, d, rot, out, offset);
    return out;
  }
  // Our own buffer (scratch, or applyOp's fresh results): colour ops work in place.
  let img = gather(src, map, d, rot, scratchU8(src.height * src.width * map.length));
  // Brightness and contrast are per-value LUTs on the colour channels: consecutive ones are composed into one
  // pending LUT, applied by the next pass that reads the pixels anyway (contrast's mean, saturation, the
  // float conversion) instead of by a pass of its own.
  let pend: Uint8Array | null = null;
  const last = ops.length - 1;
  for (; i <= last; i++) {
    const op = ops[i];
    if (op.kind === 'brightness') {
      pend = composeLut(constantBlendLut(0, checkFactor('brightness', op.factor)), pend);
    } else if (op.kind === 'contrast') {
      const alpha = checkFactor('contrast', op.factor);
      pend = composeLut(constantBlendLut(contrastMean(img, pend), alpha), pend);
    } else if (op.kind === 'saturation' && i === last && img.channels >= 3) {
      return saturationToFloat(img, checkFactor('saturation', op.factor), pend, out, offset);
    } else if (op.kind === 'saturation') {
      saturationInPlace(img, op.factor, pend);
      pend = null;
    } else {
      if (pend) lutColourChannels(img, pend);
      pend = null;
      img = applyOp(img, op);
    }
  }
  return pend ? lutToFloat(img, pend, out, offset) : toFloatCHW(img, out, offset);
}

/** toFloatCHW of the image with `lut` applied to its colour channels. */
function lutToFloat(img: HwcImage, lut: Uint8Array, dst: Float32Array, offset: number): Float32Array {
  const { data, height, width, channels: C } = img;
  const hw = height * width;
  if (offset + hw * C > dst.length) throw new UsageError(`augment: output of ${dst.length} floats is too small for ${C}×${height}×${width} at offset ${offset}`);
  const f = new Float32Array(256);
  for (let i = 0; i < 256; i++) f[i] = INV255[lut[i]];
  if (C === 3) {
    for (let p = 0, s = 0, o = offset; p < hw; p++, s += 3, o++) {
      dst[o] = f[data[s]];
      dst[o + hw] = f[data[s + 1]];
      dst[o + 2 * hw] = f[data[s + 2]];
    }
    return dst;
  }
  const nc = colourChannels(C);
  for (let c = 0; c < C; c++) {
    const t = c < nc ? f : INV255;
    for (let p = 0, s = c, o = offset + c * hw; p < hw; p++, s += C) dst[o + p] = t[data[s]];
  }
  return dst;
}

/** toFloatCHW of the saturation-adjusted image (C ≥ 3), `pre` applied to the colour channels first. */
function saturationToFloat(img: HwcImage, alpha: number, pre: Uint8Array | null, dst: Float32Array, offset: number): Float32Array {
  const { data, height, width, channels: C } = img;
  const hw = height * width;
  if (offset + hw * C > dst.length) throw new UsageError(`augment: output of ${dst.length} floats is too small for ${C}×${height}×${width} at offset ${offset}`);
  const u8 = saturationLut(alpha);
  const lut = SAT_LUT_F32;
  for (let k = 0; k < 65536; k++) lut[k] = INV255[u8[k]];
  const m = pre ?? IDENTITY_LUT;
  for (let p = 0, s = 0, o = offset; p < hw; p++, s += C, o++) {
    const r = m[data[s]];
    const g = m[data[s + 1]];
    const b = m[data[s + 2]];
    const l = ((r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16) << 8;
    dst[o] = lut[l | r];
    dst[o + hw] = lut[l | g];
    dst[o + 2 * hw] = lut[l | b];
    if (C === 4) dst[o + 3 * hw] = INV255[data[s + 3]];
  }
  return dst;
}
