/**
 * Multi-series line charts as self-contained SVG (axes, ticks, optional log axes, legend, title), for training
 * curves and the LR finder. Stack several charts into one image with `stackedLineChartsSvg`; rasterise with
 * `svgToPng` (src/plot/svgToPng.ts). Non-finite points leave a gap in their line.
 */

export interface LineSeries {
  name: string;
  x: readonly number[];
  y: readonly number[];
  /** CSS colour; default from the palette by series index. */
  color?: string;
  dashed?: boolean;
  /** Draw a dot at every point (default: when the series has at most 60 points). */
  markers?: boolean;
}

export interface LineChartOptions {
  title?: string;
  series: readonly LineSeries[];
  xLabel?: string;
  yLabel?: string;
  logX?: boolean;
  logY?: boolean;
  /** Fixed axis limits; default from the data. */
  xMin?: number;
  xMax?: number;
  yMin?: number;
  yMax?: number;
  /** Vertical marker lines, e.g. the best epoch. */
  vLines?: readonly { x: number; label?: string; color?: string }[];
  /** Integer ticks only on the x axis (epochs). */
  integerX?: boolean;
  width?: number;
  height?: number;
}

export const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

/** One chart as a complete SVG document. */
export function lineChartSvg(opts: LineChartOptions): string {
  const width = opts.width ?? 800;
  const height = opts.height ?? 480;
  return svgDocument(width, height, lineChartPanel(opts, { x: 0, y: 0, width, height }));
}

/** Several charts stacked vertically in one SVG document, under an optional overall title. */
export function stackedLineChartsSvg(charts: readonly LineChartOptions[], options: { title?: string; width?: number; panelHeight?: number } = {}): string {
  const width = options.width ?? 800;
  const panelHeight = options.panelHeight ?? 300;
  const top = options.title ? 36 : 0;
  const parts: string[] = [];
  if (options.title) parts.push(text(width / 2, 24, options.title, { size: 17, anchor: 'middle', weight: 'bold' }));
  charts.forEach((c, i) => parts.push(lineChartPanel(c, { x: 0, y: top + i * panelHeight, width, height: panelHeight })));
  return svgDocument(width, top + charts.length * panelHeight, parts.join('\n'));
}

function svgDocument(width: number, height: number, body: string): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="DejaVu Sans, Arial, sans-serif">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    body,
    '</svg>',
  ].join('\n');
}

interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** One chart drawn into `box` of a larger SVG, as a `<g>` fragment. */
export function lineChartPanel(opts: LineChartOptions, box: Box): string {
  const margin = { left: 78, right: 24, top: opts.title ? 34 : 14, bottom: opts.xLabel ? 52 : 34 };
  const plot = { x: box.x + margin.left, y: box.y + margin.top, w: box.width - margin.left - margin.right, h: box.height - margin.top - margin.bottom };
  const xs = opts.series.flatMap((s) => s.x.filter((v, i) => usable(v, opts.logX) && usable(s.y[i]!, opts.logY)));
  const ys = opts.series.flatMap((s) => s.y.filter((v, i) => usable(v, opts.logY) && usable(s.x[i]!, opts.logX)));
  const xAxis = axis(xs, opts.logX ?? false, opts.xMin, opts.xMax, opts.integerX ?? false);
  const yAxis = axis(ys, opts.logY ?? false, opts.yMin, opts.yMax, false);
  const sx = (v: number) => plot.x + xAxis.frac(v) * plot.w;
  const sy = (v: number) => plot.y + plot.h - yAxis.frac(v) * plot.h;
  const out: string[] = ['<g>'];
  if (opts.title) out.push(text(box.x + box.width / 2, box.y + 22, opts.title, { size: 15, anchor: 'middle', weight: 'bold' }));
  // Grid and tick labels.
  for (const t of yAxis.ticks) {
    const y = r(sy(t));
    out.push(`<line x1="${plot.x}" y1="${y}" x2="${r(plot.x + plot.w)}" y2="${y}" stroke="#e5e5e5"/>`);
    out.push(text(plot.x - 6, y + 4, yAxis.label(t), { size: 11, anchor: 'end' }));
  }
  for (const t of xAxis.ticks) {
    const x = r(sx(t));
    out.push(`<line x1="${x}" y1="${plot.y}" x2="${x}" y2="${r(plot.y + plot.h)}" stroke="#e5e5e5"/>`);
    out.push(text(x, plot.y + plot.h + 16, xAxis.label(t), { size: 11, anchor: 'middle' }));
  }
  out.push(`<rect x="${plot.x}" y="${plot.y}" width="${r(plot.w)}" height="${r(plot.h)}" fill="none" stroke="#333"/>`);
  if (opts.xLabel) out.push(text(plot.x + plot.w / 2, plot.y + plot.h + 38, opts.xLabel, { size: 12, anchor: 'middle' }));
  if (opts.yLabel) {
    const cx = box.x + 16;
    const cy = plot.y + plot.h / 2;
    out.push(`<text x="${r(cx)}" y="${r(cy)}" font-size="12" text-anchor="middle" transform="rotate(-90 ${r(cx)} ${r(cy)})">${esc(opts.yLabel)}</text>`);
  }
  for (const v of opts.vLines ?? []) {
    if (!usable(v.x, opts.logX)) continue;
    const x = r(sx(v.x));
    const color = v.color ?? '#555';
    out.push(`<line x1="${x}" y1="${plot.y}" x2="${x}" y2="${r(plot.y + plot.h)}" stroke="${color}" stroke-dasharray="2 3"/>`);
    if (v.label) out.push(text(x + 4, plot.y + 12, v.label, { size: 10, fill: color }));
  }
  // Lines; points outside fixed axis limits are pinned to the plot's edge.
  const points: [number, number][] = [];
  opts.series.forEach((s, i) => {
    const color = s.color ?? PALETTE[i % PALETTE.length]!;
    const segments: string[][] = [[]];
    const dots: string[] = [];
    const n = Math.min(s.x.length, s.y.length);
    for (let k = 0; k < n; k++) {
      const xv = s.x[k]!;
      const yv = s.y[k]!;
      if (!usable(xv, opts.logX) || !usable(yv, opts.logY)) {
        if (segments[segments.length - 1]!.length) segments.push([]);
        continue;
      }
      const px = r(clamp(sx(xv), plot.x, plot.x + plot.w));
      const py = r(clamp(sy(yv), plot.y, plot.y + plot.h));
      segments[segments.length - 1]!.push(`${px},${py}`);
      points.push([px, py]);
      dots.push(`<circle cx="${px}" cy="${py}" r="2.5" fill="${color}"/>`);
    }
    const dash = s.dashed ? ' stroke-dasharray="6 4"' : '';
    for (const seg of segments) if (seg.length > 1) out.push(`<polyline points="${seg.join(' ')}" fill="none" stroke="${color}" stroke-width="2"${dash}/>`);
    if (s.markers ?? n <= 60) out.push(...dots);
  });
  // Legend, top-right inside the plot.
  if (opts.series.length > 0) {
    const lw = Math.max(...opts.series.map((s) => s.name.length)) * 7 + 40;
    const lh = opts.series.length * 18 + 8;
    // The corner that hides the fewest points (top-right first).
    const corners = [
      [plot.x + plot.w - lw - 8, plot.y + 8],
      [plot.x + plot.w - lw - 8, plot.y + plot.h - lh - 8],
      [plot.x + 8, plot.y + 8],
      [plot.x + 8, plot.y + plot.h - lh - 8],
    ] as const;
    const hidden = corners.map(([cx, cy]) => points.filter(([px, py]) => px >= cx - 4 && px <= cx + lw + 4 && py >= cy - 4 && py <= cy + lh + 4).length);
    const [lx, ly] = corners[hidden.indexOf(Math.min(...hidden))]!;
    out.push(`<rect x="${r(lx)}" y="${r(ly)}" width="${lw}" height="${lh}" fill="white" fill-opacity="0.85" stroke="#bbb"/>`);
    opts.series.forEach((s, i) => {
      const color = s.color ?? PALETTE[i % PALETTE.length]!;
      const y = ly + 14 + i * 18;
      out.push(`<line x1="${r(lx + 8)}" y1="${r(y - 4)}" x2="${r(lx + 30)}" y2="${r(y - 4)}" stroke="${color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`);
      out.push(text(lx + 36, y, s.name, { size: 11 }));
    });
  }
  out.push('</g>');
  return out.join('\n');
}

function usable(v: number, log: boolean | undefined): boolean {
  return Number.isFinite(v) && (!log || v > 0);
}

interface Axis {
  frac(v: number): number;
  ticks: number[];
  label(v: number): string;
}

/** An axis over `values`: nice 1-2-5 ticks, or decades (with 2 and 5 when the range is short) on a log axis. */
export function axis(values: readonly number[], log: boolean, fixedMin?: number, fixedMax?: number, integer = false): Axis {
  let lo = fixedMin ?? values.reduce((m, v) => Math.min(m, v), Infinity);
  let hi = fixedMax ?? values.reduce((m, v) => Math.max(m, v), -Infinity);
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) [lo, hi] = log ? [1, 10] : [0, 1];
  if (log) {
    let a = Math.log10(lo);
    let b = Math.log10(hi);
    if (b - a < 1e-9) [a, b] = [a - 0.5, b + 0.5];
    const ticks: number[] = [];
    const mults = b - a < 2.5 ? [1, 2, 5] : [1];
    for (let e = Math.floor(a); e <= Math.ceil(b); e++) for (const m of mults) {
      const t = Number(`${m}e${e}`); // exact decimal, unlike m * 10 ** e
      const lt = Math.log10(t);
      if (lt >= a - 1e-9 && lt <= b + 1e-9) ticks.push(t);
    }
    return { frac: (v) => (Math.log10(v) - a) / (b - a), ticks, label: formatTick };
  }
  if (hi - lo < 1e-12 * Math.max(1, Math.abs(hi))) {
    const pad = Math.abs(hi) > 0 ? Math.abs(hi) * 0.1 : 1;
    [lo, hi] = [lo - pad, hi + pad];
  } else if (fixedMin === undefined && fixedMax === undefined) {
    const pad = (hi - lo) * 0.05;
    [lo, hi] = [lo - pad, hi + pad];
  }
  let step = niceStep((hi - lo) / 5);
  if (integer) step = Math.max(1, Math.round(step));
  const ticks: number[] = [];
  for (let t = Math.ceil(lo / step - 1e-9) * step; t <= hi + step * 1e-9; t += step) ticks.push(Number(t.toPrecision(12)));
  return { frac: (v) => (v - lo) / (hi - lo), ticks, label: formatTick };
}

/** A 1, 2 or 5 × 10^k step at least `raw`. */
function niceStep(raw: number): number {
  const p = 10 ** Math.floor(Math.log10(raw));
  const m = raw / p;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
}

/** Short tick text: 0.25, 1200, 1e-5, 2e-3. */
export function formatTick(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a < 1e-3 || a >= 1e6) {
    const [m, e] = Number(v.toPrecision(3)).toExponential().split('e') as [string, string];
    return `${m}e${Number(e)}`;
  }
  return String(Number(v.toPrecision(6)));
}

function text(x: number, y: number, s: string, o: { size: number; anchor?: 'start' | 'middle' | 'end'; weight?: string; fill?: string }): string {
  const anchor = o.anchor && o.anchor !== 'start' ? ` text-anchor="${o.anchor}"` : '';
  const weight = o.weight ? ` font-weight="${o.weight}"` : '';
  const fill = o.fill ? ` fill="${o.fill}"` : '';
  return `<text x="${r(x)}" y="${r(y)}" font-size="${o.size}"${anchor}${weight}${fill}>${esc(s)}</text>`;
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const r = (v: number) => Math.round(v * 10) / 10;
const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));
