/**
 * @internal Loads the optional ingest addon (build/Release/hpaic_ingest.node, native/ingest/: libhdf5, liblzf and
 * libdeflate, no libtorch; built when libhdf5-dev, liblzf-dev and libdeflate-dev are installed). It decodes PNG
 * planes, LZF-compresses chunks and resamples images (Pillow's Lanczos, for HPAv18) on libuv's threads, and writes
 * chunks with `H5Dwrite_chunk`, which h5wasm lacks.
 * Absent or disabled (`HPAIC_NATIVE_INGEST=0`), callers decode in JavaScript and write through h5wasm instead:
 * the same pixels and files, slower.
 */
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One image ready for the file: the LZF stream (filterMask 0) or the raw bytes LZF could not shrink (1). */
export interface EncodedChunk {
  data: Uint8Array;
  filterMask: number;
}

export interface NativeImageStoreWriter {
  readonly length: number;
  readonly height: number;
  readonly width: number;
  readonly nameLength: number;
  readonly compression: 'lzf' | 'none';
  appendChunk(data: Uint8Array, filterMask: number, name: string): void;
  flush(): void;
  close(): void;
}

/** Fixed-point filter weights per output pixel (pilResample.ts `ResampleCoeffs`). */
export interface ResampleCoefficients {
  ksize: number;
  bounds: Int32Array;
  kk: Int32Array;
}

export interface IngestAddonBinding {
  ImageStoreWriter: new (
    path: string,
    options: { create: true; height: number; width: number; nameLength: number; compression: 'lzf' | 'none' } | { create: false },
  ) => NativeImageStoreWriter;
  /** LZF on a libuv thread, byte-identical to h5py's LZF filter. */
  encodeLzf(image: Uint8Array): Promise<EncodedChunk>;
  /**
   * Inflate and unfilter the four IDAT zlib streams of one sample's channel PNGs (8-bit, non-interlaced,
   * `channels[c]` samples per pixel) into one H×W×4 RGBY image, keeping each PNG's first sample. Rejects with an
   * Error whose `channel` names the bad stream.
   */
  decodePngPlanes(zstreams: Uint8Array[], width: number, height: number, channels: number[]): Promise<Uint8Array>;
  /**
   * Pillow's 8-bit separable resampling (both passes, then luma when asked) of rows `firstRow ..< firstRow + rows`
   * of an interleaved `inW`-wide image, with coefficients from src/data/image/pilResample.ts (null skips a pass).
   */
  resampleU8(src: Uint8Array, inW: number, channels: number, firstRow: number, rows: number, horizontal: ResampleCoefficients | null, vertical: ResampleCoefficients | null, luma: boolean): Promise<Uint8Array>;
  hdf5Version(): string;
}

let loaded: { addon?: IngestAddonBinding; why?: string } | undefined;

/** The ingest addon, or undefined with the reason it is not used. */
export function loadIngestAddon(): { addon?: IngestAddonBinding; why?: string } {
  if (loaded) return loaded;
  if (process.env.HPAIC_NATIVE_INGEST === '0') return (loaded = { why: 'HPAIC_NATIVE_INGEST=0' });
  const root = dirname(dirname(dirname(fileURLToPath(import.meta.url))));
  const path = [join(root, 'build', 'Release', 'hpaic_ingest.node'), join(root, 'build', 'Debug', 'hpaic_ingest.node')].find((p) => existsSync(p));
  if (!path) return (loaded = { why: 'build/Release/hpaic_ingest.node is not built (install libhdf5-dev and liblzf-dev, then npm run build:native)' });
  try {
    loaded = { addon: createRequire(import.meta.url)(path) as IngestAddonBinding };
  } catch (err) {
    loaded = { why: `cannot load ${path}: ${(err as Error).message.split('\n')[0]}` };
  }
  return loaded;
}
