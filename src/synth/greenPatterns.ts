/**
 * One rendering per class of the green (protein) channel, modelled on what the HPA class looks like under the
 * microscope. Each adds to the green plane, so multi-label samples show every pattern at once. Sizes are in
 * pixels at 128² and scaled by `s` = size / 128.
 */
import type { Rng } from './Rng.js';
import { addBlob, addEllipseBlob, addLine, addPolyline, addRing, walk, type Clip, type Plane } from './draw.js';
import { cellPoint, nuclearPoint, type Cell, type CellLayout } from './cellLayout.js';

export interface PatternContext {
  rng: Rng;
  s: number;
  layout: CellLayout;
  green: Plane;
  /** The red channel's filaments (class 14 follows them). */
  microtubules: Plane;
  /** The yellow channel before noise (class 6 follows it). */
  er: Plane;
  /** Fine and coarse texture fields in [0, 1]. */
  chromatin: Float32Array;
  coarse: Float32Array;
}

type CellPattern = (ctx: PatternContext, cell: Cell, amp: number, clip: Clip) => void;

function smoothstep(e0: number, e1: number, x: number): number {
  const t = Math.min(1, Math.max(0, (x - e0) / (e1 - e0)));
  return t * t * (3 - 2 * t);
}

/** A random point of the cell's cytoplasm between normalised radii `rhoMin`..`rhoMax`, outside the nucleus. */
function cytoPoint(ctx: PatternContext, cell: Cell, rhoMax = 0.9, nuMin = 1.15): [number, number] {
  const { layout, rng } = ctx;
  const px = layout.pixels[cell.id];
  for (let t = 0; t < 40 && px.length; t++) {
    const idx = px[Math.floor(rng.next() * px.length)];
    if (layout.nu[idx] >= nuMin && layout.rho[idx] <= rhoMax) {
      return [(idx % layout.w) + rng.uniform(-0.5, 0.5), Math.floor(idx / layout.w) + rng.uniform(-0.5, 0.5)];
    }
  }
  return cellPoint(cell, rng.uniform(0, 2 * Math.PI), 0.75);
}

/** A random point in the nucleus (normalised elliptic radius below `k`). */
function nucPoint(ctx: PatternContext, cell: Cell, k = 0.85): [number, number] {
  return nuclearPoint(cell, ctx.rng.uniform(0, 2 * Math.PI), k * Math.sqrt(ctx.rng.next()));
}

/** A point just outside the nucleus at angle t (perinuclear). */
function periPoint(ctx: PatternContext, cell: Cell, t: number, k0: number, k1: number): [number, number] {
  return nuclearPoint(cell, t, ctx.rng.uniform(k0, k1));
}

/** Mean radius of the nucleus (pixels). */
const nucR = (cell: Cell): number => (cell.na + cell.nb) / 2;

function fillNucleus(ctx: PatternContext, cell: Cell, amp: number, excludeNucleoli: boolean): void {
  const { layout, green, chromatin } = ctx;
  for (const idx of layout.pixels[cell.id]) {
    const v = layout.nu[idx];
    if (v > 1.1) continue;
    green.data[idx] += amp * (0.7 + 0.3 * chromatin[idx]) * (1 - smoothstep(0.85, 1.05, v));
  }
  if (excludeNucleoli) for (const n of cell.nucleoli) addBlob(green, n.x, n.y, n.r * 0.8, -amp * 0.6, { owner: layout.owner, id: cell.id });
}

const CELL_PATTERNS: Record<number, CellPattern> = {
  // 0 Nucleoplasm: the whole nucleus except the nucleoli.
  0: (ctx, cell, a) => fillNucleus(ctx, cell, a * 0.6, true),
  // 1 Nuclear membrane: a thin rim on the nuclear envelope.
  1: (ctx, cell, a) => {
    const { layout, green, s } = ctx;
    const w = (0.8 * s) / nucR(cell);
    for (const idx of layout.pixels[cell.id]) {
      const d = layout.nu[idx] - 1;
      if (d > -4 * w && d < 4 * w) green.data[idx] += a * 0.9 * Math.exp(-(d * d) / (2 * w * w));
    }
  },
  // 2 Nucleoli: the nucleoli themselves, bright.
  2: (ctx, cell, a, clip) => {
    for (const n of cell.nucleoli) addBlob(ctx.green, n.x, n.y, n.r * 0.85, a * 1.1, clip);
  },
  // 3 Nucleoli fibrillar center: small dots inside each nucleolus.
  3: (ctx, cell, a, clip) => {
    for (const n of cell.nucleoli) {
      const k = ctx.rng.int(2, 4);
      for (let i = 0; i < k; i++) {
        const t = ctx.rng.uniform(0, 2 * Math.PI);
        const r = n.r * 0.6 * Math.sqrt(ctx.rng.next());
        addBlob(ctx.green, n.x + Math.cos(t) * r, n.y + Math.sin(t) * r, 0.55 * ctx.s, a * 1.1, clip);
      }
    }
  },
  // 4 Nuclear speckles: many small irregular dots over a faint nucleoplasm.
  4: (ctx, cell, a, clip) => {
    fillNucleus(ctx, cell, a * 0.1, true);
    const n = Math.round(ctx.rng.uniform(14, 24) * (nucR(cell) / (8 * ctx.s)) ** 2);
    for (let i = 0; i < n; i++) {
      const [x, y] = nucPoint(ctx, cell, 0.85);
      addEllipseBlob(ctx.green, x, y, 1.0 * ctx.s, 0.6 * ctx.s, ctx.rng.uniform(0, Math.PI), a * ctx.rng.uniform(0.5, 0.9), clip);
    }
  },
  // 5 Nuclear bodies: a few medium, well-separated dots in the nucleus.
  5: (ctx, cell, a, clip) => {
    const n = ctx.rng.int(2, 5);
    for (let i = 0; i < n; i++) {
      const [x, y] = nucPoint(ctx, cell, 0.8);
      addBlob(ctx.green, x, y, 1.15 * ctx.s, a * 1.1, clip);
    }
  },
  // 6 Endoplasmic reticulum: the reticular network of the yellow channel.
  6: (ctx, cell, a) => {
    const { layout, green, er } = ctx;
    for (const idx of layout.pixels[cell.id]) green.data[idx] += (a * 1.6 * er.data[idx]) / cell.bright;
  },
  // 7 Golgi apparatus: a compact perinuclear cap of stacked blobs on one side of the nucleus.
  7: (ctx, cell, a, clip) => {
    const t0 = ctx.rng.uniform(0, 2 * Math.PI);
    const n = ctx.rng.int(7, 12);
    for (let i = 0; i < n; i++) {
      const [x, y] = periPoint(ctx, cell, t0 + ctx.rng.uniform(-0.6, 0.6), 1.05, 1.45);
      addBlob(ctx.green, x, y, ctx.rng.uniform(0.9, 1.4) * ctx.s, a * 0.75, clip);
    }
  },
  // 8 Peroxisomes: many small, dense, uniform dots all over the cytoplasm.
  8: (ctx, cell, a, clip) => {
    const n = Math.round(ctx.rng.uniform(35, 55) * (cell.r / (19 * ctx.s)) ** 2);
    for (let i = 0; i < n; i++) {
      const [x, y] = cytoPoint(ctx, cell, 0.95);
      addBlob(ctx.green, x, y, 0.5 * ctx.s, a * 0.9, clip);
    }
  },
  // 9 Endosomes: medium dots, more of them near the nucleus.
  9: (ctx, cell, a, clip) => {
    const n = ctx.rng.int(12, 20);
    for (let i = 0; i < n; i++) {
      const [x, y] = ctx.rng.next() < 0.6 ? periPoint(ctx, cell, ctx.rng.uniform(0, 2 * Math.PI), 1.15, 1.7) : cytoPoint(ctx, cell);
      addBlob(ctx.green, x, y, 1.1 * ctx.s, a * ctx.rng.uniform(0.5, 0.8), clip);
    }
  },
  // 10 Lysosomes: larger vesicles seen as small rings, perinuclear.
  10: (ctx, cell, a, clip) => {
    const n = ctx.rng.int(6, 11);
    for (let i = 0; i < n; i++) {
      const [x, y] = ctx.rng.next() < 0.6 ? periPoint(ctx, cell, ctx.rng.uniform(0, 2 * Math.PI), 1.25, 1.8) : cytoPoint(ctx, cell);
      addRing(ctx.green, x, y, 1.9 * ctx.s, 0.5 * ctx.s, a * 0.8, clip);
    }
  },
  // 11 Intermediate filaments: long wavy filaments winding around the nucleus, crossing into a loose mesh.
  11: (ctx, cell, a, clip) => {
    const n = ctx.rng.int(8, 12);
    for (let i = 0; i < n; i++) {
      const k = ctx.rng.uniform(1.2, 2.3);
      const t0 = ctx.rng.uniform(0, 2 * Math.PI);
      const span = ctx.rng.uniform(1.5, 3.0) * (ctx.rng.next() < 0.5 ? -1 : 1);
      const waves = ctx.rng.uniform(2, 4);
      const phase = ctx.rng.uniform(0, 2 * Math.PI);
      const pts: number[] = [];
      for (let j = 0; j <= 16; j++) {
        const f = j / 16;
        const [x, y] = nuclearPoint(cell, t0 + span * f, k * (1 + 0.18 * Math.sin(phase + waves * Math.PI * f)));
        pts.push(x, y);
      }
      addPolyline(ctx.green, pts, 0.5 * ctx.s, a * 0.42, clip);
    }
  },
  // 12 Actin filaments: straight, parallel stress fibres across the cell, plus a faint cortex.
  12: (ctx, cell, a, clip) => {
    const ang = ctx.rng.uniform(0, Math.PI);
    const c = Math.cos(ang);
    const sn = Math.sin(ang);
    const spacing = 3.2 * ctx.s;
    for (let off = -cell.r * 0.9; off <= cell.r * 0.9; off += spacing * ctx.rng.uniform(0.8, 1.2)) {
      const mx = cell.cx - sn * off;
      const my = cell.cy + c * off;
      const L = cell.r * 1.1;
      addLine(ctx.green, mx - c * L, my - sn * L, mx + c * L, my + sn * L, 0.5 * ctx.s, a * ctx.rng.uniform(0.5, 0.8), clip);
    }
    const { layout, green } = ctx;
    for (const idx of layout.pixels[cell.id]) green.data[idx] += a * 0.25 * smoothstep(0.85, 1.0, layout.rho[idx]);
  },
  // 13 Focal adhesion sites: bright elongated dashes at the cell periphery, pointing outwards.
  13: (ctx, cell, a, clip) => {
    const n = ctx.rng.int(8, 14);
    for (let i = 0; i < n; i++) {
      const t = ctx.rng.uniform(0, 2 * Math.PI);
      const [x, y] = cellPoint(cell, t, ctx.rng.uniform(0.78, 0.9));
      addEllipseBlob(ctx.green, x, y, 1.8 * ctx.s, 0.55 * ctx.s, t, a * 1.1, clip);
    }
  },
  // 14 Microtubules: the same radial network as the red channel.
  14: (ctx, cell, a) => {
    const { layout, green, microtubules } = ctx;
    for (const idx of layout.pixels[cell.id]) green.data[idx] += (a * 2.8 * microtubules.data[idx]) / cell.bright;
  },
  // 15 Microtubule ends: many small dots (plus-end comets) at the cell periphery.
  15: (ctx, cell, a, clip) => {
    const n = ctx.rng.int(16, 26);
    for (let i = 0; i < n; i++) {
      const t = ctx.rng.uniform(0, 2 * Math.PI);
      const [x, y] = cellPoint(cell, t, ctx.rng.uniform(0.8, 0.96));
      addEllipseBlob(ctx.green, x, y, 0.8 * ctx.s, 0.45 * ctx.s, t, a * 0.8, clip);
    }
  },
  // 17 Mitotic spindle: drawn on mitotic cells only (see below); interphase cells show a faint cytosol.
  17: () => undefined,
  // 18 Microtubule organizing center: one bright dot next to the nucleus.
  18: (ctx, cell, a) => {
    const [x, y] = periPoint(ctx, cell, ctx.rng.uniform(0, 2 * Math.PI), 1.15, 1.3);
    addBlob(ctx.green, x, y, 1.3 * ctx.s, a * 1.3);
  },
  // 19 Centrosome: a pair of small bright dots next to the nucleus.
  19: (ctx, cell, a) => {
    const t = ctx.rng.uniform(0, 2 * Math.PI);
    const [x, y] = periPoint(ctx, cell, t, 1.15, 1.3);
    const d = 1.6 * ctx.s;
    const o = t + Math.PI / 2 + ctx.rng.uniform(-0.5, 0.5);
    addBlob(ctx.green, x + Math.cos(o) * d, y + Math.sin(o) * d, 0.7 * ctx.s, a * 1.2);
    addBlob(ctx.green, x - Math.cos(o) * d, y - Math.sin(o) * d, 0.7 * ctx.s, a * 1.2);
  },
  // 20 Lipid droplets: a few large hollow rings in the cytoplasm.
  20: (ctx, cell, a, clip) => {
    const n = ctx.rng.int(3, 6);
    for (let i = 0; i < n; i++) {
      const [x, y] = cytoPoint(ctx, cell, 0.8, 1.35);
      addRing(ctx.green, x, y, ctx.rng.uniform(2.8, 3.8) * ctx.s, 0.7 * ctx.s, a * 0.9, clip);
    }
  },
  // 21 Plasma membrane: the whole cell outline (free edges and contacts alike).
  21: (ctx, cell, a) => {
    const { layout, green } = ctx;
    for (const idx of layout.pixels[cell.id]) {
      const e = layout.edge[idx] > 0 ? 1 : smoothstep(0.9, 1.0, layout.rho[idx]);
      green.data[idx] += a * 0.9 * e;
    }
  },
  // 22 Cell junctions: only where two cells touch.
  22: (ctx, cell, a) => {
    const { layout, green } = ctx;
    for (const idx of layout.pixels[cell.id]) if (layout.edge[idx] === 2) green.data[idx] += a * 1.4;
  },
  // 23 Mitochondria: a network of short worm-like tubules, densest around the nucleus.
  23: (ctx, cell, a, clip) => {
    const n = Math.round(ctx.rng.uniform(25, 40) * (cell.r / (19 * ctx.s)) ** 2);
    for (let i = 0; i < n; i++) {
      const [x, y] = ctx.rng.next() < 0.5 ? periPoint(ctx, cell, ctx.rng.uniform(0, 2 * Math.PI), 1.1, 1.8) : cytoPoint(ctx, cell);
      const pts = walk(ctx.rng, x, y, ctx.rng.uniform(0, 2 * Math.PI), 3, 1.3 * ctx.s, 0.7);
      addPolyline(ctx.green, pts, 0.5 * ctx.s, a * 0.5, clip);
    }
  },
  // 24 Aggresome: one big bright perinuclear blob.
  24: (ctx, cell, a, clip) => {
    const [x, y] = periPoint(ctx, cell, ctx.rng.uniform(0, 2 * Math.PI), 1.3, 1.45);
    addBlob(ctx.green, x, y, 2.4 * ctx.s, a * 1.3, clip);
  },
  // 25 Cytosol: a diffuse fill of the cytoplasm, excluding the nucleus.
  25: (ctx, cell, a) => {
    const { layout, green, coarse } = ctx;
    for (const idx of layout.pixels[cell.id]) {
      const v = layout.nu[idx];
      green.data[idx] += a * 0.45 * (0.75 + 0.25 * coarse[idx]) * smoothstep(0.95, 1.15, v) * (1 - 0.4 * smoothstep(0.9, 1.0, layout.rho[idx]));
    }
  },
  // 26 Cytoplasmic bodies: one to three bright, round dots in the cytoplasm.
  26: (ctx, cell, a, clip) => {
    const n = ctx.rng.int(1, 3);
    for (let i = 0; i < n; i++) {
      const [x, y] = cytoPoint(ctx, cell, 0.85, 1.3);
      addBlob(ctx.green, x, y, 1.4 * ctx.s, a * 1.3, clip);
    }
  },
  // 27 Rods & rings: straight rods and the odd ring in the cytoplasm.
  27: (ctx, cell, a, clip) => {
    const n = ctx.rng.int(2, 3);
    for (let i = 0; i < n; i++) {
      const [x, y] = cytoPoint(ctx, cell, 0.8, 1.3);
      const t = ctx.rng.uniform(0, Math.PI);
      const L = ctx.rng.uniform(3, 4.5) * ctx.s;
      addLine(ctx.green, x - Math.cos(t) * L, y - Math.sin(t) * L, x + Math.cos(t) * L, y + Math.sin(t) * L, 0.65 * ctx.s, a * 1.1, clip);
    }
    if (ctx.rng.next() < 0.5) {
      const [x, y] = cytoPoint(ctx, cell, 0.8, 1.3);
      addRing(ctx.green, x, y, 2.2 * ctx.s, 0.55 * ctx.s, a * 1.0, clip);
    }
  },
};

/** Adds the green pattern of class `c` to `ctx.green`, in every cell (with per-cell intensity). */
export function drawGreenPattern(ctx: PatternContext, c: number): void {
  const { rng, layout } = ctx;
  const amp = rng.uniform(0.55, 1.0);
  if (c === 16) {
    drawBridges(ctx, amp);
    return;
  }
  if (c === 17) {
    for (const cell of layout.cells) if (cell.mitotic) drawSpindle(rng, ctx.green, cell, ctx.s, amp * 1.3 * cell.bright);
    return;
  }
  const pattern = CELL_PATTERNS[c];
  for (const cell of layout.cells) {
    if (cell.mitotic && c !== 21 && c !== 22 && c !== 25) continue;
    pattern(ctx, cell, amp * cell.bright * rng.uniform(0.75, 1.2), { owner: layout.owner, id: cell.id });
  }
}

/** 16 Cytokinetic bridge: a thin bright bridge with a midbody between the closest pair(s) of cells. */
function drawBridges(ctx: PatternContext, amp: number): void {
  const { layout, rng, s } = ctx;
  const cells = layout.cells;
  const pairs: [number, number, number][] = [];
  for (let i = 0; i < cells.length; i++) {
    for (let j = i + 1; j < cells.length; j++) pairs.push([i, j, Math.hypot(cells[i].cx - cells[j].cx, cells[i].cy - cells[j].cy)]);
  }
  pairs.sort((p, q) => p[2] - q[2]);
  const nBridges = Math.min(pairs.length, cells.length > 4 && rng.next() < 0.4 ? 2 : 1);
  for (let b = 0; b < nBridges; b++) {
    const [i, j] = pairs[b];
    const A = cells[i];
    const B = cells[j];
    const dx = B.nx - A.nx;
    const dy = B.ny - A.ny;
    const d = Math.hypot(dx, dy) || 1;
    const ux = dx / d;
    const uy = dy / d;
    const x0 = A.nx + ux * A.na * 0.8;
    const y0 = A.ny + uy * A.na * 0.8;
    const x1 = B.nx - ux * B.na * 0.8;
    const y1 = B.ny - uy * B.na * 0.8;
    addLine(ctx.green, x0, y0, x1, y1, 0.8 * s, amp * 1.1);
    addEllipseBlob(ctx.green, (x0 + x1) / 2, (y0 + y1) / 2, 1.8 * s, 1.1 * s, Math.atan2(uy, ux) + Math.PI / 2, amp * 1.8);
  }
}

/** Two poles either side of the metaphase plate with fibres fanning to the plate. */
export function drawSpindle(rng: Rng, p: Plane, cell: Cell, s: number, amp: number): void {
  const axis = cell.nAngle;
  const half = cell.na * 0.95;
  const poles: [number, number][] = [
    [cell.nx + Math.cos(axis) * half, cell.ny + Math.sin(axis) * half],
    [cell.nx - Math.cos(axis) * half, cell.ny - Math.sin(axis) * half],
  ];
  const px = Math.cos(axis + Math.PI / 2);
  const py = Math.sin(axis + Math.PI / 2);
  for (const [x, y] of poles) {
    addBlob(p, x, y, 1.2 * s, amp * 1.2);
    for (let k = 0; k < 9; k++) {
      const off = (k / 8 - 0.5) * 1.4 * cell.na;
      addPolyline(p, [x, y, cell.nx + px * off + rng.uniform(-0.5, 0.5) * s, cell.ny + py * off], 0.5 * s, amp * 0.45);
    }
  }
}
