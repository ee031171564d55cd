/**
 * The perceptual hash of the imagehash library (`imagehash.phash`, hash_size 8, highfreq_factor 4), which
 * bestfitting used to find HPAv18 images that duplicate Kaggle ones: the grey image resized to 32×32 with
 * Pillow's LANCZOS (ANTIALIAS) filter, the 2-D DCT-II (scipy.fftpack's unnormalised
 * y_k = 2 Σ_n x_n cos(π k (2n + 1) / 2N), along columns then rows), the top-left 8×8 coefficients — the DC
 * coefficient included, as imagehash does — and 64 bits: coefficient > the median of those 64 (numpy's median,
 * the mean of the two middle values). Bits are row-major, as `ImageHash.hash.flatten()`.
 */
import { pilResizeLanczos } from './pilResize.js';

export const PHASH_BITS = 64;
const N = 32;
const K = 8;

/** cos(π k (2n + 1) / 2N) for k < 8, n < 32. */
const COS = (() => {
  const t = new Float64Array(K * N);
  for (let k = 0; k < K; k++) for (let n = 0; n < N; n++) t[k * N + n] = Math.cos((Math.PI * k * (2 * n + 1)) / (2 * N));
  return t;
})();

/** The 64 pHash bits (0/1) of a `width × height` 8-bit grey image. */
export function phash(grey: Uint8Array, width: number, height: number): Uint8Array {
  const px = width === N && height === N ? grey : pilResizeLanczos(grey, width, height, 1, N, N);
  // DCT along axis 0 (down each column), only the 8 lowest frequencies are needed: col[k][x].
  const col = new Float64Array(K * N);
  for (let k = 0; k < K; k++) {
    for (let x = 0; x < N; x++) {
      let s = 0;
      for (let y = 0; y < N; y++) s += px[y * N + x] * COS[k * N + y];
      col[k * N + x] = 2 * s;
    }
  }
  // Then along axis 1 (each row of the result).
  const low = new Float64Array(K * K);
  for (let k = 0; k < K; k++) {
    for (let l = 0; l < K; l++) {
      let s = 0;
      for (let x = 0; x < N; x++) s += col[k * N + x] * COS[l * N + x];
      low[k * K + l] = 2 * s;
    }
  }
  const sorted = Float64Array.from(low).sort();
  const median = (sorted[K * K / 2 - 1] + sorted[K * K / 2]) / 2;
  return Uint8Array.from(low, (v) => (v > median ? 1 : 0));
}

/** The hash as two 32-bit words (bits 0–31, 32–63), for fast Hamming distances. */
export function packHash(bits: Uint8Array): [number, number] {
  let a = 0;
  let b = 0;
  for (let i = 0; i < 32; i++) a |= bits[i] << i;
  for (let i = 0; i < 32; i++) b |= bits[32 + i] << i;
  return [a >>> 0, b >>> 0];
}

function popcount32(v: number): number {
  v = v - ((v >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

/** The number of differing bits of two packed hashes (imagehash's `h1 - h2`). */
export function hammingDistance(a: readonly [number, number], b: readonly [number, number]): number {
  return popcount32((a[0] ^ b[0]) >>> 0) + popcount32((a[1] ^ b[1]) >>> 0);
}

/** imagehash's `str(hash)`: the 64 bits as 16 hex digits, most significant first in row-major order. */
export function phashHex(bits: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bits.length; i += 4) out += ((bits[i] << 3) | (bits[i + 1] << 2) | (bits[i + 2] << 1) | bits[i + 3]).toString(16);
  return out;
}
