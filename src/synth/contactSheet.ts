/**
 * A labelled grid with one synthetic example per class: for each class an RGB composite (red = microtubules,
 * green = protein, blue = nucleus, yellow added to red and green at half strength, as HPA's viewer shows it)
 * next to the green channel alone (the channel the label is about).
 */
import sharp from 'sharp';
import { writeFileAtomic } from '../io/text/writeFileAtomic.js';
import { Rng } from './Rng.js';
import { renderSample, type SynthChannels } from './renderSample.js';
import { HPA_CLASS_NAMES, NUM_CLASSES } from './labelStats.js';

export interface ContactSheetOptions {
  /** Tile size in pixels (default 128). */
  size?: number;
  /** Seed of the examples (default 1). */
  seed?: number;
  /** Tiles per row (default 4). */
  columns?: number;
}

/** Stream id of the contact-sheet examples (apart from the train and test streams). */
const SHEET_STREAM = 3;

/** Interleaved RGB of the composite of one sample. */
export function compositeRgb(ch: SynthChannels): Uint8Array {
  const n = ch.red.length;
  const out = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) {
    const y = ch.yellow[i] * 0.5;
    out[3 * i] = Math.min(255, ch.red[i] + y);
    out[3 * i + 1] = Math.min(255, ch.green[i] + y);
    out[3 * i + 2] = ch.blue[i];
  }
  return out;
}

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Renders the contact sheet and returns it as PNG bytes. */
export async function renderContactSheet(opts: ContactSheetOptions = {}): Promise<Buffer> {
  const size = opts.size ?? 128;
  const seed = opts.seed ?? 1;
  const columns = opts.columns ?? 4;
  const labelH = 18;
  const gap = 4;
  const tileW = 2 * size + gap;
  const tileH = size + labelH;
  const rows = Math.ceil(NUM_CLASSES / columns);
  const width = columns * tileW + (columns + 1) * gap;
  const height = rows * tileH + (rows + 1) * gap;
  const canvas = new Uint8Array(width * height * 3).fill(24);
  const texts: string[] = [];
  for (let c = 0; c < NUM_CLASSES; c++) {
    const ch = renderSample(new Rng(seed, SHEET_STREAM, c), [c], size);
    const rgb = compositeRgb(ch);
    const col = c % columns;
    const row = Math.floor(c / columns);
    const x0 = gap + col * (tileW + gap);
    const y0 = gap + row * (tileH + gap) + labelH;
    for (let j = 0; j < size; j++) {
      for (let i = 0; i < size; i++) {
        const o = ((y0 + j) * width + x0 + i) * 3;
        const p = j * size + i;
        canvas[o] = rgb[3 * p];
        canvas[o + 1] = rgb[3 * p + 1];
        canvas[o + 2] = rgb[3 * p + 2];
        const g = ((y0 + j) * width + x0 + size + gap + i) * 3;
        canvas[g] = 0;
        canvas[g + 1] = ch.green[p];
        canvas[g + 2] = 0;
      }
    }
    const label = `${c} ${HPA_CLASS_NAMES[c]}`;
    // Shrink long names on small tiles so that they stay inside their tile.
    const fontSize = Math.min(12, (1.75 * tileW) / label.length).toFixed(1);
    texts.push(
      `<text x="${x0 + 2}" y="${y0 - 5}" font-family="DejaVu Sans, sans-serif" font-size="${fontSize}" fill="#eeeeee">${escapeXml(label)}</text>`,
    );
  }
  const svg = `<svg width="${width}" height="${height}" xmlns="http://www.w3.org/2000/svg">${texts.join('')}</svg>`;
  return sharp(canvas, { raw: { width, height, channels: 3 } })
    .composite([{ input: Buffer.from(svg), top: 0, left: 0 }])
    .png({ compressionLevel: 9, palette: true, colours: 256 })
    .toBuffer();
}

/** Writes the contact sheet PNG to `path` (atomically). */
export async function writeContactSheet(path: string, opts: ContactSheetOptions = {}): Promise<void> {
  writeFileAtomic(path, await renderContactSheet(opts));
}
