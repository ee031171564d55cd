import { DataError, UsageError } from '../../errors.js';
import type { EncodedChunk, IngestAddonBinding, NativeImageStoreWriter } from '../../native/loadIngestAddon.js';
import type { Hdf5WriterOptions } from './Hdf5Store.js';
import type { StoreWriter } from './StoreWriter.js';
import { checkRowImage, checkRowName } from './storeRowChecks.js';

/**
 * The seed's store layout written through libhdf5 (native/ingest/): each image is LZF-compressed on a libuv thread
 * by {@link encode} (so several compress while the next PNGs decode) and written as one finished chunk by
 * {@link appendEncoded}. The files equal h5py's chunk for chunk (test/golden/nativeHdf5Writer.h5py.test.ts). An
 * image LZF cannot shrink is stored raw with the filter marked skipped, as h5py's optional LZF does.
 */
export class NativeHdf5Writer implements StoreWriter {
  readonly backend = 'native';
  private constructor(
    readonly path: string,
    private readonly addon: IngestAddonBinding,
    private readonly w: NativeImageStoreWriter,
  ) {}

  static create(addon: IngestAddonBinding, path: string, opts: Hdf5WriterOptions): NativeHdf5Writer {
    const compression = opts.compression ?? 'lzf';
    if (compression !== 'lzf' && compression !== 'none') throw new UsageError(`the native store writer handles lzf or none, not "${compression}"`);
    if (!(opts.nameLength >= 1)) throw new RangeError(`nameLength must be >= 1 but is ${opts.nameLength}`);
    return new NativeHdf5Writer(path, addon, native(path, () => new addon.ImageStoreWriter(path, { create: true, height: opts.height, width: opts.width, nameLength: opts.nameLength, compression })));
  }

  /** Open an existing store (one-image chunks, LZF or no filter) to append to it. */
  static openAppend(addon: IngestAddonBinding, path: string): NativeHdf5Writer {
    return new NativeHdf5Writer(path, addon, native(path, () => new addon.ImageStoreWriter(path, { create: false })));
  }

  get length(): number {
    return this.w.length;
  }

  /** Check and compress one H×W×4 RGBY image for {@link appendEncoded}. */
  async encode(image: Uint8Array, name: string): Promise<EncodedChunk> {
    checkRowImage(this.path, name, image, this.w.height, this.w.width);
    return this.w.compression === 'lzf' ? this.addon.encodeLzf(image) : { data: image, filterMask: 0 };
  }

  /** Append one encoded image and its name as the next row. */
  appendEncoded(chunk: EncodedChunk, name: string): void {
    checkRowName(this.path, name, this.w.nameLength);
    native(this.path, () => this.w.appendChunk(chunk.data, chunk.filterMask, name));
  }

  flush(): void {
    native(this.path, () => this.w.flush());
  }

  close(): void {
    native(this.path, () => this.w.close());
  }
}

/** The addon's messages already start with the path; make them DataErrors. */
function native<T>(path: string, f: () => T): T {
  try {
    return f();
  } catch (err) {
    const msg = (err as Error).message;
    throw new DataError(msg.startsWith(path) ? msg : `${path}: ${msg}`, { cause: err });
  }
}
