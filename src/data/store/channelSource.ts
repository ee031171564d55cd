import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DataError } from '../../errors.js';
import { ZipReader } from '../../io/zip/zipReader.js';
import type { ChannelColor } from './PngFolderStore.js';

/**
 * Where the per-channel PNGs of a split come from: a folder of `<Id>_<color>.png` files or a zip archive with
 * them at its root (read in place, never extracted).
 */
export interface ChannelSource {
  /** Human-readable origin, e.g. the folder or archive path. */
  readonly location: string;
  /** What to call one channel file in messages (a path, or `archive.zip:<entry>`). */
  describe(id: string, color: ChannelColor): string;
  /** The PNG bytes. @throws DataError naming the file when it is missing. */
  read(id: string, color: ChannelColor): Promise<Uint8Array>;
  close(): Promise<void>;
}

class FolderSource implements ChannelSource {
  constructor(readonly location: string) {}
  describe(id: string, color: ChannelColor): string {
    return join(this.location, `${id}_${color}.png`);
  }
  async read(id: string, color: ChannelColor): Promise<Uint8Array> {
    const file = this.describe(id, color);
    try {
      return await readFile(file);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw new DataError(`${file}: missing channel file for "${id}"`, { cause: err });
      throw err;
    }
  }
  async close(): Promise<void> {}
}

class ZipSource implements ChannelSource {
  constructor(private readonly zip: ZipReader) {}
  get location(): string {
    return this.zip.path;
  }
  describe(id: string, color: ChannelColor): string {
    return `${this.zip.path}:${id}_${color}.png`;
  }
  async read(id: string, color: ChannelColor): Promise<Uint8Array> {
    const entry = `${id}_${color}.png`;
    if (!this.zip.has(entry)) throw new DataError(`${this.describe(id, color)}: missing channel file for "${id}" (no such entry in the archive)`);
    return this.zip.read(entry);
  }
  async close(): Promise<void> {
    await this.zip.close();
  }
}

/** True for an existing folder. */
export function isDir(p: string): boolean {
  return existsSync(p) && statSync(p).isDirectory();
}

/**
 * Open the first existing of the candidates: a folder is used as-is, a `.zip` file through {@link ZipReader}.
 * @throws DataError listing every candidate when none exists.
 */
export async function openChannelSource(candidates: string[], what: string): Promise<ChannelSource> {
  for (const c of candidates) {
    if (isDir(c)) return new FolderSource(c);
    if (c.endsWith('.zip') && existsSync(c)) return new ZipSource(await ZipReader.open(c));
  }
  throw new DataError(`no images for ${what}: none of ${candidates.join(', ')} exists`);
}
