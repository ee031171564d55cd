import { endianness } from 'node:os';
import sharp, { type Metadata } from 'sharp';
import { DataError } from '../../errors.js';
import { loadIngestAddon } from '../../native/loadIngestAddon.js';
import { decodePngAsync, isPlainGreyPng, pngLayout } from './decodePngSync.js';

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

const LITTLE_ENDIAN = endianness() === 'LE';

/**
 * Decode an image (PNG, JPEG, ...) to one 8-bit channel with sharp, the way the seed's `np.array(Image.open(f))`
 * sees a grey 8-bit PNG: the stored values, unchanged. This module is the only one that decodes with sharp.
 * @throws DataError naming `opts.file` for undecodable data, a wrong size, a bit depth other than 8 or (with
 * `strictGrey`) more than one channel.
 */
export async function decodeGrey(input: Uint8Array | string, opts: DecodeGreyOptions): Promise<GreyImage> {
  const { file } = opts;
  const src = typeof input === 'string' ? input : asBuffer(input);
  const { width, height } = await checkHeader(src, opts);
  let data: Buffer;
  try {
    // sharp turns grey into sRGB on raw output; channel 0 holds the stored values.
    data = await sharp(src, { failOn: 'error' }).extractChannel(0).raw().toBuffer();
  } catch (err) {
    throw new DataError(`${file}: the image data is corrupt (${firstLine(err)})`, { cause: err });
  }
  if (data.length !== width * height) {
    throw new DataError(`${file}: decoded ${data.length} bytes, expected ${width}×${height} = ${width * height}`);
  }
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width, height };
}

/**
 * Decode four grey 8-bit channel images (red, green, blue, yellow PNGs of one sample) into one interleaved
 * `height × width × 4` buffer, the stored RGBY layout. Plain 8-bit grey PNGs (the Kaggle and HPAv18 files) decode
 * in the ingest addon on libuv's threads (libdeflate), or without it inflate on libuv's threads and unfilter in
 * JavaScript ({@link decodePngAsync}: 2.3× sharp's speed on real Kaggle PNGs); anything else goes through sharp,
 * joining the channels in libvips' threads. Each file is checked as in
 * {@link decodeGrey}.
 * @throws DataError naming the first bad file (in channel order).
 */
export async function decodeChannelsRgby(inputs: readonly Uint8Array[], opts: Omit<DecodeGreyOptions, 'file' | 'strictGrey'> & { files: readonly string[] }): Promise<Uint8Array> {
  if (inputs.length !== 4 || opts.files.length !== 4) throw new RangeError('decodeChannelsRgby needs 4 images and 4 file names');
  if (inputs.every(isPlainGreyPng)) return decodePlainPngsRgby(inputs, opts);
  const bufs = inputs.map(asBuffer);
  const heads = await Promise.allSettled(bufs.map((b, c) => checkHeader(b, { ...opts, file: opts.files[c] })));
  const bad = heads.find((h) => h.status === 'rejected');
  if (bad) throw (bad as PromiseRejectedResult).reason;
  const sizes = heads.map((h) => (h as PromiseFulfilledResult<{ width: number; height: number }>).value);
  const { width, height } = sizes[0];
  checkSameSize(sizes, opts.files);
  let data: Buffer;
  try {
    data = await sharp(bufs[0], { failOn: 'error' }).joinChannel(bufs.slice(1), { failOn: 'error' }).toColourspace('multiband').raw().toBuffer();
  } catch (err) {
    // Find which file is corrupt, for the message.
    for (let c = 0; c < 4; c++) await decodeGrey(bufs[c], { ...opts, file: opts.files[c] });
    throw new DataError(`${opts.files.join(', ')}: the channels do not decode together (${firstLine(err)})`, { cause: err });
  }
  if (data.length !== width * height * 4) throw new DataError(`${opts.files[0]}: decoded ${data.length} bytes, expected ${width}×${height}×4`);
  return new Uint8Array(data.buffer, data.byteOffset, data.length);
}

async function decodePlainPngsRgby(inputs: readonly Uint8Array[], opts: Omit<DecodeGreyOptions, 'file' | 'strictGrey'> & { files: readonly string[] }): Promise<Uint8Array> {
  const { addon } = loadIngestAddon();
  if (addon) {
    // The chunk walk and header checks here, in channel order; inflate + unfilter + interleave in the addon.
    const layouts = inputs.map((b, c) => pngLayout(b, opts.files[c]));
    layouts.forEach((l, c) => checkSize(l, { ...opts, file: opts.files[c] }));
    checkSameSize(layouts, opts.files);
    try {
      return await addon.decodePngPlanes(layouts.map((l) => l.zdata), layouts[0].width, layouts[0].height, layouts.map((l) => l.channels));
    } catch (err) {
      const c = (err as { channel?: number }).channel;
      if (typeof c === 'number') throw new DataError(`${opts.files[c]}: ${(err as Error).message}`, { cause: err });
      throw err;
    }
  }
  const got = await Promise.allSettled(inputs.map((b, c) => decodePngAsync(b, opts.files[c])));
  const bad = got.find((g) => g.status === 'rejected');
  if (bad) throw (bad as PromiseRejectedResult).reason;
  const greys = got.map((g) => (g as PromiseFulfilledResult<GreyImage>).value);
  greys.forEach((g, c) => checkSize(g, { ...opts, file: opts.files[c] }));
  checkSameSize(greys, opts.files);
  const n = greys[0].width * greys[0].height;
  const out = new Uint8Array(n * 4);
  const [r, g, b, y] = greys.map((x) => x.data);
  if (LITTLE_ENDIAN) {
    // One 32-bit store per pixel: 3× faster than four byte stores.
    const px = new Uint32Array(out.buffer, out.byteOffset, n);
    for (let i = 0; i < n; i++) px[i] = (r[i] | (g[i] << 8) | (b[i] << 16) | (y[i] << 24)) >>> 0;
  } else {
    for (let i = 0, j = 0; i < n; i++, j += 4) {
      out[j] = r[i];
      out[j + 1] = g[i];
      out[j + 2] = b[i];
      out[j + 3] = y[i];
    }
  }
  return out;
}

function checkSize(size: { width: number; height: number }, opts: DecodeGreyOptions): void {
  const { width, height } = size;
  if ((opts.width !== undefined && width !== opts.width) || (opts.height !== undefined && height !== opts.height)) {
    throw new DataError(`${opts.file}: expected ${opts.width ?? width}×${opts.height ?? height} pixels but the image is ${width}×${height}`);
  }
}

function checkSameSize(sizes: readonly { width: number; height: number }[], files: readonly string[]): void {
  const { width, height } = sizes[0];
  for (let c = 1; c < sizes.length; c++) {
    const h = sizes[c];
    if (h.width !== width || h.height !== height) {
      throw new DataError(`${files[c]}: expected ${width}×${height} pixels like ${files[0]} but the image is ${h.width}×${h.height}`);
    }
  }
}

/** Header checks shared by the decoders: decodable, the expected size, 8-bit, and (strict) one channel. */
async function checkHeader(src: Buffer | string, opts: DecodeGreyOptions): Promise<{ width: number; height: number }> {
  const { file } = opts;
  let meta: Metadata;
  try {
    meta = await sharp(src, { failOn: 'error' }).metadata();
  } catch (err) {
    throw new DataError(`${file}: not a decodable image (${firstLine(err)})`, { cause: err });
  }
  const { width, height } = meta;
  if (!width || !height) throw new DataError(`${file}: the image has no size (corrupt header)`);
  checkSize({ width, height }, opts);
  if (meta.depth !== 'uchar' && meta.depth !== 'char') {
    throw new DataError(`${file}: expected an 8-bit image but found ${depthName(meta.depth)}`);
  }
  const channels = meta.channels ?? 0;
  if ((opts.strictGrey ?? true) && channels !== 1) {
    throw new DataError(`${file}: expected a single-channel (grey) image but found ${channels} channels (${meta.space ?? '?'})`);
  }
  return { width, height };
}

function asBuffer(b: Uint8Array): Buffer {
  return Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

/**
 * Decode a colour (or grey) image to interleaved 8-bit RGB, `width × height × 3` (grey images are expanded), as
 * PIL's `Image.open(...).convert('RGB')` would see a baseline JPEG.
 * @throws DataError naming `file` when the data does not decode.
 */
export async function decodeRgb(input: Uint8Array, file: string): Promise<{ data: Uint8Array; width: number; height: number }> {
  try {
    const { data, info } = await sharp(asBuffer(input), { failOn: 'error' })
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

/** One decoded file of any depth: `channels` interleaved bands of 8 or 16 bits, row-major. */
export interface AnyImage {
  data: Uint8Array | Uint16Array;
  width: number;
  height: number;
  channels: number;
  bits: 8 | 16;
}

/**
 * Decode an image file as it is stored (PNG, JPEG, TIFF; grey or colour; 8- or 16-bit), without changing
 * its values: a 16-bit HPA website PNG comes back as 16-bit values. An alpha band is dropped.
 * @throws DataError naming `file` for undecodable data or a depth other than 8 or 16 bits.
 */
export async function decodeAnyDepth(input: Uint8Array, file: string): Promise<AnyImage> {
  let meta: Metadata;
  try {
    meta = await sharp(asBuffer(input), { failOn: 'error' }).metadata();
  } catch (err) {
    throw new DataError(`${file}: not a decodable image (${firstLine(err)})`, { cause: err });
  }
  const deep = meta.depth === 'ushort' || meta.depth === 'short';
  if (!deep && meta.depth !== 'uchar' && meta.depth !== 'char') throw new DataError(`${file}: expected an 8- or 16-bit image but found ${depthName(meta.depth)}`);
  try {
    let pipeline = sharp(asBuffer(input), { failOn: 'error' });
    if (meta.hasAlpha) pipeline = pipeline.removeAlpha();
    // Without an explicit colourspace sharp turns grey into 8-bit sRGB on raw output.
    const grey = (meta.channels ?? 1) - (meta.hasAlpha ? 1 : 0) === 1;
    pipeline = pipeline.toColourspace(grey ? (deep ? 'grey16' : 'b-w') : deep ? 'rgb16' : 'srgb');
    const { data, info } = await pipeline.raw({ depth: deep ? 'ushort' : 'uchar' }).toBuffer({ resolveWithObject: true });
    const values = deep ? new Uint16Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.length)) : new Uint8Array(data.buffer, data.byteOffset, data.length);
    if (values.length !== info.width * info.height * info.channels) throw new Error(`decoded ${values.length} values for ${info.width}×${info.height}×${info.channels}`);
    return { data: values, width: info.width, height: info.height, channels: info.channels, bits: deep ? 16 : 8 };
  } catch (err) {
    throw new DataError(`${file}: the image data is corrupt (${firstLine(err)})`, { cause: err });
  }
}
