import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataError } from '../../errors.js';
import { decodePngSync } from '../image/decodePngSync.js';
import type { ImageStore } from './ImageStore.js';

/** The four stored channels, in the order the stores keep them. */
export const CHANNEL_COLORS = ['red', 'green', 'blue', 'yellow'] as const;
export type ChannelColor = (typeof CHANNEL_COLORS)[number];

/**
 * The seed's PNG dataset (`HPADatasetPNG`): one grey 8-bit PNG per channel, `<root>/<Id>_<color>.png`, with the
 * ids given by the caller (the CSV's order). Every image must be `height × width` (default 512²).
 */
export class PngFolderStore implements ImageStore {
  readonly length: number;

  constructor(
    readonly root: string,
    private readonly ids: readonly string[],
    readonly height = 512,
    readonly width = 512,
  ) {
    this.length = ids.length;
  }

  /** The path of one channel file. */
  pathOf(id: string, color: ChannelColor): string {
    return join(this.root, `${id}_${color}.png`);
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
      const file = this.pathOf(id, color);
      let bytes: Buffer;
      try {
        bytes = readFileSync(file);
      } catch (err) {
        throw new DataError(`${file}: missing channel file for "${id}" (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, { cause: err });
      }
      const img = decodePngSync(bytes, file);
      if (img.width !== this.width || img.height !== this.height) {
        throw new DataError(`${file}: expected ${this.width}×${this.height} pixels but the image is ${img.width}×${img.height}`);
      }
      for (let p = 0, o = c; p < n; p++, o += 4) out[o] = img.data[p];
    });
    return out;
  }

  close(): void {}

  private check(index: number): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.length) {
      throw new RangeError(`${this.root}: index ${index} is outside 0..${this.length - 1}`);
    }
  }
}
