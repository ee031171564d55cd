/**
 * @internal Loads the optional native store writer (build/Release/hpaic_hdf5.node: libhdf5 + liblzf, built when
 * libhdf5-dev and liblzf-dev are installed; native/hdf5/). It writes LZF chunks compressed on libuv's threads
 * with `H5Dwrite_chunk`, which h5wasm lacks. Absent or disabled (`HPAIC_NATIVE_HDF5=0`), callers write through
 * h5wasm instead: same files, slower.
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

export interface Hdf5AddonBinding {
  ImageStoreWriter: new (
    path: string,
    options: { create: true; height: number; width: number; nameLength: number; compression: 'lzf' | 'none' } | { create: false },
  ) => NativeImageStoreWriter;
  /** LZF on a libuv thread, byte-identical to h5py's LZF filter. */
  encodeLzf(image: Uint8Array): Promise<EncodedChunk>;
  hdf5Version(): string;
}

let loaded: { addon?: Hdf5AddonBinding; why?: string } | undefined;

/** The native store writer, or undefined with the reason it is not used. */
export function loadHdf5Addon(): { addon?: Hdf5AddonBinding; why?: string } {
  if (loaded) return loaded;
  if (process.env.HPAIC_NATIVE_HDF5 === '0') return (loaded = { why: 'HPAIC_NATIVE_HDF5=0' });
  const root = dirname(dirname(dirname(fileURLToPath(import.meta.url))));
  const path = [join(root, 'build', 'Release', 'hpaic_hdf5.node'), join(root, 'build', 'Debug', 'hpaic_hdf5.node')].find((p) => existsSync(p));
  if (!path) return (loaded = { why: 'build/Release/hpaic_hdf5.node is not built (install libhdf5-dev and liblzf-dev, then npm run build:native)' });
  try {
    loaded = { addon: createRequire(import.meta.url)(path) as Hdf5AddonBinding };
  } catch (err) {
    loaded = { why: `cannot load ${path}: ${(err as Error).message.split('\n')[0]}` };
  }
  return loaded;
}
