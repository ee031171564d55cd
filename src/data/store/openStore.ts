/**
 * Store descriptors: plain, structured-clonable descriptions of an {@link ImageStore}, so that loader worker
 * threads can each open their own handle (h5wasm handles and file descriptors cannot cross threads).
 */
import { UsageError } from '../../errors.js';
import type { ImageStore } from './ImageStore.js';

/** How to open a store; every field survives `postMessage`. */
export type StoreDescriptor =
  /** The seed's HDF5 file (`Hdf5Store`). */
  | { readonly kind: 'hdf5'; readonly path: string }
  /** A folder of `<Id>_<color>.png` grey PNGs (`PngFolderStore`), with the ids in row order. */
  | { readonly kind: 'png'; readonly root: string; readonly ids: readonly string[]; readonly height?: number; readonly width?: number }
  /** RGBY pixels in memory (`MemoryStore`): N × height × width × 4 bytes; use a SharedArrayBuffer to share them with workers. */
  | { readonly kind: 'memory'; readonly names: readonly string[]; readonly data: Uint8Array; readonly height: number; readonly width: number };

/** Open the store a descriptor names. Modules are imported on demand, so a worker only loads what it uses. */
export async function openStore(descriptor: StoreDescriptor): Promise<ImageStore> {
  switch (descriptor.kind) {
    case 'hdf5': {
      const { Hdf5Store } = await import('./Hdf5Store.js');
      return Hdf5Store.open(descriptor.path);
    }
    case 'png': {
      const { PngFolderStore } = await import('./PngFolderStore.js');
      return new PngFolderStore(descriptor.root, descriptor.ids, descriptor.height, descriptor.width);
    }
    case 'memory': {
      const { MemoryStore } = await import('./MemoryStore.js');
      return new MemoryStore(descriptor.names, descriptor.data, descriptor.height, descriptor.width);
    }
    default:
      throw new UsageError(`openStore: unknown store kind in ${JSON.stringify(descriptor).slice(0, 200)}; expected hdf5, png or memory`);
  }
}
