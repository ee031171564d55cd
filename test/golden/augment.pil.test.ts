// Each augmentation op against Pillow / torchvision (the seed's image library) on the same image and parameters.
// Flips and transposes must be exact (checked against numpy); resize, rotation and the colour ops reproduce
// Pillow's integer arithmetic, so they are held to exact equality too, with a ±1 grey-level escape hatch that
// reports the observed max/mean abs diff if a platform ever differs (none observed: see docs/augmentation-loader.md).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pythonSkip, runPython, tempDir } from '../helpers/env.js';
import { type AugOp, applyOps } from '../../src/data/image/augOps.js';
import { type HwcImage } from '../../src/data/image/hwcImage.js';
import { resizeBilinear } from '../../src/data/image/resize.js';
import { seededRandom } from '../../src/data/tables/seededRandom.js';

const skip = pythonSkip('torchvision', 'PIL', 'numpy');

/** A cell-like image: smooth blobs, gradients and noise, so every op has edges, flat parts and saturation. */
function syntheticImage(height: number, width: number, channels: number, seed: number): HwcImage {
  const rng = seededRandom(seed);
  const data = new Uint8Array(height * width * channels);
  const blobs = Array.from({ length: 6 }, () => [rng() * width, rng() * height, 4 + rng() * width * 0.2, rng()]);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < channels; c++) {
        let v = (x * 3 + y * (c + 1)) % 90;
        for (const [bx, by, r, w] of blobs) {
          const d2 = ((x - bx) ** 2 + (y - by) ** 2) / (r * r);
          v += 300 * w * Math.exp(-d2) * (c === 3 ? 0.5 : 1);
        }
        v += rng() * 40 - 20;
        data[(y * width + x) * channels + c] = Math.max(0, Math.min(255, Math.round(v)));
      }
    }
  }
  return { data, height, width, channels };
}

interface Case {
  name: string;
  img: HwcImage;
  /** Python expression on `im` (a PIL image) returning a PIL image. */
  py: string;
  /** Our result. */
  ours: () => HwcImage;
  /** Allowed max abs diff (0 = exact). */
  tol: number;
}

const rgb = syntheticImage(96, 80, 3, 1);
const sq = syntheticImage(64, 64, 3, 2);
const grey = syntheticImage(50, 70, 1, 3);
const rgba = syntheticImage(60, 52, 4, 4);
const big = syntheticImage(512, 512, 3, 5);
const ops = (img: HwcImage, o: AugOp[]) => () => applyOps(img, o);

const cases: Case[] = [
  // flips / transpose: exact, against numpy on the raw array
  { name: 'hflip', img: rgb, py: 'Image.fromarray(np.ascontiguousarray(a[:, ::-1]))', ours: ops(rgb, [{ kind: 'hflip' }]), tol: 0 },
  { name: 'vflip', img: rgb, py: 'Image.fromarray(np.ascontiguousarray(a[::-1]))', ours: ops(rgb, [{ kind: 'vflip' }]), tol: 0 },
  { name: 'transpose', img: rgb, py: 'Image.fromarray(np.ascontiguousarray(a.swapaxes(0, 1)))', ours: ops(rgb, [{ kind: 'transpose' }]), tol: 0 },
  { name: 'hflip (torchvision)', img: rgba, py: 'F.hflip(im)', ours: ops(rgba, [{ kind: 'hflip' }]), tol: 0 },
  { name: 'vflip (torchvision)', img: grey, py: 'F.vflip(im)', ours: ops(grey, [{ kind: 'vflip' }]), tol: 0 },
  { name: 'transpose (PIL)', img: rgba, py: 'im.transpose(Image.TRANSPOSE)', ours: ops(rgba, [{ kind: 'transpose' }]), tol: 0 },
  {
    name: 'fused H+V+T+H+T',
    img: rgb,
    py: 'Image.fromarray(np.ascontiguousarray(a[:, ::-1][::-1].swapaxes(0, 1)[:, ::-1].swapaxes(0, 1)))',
    ours: ops(rgb, [{ kind: 'hflip' }, { kind: 'vflip' }, { kind: 'transpose' }, { kind: 'hflip' }, { kind: 'transpose' }]),
    tol: 0,
  },
  // resize: Pillow's antialiased bilinear
  { name: 'resize 512²→224² RGB', img: big, py: 'F.resize(im, [224, 224], InterpolationMode.BILINEAR)', ours: () => resizeBilinear(big, { height: 224, width: 224 }), tol: 0 },
  { name: 'resize 96×80→37×131 RGB (down+up)', img: rgb, py: 'F.resize(im, [37, 131], InterpolationMode.BILINEAR)', ours: () => resizeBilinear(rgb, { height: 37, width: 131 }), tol: 0 },
  { name: 'resize grey 50×70→50×33', img: grey, py: 'F.resize(im, [50, 33], InterpolationMode.BILINEAR)', ours: () => resizeBilinear(grey, { height: 50, width: 33 }), tol: 0 },
  { name: 'resize RGBA 60×52→29×20 (premultiplied)', img: rgba, py: 'F.resize(im, [29, 20], InterpolationMode.BILINEAR)', ours: () => resizeBilinear(rgba, { height: 29, width: 20 }), tol: 0 },
  // rotation: Pillow NEAREST, fill 0
  ...[17.3, -19.99, 3.1415, -7.5, 12, 90, 180, 270, -90, 45, 0.01].map((deg) => ({
    name: `rotate ${deg}° RGB 96×80`,
    img: rgb,
    py: `F.rotate(im, ${deg}, InterpolationMode.NEAREST)`,
    ours: ops(rgb, [{ kind: 'rotate', degrees: deg }]),
    tol: 0,
  })),
  ...[13.77, 90, -20].map((deg) => ({
    name: `rotate ${deg}° RGB 64² (square)`,
    img: sq,
    py: `F.rotate(im, ${deg}, InterpolationMode.NEAREST)`,
    ours: ops(sq, [{ kind: 'rotate', degrees: deg }]),
    tol: 0,
  })),
  { name: 'rotate -11.2° RGB 512²', img: big, py: 'F.rotate(im, -11.2, InterpolationMode.NEAREST)', ours: ops(big, [{ kind: 'rotate', degrees: -11.2 }]), tol: 0 },
  { name: 'rotate 19.4° RGBA', img: rgba, py: 'F.rotate(im, 19.4, InterpolationMode.NEAREST)', ours: ops(rgba, [{ kind: 'rotate', degrees: 19.4 }]), tol: 0 },
  // colour (ImageEnhance through torchvision)
  ...[0.75, 0.9, 1.1, 1.2499, 1.6].flatMap((f) =>
    (['brightness', 'contrast', 'saturation'] as const).flatMap((kind) =>
      [rgb, grey, rgba].map((img) => ({
        name: `${kind} ${f} C=${img.channels}`,
        img,
        py: `F.adjust_${kind}(im, ${f})`,
        ours: ops(img, [{ kind, factor: f }]),
        tol: 0,
      })),
    ),
  ),
  ...[-0.5, -0.3, -0.1, -0.02, 0, 0.04, 0.1, 0.25, 0.5].flatMap((f) =>
    [rgb, big, rgba].map((img) => ({
      name: `hue ${f} C=${img.channels} ${img.height}×${img.width}`,
      img,
      py: `F.adjust_hue(im, ${f})`,
      ours: ops(img, [{ kind: 'hue', factor: f }]),
      tol: 0,
    })),
  ),
  {
    name: 'jitter chain saturation→brightness→contrast 512²',
    img: big,
    py: 'F.adjust_contrast(F.adjust_brightness(F.adjust_saturation(im, 0.8123), 1.2007), 0.7777)',
    ours: ops(big, [{ kind: 'saturation', factor: 0.8123 }, { kind: 'brightness', factor: 1.2007 }, { kind: 'contrast', factor: 0.7777 }]),
    tol: 0,
  },
];

const PY = `
import sys, json, numpy as np
from PIL import Image
import torchvision.transforms.functional as F
from torchvision.transforms import InterpolationMode
cases = json.load(open(sys.argv[1]))
out = open(sys.argv[2], 'wb')
for c in cases:
    a = np.fromfile(c['file'], dtype=np.uint8).reshape(c['shape'])
    im = Image.fromarray(a[:, :, 0] if c['shape'][2] == 1 else a)
    r = np.asarray(eval(c['py']), dtype=np.uint8)
    if r.ndim == 2: r = r[:, :, None]
    out.write(json.dumps(list(r.shape)).encode() + b'\\n')
    out.write(r.tobytes())
`;

test('augmentation ops match Pillow / torchvision', { skip }, () => {
  const { dir, cleanup } = tempDir();
  try {
    const files = new Map<HwcImage, string>();
    const spec = cases.map((c, i) => {
      if (!files.has(c.img)) {
        const f = join(dir, `img${i}.raw`);
        writeFileSync(f, c.img.data);
        files.set(c.img, f);
      }
      return { file: files.get(c.img), shape: [c.img.height, c.img.width, c.img.channels], py: c.py };
    });
    writeFileSync(join(dir, 'cases.json'), JSON.stringify(spec));
    runPython(PY, [join(dir, 'cases.json'), join(dir, 'out.bin')]);
    const buf = readFileSync(join(dir, 'out.bin'));
    let off = 0;
    const failures: string[] = [];
    let maxOverall = 0;
    for (const c of cases) {
      const nl = buf.indexOf(10, off);
      const shape = JSON.parse(buf.subarray(off, nl).toString()) as number[];
      const n = shape[0] * shape[1] * shape[2];
      const ref = buf.subarray(nl + 1, nl + 1 + n);
      off = nl + 1 + n;
      const ours = c.ours();
      assert.deepEqual([ours.height, ours.width, ours.channels], shape, `${c.name}: shape`);
      let max = 0;
      let sum = 0;
      for (let i = 0; i < n; i++) {
        const d = Math.abs(ours.data[i] - ref[i]);
        if (d > max) max = d;
        sum += d;
      }
      maxOverall = Math.max(maxOverall, max);
      if (max > c.tol) failures.push(`${c.name}: max abs diff ${max}, mean ${(sum / n).toFixed(5)} (allowed ${c.tol})`);
    }
    assert.deepEqual(failures, [], failures.join('\n'));
    assert.equal(maxOverall, 0);
  } finally {
    cleanup();
  }
});
