import { loadIngestAddon, type EncodedChunk } from '../../native/loadIngestAddon.js';
import { Hdf5Writer, type Hdf5WriterOptions } from './Hdf5Store.js';
import { NativeHdf5Writer } from './NativeHdf5Writer.js';

/**
 * What `hpaic convert` appends rows through: `encode` (may run off the JS thread, so call it for several rows
 * at once), then `appendEncoded` in row order. Two implementations write the same files: the native libhdf5 one
 * where it is built, for lzf and no compression, and h5wasm for everything else.
 */
export interface StoreWriter {
  readonly path: string;
  readonly backend: 'native' | 'h5wasm';
  readonly length: number;
  encode(image: Uint8Array, name: string): Promise<EncodedChunk>;
  appendEncoded(chunk: EncodedChunk, name: string): void;
  /** Write everything to disk: a checkpoint a killed process can resume from. */
  flush(): void;
  close(): void;
}

/** Create (truncate) a store at `path`, natively when the addon is built and the compression is lzf or none. */
export async function createStoreWriter(path: string, opts: Hdf5WriterOptions): Promise<StoreWriter> {
  const { addon } = loadIngestAddon();
  const compression = opts.compression ?? 'lzf';
  if (addon && (compression === 'lzf' || compression === 'none')) return NativeHdf5Writer.create(addon, path, opts);
  return Hdf5Writer.create(path, opts);
}

/** Open an existing store to append to it; h5wasm when the native writer is absent or does not take its filter. */
export async function openStoreWriter(path: string): Promise<StoreWriter> {
  const { addon } = loadIngestAddon();
  if (addon) {
    try {
      return NativeHdf5Writer.openAppend(addon, path);
    } catch {
      // e.g. zstd or gzip chunks: h5wasm opens those, or reports what is wrong with the file in its own words
    }
  }
  return Hdf5Writer.openAppend(path);
}
