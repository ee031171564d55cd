/** uint8 HWC → float32 CHW in [0, 1] (torchvision to_tensor), and the loader's fused augment-and-convert path. */
import { UsageError } from '../../errors.js';
import { type AugOp, applyOp } from './augOps.js';
import { IDENTITY_LUT, SAT_LUT_F32, checkFactor, colourChannels, composeLut, constantBlendLut, contrastMean, lutColourChannels, saturationInPlace, saturationLut, scratchU8 } from './colour.js';
import { type FixedRotation, IDENTITY_CHANNELS, composeDihedral, gather, gatherToFloat } from './dihedral.js';
import { type HwcImage, INV255, checkImage } from './hwcImage.js';
import { planRotation } from './rotate.js';

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
