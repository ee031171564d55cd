/**
 * The input side of prediction without Node or a DOM, shared by `hpaic predict` (sampleImages.ts) and the
 * browser page of `hpaic export web` (bundled into its `preprocess.js`): the file naming rule that groups files
 * into samples, and decoded 8-bit pixels → the model's float input, with the same Pillow-exact steps as the
 * loader (store size by Lanczos, channel filter, bilinear resize to the run's image size, value / 255).
 */
import { applyChannelFilter, filterChannelCount } from '../data/image/channelFilter.js';
import { pilResizeLanczos, pilRgbToL } from '../data/image/pilResize.js';
import { resizeBilinear } from '../data/image/resize.js';
import { toFloatCHW } from '../data/image/toFloat.js';

export const COLORS = ['red', 'green', 'blue', 'yellow'] as const;
export type Color = (typeof COLORS)[number];

const NAME = /^(.+?)(?:_(red|green|blue|yellow))?\.(png|jpe?g|tiff?)$/i;

/** `<Id>_<color>.<ext>` → { id, color }; `<Id>.<ext>` (a composite) → { id }; anything else → null. */
export function parseImageName(fileName: string): { id: string; color?: Color } | null {
  const m = NAME.exec(fileName);
  if (!m) return null;
  return m[2] ? { id: m[1], color: m[2].toLowerCase() as Color } : { id: m[1] };
}

/** Decoded 8-bit pixels with 1, 3 or 4 interleaved bands (4 = RGBA from a canvas; alpha is ignored). */
export interface Pixels {
  data: Uint8Array | Uint8ClampedArray;
  width: number;
  height: number;
  channels: 1 | 3 | 4;
}

/** What the run was trained with. */
export interface InputSpec {
  filters: string;
  height: number;
  width: number;
  /** The stored image side (the seed's 512). */
  storeSize: number;
}

/** The bands 0..2 of a 3- or 4-band image as interleaved RGB, and whether all three are equal (a grey image). */
function rgbOf(p: Pixels): { rgb: Uint8Array; grey: boolean } {
  const n = p.width * p.height;
  if (p.channels === 1) return { rgb: Uint8Array.from(p.data), grey: true };
  const rgb = new Uint8Array(n * 3);
  let grey = true;
  for (let i = 0, j = 0; i < n; i++, j += p.channels) {
    const r = p.data[j];
    const g = p.data[j + 1];
    const b = p.data[j + 2];
    rgb[i * 3] = r;
    rgb[i * 3 + 1] = g;
    rgb[i * 3 + 2] = b;
    if (r !== g || g !== b) grey = false;
  }
  return { rgb, grey };
}

function toSize(data: Uint8Array, w: number, h: number, bands: number, size: number): Uint8Array {
  return w === size && h === size ? data : pilResizeLanczos(data, w, h, bands, size, size);
}

/**
 * One channel file's pixels → `size²` grey bytes: a grey image keeps its values; a colour one (an HPAv18 JPEG)
 * is resized in RGB, then turned to grey with Pillow's luma, as `download-hpav18 --mode luma` does.
 */
export function channelToStore(p: Pixels, size: number): Uint8Array {
  if (p.channels === 1) return toSize(Uint8Array.from(p.data), p.width, p.height, 1, size);
  const { rgb, grey } = rgbOf(p);
  if (grey) {
    const one = new Uint8Array(p.width * p.height);
    for (let i = 0; i < one.length; i++) one[i] = rgb[i * 3];
    return toSize(one, p.width, p.height, 1, size);
  }
  return pilRgbToL(toSize(rgb, p.width, p.height, 3, size));
}

/** The channels a filter reads (0 red … 3 yellow); `rygb` reads yellow too. */
export function channelsRead(filters: string): Set<number> {
  return new Set([...filters.toLowerCase()].map((ch) => 'rgby'.indexOf(ch)).filter((c) => c >= 0));
}

/**
 * A sample's stored `size × size × 4` RGBY bytes from its channel files or its composite; channels the
 * filter does not read may be absent (stored as 0).
 * @throws Error naming the missing channel
 */
export function sampleToStore(id: string, s: { channels?: Partial<Record<Color, Pixels>>; composite?: Pixels }, spec: Pick<InputSpec, 'filters' | 'storeSize'>): Uint8Array {
  const size = spec.storeSize;
  const need = channelsRead(spec.filters);
  const out = new Uint8Array(size * size * 4);
  if (s.composite) {
    if (need.has(3)) throw new Error(`${id}: a composite image has no yellow channel, but the filter "${spec.filters}" reads yellow`);
    const { rgb } = rgbOf(s.composite);
    const img = toSize(rgb, s.composite.width, s.composite.height, 3, size);
    for (let p = 0; p < size * size; p++) for (let c = 0; c < 3; c++) out[p * 4 + c] = img[p * 3 + c];
    return out;
  }
  COLORS.forEach((color, c) => {
    const px = s.channels?.[color];
    if (!px) {
      if (need.has(c)) throw new Error(`${id}: the ${color} channel file is missing; the filter "${spec.filters}" reads it`);
      return;
    }
    const grey = channelToStore(px, size);
    for (let p = 0, o = c; p < grey.length; p++, o += 4) out[o] = grey[p];
  });
  return out;
}

/** Stored RGBY bytes → the model's input, C × H × W float32 in [0, 1] (the loader's plain transform). */
export function storeToInput(rgby: Uint8Array, spec: InputSpec): Float32Array {
  const C = filterChannelCount(spec.filters);
  const filtered = { data: applyChannelFilter(rgby, spec.storeSize, spec.storeSize, spec.filters), height: spec.storeSize, width: spec.storeSize, channels: C };
  return toFloatCHW(resizeBilinear(filtered, { height: spec.height, width: spec.width }));
}
