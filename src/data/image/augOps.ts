/**
 * The augmentation op list: serialisable ops, applying them one by one or fused, and the seed's random draw
 * (seed-spec §10.1). Each op reproduces the seed's torchvision 0.2 / Pillow pipeline pixel for pixel
 * (docs/augmentation-loader.md).
 */
import { UsageError } from '../../errors.js';
import { type Rng, shuffleInPlace, uniform } from '../tables/seededRandom.js';
import { adjustBrightness, adjustContrast, adjustHue, adjustSaturation } from './colour.js';
import { composeDihedral, dihedral, hflip, transpose, vflip } from './dihedral.js';
import { type HwcImage, type ImageSize, checkImage } from './hwcImage.js';
import { resizeBilinear } from './resize.js';
import { rotate } from './rotate.js';

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
