import { mkdirSync, renameSync, writeFileSync, rmSync, openSync, fsyncSync, closeSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';

/**
 * Write a file so that readers see either the old content or the complete new content, never a half-written
 * file: write `<dir>/.<name>.<pid>.tmp`, fsync, then rename over the target. The folder is created if missing.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `.${basename(path)}.${process.pid}.tmp`);
  try {
    writeFileSync(tmp, data);
    const fd = openSync(tmp, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

/** The temporary name used for `path` while it is being produced by a longer process (e.g. an HDF5 file). */
export function temporaryPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.partial`);
}
