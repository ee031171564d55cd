import { dirname, basename, join } from 'node:path';
import { writeChunksAtomic } from './writeChunksAtomic.js';

/**
 * Write a file so that readers see either the old content or the complete new content, never a half-written
 * file: write `<dir>/.<name>.<pid>.tmp`, fsync, then rename over the target. The folder is created if missing.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  writeChunksAtomic(path, [typeof data === 'string' ? Buffer.from(data, 'utf8') : data]);
}

/** The temporary name used for `path` while it is being produced by a longer process (e.g. an HDF5 file). */
export function temporaryPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.partial`);
}
