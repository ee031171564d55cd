/** Rotation as Pillow's `Image.rotate(angle, NEAREST, expand=False)`, bit for bit. */
import { UsageError } from '../../errors.js';
import { type FixedRotation, IDENTITY_CHANNELS, composeDihedral, gather } from './dihedral.js';
import { type HwcImage, blank, checkImage } from './hwcImage.js';

// Rotation: Pillow's Image.rotate(angle, NEAREST, expand=False) → Image.transform(AFFINE) → Geometry.c's
// affine loop. The matrix maps output pixel centres to input coordinates (inverse mapping: output (x, y) reads
// input (a0·(x+½) + a1·(y+½) + a2, a3·(x+½) + a4·(y+½) + a5), with a = rotation by −angle about the centre);
// the loop accumulates the coordinates incrementally and floors them (outside → left at 0).

// Python's round(x, 15): decimal rounding of the exact binary value, parsed back.
function round15(x: number): number {
  return Number(x.toFixed(15));
}

/** How Pillow rotates a W×H image by `degrees`. */
type RotationPlan =
  | { kind: 'ops'; ops: readonly ('hflip' | 'vflip' | 'transpose')[] } // 0, 180, and 90/270 on squares: exact transposes
  | { kind: 'fixed'; rot: FixedRotation }
  | { kind: 'float'; a: number[] };

export function planRotation(W: number, H: number, degrees: number): RotationPlan {
  if (!Number.isFinite(degrees)) throw new UsageError(`rotate: expected a finite angle in degrees, received ${degrees}`);
  const angle = ((degrees % 360) + 360) % 360; // Python's modulo: result in [0, 360)
  if (angle === 0) return { kind: 'ops', ops: [] };
  if (angle === 180) return { kind: 'ops', ops: ['hflip', 'vflip'] };
  if (angle === 90 && W === H) return { kind: 'ops', ops: ['hflip', 'transpose'] };
  if (angle === 270 && W === H) return { kind: 'ops', ops: ['vflip', 'transpose'] };
  const rad = -(angle * (Math.PI / 180));
  const a0 = round15(Math.cos(rad));
  const a1 = round15(Math.sin(rad));
  const a3 = round15(-Math.sin(rad));
  const a4 = a0;
  const cx = W / 2.0;
  const cy = H / 2.0;
  const a2 = a0 * -cx + a1 * -cy + 0.0 + cx;
  const a5 = a3 * -cx + a4 * -cy + 0.0 + cy;
  // Geometry.c uses 16.16 fixed point whenever the mapped corners stay within ±32768 (always, for images up
  // to ~20k pixels wide); otherwise doubles. Both are reproduced: the rounding decides border pixels.
  const fits = (x: number, y: number) => Math.abs(x * a0 + y * a1 + a2) < 32768 && Math.abs(x * a3 + y * a4 + a5) < 32768;
  if (fits(0, 0) && fits(W, H)) {
    const fix = (v: number) => Math.floor(v * 65536.0 + 0.5);
    const rot = { f0: fix(a0), f1: fix(a1), f3: fix(a3), f4: fix(a4), fx: fix(a2 + a1 * 0.5 + a0 * 0.5), fy: fix(a5 + a4 * 0.5 + a3 * 0.5) };
    return { kind: 'fixed', rot };
  }
  return { kind: 'float', a: [a0, a1, a2, a3, a4, a5] };
}

function rotateFloat(img: HwcImage, a: number[]): HwcImage {
  const { height: H, width: W, channels: C, data } = img;
  const [a0, a1, a2, a3, a4, a5] = a;
  const out = blank(H, W, C);
  const o = out.data;
  let xo = a2 + a1 * 0.5 + a0 * 0.5;
  let yo = a5 + a4 * 0.5 + a3 * 0.5;
  for (let y = 0; y < H; y++) {
    let xx = xo;
    let yy = yo;
    let q = y * W * C;
    for (let x = 0; x < W; x++, q += C) {
      // COORD(v): v < 0 → -1, else (int)v
      if (xx >= 0 && yy >= 0) {
        const xi = Math.trunc(xx);
        const yi = Math.trunc(yy);
        if (xi < W && yi < H) {
          const p = (yi * W + xi) * C;
          for (let c = 0; c < C; c++) o[q + c] = data[p + c];
        }
      }
      xx += a0;
      yy += a3;
    }
    xo += a1;
    yo += a4;
  }
  return out;
}

/**
 * Rotate by `degrees` counter-clockwise about the image centre, nearest neighbour, same canvas, uncovered
 * pixels 0 — Pillow's `Image.rotate(degrees, resample=NEAREST)` (torchvision `rotate` on a PIL image).
 */
export function rotate(img: HwcImage, degrees: number): HwcImage {
  checkImage(img);
  const plan = planRotation(img.width, img.height, degrees);
  if (plan.kind === 'float') return rotateFloat(img, plan.a);
  if (plan.kind === 'fixed') return gather(img, IDENTITY_CHANNELS[img.channels - 1], { h: false, v: false, t: false }, plan.rot);
  if (plan.ops.length === 0) return img;
  const d = { h: false, v: false, t: false };
  for (const k of plan.ops) composeDihedral(d, k);
  return gather(img, IDENTITY_CHANNELS[img.channels - 1], d, null);
}
