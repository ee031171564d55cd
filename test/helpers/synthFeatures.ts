/**
 * Hand-made image features of a synthetic sample's green channel, for the pattern-distinguishability test
 * (test/unit/synth.patterns.test.ts). Only the images are used: nuclei are found by thresholding blue, cells
 * by thresholding red, as one would on real HPA images; no ground truth from the generator.
 */
import type { SynthChannels } from '../../src/synth/renderSample.js';
import { blur } from '../../src/synth/draw.js';

type Mask = Uint8Array;

function toFloat(a: Uint8Array): Float32Array {
  return Float32Array.from(a);
}

function gauss(src: Float32Array, w: number, h: number, sigma: number): Float32Array {
  const p = { w, h, data: Float32Array.from(src) };
  blur(p, sigma);
  return p.data;
}

function morph(m: Mask, w: number, h: number, steps: number, dilate: boolean): Mask {
  let cur = m;
  for (let s = 0; s < steps; s++) {
    const next = new Uint8Array(w * h);
    for (let j = 0; j < h; j++) for (let i = 0; i < w; i++) {
      let v = cur[j * w + i];
      for (let d = 0; d < 4; d++) {
        const x = i + (d === 0 ? -1 : d === 1 ? 1 : 0);
        const y = j + (d === 2 ? -1 : d === 3 ? 1 : 0);
        const n = x < 0 || y < 0 || x >= w || y >= h ? (dilate ? 0 : 1) : cur[y * w + x];
        v = dilate ? v | n : v & n;
      }
      next[j * w + i] = v;
    }
    cur = next;
  }
  return cur;
}

/** 1 where `pred` holds. */
function maskOf(a: Float32Array, pred: (v: number, i: number) => boolean): Mask {
  const m = new Uint8Array(a.length);
  for (let i = 0; i < a.length; i++) m[i] = pred(a[i], i) ? 1 : 0;
  return m;
}

const and = (a: Mask, b: Mask): Mask => a.map((v, i) => v & b[i]);
const not = (a: Mask): Mask => a.map((v) => 1 - v);

/** The q-quantile of `vals` (quickselect on a copy: linear time). */
function quantile(vals: ArrayLike<number>, q: number): number {
  const a = Float32Array.from(vals);
  if (!a.length) return 0;
  const k = Math.min(a.length - 1, Math.floor(q * a.length));
  let lo = 0;
  let hi = a.length - 1;
  while (lo < hi) {
    const pivot = a[(lo + hi) >> 1];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        const t = a[i];
        a[i] = a[j];
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else break;
  }
  return a[k];
}

function meanIn(a: Float32Array, m: Mask): number {
  let s = 0;
  let n = 0;
  for (let i = 0; i < a.length; i++) if (m[i]) {
    s += a[i];
    n++;
  }
  return n ? s / n : 0;
}

function corrIn(a: Float32Array, b: Float32Array, m: Mask): number {
  const ma = meanIn(a, m);
  const mb = meanIn(b, m);
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < a.length; i++) if (m[i]) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) ** 2;
    sbb += (b[i] - mb) ** 2;
  }
  return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : 0;
}

/** Local maxima of `d` above `thr`, counted per region (per 100 pixels of the region). */
function peaks(d: Float32Array, w: number, h: number, thr: number, regions: Mask[]): number[] {
  const counts = regions.map(() => 0);
  const areas = regions.map((m) => m.reduce((s, v) => s + v, 0) || 1);
  for (let j = 1; j < h - 1; j++) for (let i = 1; i < w - 1; i++) {
    const idx = j * w + i;
    const v = d[idx];
    if (v < thr) continue;
    let isMax = true;
    for (let dj = -1; dj <= 1 && isMax; dj++) for (let di = -1; di <= 1; di++) if ((di || dj) && d[idx + dj * w + di] > v) {
      isMax = false;
      break;
    }
    if (isMax) regions.forEach((m, r) => (counts[r] += m[idx]));
  }
  return counts.map((c, r) => (100 * c) / areas[r]);
}

/** Connected components of `m` (4-connected): count, mean / max area, mean elongation, share touching `near`. */
function components(m: Mask, w: number, h: number, near: Mask[]): number[] {
  const label = new Int32Array(w * h).fill(-1);
  const stats: { n: number; sx: number; sy: number; sxx: number; syy: number; sxy: number; near: number[] }[] = [];
  const stack: number[] = [];
  for (let start = 0; start < w * h; start++) {
    if (!m[start] || label[start] >= 0) continue;
    const st = { n: 0, sx: 0, sy: 0, sxx: 0, syy: 0, sxy: 0, near: near.map(() => 0) };
    label[start] = stats.length;
    stack.push(start);
    while (stack.length) {
      const p = stack.pop()!;
      const x = p % w;
      const y = (p - x) / w;
      st.n++;
      st.sx += x;
      st.sy += y;
      st.sxx += x * x;
      st.syy += y * y;
      st.sxy += x * y;
      near.forEach((nm, k) => (st.near[k] += nm[p]));
      for (const q of [x > 0 ? p - 1 : -1, x < w - 1 ? p + 1 : -1, y > 0 ? p - w : -1, y < h - 1 ? p + w : -1]) {
        if (q >= 0 && m[q] && label[q] < 0) {
          label[q] = stats.length;
          stack.push(q);
        }
      }
    }
    stats.push(st);
  }
  const big = stats.filter((s) => s.n >= 2);
  if (!big.length) return [0, 0, 0, 0, ...near.map(() => 0)];
  let elong = 0;
  for (const s of big) {
    const mx = s.sx / s.n;
    const my = s.sy / s.n;
    const a = s.sxx / s.n - mx * mx + 0.1;
    const c = s.syy / s.n - my * my + 0.1;
    const b = s.sxy / s.n - mx * my;
    const tr = a + c;
    const disc = Math.sqrt(Math.max(0, (tr * tr) / 4 - (a * c - b * b)));
    elong += Math.log((tr / 2 + disc) / Math.max(0.05, tr / 2 - disc));
  }
  const areas = big.map((s) => s.n);
  return [
    Math.log1p(big.length),
    Math.log1p(areas.reduce((x, y) => x + y, 0) / big.length),
    Math.log1p(Math.max(...areas)),
    elong / big.length,
    ...near.map((_, k) => big.reduce((acc, s) => acc + s.near[k] / s.n, 0) / big.length),
  ];
}

/** A fixed-length feature vector describing where and how the green signal sits. */
export function greenFeatures(ch: SynthChannels, size: number): number[] {
  const w = size;
  const h = size;
  const sc = size / 128;
  const g = toFloat(ch.green);
  const red = toFloat(ch.red);
  const yellow = toFloat(ch.yellow);
  const blue = toFloat(ch.blue);
  const bb = gauss(blue, w, h, 1.2 * sc);
  const rb = gauss(red, w, h, 2 * sc);
  const tb = 0.35 * quantile(bb, 0.995);
  const nuc = maskOf(bb, (v) => v > tb);
  const tr = Math.max(6, 0.3 * meanIn(rb, nuc));
  const cell = maskOf(rb, (v, i) => v > tr || nuc[i] === 1);
  const nucIn = morph(nuc, w, h, 2, false);
  const nucD1 = morph(nuc, w, h, 1, true);
  const rim = and(nucD1, not(morph(nuc, w, h, 1, false)));
  const peri = and(and(morph(nuc, w, h, Math.round(5 * sc), true), not(nucD1)), cell);
  const cyto = and(cell, not(nucD1));
  const edge = and(cell, not(morph(cell, w, h, Math.round(2 * sc) || 1, false)));
  const bg = not(morph(cell, w, h, 1, true));
  const gb = gauss(g, w, h, 0.7 * sc);
  const total = g.reduce((s, v) => s + v, 0) + 1;
  const frac = (m: Mask): number => g.reduce((s, v, i) => s + v * m[i], 0) / total;
  const regions = [nucIn, rim, peri, cyto, edge, bg];
  const feats: number[] = [];
  const cellMean = meanIn(g, cell) + 1;
  for (const m of regions) feats.push(Math.log1p(meanIn(g, m)), meanIn(g, m) / cellMean, frac(m));
  feats.push(Math.log1p(quantile(gb, 0.999)), Math.log1p(quantile(gb, 0.99)), Math.log1p(quantile(gb, 0.9)));
  feats.push(corrIn(g, red, cell), corrIn(g, yellow, cell), corrIn(g, blue, cell));
  // Spots at three scales (difference of Gaussians), per region.
  const noise = Math.max(1, quantile(gb, 0.5));
  for (const [s1, s2] of [[0.5, 1.2], [1.1, 2.5], [2.2, 4.5]]) {
    const a = gauss(g, w, h, s1 * sc);
    const b = gauss(g, w, h, s2 * sc);
    const d = a.map((v, i) => v - b[i]);
    const dMax = quantile(d, 0.999);
    feats.push(...peaks(d, w, h, Math.max(3 * noise, 0.25 * dMax), [nucIn, peri, cyto, edge]), Math.log1p(Math.max(0, dMax)));
  }
  // Hessian of the smoothed green: line-like vs blob-like pixels inside cells; structure-tensor coherence.
  const hs = gauss(g, w, h, 1.0 * sc);
  let line = 0;
  let blob = 0;
  let nCell = 0;
  let jxx = 0;
  let jyy = 0;
  let jxy = 0;
  const thrH = Math.max(1.5, 0.08 * quantile(gb, 0.99));
  for (let j = 1; j < h - 1; j++) for (let i = 1; i < w - 1; i++) {
    const p = j * w + i;
    if (!cell[p]) continue;
    nCell++;
    const gxx = hs[p - 1] - 2 * hs[p] + hs[p + 1];
    const gyy = hs[p - w] - 2 * hs[p] + hs[p + w];
    const gxy = (hs[p - w - 1] + hs[p + w + 1] - hs[p - w + 1] - hs[p + w - 1]) / 4;
    const tr2 = (gxx + gyy) / 2;
    const disc = Math.sqrt(((gxx - gyy) / 2) ** 2 + gxy * gxy);
    const l1 = tr2 - disc;
    const l2 = tr2 + disc;
    if (l1 < -thrH && Math.abs(l2) < 0.35 * -l1) line++;
    if (l1 < -thrH && l2 < -0.5 * thrH) blob++;
    const gx = (hs[p + 1] - hs[p - 1]) / 2;
    const gy = (hs[p + w] - hs[p - w]) / 2;
    jxx += gx * gx;
    jyy += gy * gy;
    jxy += gx * gy;
  }
  const coh = Math.sqrt((jxx - jyy) ** 2 + 4 * jxy * jxy) / (jxx + jyy + 1e-6);
  feats.push(line / (nCell || 1), blob / (nCell || 1), coh);
  // Bright objects: connected components above a robust threshold, their size, shape and where they sit.
  const inCell = gb.filter((_, i) => cell[i] === 1);
  const thr = Math.max(quantile(inCell, 0.5) * 1.8, quantile(gb, 0.5) + 12);
  const bright = maskOf(gb, (v) => v > thr);
  feats.push(...components(bright, w, h, [nuc, peri, edge, bg]));
  return feats;
}
