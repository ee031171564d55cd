/**
 * Renders one synthetic 4-channel HPA-like field of view: blue nuclei, red microtubules, yellow ER and a green
 * protein channel whose pattern is the sum of one rendering per label (see greenPatterns.ts). Pure TypeScript,
 * deterministic for a given Rng state.
 */
import { Rng } from './Rng.js';
import { addBlob, addEllipseBlob, addPolyline, blur, plane, valueNoise, type Plane } from './draw.js';
import { layoutCells, cellRadius, type Cell, type CellLayout } from './cellLayout.js';
import { drawGreenPattern, drawSpindle, type PatternContext } from './greenPatterns.js';

/** The four 8-bit channels of one sample, row-major `size × size`. */
export interface SynthChannels {
  red: Uint8Array;
  green: Uint8Array;
  blue: Uint8Array;
  yellow: Uint8Array;
}

/** Class 16 (cytokinetic bridge) and 22 (cell junctions) need cells that touch. */
const NEEDS_CONTACT = new Set([16, 22]);

function smoothstep(e0: number, e1: number, x: number): number {
  const t = Math.min(1, Math.max(0, (x - e0) / (e1 - e0)));
  return t * t * (3 - 2 * t);
}

/**
 * Renders the sample with labels `labels` (class indices) at `size × size` pixels. `zoom` > 1 magnifies the
 * field of view (bigger and fewer cells), so that small images still show each pattern; zoom 1 keeps the
 * default field (3–9 cells of radius ≈ 19/128 of the image).
 */
export function renderSample(rng: Rng, labels: readonly number[], size: number, zoom = 1): SynthChannels {
  const s = (size / 128) * zoom;
  let layout: CellLayout;
  const needContact = labels.some((c) => NEEDS_CONTACT.has(c));
  for (let attempt = 0; ; attempt++) {
    const maxCount = zoom === 1 ? 9 : Math.max(3, Math.round(9 / (zoom * zoom)));
    const count = zoom === 1 ? (needContact ? rng.int(5, 9) : rng.int(3, 9)) : rng.int(needContact ? 2 : 1, maxCount);
    layout = layoutCells(rng, size, count, 19 * s);
    if (!needContact || attempt >= 20) break;
    if (layout.edge.some((e) => e === 2)) break;
  }
  const { cells } = layout;
  if (labels.includes(17)) {
    // One or two cells are in metaphase: condensed chromosomes and a spindle instead of an interphase nucleus.
    cells[0].mitotic = true;
    if (cells.length > 3 && rng.next() < 0.3) cells[1].mitotic = true;
  }

  const chromatin = valueNoise(rng, size, size, 2.5 * s);
  const coarse = valueNoise(rng, size, size, 9 * s);
  const erNoise = valueNoise(rng, size, size, 3.2 * s);
  const erNoise2 = valueNoise(rng, size, size, 1.8 * s);

  const blue = plane(size, size);
  const red = plane(size, size);
  const microtubules = plane(size, size);
  const yellow = plane(size, size);
  const green = plane(size, size);

  for (const cell of cells) {
    renderNucleus(rng, blue, layout, cell, chromatin, s);
    renderMicrotubules(rng, red, microtubules, layout, cell, coarse, s);
    renderEr(yellow, layout, cell, erNoise, erNoise2);
  }

  const ctx: PatternContext = { rng, s, layout, green, microtubules, er: yellow, chromatin, coarse };
  for (const c of labels) drawGreenPattern(ctx, c);

  return {
    red: finish(rng, red, s, 0.9),
    green: finish(rng, green, s, 1.0),
    blue: finish(rng, blue, s, 0.95),
    yellow: finish(rng, yellow, s, 0.9),
  };
}

function renderNucleus(rng: Rng, blue: Plane, layout: CellLayout, cell: Cell, chromatin: Float32Array, s: number): void {
  const amp = cell.bright * rng.uniform(0.75, 1.0);
  if (cell.mitotic) {
    // Metaphase plate: a bright bar of condensed chromosomes across the cell centre.
    const t = cell.nAngle + Math.PI / 2;
    addEllipseBlob(blue, cell.nx, cell.ny, cell.na * 0.7, 1.6 * s, t, amp * 1.1);
    for (let k = 0; k < 6; k++) {
      const off = rng.uniform(-0.7, 0.7) * cell.na;
      addBlob(blue, cell.nx + Math.cos(t) * off, cell.ny + Math.sin(t) * off, 1.2 * s, amp * 0.4);
    }
    return;
  }
  const { nu, data } = { nu: layout.nu, data: blue.data };
  for (const idx of layout.pixels[cell.id]) {
    const v = nu[idx];
    if (v > 1.1) continue;
    data[idx] += amp * (0.5 + 0.5 * chromatin[idx]) * (1 - smoothstep(0.85, 1.05, v));
  }
  // Nucleoli hold little DNA: darker holes in the DAPI stain.
  for (const n of cell.nucleoli) addBlob(blue, n.x, n.y, n.r * 0.8, -amp * 0.35, { owner: layout.owner, id: cell.id });
}

function renderMicrotubules(rng: Rng, red: Plane, mt: Plane, layout: CellLayout, cell: Cell, coarse: Float32Array, s: number): void {
  const amp = cell.bright;
  const clip = { owner: layout.owner, id: cell.id };
  for (const idx of layout.pixels[cell.id]) {
    red.data[idx] += amp * 0.2 * (0.6 + 0.4 * coarse[idx]) * (1 - 0.5 * layout.rho[idx]);
  }
  if (cell.mitotic) {
    drawSpindle(rng, mt, cell, s, amp * 0.9);
  } else {
    // Radial filaments from the centrosome near the nucleus out to the cell edge, slightly curved.
    const n = Math.round(rng.uniform(16, 24) * (cell.r / (19 * s)));
    for (let k = 0; k < n; k++) {
      const a = (2 * Math.PI * (k + rng.uniform(-0.4, 0.4))) / n;
      const end = cellRadius(cell, a) * rng.uniform(0.85, 1.0);
      const start = cell.na * rng.uniform(0.3, 0.9);
      const steps = 4;
      const pts: number[] = [];
      let ang = a;
      for (let i = 0; i <= steps; i++) {
        const rr = start + ((end - start) * i) / steps;
        pts.push(cell.nx + Math.cos(ang) * rr, cell.ny + Math.sin(ang) * rr);
        ang += rng.uniform(-0.09, 0.09);
      }
      addPolyline(mt, pts, 0.55 * s, amp * rng.uniform(0.12, 0.25), clip);
    }
  }
  for (const idx of layout.pixels[cell.id]) red.data[idx] += mt.data[idx];
}

function renderEr(yellow: Plane, layout: CellLayout, cell: Cell, n1: Float32Array, n2: Float32Array): void {
  const amp = cell.bright * 0.85;
  for (const idx of layout.pixels[cell.id]) {
    const v = layout.nu[idx];
    // Ridges of two noise octaves form a reticular network; dense around the nucleus, thinning outwards.
    const r1 = 1 - Math.abs(2 * n1[idx] - 1);
    const r2 = 1 - Math.abs(2 * n2[idx] - 1);
    const q1 = r1 * r1;
    const q2 = r2 * r2;
    const net = q1 * q1 * 0.7 + q2 * q2 * 0.3;
    const env = cell.mitotic ? 0.5 : v < 0.95 ? 0.08 : Math.exp(-(v - 1) * 0.9) * (1 - smoothstep(0.85, 1.0, layout.rho[idx]) * 0.6);
    const envelope = cell.mitotic ? 0 : Math.exp(-((v - 1) * (v - 1)) / 0.006) * 0.5;
    yellow.data[idx] += amp * ((0.12 + 0.88 * net) * env + envelope);
  }
}

/** 65536 standard-normal values drawn once: per-pixel noise then costs one table look-up. */
const NORMALS = (() => {
  const rng = new Rng(0x6e01, 0x5e);
  const t = new Float32Array(65536);
  for (let i = 0; i < t.length; i++) t[i] = rng.normal();
  return t;
})();

/** Optics blur, background, shot + read noise, exposure, quantisation to 8 bits. */
function finish(rng: Rng, p: Plane, s: number, exposure: number): Uint8Array {
  blur(p, 0.6 * s);
  const out = new Uint8Array(p.w * p.h);
  const gain = rng.uniform(0.8, 1.1) * exposure * 235;
  const bg = rng.uniform(0.004, 0.02);
  const shot = 0.012;
  const read2 = 0.004 * 0.004;
  const d = p.data;
  for (let i = 0; i < d.length; i += 2) {
    const u = rng.nextUint32();
    for (let k = 0; k < 2 && i + k < d.length; k++) {
      const g = NORMALS[k === 0 ? u & 0xffff : u >>> 16];
      const v = Math.max(0, d[i + k]) + bg;
      const q = Math.round((v + Math.sqrt(v * shot + read2) * g) * gain);
      out[i + k] = q < 0 ? 0 : q > 255 ? 255 : q;
    }
  }
  return out;
}
