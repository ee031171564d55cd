import sharp, { type Metadata } from 'sharp';
import { DataError } from '../errors.js';

/** What {@link decodeGrey} checks about the image before trusting its pixels. */
export interface DecodeGreyOptions {
  /** Names the source in error messages (a path, or `train.zip:<entry>`). */
  file: string;
  /** Required width and height; a different size is a DataError. */
  width?: number;
  height?: number;
  /**
   * Accept only single-channel 8-bit images (the Kaggle PNGs). Default true. When false, any 8-bit image is
   * accepted and its first channel is kept.
   */
  strictGrey?: boolean;
}

/** One decoded channel: `width × height` bytes, row-major. */
export interface GreyImage {
  data: Uint8Array;
  width: number;
  height: number;
}

// libvips' operation cache only helps repeated identical pipelines; with tens of thousands of distinct files it
// just holds memory.
sharp.cache(false);

/**
 * Decode an image (PNG, JPEG, ...) to one 8-bit channel with sharp, the way the seed's `np.array(Image.open(f))`
 * sees a grey 8-bit PNG: the stored values, unchanged. This module is the only one that decodes with sharp.
 * @throws DataError naming `opts.file` for undecodable data, a wrong size, a bit depth other than 8 or (with
 * `strictGrey`) more than one channel.
 */
export async function decodeGrey(input: Uint8Array | string, opts: DecodeGreyOptions): Promise<GreyImage> {
  const { file } = opts;
  const src = typeof input === 'string' ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  let meta: Metadata;
  try {
    meta = await sharp(src, { failOn: 'error' }).metadata();
  } catch (err) {
    throw new DataError(`${file}: not a decodable image (${firstLine(err)})`, { cause: err });
  }
  const { width, height } = meta;
  if (!width || !height) throw new DataError(`${file}: the image has no size (corrupt header)`);
  if ((opts.width !== undefined && width !== opts.width) || (opts.height !== undefined && height !== opts.height)) {
    throw new DataError(`${file}: expected ${opts.width ?? width}×${opts.height ?? height} pixels but the image is ${width}×${height}`);
  }
  if (meta.depth !== 'uchar' && meta.depth !== 'char') {
    throw new DataError(`${file}: expected an 8-bit image but found ${depthName(meta.depth)}`);
  }
  const strict = opts.strictGrey ?? true;
  const channels = meta.channels ?? 0;
  if (strict && channels !== 1) {
    throw new DataError(`${file}: expected a single-channel (grey) image but found ${channels} channels (${meta.space ?? '?'})`);
  }
  let data: Buffer;
  try {
    const img = sharp(src, { failOn: 'error' });
    // sharp turns grey into sRGB on raw output; channel 0 holds the stored values.
    data = await img.extractChannel(0).raw().toBuffer();
  } catch (err) {
    throw new DataError(`${file}: the image data is corrupt (${firstLine(err)})`, { cause: err });
  }
  if (data.length !== width * height) {
    throw new DataError(`${file}: decoded ${data.length} bytes, expected ${width}×${height} = ${width * height}`);
  }
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width, height };
}

/**
 * Decode a colour (or grey) image to interleaved 8-bit RGB, `width × height × 3` (grey images are expanded), as
 * PIL's `Image.open(...).convert('RGB')` would see a baseline JPEG.
 * @throws DataError naming `file` when the data does not decode.
 */
export async function decodeRgb(input: Uint8Array, file: string): Promise<{ data: Uint8Array; width: number; height: number }> {
  try {
    const { data, info } = await sharp(Buffer.from(input.buffer, input.byteOffset, input.byteLength), { failOn: 'error' })
      .toColourspace('srgb')
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`decoded ${info.channels} channels`);
    return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height };
  } catch (err) {
    throw new DataError(`${file}: not a decodable image (${firstLine(err)})`, { cause: err });
  }
}

function depthName(depth: string | undefined): string {
  const names: Record<string, string> = { ushort: '16-bit', short: '16-bit', uint: '32-bit', int: '32-bit', float: '32-bit float', double: '64-bit float' };
  return depth ? (names[depth] ?? depth) : 'an unknown depth';
}

function firstLine(err: unknown): string {
  return String((err as Error)?.message ?? err).split('\n')[0];
}
