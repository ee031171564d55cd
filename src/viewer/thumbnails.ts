/**
 * Pictures of stored samples for the gallery, from `--data`'s stores (train.hdf5 / test.hdf5, or train/ and
 * test/ PNG folders): an RGB composite, RGBY (yellow added to red and green), or one channel in grey, resized
 * on the server with sharp so that a page of thousands of thumbnails stays light. A small cache keeps the
 * most recent ones.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { openStore } from '../data/store/openStore.js';
import type { ImageStore } from '../data/store/ImageStore.js';

export const MODES = ['rgb', 'rgby', 'red', 'green', 'blue', 'yellow'] as const;
export type ImageMode = (typeof MODES)[number];

interface IndexedStore {
  store: ImageStore;
  rows: Map<string, number>;
}

export class Thumbnails {
  private readonly stores = new Map<string, Promise<IndexedStore | null>>();
  private readonly cache = new Map<string, Buffer>();

  constructor(private readonly dataRoot: string) {}

  private open(split: 'train' | 'test'): Promise<IndexedStore | null> {
    let s = this.stores.get(split);
    if (!s) {
      s = (async () => {
        const h5 = join(this.dataRoot, `${split}.hdf5`);
        const png = join(this.dataRoot, split);
        let store: ImageStore;
        if (existsSync(h5)) store = await openStore({ kind: 'hdf5', path: h5 });
        else if (existsSync(png)) {
          const ids = [...new Set(readdirSync(png).filter((n) => n.endsWith('_green.png')).map((n) => n.slice(0, -'_green.png'.length)))].sort();
          store = await openStore({ kind: 'png', root: png, ids });
        } else return null;
        const rows = new Map<string, number>();
        for (let i = 0; i < store.length; i++) rows.set(store.nameAt(i), i);
        return { store, rows };
      })();
      this.stores.set(split, s);
    }
    return s;
  }

  /** A PNG of sample `id` (looked up in train, then test), at most `size` pixels wide; null when unknown. */
  async image(id: string, mode: ImageMode, size: number | null): Promise<Buffer | null> {
    const key = `${id}|${mode}|${size}`;
    const hit = this.cache.get(key);
    if (hit) return hit;
    for (const split of ['train', 'test'] as const) {
      const s = await this.open(split);
      const row = s?.rows.get(id);
      if (s === null || row === undefined) continue;
      const { height: h, width: w } = s.store;
      const rgby = s.store.read(row);
      const out = Buffer.alloc(h * w * 3);
      const single = { red: 0, green: 1, blue: 2, yellow: 3 } as Record<string, number>;
      for (let p = 0; p < h * w; p++) {
        const [r, g, b, y] = [rgby[4 * p], rgby[4 * p + 1], rgby[4 * p + 2], rgby[4 * p + 3]];
        if (mode === 'rgb') out.set([r, g, b], 3 * p);
        else if (mode === 'rgby') out.set([Math.min(255, r + (y >> 1)), Math.min(255, g + (y >> 1)), b], 3 * p);
        else out.fill(rgby[4 * p + single[mode]], 3 * p, 3 * p + 3);
      }
      let img = sharp(out, { raw: { width: w, height: h, channels: 3 } });
      if (size !== null && size < w) img = img.resize({ width: size, kernel: 'lanczos3' });
      const png = await img.png().toBuffer();
      this.cache.set(key, png);
      if (this.cache.size > 2000) this.cache.delete(this.cache.keys().next().value!);
      return png;
    }
    return null;
  }

  async close(): Promise<void> {
    for (const s of this.stores.values()) (await s)?.store.close();
    this.stores.clear();
  }
}
