import { open, type FileHandle } from 'node:fs/promises';
import { inflateRaw, crc32 } from 'node:zlib';
import { promisify } from 'node:util';
import { DataError } from '../../errors.js';

const inflateRawAsync = promisify(inflateRaw);

/** One file in a zip archive (from the central directory). */
export interface ZipEntry {
  name: string;
  /** 0 = stored, 8 = deflate. */
  method: number;
  compressedSize: number;
  size: number;
  crc: number;
  localHeaderOffset: number;
}

/**
 * Reads entries of a zip archive in place (no extraction): the central directory once, then any entry by name
 * with positioned reads + `inflateRaw`. Supports stored and deflated entries and ZIP64 (the Kaggle train.zip has
 * 124k entries and is larger than 4 GiB). Encrypted or otherwise compressed entries are a DataError.
 */
export class ZipReader {
  private constructor(
    readonly path: string,
    private readonly fh: FileHandle,
    readonly entries: Map<string, ZipEntry>,
  ) {}

  /** Open `path` and read its central directory. @throws DataError when it is not a readable zip. */
  static async open(path: string): Promise<ZipReader> {
    let fh: FileHandle;
    try {
      fh = await open(path, 'r');
    } catch (err) {
      throw new DataError(`${path}: cannot open zip archive (${(err as Error).message})`, { cause: err });
    }
    try {
      const entries = await readCentralDirectory(fh, path);
      return new ZipReader(path, fh, entries);
    } catch (err) {
      await fh.close();
      throw err;
    }
  }

  /** Entry names in central-directory order. */
  names(): string[] {
    return [...this.entries.keys()];
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  /**
   * The uncompressed bytes of entry `name`, checked against its size and CRC-32.
   * @throws DataError naming `<zip>:<name>` when it is missing, truncated or corrupt.
   */
  async read(name: string): Promise<Uint8Array> {
    const e = this.entries.get(name);
    const where = `${this.path}:${name}`;
    if (!e) throw new DataError(`${where}: no such entry in the archive`);
    const head = await readAt(this.fh, e.localHeaderOffset, 30, where);
    const hv = new DataView(head.buffer, head.byteOffset, 30);
    if (hv.getUint32(0, true) !== 0x04034b50) throw new DataError(`${where}: bad local file header`);
    const dataStart = e.localHeaderOffset + 30 + hv.getUint16(26, true) + hv.getUint16(28, true);
    const raw = await readAt(this.fh, dataStart, e.compressedSize, where);
    let out: Uint8Array;
    if (e.method === 0) out = raw;
    else if (e.method === 8) {
      try {
        out = await inflateRawAsync(raw);
      } catch (err) {
        throw new DataError(`${where}: corrupt deflate data (${(err as Error).message})`, { cause: err });
      }
    } else throw new DataError(`${where}: compression method ${e.method} is not supported (only stored and deflate)`);
    if (out.length !== e.size) throw new DataError(`${where}: inflated to ${out.length} bytes, expected ${e.size}`);
    if ((crc32(out) >>> 0) !== e.crc) throw new DataError(`${where}: CRC-32 mismatch (corrupt archive)`);
    return out;
  }

  async close(): Promise<void> {
    await this.fh.close();
  }
}

async function readAt(fh: FileHandle, position: number, length: number, where: string): Promise<Uint8Array> {
  const buf = Buffer.alloc(length);
  let got = 0;
  while (got < length) {
    const { bytesRead } = await fh.read(buf, got, length - got, position + got);
    if (bytesRead === 0) throw new DataError(`${where}: unexpected end of file (archive truncated?)`);
    got += bytesRead;
  }
  return buf;
}

async function readCentralDirectory(fh: FileHandle, path: string): Promise<Map<string, ZipEntry>> {
  const { size } = await fh.stat();
  const tailLen = Math.min(size, 22 + 65535 + 20);
  const tail = await readAt(fh, size - tailLen, tailLen, path);
  const tv = new DataView(tail.buffer, tail.byteOffset, tail.byteLength);
  let eocd = -1;
  for (let i = tailLen - 22; i >= 0; i--) {
    if (tv.getUint32(i, true) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new DataError(`${path}: not a zip archive (no end-of-central-directory record)`);
  let count = tv.getUint16(eocd + 10, true);
  let cdSize = tv.getUint32(eocd + 12, true);
  let cdOffset = tv.getUint32(eocd + 16, true);
  // ZIP64: a locator sits just before the EOCD and points at the ZIP64 end record.
  if (eocd >= 20 && tv.getUint32(eocd - 20, true) === 0x07064b50) {
    const z64Offset = Number(tv.getBigUint64(eocd - 20 + 8, true));
    const z = await readAt(fh, z64Offset, 56, path);
    const zv = new DataView(z.buffer, z.byteOffset, 56);
    if (zv.getUint32(0, true) !== 0x06064b50) throw new DataError(`${path}: bad ZIP64 end-of-central-directory record`);
    count = Number(zv.getBigUint64(32, true));
    cdSize = Number(zv.getBigUint64(40, true));
    cdOffset = Number(zv.getBigUint64(48, true));
  }
  const cd = await readAt(fh, cdOffset, cdSize, path);
  const v = new DataView(cd.buffer, cd.byteOffset, cd.byteLength);
  const entries = new Map<string, ZipEntry>();
  const dec = new TextDecoder();
  let p = 0;
  for (let k = 0; k < count; k++) {
    if (p + 46 > cd.length || v.getUint32(p, true) !== 0x02014b50) throw new DataError(`${path}: corrupt central directory at entry ${k}`);
    const flags = v.getUint16(p + 8, true);
    const method = v.getUint16(p + 10, true);
    const crc = v.getUint32(p + 16, true);
    let compressedSize = v.getUint32(p + 20, true);
    let usize = v.getUint32(p + 24, true);
    const nameLen = v.getUint16(p + 28, true);
    const extraLen = v.getUint16(p + 30, true);
    const commentLen = v.getUint16(p + 32, true);
    let localHeaderOffset = v.getUint32(p + 42, true);
    const name = dec.decode(cd.subarray(p + 46, p + 46 + nameLen));
    // ZIP64 extra field (id 1): the 64-bit values for whichever 32-bit fields are 0xFFFFFFFF, in this order.
    let q = p + 46 + nameLen;
    const extraEnd = q + extraLen;
    while (q + 4 <= extraEnd) {
      const id = v.getUint16(q, true);
      const len = v.getUint16(q + 2, true);
      if (id === 1) {
        let r = q + 4;
        if (usize === 0xffffffff) { usize = Number(v.getBigUint64(r, true)); r += 8; }
        if (compressedSize === 0xffffffff) { compressedSize = Number(v.getBigUint64(r, true)); r += 8; }
        if (localHeaderOffset === 0xffffffff) localHeaderOffset = Number(v.getBigUint64(r, true));
      }
      q += 4 + len;
    }
    if (flags & 1) throw new DataError(`${path}:${name}: encrypted entries are not supported`);
    if (!name.endsWith('/')) entries.set(name, { name, method, compressedSize, size: usize, crc, localHeaderOffset });
    p = extraEnd + commentLen;
  }
  return entries;
}
