import { mkdirSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import sharp from 'sharp';

/**
 * Rasterise an SVG document to a PNG file with sharp (librsvg), atomically: written under a temporary name,
 * then renamed over `path`. One SVG unit is one pixel unless `scale` says otherwise. Text uses the system's fonts (DejaVu Sans or any sans-serif).
 */
export async function svgToPng(svg: string, path: string, options: { scale?: number } = {}): Promise<void> {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `.${basename(path)}.${process.pid}.tmp`);
  try {
    // librsvg renders at 72 dpi = one pixel per SVG unit; `scale` enlarges the bitmap.
    await sharp(Buffer.from(svg), { density: 72 * (options.scale ?? 1) }).png().toFile(tmp);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}
