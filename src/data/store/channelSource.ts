import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { DataError } from '../../errors.js';
import { ZipReader } from '../../io/zip/zipReader.js';
import { checkSafeName, safeJoin } from '../../io/fs/safeName.js';
import { fileSystemError } from '../../io/fs/fsError.js';
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

/**
 * The largest channel PNG accepted from a zip, checked from its directory before inflating: a 512² grey PNG is
 * under 300 KB, a 4096² 16-bit one about 32 MB. Larger entries are a zip bomb or not channel images.
 */
export const MAX_CHANNEL_PNG_BYTES = 64 * 2 ** 20;

/** `<Id>_<color>.png`, refused unless the Id follows the naming rule (it comes from a CSV). */
function channelFileName(id: string, color: ChannelColor): string {
  return `${checkSafeName(id, `channel file of "${id}"`, 'Id')}_${color}.png`;
}

class FolderSource implements ChannelSource {
  constructor(readonly location: string) {}
  describe(id: string, color: ChannelColor): string {
    return safeJoin(this.location, channelFileName(id, color), this.location);
  }
  async read(id: string, color: ChannelColor): Promise<Uint8Array> {
    const file = this.describe(id, color);
    try {
      return await readFile(file);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw new DataError(`${file}: missing channel file for "${id}"`, { cause: err });
      throw fileSystemError(err, file, 'read');
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
    return `${this.zip.path}:${channelFileName(id, color)}`;
  }
  async read(id: string, color: ChannelColor): Promise<Uint8Array> {
    const entry = channelFileName(id, color);
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
    if (c.endsWith('.zip') && existsSync(c)) return new ZipSource(await ZipReader.open(c, { maxEntryBytes: MAX_CHANNEL_PNG_BYTES }));
  }
  throw new DataError(`no images for ${what}: none of ${candidates.join(', ')} exists`);
}
