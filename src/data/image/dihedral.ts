/** Flips and transposes (the dihedral group of the square) as exact pixel gathers, fused with a channel pick and an optional fixed-point rotation. */
import { UsageError } from '../../errors.js';
import { type HwcImage, INV255, checkImage } from './hwcImage.js';
import { toFloatCHW } from './toFloat.js';

// Flips and transpose (exact pixel moves).

/** A run of flips/transposes as one element of the dihedral group: flip (`h`, `v`) first, then transpose (`t`). */
interface Dihedral {
  h: boolean;
  v: boolean;
  t: boolean;
}

/** Compose `state` with one more flip/transpose applied after it (the group is closed, so this stays exact). */
export function composeDihedral(state: Dihedral, kind: 'hflip' | 'vflip' | 'transpose'): void {
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
export function gather(src: HwcImage, chanMap: readonly number[], d: Dihedral, rot: FixedRotation | null, into?: Uint8Array): HwcImage {
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
export function gatherToFloat(src: HwcImage, chanMap: readonly number[], d: Dihedral, rot: FixedRotation | null, dst: Float32Array, offset: number): void {
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

export const IDENTITY_CHANNELS = [[0], [0, 1], [0, 1, 2], [0, 1, 2, 3]];

export function dihedral(img: HwcImage, h: boolean, v: boolean, t: boolean): HwcImage {
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

/** Geometry.c's 16.16 fixed-point affine loop parameters. */
export interface FixedRotation {
  f0: number;
  f1: number;
  f3: number;
  f4: number;
  fx: number;
  fy: number;
}
