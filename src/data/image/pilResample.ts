/**
 * Pillow's separable resampling of 8-bit interleaved images (Pillow 9.x `libImaging/Resample.c`), integer for
 * integer: per output pixel the filter's weights over the input pixels it covers (support scaled by the reduction
 * factor when shrinking: the antialiasing), normalised to sum 1 and rounded to 22-bit fixed point; the image is
 * resampled horizontally, then vertically, with round-half-up and clipping to 0..255 after each pass.
 *
 * Shared by `resizeBilinear` (augment.ts: torchvision's Resize on a PIL image) and `pilResizeLanczos`
 * (pilResize.ts: the HPAv18 downloader's PIL resize); both are tested bit for bit against Pillow.
 */

export const PRECISION_BITS = 32 - 8 - 2;

/** A resampling filter: its support (in input pixels at scale 1) and weight function. */
export interface ResampleFilter {
  readonly support: number;
  weight(x: number): number;
}

/** Pillow's BILINEAR ("triangle") filter. */
export const BILINEAR_FILTER: ResampleFilter = {
  support: 1,
  weight(x) {
    const t = Math.abs(x);
    return t < 1 ? 1 - t : 0;
  },
};

function sinc(x: number): number {
  if (x === 0) return 1;
  const px = x * Math.PI;
  return Math.sin(px) / px;
}

/** Pillow's LANCZOS filter (a = 3). */
export const LANCZOS_FILTER: ResampleFilter = {
  support: 3,
  weight: (x) => (x >= -3 && x < 3 ? sinc(x) * sinc(x / 3) : 0),
};

export interface ResampleCoeffs {
  ksize: number;
  /** [first input pixel, count] per output pixel. */
  bounds: Int32Array;
  /** Fixed-point weights, `ksize` per output pixel (zero past the count). */
  kk: Int32Array;
}

/** Pillow's `precompute_coeffs` followed by its fixed-point normalisation. */
export function resampleCoeffs(inSize: number, outSize: number, filter: ResampleFilter): ResampleCoeffs {
  const scale = inSize / outSize;
  const filterscale = Math.max(scale, 1);
  const support = filter.support * filterscale;
  const ksize = Math.ceil(support) * 2 + 1;
  const bounds = new Int32Array(outSize * 2);
  const kk = new Int32Array(outSize * ksize);
  const k = new Float64Array(ksize);
  const ss = 1 / filterscale;
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    // C's (int) cast truncates toward zero.
    let xmin = Math.trunc(center - support + 0.5);
    if (xmin < 0) xmin = 0;
    let xmax = Math.trunc(center + support + 0.5);
    if (xmax > inSize) xmax = inSize;
    xmax -= xmin;
    let ww = 0;
    for (let x = 0; x < xmax; x++) {
      const w = filter.weight((x + xmin - center + 0.5) * ss);
      k[x] = w;
      ww += w;
    }
    for (let x = 0; x < xmax; x++) {
      const w = ww !== 0 ? k[x] / ww : k[x];
      const f = w * (1 << PRECISION_BITS);
      kk[xx * ksize + x] = w < 0 ? Math.trunc(-0.5 + f) : Math.trunc(0.5 + f);
    }
    bounds[xx * 2] = xmin;
    bounds[xx * 2 + 1] = xmax;
  }
  return { ksize, bounds, kk };
}

function clip8(ss: number): number {
  const v = ss >> PRECISION_BITS;
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

/**
 * Horizontal pass over `rows` rows of `src` (width `inW`, `C` interleaved bands) starting at row `firstRow`:
 * returns `rows` rows of width `coeffs.bounds.length / 2`.
 */
export function resampleRows(src: Uint8Array, inW: number, C: number, firstRow: number, rows: number, coeffs: ResampleCoeffs): Uint8Array {
  const { ksize, bounds, kk } = coeffs;
  const outW = bounds.length / 2;
  const out = new Uint8Array(outW * rows * C);
  const half = 1 << (PRECISION_BITS - 1);
  for (let yy = 0; yy < rows; yy++) {
    const rowIn = (yy + firstRow) * inW * C;
    const rowOut = yy * outW * C;
    for (let xx = 0; xx < outW; xx++) {
      const xmin = bounds[xx * 2];
      const n = bounds[xx * 2 + 1];
      const kb = xx * ksize;
      if (C === 3) {
        // One pass over the taps for all three bands (the common RGB case; 2-3× faster than per band).
        let s0 = half;
        let s1 = half;
        let s2 = half;
        let p = rowIn + xmin * 3;
        for (let x = 0; x < n; x++, p += 3) {
          const k = kk[kb + x];
          s0 += src[p] * k;
          s1 += src[p + 1] * k;
          s2 += src[p + 2] * k;
        }
        const o = rowOut + xx * 3;
        out[o] = clip8(s0);
        out[o + 1] = clip8(s1);
        out[o + 2] = clip8(s2);
        continue;
      }
      for (let c = 0; c < C; c++) {
        let ss = half;
        let p = rowIn + xmin * C + c;
        for (let x = 0; x < n; x++, p += C) ss += src[p] * kk[kb + x];
        out[rowOut + xx * C + c] = clip8(ss);
      }
    }
  }
  return out;
}

/** Vertical pass: `src` has rows of `w` pixels × `C` bands; returns `coeffs.bounds.length / 2` rows. */
export function resampleColumns(src: Uint8Array, w: number, C: number, coeffs: ResampleCoeffs): Uint8Array {
  const { ksize, bounds, kk } = coeffs;
  const outH = bounds.length / 2;
  const stride = w * C;
  const out = new Uint8Array(stride * outH);
  const half = 1 << (PRECISION_BITS - 1);
  for (let yy = 0; yy < outH; yy++) {
    const ymin = bounds[yy * 2];
    const n = bounds[yy * 2 + 1];
    const kb = yy * ksize;
    const rowOut = yy * stride;
    for (let i = 0; i < stride; i++) {
      let ss = half;
      let p = ymin * stride + i;
      for (let y = 0; y < n; y++, p += stride) ss += src[p] * kk[kb + y];
      out[rowOut + i] = clip8(ss);
    }
  }
  return out;
}
