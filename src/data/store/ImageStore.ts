/**
 * A random-access source of stored images: the HDF5 store (the seed's format) and the PNG-folder store both
 * implement it, so the loader, prediction and tests do not care where pixels come from.
 *
 * Images are uint8, height × width × 4, channels in the seed's stored order **red, green, blue, yellow**
 * (interleaved, row-major: pixel (y, x) channel c is at `((y * width) + x) * 4 + c`).
 */
export interface ImageStore {
  /** Number of images. */
  readonly length: number;
  readonly height: number;
  readonly width: number;
  /** The stored name (sample Id) at row `index`. */
  nameAt(index: number): string;
  /** The RGBY pixels at row `index` (a fresh buffer the caller owns). */
  read(index: number): Uint8Array;
  /** Release file handles. */
  close(): void;
}
