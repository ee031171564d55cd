import { readFileSync } from 'node:fs';
import { DataError } from '../../errors.js';
import { decodePngSync, MAX_PNG_PIXELS, pngSize } from '../image/decodePngSync.js';
import { checkSafeName, safeJoin } from '../../io/fs/safeName.js';
import type { ImageStore } from './ImageStore.js';

/** The four stored channels, in the order the stores keep them. */
export const CHANNEL_COLORS = ['red', 'green', 'blue', 'yellow'] as const;
export type ChannelColor = (typeof CHANNEL_COLORS)[number];

/**
 * The seed's PNG dataset (`HPADatasetPNG`): one grey 8-bit PNG per channel, `<root>/<Id>_<color>.png`, with the
 * ids given by the caller (the CSV's order). Every image must be `height × width`: the sizes given, or by default
 * the size of the first sample's red PNG (the loader then resizes to `img_h × img_w`, like the HDF5 store).
 */
export class PngFolderStore implements ImageStore {
  readonly length: number;
  readonly height: number;
  readonly width: number;

  constructor(
    readonly root: string,
    private readonly ids: readonly string[],
    height?: number,
    width?: number,
  ) {
    this.length = ids.length;
    if (height === undefined || width === undefined) {
      const first = ids.length > 0 ? this.readChannel(ids[0], 'red') : undefined;
      const size = first ? pngSize(first.bytes, first.file) : { width: 512, height: 512 };
      height ??= size.height;
      width ??= size.width;
    }
    if (!(height >= 1 && width >= 1 && height * width <= MAX_PNG_PIXELS)) {
      throw new DataError(`${this.root}: images of ${width}×${height} pixels are outside what hpaic reads (1 to ${MAX_PNG_PIXELS} pixels; the first sample's red PNG sets the size)`);
    }
    this.height = height;
    this.width = width;
  }

  /** The path of one channel file (the Id must follow the naming rule of docs/security.md). */
  pathOf(id: string, color: ChannelColor): string {
    return safeJoin(this.root, `${checkSafeName(id, `${this.root}: channel file of "${id}"`, 'Id')}_${color}.png`, this.root);
  }

  private readChannel(id: string, color: ChannelColor): { file: string; bytes: Buffer } {
    const file = this.pathOf(id, color);
    try {
      return { file, bytes: readFileSync(file) };
    } catch (err) {
      throw new DataError(`${file}: missing channel file for "${id}" (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, { cause: err });
    }
  }

  nameAt(index: number): string {
    this.check(index);
    return this.ids[index];
  }

  read(index: number): Uint8Array {
    this.check(index);
    const id = this.ids[index];
    const n = this.height * this.width;
    const out = new Uint8Array(n * 4);
    CHANNEL_COLORS.forEach((color, c) => {
      const { file, bytes } = this.readChannel(id, color);
      const img = decodePngSync(bytes, file);
      if (img.width !== this.width || img.height !== this.height) {
        throw new DataError(`${file}: expected ${this.width}×${this.height} pixels (the size of the store's first image) but the image is ${img.width}×${img.height}`);
      }
      for (let p = 0, o = c; p < n; p++, o += 4) out[o] = img.data[p];
    });
    return out;
  }

  close(): void {}

  private check(index: number): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.length) {
      throw new DataError(`${this.root}: row ${index} is outside the store's rows 0..${this.length - 1}`);
    }
  }
}
