/**
 * Tiny drawing primitives on single-channel float images (row-major, `w × h`). Every primitive adds (never
 * replaces) so that patterns combine, is anti-aliased by its Gaussian profile, and may be clipped to the
 * pixels of one cell.
 */
import type { Rng } from './Rng.js';

export interface Plane {
  w: number;
  h: number;
  data: Float32Array;
}

/** Restricts drawing to the pixels whose `owner` equals `id`. */
export interface Clip {
  owner: Int16Array;
  id: number;
}

/** Narrowest profile drawn (pixels): thinner Gaussians would alias at small image sizes. */
const MIN_SIGMA = 0.45;

export function plane(w: number, h: number): Plane {
  return { w, h, data: new Float32Array(w * h) };
}

function bbox(p: Plane, x0: number, y0: number, x1: number, y1: number): [number, number, number, number] | null {
  const xa = Math.max(0, Math.floor(x0));
  const ya = Math.max(0, Math.floor(y0));
  const xb = Math.min(p.w - 1, Math.ceil(x1));
  const yb = Math.min(p.h - 1, Math.ceil(y1));
  return xa > xb || ya > yb ? null : [xa, ya, xb, yb];
}

/** A Gaussian spot of standard deviation `sigma` and peak `amp`. */
export function addBlob(p: Plane, x: number, y: number, sigma: number, amp: number, clip?: Clip): void {
  sigma = Math.max(MIN_SIGMA, sigma);
  const r = 3 * sigma;
  const b = bbox(p, x - r, y - r, x + r, y + r);
  if (!b) return;
  const k = -1 / (2 * sigma * sigma);
  const { w, data } = p;
  for (let j = b[1]; j <= b[3]; j++) {
    const dy = j - y;
    for (let i = b[0]; i <= b[2]; i++) {
      const idx = j * w + i;
      if (clip && clip.owner[idx] !== clip.id) continue;
      const dx = i - x;
      data[idx] += amp * Math.exp((dx * dx + dy * dy) * k);
    }
  }
}

/** An elongated Gaussian spot: `sigmaLong` along `angle`, `sigmaShort` across it. */
export function addEllipseBlob(p: Plane, x: number, y: number, sigmaLong: number, sigmaShort: number, angle: number, amp: number, clip?: Clip): void {
  sigmaLong = Math.max(MIN_SIGMA, sigmaLong);
  sigmaShort = Math.max(MIN_SIGMA, sigmaShort);
  const r = 3 * Math.max(sigmaLong, sigmaShort);
  const b = bbox(p, x - r, y - r, x + r, y + r);
  if (!b) return;
  const c = Math.cos(angle);
  const s = Math.sin(angle);
  const kl = -1 / (2 * sigmaLong * sigmaLong);
  const ks = -1 / (2 * sigmaShort * sigmaShort);
  const { w, data } = p;
  for (let j = b[1]; j <= b[3]; j++) {
    const dy = j - y;
    for (let i = b[0]; i <= b[2]; i++) {
      const idx = j * w + i;
      if (clip && clip.owner[idx] !== clip.id) continue;
      const dx = i - x;
      const u = dx * c + dy * s;
      const v = -dx * s + dy * c;
      data[idx] += amp * Math.exp(u * u * kl + v * v * ks);
    }
  }
}

/** A segment with a Gaussian cross-section of standard deviation `width`. */
export function addLine(p: Plane, x0: number, y0: number, x1: number, y1: number, width: number, amp: number, clip?: Clip): void {
  width = Math.max(MIN_SIGMA, width);
  const r = 3 * width;
  const b = bbox(p, Math.min(x0, x1) - r, Math.min(y0, y1) - r, Math.max(x0, x1) + r, Math.max(y0, y1) + r);
  if (!b) return;
  const vx = x1 - x0;
  const vy = y1 - y0;
  const len2 = vx * vx + vy * vy || 1e-9;
  const k = -1 / (2 * width * width);
  const { w, data } = p;
  for (let j = b[1]; j <= b[3]; j++) {
    for (let i = b[0]; i <= b[2]; i++) {
      const idx = j * w + i;
      if (clip && clip.owner[idx] !== clip.id) continue;
      const px = i - x0;
      const py = j - y0;
      let t = (px * vx + py * vy) / len2;
      t = t < 0 ? 0 : t > 1 ? 1 : t;
      const dx = px - t * vx;
      const dy = py - t * vy;
      const d2 = dx * dx + dy * dy;
      if (d2 < 9 * width * width) data[idx] += amp * Math.exp(d2 * k);
    }
  }
}

/** Consecutive segments through `pts` ([x0, y0, x1, y1, ...]). */
export function addPolyline(p: Plane, pts: number[], width: number, amp: number, clip?: Clip): void {
  for (let i = 0; i + 3 < pts.length; i += 2) {
    // Segments share end points: draw each with a max-blend-like half weight at the joints by shortening nothing;
    // the small double-count at joints reads as natural filament beading.
    addLine(p, pts[i], pts[i + 1], pts[i + 2], pts[i + 3], width, amp, clip);
  }
}

/** A ring of radius `r` with a Gaussian cross-section of standard deviation `width`. */
export function addRing(p: Plane, x: number, y: number, r: number, width: number, amp: number, clip?: Clip): void {
  width = Math.max(MIN_SIGMA, width);
  const e = r + 3 * width;
  const b = bbox(p, x - e, y - e, x + e, y + e);
  if (!b) return;
  const k = -1 / (2 * width * width);
  const { w, data } = p;
  for (let j = b[1]; j <= b[3]; j++) {
    const dy = j - y;
    for (let i = b[0]; i <= b[2]; i++) {
      const idx = j * w + i;
      if (clip && clip.owner[idx] !== clip.id) continue;
      const dx = i - x;
      const d = Math.sqrt(dx * dx + dy * dy) - r;
      data[idx] += amp * Math.exp(d * d * k);
    }
  }
}

/** A random walk from (x, y): `steps` segments of `stepLen`, turning by up to `turn` radians each step. */
export function walk(rng: Rng, x: number, y: number, angle: number, steps: number, stepLen: number, turn: number): number[] {
  const pts = [x, y];
  let a = angle;
  for (let i = 0; i < steps; i++) {
    a += (rng.next() * 2 - 1) * turn;
    x += Math.cos(a) * stepLen;
    y += Math.sin(a) * stepLen;
    pts.push(x, y);
  }
  return pts;
}

/**
 * Smooth value noise in [0, 1]: random values on a grid of spacing `scale` pixels, bilinearly interpolated
 * with a smoothstep. Used for textures (nuclear chromatin, cytoplasmic unevenness, ER network ridges).
 */
export function valueNoise(rng: Rng, w: number, h: number, scale: number): Float32Array {
  const gw = Math.ceil(w / scale) + 2;
  const gh = Math.ceil(h / scale) + 2;
  const grid = new Float32Array(gw * gh);
  for (let i = 0; i < grid.length; i++) grid[i] = rng.next();
  const out = new Float32Array(w * h);
  const inv = 1 / scale;
  for (let j = 0; j < h; j++) {
    const gy = j * inv;
    const y0 = Math.floor(gy);
    let fy = gy - y0;
    fy = fy * fy * (3 - 2 * fy);
    for (let i = 0; i < w; i++) {
      const gx = i * inv;
      const x0 = Math.floor(gx);
      let fx = gx - x0;
      fx = fx * fx * (3 - 2 * fx);
      const a = grid[y0 * gw + x0];
      const b = grid[y0 * gw + x0 + 1];
      const c = grid[(y0 + 1) * gw + x0];
      const d = grid[(y0 + 1) * gw + x0 + 1];
      out[j * w + i] = a + (b - a) * fx + (c - a) * fy + (a - b - c + d) * fx * fy;
    }
  }
  return out;
}

/** In-place separable Gaussian blur (the microscope's point-spread function), mirrored at the borders. */
export function blur(p: Plane, sigma: number): void {
  if (sigma <= 0) return;
  const r = Math.max(1, Math.ceil(2.5 * sigma));
  const kn = 2 * r + 1;
  const kernel = new Float32Array(kn);
  let sum = 0;
  for (let i = -r; i <= r; i++) sum += kernel[i + r] = Math.exp((-i * i) / (2 * sigma * sigma));
  for (let i = 0; i < kn; i++) kernel[i] /= sum;
  const { w, h, data } = p;
  const mirror = (x: number, n: number): number => (x < 0 ? Math.min(-x, n - 1) : x >= n ? Math.max(0, 2 * n - 2 - x) : x);
  const tmp = new Float32Array(w * h);
  // Horizontal: border pixels with mirrored indices, the interior without tests.
  for (let j = 0; j < h; j++) {
    const row = j * w;
    for (let i = 0; i < w; i++) {
      let acc = 0;
      if (i >= r && i < w - r) {
        const b = row + i - r;
        for (let k = 0; k < kn; k++) acc += data[b + k] * kernel[k];
      } else {
        for (let k = 0; k < kn; k++) acc += data[row + mirror(i + k - r, w)] * kernel[k];
      }
      tmp[row + i] = acc;
    }
  }
  // Vertical: whole rows at a time (contiguous memory).
  data.fill(0);
  for (let j = 0; j < h; j++) {
    const out = j * w;
    for (let k = 0; k < kn; k++) {
      const src = mirror(j + k - r, h) * w;
      const kv = kernel[k];
      for (let i = 0; i < w; i++) data[out + i] += tmp[src + i] * kv;
    }
  }
}
