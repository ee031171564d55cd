/**
 * New images as users have them, turned into the stored RGBY layout (ImageStore.ts) that training saw:
 * - channel files `<Id>_red|green|blue|yellow.<ext>`: Kaggle 8-bit grey PNGs, HPAv18 colour JPEGs of any size
 *   (to grey as `download-hpav18 --mode luma` does: Pillow's Lanczos resize, then Pillow's luma), the HPA
 *   website's 16-bit grey PNG/TIFF channels;
 * - composite images `<Id>.<ext>` (RGB; the yellow channel is absent and may only be left out by the run's filter).
 * Every channel is brought to `storeSize²` (the seed stores 512²) with Pillow's Lanczos filter when its size
 * differs, so the loader then resizes and filters it exactly as for `hpaic submit`'s test store.
 * Problems are collected per Id (missing channel, undecodable file, …), never thrown halfway.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import { DataError, UsageError } from '../errors.js';
import { decodeAnyDepth, type AnyImage } from '../data/image/decodeImage.js';
import { CHANNEL_COLORS, type ChannelColor } from '../data/store/PngFolderStore.js';
import { unsafeNameReason } from '../io/fs/safeName.js';
import { parseImageName, sampleToStore, type Pixels } from './webInput.js';

/** File endings read as images. */
export const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg', '.tif', '.tiff'] as const;

/** How 16-bit values become 8-bit: `range` = v·255/65535 (the type's range), `max` = v·255/(the image's maximum). */
export type Depth16Mode = 'range' | 'max';

/** One sample's files: four channel files, or one composite. */
export interface SampleFiles {
  id: string;
  channels: Partial<Record<ChannelColor, string>>;
  composite?: string;
}

/** A sample that cannot be predicted, and why (one line naming the file or the missing channel). */
export interface SampleProblem {
  id: string;
  problem: string;
}

/**
 * Group image files (folders are listed, not recursed into) into samples by Id, in order of first appearance
 * (folders sorted by name). Files that are not images are ignored; an Id that breaks the naming rule of
 * docs/security.md, or a sample with both channel files and a composite, is a problem.
 * @throws UsageError when an input path does not exist or nothing looks like an image
 */
export function groupSampleFiles(inputs: readonly string[]): { samples: SampleFiles[]; problems: SampleProblem[] } {
  const files: string[] = [];
  for (const input of inputs) {
    let st;
    try {
      st = statSync(input);
    } catch {
      throw new UsageError(`--images: ${input} does not exist`);
    }
    if (st.isDirectory()) {
      for (const n of readdirSync(input).sort()) if (isImageName(n)) files.push(join(input, n));
    } else files.push(input);
  }
  const byId = new Map<string, SampleFiles>();
  const problems: SampleProblem[] = [];
  for (const file of files) {
    if (!isImageName(file)) throw new UsageError(`--images: ${file} is not an image file (expected ${IMAGE_EXTENSIONS.join(', ')})`);
    const { id, color } = parseImageName(basename(file))!;
    const s = byId.get(id) ?? { id, channels: {} };
    byId.set(id, s);
    if (color) {
      if (s.channels[color]) problems.push({ id, problem: `two ${color} channel files: ${s.channels[color]} and ${file}` });
      s.channels[color] = resolve(file);
    } else {
      if (s.composite) problems.push({ id, problem: `two composite images: ${s.composite} and ${file}` });
      s.composite = resolve(file);
    }
  }
  if (byId.size === 0) throw new UsageError(`--images: no image files (${IMAGE_EXTENSIONS.join(', ')}) in ${inputs.join(', ')}`);
  const samples: SampleFiles[] = [];
  const bad = new Set(problems.map((p) => p.id));
  for (const s of byId.values()) {
    const reason = unsafeNameReason(s.id);
    if (reason) problems.push({ id: s.id, problem: `the Id cannot be used: ${reason} (see docs/security.md)` });
    else if (s.composite && Object.keys(s.channels).length > 0) problems.push({ id: s.id, problem: `both a composite image (${s.composite}) and channel files; keep one kind` });
    else if (!bad.has(s.id)) samples.push(s);
  }
  return { samples, problems };
}

function isImageName(name: string): boolean {
  return (IMAGE_EXTENSIONS as readonly string[]).includes(extname(name).toLowerCase());
}

/**
 * Decode one sample into `storeSize × storeSize × 4` RGBY bytes (webInput.ts: `sampleToStore`). Channels the
 * filter does not read may be missing (they are stored as 0); missing channels the filter needs are an error.
 * @throws DataError naming the file (undecodable, 16-bit colour) or the missing channel
 */
export async function loadSampleRgby(s: SampleFiles, opts: { storeSize: number; filters: string; depth16?: Depth16Mode }): Promise<Uint8Array> {
  const read = async (file: string, composite: boolean): Promise<Pixels> => {
    const img = await decodeAnyDepth(readFileSync(file), file);
    return { data: to8bit(img, file, opts.depth16, composite), width: img.width, height: img.height, channels: img.channels as 1 | 3 };
  };
  const decoded: { channels: Partial<Record<ChannelColor, Pixels>>; composite?: Pixels } = { channels: {} };
  if (s.composite) decoded.composite = await read(s.composite, true);
  else for (const color of CHANNEL_COLORS) if (s.channels[color]) decoded.channels[color] = await read(s.channels[color]!, false);
  try {
    return sampleToStore(s.id, decoded, opts);
  } catch (err) {
    throw new DataError(`${(err as Error).message}${s.composite ? ` (${s.composite})` : ''}`);
  }
}

/** 8-bit values (1 or 3 bands) from an 8- or 16-bit decode. */
function to8bit(img: AnyImage, file: string, mode: Depth16Mode = 'range', composite: boolean): Uint8Array {
  if (img.channels !== 1 && img.channels !== 3) throw new DataError(`${file}: expected a grey or RGB image but found ${img.channels} channels`);
  if (composite && img.channels !== 3) throw new DataError(`${file}: a composite image must be RGB but this one has ${img.channels} channel`);
  if (img.bits === 8) return img.data as Uint8Array;
  if (img.channels !== 1) throw new DataError(`${file}: 16-bit colour images are not read; give one 16-bit grey file per channel`);
  const v = img.data as Uint16Array;
  let max = 65535;
  if (mode === 'max') {
    max = 0;
    for (let i = 0; i < v.length; i++) if (v[i] > max) max = v[i];
    if (max === 0) max = 1;
  }
  const out = new Uint8Array(v.length);
  for (let i = 0; i < v.length; i++) out[i] = Math.min(255, Math.round((v[i] * 255) / max));
  return out;
}
