import { closeSync, fstatSync, openSync, read as readCb, readSync } from 'node:fs';
import { promisify } from 'node:util';
import { crc32, inflateRaw, inflateRawSync, type ZlibOptions } from 'node:zlib';
import { DataError, type HpaicError } from '../../errors.js';

const readAsync = promisify(readCb);
const inflateRawAsync = promisify<Buffer, ZlibOptions, Buffer>(inflateRaw);

const LOCAL_SIG = 0x04034b50;
const CENTRAL_SIG = 0x02014b50;
const EOCD_SIG = 0x06054b50;
const ZIP64_LOCATOR_SIG = 0x07064b50;
const ZIP64_EOCD_SIG = 0x06064b50;
const U32 = 0xffffffff;
/** Deflate cannot expand data by more than ≈1032:1; a directory that claims more is lying (a zip bomb). */
const MAX_DEFLATE_RATIO = 1032;

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

export interface ZipReaderOptions {
  /** The error to throw for `message` about `where` (the archive or `<archive>:<entry>`; default DataError `<where>: <message>`). */
  error?: (where: string, message: string, hint?: string) => HpaicError;
  /** The largest uncompressed entry accepted, checked from the directory before any byte is inflated. */
  maxEntryBytes?: number;
}

/**
 * The one zip reader (the Kaggle train.zip / test.zip, torch.save checkpoints): the central directory once, then
 * any entry by name with positioned reads, synchronously or asynchronously. Stored and deflated entries, ZIP64
 * (the Kaggle train.zip has 124k entries and is larger than 4 GiB). Every size the directory declares is checked
 * against the file and the format's limits before anything is allocated, and inflation stops at the declared size,
 * so a crafted archive is an error naming the entry, never a memory blow-up.
 */
export class ZipReader {
  private constructor(
    readonly path: string,
    private readonly fd: number,
    readonly size: number,
    readonly entries: Map<string, ZipEntry>,
    private readonly opts: ZipReaderOptions,
  ) {}

  /** Open `path` and read its central directory. @throws (by default) DataError when it is not a readable zip. */
  static openSync(path: string, opts: ZipReaderOptions = {}): ZipReader {
    const fail = failer(path, opts);
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch (err) {
      throw fail(`cannot open zip archive (${(err as Error).message})`);
    }
    try {
      const size = fstatSync(fd).size;
      return new ZipReader(path, fd, size, readCentralDirectory(fd, size, fail), opts);
    } catch (err) {
      closeSync(fd);
      throw err;
    }
  }

  /** {@link openSync} as a promise (the directory is read once, synchronously). */
  static async open(path: string, opts: ZipReaderOptions = {}): Promise<ZipReader> {
    return ZipReader.openSync(path, opts);
  }

  /** Entry names in central-directory order. */
  names(): string[] {
    return [...this.entries.keys()];
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  /**
   * The uncompressed bytes of entry `name`, checked against its declared size and CRC-32.
   * @throws naming `<zip>:<name>` when it is missing, truncated, oversized or corrupt.
   */
  readSync(name: string): Uint8Array {
    const e = this.check(name);
    const head = readAtSync(this.fd, e.localHeaderOffset, 30, this.size, this.fail(name));
    const raw = readAtSync(this.fd, this.dataStart(e, head), e.compressedSize, this.size, this.fail(name));
    if (e.method === 0) return this.verify(e, raw);
    try {
      return this.verify(e, inflateRawSync(raw, { maxOutputLength: Math.max(1, e.size) }));
    } catch (err) {
      throw this.inflateError(e, err);
    }
  }

  /** {@link readSync} with asynchronous file reads and inflation (the converter reads many entries at once). */
  async read(name: string): Promise<Uint8Array> {
    const e = this.check(name);
    const head = await readAtAsync(this.fd, e.localHeaderOffset, 30, this.size, this.fail(name));
    const raw = await readAtAsync(this.fd, this.dataStart(e, head), e.compressedSize, this.size, this.fail(name));
    if (e.method === 0) return this.verify(e, raw);
    let out: Buffer;
    try {
      out = await inflateRawAsync(Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength), { maxOutputLength: Math.max(1, e.size) });
    } catch (err) {
      throw this.inflateError(e, err);
    }
    return this.verify(e, out);
  }

  close(): void {
    closeSync(this.fd);
  }

  private fail(name: string): (message: string, hint?: string) => HpaicError {
    return failer(`${this.path}:${name}`, this.opts);
  }

  private check(name: string): ZipEntry {
    const e = this.entries.get(name);
    const fail = this.fail(name);
    if (!e) throw fail('no such entry in the archive');
    if (e.method !== 0 && e.method !== 8) throw fail(`compression method ${e.method} is not supported (only stored and deflate)`);
    if (e.localHeaderOffset + 30 + e.compressedSize > this.size) {
      throw fail(`the entry needs bytes up to ${e.localHeaderOffset + 30 + e.compressedSize} but the file has ${this.size} (archive truncated?)`);
    }
    if (e.method === 0 && e.size !== e.compressedSize) throw fail(`stored entry declares ${e.size} bytes but holds ${e.compressedSize} (corrupt archive)`);
    if (e.method === 8 && e.size > e.compressedSize * MAX_DEFLATE_RATIO + 64) {
      throw fail(`declares ${e.size} bytes from ${e.compressedSize} deflated bytes, more than deflate can produce (corrupt archive or zip bomb)`);
    }
    const max = this.opts.maxEntryBytes;
    if (max !== undefined && e.size > max) throw fail(`declares ${e.size} bytes, more than the ${max} accepted for one entry`);
    return e;
  }

  private dataStart(e: ZipEntry, head: Uint8Array): number {
    const hv = dv(head);
    if (hv.getUint32(0, true) !== LOCAL_SIG) throw this.fail(e.name)(`no local file header at byte ${e.localHeaderOffset} (corrupt archive)`);
    return e.localHeaderOffset + 30 + hv.getUint16(26, true) + hv.getUint16(28, true);
  }

  /** Checks size and CRC; returns bytes that own their ArrayBuffer (zlib's small results live in a shared pool). */
  private verify(e: ZipEntry, bytes: Uint8Array): Uint8Array {
    const out = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : new Uint8Array(bytes);
    const fail = this.fail(e.name);
    if (out.length !== e.size) throw fail(`holds ${out.length} bytes, the zip directory says ${e.size} (corrupt archive)`);
    const crc = crc32(out) >>> 0;
    if (crc !== e.crc >>> 0) throw fail(`fails its CRC-32 check (stored ${hex32(e.crc)}, computed ${hex32(crc)}; corrupt archive)`);
    return out;
  }

  private inflateError(e: ZipEntry, err: unknown): HpaicError {
    const code = (err as { code?: string }).code;
    if (code === 'ERR_BUFFER_TOO_LARGE') return this.fail(e.name)(`inflates to more than the ${e.size} bytes the zip directory declares (corrupt archive or zip bomb)`);
    return this.fail(e.name)(`corrupt deflate data (${(err as Error).message})`);
  }
}

function failer(where: string, opts: ZipReaderOptions): (message: string, hint?: string) => HpaicError {
  const make = opts.error ?? ((w, message, hint) => new DataError(`${w}: ${message}`, hint ? { hint } : undefined));
  return (message, hint) => make(where, message, hint);
}

function readAtSync(fd: number, position: number, length: number, size: number, fail: (m: string) => HpaicError): Uint8Array {
  if (position + length > size) throw fail(`the file ends at byte ${size}, inside a record that needs bytes up to ${position + length} (archive truncated?)`);
  const out = new Uint8Array(length);
  for (let got = 0; got < length; ) {
    const n = readSync(fd, out, got, length - got, position + got);
    if (n === 0) throw fail(`unexpected end of file at byte ${position + got} (archive truncated?)`);
    got += n;
  }
  return out;
}

async function readAtAsync(fd: number, position: number, length: number, size: number, fail: (m: string) => HpaicError): Promise<Uint8Array> {
  if (position + length > size) throw fail(`the file ends at byte ${size}, inside a record that needs bytes up to ${position + length} (archive truncated?)`);
  const out = new Uint8Array(length);
  for (let got = 0; got < length; ) {
    const { bytesRead } = await readAsync(fd, out, got, length - got, position + got);
    if (bytesRead === 0) throw fail(`unexpected end of file at byte ${position + got} (archive truncated?)`);
    got += bytesRead;
  }
  return out;
}

function readCentralDirectory(fd: number, size: number, fail: (m: string, hint?: string) => HpaicError): Map<string, ZipEntry> {
  if (size < 22) throw fail(`not a zip archive (${size} bytes, shorter than an end-of-central-directory record)`);
  // End of central directory: 22 bytes plus up to 64 KiB of comment, at the end of the file.
  const tailLen = Math.min(size, 22 + 0xffff + 20);
  const tail = readAtSync(fd, size - tailLen, tailLen, size, fail);
  const tv = dv(tail);
  let eocd = -1;
  for (let i = tailLen - 22; i >= 0; i--) {
    if (tv.getUint32(i, true) === EOCD_SIG) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw fail(`not a zip archive, or a truncated one: no end-of-central-directory record in the last ${tailLen} bytes (file size ${size})`);
  let count = tv.getUint16(eocd + 10, true);
  let cdSize = tv.getUint32(eocd + 12, true);
  let cdOffset = tv.getUint32(eocd + 16, true);
  // ZIP64: a locator sits just before the EOCD and points at the ZIP64 end record.
  if (eocd >= 20 && tv.getUint32(eocd - 20, true) === ZIP64_LOCATOR_SIG) {
    const z64Offset = Number(tv.getBigUint64(eocd - 20 + 8, true));
    const z = readAtSync(fd, z64Offset, 56, size, fail);
    const zv = dv(z);
    if (zv.getUint32(0, true) !== ZIP64_EOCD_SIG) throw fail('bad ZIP64 end-of-central-directory record (corrupt archive)');
    count = Number(zv.getBigUint64(32, true));
    cdSize = Number(zv.getBigUint64(40, true));
    cdOffset = Number(zv.getBigUint64(48, true));
  }
  const eocdPos = size - tailLen + eocd;
  if (cdOffset + cdSize > eocdPos) throw fail(`truncated or damaged archive: the central directory (bytes ${cdOffset}–${cdOffset + cdSize}) runs past its end record at byte ${eocdPos}`);
  // Each directory record takes at least 46 bytes: a larger count is a lie that would loop for nothing.
  if (count * 46 > cdSize) throw fail(`damaged archive: ${count} entries cannot fit in a ${cdSize}-byte central directory`);
  const cd = readAtSync(fd, cdOffset, cdSize, size, fail);
  const v = dv(cd);
  const entries = new Map<string, ZipEntry>();
  const dec = new TextDecoder();
  let p = 0;
  for (let k = 0; k < count; k++) {
    if (p + 46 > cd.length || v.getUint32(p, true) !== CENTRAL_SIG) throw fail(`damaged archive: central directory entry ${k} of ${count} is malformed`);
    const flags = v.getUint16(p + 8, true);
    const method = v.getUint16(p + 10, true);
    const crc = v.getUint32(p + 16, true);
    let compressedSize = v.getUint32(p + 20, true);
    let usize = v.getUint32(p + 24, true);
    const nameLen = v.getUint16(p + 28, true);
    const extraLen = v.getUint16(p + 30, true);
    const commentLen = v.getUint16(p + 32, true);
    let localHeaderOffset = v.getUint32(p + 42, true);
    if (p + 46 + nameLen + extraLen + commentLen > cd.length) throw fail(`damaged archive: central directory entry ${k} runs past the directory`);
    const name = dec.decode(cd.subarray(p + 46, p + 46 + nameLen));
    // ZIP64 extra field (id 1): the 64-bit values for whichever 32-bit fields are 0xFFFFFFFF, in this order.
    let q = p + 46 + nameLen;
    const extraEnd = q + extraLen;
    while (q + 4 <= extraEnd) {
      const id = v.getUint16(q, true);
      const len = v.getUint16(q + 2, true);
      if (id === 1) {
        let r = q + 4;
        const take = (): number => {
          if (r + 8 > q + 4 + len) throw fail(`${name}: ZIP64 extra field too short (corrupt archive)`);
          const x = Number(v.getBigUint64(r, true));
          r += 8;
          return x;
        };
        if (usize === U32) usize = take();
        if (compressedSize === U32) compressedSize = take();
        if (localHeaderOffset === U32) localHeaderOffset = take();
      }
      q += 4 + len;
    }
    if (flags & 1) throw fail(`${name}: encrypted entries are not supported`);
    if (!name.endsWith('/')) entries.set(name, { name, method, compressedSize, size: usize, crc, localHeaderOffset });
    p = extraEnd + commentLen;
  }
  return entries;
}

function dv(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

function hex32(x: number): string {
  return `0x${(x >>> 0).toString(16).padStart(8, '0')}`;
}
