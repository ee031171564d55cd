/**
 * Brightness, contrast, saturation and hue as Pillow's ImageEnhance / torchvision's adjust_* on 8-bit images; as in
 * Pillow, the alpha channel (2nd of LA, 4th of RGBA) is left unchanged.
 */
import { UsageError } from '../../errors.js';
import { type HwcImage, checkImage } from './hwcImage.js';

// Colour: Pillow ImageEnhance = Image.blend(degenerate, image, factor) = degenerate + factor·(image − degenerate),
// computed in float32 (Blend.c), truncated to uint8, clipped to [0, 255] when extrapolating.

function blendValue(deg: number, pix: number, alpha: number): number {
  const v = Math.fround(deg + Math.fround(alpha * (pix - deg)));
  return v <= 0 ? 0 : v >= 255 ? 255 : Math.trunc(v);
}

/** Channels the colour adjustments change: all but the alpha channel of LA / RGBA. */
export function colourChannels(C: number): number {
  return C === 2 || C === 4 ? C - 1 : C;
}

export function checkFactor(op: string, factor: number): number {
  if (!(Number.isFinite(factor) && factor >= 0)) throw new UsageError(`${op}: expected a finite factor ≥ 0, received ${factor}`);
  return Math.fround(factor);
}

export function lutColourChannels(img: HwcImage, lut: Uint8Array): void {
  const { data, channels: C } = img;
  const nc = colourChannels(C);
  if (nc === C) {
    for (let i = 0; i < data.length; i++) data[i] = lut[data[i]];
  } else {
    for (let p = 0; p < data.length; p += C) for (let c = 0; c < nc; c++) data[p + c] = lut[data[p + c]];
  }
}

export function constantBlendLut(deg: number, alpha: number): Uint8Array {
  const lut = new Uint8Array(256);
  for (let i = 0; i < 256; i++) lut[i] = blendValue(deg, i, alpha);
  return lut;
}

function brightnessInPlace(img: HwcImage, factor: number): void {
  lutColourChannels(img, constantBlendLut(0, checkFactor('brightness', factor)));
}

/** Pillow's contrast degenerate: the mean luma (ImageStat over the L image), rounded half up — of the image with `pre` applied to its colour channels. */
export function contrastMean(img: HwcImage, pre: Uint8Array | null = null): number {
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
export const SAT_LUT_F32 = new Float32Array(65536);
let scratch = new Uint8Array(0);
export function scratchU8(n: number): Uint8Array {
  if (scratch.length < n) scratch = new Uint8Array(n);
  return scratch;
}

/** blend(luma, value) for every (luma, value) pair: 64 Ki entries, cheaper than 3 float blends per pixel. */
export function saturationLut(alpha: number): Uint8Array {
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
export function saturationInPlace(img: HwcImage, factor: number, pre: Uint8Array | null = null): void {
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

export const IDENTITY_LUT = Uint8Array.from({ length: 256 }, (_, i) => i);

/** `outer ∘ inner` as one value LUT (`inner` null = identity). */
export function composeLut(outer: Uint8Array, inner: Uint8Array | null): Uint8Array {
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
