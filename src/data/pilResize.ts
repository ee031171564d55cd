/**
 * Pillow's `Image.resize(size, Image.LANCZOS)` for 8-bit images, reproduced integer for integer (Pillow 9.x
 * `libImaging/Resample.c`): separable convolution, horizontal pass first over the source rows the vertical pass
 * needs, coefficients normalised to sum 1 and then fixed-point with 22 fractional bits, round-half-up on the
 * accumulator and clipping to 0..255 after each pass. The seed's HPAv18 downloader resizes with PIL, so matching it
 * makes hpaic's PNGs the seed's PNGs.
 */

const PRECISION_BITS = 32 - 8 - 2;
const LANCZOS_SUPPORT = 3;

function sinc(x: number): number {
  if (x === 0) return 1;
  const px = x * Math.PI;
  return Math.sin(px) / px;
}

function lanczos(x: number): number {
  return x >= -3 && x < 3 ? sinc(x) * sinc(x / 3) : 0;
}

interface Coeffs {
  ksize: number;
  /** [xmin, count] per output pixel. */
  bounds: Int32Array;
  /** Fixed-point weights, `ksize` per output pixel. */
  kk: Int32Array;
}

function precomputeCoeffs(inSize: number, outSize: number): Coeffs {
  const scale = inSize / outSize;
  const filterscale = Math.max(scale, 1);
  const support = LANCZOS_SUPPORT * filterscale;
  const ksize = Math.ceil(support) * 2 + 1;
  const bounds = new Int32Array(outSize * 2);
  const kk = new Int32Array(outSize * ksize);
  const k = new Float64Array(ksize);
  const ss = 1 / filterscale;
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    let ww = 0;
    // C's (int) cast truncates toward zero.
    let xmin = Math.trunc(center - support + 0.5);
    if (xmin < 0) xmin = 0;
    let xmax = Math.trunc(center + support + 0.5);
    if (xmax > inSize) xmax = inSize;
    xmax -= xmin;
    for (let x = 0; x < xmax; x++) {
      const w = lanczos((x + xmin - center + 0.5) * ss);
      k[x] = w;
      ww += w;
    }
    for (let x = 0; x < ksize; x++) {
      let v = x < xmax ? k[x] : 0;
      if (x < xmax && ww !== 0) v /= ww;
      kk[xx * ksize + x] = v < 0 ? Math.trunc(-0.5 + v * (1 << PRECISION_BITS)) : Math.trunc(0.5 + v * (1 << PRECISION_BITS));
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
 * Resize an interleaved 8-bit image of `channels` bands (1 or 3) from `inW × inH` to `outW × outH` with Pillow's
 * Lanczos filter. Returns a new interleaved buffer.
 */
export function pilResizeLanczos(src: Uint8Array, inW: number, inH: number, channels: number, outW: number, outH: number): Uint8Array {
  if (src.length !== inW * inH * channels) throw new RangeError(`pilResizeLanczos: expected ${inW}×${inH}×${channels} bytes but received ${src.length}`);
  const needH = outW !== inW;
  const needV = outH !== inH;
  const vert = precomputeCoeffs(inH, outH);
  const yFirst = vert.bounds[0];
  const yLast = vert.bounds[outH * 2 - 2] + vert.bounds[outH * 2 - 1];
  let img = src;
  let w = inW;
  const C = channels;
  if (needH) {
    const hor = precomputeCoeffs(inW, outW);
    for (let i = 0; i < outH; i++) vert.bounds[i * 2] -= yFirst;
    const rows = yLast - yFirst;
    const tmp = new Uint8Array(outW * rows * C);
    const { ksize, bounds, kk } = hor;
    for (let yy = 0; yy < rows; yy++) {
      const rowIn = (yy + yFirst) * inW * C;
      const rowOut = yy * outW * C;
      for (let xx = 0; xx < outW; xx++) {
        const xmin = bounds[xx * 2];
        const xmax = bounds[xx * 2 + 1];
        const kb = xx * ksize;
        if (C === 3) {
          // One pass over the taps for all three bands (the common RGB case; 2-3× faster than per band).
          let s0 = 1 << (PRECISION_BITS - 1);
          let s1 = s0;
          let s2 = s0;
          let p = rowIn + xmin * 3;
          for (let x = 0; x < xmax; x++, p += 3) {
            const k = kk[kb + x];
            s0 += img[p] * k;
            s1 += img[p + 1] * k;
            s2 += img[p + 2] * k;
          }
          const o = rowOut + xx * 3;
          tmp[o] = clip8(s0);
          tmp[o + 1] = clip8(s1);
          tmp[o + 2] = clip8(s2);
          continue;
        }
        for (let c = 0; c < C; c++) {
          let ss = 1 << (PRECISION_BITS - 1);
          let p = rowIn + xmin * C + c;
          for (let x = 0; x < xmax; x++, p += C) ss += img[p] * kk[kb + x];
          tmp[rowOut + xx * C + c] = clip8(ss);
        }
      }
    }
    img = tmp;
    w = outW;
  }
  if (needV) {
    const out = new Uint8Array(w * outH * C);
    const { ksize, bounds, kk } = vert;
    const stride = w * C;
    for (let yy = 0; yy < outH; yy++) {
      const ymin = bounds[yy * 2];
      const ymax = bounds[yy * 2 + 1];
      const kb = yy * ksize;
      const rowOut = yy * stride;
      for (let i = 0; i < stride; i++) {
        let ss = 1 << (PRECISION_BITS - 1);
        let p = ymin * stride + i;
        for (let y = 0; y < ymax; y++, p += stride) ss += img[p] * kk[kb + y];
        out[rowOut + i] = clip8(ss);
      }
    }
    img = out;
  }
  if (img === src) img = src.slice();
  return img;
}

/**
 * Pillow's `convert('L')` of an RGB image: ITU-R 601-2 luma L = R·299/1000 + G·587/1000 + B·114/1000 in Pillow's
 * 16-bit fixed point, `(R·19595 + G·38470 + B·7471 + 0x8000) >> 16`.
 */
export function pilRgbToL(rgb: Uint8Array): Uint8Array {
  const n = rgb.length / 3;
  const out = new Uint8Array(n);
  for (let i = 0, j = 0; i < n; i++, j += 3) out[i] = (rgb[j] * 19595 + rgb[j + 1] * 38470 + rgb[j + 2] * 7471 + 0x8000) >>> 16;
  return out;
}
