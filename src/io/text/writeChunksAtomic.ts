import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileSystemError } from '../fs/fsError.js';

/**
 * writeFileAtomic for content made of many pieces (a checkpoint's header and tensor buffers): the pieces are
 * written one after another to `<dir>/.<name>.<pid>.tmp`, fsynced, then renamed over `path`, so a 100 MB file
 * is never concatenated in memory. Readers see the old file or the complete new one. A refused write (read-only,
 * permissions, full disk) is a FileSystemError naming `path`; the temporary file is removed.
 */
export function writeChunksAtomic(path: string, chunks: readonly Uint8Array[]): void {
  const dir = dirname(path);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw fileSystemError(err, dir, 'create the folder');
  }
  const tmp = join(dir, `.${basename(path)}.${process.pid}.tmp`);
  try {
    const fd = openSync(tmp, 'w');
    try {
      for (const chunk of chunks) {
        for (let done = 0; done < chunk.byteLength; ) done += writeSync(fd, chunk, done, chunk.byteLength - done);
      }
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw fileSystemError(err, path, 'write');
  }
}

const TEMPORARY = /^\..+\.(\d+)\.(tmp|part)$/;

/**
 * Remove the `.<name>.<pid>.tmp` files that a killed process left in `dir` (those of live processes are kept:
 * another hpaic may be writing there). Returns the names removed. A missing folder has none.
 */
export function removeStaleTemporaries(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const m = TEMPORARY.exec(name);
    if (!m || isAlive(Number(m[1]))) continue;
    rmSync(join(dir, name), { force: true });
    removed.push(name);
  }
  return removed;
}

function isAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
