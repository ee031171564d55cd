/**
 * The geometry of one synthetic field of view: cells with wobbly outlines that may touch (the boundary between
 * two touching cells is where their normalised radii are equal), an elliptic nucleus per cell with nucleoli,
 * and per-pixel maps that the channel renderers use (which cell owns a pixel, how far out in the cell and in
 * the nucleus it lies, cell edges and cell–cell contacts).
 */
import type { Rng } from './Rng.js';

export interface Cell {
  id: number;
  /** Centre of the cell body and its mean radius (pixels). */
  cx: number;
  cy: number;
  r: number;
  /** Outline wobble: radius(θ) = r · (1 + Σ amp_k cos(kθ + phase_k)), k = 2, 3, 4. */
  wobble: [number, number][];
  /** Nucleus: centre, semi-axes and orientation. */
  nx: number;
  ny: number;
  na: number;
  nb: number;
  nAngle: number;
  nucleoli: { x: number; y: number; r: number }[];
  /** Overall brightness of this cell (cells differ in expression). */
  bright: number;
  /** Whether the cell is in mitosis (rendered when the sample has class 17, the mitotic spindle). */
  mitotic: boolean;
}

export interface CellLayout {
  w: number;
  h: number;
  cells: Cell[];
  /** Owning cell id per pixel, -1 for background. */
  owner: Int16Array;
  /** Normalised radius in the owning cell: 0 at the centre, 1 at the outline. */
  rho: Float32Array;
  /** Normalised elliptic radius in the owning cell's nucleus: < 1 inside the nucleus. */
  nu: Float32Array;
  /** 1 = pixel on the outline next to background, 2 = pixel next to another cell (a junction). */
  edge: Uint8Array;
  /** Pixel indices of each cell (by id). */
  pixels: Int32Array[];
}

/** Radius of the cell outline in direction θ. */
export function cellRadius(cell: Cell, theta: number): number {
  let f = 1;
  for (let k = 0; k < cell.wobble.length; k++) f += cell.wobble[k][0] * Math.cos((k + 2) * theta + cell.wobble[k][1]);
  return cell.r * f;
}

/** Normalised nuclear radius of point (x, y) for `cell` (< 1 inside). */
export function nuclearRadius(cell: Cell, x: number, y: number): number {
  const dx = x - cell.nx;
  const dy = y - cell.ny;
  const c = Math.cos(cell.nAngle);
  const s = Math.sin(cell.nAngle);
  const u = (dx * c + dy * s) / cell.na;
  const v = (-dx * s + dy * c) / cell.nb;
  return Math.sqrt(u * u + v * v);
}

/** A point on the nucleus' ellipse at angle t, scaled by `k` (k = 1 on the nuclear envelope). */
export function nuclearPoint(cell: Cell, t: number, k: number): [number, number] {
  const u = Math.cos(t) * cell.na * k;
  const v = Math.sin(t) * cell.nb * k;
  const c = Math.cos(cell.nAngle);
  const s = Math.sin(cell.nAngle);
  return [cell.nx + u * c - v * s, cell.ny + u * s + v * c];
}

/** A point in the cell at angle θ (around the cell centre) and normalised radius `rho`. */
export function cellPoint(cell: Cell, theta: number, rho: number): [number, number] {
  const r = cellRadius(cell, theta) * rho;
  return [cell.cx + Math.cos(theta) * r, cell.cy + Math.sin(theta) * r];
}

/**
 * Places `count` cells of mean radius about `meanRadius` pixels in a `size × size` field. Cells may be cut by the
 * image border (as in real fields of view) and may touch each other.
 */
export function layoutCells(rng: Rng, size: number, count: number, meanRadius: number): CellLayout {
  const cells: Cell[] = [];
  for (let attempt = 0; attempt < 400 && cells.length < count; attempt++) {
    const r = meanRadius * rng.uniform(0.8, 1.25);
    const margin = r * 0.35;
    const cx = rng.uniform(margin, size - margin);
    const cy = rng.uniform(margin, size - margin);
    // Centres closer than this would bury one nucleus under the other cell; a little closer than r1 + r2 makes
    // the two cells touch along a shared boundary.
    const ok = cells.every((o) => Math.hypot(o.cx - cx, o.cy - cy) > 0.7 * (o.r + r));
    if (!ok) continue;
    const wobble: [number, number][] = [
      [rng.uniform(0, 0.12), rng.uniform(0, 2 * Math.PI)],
      [rng.uniform(0, 0.07), rng.uniform(0, 2 * Math.PI)],
      [rng.uniform(0, 0.04), rng.uniform(0, 2 * Math.PI)],
    ];
    const na = r * rng.uniform(0.4, 0.52);
    const nb = na * rng.uniform(0.72, 0.95);
    const off = r * rng.uniform(0, 0.1);
    const offA = rng.uniform(0, 2 * Math.PI);
    const cell: Cell = {
      id: cells.length,
      cx,
      cy,
      r,
      wobble,
      nx: cx + Math.cos(offA) * off,
      ny: cy + Math.sin(offA) * off,
      na,
      nb,
      nAngle: rng.uniform(0, Math.PI),
      nucleoli: [],
      bright: rng.uniform(0.65, 1.15),
      mitotic: false,
    };
    const nNucleoli = rng.int(1, 4);
    for (let k = 0; k < nNucleoli; k++) {
      const [x, y] = nuclearPoint(cell, rng.uniform(0, 2 * Math.PI), rng.uniform(0, 0.55));
      cell.nucleoli.push({ x, y, r: na * rng.uniform(0.12, 0.19) });
    }
    cells.push(cell);
  }
  const w = size;
  const h = size;
  const owner = new Int16Array(w * h).fill(-1);
  const rho = new Float32Array(w * h).fill(2);
  const nu = new Float32Array(w * h).fill(9);
  for (const cell of cells) {
    const ext = cell.r * 1.3;
    const x0 = Math.max(0, Math.floor(cell.cx - ext));
    const x1 = Math.min(w - 1, Math.ceil(cell.cx + ext));
    const y0 = Math.max(0, Math.floor(cell.cy - ext));
    const y1 = Math.min(h - 1, Math.ceil(cell.cy + ext));
    // cos(kθ + φ) from cos θ and sin θ by the angle-addition recurrences: no atan2 / cos per pixel.
    const [[a2, p2], [a3, p3], [a4, p4]] = cell.wobble;
    const c2 = a2 * Math.cos(p2), s2 = a2 * Math.sin(p2);
    const c3 = a3 * Math.cos(p3), s3 = a3 * Math.sin(p3);
    const c4 = a4 * Math.cos(p4), s4 = a4 * Math.sin(p4);
    for (let j = y0; j <= y1; j++) {
      for (let i = x0; i <= x1; i++) {
        const dx = i - cell.cx;
        const dy = j - cell.cy;
        const d = Math.sqrt(dx * dx + dy * dy);
        const idx = j * w + i;
        if (d > ext) continue;
        const co = d > 0 ? dx / d : 1;
        const si = d > 0 ? dy / d : 0;
        const cos2 = co * co - si * si;
        const sin2 = 2 * si * co;
        const cos3 = cos2 * co - sin2 * si;
        const sin3 = sin2 * co + cos2 * si;
        const cos4 = cos2 * cos2 - sin2 * sin2;
        const sin4 = 2 * sin2 * cos2;
        const f = 1 + cos2 * c2 - sin2 * s2 + cos3 * c3 - sin3 * s3 + cos4 * c4 - sin4 * s4;
        const q = d / (cell.r * f);
        if (q < 1 && q < rho[idx]) {
          rho[idx] = q;
          owner[idx] = cell.id;
        }
      }
    }
  }
  const counts = new Int32Array(cells.length);
  for (let idx = 0; idx < w * h; idx++) if (owner[idx] >= 0) counts[owner[idx]]++;
  const pixels = cells.map((_, c) => new Int32Array(counts[c]));
  counts.fill(0);
  const edge = new Uint8Array(w * h);
  for (let j = 0; j < h; j++) {
    for (let i = 0; i < w; i++) {
      const idx = j * w + i;
      const o = owner[idx];
      if (o < 0) continue;
      pixels[o][counts[o]++] = idx;
      const cell = cells[o];
      nu[idx] = nuclearRadius(cell, i, j);
      let e = 0;
      const nb = [i > 0 ? owner[idx - 1] : o, i < w - 1 ? owner[idx + 1] : o, j > 0 ? owner[idx - w] : o, j < h - 1 ? owner[idx + w] : o];
      for (const n of nb) {
        if (n === -1) e = Math.max(e, 1);
        else if (n !== o) e = 2;
      }
      edge[idx] = e;
    }
  }
  return { w, h, cells, owner, rho, nu, edge, pixels };
}
