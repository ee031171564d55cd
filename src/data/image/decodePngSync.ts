import { inflateSync } from 'node:zlib';
import { DataError } from '../../errors.js';
import type { GreyImage } from './decodeImage.js';

const SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10];
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 4: 2, 6: 4 };
/** The most pixels one channel file may declare (sharp's default limit, 16383²): larger is a decompression bomb. */
export const MAX_PNG_PIXELS = 16383 * 16383;

/**
 * Width and height from a PNG's IHDR, without decoding.
 * @throws DataError naming `file` when the bytes do not start with a PNG signature and IHDR
 */
export function pngSize(bytes: Uint8Array, file: string): { width: number; height: number } {
  for (let i = 0; i < 8; i++) if (bytes[i] !== SIGNATURE[i]) throw new DataError(`${file}: not a PNG file (bad signature)`);
  if (bytes.length < 24 || String.fromCharCode(...bytes.subarray(12, 16)) !== 'IHDR') throw new DataError(`${file}: PNG without an IHDR chunk at byte 8`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

/**
 * Decode an 8-bit, non-interlaced PNG synchronously and keep its first channel (grey for the Kaggle files).
 * The synchronous {@link ImageStore.read} of the PNG-folder store needs it; bulk conversion uses sharp.
 * @throws DataError naming `file` for a bad signature, truncated chunks, a bit depth other than 8, palette or
 * interlaced images, or data that does not inflate to the expected size.
 */
export function decodePngSync(bytes: Uint8Array, file: string): GreyImage {
  for (let i = 0; i < 8; i++) if (bytes[i] !== SIGNATURE[i]) throw new DataError(`${file}: not a PNG file (bad signature)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = 8;
  let width = 0;
  let height = 0;
  let channels = 0;
  const idat: Uint8Array[] = [];
  let ended = false;
  while (pos + 8 <= bytes.length) {
    const len = view.getUint32(pos);
    const type = String.fromCharCode(bytes[pos + 4], bytes[pos + 5], bytes[pos + 6], bytes[pos + 7]);
    const start = pos + 8;
    if (start + len + 4 > bytes.length) throw new DataError(`${file}: PNG chunk ${type} is truncated`);
    if (type === 'IHDR') {
      width = view.getUint32(start);
      height = view.getUint32(start + 4);
      const depth = bytes[start + 8];
      const colorType = bytes[start + 9];
      const interlace = bytes[start + 12];
      if (depth !== 8) throw new DataError(`${file}: expected an 8-bit image but found ${depth}-bit`);
      channels = CHANNELS[colorType] ?? 0;
      if (!channels) throw new DataError(`${file}: PNG colour type ${colorType} (palette) is not supported; expected grey`);
      if (interlace !== 0) throw new DataError(`${file}: interlaced PNGs are not supported`);
    } else if (type === 'IDAT') {
      idat.push(bytes.subarray(start, start + len));
    } else if (type === 'IEND') {
      ended = true;
      break;
    }
    pos = start + len + 4;
  }
  if (!width || !height) throw new DataError(`${file}: PNG without an IHDR chunk`);
  if (!ended) throw new DataError(`${file}: PNG is truncated (no IEND chunk)`);
  if (width * height > MAX_PNG_PIXELS) throw new DataError(`${file}: the PNG declares ${width}×${height} pixels, more than the ${MAX_PNG_PIXELS} hpaic decodes (corrupt file or decompression bomb)`);
  const stride = width * channels;
  let raw: Buffer;
  try {
    // Inflation stops at the size the header implies, so a bomb cannot grow past it.
    raw = inflateSync(Buffer.concat(idat), { maxOutputLength: height * (stride + 1) });
  } catch (err) {
    const big = (err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE';
    throw new DataError(big ? `${file}: PNG image data inflates to more than the ${height * (stride + 1)} bytes its ${width}×${height} header implies` : `${file}: PNG image data is corrupt (${(err as Error).message})`, { cause: err });
  }
  if (raw.length !== height * (stride + 1)) {
    throw new DataError(`${file}: PNG image data inflates to ${raw.length} bytes, expected ${height * (stride + 1)}`);
  }
  const img = new Uint8Array(height * stride);
  const bpp = channels;
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const src = y * (stride + 1) + 1;
    const dst = y * stride;
    const prev = dst - stride;
    for (let x = 0; x < stride; x++) {
      const v = raw[src + x];
      const a = x >= bpp ? img[dst + x - bpp] : 0;
      const b = y > 0 ? img[prev + x] : 0;
      const c = x >= bpp && y > 0 ? img[prev + x - bpp] : 0;
      let p: number;
      switch (filter) {
        case 0: p = 0; break;
        case 1: p = a; break;
        case 2: p = b; break;
        case 3: p = (a + b) >> 1; break;
        case 4: {
          const pa = Math.abs(b - c);
          const pb = Math.abs(a - c);
          const pc = Math.abs(a + b - 2 * c);
          p = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
          break;
        }
        default:
          throw new DataError(`${file}: PNG row ${y} has an unknown filter type ${filter}`);
      }
      img[dst + x] = (v + p) & 0xff;
    }
  }
  if (channels === 1) return { data: img, width, height };
  const grey = new Uint8Array(width * height);
  for (let i = 0, j = 0; i < grey.length; i++, j += channels) grey[i] = img[j];
  return { data: grey, width, height };
}
