/**
 * The augmented training batch as one picture (TensorBoard's `train/augmented_batch`): the batch's images
 * side by side in a grid, as the network receives them after augmentation. 1 channel → grey, 3 → RGB,
 * 4 (RGBY) → RGB with yellow added to red and green (the HPA viewer's convention), others → the first three.
 */
import sharp from 'sharp';

export interface BatchPicture {
  png: Buffer;
  height: number;
  width: number;
  channels: 3;
}

/** A PNG grid of `images` (float NCHW in [0, 1]), `columns` wide with a 2-pixel gap. */
export async function batchFigure(images: Float32Array, shape: readonly [number, number, number, number], columns = 8): Promise<BatchPicture> {
  const [n, c, h, w] = shape;
  const cols = Math.max(1, Math.min(columns, n));
  const rows = Math.ceil(n / cols);
  const gap = 2;
  const W = cols * w + (cols - 1) * gap;
  const H = rows * h + (rows - 1) * gap;
  const out = Buffer.alloc(W * H * 3, 255);
  const plane = h * w;
  const byte = (v: number) => Math.max(0, Math.min(255, Math.round(v * 255)));
  for (let i = 0; i < n; i++) {
    const ox = (i % cols) * (w + gap);
    const oy = Math.floor(i / cols) * (h + gap);
    const base = i * c * plane;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const p = y * w + x;
        const at = (ch: number) => images[base + ch * plane + p];
        let r: number, g: number, b: number;
        if (c === 1) r = g = b = at(0);
        else if (c === 2) [r, g, b] = [at(0), at(1), 0];
        else if (c === 4) [r, g, b] = [at(0) + at(3) / 2, at(1) + at(3) / 2, at(2)];
        else [r, g, b] = [at(0), at(1), at(2)];
        const o = ((oy + y) * W + ox + x) * 3;
        out[o] = byte(r);
        out[o + 1] = byte(g);
        out[o + 2] = byte(b);
      }
    }
  }
  const png = await sharp(out, { raw: { width: W, height: H, channels: 3 } }).png().toBuffer();
  return { png, height: H, width: W, channels: 3 };
}
