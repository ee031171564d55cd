/**
 * The 8-bit height × width × channels image every augmentation works on (C = 1..4 ↔ PIL modes L, LA, RGB, RGBA),
 * and the helpers all transforms share.
 */
import { UsageError } from '../../errors.js';

/** An 8-bit image: pixel (y, x) channel c is at `(y * width + x) * channels + c`. */
export interface HwcImage {
  readonly data: Uint8Array;
  readonly height: number;
  readonly width: number;
  readonly channels: number;
}

/** Target size of the resize step. */
export interface ImageSize {
  readonly height: number;
  readonly width: number;
}

export function checkImage(img: HwcImage): void {
  const { data, height, width, channels } = img;
  if (!(channels >= 1 && channels <= 4) || data.length !== height * width * channels) {
    throw new UsageError(`augment: expected a uint8 HWC image with 1..4 channels and ${height}×${width}×${channels} bytes, received ${data.length} bytes`);
  }
}

/** i / 255 as float32: torchvision's to_tensor scaling. */
export const INV255 = (() => {
  const lut = new Float32Array(256);
  for (let i = 0; i < 256; i++) lut[i] = i / 255;
  return lut;
})();

export function blank(height: number, width: number, channels: number): HwcImage {
  return { data: new Uint8Array(height * width * channels), height, width, channels };
}
