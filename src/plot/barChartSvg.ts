/** One series of a grouped bar chart: a value per category. */
export interface BarSeries {
  name: string;
  values: readonly number[];
}

export interface BarChartOptions {
  title: string;
  /** Category labels along the x axis (drawn rotated). */
  categories: readonly string[];
  series: readonly BarSeries[];
  yLabel?: string;
  width?: number;
  height?: number;
}

const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac', '#1f77b4', '#d62728'];

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A "nice" axis step (1, 2 or 5 × 10^k) giving about `ticks` intervals up to `max`. */
function niceStep(max: number, ticks: number): number {
  const raw = max / ticks;
  const p = 10 ** Math.floor(Math.log10(raw));
  const m = raw / p;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
}

function fmt(v: number): string {
  return Math.abs(v) >= 1e7 ? v.toExponential(1) : String(Number(v.toPrecision(4)));
}

/**
 * A grouped bar chart as a self-contained SVG string (no fonts or scripts needed), e.g. to rasterise with
 * `sharp(Buffer.from(svg)).png()`. Negative values are drawn below the zero line.
 */
export function barChartSvg(opts: BarChartOptions): string {
  const width = opts.width ?? 1200;
  const height = opts.height ?? 600;
  const left = 70;
  const right = 80;
  const top = 40;
  // Legend entries need ~290 px each; wrap into as many columns as fit.
  const legendCols = Math.max(1, Math.floor((width - left - right) / 290));
  const legendRows = Math.ceil(opts.series.length / legendCols);
  const bottom = 150 + legendRows * 18;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const all = opts.series.flatMap((s) => s.values.filter((v) => Number.isFinite(v)));
  const maxV = Math.max(0, ...all);
  const minV = Math.min(0, ...all);
  const step = niceStep(Math.max(maxV - minV, 1e-12), 5);
  const yMax = Math.ceil(maxV / step) * step || step;
  const yMin = Math.floor(minV / step) * step;
  const y = (v: number) => top + plotH - ((v - yMin) / (yMax - yMin)) * plotH;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">`);
  out.push(`<rect width="${width}" height="${height}" fill="white"/>`);
  out.push(`<text x="${width / 2}" y="24" font-size="16" text-anchor="middle">${esc(opts.title)}</text>`);
  for (let v = yMin; v <= yMax + step / 2; v += step) {
    const yy = y(v).toFixed(1);
    out.push(`<line x1="${left}" x2="${width - right}" y1="${yy}" y2="${yy}" stroke="#ddd"/>`);
    out.push(`<text x="${left - 6}" y="${yy}" font-size="11" text-anchor="end" dominant-baseline="middle">${fmt(v)}</text>`);
  }
  if (opts.yLabel) {
    out.push(`<text transform="translate(16 ${top + plotH / 2}) rotate(-90)" font-size="12" text-anchor="middle">${esc(opts.yLabel)}</text>`);
  }
  const nCat = Math.max(opts.categories.length, 1);
  const groupW = plotW / nCat;
  const barW = (groupW * 0.8) / Math.max(opts.series.length, 1);
  opts.series.forEach((s, si) => {
    const color = PALETTE[si % PALETTE.length];
    s.values.forEach((v, ci) => {
      if (!Number.isFinite(v)) return;
      const x = left + ci * groupW + groupW * 0.1 + si * barW;
      const y0 = y(Math.max(v, 0));
      const h = Math.abs(y(v) - y(0));
      out.push(`<rect x="${x.toFixed(2)}" y="${y0.toFixed(2)}" width="${Math.max(barW - 0.5, 0.5).toFixed(2)}" height="${h.toFixed(2)}" fill="${color}"><title>${esc(`${s.name} · ${opts.categories[ci] ?? ci}: ${v}`)}</title></rect>`);
    });
  });
  out.push(`<line x1="${left}" x2="${width - right}" y1="${y(0).toFixed(1)}" y2="${y(0).toFixed(1)}" stroke="#333"/>`);
  opts.categories.forEach((c, ci) => {
    const x = left + ci * groupW + groupW / 2;
    out.push(`<text transform="translate(${x.toFixed(1)} ${top + plotH + 8}) rotate(45)" font-size="11">${esc(c)}</text>`);
  });
  opts.series.forEach((s, si) => {
    const lx = left + (si % legendCols) * (plotW / legendCols);
    const ly = height - legendRows * 18 + Math.floor(si / legendCols) * 18 - 4;
    out.push(`<rect x="${lx}" y="${ly - 10}" width="12" height="12" fill="${PALETTE[si % PALETTE.length]}"/>`);
    out.push(`<text x="${lx + 18}" y="${ly}" font-size="12">${esc(s.name)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n');
}
